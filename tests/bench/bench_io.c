/* SPDX-License-Identifier: MIT */
/* Socket output of the benchmark programs (tests/bench/bench_io.h). */
#include "tests/bench/bench_io.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static void set_interest(int ep, int fd, void *ptr, bool out, bool *want_out)
{
    struct epoll_event ev = {.events = EPOLLIN | (out ? (uint32_t)EPOLLOUT : 0u), .data.ptr = ptr};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0) {
        fprintf(stderr, "midge-bench: epoll_ctl: %s\n", strerror(errno));
        exit(2);
    }
    *want_out = out;
}

int bench_flush(int ep, int fd, void *ptr, struct buf *out, bool *want_out)
{
    while (buf_size(out) > 0) {
        ssize_t w = write(fd, buf_head(out), buf_size(out));
        if (w > 0) {
            buf_consume(out, (size_t)w);
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN)) {
            if (!*want_out)
                set_interest(ep, fd, ptr, true, want_out);
            return 0;
        }
        return -1;
    }
    if (*want_out)
        set_interest(ep, fd, ptr, false, want_out);
    return 0;
}
