/* SPDX-License-Identifier: MIT */
/* Unit tests of service/conn.c, handle_connect.c and dispatch.c on the fake platform:
 * CONNECT/CONNACK codes, keepalive and CONNECT timeouts by the fake clock, wills,
 * takeover, packet limits, malformed input, output coalescing and slow consumers. */
#include "service/conn.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"

#include <malloc.h>

static struct harness H;

/* A CONNECT with a will on will_topic (payload will_msg, QoS 0) and the given keepalive. */
static void send_connect_with_will(struct tclient *c, const char *id, uint16_t keepalive,
                                   const char *will_topic, const char *will_msg)
{
    struct mqtt_packet p = {.type = MQTT_PKT_CONNECT};
    struct mqtt_connect *cp = &p.u.connect;
    cp->clean_start = true;
    cp->keepalive = keepalive;
    cp->client_id = (struct mqtt_bytes){(const uint8_t *)id, (uint16_t)strlen(id)};
    cp->will_flag = true;
    cp->will_topic = (struct mqtt_bytes){(const uint8_t *)will_topic, (uint16_t)strlen(will_topic)};
    cp->will_payload = (struct mqtt_bytes){(const uint8_t *)will_msg, (uint16_t)strlen(will_msg)};
    tc_send(c, &p);
}

static void test_connect_and_stats(void)
{
    h_start(&H, NULL);
    struct tclient *c = tc_connect(&H, "c1", true, false);
    const struct stats *st = &H.b.stats;
    ASSERT_EQ_INT(st->connections, 1);
    ASSERT_EQ_INT(st->sockets_open, 1);
    ASSERT_EQ_INT(st->clients_connected, 1);
    ASSERT_EQ_INT(st->clients_total, 1);
    ASSERT_EQ_INT(st->clients_max, 1);
    ASSERT_EQ_INT(st->msgs_received, 1);
    ASSERT_EQ_INT(st->msgs_sent, 1);
    ASSERT_EQ_INT(st->bytes_received, 16); /* CONNECT with a 2-byte id */
    ASSERT_EQ_INT(st->bytes_sent, 4);      /* CONNACK */
    ASSERT_TRUE(fake_log_contains("client=c1 addr=192.0.2."));
    ASSERT_TRUE(fake_log_contains("connected (protocol 4, clean 1, keepalive 60)"));

    struct mqtt_packet ping = {.type = MQTT_PKT_PINGREQ};
    tc_send(c, &ping);
    tc_expect(c, MQTT_PKT_PINGRESP);
    tc_disconnect(c);
    ASSERT_EQ_INT(st->clients_connected, 0);
    ASSERT_EQ_INT(st->clients_total, 0);
    ASSERT_EQ_INT(st->sockets_open, 0);
    ASSERT_EQ_INT(st->clients_max, 1);
    ASSERT_EQ_INT(st->msgs_received, 3);
    ASSERT_EQ_INT(st->msgs_sent, 2);
    ASSERT_TRUE(fake_log_contains("client=c1 addr=192.0.2.1:40001 disconnected: client sent "
                                  "DISCONNECT"));
    tc_free(c);
    h_stop(&H);
}

static void test_bad_protocol_level(void)
{
    h_start(&H, NULL);
    struct tclient *c = tc_open(&H);
    static const uint8_t lvl6[] = "\x10\x0c\x00\x04MQTT\x06\x02\x00\x3c\x00\x00";
    tc_send_raw(c, lvl6, sizeof lvl6 - 1);
    tc_expect_connack(c, MQTT_CONNACK_BAD_PROTOCOL, false);
    tc_expect_nothing(c);
    ASSERT_TRUE(tc_is_closed(c));
    ASSERT_EQ_INT(H.b.stats.clients_connected, 0);
    ASSERT_EQ_INT(H.b.stats.sockets_open, 0);
    ASSERT_TRUE(fake_log_contains("unsupported protocol level 6"));
    tc_free(c);
    h_stop(&H);
}

