/* SPDX-License-Identifier: MIT */
/* Broker figures from /proc (VmRSS, CPU time) and process helpers of midge-bench's
 * connection and memory scenarios. Linux only. */
#ifndef MIDGE_TESTS_BENCH_BENCH_PROC_H
#define MIDGE_TESTS_BENCH_BENCH_PROC_H

#include <stdint.h>

/* VmRSS of pid in kB (/proc/PID/status), 0 when unknown or pid <= 0. */
uint64_t bench_proc_rss_kb(int pid);
/* utime + stime of pid in seconds (/proc/PID/stat), 0 when unknown or pid <= 0. */
double bench_proc_cpu_s(int pid);
/* Sleep until monotonic time t (ns); returns at once when it has passed. */
void bench_sleep_until(uint64_t t);
/* Raise this process's soft descriptor limit to its hard limit. */
void bench_raise_nofile(void);

#endif
