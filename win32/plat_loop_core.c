/* SPDX-License-Identifier: MIT */
/* The backend-independent half of the Windows event loop: run loop, hooks, timer heap,
 * wakeup, and socket lifetime with tombstones (the same rules as posix/). */
#include "win32/win32_internal.h"

#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

/* Longest single wait; a bound keeps the int conversion of far-away timers safe. */
#define LOOP_MAX_WAIT_MS 3600000

/* ---- Sockets: creation, interest, dispatch, close ---------------------------------- */

plat_sock *win32__sock_new(plat_loop *loop, SOCKET fd)
{
    plat_sock *s = xcalloc(1, sizeof *s);
    s->loop = loop;
    s->fd = fd;
    s->slot = WIN32_NO_SLOT;
    return s;
}

int plat_sock_watch(plat_sock *s, unsigned events, plat_sock_cb cb, void *ud)
{
    ASSERT(s && !s->closed);
    events &= PLAT_EV_READ | PLAT_EV_WRITE;
    s->cb = cb;
    s->ud = ud;
    if (events == s->want)
        return 0; /* unchanged interest: no system call */
    int rc = win32__backend_update(s, events);
    if (rc == 0)
        s->want = events;
    return rc;
}

void win32__sock_dispatch(plat_sock *s, unsigned events)
{
    /* A tombstone, a paused socket, or one whose interest shrank since the kernel
     * reported it: nothing to deliver. */
    if (s->closed || s->want == 0 || !s->cb)
        return;
    /* Errors and hang-ups are always reported; they also wake the directions the
     * caller waits for, so that its read or write discovers the cause. */
    if (events & (PLAT_EV_ERROR | PLAT_EV_HUP))
        events |= s->want;
    events &= s->want | PLAT_EV_ERROR | PLAT_EV_HUP;
    if (events == 0)
        return;
    if (!s->internal)
        s->loop->ncalls++;
    s->cb(s, events, s->ud);
}

void plat_sock_close(plat_sock *s)
{
    if (!s)
        return;
    ASSERT(!s->closed);
    plat_loop *loop = s->loop;
    win32__backend_remove(s);
    if (s->pipe)
        win32__pipe_close(s);
    else
        closesocket(s->fd);
    s->fd = INVALID_SOCKET;
    s->closed = true;
    s->want = 0;
    s->cb = NULL;
    s->ud = NULL;
    if (loop->in_iter) {
        /* Events for s may still be pending in this iteration's batch. */
        s->next_dead = loop->dead;
        loop->dead = s;
    } else {
        free(s);
    }
}

static void loop_reap_dead(plat_loop *loop)
{
    while (loop->dead) {
        plat_sock *s = loop->dead;
        loop->dead = s->next_dead;
        free(s);
    }
}

/* ---- Timers: common/timerq holds the ordering; this file adds the clock ------------- */

static plat_timer *timer_of(struct timerq_node *n)
{
    return (plat_timer *)(void *)((char *)n - offsetof(plat_timer, node));
}

int plat_timer_new(plat_loop *loop, plat_timer_cb cb, void *ud, plat_timer **out)
{
    plat_timer *t = xcalloc(1, sizeof *t);
    t->loop = loop;
    t->cb = cb;
    t->ud = ud;
    timerq_node_init(&t->node);
    *out = t;
    return 0;
}

void plat_timer_start(plat_timer *t, uint64_t first_ms, uint64_t repeat_ms)
{
    uint64_t now = plat_time_mono_ms();
    timerq_arm(&t->loop->timers, &t->node,
               first_ms > UINT64_MAX - now ? UINT64_MAX : now + first_ms, repeat_ms);
}

void plat_timer_stop(plat_timer *t)
{
    if (t)
        timerq_detach(&t->loop->timers, &t->node);
}

void plat_timer_free(plat_timer *t)
{
    if (!t)
        return;
    timerq_detach(&t->loop->timers, &t->node);
    free(t);
}

/* Run every timer that is due. A callback may stop or free any timer, including its own:
 * timerq_next_ready has re-armed or detached it before we call it, and we never touch a
 * timer after calling it. */
static void loop_run_timers(plat_loop *loop)
{
    uint64_t now = plat_time_mono_ms();
    timerq_expire(&loop->timers, now);
    struct timerq_node *n;
    while ((n = timerq_next_ready(&loop->timers, now)) != NULL) {
        plat_timer *t = timer_of(n);
        loop->ncalls++;
        t->cb(t, t->ud);
    }
}

/* How long the next wait may last: the caller's limit, shortened by the next timer. */
static int loop_wait_ms(plat_loop *loop, int timeout_ms)
{
    if (loop->stop)
        return 0;
    return timerq_wait_ms(&loop->timers, plat_time_mono_ms(), timeout_ms, LOOP_MAX_WAIT_MS);
}

/* ---- The loop ------------------------------------------------------------------------ */

static void on_wake_readable(plat_sock *s, unsigned events, void *ud);

