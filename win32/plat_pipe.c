/* SPDX-License-Identifier: MIT */
/* Named-pipe streams as plat_sock records: overlapped reads and writes whose completion
 * events are watched by the thread pool, which pokes the loop's wakeup socket; the loop
 * thread then sees the finished I/O and dispatches readiness like WSAPoll would.
 *
 * WSAPoll cannot wait on pipe handles, so each pipe record keeps one read (or, on a
 * listening server instance, one ConnectNamedPipe) and one write in flight at most:
 *  - read side: a 16 KiB read-ahead buffer; READ is ready while it holds data or the pipe
 *    has ended (plat_sock_read then returns ERR_CLOSED or ERR_IO);
 *  - write side: plat_sock_write copies up to 16 KiB into the record and starts an
 *    overlapped write; WRITE is ready while no write is in flight.
 * The completion events are auto-reset events registered with RegisterWaitForSingleObject
 * (no thread of our own, no socket pair, nothing listens on the network). A completion
 * racing with the wait pokes the wakeup socket, so WSAPoll returns at once; the state
 * itself is only ever read on the loop thread (HasOverlappedIoCompleted). */
#include "win32/win32_internal.h"

#include "common/mem.h"

#include <string.h>

#define PIPE_CHUNK 16384
#define PIPE_LINGER_MS 10000 /* how long a closed pipe's last write may take */

struct win32_pipe {
    HANDLE h;
    bool listening; /* a server instance waiting for its client (ConnectNamedPipe) */
    bool connected; /* listening: a client is connected, the record is ready */
    unsigned ready; /* events found by win32__pipes_dispatch, not yet delivered */
    plat_sock *sock;
    plat_sock *next; /* loop->pipes */

    OVERLAPPED rov; /* the read or ConnectNamedPipe in flight */
    HANDLE rwait;
    bool rpending;
    int rerr; /* 0, ERR_CLOSED (peer gone) or ERR_IO: sticky */
    size_t rlen, roff;
    char rbuf[PIPE_CHUNK];

    OVERLAPPED wov; /* the write in flight */
    HANDLE wwait;
    bool wpending;
    int werr;
    char wbuf[PIPE_CHUNK];
};

/* The error of a pipe operation as a stream error. */
static int pipe_code(DWORD e)
{
    switch (e) {
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA:
    case ERROR_PIPE_NOT_CONNECTED:
    case ERROR_OPERATION_ABORTED:
        return ERR_CLOSED;
    default:
        return ERR_IO;
    }
}

/* Thread pool: an overlapped operation of a pipe on loop `ud` finished. */
static VOID CALLBACK on_io_done(PVOID ud, BOOLEAN timed_out)
{
    (void)timed_out;
    win32__backend_poke(ud);
}

/* Start waiting for a client on a listening instance. */
static void connect_start(struct win32_pipe *p)
{
    for (int tries = 0; tries < 2; tries++) {
        if (ConnectNamedPipe(p->h, &p->rov)) {
            p->connected = true; /* not expected in overlapped mode, but harmless */
            return;
        }
        DWORD e = GetLastError();
        if (e == ERROR_IO_PENDING) {
            p->rpending = true;
            return;
        }
        if (e == ERROR_PIPE_CONNECTED) {
            p->connected = true;
            return;
        }
        if (e != ERROR_NO_DATA)
            break;
        /* A client came and went before we waited: recycle the instance. */
        DisconnectNamedPipe(p->h);
    }
    p->rerr = ERR_IO;
}

/* Keep one read (or one connect wait) in flight when the buffer is empty. */
static void read_start(struct win32_pipe *p)
{
    if (p->rpending || p->rerr || p->roff < p->rlen || p->h == INVALID_HANDLE_VALUE)
        return;
    p->rlen = p->roff = 0;
    if (p->listening) {
        if (!p->connected)
            connect_start(p);
        return;
    }
    if (ReadFile(p->h, p->rbuf, (DWORD)sizeof p->rbuf, NULL, &p->rov) ||
        GetLastError() == ERROR_IO_PENDING)
        p->rpending = true; /* an immediate success is harvested by read_check too */
    else
        p->rerr = pipe_code(GetLastError());
}

