/* SPDX-License-Identifier: MIT */
/* Unit tests of service/session.c on the fake platform: the outbound QoS 1 and QoS 2
 * state machines with the in-flight window, persistent sessions (queueing while
 * offline, DUP re-sends and ordered draining on resume) and the queue limits. */
#include "service/session.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"

static struct harness H;

/* Publish n QoS 1 messages "m<first>".."m<first+n-1>" to topic from pub, each acked. */
static void publish_qos1(struct tclient *pub, const char *topic, int first, int n)
{
    char text[16];
    for (int i = first; i < first + n; i++) {
        snprintf(text, sizeof text, "m%d", i);
        tc_publish(pub, topic, text, 1, (uint16_t)(100 + i), false);
        tc_expect_ack(pub, MQTT_PKT_PUBACK, (uint16_t)(100 + i));
    }
}

/* Expect PUBLISH "m<i>" on topic at qos; returns its packet id. */
static uint16_t expect_m(struct tclient *c, const char *topic, int i, uint8_t qos, bool dup)
{
    char text[16];
    snprintf(text, sizeof text, "m%d", i);
    return tc_expect_publish(c, topic, text, qos, false, dup);
}

static void test_qos1_window_and_out_of_order_acks(void)
{
    h_start(&H, "max_inflight_messages 2\n");
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "t", 1, 1);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    publish_qos1(pub, "t", 0, 5);
    const struct stats *st = &H.b.stats;
    ASSERT_EQ_INT(st->pub_received, 5);

    /* Exactly two outstanding until an acknowledgement arrives. */
    uint16_t mid0 = expect_m(sub, "t", 0, 1, false);
    uint16_t mid1 = expect_m(sub, "t", 1, 1, false);
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(st->inflight, 2);
    ASSERT_EQ_INT(st->queued, 3);
    ASSERT_NE_INT(mid0, mid1);

    tc_ack(sub, MQTT_PKT_PUBACK, mid1); /* out of order: the second one first */
    uint16_t mid2 = expect_m(sub, "t", 2, 1, false);
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(st->inflight, 2);
    ASSERT_EQ_INT(st->queued, 2);

    tc_ack(sub, MQTT_PKT_PUBACK, mid1); /* repeated: unknown now, ignored */
    tc_expect_nothing(sub);
    tc_ack(sub, MQTT_PKT_PUBCOMP, mid0); /* wrong ack type for QoS 1: ignored */
    tc_expect_nothing(sub);

    tc_ack(sub, MQTT_PKT_PUBACK, mid0);
    uint16_t mid3 = expect_m(sub, "t", 3, 1, false);
    tc_ack(sub, MQTT_PKT_PUBACK, mid3);
    uint16_t mid4 = expect_m(sub, "t", 4, 1, false);
    tc_expect_nothing(sub);
    tc_ack(sub, MQTT_PKT_PUBACK, mid4);
    tc_ack(sub, MQTT_PKT_PUBACK, mid2);
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(st->inflight, 0);
    ASSERT_EQ_INT(st->queued, 0);
    ASSERT_EQ_INT(st->pub_sent, 5);
    struct session *s = session_find(&H.b, "sub", 3);
    ASSERT_EQ_INT(s->q.count, 0);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

static void test_qos2_outbound_flow(void)
{
    h_start(&H, "max_inflight_messages 1\n");
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "t", 2, 2);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    tc_publish(pub, "t", "a", 2, 1, false);
    tc_expect_ack(pub, MQTT_PKT_PUBREC, 1);
    tc_publish(pub, "t", "b", 2, 2, false);
    tc_expect_ack(pub, MQTT_PKT_PUBREC, 2);

    uint16_t mid = tc_expect_publish(sub, "t", "a", 2, false, false);
    tc_expect_nothing(sub);
    tc_ack(sub, MQTT_PKT_PUBACK, mid); /* wrong ack for QoS 2: ignored */
    tc_expect_nothing(sub);
    tc_ack(sub, MQTT_PKT_PUBREC, mid);
    tc_expect_ack(sub, MQTT_PKT_PUBREL, mid);
    tc_expect_nothing(sub); /* still in flight until PUBCOMP */
    ASSERT_EQ_INT(H.b.stats.inflight, 1);
    tc_ack(sub, MQTT_PKT_PUBCOMP, mid);
    uint16_t mid2 = tc_expect_publish(sub, "t", "b", 2, false, false);
    ASSERT_NE_INT(mid, mid2);
    tc_ack(sub, MQTT_PKT_PUBREC, mid2);
    tc_expect_ack(sub, MQTT_PKT_PUBREL, mid2);
    tc_ack(sub, MQTT_PKT_PUBCOMP, mid2);
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(H.b.stats.inflight, 0);
    ASSERT_EQ_INT(H.b.stats.queued, 0);

    /* A PUBREC for an unknown id still gets its PUBREL, so the client's flow ends. */
    tc_ack(sub, MQTT_PKT_PUBREC, 999);
    tc_expect_ack(sub, MQTT_PKT_PUBREL, 999);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

