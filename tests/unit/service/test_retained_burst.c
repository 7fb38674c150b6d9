/* SPDX-License-Identifier: MIT */
/* Unit tests for retained delivery on SUBSCRIBE of a set larger than the slow-consumer
 * limit: it is streamed (service/rstream.c), so the broker's output stays bounded even
 * for a subscriber that reads nothing, and nothing is dropped, not even for a second
 * SUBSCRIBE while the first set is still waiting. */
#include "service/conn.h"
#include "service/rstream.h"

#include "common/hmap.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PAYLOAD = 60000, N = 200 }; /* 12 MB of retained messages, over the 8 MB limit */

static struct harness H;

static struct conn *broker_conn(const char *id)
{
    struct session *s = hmap_get(&H.b.sessions, id, strlen(id));
    ASSERT_TRUE(s && s->conn);
    return s->conn;
}

/* Store N retained messages r/0 .. r/N-1 whose payload starts with their number. */
static void store_retained(void)
{
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    uint8_t *payload = malloc(PAYLOAD);
    ASSERT_TRUE(payload != NULL);
    memset(payload, 'x', PAYLOAD);
    for (int i = 0; i < N; i++) {
        char topic[16];
        snprintf(topic, sizeof topic, "r/%d", i);
        snprintf((char *)payload, 16, "%08d", i);
        struct mqtt_packet p = {.type = MQTT_PKT_PUBLISH};
        p.u.publish.topic = (struct mqtt_bytes){(const uint8_t *)topic, (uint16_t)strlen(topic)};
        p.u.publish.payload = payload;
        p.u.publish.payload_len = PAYLOAD;
        p.u.publish.retain = true;
        tc_send(pub, &p);
    }
    free(payload);
    tc_free(pub);
}

static void test_whole_set_past_the_limit(void)
{
    h_start(&H, NULL);
    store_retained();
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    fake_client_set_window(sub->fc, 0); /* reads nothing until all is queued */
    struct mqtt_packet s = {.type = MQTT_PKT_SUBSCRIBE};
    uint8_t entry[] = {0, 1, '#', 0};
    s.u.subscribe.packet_id = 1;
    s.u.subscribe.entries = entry;
    s.u.subscribe.entries_len = sizeof entry;
    s.u.subscribe.count = 1;
    tc_send(sub, &s);
    /* Only the first slice is encoded; the rest waits as references. */
    ASSERT_TRUE(conn_out_pending(broker_conn("sub")) >= RSTREAM_LOW_WATER);
    ASSERT_TRUE(conn_out_pending(broker_conn("sub")) < RSTREAM_LOW_WATER + PAYLOAD + 64);
    ASSERT_EQ_INT(H.b.stats.pub_dropped, 0);
    /* A second SUBSCRIBE while the first set waits: streamed after it, nothing dropped. */
    uint8_t entry2[] = {0, 3, 'r', '/', '#', 0};
    s.u.subscribe.packet_id = 2;
    s.u.subscribe.entries = entry2;
    s.u.subscribe.entries_len = sizeof entry2;
    tc_send(sub, &s);
    ASSERT_EQ_INT(H.b.stats.pub_dropped, 0);
    ASSERT_TRUE(conn_out_pending(broker_conn("sub")) < RSTREAM_LOW_WATER + PAYLOAD + 64);
    fake_client_set_window(sub->fc, FAKE_WINDOW_UNLIMITED);
    h_settle(&H);
    tc_expect(sub, MQTT_PKT_SUBACK);
    uint8_t seen[N] = {0};
    int subacks = 0;
    for (int i = 0; i < 2 * N; i++) {
        while (tc_next(sub) && sub->pkt.type == MQTT_PKT_SUBACK)
            subacks++; /* the second SUBACK went out before most of the first set */
        const struct mqtt_packet *p = &sub->pkt;
        ASSERT_EQ_INT(p->type, MQTT_PKT_PUBLISH);
        ASSERT_TRUE(p->u.publish.retain);
        ASSERT_EQ_INT(p->u.publish.payload_len, PAYLOAD);
        int k = atoi((const char *)p->u.publish.payload);
        ASSERT_TRUE(k >= 0 && k < N && seen[k] < 2);
        seen[k]++;
    }
    ASSERT_EQ_INT(subacks, 1);
    for (int i = 0; i < N; i++)
        ASSERT_EQ_INT(seen[i], 2); /* once per SUBSCRIBE */
    tc_expect_nothing(sub);
    tc_free(sub);
    h_stop(&H);
}

int main(void)
{
    RUN_TEST(test_whole_set_past_the_limit);
    return 0;
}
