/* SPDX-License-Identifier: MIT */
/* Unit tests for service/retain: set/replace/clear accounting, filter walks with
 * wildcards and the '$' rule, empty levels, pruning and a randomized cross-check. */
#include "service/retain.h"

#include "tests/assert.h"
#include "tests/unit/service/alloc_count.h"
#include "tests/unit/service/brute_match.h"

#include <stdbool.h>

#define MAX_SEEN 64

/* Topics reported by one retain_match/retain_foreach call. */
struct seen {
    size_t n;
    const char *topic[MAX_SEEN];
};

static void collect(struct msg *m, void *ud)
{
    struct seen *s = ud;
    ASSERT_TRUE(s->n < MAX_SEEN);
    ASSERT_TRUE(m->payload_len > 0);
    s->topic[s->n++] = m->topic;
}

static void count_cb(struct msg *m, void *ud)
{
    (void)m;
    ++*(size_t *)ud;
}

static struct msg *mk(const char *topic, const char *payload)
{
    return msg_new(topic, strlen(topic), payload, strlen(payload), 0, true, 0);
}

static void put(struct retain_store *rs, const char *topic, const char *payload)
{
    ASSERT_EQ_INT(retain_set(rs, mk(topic, payload)), 0);
}

static bool seen_has(const struct seen *s, const char *topic)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->topic[i], topic) == 0)
            return true;
    return false;
}

static void test_set_replace(void)
{
    struct retain_store *rs = retain_new();
    struct msg *m1 = mk("a/b", "hello");
    struct msg *m2 = mk("a/b", "hi");

    msg_ref(m1);
    msg_ref(m2);
    ASSERT_EQ_INT(retain_set(rs, m1), 0);
    ASSERT_EQ_INT(m1->refcount, 2);
    ASSERT_EQ_INT(retain_count(rs), 1);
    ASSERT_EQ_INT(retain_bytes(rs), 5);
    ASSERT_EQ_INT(retain_set(rs, m2), 0); /* replaces m1, dropping the store's ref */
    ASSERT_EQ_INT(m1->refcount, 1);
    ASSERT_EQ_INT(retain_count(rs), 1);
    ASSERT_EQ_INT(retain_bytes(rs), 2);
    put(rs, "a", "xyz");
    ASSERT_EQ_INT(retain_count(rs), 2);
    ASSERT_EQ_INT(retain_bytes(rs), 5);
    msg_unref(m1);
    msg_unref(m2);
    retain_free(rs); /* drops both; ASan checks */
}

/* An empty payload clears the topic; the clearing message itself is not kept. */
static void test_clear(void)
{
    struct retain_store *rs = retain_new();
    struct msg *m2 = mk("a/b", "hi");

    msg_ref(m2);
    ASSERT_EQ_INT(retain_set(rs, m2), 0);
    put(rs, "a", "xyz");
    struct msg *clr = mk("a/b", "");
    msg_ref(clr);
    ASSERT_EQ_INT(retain_set(rs, clr), 0); /* empty payload clears; clr is consumed */
    ASSERT_EQ_INT(clr->refcount, 1);
    ASSERT_EQ_INT(m2->refcount, 1);
    ASSERT_EQ_INT(retain_count(rs), 1);
    ASSERT_EQ_INT(retain_bytes(rs), 3);
    put(rs, "never/stored", ""); /* clearing an absent topic is fine */
    ASSERT_EQ_INT(retain_count(rs), 1);
    msg_unref(clr);
    msg_unref(m2);
    retain_free(rs); /* drops "a"; ASan checks */
}

/* One row: stored topics, a filter, the topics it must visit. */
struct retain_case {
    const char *filter;
    const char *expect[12];
};

static const char *const stored[] = {"a", "a/b", "a/b/c", "a/c", "b",      "$SYS/x", "$SYS",
                                     "/", "/a",  "a//b",  "a/",  "$x/a/b", "c/$d",   "z"};

