/* SPDX-License-Identifier: MIT */
/* Socket output shared by the benchmark programs (midge-bench's stream and connection
 * scenarios, midge-bench-floor): non-blocking writes with EPOLLOUT armed exactly while
 * output is left. Linux only, like the rest of tests/bench. */
#ifndef MIDGE_TESTS_BENCH_BENCH_IO_H
#define MIDGE_TESTS_BENCH_BENCH_IO_H

#include "common/buf.h"

#include <stdbool.h>

/* Write out's bytes to fd (registered in epoll set ep with data ptr) until they are all
 * gone or the socket is full; consumed bytes leave out, which stays the caller's. While
 * bytes are left the interest is EPOLLIN|EPOLLOUT, afterwards EPOLLIN; *want_out tracks
 * which. A connect still in progress (ENOTCONN) counts as full. Returns 0, or -1 with
 * errno set when the write failed (the caller decides what that means). Exits with 2 if
 * epoll_ctl fails. */
int bench_flush(int ep, int fd, void *ptr, struct buf *out, bool *want_out);

#endif
