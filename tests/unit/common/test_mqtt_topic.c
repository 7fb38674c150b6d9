/* SPDX-License-Identifier: MIT */
/* Unit tests for common/mqtt_topic: validation, matching and shared-subscription tables. */
#include "common/mqtt_topic.h"

#include "tests/assert.h"

struct valid_case {
    const char *s;
    bool name_ok;
    bool filter_ok;
};

static const struct valid_case valid_cases[] = {
    {"", false, false},
    {"a", true, true},
    {"/", true, true},
    {"//", true, true},
    {"a///b", true, true},
    {"sport/tennis/player1", true, true},
    {"$SYS/broker/load", true, true},
    {" ", true, true},
    {"#", false, true},
    {"+", false, true},
    {"+/+", false, true},
    {"/+", false, true},
    {"+/", false, true},
    {"sport/tennis/#", false, true},
    {"sport/#", false, true},
    {"sport/+/player1", false, true},
    {"+/tennis/#", false, true},
    {"/#", false, true},
    {"$share/g/a", true, true},
    {"#/bar", false, false},
    {"#/", false, false},
    {"##", false, false},
    {"foo/+bar", false, false},
    {"foo/bar+", false, false},
    {"foo+/bar", false, false},
    {"a/#b", false, false},
    {"a/b#", false, false},
    {"a#", false, false},
    {"++", false, false},
    {"sport/tennis#", false, false},
    {"sport/tennis/#/ranking", false, false},
    {"a/+/#/c", false, false},
};

static void test_validation(void)
{
    for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
        const struct valid_case *c = &valid_cases[i];
        size_t n = strlen(c->s);
        if (mqtt_topic_is_valid_name(c->s, n) != c->name_ok)
            TEST_FAIL_("name \"%s\": expected %d", c->s, c->name_ok);
        if (mqtt_topic_is_valid_filter(c->s, n) != c->filter_ok)
            TEST_FAIL_("filter \"%s\": expected %d", c->s, c->filter_ok);
    }
}

struct match_case {
    const char *filter;
    const char *topic;
    bool match;
};

static const struct match_case match_cases[] = {
    {"a", "a", true},
    {"a", "b", false},
    {"a", "A", false}, /* byte-exact, case-sensitive */
    {"a", "a/", false},
    {"a/", "a", false},
    {"a/", "a/", true},
    {"a/b", "a/b", true},
    {"a/b", "a/b/c", false},
    {"a/b/c", "a/b", false},
    {"a///b", "a///b", true},
    {"a///b", "a/b", false}, /* no normalisation */
    {"a/b", "a///b", false},
    {"/a", "a", false},
    {"#", "a", true},
    {"#", "a/b/c", true},
    {"#", "/", true},
    {"#", "", true},
    {"+", "a", true},
    {"+", "", true}, /* '+' matches one empty level */
    {"+", "/", false},
    {"+", "a/b", false},
    {"+/+", "/", true},
    {"+/+", "a/", true},
    {"+/+", "/b", true},
    {"+/+", "a/b", true},
    {"+/+", "a", false},
    {"+/+", "a/b/c", false},
    {"/+", "/", true},
    {"/+", "/a", true},
    {"/+", "a", false},
    {"+/", "a/", true},
    {"+/", "a", false},
    {"a/+", "a", false},
    {"a/+", "a/", true},
    {"a/+/c", "a//c", true},
    {"a/#", "a", true}, /* '#' includes the parent level */
    {"a/#", "a/", true},
    {"a/#", "a/b", true},
    {"a/#", "a/b/c", true},
    {"a/#", "ab", false},
    {"a/#", "b", false},
    {"a/b/#", "a", false},
    {"a/+/#", "a", false},
    {"a/+/#", "a/b", true},
    {"/#", "/", true},
    {"/#", "", true}, /* "" is one empty level; "/#" includes its parent */
    {"/#", "a", false},
    {"sport/tennis/player1/#", "sport/tennis/player1", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"sport/tennis/#", "sport/tennis", true},
    {"sport/tennis/#", "sport/tennisx", false},
    {"sport/#", "sport", true},
    {"sport/+", "sport", false},
    {"sport/+", "sport/", true},
    {"sport/tennis/+", "sport/tennis/player1", true},
    {"sport/tennis/+", "sport/tennis/player1/ranking", false},
    {"+/tennis/#", "sport/tennis/x", true},
    {"+/+", "/finance", true},
    {"/+", "/finance", true},
    {"+", "/finance", false},
    {"#", "$SYS/x", false}, /* MQTT-4.7.2-1 */
    {"+/x", "$SYS/x", false},
    {"+", "$SYS", false},
    {"#", "$", false},
    {"$SYS/#", "$SYS/x", true},
    {"$SYS/#", "$SYS", true},
    {"$SYS/+", "$SYS/x", true},
    {"$SYS/x", "$SYS/x", true},
    {"a/#", "a/$SYS", true}, /* '$' only matters in the first level */
    {"+/$x", "a/$x", true},
    {"x/#", "$SYS/x", false},
};

