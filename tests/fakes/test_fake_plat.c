/* SPDX-License-Identifier: MIT */
/* Tests of the fake platform itself: the loop contract it shares with posix/ (timer
 * order, before-sleep hook, level-triggered readiness, the tombstone rule) and its
 * in-memory files, log, fixed random bytes and process model. */
#include "tests/assert.h"
#include "tests/fakes/fake_plat.h"

#include <stdlib.h>

static int g_fired[8];
static int g_n_fired;
static int g_hooks;

static void on_timer(plat_timer *t, void *ud)
{
    (void)t;
    g_fired[g_n_fired++] = *(const int *)ud;
}

static void on_hook(void *ud)
{
    (void)ud;
    g_hooks++;
}

static void test_timers_and_hook(void)
{
    plat_loop *loop = NULL;
    ASSERT_EQ_INT(plat_loop_new(&loop, NULL), 0);
    plat_loop_set_before_sleep(loop, on_hook, NULL);
    static const int tags[3] = {0, 1, 2};
    plat_timer *t[3];
    for (int i = 0; i < 3; i++)
        plat_timer_new(loop, on_timer, (void *)&tags[i], &t[i]);
    plat_timer_start(t[0], 30, 0);
    plat_timer_start(t[1], 10, 0);
    plat_timer_start(t[2], 10, 100);               /* equal due: start order; then every 100 ms */
    ASSERT_EQ_INT(plat_loop_run_once(loop, 0), 0); /* nothing due, no sleep */
    ASSERT_EQ_INT(g_hooks, 1);
    fake_time_advance(30);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 0), 3);
    ASSERT_EQ_INT(g_fired[0], 1);
    ASSERT_EQ_INT(g_fired[1], 2);
    ASSERT_EQ_INT(g_fired[2], 0);
    fake_loop_run_for(loop, 300); /* every beat of the repeating timer */
    ASSERT_EQ_INT(g_n_fired, 6);
    /* A positive timeout with nothing ready jumps to the next timer. */
    uint64_t before = plat_time_mono_ms();
    ASSERT_EQ_INT(plat_loop_run_once(loop, 1000), 1);
    ASSERT_EQ_INT(plat_time_mono_ms() - before, 80); /* from 330 to the beat at 410 */
    for (int i = 0; i < 3; i++)
        plat_timer_free(t[i]);
    ASSERT_EQ_INT(plat_loop_run_once(loop, -1), ERR_TIMEOUT); /* would block forever */
    plat_loop_free(loop);
    fake_reset();
}

struct pair {
    plat_sock *a, *b;
    int calls;
};

/* Whichever socket runs first closes the other: the other must get no callback. */
static void on_closer(plat_sock *s, unsigned events, void *ud)
{
    struct pair *p = ud;
    (void)events;
    p->calls++;
    plat_sock **other = s == p->a ? &p->b : &p->a;
    plat_sock_close(*other);
    *other = NULL;
}

static void on_listen(plat_sock *s, unsigned events, void *ud)
{
    struct pair *p = ud;
    (void)events;
    plat_sock **slot = p->a ? &p->b : &p->a;
    ASSERT_EQ_INT(plat_sock_accept(s, slot, NULL), 0);
}

static void test_sockets_and_tombstones(void)
{
    plat_loop *loop = NULL;
    plat_loop_new(&loop, NULL);
    struct plat_addr a;
    ASSERT_EQ_INT(plat_net_resolve("127.0.0.1", 1883, PLAT_AF_ANY, true, &a, 1, NULL), 1);
    char text[64];
    ASSERT_EQ_STR(plat_addr_format(&a, text, sizeof text), "127.0.0.1:1883");
    plat_sock *l = NULL;
    ASSERT_EQ_INT(plat_sock_listen(loop, &a, 16, &l, NULL), 0);
    ASSERT_EQ_INT(plat_sock_listen(loop, &a, 16, &l, NULL), ERR_ADDRINUSE);
    ASSERT_TRUE(fake_connect(1884) == NULL);
    struct pair p = {0};
    plat_sock_watch(l, PLAT_EV_READ, on_listen, &p);
    struct fake_client *c1 = fake_connect(1883);
    struct fake_client *c2 = fake_connect(1883);
    fake_loop_settle(loop, 0);
    ASSERT_TRUE(p.a && p.b);
    plat_sock_watch(p.a, PLAT_EV_READ, on_closer, &p);
    plat_sock_watch(p.b, PLAT_EV_READ, on_closer, &p);
    fake_client_send(c1, "x", 1);
    fake_client_send(c2, "y", 1);
    ASSERT_EQ_INT(plat_loop_run_once(loop, 0), 1); /* both ready, one callback */
    ASSERT_EQ_INT(p.calls, 1);
    ASSERT_TRUE(fake_client_is_closed(c1) != fake_client_is_closed(c2));
    /* Level-triggered: the survivor's unread byte makes it ready again. */
    plat_sock *s = p.a ? p.a : p.b;
    plat_sock_watch(s, PLAT_EV_READ | PLAT_EV_WRITE, on_closer, &p);
    char byte;
    ASSERT_EQ_INT(plat_sock_read(s, &byte, 1), 1);
    ASSERT_EQ_INT(plat_sock_read(s, &byte, 1), ERR_AGAIN);
    struct fake_client *fc = fake_client_is_closed(c1) ? c2 : c1;
    fake_client_set_window(fc, 2);
    ASSERT_EQ_INT(plat_sock_write(s, "abc", 3), 2);
    ASSERT_EQ_INT(plat_sock_write(s, "c", 1), ERR_AGAIN);
    ASSERT_EQ_INT(fake_client_write_count(fc), 1);
    fake_client_close(fc);
    ASSERT_EQ_INT(plat_sock_read(s, &byte, 1), ERR_CLOSED);
    plat_sock_close(s);
    plat_sock_close(l);
    plat_loop_free(loop);
    fake_reset();
}

