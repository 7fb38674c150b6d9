/* SPDX-License-Identifier: MIT */
/* Unit tests for common/pw_file: tables of files (good, comments, bad lines with their
 * line numbers), round trips that keep comments and order, and edits. */
#include "common/pw_file.h"

#include "tests/assert.h"

#include <stdlib.h>
#include <string.h>

#define H6                                                                                     \
    "$6$vZY4TS+/HBxHw38S$vvjVFECzb8dyuu/mruD2QKTfdFn0WmKxbc+1TsdB0L8EdHk3v9JRmfjHd56+VaTnUcSZ" \
    "OZ/hzkdvWCtxlX7AUQ=="
#define H7                                                                                     \
    "$7$101$AAECAwQFBgcICQoL$DEO14ViPofBJRJpN8uZINnuFUWj8eUeWhlyZ2QOQ+5LgiM0kGXMwv2HwhIvlBQTs" \
    "Hkd+uve2/GFOr/KZ8Y/8Hw=="

/* One file per row: the users that must load (space separated, in order) and the
 * errors as "line:message-fragment;..." */
static const struct {
    const char *text;
    const char *users;
    const char *errors;
} files[] = {
    {"", "", ""},
    {"\n\n", "", ""},
    {"alice:" H7 "\n", "alice", ""},
    {"alice:" H7, "alice", ""}, /* no final newline */
    {"alice:" H7 "\r\nbob:" H6 "\r\n", "alice bob", ""},
    {"# comment\n  # indented comment\n\t\nalice:" H7 "\n", "alice", ""},
    {"  alice \t:\t " H7 "  \n", "alice", ""}, /* blanks around both fields */
    {"na\xc3\xafve user:" H7 "\n", "na\xc3\xafve user", ""},
    {"alice\nbob:" H6 "\n", "bob", "1:no ':'"},
    {"alice:secret\nbob:" H6 "\n", "bob", "1:not hashed"},
    {"bob:" H6 "\nalice:\n", "bob", "2:not hashed"},
    {":" H7 "\nbob:" H6 "\n", "bob", "1:invalid username"},
    {"a\x01:" H7 "\n", "", "1:invalid username"},
    {"\xff:" H7 "\n", "", "1:invalid username"},
    {"alice:$5$abc$def\n", "", "1:unknown password hash type"},
    {"alice:$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA\n", "", "1:unknown"},
    {"alice:$7$101$AAAA$AAAA\n", "", "1:malformed"},
    {"alice:$7$0$AAECAwQFBgcICQoL$AAAA\n", "", "1:iteration count"},
    {"alice:" H7 "\nalice:" H6 "\n", "alice", "2:duplicate"},
    {"a:" H7 "\nb:x\n# c\nd:$9$\ne:" H6 "\nf\n", "a e", "2:not hashed;4:unknown;6:no ':'"},
    {"al\0ce:x\nbob:" H6 "\n", "bob", "1:NUL"},
};

static void check_file(size_t row)
{
    struct pw_file f;
    pw_file_init(&f);
    const char *text = files[row].text;
    /* Row with an embedded NUL: measure up to the second line's end by hand. */
    size_t len = strlen(text);
    if (strncmp(text, "al", 2) == 0 && text[2] == '\0')
        len = 8 + strlen("bob:" H6 "\n");
    int bad = pw_file_parse(&f, "pw.txt", text, len, 0);

    char users[512] = "";
    for (size_t i = 0; i < f.n_lines; i++) {
        if (f.lines[i].kind != PW_LINE_ENTRY)
            continue;
        ASSERT_TRUE(f.lines[i].user != NULL);
        if (users[0])
            strcat(users, " ");
        strcat(users, f.lines[i].user);
    }
    char errors[512] = "";
    for (size_t i = 0; i < f.n_errors; i++) {
        ASSERT_EQ_STR(f.errors[i].file, "pw.txt");
        char one[600], line[1200];
        snprintf(one, sizeof one, "%s%d:", errors[0] ? ";" : "", f.errors[i].line);
        strcat(errors, one);
        err_detail_format(&f.errors[i], line, sizeof line);
        ASSERT_TRUE(strncmp(line, "pw.txt:", 7) == 0);
        ASSERT_TRUE(strstr(line, "$7$") == NULL && strstr(line, "secret") == NULL);
    }
    /* Compare error line numbers, and each message fragment in turn. */
    char want_lines[512] = "";
    const char *w = files[row].errors;
    size_t k = 0;
    while (*w) {
        const char *end = strchr(w, ';');
        size_t n = end ? (size_t)(end - w) : strlen(w);
        const char *colon = memchr(w, ':', n);
        ASSERT_TRUE(colon != NULL);
        char frag[128];
        snprintf(frag, sizeof frag, "%.*s", (int)(n - (size_t)(colon + 1 - w)), colon + 1);
        ASSERT_TRUE(k < f.n_errors);
        if (!strstr(f.errors[k].msg, frag))
            fprintf(stderr, "row %zu: '%s' lacks '%s'\n", row, f.errors[k].msg, frag);
        ASSERT_TRUE(strstr(f.errors[k].msg, frag) != NULL);
        strncat(want_lines, w, (size_t)(colon + 1 - w));
        w += n;
        if (*w == ';') {
            strcat(want_lines, ";");
            w++;
        }
        k++;
    }
    if (strcmp(users, files[row].users) || strcmp(errors, want_lines))
        fprintf(stderr, "row %zu\n", row);
    ASSERT_EQ_STR(users, files[row].users);
    ASSERT_EQ_STR(errors, want_lines);
    ASSERT_EQ_INT(bad, (int)f.n_errors);
    pw_file_cleanup(&f);
}