/* Harvest a finished read (or connect wait); never blocks. */
static void read_check(struct win32_pipe *p)
{
    if (!p->rpending || !HasOverlappedIoCompleted(&p->rov))
        return;
    DWORD n = 0;
    p->rpending = false;
    if (!GetOverlappedResult(p->h, &p->rov, &n, FALSE)) {
        DWORD e = GetLastError();
        if (p->listening && e == ERROR_PIPE_CONNECTED)
            p->connected = true;
        else
            p->rerr = p->listening ? ERR_IO : pipe_code(e);
        return;
    }
    if (p->listening)
        p->connected = true;
    else
        p->rlen = n; /* 0 (a zero-length write of the peer) just starts the next read */
}

/* Harvest a finished write; never blocks. */
static void write_check(struct win32_pipe *p)
{
    if (!p->wpending || !HasOverlappedIoCompleted(&p->wov))
        return;
    DWORD n = 0;
    p->wpending = false;
    if (!GetOverlappedResult(p->h, &p->wov, &n, FALSE))
        p->werr = pipe_code(GetLastError());
}

/* The events the pipe can deliver now (after starting the next read if needed). */
static unsigned pipe_ready(struct win32_pipe *p)
{
    read_check(p);
    write_check(p);
    read_start(p);
    read_check(p);
    if (p->listening)
        return p->connected || p->rerr ? PLAT_EV_READ : 0u;
    unsigned ev = 0;
    if (p->roff < p->rlen || p->rerr)
        ev |= PLAT_EV_READ;
    if (p->rerr)
        ev |= p->rerr == ERR_CLOSED ? PLAT_EV_HUP : PLAT_EV_ERROR;
    if (!p->wpending)
        ev |= PLAT_EV_WRITE;
    return ev;
}

/* Close the handle and events and free the record; no I/O may be in flight. */
static void pipe_release(struct win32_pipe *p)
{
    if (p->h != INVALID_HANDLE_VALUE)
        CloseHandle(p->h);
    if (p->rov.hEvent)
        CloseHandle(p->rov.hEvent);
    if (p->wov.hEvent)
        CloseHandle(p->wov.hEvent);
    free(p);
}

/* Thread pool: let the last write of a closed pipe finish (as a socket's kernel buffer
 * would), bounded by PIPE_LINGER_MS, then release the record. */
static DWORD WINAPI linger(LPVOID ud)
{
    struct win32_pipe *p = ud;
    DWORD n;
    /* The completion wait is gone, so a completion after this check sets the event. */
    if (!HasOverlappedIoCompleted(&p->wov) &&
        WaitForSingleObject(p->wov.hEvent, PIPE_LINGER_MS) != WAIT_OBJECT_0)
        CancelIoEx(p->h, &p->wov);
    GetOverlappedResult(p->h, &p->wov, &n, TRUE);
    pipe_release(p);
    return 0;
}

static void pipe_free(struct win32_pipe *p)
{
    /* After UnregisterWaitEx(INVALID_HANDLE_VALUE) no callback runs or will run. */
    if (p->rwait)
        UnregisterWaitEx(p->rwait, INVALID_HANDLE_VALUE);
    if (p->wwait)
        UnregisterWaitEx(p->wwait, INVALID_HANDLE_VALUE);
    DWORD n;
    /* The buffers must outlive cancelled I/O; a completed one returns at once. */
    if (p->rpending) {
        CancelIoEx(p->h, &p->rov);
        GetOverlappedResult(p->h, &p->rov, &n, TRUE);
    }
    if (p->wpending && !HasOverlappedIoCompleted(&p->wov) &&
        QueueUserWorkItem(linger, p, WT_EXECUTELONGFUNCTION))
        return;
    if (p->wpending) {
        CancelIoEx(p->h, &p->wov);
        GetOverlappedResult(p->h, &p->wov, &n, TRUE);
    }
    pipe_release(p);
}

