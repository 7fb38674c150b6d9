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

/* ---- Timers: binary min-heap ordered by (due, seq) --------------------------------- */

static bool timer_before(const plat_timer *a, const plat_timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_set(plat_loop *loop, size_t i, plat_timer *t)
{
    loop->heap[i] = t;
    t->heap_idx = i;
}

static void heap_sift_up(plat_loop *loop, size_t i)
{
    plat_timer *t = loop->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(t, loop->heap[parent]))
            break;
        heap_set(loop, i, loop->heap[parent]);
        i = parent;
    }
    heap_set(loop, i, t);
}

static void heap_sift_down(plat_loop *loop, size_t i)
{
    plat_timer *t = loop->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= loop->heap_len)
            break;
        if (child + 1 < loop->heap_len && timer_before(loop->heap[child + 1], loop->heap[child]))
            child++;
        if (!timer_before(loop->heap[child], t))
            break;
        heap_set(loop, i, loop->heap[child]);
        i = child;
    }
    heap_set(loop, i, t);
}

static void heap_push(plat_loop *loop, plat_timer *t)
{
    if (loop->heap_len == loop->heap_cap) {
        loop->heap_cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
        loop->heap = xrealloc(loop->heap, loop->heap_cap * sizeof *loop->heap);
    }
    loop->heap[loop->heap_len] = t;
    t->heap_idx = loop->heap_len++;
    heap_sift_up(loop, t->heap_idx);
}

static void heap_remove(plat_loop *loop, plat_timer *t)
{
    size_t i = t->heap_idx;
    plat_timer *last = loop->heap[--loop->heap_len];
    t->heap_idx = WIN32_NO_SLOT;
    if (last == t)
        return;
    heap_set(loop, i, last);
    if (i > 0 && timer_before(last, loop->heap[(i - 1) / 2]))
        heap_sift_up(loop, i);
    else
        heap_sift_down(loop, i);
}

static void ready_unlink(plat_loop *loop, plat_timer *t)
{
    if (t->ready_prev)
        t->ready_prev->ready_next = t->ready_next;
    else
        loop->ready_head = t->ready_next;
    if (t->ready_next)
        t->ready_next->ready_prev = t->ready_prev;
    else
        loop->ready_tail = t->ready_prev;
    t->ready_prev = t->ready_next = NULL;
    t->ready = false;
}

static void ready_append(plat_loop *loop, plat_timer *t)
{
    t->ready = true;
    t->ready_next = NULL;
    t->ready_prev = loop->ready_tail;
    if (loop->ready_tail)
        loop->ready_tail->ready_next = t;
    else
        loop->ready_head = t;
    loop->ready_tail = t;
}

/* Take t out of the heap or the expired list, wherever it is. */
static void timer_detach(plat_timer *t)
{
    if (t->heap_idx != WIN32_NO_SLOT)
        heap_remove(t->loop, t);
    if (t->ready)
        ready_unlink(t->loop, t);
}

int plat_timer_new(plat_loop *loop, plat_timer_cb cb, void *ud, plat_timer **out)
{
    plat_timer *t = xcalloc(1, sizeof *t);
    t->loop = loop;
    t->cb = cb;
    t->ud = ud;
    t->heap_idx = WIN32_NO_SLOT;
    *out = t;
    return 0;
}

/* Schedule t at `due`; t must be detached. */
static void timer_arm(plat_timer *t, uint64_t due)
{
    t->due = due;
    t->seq = t->loop->timer_seq++;
    heap_push(t->loop, t);
}

void plat_timer_start(plat_timer *t, uint64_t first_ms, uint64_t repeat_ms)
{
    uint64_t now = plat_time_mono_ms();
    timer_detach(t);
    t->repeat = repeat_ms;
    timer_arm(t, first_ms > UINT64_MAX - now ? UINT64_MAX : now + first_ms);
}

void plat_timer_stop(plat_timer *t)
{
    if (t)
        timer_detach(t);
}

void plat_timer_free(plat_timer *t)
{
    if (!t)
        return;
    timer_detach(t);
    free(t);
}

/* Run every timer that is due. Expired timers move to a list first, so that a timer
 * armed by a callback (even with 0 ms) waits for the next iteration instead of making
 * this one endless. A callback may stop or free any timer, including its own: we never
 * touch a timer after calling it. */
static void loop_run_timers(plat_loop *loop)
{
    uint64_t now = plat_time_mono_ms();
    while (loop->heap_len > 0 && loop->heap[0]->due <= now) {
        plat_timer *t = loop->heap[0];
        heap_remove(loop, t);
        ready_append(loop, t);
    }
    while (loop->ready_head) {
        plat_timer *t = loop->ready_head;
        ready_unlink(loop, t);
        if (t->repeat) {
            /* Keep the cadence, but skip beats that were missed entirely rather than
             * firing them in a burst. */
            uint64_t next = t->due + t->repeat;
            timer_arm(t, next > now ? next : now + t->repeat);
        }
        loop->ncalls++;
        t->cb(t, t->ud);
    }
}

/* How long the next wait may last: the caller's limit, shortened by the next timer. */
static int loop_wait_ms(plat_loop *loop, int timeout_ms)
{
    if (loop->stop)
        return 0;
    if (loop->heap_len == 0)
        return timeout_ms;
    uint64_t now = plat_time_mono_ms();
    uint64_t due = loop->heap[0]->due;
    uint64_t left = due > now ? due - now : 0;
    if (left > LOOP_MAX_WAIT_MS)
        left = LOOP_MAX_WAIT_MS;
    if (timeout_ms >= 0 && (uint64_t)timeout_ms < left)
        return timeout_ms;
    return (int)left;
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
    free(loop->heap);
    free(loop);
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
    int rc = win32__backend_wait(loop, loop_wait_ms(loop, timeout_ms));
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
