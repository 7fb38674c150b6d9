/* SPDX-License-Identifier: MIT */
/* Unit tests for common/psk_file: good files (comments, blanks, odd digit counts, leading
 * zero bytes), every kind of bad line with its line number, and lookup. */
#include "common/psk_file.h"

#include "tests/assert.h"

#include <stdio.h>
#include <string.h>

/* One file per row: identities that must load (space separated) and the errors as
 * "line:message-fragment;...". */
static const struct {
    const char *text;
    const char *ids;
    const char *errors;
} files[] = {
    {"", "", ""},
    {"# only a comment\n\n  \t\n", "", ""},
    {"alice:00112233", "alice", ""},
    {"alice:00112233\r\nbob:ff\r\n", "alice bob", ""},
    {"  alice \t: \tABCDEF  \n", "alice", ""},
    {"alice\nbob:01\n", "bob", "1:no ':'"},
    {":0102\n", "", "1:identity is empty"},
    {"a\x01:0102\n", "", "1:control characters"},
    {"alice:\n", "", "1:key is empty"},
    {"alice:0x0102\n", "", "1:hex digits only"},
    {"alice:01 02\n", "", "1:hex digits only"},
    {"alice:zz\n", "", "1:hex digits only"},
    {"alice:01\nalice:02\n", "alice", "2:listed twice"},
    {"# c\nbad\n\nbob:1\ncarol:xyz\n", "bob", "2:no ':';5:hex digits only"},
};

static void check_file(size_t i)
{
    struct psk_file f;
    psk_file_init(&f);
    int bad = psk_file_parse(&f, "psk", files[i].text, strlen(files[i].text));
    char ids[200] = "";
    for (size_t k = 0; k < f.n_entries; k++)
        snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s", k ? " " : "",
                 f.entries[k].identity);
    for (size_t k = 0; k < f.n_errors; k++)
        ASSERT_EQ_STR(f.errors[k].file, "psk");
    ASSERT_EQ_STR(ids, files[i].ids);
    ASSERT_EQ_INT(bad, (int)f.n_errors);
    /* Each expected "line:fragment" must match the error at the same position. */
    const char *e = files[i].errors;
    size_t k = 0;
    while (*e) {
        char want[100];
        size_t n = strcspn(e, ";");
        snprintf(want, sizeof want, "%.*s", (int)n, e);
        char *colon = strchr(want, ':');
        ASSERT_TRUE(colon && k < f.n_errors);
        *colon = '\0';
        char num[16];
        snprintf(num, sizeof num, "%d", f.errors[k].line);
        ASSERT_EQ_STR(num, want);
        if (!strstr(f.errors[k].msg, colon + 1))
            ASSERT_EQ_STR(f.errors[k].msg, colon + 1);
        e += n + (e[n] == ';');
        k++;
    }
    ASSERT_EQ_INT((int)k, (int)f.n_errors);
    psk_file_cleanup(&f);
    psk_file_cleanup(&f); /* safe twice */
}

static void test_files(void)
{
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        check_file(i);
}

/* Keys decode to the exact bytes: case-insensitive, odd counts get a leading 0 nibble,
 * leading zero bytes are kept. */
static void test_key_bytes(void)
{
    static const char text[] = "a:00ab\nb:ABC\nc:0\nd:DeadBeef\n";
    struct psk_file f;
    psk_file_init(&f);
    ASSERT_EQ_INT(psk_file_parse(&f, NULL, text, strlen(text)), 0);
    const struct psk_entry *e = psk_file_find(&f, "a", 1);
    ASSERT_TRUE(e != NULL);
    ASSERT_EQ_MEM(e->key, e->key_len, "\x00\xab", 2);
    e = psk_file_find(&f, "b", 1);
    ASSERT_EQ_MEM(e->key, e->key_len, "\x0a\xbc", 2);
    e = psk_file_find(&f, "c", 1);
    ASSERT_EQ_MEM(e->key, e->key_len, "\x00", 1);
    e = psk_file_find(&f, "dx", 1); /* length-bounded lookup */
    ASSERT_EQ_MEM(e->key, e->key_len, "\xde\xad\xbe\xef", 4);
    ASSERT_TRUE(psk_file_find(&f, "dx", 2) == NULL);
    ASSERT_TRUE(psk_file_find(&f, "", 0) == NULL);
    psk_file_cleanup(&f);
}

/* Limits: a 256-byte identity and a 512-byte key load; one more byte of either does not. */
static void test_limits(void)
{
    static char text[4000];
    char id[300], key[1100];
    memset(id, 'i', 256);
    id[256] = '\0';
    memset(key, '7', 1024);
    key[1024] = '\0';
    snprintf(text, sizeof text, "%s:%s\n%sj:01\nk:%s77\n", id, key, id, key);
    struct psk_file f;
    psk_file_init(&f);
    ASSERT_EQ_INT(psk_file_parse(&f, "p", text, strlen(text)), 2);
    ASSERT_EQ_INT((int)f.n_entries, 1);
    ASSERT_EQ_INT((int)f.entries[0].key_len, 512);
    ASSERT_EQ_INT(f.errors[0].line, 2);
    ASSERT_EQ_INT(f.errors[1].line, 3);
    psk_file_cleanup(&f);
}

int main(void)
{
    RUN_TEST(test_files);
    RUN_TEST(test_key_bytes);
    RUN_TEST(test_limits);
    return 0;
}
