/* SPDX-License-Identifier: MIT */
/* Growable byte buffer with a read offset: the per-connection input and output queues and
 * the codec's encoding target. Storage is owned by the struct and freed by buf_cleanup. */
#ifndef MIDGE_COMMON_BUF_H
#define MIDGE_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Readable bytes are data[off .. len); free space is data[len .. cap). */
struct buf {
    uint8_t *data;
    size_t off;
    size_t len;
    size_t cap;
};

/* Initialise caller-owned storage to an empty buffer (no allocation). */
void buf_init(struct buf *b);
/* Free the storage and reset to empty; safe to call twice. */
void buf_cleanup(struct buf *b);
/* Number of readable bytes. */
static inline size_t buf_size(const struct buf *b)
{
    return b->len - b->off;
}
/* Pointer to the first readable byte (borrowed; invalidated by any growth). */
static inline uint8_t *buf_head(const struct buf *b)
{
    return b->data + b->off;
}
/* Make room for n more bytes after len (aborts on exhaustion); returns the write pointer.
 * May move readable bytes to the front. */
uint8_t *buf_reserve(struct buf *b, size_t n);
/* As buf_reserve but returns NULL instead of aborting (for peer-sized growth). */
uint8_t *buf_try_reserve(struct buf *b, size_t n);
/* Mark n bytes after len as written (after buf_reserve). */
static inline void buf_commit(struct buf *b, size_t n)
{
    b->len += n;
}
/* Append n bytes copied from p. */
void buf_append(struct buf *b, const void *p, size_t n);
/* Append one byte. */
void buf_put_u8(struct buf *b, uint8_t v);
/* Append a big-endian 16-bit value. */
void buf_put_u16(struct buf *b, uint16_t v);
/* Append a big-endian 32-bit value. */
void buf_put_u32(struct buf *b, uint32_t v);
/* Drop n readable bytes from the front (n <= buf_size). When the buffer becomes empty
 * the offsets reset to 0 so the storage is reused from the start. */
void buf_consume(struct buf *b, size_t n);
/* Drop all readable bytes and, when the capacity exceeds keep, release the storage so
 * idle connections hold no large buffers. */
void buf_reset(struct buf *b, size_t keep);

#endif
