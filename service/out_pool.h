/* SPDX-License-Identifier: MIT */
/* A bounded cache of output-buffer storage shared by all connections of a broker: a
 * connection whose output has been fully written hands its storage back, the next one
 * that encodes a packet takes it. Idle connections so hold no buffer at all, and busy
 * ones neither call malloc nor fault fresh pages in for every flush. Loop thread only. */
#ifndef MIDGE_SERVICE_OUT_POOL_H
#define MIDGE_SERVICE_OUT_POOL_H

#include "common/buf.h"

#include <stddef.h>

struct out_pool;

/* Buffers kept at most, the largest storage kept, and the total bytes kept. */
#define OUT_POOL_SLOTS 32u
#define OUT_POOL_MAX_CAP (1024u * 1024u)
#define OUT_POOL_MAX_BYTES (4u * 1024u * 1024u)

/* Create an empty pool; the caller owns it (out_pool_free). */
struct out_pool *out_pool_new(void);
/* Free the pool and all storage it holds; NULL is a no-op. */
void out_pool_free(struct out_pool *p);
/* Drop b's readable bytes and move its storage into p (or free it when p is NULL, full,
 * or the storage is too big to keep). b is left empty with no storage. */
void out_pool_give(struct out_pool *p, struct buf *b);
/* When b has no storage, give it the most recently returned storage of p (if any), so
 * that the next encode reuses warm memory. b's contents are unchanged (it is empty). */
void out_pool_take(struct out_pool *p, struct buf *b);
/* Buffers and bytes currently held (tests, $SYS accounting). */
size_t out_pool_count(const struct out_pool *p);
size_t out_pool_bytes(const struct out_pool *p);

#endif
