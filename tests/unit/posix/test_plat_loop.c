/* SPDX-License-Identifier: MIT */
/* Tests of the POSIX event loop against the real OS (built once per backend): timers,
 * wakeup, the before-sleep hook, socket watches, tombstones and signals. */
#include "common/platform.h"
#include "tests/assert.h"
#include "tests/unit/posix/test_helpers.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

/* Run iterations until *flag is set or the deadline (ms) passes. */
static void run_until(plat_loop *loop, const int *flag, uint64_t limit_ms)
{
    uint64_t end = plat_time_mono_ms() + limit_ms;
    while (!*flag && plat_time_mono_ms() < end)
        ASSERT_TRUE(plat_loop_run_once(loop, 10) >= 0);
    ASSERT_TRUE(*flag);
}

static plat_loop *new_loop(void)
{
    plat_loop *loop = NULL;
    struct err_detail d = {0};
    ASSERT_EQ_INT(plat_loop_new(&loop, &d), 0);
    return loop;
}

/* ---- Timers ------------------------------------------------------------------------- */

struct order_log {
    int seen[8];
    int n;
};

struct tagged {
    struct order_log *log;
    int tag;
};

static void on_order(plat_timer *t, void *ud)
{
    struct tagged *tg = ud;
    (void)t;
    tg->log->seen[tg->log->n++] = tg->tag;
}

static void test_timer_order(void)
{
    plat_loop *loop = new_loop();
    struct order_log log = {.n = 0};
    struct tagged tags[5];
    plat_timer *t[5];
    const uint64_t due[5] = {30, 10, 20, 10, 0};
    for (int i = 0; i < 5; i++) {
        tags[i] = (struct tagged){&log, i};
        ASSERT_EQ_INT(plat_timer_new(loop, on_order, &tags[i], &t[i]), 0);
    }
    /* Start them in index order; equal due times must fire in start order. */
    for (int i = 0; i < 5; i++)
        plat_timer_start(t[i], due[i], 0);
    uint64_t end = plat_time_mono_ms() + 2000;
    while (log.n < 5 && plat_time_mono_ms() < end)
        ASSERT_TRUE(plat_loop_run_once(loop, -1) >= 0);
    ASSERT_EQ_INT(log.n, 5);
    const int want[5] = {4, 1, 3, 2, 0};
    ASSERT_EQ_MEM(log.seen, sizeof want, want, sizeof want);
    /* One-shot timers stay quiet afterwards. */
    ASSERT_EQ_INT(plat_loop_run_once(loop, 40), 0);
    for (int i = 0; i < 5; i++)
        plat_timer_free(t[i]);
    plat_loop_free(loop);
}

struct repeat_state {
    int count;
    int stop_at;
    bool free_self;
};

static void on_repeat(plat_timer *t, void *ud)
{
    struct repeat_state *st = ud;
    if (++st->count < st->stop_at)
        return;
    if (st->free_self)
        plat_timer_free(t); /* freeing from inside its own callback is allowed */
    else
        plat_timer_stop(t); /* and so is stopping */
}

static void test_timer_repeat_stop_free(void)
{
    for (int mode = 0; mode < 2; mode++) {
        plat_loop *loop = new_loop();
        struct repeat_state st = {.stop_at = 3, .free_self = mode == 1};
        plat_timer *t = NULL;
        ASSERT_EQ_INT(plat_timer_new(loop, on_repeat, &st, &t), 0);
        plat_timer_start(t, 1, 2);
        uint64_t end = plat_time_mono_ms() + 2000;
        while (st.count < 3 && plat_time_mono_ms() < end)
            ASSERT_TRUE(plat_loop_run_once(loop, -1) >= 0);
        ASSERT_EQ_INT(st.count, 3);
        ASSERT_EQ_INT(plat_loop_run_once(loop, 30), 0);
        ASSERT_EQ_INT(st.count, 3);
        if (!st.free_self) {
            plat_timer_stop(t); /* stopping a stopped timer is fine */
            plat_timer_start(t, 0, 0);
            ASSERT_EQ_INT(plat_loop_run_once(loop, 100), 1);
            ASSERT_EQ_INT(st.count, 4);
            plat_timer_free(t);
        }
        plat_timer_free(NULL);
        plat_loop_free(loop);
    }
}

