/* SPDX-License-Identifier: MIT */
/* MQTT 5 properties: the table of every property id of MQTT 5.0 (section 2.2.2.2) with
 * its value type, the walker over a received block and the writer for one property. */
#include "common/mqtt_codec.h"

#include "common/utf8.h"

enum prop_type {
    PT_NONE = 0, /* unknown id */
    PT_BYTE,
    PT_U16,
    PT_U32,
    PT_VARINT,
    PT_STR,
    PT_BIN,
    PT_PAIR, /* user property: two strings */
};

/* Indexed by property id; ids not listed are unknown and malformed. */
static const uint8_t prop_types[] = {
    [0x01] = PT_BYTE,   /* payload format indicator */
    [0x02] = PT_U32,    /* message expiry interval */
    [0x03] = PT_STR,    /* content type */
    [0x08] = PT_STR,    /* response topic */
    [0x09] = PT_BIN,    /* correlation data */
    [0x0B] = PT_VARINT, /* subscription identifier */
    [0x11] = PT_U32,    /* session expiry interval */
    [0x12] = PT_STR,    /* assigned client identifier */
    [0x13] = PT_U16,    /* server keep alive */
    [0x15] = PT_STR,    /* authentication method */
    [0x16] = PT_BIN,    /* authentication data */
    [0x17] = PT_BYTE,   /* request problem information */
    [0x18] = PT_U32,    /* will delay interval */
    [0x19] = PT_BYTE,   /* request response information */
    [0x1A] = PT_STR,    /* response information */
    [0x1C] = PT_STR,    /* server reference */
    [0x1F] = PT_STR,    /* reason string */
    [0x21] = PT_U16,    /* receive maximum */
    [0x22] = PT_U16,    /* topic alias maximum */
    [0x23] = PT_U16,    /* topic alias */
    [0x24] = PT_BYTE,   /* maximum QoS */
    [0x25] = PT_BYTE,   /* retain available */
    [0x26] = PT_PAIR,   /* user property */
    [0x27] = PT_U32,    /* maximum packet size */
    [0x28] = PT_BYTE,   /* wildcard subscription available */
    [0x29] = PT_BYTE,   /* subscription identifier available */
    [0x2A] = PT_BYTE,   /* shared subscription available */
};

static enum prop_type prop_type(uint32_t id)
{
    return id < sizeof prop_types ? (enum prop_type)prop_types[id] : PT_NONE;
}

/* Read a length-prefixed field (UTF-8 checked when `text`); bytes used or -1. */
static int read_bytes(const uint8_t *p, size_t left, bool text, struct mqtt_bytes *out)
{
    if (left < 2)
        return -1;
    uint16_t n = (uint16_t)((p[0] << 8) | p[1]);
    if (left - 2 < n)
        return -1;
    if (text && !utf8_is_valid_mqtt(p + 2, n))
        return -1;
    out->p = p + 2;
    out->len = n;
    return 2 + n;
}

/* Read a fixed-size big-endian number of `size` bytes; bytes used or -1. */
static int read_num(const uint8_t *p, size_t left, size_t size, uint32_t *out)
{
    if (left < size)
        return -1;
    uint32_t v = 0;
    for (size_t i = 0; i < size; i++)
        v = (v << 8) | p[i];
    *out = v;
    return (int)size;
}

/* Read a variable-length integer; bytes used or -1 (truncated counts as malformed). */
static int read_varint(const uint8_t *p, size_t left, uint32_t *out)
{
    int n = mqtt_codec_varint_decode(p, left, out);
    return n < 0 ? -1 : n;
}

/* Read a user property's name and value; bytes used or -1. */
static int read_pair(const uint8_t *p, size_t left, struct mqtt_prop *out)
{
    int a = read_bytes(p, left, true, &out->str);
    if (a < 0)
        return -1;
    int b = read_bytes(p + a, left - (size_t)a, true, &out->str2);
    return b < 0 ? -1 : a + b;
}

/* Read the value of type t at p into *out; bytes used, or -1 if malformed. */
static int read_value(enum prop_type t, const uint8_t *p, size_t left, struct mqtt_prop *out)
{
    switch (t) {
    case PT_BYTE:
        return read_num(p, left, 1, &out->num);
    case PT_U16:
        return read_num(p, left, 2, &out->num);
    case PT_U32:
        return read_num(p, left, 4, &out->num);
    case PT_VARINT:
        return read_varint(p, left, &out->num);
    case PT_STR:
        return read_bytes(p, left, true, &out->str);
    case PT_BIN:
        return read_bytes(p, left, false, &out->str);
    case PT_PAIR:
        return read_pair(p, left, out);
    default:
        return -1;
    }
}

int mqtt_props_next(const struct mqtt_props *props, uint32_t *off, struct mqtt_prop *out)
{
    if (*off >= props->len)
        return 0;
    const uint8_t *p = props->p + *off;
    size_t left = props->len - *off;
    *out = (struct mqtt_prop){0};
    int n = mqtt_codec_varint_decode(p, left, &out->id);
    if (n < 0)
        return ERR_MALFORMED;
    int v = read_value(prop_type(out->id), p + n, left - (size_t)n, out);
    if (v < 0)
        return ERR_MALFORMED;
    *off += (uint32_t)(n + v);
    return 1;
}

/* Largest number each numeric type can carry. */
static uint32_t num_max(enum prop_type t)
{
    switch (t) {
    case PT_BYTE:
        return 0xFF;
    case PT_U16:
        return 0xFFFF;
    case PT_VARINT:
        return MQTT_MAX_REMAINING;
    default:
        return UINT32_MAX;
    }
}

/* Append the value of *p as type t (already range-checked). */
static void put_value(struct buf *out, enum prop_type t, const struct mqtt_prop *p)
{
    switch (t) {
    case PT_BYTE:
        buf_put_u8(out, (uint8_t)p->num);
        return;
    case PT_U16:
        buf_put_u16(out, (uint16_t)p->num);
        return;
    case PT_U32:
        buf_put_u32(out, p->num);
        return;
    case PT_VARINT:
        mqtt_codec_put_varint(out, p->num);
        return;
    case PT_PAIR:
        mqtt_codec_put_str(out, p->str.p, p->str.len);
        mqtt_codec_put_str(out, p->str2.p, p->str2.len);
        return;
    default: /* PT_STR, PT_BIN */
        mqtt_codec_put_str(out, p->str.p, p->str.len);
        return;
    }
}

int mqtt_props_put(struct buf *out, const struct mqtt_prop *p)
{
    enum prop_type t = prop_type(p->id);
    if (t == PT_NONE || p->num > num_max(t))
        return ERR_INVAL;
    mqtt_codec_put_varint(out, p->id);
    put_value(out, t, p);
    return 0;
}
