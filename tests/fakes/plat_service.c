/* SPDX-License-Identifier: MIT */
/* The fake process model: plat_service_main runs start, the loop and cleanup in the
 * calling thread, with signals raised by the test (fake_loop_raise_signal) and daemon
 * mode and `user` only recorded; plus
 * fake_reset, which puts every fake module back to its initial state. */
#include "tests/fakes/fake_internal.h"

#include <stdio.h>
#include <string.h>

struct service_ctx {
    const struct plat_service_ops *ops;
    void *ud;
    plat_loop *loop;
    bool stopping;
};

static void on_service_signal(enum plat_signal sig, void *ud)
{
    struct service_ctx *ctx = ud;
    switch (sig) {
    case PLAT_SIG_STOP:
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

static struct {
    bool detached;
    char user[64];
} fake_service;

bool fake_service_detached(void)
{
    return fake_service.detached;
}

const char *fake_service_user(void)
{
    return fake_service.user;
}

/* The pid file holds a fixed fake pid. Daemon mode and the user switch are only
 * recorded: there is no process to detach and no identity to change. A pid file that
 * already exists is replaced as stale (the fake has no other processes). */
int plat_service_main(const struct plat_service_ops *ops, const struct plat_service_opts *o,
                      void *ud)
{
    struct service_ctx ctx = {.ops = ops, .ud = ud};
    fake_service.detached = o && o->daemonize;
    snprintf(fake_service.user, sizeof fake_service.user, "%s", o && o->user ? o->user : "");
    if (o && o->pid_file && fake_fs_get(o->pid_file, NULL) && ops->log)
        ops->log(PLAT_LOG_NOTICE, "replacing stale pid file", ud);
    plat_loop_new(&ctx.loop, NULL);
    plat_loop_handle_signals(ctx.loop, on_service_signal, &ctx);
    int status = 1;
    if (ops->start(ctx.loop, ud) == 0) {
        if (o && o->pid_file)
            plat_file_write_atomic(o->pid_file, "4242\n", 5, 0644, NULL);
        status = plat_loop_run(ctx.loop) < 0 ? 1 : 0;
    }
    if (ops->cleanup)
        ops->cleanup(ud);
    if (o && o->pid_file)
        fake_fs_remove(o->pid_file);
    plat_loop_free(ctx.loop);
    return status;
}

void fake_reset(void)
{
    fake__net_reset();
    fake__fs_reset();
    fake__ctl_reset();
    fake__log_reset();
    fake__random_reset();
    fake__time_reset();
    memset(&fake_service, 0, sizeof fake_service);
}
