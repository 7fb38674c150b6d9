/* SPDX-License-Identifier: MIT */
/* Unit tests for service/sub_tree: match tables, overlap, replace, remove and prune,
 * the '$' rule, empty levels, deep topics and a randomized cross-check. */
#include "service/sub_tree.h"

#include "common/err.h"
#include "tests/assert.h"
#include "tests/unit/service/alloc_count.h"
#include "tests/unit/service/brute_match.h"

#include <stdbool.h>
#include <stdint.h>

#define MAX_HITS 64

/* What one sub_tree_match call reported. */
struct hits {
    size_t n;
    void *sub[MAX_HITS];
    uint8_t opt[MAX_HITS];
    uint32_t id[MAX_HITS];
};

static void record(void *subscriber, uint8_t options, uint32_t sub_id, void *ud)
{
    struct hits *h = ud;
    ASSERT_TRUE(h->n < MAX_HITS);
    h->sub[h->n] = subscriber;
    h->opt[h->n] = options;
    h->id[h->n] = sub_id;
    h->n++;
}

static size_t match(const struct sub_tree *t, const char *topic, struct hits *h)
{
    h->n = 0;
    size_t r = sub_tree_match(t, topic, strlen(topic), record, h);
    ASSERT_EQ_INT(r, h->n);
    return r;
}

static void add(struct sub_tree *t, const char *f, void *s, uint8_t opt, uint32_t id)
{
    bool replaced = true;
    ASSERT_EQ_INT(sub_tree_add(t, f, strlen(f), s, opt, id, &replaced), 0);
    ASSERT_FALSE(replaced);
}

/* One table row: every filter gets its own subscriber (&slot[i]); `expect` lists the
 * filters that must match `topic`, each exactly once. */
struct match_case {
    const char *filters[10];
    const char *topic;
    const char *expect[10];
};

static const struct match_case cases[] = {
    {{"a/b", "a/+", "a/#", "#", "+/b", "+/+", "a/b/c", "b/#"},
     "a/b",
     {"a/b", "a/+", "a/#", "#", "+/b", "+/+"}},
    {{"a/#", "a/+", "+", "#", "a"}, "a", {"a/#", "+", "#", "a"}},
    {{"a/+/c", "a/+/+", "a/+", "+/+/+/#"}, "a/b/c", {"a/+/c", "a/+/+", "+/+/+/#"}},
    /* The '$' rule: wildcards at the first level skip "$..." topics. */
    {{"#", "+/x", "+/#", "$SYS/#", "$SYS/+", "$SYS/x", "+"},
     "$SYS/x",
     {"$SYS/#", "$SYS/+", "$SYS/x"}},
    {{"#", "+", "$"}, "$", {"$"}},
    {{"a/#", "+/+", "a/$x", "+/$x/#"}, "a/$x", {"a/#", "+/+", "a/$x", "+/$x/#"}},
    /* Empty levels are levels: "a//b" has three, "/" has two. */
    {{"a//b", "a/+/b", "a/b", "a/#", "+/+/+", "a//#", "a/+"},
     "a//b",
     {"a//b", "a/+/b", "a/#", "+/+/+", "a//#"}},
    {{"/", "+/+", "+", "#", "/#", "+/#", "/+"}, "/", {"/", "+/+", "#", "/#", "+/#", "/+"}},
    {{"/a", "+/a", "/+", "+", "a", "/#"}, "/a", {"/a", "+/a", "/+", "/#"}},
    {{"a/", "a/+", "a", "a/#", "+/"}, "a/", {"a/", "a/+", "a/#", "+/"}},
    {{"a/b", "A/b", "a/b/", "ab"}, "a/b", {"a/b"}},
    {{"x/#", "x/y/#", "x/y/z/#"}, "x/y", {"x/#", "x/y/#"}},
};

static int filter_index(const struct match_case *c, const char *f)
{
    for (int i = 0; i < 10 && c->filters[i]; i++)
        if (strcmp(c->filters[i], f) == 0)
            return i;
    TEST_FAIL_("expected filter %s not in row", f);
}

static void test_match_table(void)
{
    for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
        const struct match_case *c = &cases[ci];
        struct sub_tree *t = sub_tree_new();
        char slot[10];
        int want[10] = {0}, got[10] = {0};
        struct hits h;

        for (int i = 0; i < 10 && c->filters[i]; i++)
            add(t, c->filters[i], &slot[i], (uint8_t)i, (uint32_t)(100 + i));
        for (int i = 0; i < 10 && c->expect[i]; i++)
            want[filter_index(c, c->expect[i])] = 1;
        match(t, c->topic, &h);
        for (size_t k = 0; k < h.n; k++) {
            int i = (int)((char *)h.sub[k] - slot);
            ASSERT_EQ_INT(h.opt[k], i);
            ASSERT_EQ_INT(h.id[k], 100 + i);
            got[i]++;
        }
        for (int i = 0; i < 10; i++)
            if (got[i] != want[i])
                TEST_FAIL_("row %zu topic '%s' filter '%s': %d hits, want %d", ci, c->topic,
                           c->filters[i] ? c->filters[i] : "?", got[i], want[i]);
        sub_tree_free(t);
    }
}