static void test_parse_table(void)
{
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        check_file(i);
}

/* Serialising an unedited file gives every line back (normalised to LF endings). */
static void test_round_trip_keeps_everything(void)
{
    static const char text[] = "# users\n\nalice:" H7 "\nbroken line\n  # x\nbob:" H6 "\n";
    struct pw_file f;
    pw_file_init(&f);
    ASSERT_EQ_INT(pw_file_parse(&f, NULL, text, strlen(text), 0), 1);
    ASSERT_EQ_STR(f.errors[0].file, "");
    ASSERT_EQ_INT(f.errors[0].line, 4);
    size_t len;
    char *out = pw_file_serialise(&f, &len);
    ASSERT_EQ_STR(out, text);
    ASSERT_EQ_INT(len, strlen(text));
    free(out);
    pw_file_cleanup(&f);
    pw_file_cleanup(&f); /* twice is safe */
}

static void test_edit(void)
{
    static const char text[] = "# head\nalice:" H7 "\r\n# mid\nbob:" H6 "\n";
    struct pw_file f;
    pw_file_init(&f);
    ASSERT_EQ_INT(pw_file_parse(&f, "f", text, strlen(text), 0), 0);
    ASSERT_TRUE(pw_file_find(&f, "alice") != NULL);
    ASSERT_TRUE(pw_file_find(&f, "carol") == NULL);
    /* Replace in place, append a new user, delete one. */
    ASSERT_EQ_INT(pw_file_set(&f, "alice", H6), 0);
    ASSERT_EQ_INT(pw_file_set(&f, "carol", H7), 0);
    ASSERT_EQ_INT(pw_file_delete(&f, "bob"), 0);
    ASSERT_EQ_INT(pw_file_delete(&f, "bob"), ERR_NOTFOUND);
    ASSERT_EQ_INT(pw_file_find(&f, "alice")->hash.type, PW_HASH_SHA512);
    size_t len;
    char *out = pw_file_serialise(&f, &len);
    ASSERT_EQ_STR(out, "# head\nalice:" H6 "\n# mid\ncarol:" H7 "\n");
    free(out);
    /* Invalid input is refused and changes nothing. */
    ASSERT_EQ_INT(pw_file_set(&f, "a:b", H7), ERR_INVAL);
    ASSERT_EQ_INT(pw_file_set(&f, "", H7), ERR_INVAL);
    ASSERT_EQ_INT(pw_file_set(&f, " lead", H7), ERR_INVAL);
    ASSERT_EQ_INT(pw_file_set(&f, "tab\there", H7), ERR_INVAL);
    ASSERT_EQ_INT(pw_file_set(&f, "dave", "plain"), ERR_INVAL);
    ASSERT_EQ_INT(pw_file_set(&f, "dave", "$9$x"), ERR_NOTSUP);
    ASSERT_EQ_INT(pw_file_set(&f, "dave", "$7$1$AAAA$BBBB"), ERR_MALFORMED);
    ASSERT_EQ_INT((int)f.n_lines, 4);
    pw_file_cleanup(&f);
}

