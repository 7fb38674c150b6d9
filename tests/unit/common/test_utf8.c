/* SPDX-License-Identifier: MIT */
/* Unit tests for common/utf8: a table of valid, boundary and invalid byte sequences. */
#include "common/utf8.h"

#include "tests/assert.h"

struct utf8_case {
    const char *bytes;
    size_t len;
    bool valid;
    const char *why;
};

#define CASE(s, ok, why)          \
    {                             \
        s, sizeof(s) - 1, ok, why \
    }

static const struct utf8_case cases[] = {
    CASE("", true, "empty"),
    CASE("a", true, "one ASCII byte"),
    CASE("hello/world/0123456789abcdef", true, "long ASCII (fast path)"),
    CASE("\x01\x1f\x7f", true, "control characters are only SHOULD NOT"),
    CASE("\xc2\x80", true, "U+0080 lowest 2-byte"),
    CASE("\xdf\xbf", true, "U+07FF highest 2-byte"),
    CASE("\xe0\xa0\x80", true, "U+0800 lowest 3-byte"),
    CASE("\xed\x9f\xbf", true, "U+D7FF below the surrogates"),
    CASE("\xee\x80\x80", true, "U+E000 above the surrogates"),
    CASE("\xef\xbf\xbf", true, "U+FFFF non-character is allowed"),
    CASE("\xef\xbb\xbf", true, "U+FEFF BOM is allowed"),
    CASE("\xf0\x90\x80\x80", true, "U+10000 lowest 4-byte"),
    CASE("\xf4\x8f\xbf\xbf", true, "U+10FFFF highest"),
    CASE("aaaaaaa\xc3\xa9", true, "multibyte right after a partial ASCII word"),
    CASE("aaaaaaaa\xc3\xa9"
         "bbbbbbbbbbbbbbbb",
         true, "multibyte between ASCII words"),
    CASE("\x00", false, "U+0000"),
    CASE("abc\x00"
         "def",
         false, "embedded U+0000"),
    CASE("abcdefgh\x00", false, "U+0000 after a word"),
    CASE("abcdefg\x00"
         "abcdefgh",
         false, "U+0000 inside a word"),
    CASE("\x00"
         "bcdefgh",
         false, "U+0000 first in a word"),
    CASE("\xc0\x80", false, "overlong U+0000"),
    CASE("\xc1\xbf", false, "overlong 2-byte"),
    CASE("\xe0\x9f\xbf", false, "overlong 3-byte"),
    CASE("\xf0\x8f\xbf\xbf", false, "overlong 4-byte"),
    CASE("\xed\xa0\x80", false, "U+D800 surrogate"),
    CASE("\xed\xbf\xbf", false, "U+DFFF surrogate"),
    CASE("\xf4\x90\x80\x80", false, "U+110000"),
    CASE("\xf5\x80\x80\x80", false, "lead F5"),
    CASE("\xff", false, "byte FF"),
    CASE("\x80", false, "lone continuation"),
    CASE("\xbf", false, "lone continuation BF"),
    CASE("\xc3", false, "truncated 2-byte"),
    CASE("\xe2\x82", false, "truncated 3-byte"),
    CASE("\xf0\x9f\x98", false, "truncated 4-byte"),
    CASE("\xc3\x28", false, "bad continuation"),
    CASE("\xe2\x28\xa1", false, "bad second byte of 3"),
    CASE("\xe2\x82\x28", false, "bad third byte of 3"),
    CASE("\xf0\x9f\x98\x28", false, "bad fourth byte of 4"),
    CASE("abcdefgh\x80", false, "continuation after a word"),
    CASE("abcdefg\xff"
         "abcdefgh",
         false, "bad byte inside a word"),
};

static void test_table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct utf8_case *c = &cases[i];
        bool got = utf8_is_valid_mqtt((const uint8_t *)c->bytes, c->len);
        if (got != c->valid)
            TEST_FAIL_("case %zu (%s): expected %s", i, c->why, c->valid ? "valid" : "invalid");
    }
}

/* Every code point encodes to a sequence the validator accepts exactly when it is not a
 * surrogate and not U+0000; and each truncation of it is rejected. */
static size_t encode_cp(uint32_t cp, uint8_t *b)
{
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (uint8_t)(0xC0 | (cp >> 6));
        b[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | (cp >> 12));
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (uint8_t)(0xF0 | (cp >> 18));
    b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

static void test_all_code_points(void)
{
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        uint8_t b[4];
        size_t n = encode_cp(cp, b);
        bool want = cp != 0 && (cp < 0xD800 || cp > 0xDFFF);
        if (utf8_is_valid_mqtt(b, n) != want)
            TEST_FAIL_("code point U+%04X: expected %s", (unsigned)cp, want ? "valid" : "invalid");
        for (size_t k = 1; k < n; k++)
            if (utf8_is_valid_mqtt(b, k))
                TEST_FAIL_("U+%04X truncated to %zu bytes accepted", (unsigned)cp, k);
    }
}

/* Every lone byte: ASCII except NUL is valid, everything else is not. */
static void test_single_bytes(void)
{
    for (unsigned v = 0; v < 256; v++) {
        uint8_t b = (uint8_t)v;
        ASSERT_EQ_INT(utf8_is_valid_mqtt(&b, 1), v > 0 && v < 0x80);
    }
}

int main(void)
{
    RUN_TEST(test_table);
    RUN_TEST(test_all_code_points);
    RUN_TEST(test_single_bytes);
    return 0;
}