int win32__pipe_sock_new(plat_loop *loop, HANDLE h, bool listening, plat_sock **out,
                         struct err_detail *d)
{
    struct win32_pipe *p = xcalloc(1, sizeof *p);
    p->h = h;
    p->listening = listening;
    p->rov.hEvent = CreateEventW(NULL, FALSE, FALSE, NULL);
    p->wov.hEvent = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (!p->rov.hEvent || !p->wov.hEvent ||
        !RegisterWaitForSingleObject(&p->rwait, p->rov.hEvent, on_io_done, loop, INFINITE,
                                     WT_EXECUTEINWAITTHREAD) ||
        !RegisterWaitForSingleObject(&p->wwait, p->wov.hEvent, on_io_done, loop, INFINITE,
                                     WT_EXECUTEINWAITTHREAD)) {
        int rc = win32__err(d, ERR_IO, GetLastError(), "pipe completion events");
        pipe_free(p);
        return rc;
    }
    plat_sock *s = win32__sock_new(loop, INVALID_SOCKET);
    s->pipe = p;
    p->sock = s;
    p->next = loop->pipes;
    loop->pipes = s;
    read_start(p);
    *out = s;
    return 0;
}

int win32__pipe_listen_state(plat_sock *s)
{
    struct win32_pipe *p = s->pipe;
    read_check(p);
    read_start(p);
    read_check(p);
    if (p->connected)
        return 1;
    return p->rerr ? ERR_IO : 0;
}

HANDLE win32__pipe_exchange(plat_sock *s, HANDLE fresh)
{
    struct win32_pipe *p = s->pipe;
    ASSERT(p->listening && !p->rpending);
    HANDLE old = p->h;
    p->h = fresh;
    p->connected = false;
    p->rerr = 0;
    read_start(p);
    return old;
}

long win32__pipe_read(plat_sock *s, void *buf, size_t len)
{
    struct win32_pipe *p = s->pipe;
    read_check(p);
    if (p->roff == p->rlen && !p->rerr) {
        read_start(p);
        read_check(p);
    }
    if (p->roff < p->rlen) {
        size_t n = p->rlen - p->roff;
        if (n > len)
            n = len;
        memcpy(buf, p->rbuf + p->roff, n);
        p->roff += n;
        if (p->roff == p->rlen)
            read_start(p);
        return (long)n;
    }
    return p->rerr ? p->rerr : ERR_AGAIN;
}

long win32__pipe_write(plat_sock *s, const void *buf, size_t len)
{
    struct win32_pipe *p = s->pipe;
    write_check(p);
    if (p->werr)
        return p->werr;
    if (p->wpending)
        return ERR_AGAIN;
    size_t n = len < sizeof p->wbuf ? len : sizeof p->wbuf;
    memcpy(p->wbuf, buf, n);
    if (!WriteFile(p->h, p->wbuf, (DWORD)n, NULL, &p->wov) && GetLastError() != ERROR_IO_PENDING) {
        p->werr = pipe_code(GetLastError());
        return p->werr;
    }
    p->wpending = true;
    write_check(p);
    return (long)n;
}

void win32__pipe_close(plat_sock *s)
{
    struct win32_pipe *p = s->pipe;
    for (plat_sock **q = &s->loop->pipes; *q; q = &(*q)->pipe->next) {
        if (*q == s) {
            *q = p->next;
            break;
        }
    }
    s->pipe = NULL;
    pipe_free(p);
}

/* Whether the watcher of s takes any of ev (win32__sock_dispatch's rule). */
static bool wanted(const plat_sock *s, unsigned ev)
{
    return s->want && s->cb && (ev & (s->want | PLAT_EV_ERROR | PLAT_EV_HUP));
}

bool win32__pipes_refresh(plat_loop *loop)
{
    bool any = false;
    for (plat_sock *s = loop->pipes; s; s = s->pipe->next)
        if (wanted(s, pipe_ready(s->pipe)))
            any = true;
    return any;
}

void win32__pipes_dispatch(plat_loop *loop)
{
    for (plat_sock *s = loop->pipes; s; s = s->pipe->next) {
        unsigned ev = pipe_ready(s->pipe);
        s->pipe->ready = wanted(s, ev) ? ev : 0u;
    }
    /* Callbacks may close any pipe (it leaves the list) or open new ones (not ready
     * yet), so look for the next ready record from the head each time: the list holds
     * the few control connections only. */
    for (;;) {
        plat_sock *s = loop->pipes;
        while (s && !s->pipe->ready)
            s = s->pipe->next;
        if (!s)
            return;
        unsigned ev = s->pipe->ready;
        s->pipe->ready = 0;
        win32__sock_dispatch(s, ev);
    }
}
