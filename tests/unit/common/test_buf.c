/* SPDX-License-Identifier: MIT */
/* Unit tests for common/buf: appending, big-endian puts, consuming, compaction, reset. */
#include "common/buf.h"

#include "tests/assert.h"

static void test_init_cleanup(void)
{
    struct buf b;
    buf_init(&b);
    ASSERT_EQ_INT(buf_size(&b), 0);
    buf_cleanup(&b);
    buf_cleanup(&b); /* twice is safe */
    ASSERT_TRUE(b.data == NULL);
}

static void test_put_big_endian(void)
{
    struct buf b;
    buf_init(&b);
    buf_put_u8(&b, 0xAB);
    buf_put_u16(&b, 0x1234);
    buf_put_u32(&b, 0xDEADBEEF);
    buf_append(&b, "xy", 2);
    buf_append(&b, NULL, 0);
    static const uint8_t want[] = {0xAB, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 'x', 'y'};
    ASSERT_EQ_MEM(buf_head(&b), buf_size(&b), want, sizeof want);
    buf_cleanup(&b);
}

static void test_consume(void)
{
    struct buf b;
    buf_init(&b);
    buf_append(&b, "hello", 5);
    buf_consume(&b, 2);
    ASSERT_EQ_MEM(buf_head(&b), buf_size(&b), "llo", 3);
    buf_consume(&b, 3);
    ASSERT_EQ_INT(buf_size(&b), 0);
    ASSERT_EQ_INT(b.off, 0); /* offsets reset when empty */
    ASSERT_EQ_INT(b.len, 0);
    buf_cleanup(&b);
}

/* Growth keeps unread bytes; a half-consumed buffer compacts instead of growing. */
static void test_growth_and_compaction(void)
{
    struct buf b;
    buf_init(&b);
    for (unsigned i = 0; i < 10000; i++)
        buf_put_u8(&b, (uint8_t)i);
    ASSERT_EQ_INT(buf_size(&b), 10000);
    for (unsigned i = 0; i < 10000; i++)
        ASSERT_EQ_INT(b.data[i], (uint8_t)i);
    size_t cap = b.cap;
    buf_consume(&b, b.len - 10);
    uint8_t *w = buf_reserve(&b, cap - 20);
    ASSERT_EQ_INT(b.cap, cap); /* compacted, not grown */
    ASSERT_EQ_INT(b.off, 0);
    ASSERT_TRUE(w == b.data + 10);
    ASSERT_EQ_INT(b.data[0], (uint8_t)9990);
    buf_commit(&b, 5);
    ASSERT_EQ_INT(buf_size(&b), 15);
    buf_cleanup(&b);
}

static void test_try_reserve(void)
{
    struct buf b;
    buf_init(&b);
    ASSERT_TRUE(buf_try_reserve(&b, 100) != NULL);
    ASSERT_TRUE(buf_try_reserve(&b, SIZE_MAX / 2 + 1) == NULL); /* overflow: NULL, not abort */
    ASSERT_EQ_INT(buf_size(&b), 0);
    buf_cleanup(&b);
}

static void test_reset(void)
{
    struct buf b;
    buf_init(&b);
    buf_reserve(&b, 4096);
    buf_append(&b, "abc", 3);
    buf_reset(&b, 1 << 20);
    ASSERT_EQ_INT(buf_size(&b), 0);
    ASSERT_TRUE(b.data != NULL); /* small enough: kept */
    buf_append(&b, "abc", 3);
    buf_reset(&b, 16);
    ASSERT_TRUE(b.data == NULL); /* above keep: released */
    ASSERT_EQ_INT(b.cap, 0);
    buf_cleanup(&b);
}

int main(void)
{
    RUN_TEST(test_init_cleanup);
    RUN_TEST(test_put_big_endian);
    RUN_TEST(test_consume);
    RUN_TEST(test_growth_and_compaction);
    RUN_TEST(test_try_reserve);
    RUN_TEST(test_reset);
    return 0;
}
