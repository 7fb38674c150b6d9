/* SPDX-License-Identifier: MIT */
/* The broker test harness on the fake platform (see broker_harness.h). */
#include "tests/unit/service/broker_harness.h"

#include "common/cfg_parse.h"
#include "common/mem.h"
#include "service/log.h"
#include "tests/assert.h"

void h_start(struct harness *h, const char *extra)
{
    memset(h, 0, sizeof *h);
    struct buf text;
    buf_init(&text);
    buf_append(&text, H_BASE_CONF, strlen(H_BASE_CONF));
    if (extra)
        buf_append(&text, extra, strlen(extra));
    struct cfg c;
    cfg_init(&c);
    struct err_detail d = {{0}, {0}, 0};
    int rc =
        cfg_parse_text("test.conf", (const char *)buf_head(&text), buf_size(&text), NULL, &c, &d);
    buf_cleanup(&text);
    if (rc < 0)
        TEST_FAIL_("config: %s", d.msg);
    ASSERT_EQ_INT(log_configure(&c, true, &d), 0);
    ASSERT_EQ_INT(plat_loop_new(&h->loop, &d), 0);
    broker_init(&h->b, &c, NULL, false, NULL, 0);
    cfg_cleanup(&c);
    ASSERT_EQ_INT(broker_start(&h->b, h->loop), 0);
    h_settle(h);
}

void h_stop(struct harness *h)
{
    broker_cleanup(&h->b);
    plat_loop_free(h->loop);
    h->loop = NULL;
    log_shutdown();
    fake_reset();
}

void h_settle(struct harness *h)
{
    fake_loop_settle(h->loop, 0);
}

void h_run_for(struct harness *h, uint64_t ms)
{
    fake_loop_run_for(h->loop, ms);
}

struct tclient *tc_open(struct harness *h)
{
    struct tclient *c = xcalloc(1, sizeof *c);
    c->h = h;
    c->version = MQTT_V311;
    c->fc = fake_connect(H_PORT);
    ASSERT_TRUE(c->fc != NULL);
    h_settle(h);
    ASSERT_TRUE(fake_client_is_accepted(c->fc));
    return c;
}

void tc_free(struct tclient *c)
{
    if (!c)
        return;
    fake_client_free(c->fc);
    free(c->body);
    free(c);
}

void tc_send_raw(struct tclient *c, const void *bytes, size_t len)
{
    fake_client_send(c->fc, bytes, len);
    h_settle(c->h);
}

void tc_send(struct tclient *c, const struct mqtt_packet *p)
{
    struct buf b;
    buf_init(&b);
    ASSERT_TRUE(mqtt_codec_encode(&b, p, c->version) > 0);
    tc_send_raw(c, buf_head(&b), buf_size(&b));
    buf_cleanup(&b);
}

void tc_send_connect(struct tclient *c, const char *id, bool clean, uint16_t keepalive)
{
    struct mqtt_packet p = {.type = MQTT_PKT_CONNECT};
    p.u.connect.clean_start = clean;
    p.u.connect.keepalive = keepalive;
    p.u.connect.client_id.p = (const uint8_t *)(id ? id : "");
    p.u.connect.client_id.len = (uint16_t)(id ? strlen(id) : 0);
    tc_send(c, &p);
}

struct tclient *tc_connect(struct harness *h, const char *id, bool clean, bool present)
{
    struct tclient *c = tc_open(h);
    tc_send_connect(c, id, clean, 60);
    tc_expect_connack(c, 0, present);
    return c;
}

bool tc_next(struct tclient *c)
{
    size_t len = 0;
    const uint8_t *data = fake_client_data(c->fc, &len);
    struct mqtt_header h;
    if (mqtt_codec_decode_header(data, len, &h) < 0 || len < (size_t)h.hdr_len + h.remaining)
        return false;
    free(c->body);
    c->body = xmalloc(h.remaining + 1u);
    memcpy(c->body, data + h.hdr_len, h.remaining);
    fake_client_consume(c->fc, (size_t)h.hdr_len + h.remaining);
    struct err_detail d = {{0}, {0}, 0};
    int rc = mqtt_codec_decode(&h, c->body, c->version, &c->pkt, &d);
    if (rc < 0)
        TEST_FAIL_("broker sent an undecodable %s: %s", mqtt_codec_type_name(h.type), d.msg);
    return true;
}

