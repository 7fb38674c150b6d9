/* SPDX-License-Identifier: MIT */
/* The POSIX process model: foreground or daemon (-d), signals wired to the service
 * operations, the pid file, the switch away from root, and service manager
 * notifications (sd_notify). */
#include "posix/posix_internal.h"

#include "common/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The byte a daemon child writes to its parent once it serves. */
#define READY_BYTE 'R'

/* What the signal handler needs to reach the core. */
struct service_ctx {
    const struct plat_service_ops *ops;
    const struct plat_service_opts *opts;
    void *ud;
    plat_loop *loop;
    bool stopping;
    int ready_fd;   /* daemon child: write end of the pipe to the waiting parent; else -1 */
    char *pid_file; /* owned copy: the core frees its configuration in ops->cleanup */
    bool pid_written;
    struct posix_user user;
};

/* One line for the broker's log (or stderr when the core has no log callback). */
static void service_log(struct service_ctx *ctx, enum plat_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void service_log(struct service_ctx *ctx, enum plat_log_level level, const char *fmt, ...)
{
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (ctx->ops->log) {
        ctx->ops->log(level, line, ctx->ud);
        return;
    }
    char full[800];
    snprintf(full, sizeof full, "midge: %s", line);
    plat_log_console(2, full);
}

/* A start-up failure, on stderr: before the daemon reports ready that is still the
 * terminal (or whatever started midge), so the user sees why it did not start. */
static void service_console(const char *what, int rc, const struct err_detail *d)
{
    char line[768];
    snprintf(line, sizeof line, "midge: %s: %s", what, d->msg[0] ? d->msg : err_str(rc));
    plat_log_console(2, line);
}

/* RELOADING=1 with the monotonic time systemd >= 253 asks for (older ones ignore it). */
static void notify_reloading(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char state[96];
    snprintf(state, sizeof state, "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000u);
    posix__notify(state);
}

static void on_service_signal(enum plat_signal sig, void *ud)
{
    struct service_ctx *ctx = ud;
    switch (sig) {
    case PLAT_SIG_STOP:
        /* A second stop request means "now": stop the loop without waiting for the
         * core to wind down. */
        if (!ctx->stopping)
            posix__notify("STOPPING=1");
        if (ctx->stopping || !ctx->ops->stop)
            plat_loop_stop(ctx->loop);
        else
            ctx->ops->stop(ctx->ud);
        ctx->stopping = true;
        break;
    case PLAT_SIG_RELOAD:
        notify_reloading();
        if (ctx->ops->reload)
            ctx->ops->reload(ctx->ud);
        posix__notify("READY=1");
        break;
    case PLAT_SIG_SAVE:
        if (ctx->ops->save)
            ctx->ops->save(ctx->ud);
        break;
    case PLAT_SIG_DEBUG:
        if (ctx->ops->debug)
            ctx->ops->debug(ctx->ud);
        break;
    default:
        break;
    }
}

/* Point stdin, stdout and stderr at /dev/null (the daemon has no terminal). */
static void service_null_stdio(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i <= 2; i++)
        (void)dup2(fd, i); /* dup2 clears close-on-exec on the copies */
    if (fd > 2)
        close(fd);
}

/* The daemon parent: wait until the child reports ready (exit 0) or goes away before
 * that (its exit status, or 1). The child's own error messages already went to the
 * stderr it inherited. */
static int service_parent_wait(pid_t child, int fd)
{
    char c = 0;
    ssize_t n;
    do
        n = read(fd, &c, 1);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n == 1 && c == READY_BYTE)
        return 0;
    int st = 0;
    pid_t w;
    do
        w = waitpid(child, &st, 0);
    while (w < 0 && errno == EINTR);
    if (w == child && WIFEXITED(st) && WEXITSTATUS(st) != 0)
        return WEXITSTATUS(st);
    char line[128];
    if (w == child && WIFSIGNALED(st))
        snprintf(line, sizeof line, "midge: the daemon was killed by signal %d during start-up",
                 WTERMSIG(st));
    else
        snprintf(line, sizeof line, "midge: the daemon ended during start-up");
    plat_log_console(2, line);
    return 1;
}

/* Fork into the background: the parent waits for the child's verdict and exits from
 * here; the child continues in a new session with *ready_fd to report through.
 * Returns 0 in the child or an error (nothing forked, or the session failed). */
static int service_detach(int *ready_fd, struct err_detail *d)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return posix__err(d, ERR_IO, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return posix__err(d, ERR_IO, e, "fork");
    }
    if (pid > 0) {
        close(fds[1]);
        /* _exit: the child owns everything that was set up (log file, broker state);
         * no atexit handler or stdio flush may run twice. */
        _exit(service_parent_wait(pid, fds[0]));
    }
    close(fds[0]);
    *ready_fd = fds[1];
    if (setsid() < 0)
        return posix__err(d, ERR_IO, errno, "setsid");
    return 0;
}

/* Serving: release the waiting parent (after detaching stdio, so that whoever reads
 * the parent's output sees its end) and tell the service manager. */
