/* SPDX-License-Identifier: MIT */
/* Unit tests for retained streams (service/rstream.c) on the fake platform: delivery
 * through a small socket window, UNSUBSCRIBE and re-SUBSCRIBE during a stream, changes
 * to the store while streaming, overlapping filters, disconnects and QoS 1 windows. */
#include "service/rstream.h"

#include "common/hmap.h"
#include "service/conn.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N = 3000, PAYLOAD = 400 }; /* 1.2 MB: several times RSTREAM_LOW_WATER */

static struct harness H;

static struct session *sess(const char *id)
{
    return hmap_get(&H.b.sessions, id, strlen(id));
}

/* Store N retained messages r/0 .. r/N-1 at qos whose payload starts with "<i>;". */
static void store_retained(uint8_t qos)
{
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    char payload[PAYLOAD + 1];
    memset(payload, 'x', PAYLOAD);
    payload[PAYLOAD] = '\0';
    for (int i = 0; i < N; i++) {
        char topic[16], head[16];
        snprintf(topic, sizeof topic, "r/%d", i);
        int hl = snprintf(head, sizeof head, "%d;", i);
        memcpy(payload, head, (size_t)hl);
        tc_publish(pub, topic, payload, qos, (uint16_t)(i + 1), true);
        if (qos)
            tc_expect(pub, MQTT_PKT_PUBACK);
    }
    tc_free(pub);
}

/* Send one SUBSCRIBE (or UNSUBSCRIBE) of filter without waiting for the answer. */
static void send_sub(struct tclient *c, uint8_t type, const char *filter, uint8_t qos, uint16_t id)
{
    size_t fl = strlen(filter);
    uint8_t entry[64];
    entry[0] = 0;
    entry[1] = (uint8_t)fl;
    memcpy(entry + 2, filter, fl);
    entry[2 + fl] = qos;
    struct mqtt_packet p = {.type = type};
    p.u.subscribe.packet_id = id;
    p.u.subscribe.entries = entry;
    p.u.subscribe.entries_len = (uint32_t)(2 + fl + (type == MQTT_PKT_SUBSCRIBE));
    p.u.subscribe.count = 1;
    tc_send(c, &p);
}

/* Counts of what a subscriber received. */
struct tally {
    int retained[N]; /* retained copies per topic index */
    int live[N];     /* non-retained copies per topic index */
    int subacks, unsubacks, total_retained;
    size_t max_unsent; /* largest unsent output seen on the broker side */
};

/* Decode up to max complete packets (-1 = all) the subscriber has, acking QoS 1 when
 * ack is set (each acknowledgement lets the broker run, so more may arrive). */
static void drain_n(struct tclient *c, struct tally *t, bool ack, int max)
{
    for (int n = 0; n != max && tc_next(c); n++) {
        const struct mqtt_packet *p = &c->pkt;
        if (p->type == MQTT_PKT_SUBACK) {
            t->subacks++;
            continue;
        }
        if (p->type == MQTT_PKT_UNSUBACK) {
            t->unsubacks++;
            continue;
        }
        ASSERT_EQ_INT(p->type, MQTT_PKT_PUBLISH);
        const struct mqtt_publish *pb = &p->u.publish;
        ASSERT_TRUE(pb->topic.len > 2 && memcmp(pb->topic.p, "r/", 2) == 0);
        int k = 0;
        for (size_t i = 2; i < pb->topic.len; i++)
            k = k * 10 + (pb->topic.p[i] - '0');
        ASSERT_TRUE(k >= 0 && k < N);
        if (pb->retain) {
            ASSERT_EQ_INT(pb->payload_len, PAYLOAD);
            ASSERT_EQ_INT(atoi((const char *)pb->payload), k);
            t->retained[k]++;
            t->total_retained++;
        } else {
            t->live[k]++;
        }
        if (ack && pb->qos == 1)
            tc_ack(c, MQTT_PKT_PUBACK, pb->packet_id);
    }
}

static void drain(struct tclient *c, struct tally *t, bool ack)
{
    drain_n(c, t, ack, -1);
}

/* Let the broker write `window` bytes at a time until it has nothing more to say. */
static void pump_small_window(struct tclient *c, const char *id, struct tally *t, size_t window)
{
    for (int guard = 0; guard < 100000; guard++) {
        struct session *s = sess(id);
        if (s && s->conn) {
            size_t u = conn_out_unsent(s->conn);
            if (u > t->max_unsent)
                t->max_unsent = u;
        }
        fake_client_set_window(c->fc, window);
        h_settle(&H);
        size_t len = 0;
        fake_client_data(c->fc, &len);
        bool idle = len == 0 && (!s || rstream_pending(s) == 0);
        drain(c, t, false);
        if (idle && (!s || !s->conn || conn_out_unsent(s->conn) == 0))
            return;
    }
    TEST_FAIL_("the stream did not finish");
}