/* One subscriber with several matching filters is reported once per filter. */
static void test_overlap_once_per_filter(void)
{
    struct sub_tree *t = sub_tree_new();
    char s1, s2;
    struct hits h;

    add(t, "a/b", &s1, 0, 1);
    add(t, "a/+", &s1, 1, 2);
    add(t, "a/#", &s1, 2, 3);
    add(t, "#", &s1, 1, 4);
    add(t, "a/+", &s2, 2, 5);
    ASSERT_EQ_INT(sub_tree_count(t), 5);
    ASSERT_EQ_INT(match(t, "a/b", &h), 5);
    unsigned idsum = 0;
    for (size_t k = 0; k < h.n; k++)
        idsum += h.id[k];
    ASSERT_EQ_INT(idsum, 1 + 2 + 3 + 4 + 5);
    ASSERT_EQ_INT(match(t, "a/c", &h), 4);
    ASSERT_EQ_INT(match(t, "b", &h), 1);
    ASSERT_EQ_INT(match(t, "$b", &h), 0);
    sub_tree_free(t);
}

static void test_replace(void)
{
    struct sub_tree *t = sub_tree_new();
    char s;
    bool replaced = false;
    struct hits h;

    add(t, "a/+/c", &s, 1, 7);
    ASSERT_EQ_INT(sub_tree_add(t, "a/+/c", 5, &s, 2, 9, &replaced), 0);
    ASSERT_TRUE(replaced);
    ASSERT_EQ_INT(sub_tree_add(t, "a/+/c", 5, &s, 0x22, 11, NULL), 0);
    ASSERT_EQ_INT(sub_tree_count(t), 1);
    ASSERT_EQ_INT(match(t, "a/b/c", &h), 1);
    ASSERT_EQ_INT(h.opt[0], 0x22);
    ASSERT_EQ_INT(h.id[0], 11);
    /* A different filter of the same subscriber is not a replacement. */
    ASSERT_EQ_INT(sub_tree_add(t, "a/+/+", 5, &s, 0, 0, &replaced), 0);
    ASSERT_FALSE(replaced);
    ASSERT_EQ_INT(sub_tree_count(t), 2);
    sub_tree_free(t);
}

/* Removing every subscription returns every block the tree allocated for them. */
static void test_remove_prunes(void)
{
    static const char *const filters[] = {"a/b/c", "a/b",   "a/+/c",     "a/#",   "#",     "+",
                                          "/",     "a//b/", "x/y/z/w/v", "+/+/#", "$SYS/#"};
    const size_t nf = sizeof(filters) / sizeof(filters[0]);
    struct sub_tree *t = sub_tree_new();
    long base = alloc_count_live();
    char subs[40];
    struct hits h;

    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < nf; i++)
            for (size_t s = 0; s < sizeof(subs); s++)
                add(t, filters[i], &subs[s], 0, 0);
        ASSERT_EQ_INT(sub_tree_count(t), nf * sizeof(subs));
        ASSERT_TRUE(alloc_count_live() > base);
        /* Unknown subscriber / filter: nothing changes. */
        char other;
        ASSERT_EQ_INT(sub_tree_remove(t, "a/b", 3, &other), ERR_NOTFOUND);
        ASSERT_EQ_INT(sub_tree_remove(t, "a/b/d", 5, &subs[0]), ERR_NOTFOUND);
        ASSERT_EQ_INT(sub_tree_remove(t, "a/+", 3, &subs[0]), ERR_NOTFOUND);
        /* Remove in an order that exercises the swap-remove and the index. */
        for (size_t s = 0; s < sizeof(subs); s++)
            for (size_t i = 0; i < nf; i++) {
                size_t k = (s * 7 + 3) % sizeof(subs);
                const char *f = filters[(i + s) % nf];
                ASSERT_EQ_INT(sub_tree_remove(t, f, strlen(f), &subs[k]), 0);
                ASSERT_EQ_INT(sub_tree_remove(t, f, strlen(f), &subs[k]), ERR_NOTFOUND);
            }
        ASSERT_EQ_INT(sub_tree_count(t), 0);
        ASSERT_EQ_INT(alloc_count_live(), base);
        ASSERT_EQ_INT(match(t, "a/b/c", &h), 0);
    }
    sub_tree_free(t);
}

