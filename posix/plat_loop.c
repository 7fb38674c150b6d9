/* SPDX-License-Identifier: MIT */
/* The epoll backend of the POSIX event loop: level-triggered readiness, with an eventfd
 * as the wakeup channel (the rest of the loop lives in plat_loop_core.c). */
#include "posix/posix_internal.h"

#include "common/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Events fetched per epoll_wait. Readiness is level-triggered, so sockets beyond this
 * batch are simply reported by the next wait. */
#define EPOLL_BATCH 1024

struct posix_backend {
    int epfd;
    struct epoll_event events[EPOLL_BATCH];
};

int posix__backend_new(plat_loop *loop, int *rfd, int *wfd, struct err_detail *d)
{
    struct posix_backend *be = xcalloc(1, sizeof *be);
    be->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (be->epfd < 0) {
        int rc = posix__err(d, ERR_IO, errno, "epoll_create1");
        free(be);
        return rc;
    }
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd < 0) {
        int rc = posix__err(d, ERR_IO, errno, "eventfd");
        close(be->epfd);
        free(be);
        return rc;
    }
    loop->be = be;
    *rfd = efd;
    *wfd = efd;
    return 0;
}

void posix__backend_free(plat_loop *loop)
{
    close(loop->be->epfd);
    free(loop->be);
    loop->be = NULL;
}

static uint32_t epoll_mask(unsigned events)
{
    uint32_t m = 0;
    if (events & PLAT_EV_READ)
        m |= EPOLLIN;
    if (events & PLAT_EV_WRITE)
        m |= EPOLLOUT;
    return m;
}

int posix__backend_update(plat_sock *s, unsigned events)
{
    struct epoll_event ev = {.events = epoll_mask(events), .data.ptr = s};
    int op = EPOLL_CTL_MOD;
    /* A paused socket is removed from the set entirely: epoll would otherwise keep
     * reporting a hang-up on it, and a paused caller must not be called at all. */
    if (s->want == 0)
        op = EPOLL_CTL_ADD;
    else if (events == 0)
        op = EPOLL_CTL_DEL;
    return epoll_ctl(s->loop->be->epfd, op, s->fd, &ev) < 0 ? ERR_IO : 0;
}

void posix__backend_remove(plat_sock *s)
{
    if (s->want != 0)
        epoll_ctl(s->loop->be->epfd, EPOLL_CTL_DEL, s->fd, NULL);
}

static unsigned plat_events(uint32_t m)
{
    unsigned ev = 0;
    if (m & EPOLLIN)
        ev |= PLAT_EV_READ;
    if (m & EPOLLOUT)
        ev |= PLAT_EV_WRITE;
    if (m & EPOLLERR)
        ev |= PLAT_EV_ERROR;
    if (m & EPOLLHUP)
        ev |= PLAT_EV_HUP;
    return ev;
}

int posix__backend_wait(plat_loop *loop, int timeout_ms)
{
    struct posix_backend *be = loop->be;
    int n = epoll_wait(be->epfd, be->events, EPOLL_BATCH, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : ERR_IO;
    /* A callback may close any socket of this batch: plat_sock_close leaves a tombstone
     * that posix__sock_dispatch skips, and frees it only after the iteration. */
    for (int i = 0; i < n; i++)
        posix__sock_dispatch(be->events[i].data.ptr, plat_events(be->events[i].events));
    return 0;
}