/* A 4 KB socket window: every message arrives once, with the retain flag, and the
 * broker never holds more than about RSTREAM_LOW_WATER of encoded output. */
static void test_small_window_delivers_all_once(void)
{
    h_start(&H, NULL);
    store_retained(0);
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    static struct tally t;
    memset(&t, 0, sizeof t);
    fake_client_set_window(sub->fc, 0);
    send_sub(sub, MQTT_PKT_SUBSCRIBE, "#", 0, 1);
    struct session *s = sess("sub");
    /* The first slice is encoded at once, the rest waits as a snapshot. */
    ASSERT_TRUE(conn_out_unsent(s->conn) > 0);
    ASSERT_TRUE(rstream_pending(s) > 0 && rstream_pending(s) < N);
    pump_small_window(sub, "sub", &t, 4096);
    ASSERT_EQ_INT(t.subacks, 1);
    for (int i = 0; i < N; i++) {
        ASSERT_EQ_INT(t.retained[i], 1);
        ASSERT_EQ_INT(t.live[i], 0);
    }
    ASSERT_TRUE(t.max_unsent < RSTREAM_LOW_WATER + 2 * PAYLOAD);
    ASSERT_EQ_INT(H.b.stats.pub_dropped, 0);
    ASSERT_EQ_INT(rstream_pending(s), 0);
    ASSERT_TRUE(s->rstreams == NULL);
    tc_free(sub);
    h_stop(&H);
}

/* A subscriber that vanishes mid-stream: the stream is freed with its session (ASan
 * checks the references), and the broker carries on. */
static void test_disconnect_frees_the_stream(void)
{
    h_start(&H, NULL);
    store_retained(0);
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    fake_client_set_window(sub->fc, 0);
    send_sub(sub, MQTT_PKT_SUBSCRIBE, "#", 0, 1);
    ASSERT_TRUE(rstream_pending(sess("sub")) > 0);
    tc_free(sub);
    h_settle(&H);
    ASSERT_TRUE(sess("sub") == NULL);
    /* The store is untouched: a new subscriber still gets everything. */
    struct tclient *again = tc_connect(&H, "again", true, false);
    static struct tally t;
    memset(&t, 0, sizeof t);
    send_sub(again, MQTT_PKT_SUBSCRIBE, "r/#", 0, 1);
    pump_small_window(again, "again", &t, FAKE_WINDOW_UNLIMITED);
    for (int i = 0; i < N; i++)
        ASSERT_EQ_INT(t.retained[i], 1);
    tc_free(again);
    h_stop(&H);
}

/* Messages replaced or cleared while the stream waits are skipped: the subscriber got
 * the change live. Those already encoded went out before the change. */
static void test_change_and_clear_during_stream(void)
{
    h_start(&H, NULL);
    store_retained(0);
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    static struct tally t;
    memset(&t, 0, sizeof t);
    fake_client_set_window(sub->fc, 0);
    send_sub(sub, MQTT_PKT_SUBSCRIBE, "#", 0, 1);
    size_t waiting = rstream_pending(sess("sub"));
    ASSERT_TRUE(waiting > 0 && waiting < N);
    /* Replace every even topic, clear every odd one. */
    struct tclient *pub = tc_connect(&H, "pub2", true, false);
    for (int i = 0; i < N; i++) {
        char topic[16];
        snprintf(topic, sizeof topic, "r/%d", i);
        tc_publish(pub, topic, i % 2 ? "" : "new", 0, 0, true);
    }
    tc_free(pub);
    pump_small_window(sub, "sub", &t, 8192);
    /* Exactly the messages encoded before the changes arrived retained. */
    ASSERT_EQ_INT(t.total_retained, N - (int)waiting);
    for (int i = 0; i < N; i++) {
        ASSERT_TRUE(t.retained[i] <= 1);
        ASSERT_EQ_INT(t.live[i], 1);
    }
    ASSERT_EQ_INT(H.b.stats.pub_dropped, 0);
    tc_free(sub);
    h_stop(&H);
}

/* Two overlapping filters stream independently: each message once per SUBSCRIBE. A
 * repeated SUBSCRIBE restarts its filter's stream; UNSUBSCRIBE cancels it. */
