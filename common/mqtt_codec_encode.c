/* SPDX-License-Identifier: MIT */
/* MQTT packet encoding (see common/mqtt_codec.h). Each packet body is produced by one
 * writer function that runs twice: once counting bytes (to size the fixed header and to
 * answer mqtt_codec_publish_size) and once appending, so size and bytes cannot drift. */
#include "common/mqtt_codec.h"

#include <stdint.h>

/* Output cursor: counts only when b is NULL. n saturates so absurd inputs cannot wrap. */
struct wr {
    struct buf *b;
    size_t n;
};

static void wr_mem(struct wr *w, const void *p, size_t n)
{
    if (w->b && n)
        buf_append(w->b, p, n);
    w->n = n > SIZE_MAX - w->n ? SIZE_MAX : w->n + n;
}

static void wr_u8(struct wr *w, uint8_t v)
{
    wr_mem(w, &v, 1);
}

static void wr_u16(struct wr *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    wr_mem(w, b, 2);
}

/* Encode v (<= MQTT_MAX_REMAINING) into b; returns the byte count. */
static size_t varint_encode(uint8_t b[4], uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t c = (uint8_t)(v & 0x7F);
        v >>= 7;
        b[n++] = v ? (uint8_t)(c | 0x80) : c;
    } while (v);
    return n;
}

static void wr_varint(struct wr *w, uint32_t v)
{
    uint8_t b[4];
    wr_mem(w, b, varint_encode(b, v));
}

static void wr_bytes(struct wr *w, const struct mqtt_bytes *s)
{
    wr_u16(w, s->len);
    wr_mem(w, s->p, s->len);
}

/* A property block is written only for MQTT 5 (length first). */
static void wr_props(struct wr *w, const struct mqtt_props *p, uint8_t version)
{
    if (version != MQTT_V5)
        return;
    wr_varint(w, p->len);
    wr_mem(w, p->p, p->len);
}

/* Properties exist only in MQTT 5 and their length must fit a variable-length integer. */
static bool props_ok(const struct mqtt_props *p, uint8_t version)
{
    return version == MQTT_V5 ? p->len <= MQTT_MAX_REMAINING : p->len == 0;
}

uint8_t mqtt_codec_varint_size(uint32_t v)
{
    return v < 128u ? 1 : v < 16384u ? 2 : v < 2097152u ? 3 : 4;
}

void mqtt_codec_put_varint(struct buf *out, uint32_t v)
{
    ASSERT(v <= MQTT_MAX_REMAINING);
    uint8_t b[4];
    buf_append(out, b, varint_encode(b, v));
}

void mqtt_codec_put_str(struct buf *out, const void *s, uint16_t len)
{
    buf_put_u16(out, len);
    buf_append(out, s, len);
}

void mqtt_codec_put_sub_entry(struct buf *out, const struct mqtt_sub_entry *e, uint8_t version)
{
    uint8_t opts = e->qos & 0x03;
    if (version == MQTT_V5)
        opts = (uint8_t)(opts | (e->no_local ? 0x04 : 0) | (e->retain_as_published ? 0x08 : 0) |
                         ((e->retain_handling & 0x03) << 4));
    mqtt_codec_put_str(out, e->filter.p, e->filter.len);
    buf_put_u8(out, opts);
}

