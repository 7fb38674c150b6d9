/* SPDX-License-Identifier: MIT */
/* Fixed "random" bytes (a splitmix64 sequence from a known seed) and a heap gauge the
 * test sets, so that every run of a test sees the same values. */
#include "tests/fakes/fake_internal.h"

static _Atomic uint64_t g_state;
static size_t g_heap;

/* One splitmix64 step; the atomic add keeps concurrent callers on distinct values. */
static uint64_t next64(void)
{
    uint64_t z = atomic_fetch_add(&g_state, 0x9e3779b97f4a7c15ull) + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int plat_random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        uint64_t v = next64();
        for (int i = 0; i < 8 && len > 0; i++, len--) {
            *p++ = (unsigned char)v;
            v >>= 8;
        }
    }
    return 0;
}

size_t plat_heap_in_use(void)
{
    return g_heap;
}

void fake_random_seed(uint64_t seed)
{
    atomic_store(&g_state, seed);
}

void fake_heap_set(size_t bytes)
{
    g_heap = bytes;
}

void fake__random_reset(void)
{
    fake_random_seed(0);
    g_heap = 0;
}