static void test_overlapping_filters_restart_and_cancel(void)
{
    h_start(&H, NULL);
    store_retained(0);
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    static struct tally t;
    memset(&t, 0, sizeof t);
    fake_client_set_window(sub->fc, 0);
    send_sub(sub, MQTT_PKT_SUBSCRIBE, "#", 0, 1);
    send_sub(sub, MQTT_PKT_SUBSCRIBE, "r/+", 0, 2);
    ASSERT_TRUE(rstream_pending(sess("sub")) > N); /* the second waits entirely */
    pump_small_window(sub, "sub", &t, 4096);
    ASSERT_EQ_INT(t.subacks, 2);
    for (int i = 0; i < N; i++)
        ASSERT_EQ_INT(t.retained[i], 2);

    /* Restart: the encoded first slice of "#" stays, the snapshot starts over. */
    memset(&t, 0, sizeof t);
    fake_client_set_window(sub->fc, 0);
    send_sub(sub, MQTT_PKT_SUBSCRIBE, "#", 0, 3);
    size_t first = N - rstream_pending(sess("sub"));
    send_sub(sub, MQTT_PKT_SUBSCRIBE, "#", 0, 4);
    ASSERT_EQ_INT(rstream_pending(sess("sub")), N);
    pump_small_window(sub, "sub", &t, 4096);
    ASSERT_EQ_INT(t.subacks, 2);
    ASSERT_EQ_INT(t.total_retained, N + (int)first);
    for (int i = 0; i < N; i++)
        ASSERT_TRUE(t.retained[i] == 1 || t.retained[i] == 2);

    /* Cancel: only the first slice arrives. */
    memset(&t, 0, sizeof t);
    fake_client_set_window(sub->fc, 0);
    send_sub(sub, MQTT_PKT_SUBSCRIBE, "#", 0, 5);
    first = N - rstream_pending(sess("sub"));
    send_sub(sub, MQTT_PKT_UNSUBSCRIBE, "#", 0, 6);
    ASSERT_EQ_INT(rstream_pending(sess("sub")), 0);
    pump_small_window(sub, "sub", &t, 4096);
    ASSERT_EQ_INT(t.subacks, 1);
    ASSERT_EQ_INT(t.unsubacks, 1);
    ASSERT_EQ_INT(t.total_retained, (int)first);
    tc_free(sub);
    h_stop(&H);
}

/* QoS 1 to a persistent session: the stream never queues past the in-flight window;
 * a disconnect mid-stream queues the rest offline, and the reconnect gets all of it. */
static void test_qos1_window_and_offline_rest(void)
{
    h_start(&H, "max_inflight_messages 10\nmax_queued_messages 0\n"); /* no queue cap */
    store_retained(1);
    struct tclient *sub = tc_connect(&H, "sub", false, false);
    static struct tally t;
    memset(&t, 0, sizeof t);
    send_sub(sub, MQTT_PKT_SUBSCRIBE, "#", 1, 1);
    struct session *s = sess("sub");
    ASSERT_EQ_INT(s->q.active, 10);
    ASSERT_EQ_INT(s->q.count, 11); /* the window, plus the one that made it wait */
    ASSERT_EQ_INT(rstream_pending(s), N - 11);
    drain_n(sub, &t, true, 11); /* the SUBACK, then acknowledge the first 10 */
    ASSERT_EQ_INT(t.total_retained, 10);
    ASSERT_EQ_INT(s->q.active, 10);
    ASSERT_EQ_INT(s->q.count, 11);
    ASSERT_EQ_INT(rstream_pending(s), N - 21);
    tc_free(sub); /* 10 unacknowledged (and not counted), 1 queued, N - 21 streaming */
    h_settle(&H);
    s = sess("sub");
    ASSERT_TRUE(s && !s->conn && s->rstreams == NULL);
    ASSERT_EQ_INT(s->q.count, N - 10);
    sub = tc_connect(&H, "sub", false, true);
    for (int guard = 0; guard < 10000 && t.total_retained < N; guard++) {
        drain(sub, &t, true);
        h_settle(&H);
    }
    /* The 10 unacknowledged ones came again (DUP resend), the rest from the queue. */
    for (int i = 0; i < N; i++)
        ASSERT_EQ_INT(t.retained[i], 1);
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(sess("sub")->q.count, 0);
    tc_free(sub);
    h_stop(&H);
}

int main(void)
{
    RUN_TEST(test_small_window_delivers_all_once);
    RUN_TEST(test_disconnect_frees_the_stream);
    RUN_TEST(test_change_and_clear_during_stream);
    RUN_TEST(test_overlapping_filters_restart_and_cancel);
    RUN_TEST(test_qos1_window_and_offline_rest);
    return 0;
}