/* Two timers expire in the same pass; the first frees the second, which must then
 * never run. */
static plat_timer *victim;
static int victim_runs;

static void on_killer(plat_timer *t, void *ud)
{
    (void)t;
    (void)ud;
    plat_timer_free(victim);
    victim = NULL;
}

static void on_victim(plat_timer *t, void *ud)
{
    (void)t;
    (void)ud;
    victim_runs++;
}

static void test_timer_free_other_in_same_pass(void)
{
    plat_loop *loop = new_loop();
    plat_timer *killer = NULL;
    ASSERT_EQ_INT(plat_timer_new(loop, on_killer, NULL, &killer), 0);
    ASSERT_EQ_INT(plat_timer_new(loop, on_victim, NULL, &victim), 0);
    plat_timer_start(killer, 0, 0);
    plat_timer_start(victim, 0, 0);
    test_sleep_ms(2);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 0), 1);
    ASSERT_EQ_INT(victim_runs, 0);
    ASSERT_TRUE(victim == NULL);
    plat_timer_free(killer);
    plat_loop_free(loop);
}

/* Thousands of timers, a third of them stopped: the rest fire, never early, and in the
 * order of their expiry. Each expiry is known to within the clock reading taken just
 * before and just after its plat_timer_start. */
enum { MANY = 20000 };
static uint64_t due_lo[MANY], due_hi[MANY];
static uint64_t last_lo;
static int many_fired;

static void on_many(plat_timer *t, void *ud)
{
    size_t i = (size_t)(uintptr_t)ud;
    (void)t;
    ASSERT_TRUE(plat_time_mono_ms() >= due_lo[i]);
    ASSERT_TRUE(due_hi[i] >= last_lo);
    last_lo = due_lo[i];
    many_fired++;
}

static void test_many_timers(void)
{
    plat_loop *loop = new_loop();
    static plat_timer *ts[MANY];
    uint32_t x = 12345;
    for (size_t i = 0; i < MANY; i++) {
        x = x * 1103515245u + 12345u;
        uint64_t rel = (x >> 8) % 60;
        ASSERT_EQ_INT(plat_timer_new(loop, on_many, (void *)(uintptr_t)i, &ts[i]), 0);
        due_lo[i] = plat_time_mono_ms() + rel;
        plat_timer_start(ts[i], rel, 0);
        due_hi[i] = plat_time_mono_ms() + rel;
    }
    for (size_t i = 0; i < MANY; i += 3)
        plat_timer_stop(ts[i]);
    int expected = MANY - (MANY + 2) / 3;
    uint64_t end = plat_time_mono_ms() + 3000;
    while (many_fired < expected && plat_time_mono_ms() < end)
        ASSERT_TRUE(plat_loop_run_once(loop, -1) >= 0);
    ASSERT_EQ_INT(many_fired, expected);
    for (size_t i = 0; i < MANY; i++)
        plat_timer_free(ts[i]);
    plat_loop_free(loop);
}

static void on_stop_timer(plat_timer *t, void *ud)
{
    (void)t;
    plat_loop_stop(ud);
}

static void test_run_and_stop(void)
{
    plat_loop *loop = new_loop();
    plat_timer *t = NULL;
    ASSERT_EQ_INT(plat_timer_new(loop, on_stop_timer, loop, &t), 0);
    plat_timer_start(t, 5, 0);
    ASSERT_EQ_INT(plat_loop_run(loop), 0);
    plat_timer_free(t);
    plat_loop_free(loop);
}

/* ---- Wakeup and before-sleep ---------------------------------------------------------- */

static int wakeups;

static void on_wakeup(void *ud)
{
    (void)ud;
    wakeups++;
}

