/* SPDX-License-Identifier: MIT */
/* Unit tests of dispatch and routing on the fake platform (handle_publish.c,
 * handle_subscribe.c, route.c): inbound QoS 2 exactly-once, overlapping subscriptions,
 * retained messages, unsubscribe and the $SYS rule, with exact stats counters. */
#include "service/retain.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"

static struct harness H;

static void test_inbound_qos2_exactly_once(void)
{
    h_start(&H, NULL);
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "t", 0, 0);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    tc_publish(pub, "t", "once", 2, 7, false);
    tc_expect_ack(pub, MQTT_PKT_PUBREC, 7);
    tc_expect_publish(sub, "t", "once", 0, false, false);

    /* The client repeats the PUBLISH (it missed the PUBREC): acknowledged, not routed. */
    tc_publish(pub, "t", "once", 2, 7, false);
    tc_expect_ack(pub, MQTT_PKT_PUBREC, 7);
    tc_expect_nothing(sub);

    tc_ack(pub, MQTT_PKT_PUBREL, 7);
    tc_expect_ack(pub, MQTT_PKT_PUBCOMP, 7);
    tc_ack(pub, MQTT_PKT_PUBREL, 7); /* repeated PUBREL: completes again */
    tc_expect_ack(pub, MQTT_PKT_PUBCOMP, 7);

    /* After PUBREL the id is free: the same id starts a new message. */
    tc_publish(pub, "t", "twice", 2, 7, false);
    tc_expect_ack(pub, MQTT_PKT_PUBREC, 7);
    tc_expect_publish(sub, "t", "twice", 0, false, false);
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(H.b.stats.pub_received, 3);
    ASSERT_EQ_INT(H.b.stats.pub_sent, 2);
    ASSERT_EQ_INT(H.b.stats.pub_bytes_received, 4 + 4 + 5);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

static void test_overlapping_subscriptions(void)
{
    h_start(&H, NULL);
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "a/#", 0, 0);
    tc_subscribe(sub, "a/+", 2, 2);
    tc_subscribe(sub, "a/b", 1, 1);
    tc_subscribe(sub, "#", 0, 0);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    tc_publish(pub, "a/b", "x", 2, 1, false);
    tc_expect_ack(pub, MQTT_PKT_PUBREC, 1);
    uint16_t mid = tc_expect_publish(sub, "a/b", "x", 2, false, false);
    tc_expect_nothing(sub); /* one copy, at the highest granted QoS */
    tc_ack(sub, MQTT_PKT_PUBREC, mid);
    tc_expect_ack(sub, MQTT_PKT_PUBREL, mid);
    tc_ack(sub, MQTT_PKT_PUBCOMP, mid);

    tc_publish(pub, "a/b", "y", 1, 2, false); /* min(message QoS, granted) */
    tc_expect_ack(pub, MQTT_PKT_PUBACK, 2);
    tc_ack(sub, MQTT_PKT_PUBACK, tc_expect_publish(sub, "a/b", "y", 1, false, false));
    tc_expect_nothing(sub);

    tc_publish(pub, "a/c/d", "z", 2, 3, false); /* only a/# and # match: QoS 0 */
    tc_expect_ack(pub, MQTT_PKT_PUBREC, 3);
    tc_expect_publish(sub, "a/c/d", "z", 0, false, false);
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(H.b.stats.pub_sent, 3);
    ASSERT_EQ_INT(H.b.stats.inflight, 0);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