static void test_mqtt31_client_ids(void)
{
    h_start(&H, NULL);
    struct tclient *c = tc_open(&H);
    c->version = MQTT_V31;
    tc_send_connect(c, "abcdefghijklmnopqrstuvwx", true, 60); /* 24 bytes */
    tc_expect_connack(c, MQTT_CONNACK_ID_REJECTED, false);
    ASSERT_TRUE(tc_is_closed(c));
    tc_free(c);

    c = tc_open(&H);
    c->version = MQTT_V31;
    tc_send_connect(c, "abcdefghijklmnopqrstuvw", true, 60); /* 23 bytes: the limit */
    tc_expect_connack(c, 0, false);
    ASSERT_FALSE(tc_is_closed(c));
    tc_free(c);

    c = tc_open(&H);
    c->version = MQTT_V31;
    tc_send_connect(c, NULL, true, 60); /* 3.1 has no empty ids */
    tc_expect_connack(c, MQTT_CONNACK_ID_REJECTED, false);
    ASSERT_TRUE(tc_is_closed(c));
    tc_free(c);
    h_stop(&H);
}

static void test_empty_client_id(void)
{
    h_start(&H, NULL);
    struct tclient *c = tc_open(&H);
    tc_send_connect(c, NULL, true, 60);
    tc_expect_connack(c, 0, false);
    /* The generated id is auto_id_prefix plus a UUID-like text from the fixed randoms. */
    ASSERT_TRUE(fake_log_contains("client=auto-"));
    ASSERT_EQ_INT(H.b.stats.clients_connected, 1);
    tc_free(c);

    c = tc_open(&H);
    tc_send_connect(c, NULL, false, 60); /* MQTT-3.1.3-8: needs clean session */
    tc_expect_connack(c, MQTT_CONNACK_ID_REJECTED, false);
    ASSERT_TRUE(tc_is_closed(c));
    tc_free(c);
    h_stop(&H);

    h_start(&H, "allow_zero_length_clientid false\n");
    c = tc_open(&H);
    tc_send_connect(c, NULL, true, 60);
    tc_expect_connack(c, MQTT_CONNACK_ID_REJECTED, false);
    ASSERT_TRUE(tc_is_closed(c));
    tc_free(c);
    h_stop(&H);
}

static void test_max_keepalive(void)
{
    h_start(&H, "max_keepalive 60\n");
    const uint16_t refused[] = {61, 0, 65535};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct tclient *c = tc_open(&H);
        tc_send_connect(c, "ka", true, refused[i]);
        tc_expect_connack(c, MQTT_CONNACK_ID_REJECTED, false);
        ASSERT_TRUE(tc_is_closed(c));
        tc_free(c);
    }
    struct tclient *c = tc_open(&H);
    tc_send_connect(c, "ka", true, 60);
    tc_expect_connack(c, 0, false);
    tc_free(c);
    h_stop(&H);
}

static void test_first_packet_not_connect(void)
{
    h_start(&H, NULL);
    struct tclient *c = tc_open(&H);
    tc_send_raw(c, "\xc0\x00", 2); /* PINGREQ */
    ASSERT_TRUE(tc_is_closed(c));
    tc_expect_nothing(c);
    ASSERT_TRUE(fake_log_contains("first packet is not CONNECT"));
    ASSERT_EQ_INT(H.b.stats.sockets_open, 0);
    tc_free(c);

    /* A second CONNECT on an established connection is a protocol violation too. */
    c = tc_connect(&H, "twice", true, false);
    tc_send_connect(c, "twice", true, 60);
    ASSERT_TRUE(tc_is_closed(c));
    tc_expect_nothing(c);
    ASSERT_EQ_INT(H.b.stats.clients_connected, 0);
    tc_free(c);
    h_stop(&H);
}