static void service_ready(struct service_ctx *ctx)
{
    if (ctx->ready_fd >= 0) {
        service_null_stdio();
        char c = READY_BYTE;
        ssize_t n;
        do
            n = write(ctx->ready_fd, &c, 1);
        while (n < 0 && errno == EINTR);
        close(ctx->ready_fd);
        ctx->ready_fd = -1;
    }
    posix__notify("READY=1");
}

/* After ops->start: write the pid file, then leave root. Returns 0 or an error already
 * reported on stderr. */
static int service_settle(struct service_ctx *ctx)
{
    struct err_detail d = {0};
    const char *pid_file = ctx->pid_file;
    int rc = 0;
    if (pid_file && (rc = posix__pidfile_write(pid_file, &d)) < 0) {
        service_console("cannot write the pid file", rc, &d);
        return rc;
    }
    ctx->pid_written = pid_file != NULL;
    const struct posix_user *u = &ctx->user;
    if (!u->drop)
        return 0;
    posix__file_give_to(u->uid);
    posix__ctl_give_to(u->uid, u->gid);
    if ((rc = posix__user_drop(u, &d)) < 0) {
        service_console("refusing to run as root", rc, &d);
        return rc;
    }
    service_log(ctx, PLAT_LOG_NOTICE, "running as user %s (uid %u, gid %u)", u->name, u->uid,
                u->gid);
    return 0;
}

/* Run the loop until it is stopped, with the core started and cleaned up around it.
 * Returns the exit status. */
static int service_run(struct service_ctx *ctx)
{
    struct err_detail d = {0};
    int rc = plat_loop_handle_signals(ctx->loop, on_service_signal, ctx);
    if (rc == 0)
        rc = ctx->ops->start(ctx->loop, ctx->ud);
    else
        service_console("cannot handle signals", rc, &d);
    if (rc == 0)
        rc = service_settle(ctx);
    if (rc < 0) {
        if (ctx->ops->cleanup)
            ctx->ops->cleanup(ctx->ud);
        return 1;
    }
    service_ready(ctx);
    rc = plat_loop_run(ctx->loop);
    if (rc < 0) {
        d.msg[0] = '\0';
        service_console("event loop failed", rc, &d);
    }
    if (!ctx->stopping)
        posix__notify("STOPPING=1");
    if (ctx->ops->cleanup)
        ctx->ops->cleanup(ctx->ud);
    return rc < 0 ? 1 : 0;
}

/* Everything that can refuse the start before anything is started or forked, so that
 * the message reaches the terminal: who to become, and whether the pid file is free. */
static int service_preflight(struct service_ctx *ctx)
{
    struct err_detail d = {0};
    const struct plat_service_opts *o = ctx->opts;
    int rc = posix__user_resolve(o ? o->user : NULL, &ctx->user, &d);
    if (rc < 0) {
        service_console("cannot start", rc, &d);
        return rc;
    }
    if (geteuid() == 0 && !ctx->user.drop)
        service_log(ctx, PLAT_LOG_WARNING,
                    "running as root because the configuration says `user %s`", ctx->user.name);
    long stale = 0;
    if (o && o->pid_file && (rc = posix__pidfile_check(o->pid_file, &stale, &d)) < 0) {
        service_console("cannot start", rc, &d);
        return rc;
    }
    if (stale > 0)
        service_log(ctx, PLAT_LOG_NOTICE, "replacing stale pid file %s (process %ld is gone)",
                    o->pid_file, stale);
    else if (stale < 0)
        service_log(ctx, PLAT_LOG_NOTICE, "replacing pid file %s (it held no live pid)",
                    o->pid_file);
    return 0;
}

int plat_service_main(const struct plat_service_ops *ops, const struct plat_service_opts *o,
                      void *ud)
{
    struct err_detail d = {0};
    struct service_ctx ctx = {.ops = ops, .opts = o, .ud = ud, .ready_fd = -1};
    int status = 1;
    if (service_preflight(&ctx) < 0)
        goto refused;
    ctx.pid_file = o && o->pid_file ? xstrdup(o->pid_file) : NULL;
    int rc = 0;
    if (o && o->daemonize && (rc = service_detach(&ctx.ready_fd, &d)) < 0) {
        service_console("cannot run as a daemon", rc, &d);
        goto refused;
    }
    rc = plat_loop_new(&ctx.loop, &d);
    if (rc < 0) {
        service_console("cannot create the event loop", rc, &d);
        goto refused;
    }
    status = service_run(&ctx);
    if (ctx.pid_written && (rc = posix__pidfile_remove(ctx.pid_file, &d)) < 0)
        service_log(&ctx, PLAT_LOG_WARNING,
                    "cannot remove the pid file (the next start replaces it): %s", d.msg);
    plat_loop_free(ctx.loop);
    free(ctx.pid_file);
    return status;
refused:
    /* Nothing was started; the core still gets to release what it prepared. */
    if (ops->cleanup)
        ops->cleanup(ud);
    free(ctx.pid_file);
    return 1;
}
