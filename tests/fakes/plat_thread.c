/* SPDX-License-Identifier: MIT */
/* Fake worker threads: the function runs to completion inside plat_thread_start, so
 * service code that hands work to a thread stays deterministic under the fake clock. */
#include "tests/fakes/fake_internal.h"

#include "common/mem.h"

#include <stdlib.h>

struct plat_thread {
    bool done;
};

int plat_thread_start(plat_thread_fn fn, void *ud, plat_thread **out, struct err_detail *d)
{
    (void)d;
    struct plat_thread *t = xcalloc(1, sizeof *t);
    fn(ud);
    t->done = true;
    *out = t;
    return 0;
}

bool plat_thread_is_done(plat_thread *t)
{
    return t->done;
}

void plat_thread_join(plat_thread *t)
{
    free(t);
}