static void *wake_thread(void *arg)
{
    test_sleep_ms(20);
    for (int i = 0; i < 100; i++)
        ASSERT_EQ_INT(plat_loop_wakeup(arg), 0);
    return NULL;
}

static void test_wakeup_from_thread(void)
{
    plat_loop *loop = new_loop();
    plat_loop_set_wakeup(loop, on_wakeup, NULL);
    pthread_t th;
    ASSERT_EQ_INT(pthread_create(&th, NULL, wake_thread, loop), 0);
    /* Wait "forever": only the other thread's wakeup can end this wait. */
    uint64_t end = plat_time_mono_ms() + 5000;
    while (wakeups == 0 && plat_time_mono_ms() < end)
        ASSERT_TRUE(plat_loop_run_once(loop, 5000) >= 0);
    ASSERT_EQ_INT(pthread_join(th, NULL), 0);
    ASSERT_TRUE(wakeups >= 1);
    /* Drain what coalesced, then the loop is quiet again. */
    while (plat_loop_run_once(loop, 20) > 0)
        ;
    int before = wakeups;
    ASSERT_EQ_INT(plat_loop_run_once(loop, 20), 0);
    ASSERT_EQ_INT(wakeups, before);
    ASSERT_TRUE(wakeups <= 100);
    plat_loop_free(loop);
}

struct hook_state {
    plat_timer *timer;
    plat_sock *sock;
    int hooks;
    int timer_fired;
    int reads;
};

static void on_hook_timer(plat_timer *t, void *ud)
{
    struct hook_state *hs = ud;
    (void)t;
    hs->timer_fired++;
}

static void on_hook_read(plat_sock *s, unsigned events, void *ud)
{
    struct hook_state *hs = ud;
    (void)s;
    ASSERT_TRUE(events & PLAT_EV_READ);
    hs->reads++;
}

static void hook_arm(void *ud)
{
    struct hook_state *hs = ud;
    if (hs->hooks++ == 0) {
        plat_timer_start(hs->timer, 0, 0);
        ASSERT_EQ_INT(plat_sock_watch(hs->sock, PLAT_EV_READ, on_hook_read, hs), 0);
    }
}

static void test_before_sleep(void)
{
    plat_loop *loop = new_loop();
    struct hook_state hs = {0};
    plat_sock *a, *b;
    test_tcp_pair(loop, &a, &b);
    ASSERT_EQ_INT(plat_sock_write(a, "x", 1), 1);
    test_sleep_ms(5);
    hs.sock = b;
    ASSERT_EQ_INT(plat_timer_new(loop, on_hook_timer, &hs, &hs.timer), 0);
    plat_loop_set_before_sleep(loop, hook_arm, &hs);
    /* The hook arms a 0 ms timer and a read watch before the wait; both must be honoured
     * by that same wait, so an "infinite" wait returns at once with both callbacks. */
    uint64_t t0 = plat_time_mono_ms();
    ASSERT_EQ_INT(plat_loop_run_once(loop, -1), 2);
    ASSERT_TRUE(plat_time_mono_ms() - t0 < 1000);
    ASSERT_EQ_INT(hs.hooks, 1);
    ASSERT_EQ_INT(hs.timer_fired, 1);
    ASSERT_EQ_INT(hs.reads, 1);
    ASSERT_TRUE(plat_loop_run_once(loop, 0) >= 0);
    ASSERT_EQ_INT(hs.hooks, 2);
    plat_loop_set_before_sleep(loop, NULL, NULL);
    ASSERT_TRUE(plat_loop_run_once(loop, 0) >= 0);
    ASSERT_EQ_INT(hs.hooks, 2);
    plat_timer_free(hs.timer);
    plat_sock_close(a);
    plat_sock_close(b);
    plat_loop_free(loop);
}

/* ---- Socket watches --------------------------------------------------------------------- */

struct io_state {
    unsigned last;
    int calls;
};

static void on_io(plat_sock *s, unsigned events, void *ud)
{
    struct io_state *st = ud;
    (void)s;
    st->last = events;
    st->calls++;
}

