/* SPDX-License-Identifier: MIT */
/* Level-keyed child maps for the topic tries: inline array for few children, open-
 * addressing hash table for many (see service/level_map.h). */
#include "service/level_map.h"

#include "common/err.h"
#include "common/mem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Smallest table: 8 slots hold the 5 children that trigger the switch at 62% load. */
#define LEVEL_MAP_MIN_CAP 8u

/* The first table must take LEVEL_MAP_INLINE + 1 keys within the 75% load limit (a
 * full table would make probing loop), whatever the inline size is tuned to. */
static uint32_t first_cap(void)
{
    uint32_t cap = LEVEL_MAP_MIN_CAP;
    while ((LEVEL_MAP_INLINE + 1u) * 4u > cap * 3u)
        cap *= 2;
    return cap;
}

/* Rotate left by r bits (0 < r < 64); compilers turn this into one instruction. */
static uint64_t rotl64(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64u - r));
}

/* A small multiply-rotate hash that eats 8 bytes per step: levels are short, so the
 * set-up cost matters more than the asymptotic speed. It is not keyed: a client that
 * may create many crafted levels under one node could lengthen that node's probe runs;
 * the per-client subscription and topic limits bound the damage. */
/* Table slots ahead of an iteration whose key is prefetched (see level_map_next). */
#define LEVEL_MAP_AHEAD 8u

uint32_t level_map_hash(const char *s, size_t len)
{
    const uint64_t k = 0x9e3779b97f4a7c15ull;
    uint64_t h = 0x243f6a8885a308d3ull ^ ((uint64_t)len * k);
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = rotl64(h ^ (w * k), 29) * 0xbf58476d1ce4e5b9ull;
    }
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, s + i, len - i);
        h = rotl64(h ^ (w * k), 29) * 0xbf58476d1ce4e5b9ull;
    }
    /* Final avalanche so the low bits (the table index) depend on every input bit. */
    h ^= h >> 31;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 29;
    return (uint32_t)h;
}

/* The hash is computed once per node here, so lookups in table mode compare hashes
 * before bytes and rehashing never touches the level strings. */
void level_key_init(struct level_key *k, const char *s, size_t len)
{
    ASSERT(len <= UINT32_MAX);
    k->str = s;
    k->len = (uint32_t)len;
    k->hash = level_map_hash(s, len);
}

/* An all-zero map is an empty inline map: mask 0 selects the inline array. */
void level_map_init(struct level_map *m)
{
    memset(m, 0, sizeof(*m));
}

void level_map_cleanup(struct level_map *m)
{
    if (m->mask)
        free(m->u.tab);
    level_map_init(m);
}

/* Byte equality of a stored level and a candidate. Most mismatches differ in length
 * or first byte, so both are tested before paying for a memcmp call. */
static bool key_eq(const struct level_key *k, const char *s, size_t len)
{
    return k->len == len && (len == 0 || (k->str[0] == s[0] && memcmp(k->str, s, len) == 0));
}

/* The hot path of both tries: called once per topic level on every match. */
struct level_key *level_map_get(const struct level_map *m, const char *s, size_t len)
{
    if (!m->mask) {
        /* Inline mode: at most LEVEL_MAP_INLINE compares, usually failing on length. */
        for (uint32_t i = 0; i < m->count; i++)
            if (key_eq(m->u.inl[i], s, len))
                return m->u.inl[i];
        return NULL;
    }
    /* Table mode: probe from the home slot; the load limit guarantees an empty slot,
     * so the loop always ends. */
    uint32_t h = level_map_hash(s, len);
    for (uint32_t i = h & m->mask;; i = (i + 1) & m->mask) {
        struct level_key *k = m->u.tab[i];
        if (!k)
            return NULL;
        if (k->hash == h && key_eq(k, s, len))
            return k;
    }
}

/* Place k in the first free slot of its probe sequence (the table has room). */
static void table_insert(struct level_key **tab, uint32_t mask, struct level_key *k)
{
    uint32_t i = k->hash & mask;
    while (tab[i])
        i = (i + 1) & mask;
    tab[i] = k;
}

/* Move every key of the map into a fresh table of cap slots (a power of two). */
static void rehash(struct level_map *m, uint32_t cap)
{
    struct level_key **tab = xcalloc(cap, sizeof(*tab));
    struct level_key *k = NULL;

    while ((k = level_map_next(m, k)) != NULL)
        table_insert(tab, cap - 1, k);
    if (m->mask)
        free(m->u.tab);
    m->u.tab = tab;
    m->mask = cap - 1;
}

