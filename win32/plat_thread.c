/* SPDX-License-Identifier: MIT */
/* Windows worker threads through winpthreads (linked statically), the same shape as
 * posix/plat_thread.c: start, a non-blocking "finished?" check and join. */
#include "win32/win32_internal.h"

#include "common/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct plat_thread {
    pthread_t tid;
    plat_thread_fn fn;
    void *ud;
    atomic_bool done; /* set with release order after fn returned */
};

static void *thread_main(void *arg)
{
    struct plat_thread *t = arg;
    t->fn(t->ud);
    atomic_store_explicit(&t->done, true, memory_order_release);
    return NULL;
}

int plat_thread_start(plat_thread_fn fn, void *ud, plat_thread **out, struct err_detail *d)
{
    struct plat_thread *t = xcalloc(1, sizeof *t);
    t->fn = fn;
    t->ud = ud;
    atomic_init(&t->done, false);
    int e = pthread_create(&t->tid, NULL, thread_main, t);
    if (e != 0) {
        free(t);
        return err_set(d, ERR_IO, NULL, 0, "pthread_create: error %d", e);
    }
    *out = t;
    return 0;
}

bool plat_thread_is_done(plat_thread *t)
{
    return atomic_load_explicit(&t->done, memory_order_acquire);
}

void plat_thread_join(plat_thread *t)
{
    if (!t)
        return;
    pthread_join(t->tid, NULL);
    free(t);
}
