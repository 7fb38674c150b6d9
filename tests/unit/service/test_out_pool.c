/* SPDX-License-Identifier: MIT */
/* Unit tests for service/out_pool: bounds of the storage cache, and connections that
 * hold no output storage while idle but reuse pooled storage when they send. */
#include "service/out_pool.h"

#include "common/hmap.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"

#include <string.h>

static struct harness H;

/* A buffer with storage of at least cap bytes and some unread data. */
static void filled(struct buf *b, size_t cap)
{
    buf_init(b);
    buf_reserve(b, cap);
    buf_append(b, "abc", 3);
}

static void test_give_take_lifo(void)
{
    struct out_pool *p = out_pool_new();
    struct buf a, b, c;
    filled(&a, 100);
    filled(&b, 5000);
    uint8_t *bdata = b.data;
    size_t bcap = b.cap;
    out_pool_give(p, &a);
    out_pool_give(p, &b);
    ASSERT_EQ_INT(a.cap, 0); /* the storage moved into the pool */
    ASSERT_TRUE(a.data == NULL);
    ASSERT_EQ_INT(out_pool_count(p), 2);
    buf_init(&c);
    out_pool_take(p, &c);
    ASSERT_TRUE(c.data == bdata); /* most recently returned first */
    ASSERT_EQ_INT(c.cap, bcap);
    ASSERT_EQ_INT(buf_size(&c), 0); /* handed out empty */
    ASSERT_EQ_INT(out_pool_count(p), 1);
    out_pool_take(p, &c); /* c has storage: nothing is taken */
    ASSERT_EQ_INT(out_pool_count(p), 1);
    buf_cleanup(&c);
    out_pool_free(p); /* frees what it still holds (checked by ASan) */
}

static void test_bounds(void)
{
    struct out_pool *p = out_pool_new();
    struct buf b;
    filled(&b, OUT_POOL_MAX_CAP + 1); /* too big to keep */
    out_pool_give(p, &b);
    ASSERT_EQ_INT(out_pool_count(p), 0);
    ASSERT_EQ_INT(b.cap, 0);
    for (unsigned i = 0; i < OUT_POOL_SLOTS + 5; i++) {
        filled(&b, 256);
        out_pool_give(p, &b);
    }
    ASSERT_EQ_INT(out_pool_count(p), OUT_POOL_SLOTS);
    for (unsigned i = 0; i < OUT_POOL_SLOTS; i++) {
        out_pool_take(p, &b);
        ASSERT_TRUE(b.cap >= 256);
        buf_cleanup(&b);
    }
    ASSERT_EQ_INT(out_pool_count(p), 0);
    ASSERT_EQ_INT(out_pool_bytes(p), 0);
    /* The byte bound: storage of 1 MiB each, at most 4 MiB kept. */
    for (unsigned i = 0; i < 6; i++) {
        filled(&b, OUT_POOL_MAX_CAP);
        out_pool_give(p, &b);
    }
    ASSERT_TRUE(out_pool_bytes(p) <= OUT_POOL_MAX_BYTES);
    ASSERT_EQ_INT(out_pool_count(p), OUT_POOL_MAX_BYTES / OUT_POOL_MAX_CAP);
    out_pool_free(p);
    out_pool_give(NULL, &b); /* without a pool: plain free */
    out_pool_take(NULL, &b);
    ASSERT_EQ_INT(b.cap, 0);
    out_pool_free(NULL);
}

static struct conn *broker_conn(const char *id)
{
    struct session *s = hmap_get(&H.b.sessions, id, strlen(id));
    ASSERT_TRUE(s && s->conn);
    return s->conn;
}

/* After CONNACK, SUBACK and deliveries are written, the connection keeps no storage;
 * the storage went to the pool and serves the next packet. */
static void test_idle_connections_hold_no_buffer(void)
{
    h_start(&H, NULL);
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    ASSERT_EQ_INT(broker_conn("sub")->out.cap, 0);
    ASSERT_EQ_INT(broker_conn("pub")->out.cap, 0);
    ASSERT_TRUE(out_pool_count(H.b.out_pool) >= 1);
    tc_subscribe(sub, "t", 0, 0);
    for (int i = 0; i < 50; i++)
        tc_publish(pub, "t", "payload", 0, 0, false);
    h_settle(&H);
    for (int i = 0; i < 50; i++) {
        const struct mqtt_packet *p = tc_expect(sub, MQTT_PKT_PUBLISH);
        ASSERT_EQ_MEM(p->u.publish.payload, p->u.publish.payload_len, "payload", 7);
    }
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(broker_conn("sub")->out.cap, 0);
    size_t pooled = out_pool_count(H.b.out_pool);
    ASSERT_TRUE(pooled >= 1 && pooled <= 2);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

int main(void)
{
    RUN_TEST(test_give_take_lifo);
    RUN_TEST(test_bounds);
    RUN_TEST(test_idle_connections_hold_no_buffer);
    return 0;
}
