/* SPDX-License-Identifier: MIT */
/* Unit tests of common/acl_file.c: a table of valid lines (where each lands, with what
 * access), a table of malformed lines (each error with file:line), warnings, user blocks
 * merged across the file, and the error cap. */
#include "common/acl_file.h"
#include "tests/assert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(struct acl_file *f, const char *text)
{
    acl_file_init(f);
    return acl_file_parse(f, "acl.conf", text, strlen(text));
}

/* One valid file of a single rule line (after an optional prefix) and where it goes. */
struct ok_case {
    const char *text;
    char where;         /* 'a' anonymous, 'u' user "u1", 'p' pattern */
    const char *filter; /* as stored */
    unsigned access;
    int line;
};

static const struct ok_case ok_cases[] = {
    {"topic a/b", 'a', "a/b", ACL_READWRITE, 1},
    {"topic read a/+/c", 'a', "a/+/c", ACL_READ, 1},
    {"topic write #", 'a', "#", ACL_WRITE, 1},
    {"topic readwrite $SYS/#", 'a', "$SYS/#", ACL_READWRITE, 1},
    {"topic deny secret/#", 'a', "secret/#", ACL_DENY, 1},
    {"  topic\tread\t a b c  \r", 'a', "a b c", ACL_READ, 1}, /* blanks inside the filter */
    {"# comment\n\n   # indented comment\ntopic x", 'a', "x", ACL_READWRITE, 4},
    {"\xEF\xBB\xBFtopic bom", 'a', "bom", ACL_READWRITE, 1},
    {"user u1\ntopic read u/1", 'u', "u/1", ACL_READ, 2},
    {"user u1   \ntopic /", 'u', "/", ACL_READWRITE, 2},
    {"pattern read users/%u/#", 'p', "users/%u/#", ACL_READ, 1},
    {"user u1\npattern write c/%c", 'p', "c/%c", ACL_WRITE, 2}, /* patterns are global */
    {"pattern deny %c/private/#", 'p', "%c/private/#", ACL_DENY, 1},
    {"topic read caf\xC3\xA9/+", 'a', "caf\xC3\xA9/+", ACL_READ, 1},
};

static void test_valid_lines(void)
{
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
        const struct ok_case *k = &ok_cases[i];
        struct acl_file f;
        int rc = parse(&f, k->text);
        if (rc != 0)
            TEST_FAIL_("case %zu \"%s\": %d errors, first: %s", i, k->text, rc, f.errors[0].msg);
        const struct acl_list *l = k->where == 'a'   ? &f.anon
                                   : k->where == 'p' ? &f.patterns
                                                     : &acl_file_find_user(&f, "u1")->rules;
        ASSERT_EQ_INT(l->n, 1);
        ASSERT_EQ_STR(l->r[0].filter, k->filter);
        ASSERT_EQ_INT(l->r[0].len, strlen(k->filter));
        ASSERT_EQ_INT(l->r[0].access, k->access);
        ASSERT_EQ_INT(l->r[0].line, k->line);
        ASSERT_EQ_INT(acl_file_rule_count(&f), 1);
        acl_file_cleanup(&f);
    }
}

/* A malformed file and the expected first error "acl.conf:LINE: ...". */
struct bad_case {
    const char *text;
    const char *want;
};

static const struct bad_case bad_cases[] = {
    {"topoc read a", "acl.conf:1: unknown keyword 'topoc'"},
    {"topic a\nUser bob", "acl.conf:2: unknown keyword 'User'"},
    {"\n\n  deny a/b", "acl.conf:3: unknown keyword 'deny'"},
    {"user", "acl.conf:1: 'user' needs a username"},
    {"user   \t ", "acl.conf:1: 'user' needs a username"},
    {"topic", "acl.conf:1: 'topic' needs a topic filter"},
    {"pattern  ", "acl.conf:1: 'pattern' needs a topic filter"},
    {"topic read", "acl.conf:1: 'topic read' needs a topic filter after the access word"},
    {"pattern deny", "acl.conf:1: 'pattern deny' needs a topic filter after the access word"},
    {"topic reed a/b", "acl.conf:1: 'reed' is not an access word"},
    {"topic a b", "acl.conf:1: 'a' is not an access word"},
    {"topic read a/#/b", "acl.conf:1: invalid topic filter 'a/#/b'"},
    {"topic read a+", "acl.conf:1: invalid topic filter 'a+'"},
    {"pattern write %c#", "acl.conf:1: invalid topic filter '%c#'"},
    {"topic read bad\xC3", "acl.conf:1: invalid topic filter 'bad?'"},
    {"user \xFF\xFE", "acl.conf:1: username '?" "?' is not valid UTF-8"},
    {"# ok\nuser bob\ntopic read ok\ntopic read x/#y\n", "acl.conf:4: invalid topic filter"},
};

