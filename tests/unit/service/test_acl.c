/* SPDX-License-Identifier: MIT */
/* Unit tests of the ACL checker (service/acl_view.c): a matrix of clients, topics and
 * access against one file (user blocks, anonymous block, patterns with %c/%u, deny
 * first, the '$' rule, '+'/'#' in ids), the classification of subscription filters, and
 * a randomized cross-check that FULL and NONE never lie about any topic. */
#include "common/acl_file.h"
#include "service/acl.h"
#include "tests/assert.h"
#include "tests/unit/service/brute_match.h"

#include <stdio.h>
#include <string.h>

static const char matrix_file[] = "topic read public/#\n"
                                  "topic deny public/secret\n"
                                  "pattern readwrite clients/%c/#\n"
                                  "user alice\n"
                                  "topic readwrite alice/#\n"
                                  "topic read shared/+\n"
                                  "topic deny shared/private\n"
                                  "topic write cmd/alice\n"
                                  "topic read $SYS/broker/clients/#\n"
                                  "user bob\n"
                                  "topic read #\n"
                                  "pattern read users/%u/inbox\n"
                                  "pattern deny users/%u/inbox/blocked\n";

static void load(struct acl_file *f, const char *text)
{
    acl_file_init(f);
    ASSERT_EQ_INT(acl_file_parse(f, "m.acl", text, strlen(text)), 0);
}

struct check {
    const char *user; /* NULL = anonymous */
    const char *id;
    const char *topic;
    unsigned access;
    bool allowed;
};

static const struct check checks[] = {
    /* anonymous block, with its deny first */
    {NULL, "anon1", "public/x", ACL_READ, true},
    {NULL, "anon1", "public/x", ACL_WRITE, false},
    {NULL, "anon1", "public/secret", ACL_READ, false},
    {NULL, "anon1", "public", ACL_READ, true}, /* "public/#" matches its parent */
    {NULL, "anon1", "clients/anon1/x", ACL_WRITE, true},
    {NULL, "anon1", "clients/anon2/x", ACL_WRITE, false},
    {NULL, "anon1", "users/anon1/inbox", ACL_READ, false}, /* %u: never for anonymous */
    {NULL, "anon1", "$SYS/broker/uptime", ACL_READ, false},
    {NULL, "anon1", "other", ACL_READ, false}, /* nothing matched */
    /* a user block; the anonymous block does not apply to users */
    {"alice", "a1", "alice/x", ACL_WRITE, true},
    {"alice", "a1", "alice", ACL_READ, true},
    {"alice", "a1", "shared/one", ACL_READ, true},
    {"alice", "a1", "shared/one", ACL_WRITE, false},
    {"alice", "a1", "shared/private", ACL_READ, false},
    {"alice", "a1", "cmd/alice", ACL_WRITE, true},
    {"alice", "a1", "cmd/alice", ACL_READ, false},
    {"alice", "a1", "public/x", ACL_READ, false},
    {"alice", "a1", "$SYS/broker/clients/connected", ACL_READ, true},
    {"alice", "a1", "$SYS/broker/uptime", ACL_READ, false},
    {"alice", "a1", "users/alice/inbox", ACL_READ, true},
    {"alice", "a1", "users/alice/inbox", ACL_WRITE, false},
    {"alice", "a1", "users/bob/inbox", ACL_READ, false},
    {"alice", "a1", "users/alice/inbox/blocked", ACL_READ, false},
    {"alice", "a1", "clients/a1/t", ACL_WRITE, true},
    {"alice", "a1", "clients/a2/t", ACL_WRITE, false},
    /* "#" grants everything but '$' topics; the user's own grant wins over a pattern
     * deny because the user's list is tried first (as in mosquitto) */
    {"bob", "b1", "x/y", ACL_READ, true},
    {"bob", "b1", "x/y", ACL_WRITE, false},
    {"bob", "b1", "$SYS/broker/uptime", ACL_READ, false},
    {"bob", "b1", "users/bob/inbox/blocked", ACL_READ, true},
    /* no user block: only the patterns */
    {"carol", "c1", "users/carol/inbox", ACL_READ, true},
    {"carol", "c1", "users/carol/inbox/blocked", ACL_READ, false},
    {"carol", "c1", "clients/c1/z", ACL_READ, true},
    {"carol", "c1", "public/x", ACL_READ, false},
    /* '+' or '#' in the username or client id: no pattern applies */
    {"dave", "d+", "users/dave/inbox", ACL_READ, false},
    {"e#", "e1", "clients/e1/x", ACL_WRITE, false},
    {"mallory", "#", "clients/x/y", ACL_WRITE, false},
    {NULL, "+", "clients/a/b", ACL_READ, false},
    /* but their own rules still work */
    {"bob", "b+", "x/y", ACL_READ, true},
};

