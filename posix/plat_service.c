/* SPDX-License-Identifier: MIT */
/* The POSIX process model: run the broker in the foreground with signals wired to the
 * service operations and an optional pid file. */
#include "posix/posix_internal.h"

#include <stdio.h>
#include <unistd.h>

/* What the signal handler needs to reach the core. */
struct service_ctx {
    const struct plat_service_ops *ops;
    void *ud;
    plat_loop *loop;
    bool stopping;
};

static void service_console(const char *what, int rc, const struct err_detail *d)
{
    char line[768];
    snprintf(line, sizeof line, "midge: %s: %s", what, d->msg[0] ? d->msg : err_str(rc));
    plat_log_console(2, line);
}

static void on_service_signal(enum plat_signal sig, void *ud)
{
    struct service_ctx *ctx = ud;
    switch (sig) {
    case PLAT_SIG_STOP:
        /* A second stop request means "now": stop the loop without waiting for the
         * core to wind down. */
        if (ctx->stopping || !ctx->ops->stop)
            plat_loop_stop(ctx->loop);
        else
            ctx->ops->stop(ctx->ud);
        ctx->stopping = true;
        break;
    case PLAT_SIG_RELOAD:
        if (ctx->ops->reload)
            ctx->ops->reload(ctx->ud);
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

/* Write our pid into path atomically (mode 0644, so monitoring tools can read it). */
static int service_write_pid(const char *path, struct err_detail *d)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
    return plat_file_write_atomic(path, text, (size_t)n, 0644, d);
}

/* Run the loop until it is stopped, with the core started and cleaned up around it.
 * Returns the exit status. */
static int service_run(struct service_ctx *ctx)
{
    struct err_detail d = {0};
    int rc = plat_loop_handle_signals(ctx->loop, on_service_signal, ctx);
    if (rc < 0) {
        service_console("cannot handle signals", rc, &d);
        return 1;
    }
    rc = ctx->ops->start(ctx->loop, ctx->ud);
    if (rc < 0) {
        if (ctx->ops->cleanup)
            ctx->ops->cleanup(ctx->ud);
        return 1;
    }
    rc = plat_loop_run(ctx->loop);
    if (rc < 0) {
        d.msg[0] = '\0';
        service_console("event loop failed", rc, &d);
    }
    if (ctx->ops->cleanup)
        ctx->ops->cleanup(ctx->ud);
    return rc < 0 ? 1 : 0;
}

/* Foreground only in this release: -d is refused with a clear message rather than
 * silently ignored. */
int plat_service_main(const struct plat_service_ops *ops, const struct plat_service_opts *o,
                      void *ud)
{
    if (o && o->daemonize) {
        plat_log_console(2, "midge: -d (daemon mode) is not available in this build yet; "
                            "run in the foreground or under a service manager");
        return 1;
    }
    struct err_detail d = {0};
    struct service_ctx ctx = {.ops = ops, .ud = ud};
    int rc = plat_loop_new(&ctx.loop, &d);
    if (rc < 0) {
        service_console("cannot create the event loop", rc, &d);
        return 1;
    }
    const char *pid_file = o ? o->pid_file : NULL;
    if (pid_file && (rc = service_write_pid(pid_file, &d)) < 0) {
        service_console("cannot write the pid file", rc, &d);
        plat_loop_free(ctx.loop);
        return 1;
    }
    int status = service_run(&ctx);
    if (pid_file)
        unlink(pid_file);
    plat_loop_free(ctx.loop);
    return status;
}