/* With PW_FILE_PLAIN_OK plain passwords load as PLAIN lines that can be replaced. */
static void test_plain_ok(void)
{
    static const char text[] = "alice:secret\nbob:" H6 "\ncarol:\n";
    struct pw_file f;
    pw_file_init(&f);
    ASSERT_EQ_INT(pw_file_parse(&f, "f", text, strlen(text), PW_FILE_PLAIN_OK), 0);
    ASSERT_EQ_INT(f.lines[0].kind, PW_LINE_PLAIN);
    ASSERT_EQ_STR(f.lines[0].secret, "secret");
    ASSERT_EQ_INT(f.lines[1].kind, PW_LINE_ENTRY);
    ASSERT_EQ_INT(f.lines[2].kind, PW_LINE_PLAIN);
    ASSERT_EQ_STR(f.lines[2].secret, "");
    ASSERT_EQ_INT(pw_file_set(&f, "alice", H7), 0);
    ASSERT_EQ_INT(f.lines[0].kind, PW_LINE_ENTRY);
    /* The username may be the line's own string (as midge-passwd -U passes it). */
    ASSERT_EQ_INT(pw_file_set(&f, f.lines[2].user, H6), 0);
    ASSERT_EQ_STR(f.lines[2].text, "carol:" H6);
    pw_file_cleanup(&f);
}

/* Setting or deleting a user also replaces or removes its bad and duplicate lines, so no
 * old plain-text password or stale second entry survives the change. */
static void test_edit_replaces_bad_lines(void)
{
    static const char text[] =
        "alice:oldplain\n# c\nalice:" H7 "\nbob:" H6 "\nbob:" H7 "\nbob:$9$x\ncarol:\n";
    struct pw_file f;
    pw_file_init(&f);
    ASSERT_EQ_INT(pw_file_parse(&f, "f", text, strlen(text), 0), 4);
    ASSERT_TRUE(pw_file_find(&f, "alice") == &f.lines[2]);
    ASSERT_TRUE(pw_file_find(&f, "carol") == NULL);
    ASSERT_EQ_INT(pw_file_set(&f, "alice", H6), 0);
    ASSERT_EQ_INT(pw_file_delete(&f, f.lines[3].user), 0); /* bob, via a line's string */
    ASSERT_EQ_INT(pw_file_delete(&f, "carol"), 0);
    size_t len;
    char *out = pw_file_serialise(&f, &len);
    ASSERT_EQ_STR(out, "alice:" H6 "\n# c\n");
    free(out);
    ASSERT_EQ_INT(pw_file_find(&f, "alice")->kind, PW_LINE_ENTRY);
    pw_file_cleanup(&f);
}

static void test_user_is_valid(void)
{
    ASSERT_TRUE(pw_file_user_is_valid("alice"));
    ASSERT_TRUE(pw_file_user_is_valid("with space"));
    ASSERT_TRUE(pw_file_user_is_valid("\xc3\xbc"));
    ASSERT_FALSE(pw_file_user_is_valid(""));
    ASSERT_FALSE(pw_file_user_is_valid("a:b"));
    ASSERT_FALSE(pw_file_user_is_valid("trail "));
    ASSERT_FALSE(pw_file_user_is_valid("nl\n"));
    ASSERT_FALSE(pw_file_user_is_valid("del\x7f"));
    ASSERT_FALSE(pw_file_user_is_valid("\xc3"));
    char *big = malloc(PW_FILE_USER_MAX + 2);
    memset(big, 'u', PW_FILE_USER_MAX);
    big[PW_FILE_USER_MAX] = '\0';
    ASSERT_TRUE(pw_file_user_is_valid(big));
    big[PW_FILE_USER_MAX] = 'u';
    big[PW_FILE_USER_MAX + 1] = '\0';
    ASSERT_FALSE(pw_file_user_is_valid(big));
    free(big);
}

int main(void)
{
    RUN_TEST(test_parse_table);
    RUN_TEST(test_round_trip_keeps_everything);
    RUN_TEST(test_edit);
    RUN_TEST(test_plain_ok);
    RUN_TEST(test_edit_replaces_bad_lines);
    RUN_TEST(test_user_is_valid);
    return 0;
}