/* CONNECT; the protocol name and level come from `version`, not from c->proto_*. */
static int enc_connect(struct wr *w, const struct mqtt_connect *c, uint8_t version)
{
    static const struct mqtt_bytes mqisdp = {(const uint8_t *)"MQIsdp", 6};
    static const struct mqtt_bytes mqtt = {(const uint8_t *)"MQTT", 4};
    if (c->will_qos > 2 || (!c->will_flag && (c->will_qos || c->will_retain)) ||
        (c->has_password && !c->has_username && version != MQTT_V5) ||
        !props_ok(&c->props, version) || !props_ok(&c->will_props, version))
        return ERR_INVAL;
    uint8_t flags = (uint8_t)((c->has_username ? 0x80 : 0) | (c->has_password ? 0x40 : 0) |
                              (c->will_retain ? 0x20 : 0) | (c->will_qos << 3) |
                              (c->will_flag ? 0x04 : 0) | (c->clean_start ? 0x02 : 0));
    wr_bytes(w, version == MQTT_V31 ? &mqisdp : &mqtt);
    wr_u8(w, version);
    wr_u8(w, flags);
    wr_u16(w, c->keepalive);
    wr_props(w, &c->props, version);
    wr_bytes(w, &c->client_id);
    if (c->will_flag) {
        wr_props(w, &c->will_props, version);
        wr_bytes(w, &c->will_topic);
        wr_bytes(w, &c->will_payload);
    }
    if (c->has_username)
        wr_bytes(w, &c->username);
    if (c->has_password)
        wr_bytes(w, &c->password);
    return 0;
}

static int enc_connack(struct wr *w, const struct mqtt_connack *c, uint8_t version)
{
    if (!props_ok(&c->props, version))
        return ERR_INVAL;
    wr_u8(w, c->session_present && version != MQTT_V31 ? 1 : 0);
    wr_u8(w, c->reason);
    wr_props(w, &c->props, version);
    return 0;
}

static int enc_publish(struct wr *w, const struct mqtt_publish *p, uint8_t version)
{
    if (p->qos > 2 || (p->qos > 0 && p->packet_id == 0) || (p->qos == 0 && p->dup) ||
        !props_ok(&p->props, version))
        return ERR_INVAL;
    wr_bytes(w, &p->topic);
    if (p->qos > 0)
        wr_u16(w, p->packet_id);
    wr_props(w, &p->props, version);
    wr_mem(w, p->payload, p->payload_len);
    return 0;
}

/* PUBACK..PUBCOMP: in MQTT 5 the reason and properties are left out from the end when
 * they are zero/empty, as the spec allows; in 3.x the reason is not sent. */
static int enc_ack(struct wr *w, const struct mqtt_ack *a, uint8_t version)
{
    if (a->packet_id == 0 || !props_ok(&a->props, version))
        return ERR_INVAL;
    wr_u16(w, a->packet_id);
    if (version == MQTT_V5 && (a->reason || a->props.len))
        wr_u8(w, a->reason);
    if (version == MQTT_V5 && a->props.len)
        wr_props(w, &a->props, version);
    return 0;
}

/* SUBSCRIBE and UNSUBSCRIBE: entries are already in wire form. */
static int enc_subscribe(struct wr *w, const struct mqtt_subscribe *s, uint8_t version)
{
    if (s->packet_id == 0 || s->entries_len == 0 || !props_ok(&s->props, version))
        return ERR_INVAL;
    wr_u16(w, s->packet_id);
    wr_props(w, &s->props, version);
    wr_mem(w, s->entries, s->entries_len);
    return 0;
}

/* SUBACK, and UNSUBACK (codes and properties only in MQTT 5). */
static int enc_suback(struct wr *w, const struct mqtt_suback *s, uint8_t type, uint8_t version)
{
    bool bare = type == MQTT_PKT_UNSUBACK && version != MQTT_V5;
    if (s->packet_id == 0 || !props_ok(&s->props, version) || (!bare && s->count == 0))
        return ERR_INVAL;
    wr_u16(w, s->packet_id);
    if (bare)
        return 0;
    wr_props(w, &s->props, version);
    wr_mem(w, s->codes, s->count);
    return 0;
}

/* DISCONNECT (empty in 3.x) and AUTH (MQTT 5 only); reason and properties are left out
 * from the end when zero/empty. */
