/* SPDX-License-Identifier: MIT */
/* A byte-string keyed hash map (open addressing, linear probing, tombstone-free deletion
 * by backward shift) used for O(1) client-id lookup. Keys are borrowed: the value object
 * owns the key bytes and must keep them alive while it is in the map. Pure; not
 * thread-safe. */
#ifndef MIDGE_COMMON_HMAP_H
#define MIDGE_COMMON_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hmap_slot {
    const void *key; /* NULL = empty */
    size_t klen;
    uint64_t hash;
    void *value;
};

struct hmap {
    struct hmap_slot *slots;
    size_t cap; /* power of two or 0 */
    size_t count;
    uint64_t seed; /* per-map seed so peers cannot precompute colliding ids */
};

/* Initialise caller-owned storage; seed should come from a CSPRNG. No allocation. */
void hmap_init(struct hmap *m, uint64_t seed);
/* Free the slot array (values untouched); safe twice. */
void hmap_cleanup(struct hmap *m);
/* Value for key, or NULL. */
void *hmap_get(const struct hmap *m, const void *key, size_t klen);
/* Insert or replace; returns the previous value for key or NULL. key is borrowed and must
 * stay valid while stored. Aborts on exhaustion. */
void *hmap_put(struct hmap *m, const void *key, size_t klen, void *value);
/* Remove key; returns its value or NULL when absent. */
void *hmap_del(struct hmap *m, const void *key, size_t klen);
/* Keyed 64-bit hash of the bytes (SipHash-like mixing, fast for short ids). */
uint64_t hmap_hash(uint64_t seed, const void *key, size_t klen);

#endif