/* Inserting the fifth child converts the inline array into an 8-slot table; later
 * inserts double the table whenever the load would pass 75%. */
void level_map_put(struct level_map *m, struct level_key *k)
{
    if (!m->mask) {
        if (m->count < LEVEL_MAP_INLINE) {
            m->u.inl[m->count++] = k;
            return;
        }
        rehash(m, first_cap());
    } else if ((m->count + 1) * 4 > (m->mask + 1) * 3) {
        /* Keep the load at or below 75% so probe runs stay short. */
        rehash(m, (m->mask + 1) * 2);
    }
    table_insert(m->u.tab, m->mask, k);
    m->count++;
}

/* Return the table slot holding k (which must be present). */
static uint32_t table_slot(const struct level_map *m, const struct level_key *k)
{
    uint32_t i = k->hash & m->mask;
    while (m->u.tab[i] != k) {
        ASSERT(m->u.tab[i] != NULL);
        i = (i + 1) & m->mask;
    }
    return i;
}

/* Empty slot i and pull later keys of the same probe run back so that lookups, which
 * stop at the first empty slot, still find them (no tombstones needed). */
static void table_remove_at(struct level_map *m, uint32_t i)
{
    struct level_key **tab = m->u.tab;
    uint32_t j = i;

    tab[i] = NULL;
    for (;;) {
        j = (j + 1) & m->mask;
        if (!tab[j])
            return;
        uint32_t home = tab[j]->hash & m->mask;
        /* tab[j] may move to the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            tab[i] = tab[j];
            tab[j] = NULL;
            i = j;
        }
    }
}

/* Convert a table that has become small back into the inline array. */
static void table_to_inline(struct level_map *m)
{
    struct level_key **tab = m->u.tab;
    uint32_t cap = m->mask + 1, n = 0;

    m->mask = 0;
    for (uint32_t i = 0; i < cap; i++)
        if (tab[i])
            m->u.inl[n++] = tab[i];
    ASSERT(n == m->count);
    free(tab);
}

/* Deleting keeps the representation compact: the inline array stays dense, and the
 * table shrinks (or turns back into the inline array) as children go away, so a node
 * that once had many children does not keep a large table forever. */
void level_map_del(struct level_map *m, const struct level_key *k)
{
    if (!m->mask) {
        uint32_t i = 0;
        while (i < m->count && m->u.inl[i] != k)
            i++;
        ASSERT(i < m->count);
        /* Keep the array dense (iteration stops at count). */
        memmove(&m->u.inl[i], &m->u.inl[i + 1], (m->count - i - 1) * sizeof(m->u.inl[0]));
        m->count--;
        return;
    }
    table_remove_at(m, table_slot(m, k));
    m->count--;
    /* Shrink with hysteresis: grow happens at 75% load, shrink at 12.5%. */
    if (m->count <= LEVEL_MAP_INLINE / 2)
        table_to_inline(m);
    else if (m->mask + 1 > first_cap() && m->count * 8 <= m->mask + 1)
        rehash(m, (m->mask + 1) / 2);
}

/* Iteration is by position: the successor of prev is found by locating prev's slot
 * (a short probe in table mode) and scanning on. That costs a probe per step but lets
 * callers walk whole subtrees through parent pointers without any iterator state. */
struct level_key *level_map_next(const struct level_map *m, const struct level_key *prev)
{
    if (!m->mask) {
        uint32_t i = 0;
        if (prev) {
            while (i < m->count && m->u.inl[i] != prev)
                i++;
            ASSERT(i < m->count);
            i++;
        }
        return i < m->count ? m->u.inl[i] : NULL;
    }
    /* Load stays >= 12.5%, so the scan for the next used slot is short on average. */
    for (uint32_t i = prev ? table_slot(m, prev) + 1 : 0; i <= m->mask; i++) {
        if (m->u.tab[i]) {
            /* Iterating callers visit each key's node next: start loading the node a few
             * slots ahead, so a walk over a big map is not one cache miss per child. */
            if (i + LEVEL_MAP_AHEAD <= m->mask && m->u.tab[i + LEVEL_MAP_AHEAD])
                __builtin_prefetch(m->u.tab[i + LEVEL_MAP_AHEAD]);
            return m->u.tab[i];
        }
    }
    return NULL;
}