static void test_matrix(void)
{
    struct acl_file f;
    load(&f, matrix_file);
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        const struct check *k = &checks[i];
        struct acl_view *v = acl_view_new(&f, k->id, k->user);
        bool got = acl_view_allows(v, k->topic, strlen(k->topic), k->access);
        if (got != k->allowed)
            TEST_FAIL_("case %zu: user %s id %s %s '%s': got %s", i, k->user ? k->user : "-", k->id,
                       k->access == ACL_READ ? "read" : "write", k->topic,
                       got ? "allowed" : "denied");
        acl_view_free(v);
    }
    acl_file_cleanup(&f);
}

static void test_no_file_allows_everything(void)
{
    struct acl_view *v = acl_view_new(NULL, "x", NULL);
    ASSERT_TRUE(acl_view_allows(v, "$SYS/x", 6, ACL_WRITE));
    ASSERT_TRUE(acl_view_allows(NULL, "a", 1, ACL_READ));
    ASSERT_EQ_INT(acl_view_reach(v, "#", 1), ACL_REACH_FULL);
    acl_view_free(v);
    acl_view_free(NULL);
    /* an empty file denies everything */
    struct acl_file f;
    load(&f, "# nothing\n");
    v = acl_view_new(&f, "x", "u");
    ASSERT_FALSE(acl_view_allows(v, "a", 1, ACL_READ));
    ASSERT_EQ_INT(acl_view_reach(v, "#", 1), ACL_REACH_NONE);
    acl_view_free(v);
    acl_file_cleanup(&f);
}

struct reach_case {
    const char *file;
    const char *user, *id;
    const char *filter;
    enum acl_reach want;
};

static const struct reach_case reach_cases[] = {
    {matrix_file, "alice", "a1", "alice/#", ACL_REACH_FULL},
    {matrix_file, "alice", "a1", "alice/+/x", ACL_REACH_FULL},
    {matrix_file, "alice", "a1", "shared/+", ACL_REACH_PARTIAL},
    {matrix_file, "alice", "a1", "shared/one", ACL_REACH_FULL},
    {matrix_file, "alice", "a1", "shared/private", ACL_REACH_NONE},
    {matrix_file, "alice", "a1", "#", ACL_REACH_PARTIAL},
    {matrix_file, "alice", "a1", "public/#", ACL_REACH_NONE},
    {matrix_file, "alice", "a1", "$SYS/#", ACL_REACH_PARTIAL},
    {matrix_file, "alice", "a1", "$SYS/broker/clients/#", ACL_REACH_FULL},
    {matrix_file, "alice", "a1", "+/alice", ACL_REACH_PARTIAL},
    {matrix_file, "alice", "a1", "cmd/alice", ACL_REACH_NONE}, /* write only */
    {matrix_file, "alice", "a1", "users/alice/inbox", ACL_REACH_FULL},
    {matrix_file, "alice", "a1", "users/alice/#", ACL_REACH_PARTIAL},
    {matrix_file, "alice", "a1", "users/alice/inbox/blocked", ACL_REACH_NONE},
    {matrix_file, "bob", "b1", "#", ACL_REACH_FULL},
    {matrix_file, "bob", "b1", "$SYS/#", ACL_REACH_NONE},
    {matrix_file, NULL, "n1", "public/#", ACL_REACH_PARTIAL},
    {matrix_file, NULL, "n1", "public/secret", ACL_REACH_NONE},
    {matrix_file, NULL, "n1", "public/x", ACL_REACH_FULL},
    {matrix_file, NULL, "n1", "clients/n1/#", ACL_REACH_FULL},
    {"topic read a/#\n", NULL, "x", "a", ACL_REACH_FULL},
    {"topic read a/#\n", NULL, "x", "a/+/b", ACL_REACH_FULL},
    {"topic read a\n", NULL, "x", "a/#", ACL_REACH_PARTIAL},
    {"topic read a\n", NULL, "x", "+", ACL_REACH_PARTIAL},
    {"topic read a\n", NULL, "x", "b", ACL_REACH_NONE},
    {"topic read a\n", NULL, "x", "a/b", ACL_REACH_NONE},
    {"topic read a/b\n", NULL, "x", "a", ACL_REACH_NONE},
    {"topic read a/b\n", NULL, "x", "a/#", ACL_REACH_PARTIAL},
    {"topic read a/+\n", NULL, "x", "a", ACL_REACH_NONE},
    {"topic read a/+\n", NULL, "x", "a/#", ACL_REACH_PARTIAL},
    {"topic read a/+\n", NULL, "x", "a/", ACL_REACH_FULL},
    {"topic read +/+\n", NULL, "x", "$x/y", ACL_REACH_NONE},
    {"topic read #\ntopic deny #\n", NULL, "x", "a", ACL_REACH_NONE}, /* deny first */
};