/* Sibling maps switch from inline to hash table and back; all children stay found. */
static void test_many_children(void)
{
    struct sub_tree *t = sub_tree_new();
    long base = alloc_count_live();
    static char subs[300];
    char f[32];
    struct hits h;

    for (int i = 0; i < 300; i++) {
        int n = snprintf(f, sizeof(f), "root/%d", i);
        add(t, f, &subs[i], 0, (uint32_t)i);
        ASSERT_EQ_INT(sub_tree_count(t), i + 1);
        for (int j = 0; j <= i; j += 37) {
            n = snprintf(f, sizeof(f), "root/%d", j);
            ASSERT_EQ_INT(sub_tree_match(t, f, (size_t)n, record, &(struct hits){0}), 1);
        }
    }
    for (int i = 0; i < 300; i++) {
        int n = snprintf(f, sizeof(f), "root/%d", (i * 131) % 300);
        ASSERT_EQ_INT(sub_tree_remove(t, f, (size_t)n, &subs[(i * 131) % 300]), 0);
        for (int j = i + 1; j < 300; j += 29) {
            n = snprintf(f, sizeof(f), "root/%d", (j * 131) % 300);
            ASSERT_EQ_INT(match(t, f, &h), 1);
            ASSERT_EQ_INT(h.id[0], (j * 131) % 300);
        }
    }
    ASSERT_EQ_INT(alloc_count_live(), base);
    sub_tree_free(t);
}

/* A deep topic: depth is bounded only by the topic length. */
static void test_deep(void)
{
    enum { DEPTH = 5000 };
    static char topic[DEPTH * 2], plus[DEPTH * 2], hashf[DEPTH * 2];
    struct sub_tree *t = sub_tree_new();
    char s1, s2, s3, s4;
    struct hits h;

    for (int i = 0; i < DEPTH; i++) {
        memcpy(topic + (i ? 2 * i - 1 : 0), i ? "/x" : "x", i ? 2 : 1);
        memcpy(plus + (i ? 2 * i - 1 : 0), i ? "/+" : "+", i ? 2 : 1);
    }
    topic[2 * DEPTH - 1] = plus[2 * DEPTH - 1] = '\0';
    memcpy(hashf, topic, 2 * (DEPTH / 2) - 1);
    memcpy(hashf + 2 * (DEPTH / 2) - 1, "/#", 3);
    add(t, topic, &s1, 0, 0);
    add(t, plus, &s2, 0, 0);
    add(t, hashf, &s3, 0, 0);
    add(t, "#", &s4, 0, 0);
    ASSERT_EQ_INT(match(t, topic, &h), 4);
    topic[2 * DEPTH - 3] = '\0'; /* one level shorter */
    ASSERT_EQ_INT(match(t, topic, &h), 2);
    ASSERT_EQ_INT(sub_tree_remove(t, plus, strlen(plus), &s2), 0);
    sub_tree_free(t);
}

/* Cross-check state: per-filter hit counters, indexed by subscriber slot. */
struct cross_ctx {
    unsigned char *got;
    char *subs;
};

static void cross_record(void *subscriber, uint8_t options, uint32_t sub_id, void *ud)
{
    struct cross_ctx *c = ud;
    size_t i = (size_t)((char *)subscriber - c->subs);
    (void)options;
    ASSERT_EQ_INT(sub_id, i);
    c->got[i]++;
}

/* Thousands of random filters and topics over a tiny alphabet, checked against the
 * reference matcher, before and after removing a random half. */
static void test_random_cross_check(void)
{
    enum { NF = 3000, NT = 2000 };
    static char filters[NF][64];
    static unsigned char present[NF], got[NF];
    static char subs[NF];
    struct brute_rng rng = {0x1234567887654321ull};
    struct sub_tree *t = sub_tree_new();
    long base = alloc_count_live();
    struct cross_ctx ctx = {got, subs};

    for (int i = 0; i < NF; i++) {
        brute_random(&rng, true, 5, filters[i], sizeof(filters[i]));
        add(t, filters[i], &subs[i], 0, (uint32_t)i);
        present[i] = 1;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < NT; k++) {
            char topic[64];
            size_t tl = brute_random(&rng, false, 6, topic, sizeof(topic));
            memset(got, 0, sizeof(got));
            sub_tree_match(t, topic, tl, cross_record, &ctx);
            for (int i = 0; i < NF; i++) {
                int want = present[i] && brute_matches(filters[i], strlen(filters[i]), topic, tl);
                if (got[i] != want)
                    TEST_FAIL_("filter '%s' topic '%s': %d hits, want %d", filters[i], topic,
                               got[i], want);
            }
        }
        for (int i = 0; i < NF; i++)
            if (present[i] && brute_rand(&rng, 2)) {
                ASSERT_EQ_INT(sub_tree_remove(t, filters[i], strlen(filters[i]), &subs[i]), 0);
                present[i] = 0;
            }
    }
    for (int i = 0; i < NF; i++)
        if (present[i])
            ASSERT_EQ_INT(sub_tree_remove(t, filters[i], strlen(filters[i]), &subs[i]), 0);
    ASSERT_EQ_INT(sub_tree_count(t), 0);
    ASSERT_EQ_INT(alloc_count_live(), base);
    sub_tree_free(t);
}

int main(void)
{
    RUN_TEST(test_match_table);
    RUN_TEST(test_overlap_once_per_filter);
    RUN_TEST(test_replace);
    RUN_TEST(test_remove_prunes);
    RUN_TEST(test_many_children);
    RUN_TEST(test_deep);
    RUN_TEST(test_random_cross_check);
    return 0;
}