static void test_sock_watch_level_triggered(void)
{
    plat_loop *loop = new_loop();
    plat_sock *a, *b;
    test_tcp_pair(loop, &a, &b);
    struct io_state st = {0};
    ASSERT_EQ_INT(plat_sock_watch(b, PLAT_EV_READ, on_io, &st), 0);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 0), 0);
    ASSERT_EQ_INT(plat_sock_write(a, "hello", 5), 5);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 1000), 1);
    ASSERT_EQ_INT(st.last, PLAT_EV_READ);
    /* Level-triggered: unread data is reported again. */
    ASSERT_EQ_INT(plat_loop_run_once(loop, 0), 1);
    ASSERT_EQ_INT(plat_sock_watch(b, PLAT_EV_READ, on_io, &st), 0); /* unchanged */
    /* Paused: nothing, even with data waiting. */
    ASSERT_EQ_INT(plat_sock_watch(b, 0, NULL, NULL), 0);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 20), 0);
    /* Read and write interest together. */
    ASSERT_EQ_INT(plat_sock_watch(b, PLAT_EV_READ | PLAT_EV_WRITE, on_io, &st), 0);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 1000), 1);
    ASSERT_EQ_INT(st.last, PLAT_EV_READ | PLAT_EV_WRITE);
    char buf[16];
    ASSERT_EQ_INT(plat_sock_read(b, buf, sizeof buf), 5);
    ASSERT_EQ_MEM(buf, 5, "hello", 5);
    ASSERT_EQ_INT(plat_sock_read(b, buf, sizeof buf), ERR_AGAIN);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 1000), 1);
    ASSERT_EQ_INT(st.last, PLAT_EV_WRITE);
    /* The peer goes away: reading sees the end of the stream. */
    ASSERT_EQ_INT(plat_sock_watch(b, PLAT_EV_READ, on_io, &st), 0);
    plat_sock_close(a);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 1000), 1);
    ASSERT_TRUE(st.last & PLAT_EV_READ);
    ASSERT_EQ_INT(plat_sock_read(b, buf, sizeof buf), ERR_CLOSED);
    plat_sock_close(b);
    plat_sock_close(NULL);
    plat_loop_free(loop);
}

/* Spin before sleep: with the policy armed (a short wait that returned events), events
 * are still dispatched exactly once, a fruitless spin still honours the caller's timeout
 * and timers keep firing; turning it off again is immediate. */
static void on_flag_timer(plat_timer *t, void *ud)
{
    (void)t;
    *(int *)ud = 1;
}

static void test_spin_before_sleep(void)
{
    plat_loop *loop = new_loop();
    plat_loop_set_spin(loop, 1000);
    plat_sock *a, *b;
    test_tcp_pair(loop, &a, &b);
    struct io_state st = {0};
    char buf[16];
    ASSERT_EQ_INT(plat_sock_watch(b, PLAT_EV_READ, on_io, &st), 0);
    for (int i = 0; i < 3; i++) { /* the first wait arms it, the next ones spin */
        ASSERT_EQ_INT(plat_sock_write(a, "x", 1), 1);
        ASSERT_EQ_INT(plat_loop_run_once(loop, 1000), 1);
        ASSERT_EQ_INT(plat_sock_read(b, buf, sizeof buf), 1);
    }
    ASSERT_EQ_INT(st.calls, 3);
    uint64_t t0 = plat_time_mono_ms();
    ASSERT_EQ_INT(plat_loop_run_once(loop, 30), 0);
    ASSERT_TRUE(plat_time_mono_ms() - t0 >= 25);
    int fired = 0;
    plat_timer *t = NULL;
    ASSERT_EQ_INT(plat_timer_new(loop, on_flag_timer, &fired, &t), 0);
    plat_timer_start(t, 5, 0);
    ASSERT_EQ_INT(plat_sock_write(a, "y", 1), 1);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 1000), 1); /* re-arms */
    ASSERT_EQ_INT(plat_sock_read(b, buf, sizeof buf), 1);
    run_until(loop, &fired, 1000);
    plat_loop_set_spin(loop, 0);
    ASSERT_EQ_INT(plat_sock_write(a, "z", 1), 1);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 1000), 1);
    plat_timer_free(t);
    plat_sock_close(a);
    plat_sock_close(b);
    plat_loop_free(loop);
}

