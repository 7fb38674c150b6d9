/* SPDX-License-Identifier: MIT */
/* Latency histogram and sequence tracking of midge-bench (tests/bench/bench_stats.h). */
#include "tests/bench/bench_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t hist_index(uint64_t us)
{
    if (us < HIST_LIN)
        return (uint32_t)us;
    unsigned exp = 63u - (unsigned)__builtin_clzll(us); /* >= 10 */
    unsigned shift = exp - 9u;
    uint64_t sub = us >> shift; /* 512..1023 */
    uint64_t idx = HIST_LIN + (uint64_t)(exp - 10u) * HIST_SUB + (sub - HIST_SUB);
    return idx >= HIST_BUCKETS ? HIST_BUCKETS - 1u : (uint32_t)idx;
}

/* The middle of bucket idx, in microseconds. */
static uint64_t hist_value(uint32_t idx)
{
    if (idx < HIST_LIN)
        return idx;
    uint32_t exp = (idx - HIST_LIN) / HIST_SUB + 10u;
    uint64_t sub = (idx - HIST_LIN) % HIST_SUB + HIST_SUB;
    uint32_t shift = exp - 9u;
    return (sub << shift) + ((1ull << shift) >> 1);
}

uint64_t hist_quantile(const uint64_t *h, uint64_t total, double q)
{
    if (total == 0)
        return 0;
    uint64_t want = (uint64_t)(q * (double)total);
    if (want >= total)
        want = total - 1u;
    uint64_t acc = 0;
    for (uint32_t i = 0; i < HIST_BUCKETS; i++) {
        acc += h[i];
        if (acc > want)
            return hist_value(i);
    }
    return hist_value(HIST_BUCKETS - 1u);
}

void seen_mark(struct seen *s, uint32_t seq)
{
    size_t byte = seq / 8u;
    if (byte >= s->nbytes) {
        size_t nb = s->nbytes ? s->nbytes : 4096u;
        while (nb <= byte)
            nb *= 2u;
        uint8_t *p = realloc(s->bits, nb);
        if (!p) {
            fprintf(stderr, "midge-bench: out of memory\n");
            exit(2);
        }
        memset(p + s->nbytes, 0, nb - s->nbytes);
        s->bits = p;
        s->nbytes = nb;
    }
    uint8_t bit = (uint8_t)(1u << (seq % 8u));
    if (s->bits[byte] & bit) {
        s->dup++;
        return;
    }
    s->bits[byte] |= bit;
    s->unique++;
    if ((int64_t)seq < s->last)
        s->reordered++;
    else
        s->last = seq;
}
