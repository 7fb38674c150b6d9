/* SPDX-License-Identifier: MIT */
/* The fake event loop: readiness computed from in-memory sockets, timers on the fake
 * clock, the before-sleep hook, wakeup and signals, with the real loop's ordering and
 * tombstone rule (see tests/fakes/fake_plat.h). */
#include "tests/fakes/fake_internal.h"

#include "common/mem.h"

#include <stdlib.h>

/* Iterations fake_loop_settle runs at most by default. */
#define SETTLE_DEFAULT_ITERS 10000

int plat_loop_new(plat_loop **out, struct err_detail *d)
{
    (void)d;
    plat_loop *loop = xcalloc(1, sizeof *loop);
    atomic_init(&loop->wake_pending, false);
    *out = loop;
    return 0;
}

void plat_loop_free(plat_loop *loop)
{
    if (!loop)
        return;
    ASSERT(!loop->in_iter);
    /* The contract asks the owner to free sockets and timers first; a leftover one is
     * a bug in the code under test, which ASan will then report as a leak. */
    ASSERT(loop->socks_head == NULL);
    free(loop);
}

/* ---- Sockets: list, interest, close ------------------------------------------------- */

void fake__sock_link(plat_loop *loop, plat_sock *s)
{
    s->loop = loop;
    s->prev = loop->socks_tail;
    s->next = NULL;
    if (loop->socks_tail)
        loop->socks_tail->next = s;
    else
        loop->socks_head = s;
    loop->socks_tail = s;
}

static void sock_unlink(plat_sock *s)
{
    plat_loop *loop = s->loop;
    if (s->prev)
        s->prev->next = s->next;
    else
        loop->socks_head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        loop->socks_tail = s->prev;
    s->prev = s->next = NULL;
}

int plat_sock_watch(plat_sock *s, unsigned events, plat_sock_cb cb, void *ud)
{
    ASSERT(s && !s->closed);
    s->want = events & (PLAT_EV_READ | PLAT_EV_WRITE);
    s->cb = cb;
    s->ud = ud;
    return 0;
}

