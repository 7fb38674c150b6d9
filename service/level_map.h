/* SPDX-License-Identifier: MIT */
/* The child map of a topic-trie node, shared by the subscription tree and the retained
 * store: children keyed by their level string, found in O(1) expected time.
 *
 * Most trie nodes have zero to three children, so a map starts as a small inline array
 * (no allocation, linear compare on length and bytes, no hashing at all) and switches
 * to an open-addressing hash table (linear probing, power-of-two capacity, backward-
 * shift deletion, no tombstones) once it holds more than LEVEL_MAP_INLINE children. It
 * shrinks back when children are removed.
 *
 * The map stores pointers to `struct level_key`, which each tree embeds as the FIRST
 * member of its node struct, so a key pointer converts back to its node. The map never
 * owns the keys or the level bytes. Not thread-safe; loop thread only. */
#ifndef MIDGE_SERVICE_LEVEL_MAP_H
#define MIDGE_SERVICE_LEVEL_MAP_H

#include <stddef.h>
#include <stdint.h>

/* Children held inline before the map switches to a hash table. */
#define LEVEL_MAP_INLINE 4

/* A level as a map key: bytes (not NUL-terminated for the map's purposes), length, and
 * the hash, which level_key_init computes once when the node is created. */
struct level_key {
    const char *str;
    uint32_t len;
    uint32_t hash;
};

/* The map itself: caller-owned storage (level_map_init / level_map_cleanup). */
struct level_map {
    uint32_t count; /* children stored */
    uint32_t mask;  /* 0: inline mode; otherwise table capacity - 1 */
    union {
        struct level_key *inl[LEVEL_MAP_INLINE];
        struct level_key **tab;
    } u;
};

/* Hash len bytes of s (any bytes; s may be NULL when len is 0). Deterministic. */
uint32_t level_map_hash(const char *s, size_t len);

/* Fill *k for the level s (len bytes, borrowed: it must outlive the key, normally by
 * living in the same allocation as the node). */
void level_key_init(struct level_key *k, const char *s, size_t len);

/* Make *m an empty map (inline mode, nothing allocated). */
void level_map_init(struct level_map *m);
/* Release the map's table, if any. The keys are not touched. */
void level_map_cleanup(struct level_map *m);

/* Return the key whose level equals s (len bytes, borrowed), or NULL. Allocates
 * nothing; hashes s only when the map is in table mode. */
struct level_key *level_map_get(const struct level_map *m, const char *s, size_t len);
/* Insert k (borrowed; it must stay valid until deleted). The caller guarantees no key
 * with the same level is present. May allocate (aborts on exhaustion). */
void level_map_put(struct level_map *m, struct level_key *k);
/* Remove k, which must be present (by identity). May shrink the table. */
void level_map_del(struct level_map *m, const struct level_key *k);
/* Iterate: return the first key when prev is NULL, else the key after prev (which must
 * be present), or NULL at the end. The order is unspecified but stable while the map is
 * not modified. O(1) expected per step, no allocation. */
struct level_key *level_map_next(const struct level_map *m, const struct level_key *prev);

#endif
