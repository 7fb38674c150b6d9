/* SPDX-License-Identifier: MIT */
/* Open-addressing byte-string hash map (see common/hmap.h). */
#include "common/hmap.h"

#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

void hmap_init(struct hmap *m, uint64_t seed)
{
    m->slots = NULL;
    m->cap = m->count = 0;
    m->seed = seed;
}

void hmap_cleanup(struct hmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}

static uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* A keyed mix in the spirit of wyhash/SipHash round functions: 8 bytes at a time, then
 * a strong finaliser. Keyed by the seed so hash flooding needs the secret. */
uint64_t hmap_hash(uint64_t seed, const void *key, size_t klen)
{
    const uint8_t *p = key;
    uint64_t h = seed ^ (0x9e3779b97f4a7c15ull * (klen + 1));
    while (klen >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h ^= v * 0xbf58476d1ce4e5b9ull;
        h = rotl(h, 27) * 0x94d049bb133111ebull;
        p += 8;
        klen -= 8;
    }
    uint64_t tail = 0;
    for (size_t i = 0; i < klen; i++)
        tail |= (uint64_t)p[i] << (8 * i);
    h ^= tail * 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    h = rotl(h ^ seed, 31) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 32;
    return h;
}

static size_t find(const struct hmap *m, const void *key, size_t klen, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        const struct hmap_slot *s = &m->slots[i];
        if (!s->key)
            return i;
        if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
            return i;
    }
}

static void grow(struct hmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    struct hmap_slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = xcalloc(ncap, sizeof *m->slots);
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].key)
            m->slots[find(m, old[i].key, old[i].klen, old[i].hash)] = old[i];
    }
    free(old);
}

void *hmap_get(const struct hmap *m, const void *key, size_t klen)
{
    if (m->count == 0)
        return NULL;
    const struct hmap_slot *s = &m->slots[find(m, key, klen, hmap_hash(m->seed, key, klen))];
    return s->key ? s->value : NULL;
}

void *hmap_put(struct hmap *m, const void *key, size_t klen, void *value)
{
    /* Keep the load factor under 3/4 so probe sequences stay short. */
    if ((m->count + 1) * 4 > m->cap * 3)
        grow(m);
    uint64_t h = hmap_hash(m->seed, key, klen);
    struct hmap_slot *s = &m->slots[find(m, key, klen, h)];
    void *prev = s->key ? s->value : NULL;
    if (!s->key)
        m->count++;
    s->key = key;
    s->klen = klen;
    s->hash = h;
    s->value = value;
    return prev;
}

void *hmap_del(struct hmap *m, const void *key, size_t klen)
{
    if (m->count == 0)
        return NULL;
    size_t mask = m->cap - 1;
    size_t i = find(m, key, klen, hmap_hash(m->seed, key, klen));
    if (!m->slots[i].key)
        return NULL;
    void *value = m->slots[i].value;
    /* Backward-shift deletion: pull later members of the probe run into the hole so
     * lookups never need tombstones. */
    size_t j = i;
    for (;;) {
        m->slots[i].key = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!m->slots[j].key)
                goto done;
            size_t home = (size_t)m->slots[j].hash & mask;
            /* Move j into i unless its home lies cyclically in (i, j]. */
            if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j)))
                break;
        }
        m->slots[i] = m->slots[j];
        i = j;
    }
done:
    m->count--;
    return value;
}