static void test_persistent_session_resume(void)
{
    h_start(&H, "max_inflight_messages 2\n");
    struct tclient *sub = tc_connect(&H, "p", false, false);
    tc_subscribe(sub, "t", 2, 2);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    /* m0 (QoS 1 granted 2 -> 1) stays unacknowledged; m1 goes on to PUBREL. */
    publish_qos1(pub, "t", 0, 1);
    uint16_t mid0 = expect_m(sub, "t", 0, 1, false);
    tc_publish(pub, "t", "q2", 2, 50, false);
    tc_expect_ack(pub, MQTT_PKT_PUBREC, 50);
    tc_ack(pub, MQTT_PKT_PUBREL, 50);
    tc_expect_ack(pub, MQTT_PKT_PUBCOMP, 50);
    uint16_t midq2 = tc_expect_publish(sub, "t", "q2", 2, false, false);
    tc_ack(sub, MQTT_PKT_PUBREC, midq2);
    tc_expect_ack(sub, MQTT_PKT_PUBREL, midq2);
    fake_client_close(sub->fc); /* gone without DISCONNECT */
    h_settle(&H);
    ASSERT_TRUE(tc_is_closed(sub));
    tc_free(sub);
    ASSERT_EQ_INT(H.b.stats.clients_connected, 1);
    ASSERT_EQ_INT(H.b.stats.clients_total, 2);

    publish_qos1(pub, "t", 1, 3);              /* queued while offline */
    tc_publish(pub, "t", "lost", 0, 0, false); /* QoS 0 is not queued by default */
    ASSERT_EQ_INT(H.b.stats.queued, 3);
    ASSERT_EQ_INT(H.b.stats.inflight, 2);

    sub = tc_connect(&H, "p", false, true);
    /* In-flight first, in order, with DUP (and the PUBREL again), then the queue. */
    ASSERT_EQ_INT(expect_m(sub, "t", 0, 1, true), mid0);
    tc_expect_ack(sub, MQTT_PKT_PUBREL, midq2);
    tc_expect_nothing(sub); /* the window (2) is full */
    tc_ack(sub, MQTT_PKT_PUBCOMP, midq2);
    uint16_t mid1 = expect_m(sub, "t", 1, 1, false);
    tc_expect_nothing(sub);
    tc_ack(sub, MQTT_PKT_PUBACK, mid0);
    tc_ack(sub, MQTT_PKT_PUBACK, mid1);
    uint16_t mid2 = expect_m(sub, "t", 2, 1, false);
    uint16_t mid3 = expect_m(sub, "t", 3, 1, false);
    tc_ack(sub, MQTT_PKT_PUBACK, mid2);
    tc_ack(sub, MQTT_PKT_PUBACK, mid3);
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(H.b.stats.queued, 0);
    ASSERT_EQ_INT(H.b.stats.inflight, 0);
    ASSERT_EQ_INT(H.b.stats.pub_dropped, 0);

    /* A clean reconnect discards the session: no session present, nothing delivered. */
    tc_disconnect(sub);
    tc_free(sub);
    publish_qos1(pub, "t", 4, 1);
    sub = tc_connect(&H, "p", true, false);
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(H.b.stats.queued, 0);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

static void test_queue_limit_drops(void)
{
    h_start(&H, "max_queued_messages 2\n");
    struct tclient *sub = tc_connect(&H, "p", false, false);
    tc_subscribe(sub, "t", 1, 1);
    tc_disconnect(sub);
    tc_free(sub);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    publish_qos1(pub, "t", 0, 5);
    ASSERT_EQ_INT(H.b.stats.pub_received, 5);
    ASSERT_EQ_INT(H.b.stats.queued, 2);
    ASSERT_EQ_INT(H.b.stats.pub_dropped, 3);
    sub = tc_connect(&H, "p", false, true);
    tc_ack(sub, MQTT_PKT_PUBACK, expect_m(sub, "t", 0, 1, false));
    tc_ack(sub, MQTT_PKT_PUBACK, expect_m(sub, "t", 1, 1, false));
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(H.b.stats.pub_sent, 2);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

static void test_queue_qos0_and_expiry(void)
{
    h_start(&H, "queue_qos0_messages true\npersistent_client_expiration 1h\n");
    struct tclient *sub = tc_connect(&H, "p", false, false);
    tc_subscribe(sub, "t", 0, 0);
    tc_disconnect(sub);
    tc_free(sub);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    tc_publish(pub, "t", "kept", 0, 0, false);
    ASSERT_EQ_INT(H.b.stats.queued, 1);
    sub = tc_connect(&H, "p", false, true);
    tc_expect_publish(sub, "t", "kept", 0, false, false);
    tc_disconnect(sub);
    tc_free(sub);
    tc_disconnect(pub);
    tc_free(pub);

    /* Offline for just under the limit: kept; past it: expired by the 1 s timer. */
    h_run_for(&H, 3600u * 1000u - 1000u);
    ASSERT_EQ_INT(H.b.stats.clients_total, 1);
    h_run_for(&H, 2000);
    ASSERT_EQ_INT(H.b.stats.clients_expired, 1);
    ASSERT_EQ_INT(H.b.stats.clients_total, 0);
    ASSERT_TRUE(fake_log_contains("client=p expired after 3600 s offline"));
    sub = tc_connect(&H, "p", false, false);
    tc_free(sub);
    h_stop(&H);
}

static void test_takeover_resends_inflight(void)
{
    h_start(&H, NULL);
    struct tclient *old = tc_connect(&H, "p", false, false);
    tc_subscribe(old, "t", 1, 1);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    publish_qos1(pub, "t", 0, 2);
    uint16_t mid0 = expect_m(old, "t", 0, 1, false);
    uint16_t mid1 = expect_m(old, "t", 1, 1, false);
    tc_ack(old, MQTT_PKT_PUBACK, mid0);
    struct tclient *cur = tc_connect(&H, "p", false, true);
    ASSERT_TRUE(tc_is_closed(old));
    ASSERT_EQ_INT(expect_m(cur, "t", 1, 1, true), mid1);
    tc_expect_nothing(cur);
    tc_ack(cur, MQTT_PKT_PUBACK, mid1);
    ASSERT_EQ_INT(H.b.stats.inflight, 0);

    /* A clean session that leaves with messages in flight gives its counts back. */
    publish_qos1(pub, "t", 2, 1);
    expect_m(cur, "t", 2, 1, false);
    struct tclient *clean = tc_connect(&H, "c", true, false);
    tc_subscribe(clean, "t", 1, 1);
    publish_qos1(pub, "t", 3, 1);
    expect_m(clean, "t", 3, 1, false);
    ASSERT_EQ_INT(H.b.stats.inflight, 3);
    tc_disconnect(clean);
    ASSERT_EQ_INT(H.b.stats.inflight, 2);
    ASSERT_EQ_INT(H.b.stats.queued, 0);
    tc_free(clean);
    tc_free(old);
    tc_free(cur);
    tc_free(pub);
    h_stop(&H);
}

int main(void)
{
    RUN_TEST(test_qos1_window_and_out_of_order_acks);
    RUN_TEST(test_qos2_outbound_flow);
    RUN_TEST(test_persistent_session_resume);
    RUN_TEST(test_queue_limit_drops);
    RUN_TEST(test_queue_qos0_and_expiry);
    RUN_TEST(test_takeover_resends_inflight);
    return 0;
}