/* Two readable sockets in one batch; whichever callback runs first closes the other,
 * whose pending event must then be dropped. */
struct pair_state {
    plat_sock *socks[2];
    int calls[2];
};

static void on_closer(plat_sock *s, unsigned events, void *ud)
{
    struct pair_state *ps = ud;
    (void)events;
    int me = s == ps->socks[0] ? 0 : 1;
    ps->calls[me]++;
    plat_sock_close(ps->socks[1 - me]);
    ps->socks[1 - me] = NULL;
    /* Closing oneself inside one's own callback is fine too. */
    plat_sock_close(s);
    ps->socks[me] = NULL;
}

static void test_close_other_in_callback(void)
{
    plat_loop *loop = new_loop();
    plat_sock *a1, *b1, *a2, *b2;
    test_tcp_pair(loop, &a1, &b1);
    test_tcp_pair(loop, &a2, &b2);
    struct pair_state ps = {.socks = {b1, b2}};
    ASSERT_EQ_INT(plat_sock_watch(b1, PLAT_EV_READ, on_closer, &ps), 0);
    ASSERT_EQ_INT(plat_sock_watch(b2, PLAT_EV_READ, on_closer, &ps), 0);
    ASSERT_EQ_INT(plat_sock_write(a1, "1", 1), 1);
    ASSERT_EQ_INT(plat_sock_write(a2, "2", 1), 1);
    test_sleep_ms(20); /* both readable before the wait: one batch */
    ASSERT_EQ_INT(plat_loop_run_once(loop, 1000), 1);
    ASSERT_EQ_INT(ps.calls[0] + ps.calls[1], 1);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 20), 0);
    plat_sock_close(a1);
    plat_sock_close(a2);
    plat_loop_free(loop);
}

/* More sockets than FD_SETSIZE would allow: descriptors beyond 1024 still work. */
static int many_reads;

static void on_many_read(plat_sock *s, unsigned events, void *ud)
{
    char c;
    (void)events;
    (void)ud;
    ASSERT_EQ_INT(plat_sock_read(s, &c, 1), 1);
    ASSERT_EQ_INT(plat_sock_watch(s, 0, NULL, NULL), 0);
    many_reads++;
}

