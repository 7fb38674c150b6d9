/* SPDX-License-Identifier: MIT */
/* The poll() backend of the POSIX event loop, for systems without epoll: a growable
 * pollfd array (no FD_SETSIZE limit) and a pipe as the wakeup channel. */
#include "posix/posix_internal.h"

#include "common/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

/* pfds[i] and socks[i] describe the same socket. A removed socket leaves a hole
 * (socks[i] == NULL) that is compacted away just before the next poll(), so indices stay
 * stable while a batch is being dispatched. A paused socket keeps its slot with fd -1,
 * which poll() ignores. */
struct posix_backend {
    struct pollfd *pfds;
    plat_sock **socks;
    size_t len, cap;
    bool holes;
};

int posix__backend_new(plat_loop *loop, int *rfd, int *wfd, struct err_detail *d)
{
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
        return posix__err(d, ERR_IO, errno, "pipe2");
    loop->be = xcalloc(1, sizeof *loop->be);
    *rfd = fds[0];
    *wfd = fds[1];
    return 0;
}

void posix__backend_free(plat_loop *loop)
{
    free(loop->be->pfds);
    free(loop->be->socks);
    free(loop->be);
    loop->be = NULL;
}

static short poll_mask(unsigned events)
{
    short m = 0;
    if (events & PLAT_EV_READ)
        m |= POLLIN;
    if (events & PLAT_EV_WRITE)
        m |= POLLOUT;
    return m;
}

static size_t slot_add(struct posix_backend *be, plat_sock *s)
{
    if (be->len == be->cap) {
        be->cap = be->cap ? be->cap * 2 : 64;
        be->pfds = xrealloc(be->pfds, be->cap * sizeof *be->pfds);
        be->socks = xrealloc(be->socks, be->cap * sizeof *be->socks);
    }
    size_t i = be->len++;
    be->socks[i] = s;
    be->pfds[i].fd = -1;
    be->pfds[i].events = 0;
    be->pfds[i].revents = 0;
    return i;
}

int posix__backend_update(plat_sock *s, unsigned events)
{
    struct posix_backend *be = s->loop->be;
    if (s->slot == POSIX_NO_SLOT)
        s->slot = slot_add(be, s);
    struct pollfd *p = &be->pfds[s->slot];
    p->fd = events ? s->fd : -1;
    p->events = poll_mask(events);
    return 0;
}

void posix__backend_remove(plat_sock *s)
{
    struct posix_backend *be = s->loop->be;
    if (s->slot == POSIX_NO_SLOT)
        return;
    be->socks[s->slot] = NULL;
    be->pfds[s->slot].fd = -1;
    be->pfds[s->slot].revents = 0;
    s->slot = POSIX_NO_SLOT;
    be->holes = true;
}

/* Squeeze out the holes left by removed sockets. */
static void slots_compact(struct posix_backend *be)
{
    size_t out = 0;
    for (size_t i = 0; i < be->len; i++) {
        plat_sock *s = be->socks[i];
        if (!s)
            continue;
        be->socks[out] = s;
        be->pfds[out] = be->pfds[i];
        s->slot = out++;
    }
    be->len = out;
    be->holes = false;
}

static unsigned plat_events(short m)
{
    unsigned ev = 0;
    if (m & POLLIN)
        ev |= PLAT_EV_READ;
    if (m & POLLOUT)
        ev |= PLAT_EV_WRITE;
    if (m & (POLLERR | POLLNVAL))
        ev |= PLAT_EV_ERROR;
    if (m & POLLHUP)
        ev |= PLAT_EV_HUP;
    return ev;
}

int posix__backend_wait(plat_loop *loop, int timeout_ms)
{
    struct posix_backend *be = loop->be;
    if (be->holes)
        slots_compact(be);
    size_t n = be->len;
    int ready = poll(be->pfds, (nfds_t)n, timeout_ms);
    if (ready < 0)
        return errno == EINTR ? 0 : ERR_IO;
    /* Callbacks may add sockets (appended past n, possibly reallocating the arrays, so
     * re-read them each time) or remove them (holes, skipped here). */
    for (size_t i = 0; i < n && ready > 0; i++) {
        short rev = be->pfds[i].revents;
        if (rev == 0)
            continue;
        ready--;
        be->pfds[i].revents = 0;
        if (be->socks[i])
            posix__sock_dispatch(be->socks[i], plat_events(rev));
    }
    return 0;
}
