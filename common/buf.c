/* SPDX-License-Identifier: MIT */
/* Growable byte buffer (see common/buf.h). */
#include "common/buf.h"

#include "common/err.h"
#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->off = b->len = b->cap = 0;
}

void buf_cleanup(struct buf *b)
{
    free(b->data);
    buf_init(b);
}

/* Grow or compact so that n bytes fit after len. `try` selects NULL over abort. */
static uint8_t *reserve(struct buf *b, size_t n, int try)
{
    if (b->cap - b->len >= n)
        return b->data + b->len;
    size_t used = b->len - b->off;
    if (b->off > 0 && b->cap - used >= n && b->off >= used) {
        /* Compacting is cheaper than growing when at least half the space is consumed. */
        memmove(b->data, b->data + b->off, used);
        b->off = 0;
        b->len = used;
        return b->data + b->len;
    }
    if (n > SIZE_MAX / 2 - used)
        return try ? NULL : (PANIC("buffer size overflow"), NULL);
    size_t want = used + n;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap *= 2;
    if (b->off == 0) {
        /* Nothing consumed: realloc may extend in place, or move a large (mmap'ed) block
         * by remapping its pages, where malloc + memcpy would copy and fault every byte. */
        uint8_t *q = try ? xtryrealloc(b->data, cap) : xrealloc(b->data, cap);
        if (!q)
            return NULL;
        b->data = q;
        b->cap = cap;
        return b->data + b->len;
    }
    uint8_t *p = try ? xtrymalloc(cap) : xmalloc(cap);
    if (!p)
        return NULL;
    if (used)
        memcpy(p, b->data + b->off, used);
    free(b->data);
    b->data = p;
    b->cap = cap;
    b->off = 0;
    b->len = used;
    return b->data + b->len;
}

uint8_t *buf_reserve(struct buf *b, size_t n)
{
    return reserve(b, n, 0);
}

uint8_t *buf_try_reserve(struct buf *b, size_t n)
{
    return reserve(b, n, 1);
}

void buf_append(struct buf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    memcpy(buf_reserve(b, n), p, n);
    b->len += n;
}

void buf_put_u8(struct buf *b, uint8_t v)
{
    *buf_reserve(b, 1) = v;
    b->len += 1;
}

void buf_put_u16(struct buf *b, uint16_t v)
{
    uint8_t *p = buf_reserve(b, 2);
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    b->len += 2;
}

void buf_put_u32(struct buf *b, uint32_t v)
{
    uint8_t *p = buf_reserve(b, 4);
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    b->len += 4;
}

void buf_consume(struct buf *b, size_t n)
{
    ASSERT(n <= b->len - b->off);
    b->off += n;
    if (b->off == b->len)
        b->off = b->len = 0;
}

void buf_reset(struct buf *b, size_t keep)
{
    b->off = b->len = 0;
    if (b->cap > keep)
        buf_cleanup(b);
}
