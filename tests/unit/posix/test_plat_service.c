/* SPDX-License-Identifier: MIT */
/* Tests of the POSIX process model: foreground run with a pid file, signals reaching the
 * service operations, start failures, and the refused daemon mode. */
#include "common/platform.h"
#include "tests/assert.h"

#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct svc {
    plat_loop *loop;
    plat_timer *timer;
    const char *pid_file;
    int start_rc;
    int starts, stops, reloads, saves, debugs, cleanups;
};

/* Drive the scenario from inside the loop: HUP, USR1, USR2, then TERM. */
static void on_step(plat_timer *t, void *ud)
{
    struct svc *s = ud;
    (void)t;
    if (s->reloads == 0) {
        /* The pid file exists while the service runs. */
        struct stat st;
        ASSERT_EQ_INT(stat(s->pid_file, &st), 0);
        ASSERT_EQ_INT(st.st_mode & 0777, 0644);
        raise(SIGHUP);
    } else if (s->saves == 0) {
        raise(SIGUSR1);
    } else if (s->debugs == 0) {
        raise(SIGUSR2);
    } else {
        raise(SIGTERM);
    }
}

static int svc_start(plat_loop *loop, void *ud)
{
    struct svc *s = ud;
    s->starts++;
    s->loop = loop;
    if (s->start_rc < 0)
        return s->start_rc;
    ASSERT_EQ_INT(plat_timer_new(loop, on_step, s, &s->timer), 0);
    plat_timer_start(s->timer, 1, 5);
    return 0;
}

static void svc_stop(void *ud)
{
    struct svc *s = ud;
    s->stops++;
    plat_loop_stop(s->loop);
}

static void svc_reload(void *ud)
{
    ((struct svc *)ud)->reloads++;
}
static void svc_save(void *ud)
{
    ((struct svc *)ud)->saves++;
}
static void svc_debug(void *ud)
{
    ((struct svc *)ud)->debugs++;
}

static void svc_cleanup(void *ud)
{
    struct svc *s = ud;
    s->cleanups++;
    plat_timer_free(s->timer);
    s->timer = NULL;
}

static const struct plat_service_ops ops = {
    .start = svc_start,
    .stop = svc_stop,
    .reload = svc_reload,
    .save = svc_save,
    .debug = svc_debug,
    .cleanup = svc_cleanup,
};

static char pid_path[128];

static void test_foreground_run(void)
{
    struct svc s = {.pid_file = pid_path};
    struct plat_service_opts o = {.daemonize = false, .pid_file = pid_path};
    ASSERT_EQ_INT(plat_service_main(&ops, &o, &s), 0);
    ASSERT_EQ_INT(s.starts, 1);
    ASSERT_EQ_INT(s.reloads, 1);
    ASSERT_EQ_INT(s.saves, 1);
    ASSERT_EQ_INT(s.debugs, 1);
    ASSERT_EQ_INT(s.stops, 1);
    ASSERT_EQ_INT(s.cleanups, 1);
    ASSERT_TRUE(access(pid_path, F_OK) != 0); /* removed on exit */
}

static void test_start_failure(void)
{
    struct svc s = {.pid_file = pid_path, .start_rc = ERR_ADDRINUSE};
    struct plat_service_opts o = {.pid_file = pid_path};
    ASSERT_EQ_INT(plat_service_main(&ops, &o, &s), 1);
    ASSERT_EQ_INT(s.starts, 1);
    ASSERT_EQ_INT(s.cleanups, 1);
    ASSERT_TRUE(access(pid_path, F_OK) != 0);
}

static void test_daemon_refused(void)
{
    struct svc s = {0};
    struct plat_service_opts o = {.daemonize = true};
    ASSERT_EQ_INT(plat_service_main(&ops, &o, &s), 1);
    ASSERT_EQ_INT(s.starts, 0);
}

int main(void)
{
    snprintf(pid_path, sizeof pid_path, "/tmp/midge-test-%ld.pid", (long)getpid());
    RUN_TEST(test_foreground_run);
    RUN_TEST(test_start_failure);
    RUN_TEST(test_daemon_refused);
    return 0;
}
