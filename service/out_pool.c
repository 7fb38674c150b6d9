/* SPDX-License-Identifier: MIT */
/* The output-buffer storage cache (see service/out_pool.h): a LIFO stack of buffers,
 * bounded in count, per-buffer size and total bytes. */
#include "service/out_pool.h"

#include "common/mem.h"

#include <stdint.h>
#include <stdlib.h>

struct out_pool {
    struct buf slots[OUT_POOL_SLOTS];
    size_t n;
    size_t bytes;
};

struct out_pool *out_pool_new(void)
{
    struct out_pool *p = xcalloc(1, sizeof *p);
    return p;
}

void out_pool_free(struct out_pool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        buf_cleanup(&p->slots[i]);
    free(p);
}

void out_pool_give(struct out_pool *p, struct buf *b)
{
    buf_reset(b, SIZE_MAX); /* empty, storage kept for the decision below */
    if (b->cap == 0)
        return;
    if (!p || p->n == OUT_POOL_SLOTS || b->cap > OUT_POOL_MAX_CAP ||
        p->bytes + b->cap > OUT_POOL_MAX_BYTES) {
        buf_cleanup(b);
        return;
    }
    /* Moving the struct moves the storage: b no longer refers to it. */
    p->slots[p->n++] = *b;
    p->bytes += b->cap;
    buf_init(b);
}

void out_pool_take(struct out_pool *p, struct buf *b)
{
    if (!p || p->n == 0 || b->cap != 0)
        return;
    *b = p->slots[--p->n];
    p->bytes -= b->cap;
}

size_t out_pool_count(const struct out_pool *p)
{
    return p ? p->n : 0;
}

size_t out_pool_bytes(const struct out_pool *p)
{
    return p ? p->bytes : 0;
}