const struct mqtt_packet *tc_expect(struct tclient *c, uint8_t type)
{
    if (!tc_next(c))
        TEST_FAIL_("expected %s, got nothing", mqtt_codec_type_name(type));
    if (c->pkt.type != type)
        TEST_FAIL_("expected %s, got %s", mqtt_codec_type_name(type),
                   mqtt_codec_type_name(c->pkt.type));
    return &c->pkt;
}

void tc_expect_nothing(struct tclient *c)
{
    size_t len = 0;
    fake_client_data(c->fc, &len);
    if (len == 0)
        return;
    ASSERT_TRUE(tc_next(c));
    TEST_FAIL_("expected nothing, got %s", mqtt_codec_type_name(c->pkt.type));
}

void tc_expect_connack(struct tclient *c, uint8_t rc, bool sp)
{
    const struct mqtt_packet *p = tc_expect(c, MQTT_PKT_CONNACK);
    ASSERT_EQ_INT(p->u.connack.reason, rc);
    ASSERT_EQ_INT(p->u.connack.session_present, sp);
}

void tc_subscribe(struct tclient *c, const char *filter, uint8_t qos, uint8_t granted)
{
    struct buf entries;
    buf_init(&entries);
    struct mqtt_sub_entry e = {.qos = qos};
    e.filter.p = (const uint8_t *)filter;
    e.filter.len = (uint16_t)strlen(filter);
    mqtt_codec_put_sub_entry(&entries, &e, c->version);
    struct mqtt_packet p = {.type = MQTT_PKT_SUBSCRIBE};
    p.u.subscribe.packet_id = 1;
    p.u.subscribe.entries = buf_head(&entries);
    p.u.subscribe.entries_len = (uint32_t)buf_size(&entries);
    p.u.subscribe.count = 1;
    tc_send(c, &p);
    buf_cleanup(&entries);
    const struct mqtt_packet *a = tc_expect(c, MQTT_PKT_SUBACK);
    ASSERT_EQ_INT(a->u.suback.packet_id, 1);
    ASSERT_EQ_INT(a->u.suback.count, 1);
    ASSERT_EQ_INT(a->u.suback.codes[0], granted);
}

void tc_publish(struct tclient *c, const char *topic, const char *payload, uint8_t qos,
                uint16_t mid, bool retain)
{
    struct mqtt_packet p = {.type = MQTT_PKT_PUBLISH};
    p.u.publish.qos = qos;
    p.u.publish.retain = retain;
    p.u.publish.topic.p = (const uint8_t *)topic;
    p.u.publish.topic.len = (uint16_t)strlen(topic);
    p.u.publish.packet_id = mid;
    p.u.publish.payload = (const uint8_t *)payload;
    p.u.publish.payload_len = (uint32_t)strlen(payload);
    tc_send(c, &p);
}

uint16_t tc_expect_publish(struct tclient *c, const char *topic, const char *payload, uint8_t qos,
                           bool retain, bool dup)
{
    const struct mqtt_publish *p = &tc_expect(c, MQTT_PKT_PUBLISH)->u.publish;
    ASSERT_EQ_MEM(p->topic.p, p->topic.len, topic, strlen(topic));
    ASSERT_EQ_MEM(p->payload, p->payload_len, payload, strlen(payload));
    ASSERT_EQ_INT(p->qos, qos);
    ASSERT_EQ_INT(p->retain, retain);
    ASSERT_EQ_INT(p->dup, dup);
    if (qos > 0)
        ASSERT_NE_INT(p->packet_id, 0);
    return p->packet_id;
}

void tc_ack(struct tclient *c, uint8_t type, uint16_t mid)
{
    struct mqtt_packet p = {.type = type};
    p.u.ack.packet_id = mid;
    tc_send(c, &p);
}

void tc_expect_ack(struct tclient *c, uint8_t type, uint16_t mid)
{
    ASSERT_EQ_INT(tc_expect(c, type)->u.ack.packet_id, mid);
}

void tc_disconnect(struct tclient *c)
{
    struct mqtt_packet p = {.type = MQTT_PKT_DISCONNECT};
    tc_send(c, &p);
    ASSERT_TRUE(tc_is_closed(c));
}

bool tc_is_closed(const struct tclient *c)
{
    return fake_client_is_closed(c->fc);
}