static void test_reach(void)
{
    for (size_t i = 0; i < sizeof reach_cases / sizeof reach_cases[0]; i++) {
        const struct reach_case *k = &reach_cases[i];
        struct acl_file f;
        load(&f, k->file);
        struct acl_view *v = acl_view_new(&f, k->id, k->user);
        enum acl_reach got = acl_view_reach(v, k->filter, strlen(k->filter));
        if (got != k->want)
            TEST_FAIL_("case %zu: filter '%s': got %d, want %d", i, k->filter, got, k->want);
        acl_view_free(v);
        acl_file_cleanup(&f);
    }
}

/* Random files, filters and topics: whenever reach says FULL every matching topic must be
 * readable, and whenever it says NONE none may be. */
static void test_reach_never_lies(void)
{
    static const char *const access[] = {"read", "write", "readwrite", "deny"};
    struct brute_rng r = {0x5eed1234abcdULL};
    unsigned full = 0, none = 0, partial = 0;
    for (int round = 0; round < 300; round++) {
        char text[2048] = "", line[128], f[64];
        unsigned rules = 1 + brute_rand(&r, 5);
        for (unsigned i = 0; i < rules; i++) {
            while (brute_random(&r, true, 3, f, sizeof f) == 0)
                ;
            snprintf(line, sizeof line, "topic %s %s\n", access[brute_rand(&r, 4)], f);
            strcat(text, line);
        }
        struct acl_file af;
        load(&af, text);
        struct acl_view *v = acl_view_new(&af, "id", NULL);
        for (int k = 0; k < 20; k++) {
            char sf[64], t[64];
            size_t sl = 0;
            while ((sl = brute_random(&r, true, 3, sf, sizeof sf)) == 0)
                ;
            enum acl_reach reach = acl_view_reach(v, sf, sl);
            full += reach == ACL_REACH_FULL;
            none += reach == ACL_REACH_NONE;
            partial += reach == ACL_REACH_PARTIAL;
            for (int j = 0; j < 200; j++) {
                size_t tl = brute_random(&r, false, 4, t, sizeof t);
                if (tl == 0 || !brute_matches(sf, sl, t, tl))
                    continue;
                bool ok = acl_view_allows(v, t, tl, ACL_READ);
                if ((reach == ACL_REACH_FULL && !ok) || (reach == ACL_REACH_NONE && ok))
                    TEST_FAIL_("rules:\n%sfilter '%s' classified %d but topic '%s' is %s", text, sf,
                               reach, t, ok ? "readable" : "not readable");
            }
        }
        acl_view_free(v);
        acl_file_cleanup(&af);
    }
    /* the generator exercises all three answers */
    ASSERT_TRUE(full > 50 && none > 50 && partial > 50);
}

static void test_reserved_topics(void)
{
    ASSERT_TRUE(acl_topic_is_reserved("$SYS", 4));
    ASSERT_TRUE(acl_topic_is_reserved("$SYS/broker/x", 13));
    ASSERT_TRUE(acl_topic_is_reserved("$share/g/t", 10));
    ASSERT_FALSE(acl_topic_is_reserved("$SYSTEM/x", 9));
    ASSERT_FALSE(acl_topic_is_reserved("$shared/x", 9));
    ASSERT_FALSE(acl_topic_is_reserved("a/$SYS", 6));
}

int main(void)
{
    RUN_TEST(test_matrix);
    RUN_TEST(test_no_file_allows_everything);
    RUN_TEST(test_reach);
    RUN_TEST(test_reach_never_lies);
    RUN_TEST(test_reserved_topics);
    return 0;
}
