/* SPDX-License-Identifier: MIT */
/* Unit tests for common/err: names and texts from the X-macro, detail formatting. */
#include "common/err.h"

#include "tests/assert.h"

static void test_names(void)
{
    ASSERT_EQ_STR(err_name(0), "ERR_OK");
    ASSERT_EQ_STR(err_name(ERR_NOMEM), "ERR_NOMEM");
    ASSERT_EQ_STR(err_name(ERR_MALFORMED), "ERR_MALFORMED");
    ASSERT_EQ_STR(err_name(ERR_AUTH), "ERR_AUTH");
    ASSERT_EQ_STR(err_name(-1000), "ERR_UNKNOWN");
    ASSERT_EQ_STR(err_name(1), "ERR_UNKNOWN");
    ASSERT_EQ_STR(err_str(0), "success");
    ASSERT_EQ_STR(err_str(ERR_AGAIN), "would block");
    ASSERT_EQ_STR(err_str(-1000), "unknown error");
}

/* Every code in the map is negative, unique, and has a name and a text. */
static void test_map_consistent(void)
{
    static const int codes[] = {
#define X(name, code, text) code,
        ERR_MAP(X)
#undef X
    };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        ASSERT_TRUE(codes[i] < 0);
        ASSERT_TRUE(strcmp(err_name(codes[i]), "ERR_UNKNOWN") != 0);
        ASSERT_TRUE(strcmp(err_str(codes[i]), "unknown error") != 0);
        for (size_t j = i + 1; j < n; j++)
            ASSERT_NE_INT(codes[i], codes[j]);
    }
}

static void test_set_and_format(void)
{
    struct err_detail d;
    char out[600];
    ASSERT_EQ_INT(err_set(NULL, ERR_CONFIG, "x", 1, "ignored"), ERR_CONFIG);
    ASSERT_EQ_INT(err_set(&d, ERR_CONFIG, "midge.conf", 12, "bad value '%s'", "x"), ERR_CONFIG);
    ASSERT_EQ_STR(err_detail_format(&d, out, sizeof out), "midge.conf:12: bad value 'x'");
    err_set(&d, ERR_IO, "midge.conf", 0, "cannot read");
    ASSERT_EQ_STR(err_detail_format(&d, out, sizeof out), "midge.conf: cannot read");
    err_set(&d, ERR_MALFORMED, NULL, 0, "CONNECT: %s", "reserved flag set");
    ASSERT_EQ_STR(err_detail_format(&d, out, sizeof out), "CONNECT: reserved flag set");
    ASSERT_EQ_STR(d.file, "");
    ASSERT_EQ_INT(d.line, 0);
    /* Truncation keeps the result terminated. */
    err_detail_format(&d, out, 5);
    ASSERT_EQ_STR(out, "CONN");
}

static void test_long_message_truncated(void)
{
    struct err_detail d;
    char big[2000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    err_set(&d, ERR_INVAL, NULL, 0, "%s", big);
    ASSERT_EQ_INT(strlen(d.msg), sizeof d.msg - 1);
}

int main(void)
{
    RUN_TEST(test_names);
    RUN_TEST(test_map_consistent);
    RUN_TEST(test_set_and_format);
    RUN_TEST(test_long_message_truncated);
    return 0;
}
