/* SPDX-License-Identifier: MIT */
/* The fake process model: plat_service_main runs start, the loop and cleanup in the
 * calling thread, with signals raised by the test (fake_loop_raise_signal); plus
 * fake_reset, which puts every fake module back to its initial state. */
#include "tests/fakes/fake_internal.h"

#include <stdio.h>

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

/* The pid file holds a fixed fake pid; daemon mode is refused as on POSIX. */
int plat_service_main(const struct plat_service_ops *ops, const struct plat_service_opts *o,
                      void *ud)
{
    if (o && o->daemonize) {
        plat_log_console(2, "midge: -d (daemon mode) is not available in this build");
        return 1;
    }
    struct service_ctx ctx = {.ops = ops, .ud = ud};
    plat_loop_new(&ctx.loop, NULL);
    if (o && o->pid_file)
        plat_file_write_atomic(o->pid_file, "4242\n", 5, 0644, NULL);
    plat_loop_handle_signals(ctx.loop, on_service_signal, &ctx);
    int status = 1;
    if (ops->start(ctx.loop, ud) == 0)
        status = plat_loop_run(ctx.loop) < 0 ? 1 : 0;
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
}
