/* SPDX-License-Identifier: MIT */
/* Tests of the POSIX process model: foreground run with a pid file, signals reaching the
 * service operations, start failures, live and stale pid files, the `user` check, and
 * daemon mode (parent exit status, session leader). */
#include "common/platform.h"
#include "tests/assert.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct svc {
    plat_loop *loop;
    plat_timer *timer;
    const char *pid_file;
    int start_rc;
    bool manual;      /* no scripted signals: the test stops the service itself */
    long uid_running; /* getuid() seen while the loop runs */
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
        s->uid_running = (long)getuid();
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
    if (s->manual)
        return 0;
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
    struct plat_service_opts o = {.daemonize = false, .pid_file = pid_path, .user = "root"};
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
    struct plat_service_opts o = {.pid_file = pid_path, .user = "root"};
    ASSERT_EQ_INT(plat_service_main(&ops, &o, &s), 1);
    ASSERT_EQ_INT(s.starts, 1);
    ASSERT_EQ_INT(s.cleanups, 1);
    ASSERT_TRUE(access(pid_path, F_OK) != 0);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void test_live_pid_file_refused(void)
{
    /* Our parent (the test runner) is certainly alive. */
    char text[32];
    snprintf(text, sizeof text, "%ld\n", (long)getppid());
    write_text(pid_path, text);
    struct svc s = {.pid_file = pid_path};
    struct plat_service_opts o = {.pid_file = pid_path, .user = "root"};
    ASSERT_EQ_INT(plat_service_main(&ops, &o, &s), 1);
    ASSERT_EQ_INT(s.starts, 0);
    ASSERT_EQ_INT(s.cleanups, 1);             /* the core still frees what it prepared */
    ASSERT_EQ_INT(access(pid_path, F_OK), 0); /* someone else's file: left alone */
    unlink(pid_path);
}

static void test_stale_pid_file_replaced(void)
{
    pid_t child = fork();
    ASSERT_TRUE(child >= 0);
    if (child == 0)
        _exit(0);
    ASSERT_EQ_INT(waitpid(child, NULL, 0), child); /* reaped: the pid names nothing now */
    char text[32];
    snprintf(text, sizeof text, "%ld\n", (long)child);
    write_text(pid_path, text);
    struct svc s = {.pid_file = pid_path};
    struct plat_service_opts o = {.pid_file = pid_path, .user = "root"};
    ASSERT_EQ_INT(plat_service_main(&ops, &o, &s), 0);
    ASSERT_EQ_INT(s.starts, 1);
    ASSERT_TRUE(access(pid_path, F_OK) != 0);
    /* Contents that are no pid at all are replaced too. */
    write_text(pid_path, "not a pid\n");
    struct svc s2 = {.pid_file = pid_path};
    ASSERT_EQ_INT(plat_service_main(&ops, &o, &s2), 0);
    ASSERT_EQ_INT(s2.starts, 1);
}

static void test_missing_user(void)
{
    struct svc s = {.pid_file = pid_path};
    struct plat_service_opts o = {.pid_file = pid_path, .user = "midge-no-such-user"};
    if (geteuid() == 0) {
        /* As root a user that does not exist is refused before anything starts. */
        ASSERT_EQ_INT(plat_service_main(&ops, &o, &s), 1);
        ASSERT_EQ_INT(s.starts, 0);
        ASSERT_EQ_INT(s.cleanups, 1);
    } else {
        /* Not root: `user` has no effect, as in mosquitto. */
        ASSERT_EQ_INT(plat_service_main(&ops, &o, &s), 0);
        ASSERT_EQ_INT(s.starts, 1);
    }
}

static void test_user_drop(void)
{
    if (geteuid() != 0) {
        printf("# not root: the privilege drop is not testable here\n");
        return;
    }
    char path[160];
    snprintf(path, sizeof path, "%s.nobody", pid_path);
    /* In a child process: the switch cannot be undone. */
    pid_t child = fork();
    ASSERT_TRUE(child >= 0);
    if (child == 0) {
        struct svc s = {.pid_file = path};
        struct plat_service_opts o = {.pid_file = path, .user = "nobody"};
        int status = plat_service_main(&ops, &o, &s);
        _exit(status == 0 && s.uid_running != 0 && getuid() != 0 && geteuid() != 0 ? 0 : 1);
    }
    int st = 0;
    ASSERT_EQ_INT(waitpid(child, &st, 0), child);
    ASSERT_TRUE(WIFEXITED(st));
    ASSERT_EQ_INT(WEXITSTATUS(st), 0);
    unlink(path); /* nobody may not remove root's file from the sticky /tmp */
}

/* Run plat_service_main(daemonize) in a helper process and return the helper's exit
 * status: the daemon parent's verdict. The daemon child never returns here (its own
 * exit ends in _exit below). */
static int run_daemon(struct svc *s)
{
    pid_t h = fork();
    ASSERT_TRUE(h >= 0);
    if (h == 0) {
        struct plat_service_opts o = {.daemonize = true, .pid_file = pid_path, .user = "root"};
        _exit(plat_service_main(&ops, &o, s));
    }
    int st = 0;
    ASSERT_EQ_INT(waitpid(h, &st, 0), h);
    ASSERT_TRUE(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static long read_pid(void)
{
    FILE *f = fopen(pid_path, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid;
}

static void test_daemon(void)
{
    struct svc s = {.pid_file = pid_path, .manual = true};
    /* The parent exits 0 only once the child serves; the pid file is then in place. */
    ASSERT_EQ_INT(run_daemon(&s), 0);
    long pid = read_pid();
    ASSERT_TRUE(pid > 0);
    ASSERT_EQ_INT(getsid((pid_t)pid), pid); /* a session leader */
    ASSERT_EQ_INT(kill((pid_t)pid, SIGTERM), 0);
    /* Wait (bounded) for the daemon to remove its pid file on the way out. */
    for (int i = 0; i < 500 && access(pid_path, F_OK) == 0; i++)
        usleep(10000);
    ASSERT_TRUE(access(pid_path, F_OK) != 0);
}

static void test_daemon_start_failure(void)
{
    /* A failing start reaches the parent, which exits 1. */
    struct svc s = {.pid_file = pid_path, .start_rc = ERR_ADDRINUSE};
    ASSERT_EQ_INT(run_daemon(&s), 1);
    ASSERT_TRUE(access(pid_path, F_OK) != 0);
}

int main(void)
{
    snprintf(pid_path, sizeof pid_path, "/tmp/midge-test-%ld.pid", (long)getpid());
    RUN_TEST(test_foreground_run);
    RUN_TEST(test_start_failure);
    RUN_TEST(test_live_pid_file_refused);
    RUN_TEST(test_stale_pid_file_replaced);
    RUN_TEST(test_missing_user);
    RUN_TEST(test_user_drop);
    RUN_TEST(test_daemon);
    RUN_TEST(test_daemon_start_failure);
    return 0;
}