static const struct retain_case rcases[] = {
    {"#", {"a", "a/b", "a/b/c", "a/c", "b", "/", "/a", "a//b", "a/", "c/$d", "z"}},
    {"a/#", {"a", "a/b", "a/b/c", "a/c", "a//b", "a/"}},
    {"a/+", {"a/b", "a/c", "a/"}},
    {"+", {"a", "b", "z"}},
    {"+/+", {"a/b", "a/c", "/", "/a", "a/", "c/$d"}},
    {"+/#", {"a", "a/b", "a/b/c", "a/c", "b", "/", "/a", "a//b", "a/", "c/$d", "z"}},
    {"$SYS/#", {"$SYS/x", "$SYS"}},
    {"$SYS/+", {"$SYS/x"}},
    {"+/x", {NULL}},
    {"$x/+/b", {"$x/a/b"}},
    {"a/+/b", {"a//b"}},
    {"/+", {"/", "/a"}},
    {"+/", {"/", "a/"}},
    {"a/b/c/#", {"a/b/c"}},
    {"a/b/c/+", {NULL}},
    {"nope/#", {NULL}},
    {"c/+", {"c/$d"}},
};

static void test_match_table(void)
{
    struct retain_store *rs = retain_new();
    const size_t ns = sizeof(stored) / sizeof(stored[0]);
    struct seen s;

    for (size_t i = 0; i < ns; i++)
        put(rs, stored[i], "p");
    ASSERT_EQ_INT(retain_count(rs), ns);
    for (size_t ci = 0; ci < sizeof(rcases) / sizeof(rcases[0]); ci++) {
        const struct retain_case *c = &rcases[ci];
        size_t want = 0;
        s.n = 0;
        ASSERT_EQ_INT(retain_match(rs, c->filter, strlen(c->filter), collect, &s), s.n);
        for (; want < 12 && c->expect[want]; want++)
            if (!seen_has(&s, c->expect[want]))
                TEST_FAIL_("filter '%s' missed '%s'", c->filter, c->expect[want]);
        if (s.n != want)
            TEST_FAIL_("filter '%s': %zu visits, want %zu", c->filter, s.n, want);
    }
    s.n = 0;
    ASSERT_EQ_INT(retain_foreach(rs, collect, &s), ns);
    for (size_t i = 0; i < ns; i++)
        ASSERT_TRUE(seen_has(&s, stored[i]));
    retain_free(rs);
}

/* Clearing every topic frees every node: the live block count returns to its base. */
static void test_clear_prunes(void)
{
    struct retain_store *rs = retain_new();
    long base = alloc_count_live();
    char topic[32];
    struct seen s = {0};

    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 500; i++) {
            snprintf(topic, sizeof(topic), "t/%d/%d//%d", i % 7, i, i % 3);
            put(rs, topic, "payload");
        }
        put(rs, "t", "parent");
        ASSERT_EQ_INT(retain_count(rs), 501);
        ASSERT_EQ_INT(retain_bytes(rs), 500 * 7 + 6);
        put(rs, "t", ""); /* the parent goes, its subtree stays */
        size_t cnt = 0;
        ASSERT_EQ_INT(retain_match(rs, "t/#", 3, count_cb, &cnt), 500);
        ASSERT_EQ_INT(cnt, 500);
        for (int i = 499; i >= 0; i--) {
            snprintf(topic, sizeof(topic), "t/%d/%d//%d", i % 7, i, i % 3);
            put(rs, topic, "");
        }
        ASSERT_EQ_INT(retain_count(rs), 0);
        ASSERT_EQ_INT(retain_bytes(rs), 0);
        ASSERT_EQ_INT(alloc_count_live(), base);
        ASSERT_EQ_INT(retain_foreach(rs, collect, &s), 0);
    }
    retain_free(rs);
}

/* Wide levels put the child maps in hash-table mode; '+' and '#' must see them all,
 * and the '$' rule must hold for wildcard walks from the root. */