void plat_sock_close(plat_sock *s)
{
    if (!s)
        return;
    ASSERT(!s->closed);
    plat_loop *loop = s->loop;
    fake__sock_closing(s);
    struct fake_client *fc = s->fc;
    if (fc) {
        fc->sock = NULL;
        fc->broker_closed = true;
    }
    /* A listener's queued clients are refused, as the kernel would reset them. */
    while (s->pending_head) {
        struct fake_client *p = s->pending_head;
        s->pending_head = p->next_pending;
        p->listener = NULL;
        p->next_pending = NULL;
        p->refused = true;
    }
    sock_unlink(s);
    s->closed = true;
    s->want = 0;
    s->cb = NULL;
    s->ud = NULL;
    s->fc = NULL;
    if (loop->in_iter) {
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

/* ---- Timers --------------------------------------------------------------------------- */

int plat_timer_new(plat_loop *loop, plat_timer_cb cb, void *ud, plat_timer **out)
{
    plat_timer *t = xcalloc(1, sizeof *t);
    t->loop = loop;
    t->cb = cb;
    t->ud = ud;
    t->next = loop->timers;
    if (loop->timers)
        loop->timers->prev = t;
    loop->timers = t;
    *out = t;
    return 0;
}

static void ready_unlink(plat_timer *t)
{
    plat_loop *loop = t->loop;
    if (t->rprev)
        t->rprev->rnext = t->rnext;
    else
        loop->ready_head = t->rnext;
    if (t->rnext)
        t->rnext->rprev = t->rprev;
    else
        loop->ready_tail = t->rprev;
    t->rprev = t->rnext = NULL;
    t->ready = false;
}

static bool timer_before(const plat_timer *a, const plat_timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

/* Insert t into the expired list in (due, seq) order. */
static void ready_insert(plat_timer *t)
{
    plat_loop *loop = t->loop;
    plat_timer *after = loop->ready_tail;
    while (after && timer_before(t, after))
        after = after->rprev;
    t->ready = true;
    t->rprev = after;
    t->rnext = after ? after->rnext : loop->ready_head;
    if (t->rnext)
        t->rnext->rprev = t;
    else
        loop->ready_tail = t;
    if (after)
        after->rnext = t;
    else
        loop->ready_head = t;
}

static void timer_arm(plat_timer *t, uint64_t due)
{
    t->due = due;
    t->seq = t->loop->timer_seq++;
    t->armed = true;
}

void plat_timer_start(plat_timer *t, uint64_t first_ms, uint64_t repeat_ms)
{
    uint64_t now = plat_time_mono_ms();
    if (t->ready)
        ready_unlink(t);
    t->repeat = repeat_ms;
    timer_arm(t, first_ms > UINT64_MAX - now ? UINT64_MAX : now + first_ms);
}

void plat_timer_stop(plat_timer *t)
{
    if (!t)
        return;
    t->armed = false;
    if (t->ready)
        ready_unlink(t);
}

void plat_timer_free(plat_timer *t)
{
    if (!t)
        return;
    plat_timer_stop(t);
    plat_loop *loop = t->loop;
    if (t->prev)
        t->prev->next = t->next;
    else
        loop->timers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    free(t);
}

/* Earliest due time of an armed timer, or UINT64_MAX. */
static uint64_t next_due(const plat_loop *loop)
{
    uint64_t due = UINT64_MAX;
    for (const plat_timer *t = loop->timers; t; t = t->next)
        if (t->armed && t->due < due)
            due = t->due;
    return due;
}

/* Run every timer that is due, in (due, seq) order. As in the real loop, expired timers
 * move to a list first so that one re-armed by a callback waits for the next iteration,
 * and a repeating timer that fell behind skips the missed beats. */
static void loop_run_timers(plat_loop *loop)
{
    uint64_t now = plat_time_mono_ms();
    for (plat_timer *t = loop->timers; t; t = t->next) {
        if (t->armed && t->due <= now) {
            t->armed = false;
            ready_insert(t);
        }
    }
    while (loop->ready_head) {
        plat_timer *t = loop->ready_head;
        ready_unlink(t);
        if (t->repeat) {
            uint64_t next = t->due + t->repeat;
            timer_arm(t, next > now ? next : now + t->repeat);
        }
        loop->ncalls++;
        t->cb(t, t->ud);
    }
}

/* ---- Iterations ------------------------------------------------------------------------ */

/* One entry of an iteration's readiness snapshot (what epoll_wait would return). */
struct ready_ev {
    plat_sock *s;
    unsigned events;
};

/* Readiness of every live socket, masked by its interest; ERROR/HUP always count. */
static size_t loop_snapshot(plat_loop *loop, struct ready_ev **out)
{
    size_t n = 0;
    size_t cap = 0;
    struct ready_ev *v = NULL;
    for (plat_sock *s = loop->socks_head; s; s = s->next) {
        if (s->want == 0 || !s->cb)
            continue;
        unsigned ev = fake__sock_ready(s) & (s->want | PLAT_EV_ERROR | PLAT_EV_HUP);
        if (ev == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[n++] = (struct ready_ev){s, ev};
    }
    *out = v;
    return n;
}

/* Deliver a snapshot; a socket closed or paused by an earlier callback of the same
 * batch is skipped (its record is a tombstone until the iteration ends). */
static void loop_dispatch(plat_loop *loop, struct ready_ev *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        plat_sock *s = v[i].s;
        if (s->closed || s->want == 0 || !s->cb)
            continue;
        unsigned ev = v[i].events;
        if (ev & (PLAT_EV_ERROR | PLAT_EV_HUP))
            ev |= s->want;
        ev &= s->want | PLAT_EV_ERROR | PLAT_EV_HUP;
        if (ev == 0)
            continue;
        loop->ncalls++;
        s->cb(s, ev, s->ud);
    }
}

/* Wakeups and signals raised since the last iteration. */
static void loop_run_internal(plat_loop *loop)
{
    if (atomic_exchange(&loop->wake_pending, false) && loop->wakeup_cb) {
        loop->ncalls++;
        loop->wakeup_cb(loop->wakeup_ud);
    }
    unsigned sigs = loop->sig_pending;
    loop->sig_pending = 0;
    for (unsigned sig = 0; sig < PLAT_SIG_COUNT_; sig++) {
        if ((sigs & (1u << sig)) && loop->sig_cb) {
            loop->ncalls++;
            loop->sig_cb((enum plat_signal)sig, loop->sig_ud);
        }
    }
}

/* With nothing ready, "sleep": jump the fake clock to the next timer within timeout_ms
 * (-1 = unbounded). Returns false when nothing could ever become ready. */
static bool loop_sleep(plat_loop *loop, int timeout_ms)
{
    if (timeout_ms == 0 || loop->stop)
        return true;
    uint64_t now = plat_time_mono_ms();
    uint64_t due = next_due(loop);
    uint64_t limit = timeout_ms < 0 ? UINT64_MAX : now + (uint64_t)timeout_ms;
    if (due == UINT64_MAX && timeout_ms < 0)
        return false;
    uint64_t until = due < limit ? due : limit;
    if (until > now)
        fake_time_set(until);
    return true;
}

int plat_loop_run_once(plat_loop *loop, int timeout_ms)
{
    ASSERT(!loop->in_iter); /* not re-entrant: never call it from a callback */
    loop->in_iter = true;
    loop->ncalls = 0;
    if (loop->before_sleep)
        loop->before_sleep(loop->before_sleep_ud);
    struct ready_ev *v = NULL;
    size_t n = loop_snapshot(loop, &v);
    bool pending = n > 0 || atomic_load(&loop->wake_pending) || loop->sig_pending;
    int rc = 0;
    if (!pending && !loop_sleep(loop, timeout_ms))
        rc = ERR_TIMEOUT; /* single-threaded fake: a wait forever would never end */
    loop_dispatch(loop, v, n);
    free(v);
    loop_run_internal(loop);
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

/* The fake clock never passes while polling, so the fake loop never spins. */
void plat_loop_set_spin(plat_loop *loop, uint32_t max_us)
{
    (void)loop;
    (void)max_us;
}

void plat_loop_set_wakeup(plat_loop *loop, plat_hook_cb cb, void *ud)
{
    loop->wakeup_cb = cb;
    loop->wakeup_ud = cb ? ud : NULL;
}

int plat_loop_wakeup(plat_loop *loop)
{
    atomic_store(&loop->wake_pending, true);
    return 0;
}

int plat_loop_handle_signals(plat_loop *loop, plat_signal_cb cb, void *ud)
{
    loop->sig_cb = cb;
    loop->sig_ud = ud;
    return 0;
}

void fake_loop_raise_signal(plat_loop *loop, enum plat_signal sig)
{
    ASSERT((unsigned)sig < PLAT_SIG_COUNT_);
    loop->sig_pending |= 1u << sig;
}

/* ---- Test drivers ----------------------------------------------------------------------- */

int fake_loop_settle(plat_loop *loop, int max_iters)
{
    if (max_iters <= 0)
        max_iters = SETTLE_DEFAULT_ITERS;
    int i = 0;
    while (i < max_iters) {
        i++;
        int rc = plat_loop_run_once(loop, 0);
        ASSERT(rc >= 0);
        if (rc == 0)
            break;
    }
    return i;
}

void fake_loop_run_for(plat_loop *loop, uint64_t ms)
{
    uint64_t end = plat_time_mono_ms() + ms;
    fake_loop_settle(loop, 0);
    for (;;) {
        uint64_t due = next_due(loop);
        if (due > end)
            break;
        if (due > plat_time_mono_ms())
            fake_time_set(due);
        fake_loop_settle(loop, 0);
    }
    fake_time_set(end);
    fake_loop_settle(loop, 0);
}