static void test_files_log_random(void)
{
    fake_fs_put("/etc/midge/conf.d/b.conf", "b");
    fake_fs_put("/etc/midge/conf.d/a.txt", "a");
    ASSERT_EQ_INT(plat_file_write_atomic("/etc/midge/conf.d/c.conf", "cc", 2, 0600, NULL), 0);
    ASSERT_EQ_INT(fake_fs_mode("/etc/midge/conf.d/c.conf"), 0600);
    char **names = NULL;
    size_t n = 0;
    ASSERT_EQ_INT(plat_dir_list("/etc/midge/conf.d", ".conf", &names, &n, NULL), 0);
    ASSERT_EQ_INT(n, 2);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    fake_fs_fail_writes(ERR_IO);
    ASSERT_EQ_INT(plat_file_write_atomic("/etc/midge/conf.d/c.conf", "x", 1, 0600, NULL), ERR_IO);
    ASSERT_EQ_STR(fake_fs_get("/etc/midge/conf.d/c.conf", NULL), "cc");
    char *data = NULL;
    size_t len = 0;
    ASSERT_EQ_INT(plat_file_read_all("/etc/midge/conf.d/b.conf", 1, &data, &len, NULL), 0);
    ASSERT_EQ_STR(data, "b");
    free(data);
    ASSERT_EQ_INT(plat_file_read_all("/nope", 10, &data, &len, NULL), ERR_NOTFOUND);

    plat_log_console(2, "hello world");
    plat_log_syslog(PLAT_LOG_ERROR, "to syslog");
    enum fake_log_sink sink;
    ASSERT_EQ_STR(fake_log_line(1, &sink), "to syslog");
    ASSERT_EQ_INT(sink, FAKE_LOG_SYSLOG);
    ASSERT_TRUE(fake_log_contains("lo wor"));

    uint8_t r1[20], r2[20];
    plat_random_bytes(r1, sizeof r1);
    fake_random_seed(0);
    plat_random_bytes(r2, sizeof r2);
    ASSERT_EQ_MEM(r1, sizeof r1, r2, sizeof r2);
    fake_reset();
    ASSERT_EQ_INT(fake_log_count(), 0);
    ASSERT_EQ_INT(plat_time_mono_ms(), FAKE_TIME_START_MS);
}

/* The fake process model: start, signals, cleanup in the calling thread; daemon mode
 * and `user` recorded; the pid file present only while running; a leftover pid file
 * replaced with a log line through ops->log. */
struct fake_svc {
    plat_loop *loop;
    int starts, reloads, cleanups, logs;
    bool pid_seen;
};

static int fsvc_start(plat_loop *loop, void *ud)
{
    struct fake_svc *s = ud;
    s->loop = loop;
    s->starts++;
    fake_loop_raise_signal(loop, PLAT_SIG_RELOAD);
    fake_loop_raise_signal(loop, PLAT_SIG_STOP);
    return 0;
}

static void fsvc_stop(void *ud)
{
    struct fake_svc *s = ud;
    s->pid_seen = fake_fs_get("/run/midge.pid", NULL) != NULL;
    plat_loop_stop(s->loop);
}

static void fsvc_reload(void *ud)
{
    ((struct fake_svc *)ud)->reloads++;
}

static void fsvc_cleanup(void *ud)
{
    ((struct fake_svc *)ud)->cleanups++;
}

static void fsvc_log(enum plat_log_level level, const char *line, void *ud)
{
    (void)level;
    (void)line;
    ((struct fake_svc *)ud)->logs++;
}

static void test_service(void)
{
    const struct plat_service_ops ops = {.start = fsvc_start,
                                         .stop = fsvc_stop,
                                         .reload = fsvc_reload,
                                         .cleanup = fsvc_cleanup,
                                         .log = fsvc_log};
    fake_fs_put("/run/midge.pid", "999\n");
    struct plat_service_opts o = {.daemonize = true, .pid_file = "/run/midge.pid", .user = "mq"};
    struct fake_svc s = {0};
    ASSERT_EQ_INT(plat_service_main(&ops, &o, &s), 0);
    ASSERT_EQ_INT(s.starts, 1);
    ASSERT_EQ_INT(s.reloads, 1);
    ASSERT_EQ_INT(s.cleanups, 1);
    ASSERT_EQ_INT(s.logs, 1);
    ASSERT_TRUE(s.pid_seen);
    ASSERT_TRUE(fake_fs_get("/run/midge.pid", NULL) == NULL);
    ASSERT_TRUE(fake_service_detached());
    ASSERT_EQ_STR(fake_service_user(), "mq");
    fake_reset();
    ASSERT_FALSE(fake_service_detached());
    ASSERT_EQ_STR(fake_service_user(), "");
}

int main(void)
{
    RUN_TEST(test_timers_and_hook);
    RUN_TEST(test_sockets_and_tombstones);
    RUN_TEST(test_files_log_random);
    RUN_TEST(test_service);
    return 0;
}
