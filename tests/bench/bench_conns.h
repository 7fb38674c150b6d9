/* SPDX-License-Identifier: MIT */
/* midge-bench connection and memory scenarios (idle, retained, conns), kept apart from the
 * message-stream scenarios of midge_bench.c. Linux-only, like the rest of the generator. */
#ifndef MIDGE_TESTS_BENCH_CONNS_H
#define MIDGE_TESTS_BENCH_CONNS_H

#include <stdbool.h>

/* True when argv's --scenario names one of the scenarios of this file. */
bool bench_conns_selected(int argc, char **argv);

/* Parse argv (the same --host/--port/--scenario as midge-bench plus the options of these
 * scenarios), run the scenario, print one key=value result line and one '#' summary line.
 * Returns the process exit status: 0 ok, 1 validation failed, 2 error. */
int bench_conns_main(int argc, char **argv);

#endif