static void test_retained_messages(void)
{
    h_start(&H, NULL);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    tc_publish(pub, "r/1", "v1", 1, 1, true);
    tc_expect_ack(pub, MQTT_PKT_PUBACK, 1);
    tc_publish(pub, "r/2", "v2", 0, 0, true);
    ASSERT_EQ_INT(retain_count(H.b.retained), 2);

    /* On subscribe: retained messages after the SUBACK, flagged, at min(QoS). */
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "r/1", 1, 1);
    tc_ack(sub, MQTT_PKT_PUBACK, tc_expect_publish(sub, "r/1", "v1", 1, true, false));
    tc_expect_nothing(sub);

    /* Live delivery to an existing subscription clears the retain flag. */
    tc_publish(pub, "r/1", "v1b", 0, 0, true);
    tc_expect_publish(sub, "r/1", "v1b", 0, false, false);

    /* An empty retained payload clears the topic (and is itself delivered live). */
    tc_publish(pub, "r/1", "", 0, 0, true);
    tc_expect_publish(sub, "r/1", "", 0, false, false);
    ASSERT_EQ_INT(retain_count(H.b.retained), 1);
    struct tclient *late = tc_connect(&H, "late", true, false);
    tc_subscribe(late, "r/#", 0, 0);
    tc_expect_publish(late, "r/2", "v2", 0, true, false);
    tc_expect_nothing(late);

    /* Re-subscribing replaces the subscription and sends the retained message again. */
    tc_subscribe(late, "r/#", 1, 1);
    tc_expect_publish(late, "r/2", "v2", 0, true, false);
    tc_expect_nothing(late);
    tc_free(late);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

static void test_unsubscribe_and_sys(void)
{
    h_start(&H, NULL);
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "t/+", 0, 0);
    tc_subscribe(sub, "$SYS/#", 0, 0);
    tc_subscribe(sub, "bad/#/x", 0, MQTT_SUBACK_FAILURE);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    tc_publish(pub, "$SYS/broker/x", "forged", 0, 0, false);
    tc_expect_nothing(sub);
    ASSERT_TRUE(fake_log_contains("client=pub addr=192.0.2.2:40002 publish to $SYS refused"));
    tc_publish(pub, "t/1", "a", 0, 0, false);
    tc_expect_publish(sub, "t/1", "a", 0, false, false);

    struct buf f;
    buf_init(&f);
    mqtt_codec_put_str(&f, "t/+", 3);
    struct mqtt_packet u = {.type = MQTT_PKT_UNSUBSCRIBE};
    u.u.subscribe.packet_id = 9;
    u.u.subscribe.entries = buf_head(&f);
    u.u.subscribe.entries_len = (uint32_t)buf_size(&f);
    u.u.subscribe.count = 1;
    tc_send(sub, &u);
    buf_cleanup(&f);
    ASSERT_EQ_INT(tc_expect(sub, MQTT_PKT_UNSUBACK)->u.suback.packet_id, 9);
    tc_publish(pub, "t/1", "b", 0, 0, false);
    tc_expect_nothing(sub);

    /* A wildcard in a PUBLISH topic is a protocol violation: that client is closed. */
    tc_publish(pub, "t/#", "c", 0, 0, false);
    ASSERT_TRUE(tc_is_closed(pub));
    ASSERT_FALSE(tc_is_closed(sub));
    /* Counted: the refused $SYS one and both t/1; not the one with a wildcard. */
    ASSERT_EQ_INT(H.b.stats.pub_received, 3);
    ASSERT_EQ_INT(H.b.stats.pub_sent, 1);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

static void test_upgrade_outgoing_qos(void)
{
    h_start(&H, "upgrade_outgoing_qos true\n");
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "t", 1, 1);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    tc_publish(pub, "t", "up", 0, 0, false);
    tc_ack(sub, MQTT_PKT_PUBACK, tc_expect_publish(sub, "t", "up", 1, false, false));
    ASSERT_EQ_INT(H.b.stats.inflight, 0);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

int main(void)
{
    RUN_TEST(test_inbound_qos2_exactly_once);
    RUN_TEST(test_overlapping_subscriptions);
    RUN_TEST(test_retained_messages);
    RUN_TEST(test_unsubscribe_and_sys);
    RUN_TEST(test_upgrade_outgoing_qos);
    return 0;
}