static void test_keepalive_expiry(void)
{
    h_start(&H, NULL);
    struct tclient *watcher = tc_connect(&H, "watcher", true, false);
    tc_subscribe(watcher, "will/#", 0, 0);
    struct tclient *c = tc_open(&H);
    send_connect_with_will(c, "sleepy", 10, "will/sleepy", "gone");
    tc_expect_connack(c, 0, false);

    h_run_for(&H, 14900); /* 1.49 x keepalive: still alive */
    ASSERT_FALSE(tc_is_closed(c));
    h_run_for(&H, 100 + KA_TICK_MS); /* 1.5 x plus one wheel tick */
    ASSERT_TRUE(tc_is_closed(c));
    ASSERT_TRUE(fake_log_contains("client=sleepy addr=192.0.2.2:40002 disconnected: keepalive "
                                  "expired"));
    tc_expect_publish(watcher, "will/sleepy", "gone", 0, false, false);
    ASSERT_EQ_INT(H.b.stats.clients_connected, 1);
    tc_free(c);

    /* Traffic restarts the period: a PINGREQ at 10 s keeps it open until 25 s. */
    c = tc_open(&H);
    tc_send_connect(c, "pinger", true, 10);
    tc_expect_connack(c, 0, false);
    h_run_for(&H, 10000);
    struct mqtt_packet ping = {.type = MQTT_PKT_PINGREQ};
    tc_send(c, &ping);
    tc_expect(c, MQTT_PKT_PINGRESP);
    h_run_for(&H, 14900);
    ASSERT_FALSE(tc_is_closed(c));
    h_run_for(&H, 100 + KA_TICK_MS);
    ASSERT_TRUE(tc_is_closed(c));
    tc_free(c);
    tc_free(watcher);
    h_stop(&H);
}

static void test_connect_timeout(void)
{
    h_start(&H, NULL);
    struct tclient *silent = tc_open(&H);
    struct tclient *partial = tc_open(&H);
    tc_send_raw(partial, "\x10\x0c\x00\x04MQ", 6); /* half a CONNECT */
    h_run_for(&H, CONN_CONNECT_TIMEOUT_MS - 100);
    ASSERT_FALSE(tc_is_closed(silent));
    ASSERT_FALSE(tc_is_closed(partial));
    h_run_for(&H, 100 + KA_TICK_MS);
    ASSERT_TRUE(tc_is_closed(silent));
    ASSERT_TRUE(tc_is_closed(partial));
    ASSERT_EQ_INT(fake_log_count_matching("closed before CONNECT completed: no CONNECT in time"),
                  2);
    ASSERT_EQ_INT(H.b.stats.sockets_open, 0);
    tc_free(silent);
    tc_free(partial);
    h_stop(&H);
}

static void test_takeover(void)
{
    h_start(&H, NULL);
    struct tclient *a = tc_connect(&H, "dup", false, false);
    tc_subscribe(a, "t", 1, 1);
    struct tclient *b = tc_connect(&H, "dup", false, true);
    ASSERT_TRUE(tc_is_closed(a));
    ASSERT_FALSE(tc_is_closed(b));
    ASSERT_TRUE(fake_log_contains("client=dup addr=192.0.2.2:40002 takes over the session from "
                                  "addr=192.0.2.1:40001"));
    ASSERT_EQ_INT(H.b.stats.clients_connected, 1);
    ASSERT_EQ_INT(H.b.stats.clients_total, 1);
    /* The subscription moved with the session. */
    struct tclient *p = tc_connect(&H, "pub", true, false);
    tc_publish(p, "t", "x", 0, 0, false);
    tc_expect_publish(b, "t", "x", 0, false, false);
    tc_free(a);
    tc_free(b);
    tc_free(p);
    h_stop(&H);
}

static void test_max_packet_size(void)
{
    h_start(&H, "max_packet_size 100\n");
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "t", 0, 0);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    char payload[200];
    memset(payload, 'x', 90);
    payload[90] = '\0';
    tc_publish(pub, "t", payload, 0, 0, false); /* 2 + 3 + 90 = 95 bytes: fits */
    tc_expect_publish(sub, "t", payload, 0, false, false);
    memset(payload, 'y', 199);
    payload[199] = '\0';
    tc_publish(pub, "t", payload, 0, 0, false);
    ASSERT_TRUE(tc_is_closed(pub));
    ASSERT_TRUE(fake_log_contains("exceeds max_packet_size 100"));
    tc_expect_nothing(sub);
    ASSERT_FALSE(tc_is_closed(sub));
    ASSERT_EQ_INT(H.b.stats.pub_received, 1);
    tc_free(pub);
    tc_free(sub);
    h_stop(&H);
}