static int enc_disconnect(struct wr *w, const struct mqtt_disconnect *d, uint8_t type,
                          uint8_t version)
{
    if (!props_ok(&d->props, version) || (type == MQTT_PKT_AUTH && version != MQTT_V5))
        return ERR_INVAL;
    if (version == MQTT_V5 && (d->reason || d->props.len))
        wr_u8(w, d->reason);
    if (version == MQTT_V5 && d->props.len)
        wr_props(w, &d->props, version);
    return 0;
}

/* One call per packet type. */
static int enc_body(struct wr *w, const struct mqtt_packet *p, uint8_t version)
{
    switch (p->type) {
    case MQTT_PKT_CONNECT:
        return enc_connect(w, &p->u.connect, version);
    case MQTT_PKT_CONNACK:
        return enc_connack(w, &p->u.connack, version);
    case MQTT_PKT_PUBLISH:
        return enc_publish(w, &p->u.publish, version);
    case MQTT_PKT_PUBACK:
    case MQTT_PKT_PUBREC:
    case MQTT_PKT_PUBREL:
    case MQTT_PKT_PUBCOMP:
        return enc_ack(w, &p->u.ack, version);
    case MQTT_PKT_SUBSCRIBE:
    case MQTT_PKT_UNSUBSCRIBE:
        return enc_subscribe(w, &p->u.subscribe, version);
    case MQTT_PKT_SUBACK:
    case MQTT_PKT_UNSUBACK:
        return enc_suback(w, &p->u.suback, p->type, version);
    case MQTT_PKT_PINGREQ:
    case MQTT_PKT_PINGRESP:
        return 0;
    case MQTT_PKT_DISCONNECT:
    case MQTT_PKT_AUTH:
        return enc_disconnect(w, &p->u.disconnect, p->type, version);
    default:
        return ERR_INVAL;
    }
}

/* The first byte: type and the flags its type requires (MQTT-2.2.2-1/2). */
static uint8_t first_byte(const struct mqtt_packet *p)
{
    uint8_t flags = 0;
    if (p->type == MQTT_PKT_PUBLISH)
        flags = (uint8_t)((p->u.publish.dup ? 0x08 : 0) | (p->u.publish.qos << 1) |
                          (p->u.publish.retain ? 0x01 : 0));
    else if (p->type == MQTT_PKT_PUBREL || p->type == MQTT_PKT_SUBSCRIBE ||
             p->type == MQTT_PKT_UNSUBSCRIBE)
        flags = 0x02;
    return (uint8_t)(p->type << 4 | flags);
}

/* Count the body of *p; its length, or a negative error. */
static long body_size(const struct mqtt_packet *p, uint8_t version)
{
    if (version < MQTT_V31 || version > MQTT_V5)
        return ERR_INVAL;
    struct wr count = {NULL, 0};
    int rc = enc_body(&count, p, version);
    if (rc < 0)
        return rc;
    return count.n > MQTT_MAX_REMAINING ? ERR_TOOBIG : (long)count.n;
}

int mqtt_codec_encode(struct buf *out, const struct mqtt_packet *p, uint8_t version)
{
    long rl = body_size(p, version);
    if (rl < 0)
        return (int)rl;
    size_t total = 1 + mqtt_codec_varint_size((uint32_t)rl) + (size_t)rl;
    /* Reserve everything first: inputs may then even point into `out` safely. */
    buf_reserve(out, total);
    struct wr w = {out, 0};
    wr_u8(&w, first_byte(p));
    wr_varint(&w, (uint32_t)rl);
    enc_body(&w, p, version);
    ASSERT(w.n == total);
    return (int)total;
}

size_t mqtt_codec_publish_size(const struct mqtt_publish *p, uint8_t version)
{
    struct mqtt_packet pkt = {.type = MQTT_PKT_PUBLISH, .u.publish = *p};
    long rl = body_size(&pkt, version);
    return rl < 0 ? 0 : 1 + mqtt_codec_varint_size((uint32_t)rl) + (size_t)rl;
}