int plat_loop_new(plat_loop **out, struct err_detail *d)
{
    int rc = win32__wsa_init();
    if (rc < 0)
        return err_set(d, rc, NULL, 0, "cannot start Winsock");
    plat_loop *loop = xcalloc(1, sizeof *loop);
    SOCKET wake = INVALID_SOCKET;
    atomic_init(&loop->wake_pending, false);
    rc = win32__backend_new(loop, &wake, d);
    if (rc < 0)
        goto fail;
    loop->wake_sock = win32__sock_new(loop, wake);
    loop->wake_sock->internal = true;
    rc = plat_sock_watch(loop->wake_sock, PLAT_EV_READ, on_wake_readable, loop);
    if (rc < 0) {
        err_set(d, rc, NULL, 0, "cannot watch the wakeup socket");
        goto fail;
    }
    *out = loop;
    return 0;
fail:
    plat_loop_free(loop);
    return rc;
}

void plat_loop_free(plat_loop *loop)
{
    if (!loop)
        return;
    ASSERT(!loop->in_iter);
    win32__signals_release(loop);
    if (loop->wake_sock)
        plat_sock_close(loop->wake_sock);
    if (loop->be)
        win32__backend_free(loop);
    loop_reap_dead(loop);
    timerq_cleanup(&loop->timers);
    free(loop);
}

/* Monotonic nanoseconds, for the spin budget (plat_time_mono_ms is too coarse). */
static uint64_t mono_ns(void)
{
    /* The counter's frequency is fixed at boot; every thread computes the same value. */
    static double ns_per_tick;
    if (ns_per_tick == 0) {
        LARGE_INTEGER f;
        QueryPerformanceFrequency(&f);
        ns_per_tick = 1e9 / (double)f.QuadPart;
    }
    LARGE_INTEGER c;
    QueryPerformanceCounter(&c);
    return (uint64_t)((double)c.QuadPart * ns_per_tick);
}

static unsigned online_cpus(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors > 0 ? (unsigned)si.dwNumberOfProcessors : 1u;
}

/* spinwait's poll function: one backend wait, returning the user callbacks it ran. */
static int poll_backend(void *ctx, int ms)
{
    plat_loop *loop = ctx;
    int before = loop->ncalls;
    int rc = win32__backend_wait(loop, ms);
    return rc < 0 ? rc : loop->ncalls - before;
}

void plat_loop_set_spin(plat_loop *loop, uint32_t max_us)
{
    spinwait_init(&loop->spin, max_us, online_cpus());
}

int plat_loop_run_once(plat_loop *loop, int timeout_ms)
{
    ASSERT(!loop->in_iter); /* not re-entrant: never call it from a callback */
    loop->in_iter = true;
    loop->ncalls = 0;
    if (loop->before_sleep)
        loop->before_sleep(loop->before_sleep_ud);
    /* Computed after the hook, so timers it armed shorten this very wait and interest
     * changes it made are what the backend waits for. */
    int rc =
        spinwait_wait(&loop->spin, loop_wait_ms(loop, timeout_ms), poll_backend, mono_ns, loop);
    if (rc == 0)
        loop_run_timers(loop);
    loop->in_iter = false;
    loop_reap_dead(loop);
    return rc < 0 ? rc : loop->ncalls;
}

int plat_loop_run(plat_loop *loop)
{
    int rc = 0;
    while (!loop->stop) {
        rc = plat_loop_run_once(loop, -1);
        if (rc < 0)
            break;
    }
    loop->stop = false;
    return rc < 0 ? rc : 0;
}

void plat_loop_stop(plat_loop *loop)
{
    loop->stop = true;
}

void plat_loop_set_before_sleep(plat_loop *loop, plat_hook_cb cb, void *ud)
{
    loop->before_sleep = cb;
    loop->before_sleep_ud = cb ? ud : NULL;
}

/* ---- Wakeup ---------------------------------------------------------------------------- */

void plat_loop_set_wakeup(plat_loop *loop, plat_hook_cb cb, void *ud)
{
    loop->wakeup_cb = cb;
    loop->wakeup_ud = cb ? ud : NULL;
}

int plat_loop_wakeup(plat_loop *loop)
{
    /* Coalesce: while a wakeup is pending, further ones need no system call. */
    if (atomic_exchange(&loop->wake_pending, true))
        return 0;
    win32__backend_poke(loop);
    return 0;
}

static void on_wake_readable(plat_sock *s, unsigned events, void *ud)
{
    plat_loop *loop = ud;
    (void)events;
    /* Clear the flag before draining: a wakeup racing with us either is drained here
     * (and covered by the callback below) or sends again after the drain. */
    bool woken = atomic_exchange(&loop->wake_pending, false);
    char buf[64];
    while (recv(s->fd, buf, (int)sizeof buf, 0) > 0) {
    }
    win32__signals_deliver(loop);
    if (woken && loop->wakeup_cb) {
        loop->ncalls++;
        loop->wakeup_cb(loop->wakeup_ud);
    }
}