static void test_malformed_closes_only_that_client(void)
{
    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = {
        {"\x36\x05\x00\x01t\x00\x01", 7}, /* PUBLISH QoS 3 */
        {"\x82\x04\x00\x01\x00\x00", 6},  /* SUBSCRIBE without entries */
        {"\x60\x02\x00\x01", 4},          /* PUBREL without its 0x2 flags */
        {"\x30\x03\x00\x02t", 5},         /* PUBLISH topic runs past the packet */
        {"\x20\x02\x00\x00", 4},          /* CONNACK from a client */
        {"\xc0\xff\xff\xff\xff\x01", 6},  /* remaining length of five bytes */
    };
    h_start(&H, NULL);
    struct tclient *good = tc_connect(&H, "good", true, false);
    tc_subscribe(good, "t", 0, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tclient *evil = tc_connect(&H, "evil", true, false);
        tc_send_raw(evil, bad[i].bytes, bad[i].len);
        if (!tc_is_closed(evil))
            TEST_FAIL_("vector %zu did not close the connection", i);
        tc_free(evil);
        struct tclient *pub = tc_connect(&H, "pub", true, false);
        tc_publish(pub, "t", "still here", 0, 0, false);
        tc_expect_publish(good, "t", "still here", 0, false, false);
        tc_free(pub);
    }
    ASSERT_FALSE(tc_is_closed(good));
    h_settle(&H); /* the broker notices the last freed client */
    ASSERT_EQ_INT(H.b.stats.clients_connected, 1);
    ASSERT_EQ_INT(H.b.stats.sockets_open, 1);
    tc_free(good);
    h_stop(&H);
}

/* Append the encoding of a QoS 0 PUBLISH to out. */
static void encode_publish(struct buf *out, const char *topic, const void *payload, size_t plen)
{
    struct mqtt_packet p = {.type = MQTT_PKT_PUBLISH};
    p.u.publish.topic = (struct mqtt_bytes){(const uint8_t *)topic, (uint16_t)strlen(topic)};
    p.u.publish.payload = payload;
    p.u.publish.payload_len = (uint32_t)plen;
    ASSERT_TRUE(mqtt_codec_encode(out, &p, MQTT_V311) > 0);
}

static void test_coalesced_writes(void)
{
    h_start(&H, NULL);
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "t", 0, 0);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    struct buf batch;
    buf_init(&batch);
    char text[16];
    for (int i = 0; i < 50; i++) {
        snprintf(text, sizeof text, "m%d", i);
        encode_publish(&batch, "t", text, strlen(text));
    }
    uint64_t writes = fake_client_write_count(sub->fc);
    tc_send_raw(pub, buf_head(&batch), buf_size(&batch)); /* one read, one iteration */
    buf_cleanup(&batch);
    ASSERT_EQ_INT(fake_client_write_count(sub->fc) - writes, 1);
    for (int i = 0; i < 50; i++) {
        snprintf(text, sizeof text, "m%d", i);
        tc_expect_publish(sub, "t", text, 0, false, false);
    }
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(H.b.stats.pub_received, 50);
    ASSERT_EQ_INT(H.b.stats.pub_sent, 50);
    ASSERT_EQ_INT(H.b.stats.pub_bytes_received, 140); /* 10 x 2 + 40 x 3 bytes */
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

/* The connection record of a test client, found through the broker's session table. */
static struct conn *broker_conn(const char *id)
{
    struct session *s = hmap_get(&H.b.sessions, id, strlen(id));
    ASSERT_TRUE(s && s->conn);
    return s->conn;
}