static void test_wide(void)
{
    struct retain_store *rs = retain_new();
    char topic[32];
    size_t cnt = 0;

    for (int i = 0; i < 200; i++) {
        snprintf(topic, sizeof(topic), "%s%d/x", i % 10 == 0 ? "$" : "", i);
        put(rs, topic, "v");
        snprintf(topic, sizeof(topic), "w/%d", i);
        put(rs, topic, "v");
    }
    ASSERT_EQ_INT(retain_match(rs, "+/x", 3, count_cb, &cnt), 180);
    cnt = 0;
    ASSERT_EQ_INT(retain_match(rs, "#", 1, count_cb, &cnt), 380);
    ASSERT_EQ_INT(retain_match(rs, "w/+", 3, count_cb, &cnt), 200);
    ASSERT_EQ_INT(retain_match(rs, "$30/+", 5, count_cb, &cnt), 1);
    ASSERT_EQ_INT(retain_match(rs, "w/#", 3, count_cb, &cnt), 200);
    ASSERT_EQ_INT(retain_foreach(rs, count_cb, &cnt), 400);
    retain_free(rs);
}

/* A deep topic is stored, matched and freed without deep recursion in the walks. */
static void test_deep(void)
{
    enum { DEPTH = 20000 };
    static char topic[DEPTH * 2];
    struct retain_store *rs = retain_new();
    size_t cnt = 0;

    for (int i = 0; i < DEPTH; i++)
        memcpy(topic + (i ? 2 * i - 1 : 0), i ? "/d" : "d", i ? 2 : 1);
    topic[2 * DEPTH - 1] = '\0';
    struct msg *m = msg_new(topic, 2 * DEPTH - 1, "v", 1, 0, true, 0);
    ASSERT_EQ_INT(retain_set(rs, m), 0);
    ASSERT_EQ_INT(retain_match(rs, "#", 1, count_cb, &cnt), 1);
    ASSERT_EQ_INT(retain_match(rs, "d/d/#", 5, count_cb, &cnt), 1);
    ASSERT_EQ_INT(retain_match(rs, topic, strlen(topic), count_cb, &cnt), 1);
    retain_free(rs);
}

/* Count a visit of the message whose id is its slot in the cross-check tables. */
static void mark_cb(struct msg *m, void *ud)
{
    ((unsigned char *)ud)[m->id]++;
}

/* Random topics stored and cleared, random filters checked against the reference. */
static void test_random_cross_check(void)
{
    enum { NT = 600, NF = 3000 };
    static char topics[NT][64];
    static unsigned char present[NT], got[NT];
    struct brute_rng rng = {0x0ddba11cafef00dull};
    struct retain_store *rs = retain_new();
    long base = alloc_count_live();

    for (int i = 0; i < NT; i++) {
        brute_random(&rng, false, 5, topics[i], sizeof(topics[i]));
        for (int j = 0; j < i; j++) /* keep topics unique to compare counts */
            if (strcmp(topics[j], topics[i]) == 0) {
                topics[i][0] = '\0';
                break;
            }
        if (!topics[i][0])
            continue;
        ASSERT_EQ_INT(
            retain_set(rs, msg_new(topics[i], strlen(topics[i]), "x", 1, 0, true, (uint64_t)i)), 0);
        present[i] = 1;
    }
    for (int pass = 0; pass < 3; pass++) {
        for (int k = 0; k < NF; k++) {
            char f[64];
            size_t fl = brute_random(&rng, true, 6, f, sizeof(f));
            memset(got, 0, sizeof(got));
            retain_match(rs, f, fl, mark_cb, got);
            for (int i = 0; i < NT; i++) {
                int want = present[i] && brute_matches(f, fl, topics[i], strlen(topics[i]));
                if (got[i] != want)
                    TEST_FAIL_("filter '%s' topic '%s': %d visits, want %d", f, topics[i], got[i],
                               want);
            }
        }
        for (int i = 0; i < NT; i++)
            if (present[i] && brute_rand(&rng, 2)) {
                put(rs, topics[i], "");
                present[i] = 0;
            }
    }
    for (int i = 0; i < NT; i++)
        if (present[i])
            put(rs, topics[i], "");
    ASSERT_EQ_INT(retain_count(rs), 0);
    ASSERT_EQ_INT(alloc_count_live(), base);
    retain_free(rs);
}

