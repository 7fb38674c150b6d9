/* SPDX-License-Identifier: MIT */
/* Unit tests for service/msg: layout of the single allocation, reference counting. */
#include "service/msg.h"

#include "tests/assert.h"

static void test_new_copies_topic_and_payload(void)
{
    char topic[] = "a/b";
    char payload[] = {1, 0, 2};
    struct msg *m = msg_new(topic, 3, payload, sizeof(payload), 1, true, 42);

    topic[0] = 'x'; /* the message holds copies */
    payload[0] = 9;
    ASSERT_EQ_STR(m->topic, "a/b");
    ASSERT_EQ_INT(m->topic_len, 3);
    ASSERT_EQ_MEM(m->payload, m->payload_len, "\x01\x00\x02", 3);
    ASSERT_EQ_INT(m->qos, 1);
    ASSERT_TRUE(m->retain);
    ASSERT_EQ_INT(m->id, 42);
    ASSERT_EQ_INT(m->expiry_at, 0);
    ASSERT_EQ_INT(m->refcount, 1);
    /* One allocation: topic right after the struct, payload right after the NUL. */
    ASSERT_TRUE((const void *)m->topic == (const void *)(m + 1));
    ASSERT_TRUE((const void *)m->payload == (const void *)(m->topic + 4));
    ASSERT_EQ_INT(msg_mem_size(m), sizeof(*m) + 3 + 1 + 3);
    msg_unref(m);
}

static void test_empty_payload(void)
{
    struct msg *m = msg_new("t", 1, NULL, 0, 0, false, 1);
    ASSERT_EQ_INT(m->payload_len, 0);
    ASSERT_TRUE(m->payload != NULL);
    ASSERT_FALSE(m->retain);
    ASSERT_EQ_INT(msg_mem_size(m), sizeof(*m) + 2);
    msg_unref(m);
}

static void test_refcount(void)
{
    struct msg *m = msg_new("x/y/z", 5, "hello", 5, 2, false, 7);
    ASSERT_TRUE(msg_ref(m) == m);
    ASSERT_TRUE(msg_ref(m) == m);
    ASSERT_EQ_INT(m->refcount, 3);
    msg_unref(m);
    msg_unref(m);
    ASSERT_EQ_INT(m->refcount, 1);
    ASSERT_EQ_MEM(m->payload, m->payload_len, "hello", 5);
    msg_unref(m); /* freed here; ASan reports a leak or double free otherwise */
    msg_unref(NULL);
}

static void test_large(void)
{
    static char big[70000];
    char topic[65535];
    memset(topic, 'q', sizeof(topic));
    memset(big, 0x5a, sizeof(big));
    struct msg *m = msg_new(topic, sizeof(topic), big, sizeof(big), 0, false, 0);
    ASSERT_EQ_INT(m->topic_len, 65535);
    ASSERT_EQ_INT(strlen(m->topic), 65535);
    ASSERT_EQ_MEM(m->payload, m->payload_len, big, sizeof(big));
    msg_unref(m);
}

int main(void)
{
    RUN_TEST(test_new_copies_topic_and_payload);
    RUN_TEST(test_empty_payload);
    RUN_TEST(test_refcount);
    RUN_TEST(test_large);
    return 0;
}