static void test_slow_consumer(void)
{
    enum { PAYLOAD = 60000, N = 200 };
    h_start(&H, NULL);
    struct tclient *sub = tc_connect(&H, "slow", true, false);
    tc_subscribe(sub, "big", 0, 0);
    fake_client_set_window(sub->fc, 0); /* stops reading */
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    uint8_t *payload = calloc(1, PAYLOAD);
    struct mqtt_packet p = {.type = MQTT_PKT_PUBLISH};
    p.u.publish.topic = (struct mqtt_bytes){(const uint8_t *)"big", 3};
    p.u.publish.payload = payload;
    p.u.publish.payload_len = PAYLOAD;
    size_t heap_start = mallinfo2().uordblks;
    size_t max_pending = 0;
    for (int i = 0; i < N; i++) {
        tc_send(pub, &p);
        size_t pending = conn_out_pending(broker_conn("slow"));
        if (pending > max_pending)
            max_pending = pending;
    }
    free(payload);
    const size_t pkt = PAYLOAD + 7; /* header 4 bytes + topic 5 bytes - 2 */
    /* The buffer may pass the soft limit by the one message that crossed it. */
    ASSERT_TRUE(max_pending <= 8u * 1024u * 1024u + pkt + 2);
    ASSERT_TRUE(mallinfo2().uordblks < heap_start + 16u * 1024u * 1024u);
    uint64_t dropped = H.b.stats.pub_dropped;
    ASSERT_TRUE(dropped > 0);
    ASSERT_EQ_INT(H.b.stats.pub_received, N);
    ASSERT_EQ_INT(H.b.stats.pub_sent + dropped, N);
    ASSERT_FALSE(tc_is_closed(sub));

    fake_client_set_window(sub->fc, FAKE_WINDOW_UNLIMITED); /* catches up */
    h_settle(&H);
    uint64_t got = 0;
    while (tc_next(sub)) {
        ASSERT_EQ_INT(sub->pkt.type, MQTT_PKT_PUBLISH);
        got++;
    }
    ASSERT_EQ_INT(got, N - dropped);
    ASSERT_EQ_INT(conn_out_pending(broker_conn("slow")), 0);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

static void test_framing_and_short_writes(void)
{
    h_start(&H, NULL);
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "t", 0, 0);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    /* One byte per read: the packet is reassembled across reads. */
    struct buf one;
    buf_init(&one);
    encode_publish(&one, "t", "split", 5);
    for (size_t i = 0; i < buf_size(&one); i++)
        tc_send_raw(pub, buf_head(&one) + i, 1);
    tc_expect_publish(sub, "t", "split", 0, false, false);

    /* Short writes: a window of 3 bytes, then ERR_AGAIN until it reopens. */
    fake_client_set_window(sub->fc, 3);
    tc_send_raw(pub, buf_head(&one), buf_size(&one));
    size_t len = 0;
    fake_client_data(sub->fc, &len);
    ASSERT_EQ_INT(len, 3);
    fake_client_set_window(sub->fc, FAKE_WINDOW_UNLIMITED);
    h_settle(&H);
    tc_expect_publish(sub, "t", "split", 0, false, false);

    /* A good packet and garbage in one read: the good one is routed, then the close. */
    buf_append(&one, "\x00\x00", 2);
    tc_send_raw(pub, buf_head(&one), buf_size(&one));
    buf_cleanup(&one);
    tc_expect_publish(sub, "t", "split", 0, false, false);
    ASSERT_TRUE(tc_is_closed(pub));
    ASSERT_TRUE(fake_log_contains("malformed fixed header"));
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

static void test_max_connections(void)
{
    h_start(&H, "max_connections 1\n");
    struct tclient *a = tc_connect(&H, "a", true, false);
    struct tclient *b = tc_open(&H); /* accepted, then closed at once */
    ASSERT_TRUE(tc_is_closed(b));
    ASSERT_TRUE(fake_log_contains("refused: max_connections 1 reached"));
    ASSERT_EQ_INT(H.b.stats.sockets_open, 1);
    tc_disconnect(a);
    tc_free(a);
    tc_free(b);
    struct tclient *c = tc_connect(&H, "c", true, false);
    tc_free(c);
    h_stop(&H);
}

/* broker_stop with live connections: every connection is closed (wills published) and
 * reaped before the listeners they point to are freed. Under ASan this caught a
 * use-after-free of struct listener in reap(). */
static void test_stop_with_connected_clients(void)
{
    h_start(&H, NULL);
    struct tclient *watcher = tc_connect(&H, "watcher", false, false);
    tc_subscribe(watcher, "will/#", 1, 1);
    struct tclient *c = tc_open(&H);
    send_connect_with_will(c, "dying", 60, "will/dying", "bye");
    tc_expect_connack(c, 0, false);
    broker_stop(&H.b);
    ASSERT_TRUE(tc_is_closed(watcher));
    ASSERT_TRUE(tc_is_closed(c));
    ASSERT_EQ_INT(H.b.stats.sockets_open, 0);
    ASSERT_EQ_INT(H.b.stats.clients_connected, 0);
    ASSERT_EQ_INT(H.b.stats.clients_total, 1); /* the persistent watcher */
    ASSERT_EQ_INT(H.b.n_listeners, 0);
    ASSERT_TRUE(fake_log_contains("midge shutting down"));
    tc_free(watcher);
    tc_free(c);
    h_stop(&H);
}

/* A persistent client whose QoS 1 will matches its own subscription: the will is queued
 * for the offline session (not counted in flight on the dying connection) and arrives
 * as a first transmission, without DUP, when the client comes back. */
static void test_own_will_queued_for_offline_session(void)
{
    h_start(&H, NULL);
    struct tclient *c = tc_open(&H);
    struct mqtt_packet p = {.type = MQTT_PKT_CONNECT};
    struct mqtt_connect *cp = &p.u.connect;
    cp->keepalive = 60;
    cp->client_id = (struct mqtt_bytes){(const uint8_t *)"self", 4};
    cp->will_flag = true;
    cp->will_qos = 1;
    cp->will_topic = (struct mqtt_bytes){(const uint8_t *)"self/will", 9};
    cp->will_payload = (struct mqtt_bytes){(const uint8_t *)"bye", 3};
    tc_send(c, &p);
    tc_expect_connack(c, 0, false);
    tc_subscribe(c, "self/#", 1, 1);
    tc_free(c); /* socket closed without DISCONNECT */
    h_settle(&H);
    ASSERT_EQ_INT(H.b.stats.inflight, 0);
    ASSERT_EQ_INT(H.b.stats.queued, 1);

    c = tc_open(&H);
    tc_send_connect(c, "self", false, 60);
    tc_expect_connack(c, 0, true);
    uint16_t mid = tc_expect_publish(c, "self/will", "bye", 1, false, false);
    tc_ack(c, MQTT_PKT_PUBACK, mid);
    h_settle(&H);
    ASSERT_EQ_INT(H.b.stats.inflight, 0);
    ASSERT_EQ_INT(H.b.stats.queued, 0);
    tc_free(c);
    h_stop(&H);
}

int main(void)
{
    RUN_TEST(test_connect_and_stats);
    RUN_TEST(test_bad_protocol_level);
    RUN_TEST(test_mqtt31_client_ids);
    RUN_TEST(test_empty_client_id);
    RUN_TEST(test_max_keepalive);
    RUN_TEST(test_first_packet_not_connect);
    RUN_TEST(test_keepalive_expiry);
    RUN_TEST(test_connect_timeout);
    RUN_TEST(test_takeover);
    RUN_TEST(test_max_packet_size);
    RUN_TEST(test_malformed_closes_only_that_client);
    RUN_TEST(test_coalesced_writes);
    RUN_TEST(test_slow_consumer);
    RUN_TEST(test_stop_with_connected_clients);
    RUN_TEST(test_framing_and_short_writes);
    RUN_TEST(test_max_connections);
    RUN_TEST(test_own_will_queued_for_offline_session);
    return 0;
}