static void test_matching(void)
{
    for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++) {
        const struct match_case *c = &match_cases[i];
        bool got = mqtt_topic_matches(c->filter, strlen(c->filter), c->topic, strlen(c->topic));
        if (got != c->match)
            TEST_FAIL_("\"%s\" vs \"%s\": expected %d", c->filter, c->topic, c->match);
    }
}

/* Inputs are pointer + length: bytes past len must not be looked at. */
static void test_not_nul_terminated(void)
{
    const char f[] = "a/+XXXX";
    const char t[] = "a/bYYYY";
    ASSERT_TRUE(mqtt_topic_matches(f, 3, t, 3));
    ASSERT_TRUE(mqtt_topic_is_valid_filter(f, 3));
    ASSERT_FALSE(mqtt_topic_is_valid_filter(f, 4));
    ASSERT_EQ_INT(mqtt_topic_level_len("abc/d", 5), 3);
    ASSERT_EQ_INT(mqtt_topic_level_len("abc/d", 2), 2);
    ASSERT_EQ_INT(mqtt_topic_level_len("/d", 2), 0);
    ASSERT_EQ_INT(mqtt_topic_level_len("", 0), 0);
}

struct shared_case {
    const char *f;
    bool ok;
    const char *group;
    const char *inner;
};

static const struct shared_case shared_cases[] = {
    {"$share/g/a/b", true, "g", "a/b"}, {"$share/group/#", true, "group", "#"},
    {"$share/g//", true, "g", "/"},     {"$share/g/+", true, "g", "+"},
    {"$share/g", false, NULL, NULL},    {"$share/g/", false, NULL, NULL},
    {"$share//a", false, NULL, NULL},   {"$share/", false, NULL, NULL},
    {"$share", false, NULL, NULL},      {"$share/+/a", false, NULL, NULL},
    {"$share/g#/a", false, NULL, NULL}, {"$SHARE/g/a", false, NULL, NULL},
    {"$shared/g/a", false, NULL, NULL}, {"a/$share/g/a", false, NULL, NULL},
};

static void test_split_shared(void)
{
    for (size_t i = 0; i < sizeof shared_cases / sizeof shared_cases[0]; i++) {
        const struct shared_case *c = &shared_cases[i];
        const char *g = NULL, *in = NULL;
        size_t gl = 0, il = 0;
        bool ok = mqtt_topic_split_shared(c->f, strlen(c->f), &g, &gl, &in, &il);
        if (ok != c->ok)
            TEST_FAIL_("\"%s\": expected %d", c->f, c->ok);
        if (!ok)
            continue;
        ASSERT_EQ_MEM(g, gl, c->group, strlen(c->group));
        ASSERT_EQ_MEM(in, il, c->inner, strlen(c->inner));
    }
}

int main(void)
{
    RUN_TEST(test_validation);
    RUN_TEST(test_matching);
    RUN_TEST(test_not_nul_terminated);
    RUN_TEST(test_split_shared);
    return 0;
}