/* "topic=payload" of every message a scan visited. */
struct scan_seen {
    size_t n;
    char what[MAX_SEEN][32];
};

static void scan_collect(struct msg *m, void *ud)
{
    struct scan_seen *s = ud;
    ASSERT_TRUE(s->n < MAX_SEEN);
    snprintf(s->what[s->n++], sizeof s->what[0], "%s=%.*s", m->topic, (int)m->payload_len,
             (const char *)m->payload);
}

static bool scan_has(const struct scan_seen *s, const char *entry)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->what[i], entry) == 0)
            return true;
    return false;
}

/* The resumable scan visits every message once, in slices, and copes with changes
 * between slices: cleared topics are skipped, replacements seen with the new value,
 * topics set during the scan not visited. */
static void test_scan_in_slices(void)
{
    struct retain_store *rs = retain_new();
    put(rs, "a", "1");
    put(rs, "a/b", "2");
    put(rs, "c", "3");
    put(rs, "d/e/f", "4");
    put(rs, "$SYS/x", "5");
    struct scan_seen s = {0};
    retain_scan_start(rs);
    ASSERT_FALSE(retain_scan_step(rs, 2, scan_collect, &s));
    ASSERT_EQ_INT(s.n, 2);
    /* Between slices: clear one not yet visited (or already visited), replace, add. */
    put(rs, "a", "");
    put(rs, "c", "33");
    put(rs, "new", "6");
    while (!retain_scan_step(rs, 1, scan_collect, &s))
        ;
    retain_scan_stop(rs);
    ASSERT_TRUE(scan_has(&s, "d/e/f=4"));
    ASSERT_TRUE(scan_has(&s, "$SYS/x=5"));
    ASSERT_TRUE(scan_has(&s, "a/b=2"));
    ASSERT_FALSE(scan_has(&s, "new=6"));
    ASSERT_FALSE(scan_has(&s, "c=3") && scan_has(&s, "c=33"));
    /* "a" was cleared: visited only if the first slice got it; "c" either way once. */
    ASSERT_TRUE(s.n == 4 || s.n == 5);
    /* A full scan afterwards sees exactly the current store. */
    struct scan_seen all = {0};
    retain_scan_start(rs);
    ASSERT_TRUE(retain_scan_step(rs, SIZE_MAX, scan_collect, &all));
    retain_scan_stop(rs);
    ASSERT_EQ_INT(all.n, retain_count(rs));
    ASSERT_TRUE(scan_has(&all, "c=33") && scan_has(&all, "new=6") && !scan_has(&all, "a=1"));
    /* Clearing everything during a scan ends it. */
    struct scan_seen none = {0};
    retain_scan_start(rs);
    put(rs, "a/b", "");
    put(rs, "c", "");
    put(rs, "d/e/f", "");
    put(rs, "$SYS/x", "");
    put(rs, "new", "");
    ASSERT_TRUE(retain_scan_step(rs, 10, scan_collect, &none));
    retain_scan_stop(rs);
    ASSERT_EQ_INT(none.n, 0);
    ASSERT_EQ_INT(retain_count(rs), 0);
    retain_free(rs);
}

int main(void)
{
    RUN_TEST(test_set_replace);
    RUN_TEST(test_clear);
    RUN_TEST(test_match_table);
    RUN_TEST(test_clear_prunes);
    RUN_TEST(test_wide);
    RUN_TEST(test_deep);
    RUN_TEST(test_random_cross_check);
    RUN_TEST(test_scan_in_slices);
    return 0;
}
