/* SPDX-License-Identifier: MIT */
/* The WSAPoll backend of the Windows event loop (a growable array: no 64-socket limit),
 * its self-connected UDP wakeup socket, and the delivery of console control events and
 * service controls into the loop as plat_signal values. */
#include "win32/win32_internal.h"

#include "common/mem.h"

#include <stdlib.h>

/* socks[i] is the socket of slot i; NULL marks a hole left by a removed socket, squeezed
 * out before the next wait so that indices stay stable while a batch is dispatched.
 * Each wait copies the active slots into pfds (WSAPoll rejects an entry with no events
 * on some Windows versions, so paused sockets are left out rather than masked). */
struct win32_backend {
    plat_sock **socks;
    unsigned *events;
    size_t len, cap;
    bool holes;
    WSAPOLLFD *pfds;
    plat_sock **active;
    size_t pcap;
};

/* ---- Wakeup socket ------------------------------------------------------------------ */

/* A UDP socket bound to 127.0.0.1 and connected to itself: a datagram sent on it makes
 * it readable. Winsock has no pipes or eventfd that WSAPoll could watch. */
static int wake_socket(SOCKET *out, struct err_detail *d)
{
    SOCKET s = WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET)
        return win32__err(d, ERR_IO, (DWORD)WSAGetLastError(), "wakeup socket");
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int len = (int)sizeof sin;
    u_long nb = 1;
    if (bind(s, (struct sockaddr *)&sin, len) != 0 ||
        getsockname(s, (struct sockaddr *)&sin, &len) != 0 ||
        connect(s, (struct sockaddr *)&sin, len) != 0 || ioctlsocket(s, FIONBIO, &nb) != 0) {
        int rc = win32__err(d, ERR_IO, (DWORD)WSAGetLastError(), "wakeup socket");
        closesocket(s);
        return rc;
    }
    *out = s;
    return 0;
}

void win32__backend_poke(plat_loop *loop)
{
    char b = 1;
    /* A full socket buffer already guarantees a wakeup, so errors are not interesting. */
    send(loop->wake_sock->fd, &b, 1, 0);
}

int win32__backend_new(plat_loop *loop, SOCKET *wake, struct err_detail *d)
{
    int rc = wake_socket(wake, d);
    if (rc < 0)
        return rc;
    loop->be = xcalloc(1, sizeof *loop->be);
    return 0;
}

void win32__backend_free(plat_loop *loop)
{
    struct win32_backend *be = loop->be;
    free(be->socks);
    free(be->events);
    free(be->pfds);
    free(be->active);
    free(be);
    loop->be = NULL;
}

/* ---- Interest -------------------------------------------------------------------------- */

static size_t slot_add(struct win32_backend *be, plat_sock *s)
{
    if (be->len == be->cap) {
        be->cap = be->cap ? be->cap * 2 : 64;
        be->socks = xrealloc(be->socks, be->cap * sizeof *be->socks);
        be->events = xrealloc(be->events, be->cap * sizeof *be->events);
    }
    size_t i = be->len++;
    be->socks[i] = s;
    be->events[i] = 0;
    return i;
}

int win32__backend_update(plat_sock *s, unsigned events)
{
    struct win32_backend *be = s->loop->be;
    if (s->pipe)
        return 0; /* pipes are not in the WSAPoll array: plat_pipe.c reads s->want */
    if (s->slot == WIN32_NO_SLOT)
        s->slot = slot_add(be, s);
    be->events[s->slot] = events;
    return 0;
}

void win32__backend_remove(plat_sock *s)
{
    struct win32_backend *be = s->loop->be;
    if (s->slot == WIN32_NO_SLOT)
        return;
    be->socks[s->slot] = NULL;
    be->events[s->slot] = 0;
    s->slot = WIN32_NO_SLOT;
    be->holes = true;
}

static void slots_compact(struct win32_backend *be)
{
    size_t out = 0;
    for (size_t i = 0; i < be->len; i++) {
        plat_sock *s = be->socks[i];
        if (!s)
            continue;
        be->socks[out] = s;
        be->events[out] = be->events[i];
        s->slot = out++;
    }
    be->len = out;
    be->holes = false;
}

/* ---- Waiting ---------------------------------------------------------------------------- */

static unsigned plat_events(SHORT m)
{
    unsigned ev = 0;
    if (m & POLLRDNORM)
        ev |= PLAT_EV_READ;
    if (m & POLLWRNORM)
        ev |= PLAT_EV_WRITE;
    if (m & (POLLERR | POLLNVAL))
        ev |= PLAT_EV_ERROR;
    if (m & POLLHUP)
        ev |= PLAT_EV_HUP;
    return ev;
}