static void test_many_sockets(void)
{
    struct rlimit rl;
    ASSERT_EQ_INT(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < 1400 && rl.rlim_max >= 1400) {
        rl.rlim_cur = 1400;
        ASSERT_EQ_INT(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    int n = rl.rlim_cur >= 1400 ? 600 : (int)(rl.rlim_cur - 40) / 2;
    plat_loop *loop = new_loop();
    struct plat_addr bound;
    plat_sock *l = test_listen(loop, "127.0.0.1", &bound);
    plat_sock **cs = calloc((size_t)n, sizeof *cs);
    plat_sock **ss = calloc((size_t)n, sizeof *ss);
    for (int i = 0; i < n; i++) {
        ASSERT_EQ_INT(plat_sock_connect(loop, &bound, &cs[i], NULL), 0);
        ss[i] = test_accept(l, NULL);
        ASSERT_EQ_INT(plat_sock_watch(ss[i], PLAT_EV_READ, on_many_read, NULL), 0);
    }
    for (int i = 0; i < n; i++)
        ASSERT_EQ_INT(plat_sock_write(cs[i], "z", 1), 1);
    uint64_t end = plat_time_mono_ms() + 5000;
    while (many_reads < n && plat_time_mono_ms() < end)
        ASSERT_TRUE(plat_loop_run_once(loop, 100) >= 0);
    ASSERT_EQ_INT(many_reads, n);
    for (int i = 0; i < n; i++) {
        plat_sock_close(cs[i]);
        plat_sock_close(ss[i]);
    }
    free(cs);
    free(ss);
    plat_sock_close(l);
    plat_loop_free(loop);
}

/* ---- Signals ------------------------------------------------------------------------------ */

static int sig_seen[PLAT_SIG_COUNT_];

static void on_plat_signal(enum plat_signal sig, void *ud)
{
    (void)ud;
    sig_seen[sig]++;
}

static void test_signals(void)
{
    plat_loop *loop = new_loop();
    ASSERT_EQ_INT(plat_loop_handle_signals(loop, on_plat_signal, NULL), 0);
    ASSERT_EQ_INT(raise(SIGPIPE), 0); /* ignored: the test goes on */
    ASSERT_EQ_INT(raise(SIGHUP), 0);
    run_until(loop, &sig_seen[PLAT_SIG_RELOAD], 2000);
    ASSERT_EQ_INT(raise(SIGUSR1), 0);
    run_until(loop, &sig_seen[PLAT_SIG_SAVE], 2000);
    ASSERT_EQ_INT(raise(SIGUSR2), 0);
    run_until(loop, &sig_seen[PLAT_SIG_DEBUG], 2000);
    ASSERT_EQ_INT(raise(SIGTERM), 0);
    run_until(loop, &sig_seen[PLAT_SIG_STOP], 2000);
    ASSERT_EQ_INT(raise(SIGINT), 0);
    uint64_t end = plat_time_mono_ms() + 2000;
    while (sig_seen[PLAT_SIG_STOP] < 2 && plat_time_mono_ms() < end)
        ASSERT_TRUE(plat_loop_run_once(loop, 10) >= 0);
    ASSERT_EQ_INT(sig_seen[PLAT_SIG_STOP], 2);
    ASSERT_EQ_INT(sig_seen[PLAT_SIG_RELOAD], 1);
    plat_loop_free(loop);
    /* After the loop is gone the process can take signals again with another loop. */
    loop = new_loop();
    ASSERT_EQ_INT(plat_loop_handle_signals(loop, on_plat_signal, NULL), 0);
    ASSERT_EQ_INT(raise(SIGHUP), 0);
    end = plat_time_mono_ms() + 2000;
    while (sig_seen[PLAT_SIG_RELOAD] < 2 && plat_time_mono_ms() < end)
        ASSERT_TRUE(plat_loop_run_once(loop, 10) >= 0);
    ASSERT_EQ_INT(sig_seen[PLAT_SIG_RELOAD], 2);
    /* Only one loop owns the process's signals at a time. */
    plat_loop *other = new_loop();
    ASSERT_EQ_INT(plat_loop_handle_signals(other, on_plat_signal, NULL), ERR_IO);
    plat_loop_free(other);
    plat_loop_free(loop);
    /* Freeing the loop restores the dispositions it replaced. */
    signal(SIGUSR1, SIG_IGN);
    loop = new_loop();
    ASSERT_EQ_INT(plat_loop_handle_signals(loop, on_plat_signal, NULL), 0);
    plat_loop_free(loop);
    struct sigaction old;
    ASSERT_EQ_INT(sigaction(SIGUSR1, NULL, &old), 0);
    ASSERT_TRUE(old.sa_handler == SIG_IGN);
}

int main(void)
{
    RUN_TEST(test_timer_order);
    RUN_TEST(test_timer_repeat_stop_free);
    RUN_TEST(test_timer_free_other_in_same_pass);
    RUN_TEST(test_many_timers);
    RUN_TEST(test_run_and_stop);
    RUN_TEST(test_wakeup_from_thread);
    RUN_TEST(test_before_sleep);
    RUN_TEST(test_sock_watch_level_triggered);
    RUN_TEST(test_spin_before_sleep);
    RUN_TEST(test_close_other_in_callback);
    RUN_TEST(test_many_sockets);
    RUN_TEST(test_signals);
    return 0;
}
