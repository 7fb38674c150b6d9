/* SPDX-License-Identifier: MIT */
/* Delivery statistics of midge-bench's stream scenarios: a log-linear latency histogram
 * (microseconds, about 0.2 % resolution above 1 ms) and, per subscriber and publisher,
 * a growable bitmap of the sequence numbers seen (unique, duplicate, reordered). */
#ifndef MIDGE_TESTS_BENCH_BENCH_STATS_H
#define MIDGE_TESTS_BENCH_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

#define HIST_LIN 1024u
#define HIST_SUB 512u
#define HIST_BUCKETS (HIST_LIN + 40u * HIST_SUB)

/* Bucket of a latency of us microseconds in an array of HIST_BUCKETS counters. */
uint32_t hist_index(uint64_t us);
/* The q-quantile (0..1) of the total samples counted in h, in microseconds. */
uint64_t hist_quantile(const uint64_t *h, uint64_t total, double q);

/* Sequence numbers one subscriber has seen from one publisher; zero it and set last to
 * -1 before use; bits is owned by the struct (free it). */
struct seen {
    uint8_t *bits;
    size_t nbytes;
    uint64_t unique;
    uint64_t dup;
    uint64_t reordered;
    int64_t last; /* highest sequence seen, -1 for none */
};

/* Count sequence seq: unique, duplicate or (below the highest seen) reordered. Exits
 * with 2 when out of memory. */
void seen_mark(struct seen *s, uint32_t seq);

#endif
