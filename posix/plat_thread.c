/* SPDX-License-Identifier: MIT */
/* POSIX worker threads (pthreads; the win32 build uses winpthreads with the same code
 * shape): start, a non-blocking "finished?" check and join. */
#include "posix/posix_internal.h"

#include "common/mem.h"

#include <pthread.h>
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
        return posix__err(d, ERR_IO, e, "pthread_create");
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
