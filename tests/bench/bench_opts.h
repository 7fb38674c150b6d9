/* SPDX-License-Identifier: MIT */
/* Options of midge-bench's stream scenarios (fan-in, fan-out, latency): the command line
 * and each scenario's client counts and defaults. */
#ifndef MIDGE_TESTS_BENCH_BENCH_OPTS_H
#define MIDGE_TESTS_BENCH_BENCH_OPTS_H

#include <stdint.h>

#define HDR_LEN 20u /* payload header: magic, publisher id, sequence (u32 each), time (u64) */

struct opts {
    const char *host;
    uint16_t port;
    const char *scenario;
    uint32_t pubs, subs;
    uint8_t qos;
    uint64_t messages;
    double seconds;
    double rate;
    uint32_t size;
    uint32_t window;
    uint32_t e2e_window;
    uint32_t timeout_s;
};

/* Parse argv into o (whose fields hold the defaults on entry); --help prints the usage
 * and exits 0, a bad option or value prints why and exits 2. The strings in o point
 * into argv. */
void bench_parse_args(struct opts *o, int argc, char **argv);

#endif
