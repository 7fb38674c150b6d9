/* SPDX-License-Identifier: MIT */
/* Typed test assertions that print both sides on failure and abort the test process. */
#ifndef MIDGE_TESTS_ASSERT_H
#define MIDGE_TESTS_ASSERT_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_FAIL_(...)                                 \
    do {                                                \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                   \
        fputc('\n', stderr);                            \
        abort();                                        \
    } while (0)

#define ASSERT_TRUE(c)                           \
    do {                                         \
        if (!(c))                                \
            TEST_FAIL_("expected true: %s", #c); \
    } while (0)
#define ASSERT_FALSE(c)                           \
    do {                                          \
        if (c)                                    \
            TEST_FAIL_("expected false: %s", #c); \
    } while (0)
#define ASSERT_EQ_INT(a, b)                                       \
    do {                                                          \
        long long a_ = (long long)(a), b_ = (long long)(b);       \
        if (a_ != b_)                                             \
            TEST_FAIL_("%s == %s: %lld != %lld", #a, #b, a_, b_); \
    } while (0)
#define ASSERT_NE_INT(a, b)                                 \
    do {                                                    \
        long long a_ = (long long)(a), b_ = (long long)(b); \
        if (a_ == b_)                                       \
            TEST_FAIL_("%s != %s: both %lld", #a, #b, a_);  \
    } while (0)
#define ASSERT_EQ_STR(a, b)                                                      \
    do {                                                                         \
        const char *a_ = (a), *b_ = (b);                                         \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                   \
            TEST_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", \
                       b_ ? b_ : "(null)");                                      \
    } while (0)
#define ASSERT_EQ_MEM(a, alen, b, blen)                                                          \
    do {                                                                                         \
        size_t al_ = (size_t)(alen), bl_ = (size_t)(blen);                                       \
        const unsigned char *ap_ = (const unsigned char *)(a);                                   \
        const unsigned char *bp_ = (const unsigned char *)(b);                                   \
        if (al_ != bl_ || memcmp(ap_, bp_, al_) != 0) {                                          \
            fprintf(stderr, "%s:%d: %s == %s\n  left  (%zu):", __FILE__, __LINE__, #a, #b, al_); \
            for (size_t i_ = 0; i_ < al_; i_++)                                                  \
                fprintf(stderr, " %02x", ap_[i_]);                                               \
            fprintf(stderr, "\n  right (%zu):", bl_);                                            \
            for (size_t i_ = 0; i_ < bl_; i_++)                                                  \
                fprintf(stderr, " %02x", bp_[i_]);                                               \
            fputc('\n', stderr);                                                                 \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

/* Run one test function and report it; tests abort on the first failure. */
#define RUN_TEST(fn)                       \
    do {                                   \
        fn();                              \
        fprintf(stderr, "ok - %s\n", #fn); \
    } while (0)

#endif