static void test_malformed_lines(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        struct acl_file f;
        int rc = parse(&f, bad_cases[i].text);
        char msg[1200] = "";
        if (f.n_errors)
            err_detail_format(&f.errors[0], msg, sizeof msg);
        if (rc != 1 || !strstr(msg, bad_cases[i].want))
            TEST_FAIL_("case %zu: %d errors, first \"%s\", want \"%s\"", i, rc, msg,
                       bad_cases[i].want);
        ASSERT_EQ_INT(f.errors[0].line, (int)strtol(bad_cases[i].want + 9, NULL, 10));
        acl_file_cleanup(&f);
    }
}

/* Every error is reported, not only the first; good lines around them still parse (but
 * the caller must refuse a file with errors). */
static void test_all_errors_reported(void)
{
    struct acl_file f;
    ASSERT_EQ_INT(parse(&f, "topic a\nbogus\ntopic read\ntopic b\nuser\n"), 3);
    ASSERT_EQ_INT(f.errors[0].line, 2);
    ASSERT_EQ_INT(f.errors[1].line, 3);
    ASSERT_EQ_INT(f.errors[2].line, 5);
    ASSERT_EQ_STR(f.errors[2].file, "acl.conf");
    acl_file_cleanup(&f);

    char big[ACL_FILE_MAX_ERRORS * 8 + 64] = "";
    for (unsigned i = 0; i < ACL_FILE_MAX_ERRORS + 5; i++)
        strcat(big, "junk\n");
    ASSERT_EQ_INT(parse(&f, big), ACL_FILE_MAX_ERRORS + 5);
    ASSERT_EQ_INT(f.n_errors, ACL_FILE_MAX_ERRORS + 5);
    ASSERT_EQ_INT(f.errors[ACL_FILE_MAX_ERRORS - 1].line, ACL_FILE_MAX_ERRORS);
    acl_file_cleanup(&f);
}

static void test_warnings(void)
{
    struct acl_file f;
    ASSERT_EQ_INT(parse(&f, "pattern read everyone/#\ntopic read x/%c\npattern read %u\n"), 0);
    ASSERT_EQ_INT(f.n_warnings, 2);
    ASSERT_EQ_INT(f.warnings[0].line, 1);
    ASSERT_TRUE(strstr(f.warnings[0].msg, "neither %c nor %u") != NULL);
    ASSERT_EQ_INT(f.warnings[1].line, 2);
    ASSERT_TRUE(f.patterns.r[0].has_c == false && f.patterns.r[1].has_u);
    acl_file_cleanup(&f);
}

/* Topic lines before the first user line are anonymous; a repeated user appends to its
 * block; user names may contain blanks. */
static void test_blocks(void)
{
    struct acl_file f;
    ASSERT_EQ_INT(parse(&f, "topic read anon/1\ntopic anon/2\n"
                            "user alice\ntopic read a/1\n"
                            "user bob smith\ntopic write b/1\n"
                            "pattern read p/%u\n"
                            "user alice\ntopic deny a/2\n"),
                  0);
    ASSERT_EQ_INT(f.anon.n, 2);
    ASSERT_EQ_INT(f.n_users, 2);
    const struct acl_user *a = acl_file_find_user(&f, "alice");
    ASSERT_TRUE(a != NULL);
    ASSERT_EQ_INT(a->rules.n, 2);
    ASSERT_EQ_STR(a->rules.r[1].filter, "a/2");
    ASSERT_EQ_INT(a->rules.r[1].access, ACL_DENY);
    ASSERT_EQ_INT(a->rules.r[1].line, 9);
    const struct acl_user *b = acl_file_find_user(&f, "bob smith");
    ASSERT_TRUE(b != NULL && b->rules.n == 1);
    ASSERT_TRUE(acl_file_find_user(&f, "bob") == NULL);
    ASSERT_EQ_INT(f.patterns.n, 1);
    ASSERT_EQ_INT(acl_file_rule_count(&f), 6);
    acl_file_cleanup(&f);
    acl_file_cleanup(&f); /* safe twice */
    ASSERT_EQ_INT(parse(&f, ""), 0);
    ASSERT_EQ_INT(acl_file_rule_count(&f), 0);
    acl_file_cleanup(&f);
}

int main(void)
{
    RUN_TEST(test_valid_lines);
    RUN_TEST(test_malformed_lines);
    RUN_TEST(test_all_errors_reported);
    RUN_TEST(test_warnings);
    RUN_TEST(test_blocks);
    return 0;
}