/* Copy the sockets that want events into the WSAPoll array; returns their count. */
static size_t fill_pollfds(struct win32_backend *be)
{
    if (be->pcap < be->len) {
        be->pcap = be->cap;
        be->pfds = xrealloc(be->pfds, be->pcap * sizeof *be->pfds);
        be->active = xrealloc(be->active, be->pcap * sizeof *be->active);
    }
    size_t n = 0;
    for (size_t i = 0; i < be->len; i++) {
        unsigned ev = be->events[i];
        if (ev == 0)
            continue;
        be->pfds[n].fd = be->socks[i]->fd;
        be->pfds[n].events = (SHORT)(((ev & PLAT_EV_READ) ? POLLRDNORM : 0) |
                                     ((ev & PLAT_EV_WRITE) ? POLLWRNORM : 0));
        be->pfds[n].revents = 0;
        be->active[n++] = be->socks[i];
    }
    return n;
}

int win32__backend_wait(plat_loop *loop, int timeout_ms)
{
    struct win32_backend *be = loop->be;
    if (be->holes)
        slots_compact(be);
    size_t n = fill_pollfds(be);
    /* A pipe whose I/O completes during the wait pokes the wakeup socket. */
    if (win32__pipes_refresh(loop))
        timeout_ms = 0;
    int ready = WSAPoll(be->pfds, (ULONG)n, timeout_ms);
    if (ready == SOCKET_ERROR)
        return WSAGetLastError() == WSAEINTR ? 0 : ERR_IO;
    /* Callbacks may close sockets of this batch: those are tombstones (closed), which
     * win32__sock_dispatch skips, and their memory lives until the iteration ends. */
    for (size_t i = 0; i < n && ready > 0; i++) {
        SHORT rev = be->pfds[i].revents;
        if (rev == 0)
            continue;
        ready--;
        win32__sock_dispatch(be->active[i], plat_events(rev));
    }
    win32__pipes_dispatch(loop);
    return 0;
}

/* ---- Signals: console control events and service controls ------------------------------ */

/* Signals are process-wide, as on POSIX: one loop at a time owns them. Pending signals
 * are bits in sig_pending, set from any thread; the owner's wakeup socket is poked under
 * sig_lock so that the owner cannot be freed meanwhile. A signal raised before any loop
 * handles signals (a stop during start-up) waits in the bits. */
static atomic_uint sig_pending;
static plat_loop *sig_owner;
static SRWLOCK sig_lock = SRWLOCK_INIT;

void win32__signal_raise(enum plat_signal sig)
{
    atomic_fetch_or(&sig_pending, 1u << sig);
    AcquireSRWLockExclusive(&sig_lock);
    if (sig_owner)
        win32__backend_poke(sig_owner);
    ReleaseSRWLockExclusive(&sig_lock);
}

void win32__signals_deliver(plat_loop *loop)
{
    if (!loop->sig_cb)
        return;
    unsigned bits = atomic_exchange(&sig_pending, 0u);
    for (unsigned sig = 0; sig < PLAT_SIG_COUNT_; sig++) {
        if (!(bits & (1u << sig)) || !loop->sig_cb)
            continue;
        loop->ncalls++;
        loop->sig_cb((enum plat_signal)sig, loop->sig_ud);
    }
}

/* Ctrl-C, Ctrl-Break, closing the console window, logoff and shutdown all mean "stop".
 * The handler runs on a thread the system creates. */
static BOOL WINAPI on_console_ctrl(DWORD type)
{
    switch (type) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        win32__signal_raise(PLAT_SIG_STOP);
        return TRUE;
    default:
        return FALSE;
    }
}

int plat_loop_handle_signals(plat_loop *loop, plat_signal_cb cb, void *ud)
{
    AcquireSRWLockExclusive(&sig_lock);
    bool taken = sig_owner && sig_owner != loop;
    if (!taken)
        sig_owner = loop;
    ReleaseSRWLockExclusive(&sig_lock);
    if (taken)
        return ERR_IO; /* another loop already owns the process's signals */
    loop->sig_cb = cb;
    loop->sig_ud = ud;
    if (!SetConsoleCtrlHandler(on_console_ctrl, TRUE))
        return ERR_IO;
    if (atomic_load(&sig_pending))
        win32__backend_poke(loop); /* raised before we listened */
    return 0;
}

void win32__signals_release(plat_loop *loop)
{
    AcquireSRWLockExclusive(&sig_lock);
    bool owned = sig_owner == loop;
    if (owned)
        sig_owner = NULL;
    ReleaseSRWLockExclusive(&sig_lock);
    if (owned)
        SetConsoleCtrlHandler(on_console_ctrl, FALSE);
    loop->sig_cb = NULL;
    loop->sig_ud = NULL;
}
