/* SPDX-License-Identifier: MIT */
/* Unit tests for service/level_map: inline/table transitions, lookups, deletion with
 * backward shift, and iteration that sees every key exactly once. */
#include "service/level_map.h"

#include "tests/assert.h"
#include "tests/unit/service/brute_match.h"

#include <stdbool.h>

enum { NKEYS = 400 };

static char names[NKEYS][16];
static struct level_key keys[NKEYS];

/* Check that exactly the keys flagged in `in` are found and iterated once each. */
static void check(const struct level_map *m, const bool *in)
{
    static unsigned char seen[NKEYS];
    uint32_t n = 0;

    memset(seen, 0, sizeof(seen));
    for (struct level_key *k = level_map_next(m, NULL); k; k = level_map_next(m, k)) {
        size_t i = (size_t)(k - keys);
        ASSERT_TRUE(i < NKEYS && in[i]);
        ASSERT_EQ_INT(seen[i]++, 0);
        n++;
    }
    ASSERT_EQ_INT(n, m->count);
    for (int i = 0; i < NKEYS; i++) {
        struct level_key *k = level_map_get(m, names[i], strlen(names[i]));
        ASSERT_TRUE(in[i] ? k == &keys[i] : k == NULL);
        ASSERT_EQ_INT(seen[i], in[i]);
    }
}

static void test_grow_shrink_random(void)
{
    static bool in[NKEYS];
    struct brute_rng rng = {0xfeedbeefull};
    struct level_map m;

    /* Key 0 is the empty level, which is a legal topic level. */
    for (int i = 0; i < NKEYS; i++) {
        if (i)
            snprintf(names[i], sizeof(names[i]), "k%d", i);
        level_key_init(&keys[i], names[i], strlen(names[i]));
    }
    level_map_init(&m);
    check(&m, in);
    for (int step = 0; step < 6000; step++) {
        /* Phases bias towards inserting or deleting so the map crosses every size. */
        bool grow = (step / 1000) % 2 == 0;
        uint32_t i = brute_rand(&rng, NKEYS);
        if (!in[i] && (grow ? brute_rand(&rng, 4) != 0 : brute_rand(&rng, 4) == 0)) {
            level_map_put(&m, &keys[i]);
            in[i] = true;
        } else if (in[i] && (grow ? brute_rand(&rng, 4) == 0 : brute_rand(&rng, 4) != 0)) {
            level_map_del(&m, &keys[i]);
            in[i] = false;
        }
        if (step % 97 == 0 || m.count <= LEVEL_MAP_INLINE + 1)
            check(&m, in);
    }
    for (int i = 0; i < NKEYS; i++)
        if (in[i]) {
            level_map_del(&m, &keys[i]);
            in[i] = false;
        }
    check(&m, in);
    ASSERT_EQ_INT(m.mask, 0); /* back to inline mode, nothing allocated */
    level_map_cleanup(&m);
}

static void test_hash_spreads(void)
{
    /* Distinct levels that differ in a byte or two, like device ids, must spread
     * evenly over the low bits that index the table (100 per bucket expected). */
    unsigned buckets[64] = {0};
    char s[32];
    for (int i = 0; i < 6400; i++) {
        int n = snprintf(s, sizeof(s), i % 2 ? "sensor-%d" : "%d", i);
        buckets[level_map_hash(s, (size_t)n) & 63]++;
    }
    for (int b = 0; b < 64; b++)
        if (buckets[b] < 50 || buckets[b] > 160)
            TEST_FAIL_("bucket %d holds %u of 6400", b, buckets[b]);
    ASSERT_NE_INT(level_map_hash("", 0), level_map_hash("\0", 1));
}

int main(void)
{
    RUN_TEST(test_grow_shrink_random);
    RUN_TEST(test_hash_spreads);
    return 0;
}
