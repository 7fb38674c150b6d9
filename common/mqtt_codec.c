/* SPDX-License-Identifier: MIT */
/* MQTT packet decoding (see common/mqtt_codec.h): the fixed header, then one parser per
 * packet family over a bounds-checked reader that records why it rejected the input. */
#include "common/mqtt_codec.h"

#include "common/utf8.h"

#include <string.h>

/* Bounds-checked cursor over one packet body. Every failure names the packet type so
 * the broker can log a useful line without knowing the codec's internals. */
struct rd {
    const uint8_t *p;
    const uint8_t *end;
    const char *pkt;
    struct err_detail *d;
};

static int rd_fail(const struct rd *r, const char *why)
{
    return err_set(r->d, ERR_MALFORMED, NULL, 0, "%s: %s", r->pkt, why);
}

static int rd_fail_field(const struct rd *r, const char *field, const char *why)
{
    return err_set(r->d, ERR_MALFORMED, NULL, 0, "%s: %s %s", r->pkt, field, why);
}

static size_t rd_left(const struct rd *r)
{
    return (size_t)(r->end - r->p);
}

static int rd_u8(struct rd *r, uint8_t *v, const char *field)
{
    if (rd_left(r) < 1)
        return rd_fail_field(r, field, "truncated");
    *v = *r->p++;
    return 0;
}

static int rd_u16(struct rd *r, uint16_t *v, const char *field)
{
    if (rd_left(r) < 2)
        return rd_fail_field(r, field, "truncated");
    *v = (uint16_t)((r->p[0] << 8) | r->p[1]);
    r->p += 2;
    return 0;
}

/* A packet identifier: present and non-zero (MQTT-2.3.1-1; an acknowledgement of id 0
 * can never match anything, so it is rejected as well). */
static int rd_packet_id(struct rd *r, uint16_t *v)
{
    int rc = rd_u16(r, v, "packet identifier");
    if (rc == 0 && *v == 0)
        return rd_fail(r, "packet identifier is 0");
    return rc;
}

/* Length-prefixed binary data. */
static int rd_bin(struct rd *r, struct mqtt_bytes *b, const char *field)
{
    uint16_t n = 0;
    if (rd_u16(r, &n, field) < 0)
        return ERR_MALFORMED;
    if (rd_left(r) < n)
        return rd_fail_field(r, field, "truncated");
    b->p = r->p;
    b->len = n;
    r->p += n;
    return 0;
}

/* Length-prefixed UTF-8 string (MQTT-1.5.3). */
static int rd_str(struct rd *r, struct mqtt_bytes *b, const char *field)
{
    if (rd_bin(r, b, field) < 0)
        return ERR_MALFORMED;
    if (!utf8_is_valid_mqtt(b->p, b->len))
        return rd_fail_field(r, field, "is not valid UTF-8");
    return 0;
}

/* An MQTT 5 property block: its length is checked against the packet and every property
 * in it is walked once, so later walks by the broker cannot fail. */
static int rd_props(struct rd *r, struct mqtt_props *props, const char *field)
{
    uint32_t n;
    int used = mqtt_codec_varint_decode(r->p, rd_left(r), &n);
    if (used < 0)
        return rd_fail_field(r, field, "length malformed");
    r->p += used;
    if (rd_left(r) < n)
        return rd_fail_field(r, field, "truncated");
    props->p = n ? r->p : NULL;
    props->len = n;
    r->p += n;
    struct mqtt_prop prop;
    uint32_t off = 0;
    int rc;
    while ((rc = mqtt_props_next(props, &off, &prop)) > 0)
        continue;
    if (rc < 0)
        return rd_fail_field(r, field, "contain an unknown id or a malformed value");
    return 0;
}

/* Nothing may follow the last field of a packet. */
static int rd_end(const struct rd *r)
{
    return rd_left(r) ? rd_fail(r, "unexpected bytes after the last field") : 0;
}

int mqtt_codec_varint_decode(const uint8_t *p, size_t len, uint32_t *out)
{
    uint32_t v = 0;
    for (size_t i = 0; i < 4; i++) {
        if (i >= len)
            return ERR_AGAIN;
        v |= (uint32_t)(p[i] & 0x7F) << (7 * i);
        if (!(p[i] & 0x80)) {
            *out = v;
            return (int)i + 1;
        }
    }
    return ERR_MALFORMED; /* a fifth byte would be needed */
}

int mqtt_codec_decode_header(const uint8_t *buf, size_t len, struct mqtt_header *out)
{
    if (len < 1)
        return ERR_AGAIN;
    uint8_t type = (uint8_t)(buf[0] >> 4);
    if (type == 0)
        return ERR_MALFORMED; /* reserved */
    uint32_t rl;
    int used = mqtt_codec_varint_decode(buf + 1, len - 1, &rl);
    if (used < 0)
        return used;
    out->type = type;
    out->flags = (uint8_t)(buf[0] & 0x0F);
    out->hdr_len = (uint8_t)(1 + used);
    out->remaining = rl;
    return 0;
}

/* Copy a peer-supplied protocol name into a log-safe string (printable ASCII only). */
static void safe_name(const struct mqtt_bytes *n, char *out, size_t outlen)
{
    size_t i = 0;
    for (; i < n->len && i + 1 < outlen; i++)
        out[i] = (n->p[i] >= 0x20 && n->p[i] < 0x7F) ? (char)n->p[i] : '?';
    out[i] = '\0';
}

/* True for the protocol name/level pairs midge speaks. */
static bool proto_known(const struct mqtt_bytes *name, uint8_t level)
{
    if (name->len == 6 && memcmp(name->p, "MQIsdp", 6) == 0)
        return level == MQTT_V31;
    if (name->len == 4 && memcmp(name->p, "MQTT", 4) == 0)
        return level == MQTT_V311 || level == MQTT_V5;
    return false;
}

/* Split and check the CONNECT flags byte (MQTT-3.1.2-3, -11, -13, -14, -15, -22). */
static int connect_flags(const struct rd *r, uint8_t f, struct mqtt_connect *c)
{
    if (f & 0x01)
        return rd_fail(r, "reserved flag set");
    c->clean_start = f & 0x02;
    c->will_flag = f & 0x04;
    c->will_qos = (uint8_t)((f >> 3) & 0x03);
    c->will_retain = f & 0x20;
    c->has_password = f & 0x40;
    c->has_username = f & 0x80;
    if (c->will_qos == 3)
        return rd_fail(r, "will QoS 3");
    if (!c->will_flag && (c->will_qos || c->will_retain))
        return rd_fail(r, "will QoS/retain set without the will flag");
    if (c->has_password && !c->has_username && c->proto_level != MQTT_V5)
        return rd_fail(r, "password flag set without the username flag");
    return 0;
}

/* Variable header of CONNECT: protocol name and level, flags, keep alive. */
static int connect_vhdr(struct rd *r, struct mqtt_connect *c)
{
    uint8_t flags = 0;
    if (rd_bin(r, &c->proto_name, "protocol name") < 0 ||
        rd_u8(r, &c->proto_level, "protocol level") < 0)
        return ERR_MALFORMED;
    if (!proto_known(&c->proto_name, c->proto_level)) {
        char name[16];
        safe_name(&c->proto_name, name, sizeof name);
        return err_set(r->d, ERR_NOTSUP, NULL, 0, "CONNECT: unsupported protocol \"%s\" level %u",
                       name, (unsigned)c->proto_level);
    }
    if (rd_u8(r, &flags, "flags") < 0 || connect_flags(r, flags, c) < 0 ||
        rd_u16(r, &c->keepalive, "keep alive") < 0)
        return ERR_MALFORMED;
    if (c->proto_level == MQTT_V5 && rd_props(r, &c->props, "properties") < 0)
        return ERR_MALFORMED;
    return 0;
}

/* Payload of CONNECT: client id, will, username, password, and nothing after them. */
static int connect_payload(struct rd *r, struct mqtt_connect *c)
{
    if (rd_str(r, &c->client_id, "client identifier") < 0)
        return ERR_MALFORMED;
    if (c->will_flag) {
        if (c->proto_level == MQTT_V5 && rd_props(r, &c->will_props, "will properties") < 0)
            return ERR_MALFORMED;
        if (rd_str(r, &c->will_topic, "will topic") < 0 ||
            rd_bin(r, &c->will_payload, "will payload") < 0)
            return ERR_MALFORMED;
    }
    if (c->has_username && rd_str(r, &c->username, "username") < 0)
        return ERR_MALFORMED;
    /* Some 3.1 clients set the password flag but send no password; 3.1 brokers ignored
     * the flag then, so do we. */
    if (c->has_password && c->proto_level == MQTT_V31 && rd_left(r) == 0)
        c->has_password = false;
    if (c->has_password && rd_bin(r, &c->password, "password") < 0)
        return ERR_MALFORMED;
    return rd_end(r);
}

static int dec_connect(struct rd *r, struct mqtt_connect *c)
{
    int rc = connect_vhdr(r, c);
    return rc < 0 ? rc : connect_payload(r, c);
}

static int dec_connack(struct rd *r, uint8_t version, struct mqtt_connack *c)
{
    uint8_t flags = 0;
    if (rd_u8(r, &flags, "acknowledge flags") < 0 || rd_u8(r, &c->reason, "reason") < 0)
        return ERR_MALFORMED;
    /* In 3.1 the first byte was unused; from 3.1.1 on only bit 0 is defined. */
    if (version != MQTT_V31) {
        if (flags & 0xFE)
            return rd_fail(r, "reserved acknowledge flags set");
        c->session_present = flags & 0x01;
    }
    if (version == MQTT_V5 && rd_props(r, &c->props, "properties") < 0)
        return ERR_MALFORMED;
    return rd_end(r);
}

static int dec_publish(struct rd *r, uint8_t flags, uint8_t version, struct mqtt_publish *p)
{
    p->qos = (uint8_t)((flags >> 1) & 0x03);
    p->dup = flags & 0x08;
    p->retain = flags & 0x01;
    if (p->qos == 3)
        return rd_fail(r, "QoS 3");
    /* MQTT-3.3.1-2 (3.1.1 and 5); 3.1 does not forbid it. */
    if (p->dup && p->qos == 0 && version != MQTT_V31)
        return rd_fail(r, "DUP set on a QoS 0 message");
    if (rd_str(r, &p->topic, "topic name") < 0)
        return ERR_MALFORMED;
    if (p->qos > 0 && rd_packet_id(r, &p->packet_id) < 0)
        return ERR_MALFORMED;
    if (version == MQTT_V5 && rd_props(r, &p->props, "properties") < 0)
        return ERR_MALFORMED;
    p->payload = r->p;
    p->payload_len = (uint32_t)rd_left(r);
    r->p = r->end;
    return 0;
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP. In MQTT 5 the reason code and properties may each be
 * omitted from the end (remaining length 2 means reason 0, 3 means no properties). */
static int dec_ack(struct rd *r, uint8_t version, struct mqtt_ack *a)
{
    if (rd_packet_id(r, &a->packet_id) < 0)
        return ERR_MALFORMED;
    if (version == MQTT_V5 && rd_left(r) > 0) {
        if (rd_u8(r, &a->reason, "reason") < 0)
            return ERR_MALFORMED;
        if (rd_left(r) > 0 && rd_props(r, &a->props, "properties") < 0)
            return ERR_MALFORMED;
    }
    return rd_end(r);
}

/* Check a SUBSCRIBE options byte: in 3.x only the QoS bits exist; in 5 bits 6-7 are
 * reserved and retain handling 3 is invalid (MQTT-3.8.3-4/5). */
static int check_sub_options(const struct rd *r, uint8_t opts, uint8_t version)
{
    if ((opts & 0x03) == 3)
        return rd_fail(r, "requested QoS 3");
    if (version != MQTT_V5)
        return (opts & 0xFC) ? rd_fail(r, "reserved subscription option bits set") : 0;
    if (opts & 0xC0)
        return rd_fail(r, "reserved subscription option bits set");
    if (((opts >> 4) & 0x03) == 3)
        return rd_fail(r, "retain handling 3");
    return 0;
}

/* SUBSCRIBE (with_opts) or UNSUBSCRIBE: packet id, properties, then one or more entries
 * which are checked and counted here and walked later with the iterators. */
static int dec_sub(struct rd *r, uint8_t version, bool with_opts, struct mqtt_subscribe *s)
{
    if (rd_packet_id(r, &s->packet_id) < 0)
        return ERR_MALFORMED;
    if (version == MQTT_V5 && rd_props(r, &s->props, "properties") < 0)
        return ERR_MALFORMED;
    if (rd_left(r) == 0)
        return rd_fail(r, "no topic filter"); /* MQTT-3.8.3-3, MQTT-3.10.3-2 */
    s->entries = r->p;
    s->entries_len = (uint32_t)rd_left(r);
    while (rd_left(r) > 0) {
        struct mqtt_bytes filter;
        uint8_t opts = 0;
        if (rd_str(r, &filter, "topic filter") < 0)
            return ERR_MALFORMED;
        if (with_opts && (rd_u8(r, &opts, "subscription options") < 0 ||
                          check_sub_options(r, opts, version) < 0))
            return ERR_MALFORMED;
        s->count++;
    }
    return 0;
}

/* True for a SUBACK return code of 3.x (3.1 has no failure code, but accepting 0x80
 * there is harmless for a decoder that only tests and bridges use). */
static bool suback_code_ok(uint8_t c)
{
    return c <= 2 || c == MQTT_SUBACK_FAILURE;
}

/* SUBACK, or UNSUBACK (which carries codes only in MQTT 5). */
static int dec_suback(struct rd *r, uint8_t type, uint8_t version, struct mqtt_suback *s)
{
    if (rd_packet_id(r, &s->packet_id) < 0)
        return ERR_MALFORMED;
    if (type == MQTT_PKT_UNSUBACK && version != MQTT_V5)
        return rd_end(r);
    if (version == MQTT_V5 && rd_props(r, &s->props, "properties") < 0)
        return ERR_MALFORMED;
    if (rd_left(r) == 0)
        return rd_fail(r, "no reason codes");
    s->codes = r->p;
    s->count = (uint32_t)rd_left(r);
    for (uint32_t i = 0; version != MQTT_V5 && i < s->count; i++)
        if (!suback_code_ok(s->codes[i]))
            return rd_fail(r, "invalid return code");
    r->p = r->end;
    return 0;
}

/* PINGREQ, PINGRESP, and DISCONNECT of 3.x: no body at all. */
static int dec_empty(const struct rd *r)
{
    return rd_left(r) ? rd_fail(r, "remaining length must be 0") : 0;
}

/* DISCONNECT and AUTH of MQTT 5: reason and properties, each optional from the end. */
static int dec_disconnect(struct rd *r, uint8_t version, struct mqtt_disconnect *d)
{
    if (version != MQTT_V5)
        return dec_empty(r);
    if (rd_left(r) == 0)
        return 0;
    if (rd_u8(r, &d->reason, "reason") < 0)
        return ERR_MALFORMED;
    if (rd_left(r) > 0 && rd_props(r, &d->props, "properties") < 0)
        return ERR_MALFORMED;
    return rd_end(r);
}

/* Fixed-header flags (MQTT-2.2.2-1/2): PUBLISH carries its own; PUBREL, SUBSCRIBE and
 * UNSUBSCRIBE need 0010; the rest 0000. 3.1 clients may also set DUP on the three
 * QoS 1 control packets when they retry them. */
static int check_flags(const struct rd *r, const struct mqtt_header *h, uint8_t version)
{
    uint8_t flags = h->flags;
    uint8_t want = 0;
    if (h->type == MQTT_PKT_PUBLISH)
        return 0;
    if (h->type == MQTT_PKT_PUBREL || h->type == MQTT_PKT_SUBSCRIBE ||
        h->type == MQTT_PKT_UNSUBSCRIBE) {
        want = 0x02;
        if (version == MQTT_V31)
            flags &= (uint8_t)~0x08;
    }
    return flags == want ? 0 : rd_fail(r, "invalid fixed-header flags");
}

/* One call per packet type; `r` covers exactly the body. */
static int dec_dispatch(struct rd *r, const struct mqtt_header *h, uint8_t version,
                        struct mqtt_packet *out)
{
    switch (h->type) {
    case MQTT_PKT_CONNECT:
        return dec_connect(r, &out->u.connect);
    case MQTT_PKT_CONNACK:
        return dec_connack(r, version, &out->u.connack);
    case MQTT_PKT_PUBLISH:
        return dec_publish(r, h->flags, version, &out->u.publish);
    case MQTT_PKT_PUBACK:
    case MQTT_PKT_PUBREC:
    case MQTT_PKT_PUBREL:
    case MQTT_PKT_PUBCOMP:
        return dec_ack(r, version, &out->u.ack);
    case MQTT_PKT_SUBSCRIBE:
        return dec_sub(r, version, true, &out->u.subscribe);
    case MQTT_PKT_UNSUBSCRIBE:
        return dec_sub(r, version, false, &out->u.subscribe);
    case MQTT_PKT_SUBACK:
    case MQTT_PKT_UNSUBACK:
        return dec_suback(r, h->type, version, &out->u.suback);
    case MQTT_PKT_PINGREQ:
    case MQTT_PKT_PINGRESP:
        return dec_empty(r);
    case MQTT_PKT_DISCONNECT:
    case MQTT_PKT_AUTH:
        return dec_disconnect(r, version, &out->u.disconnect);
    default:
        return rd_fail(r, "reserved packet type");
    }
}

int mqtt_codec_decode(const struct mqtt_header *h, const uint8_t *body, uint8_t version,
                      struct mqtt_packet *out, struct err_detail *d)
{
    memset(out, 0, sizeof *out);
    out->type = h->type;
    /* body may be NULL when remaining is 0; never do arithmetic on it then. */
    struct rd r = {body, h->remaining ? body + h->remaining : body, mqtt_codec_type_name(h->type),
                   d};
    if (h->type != MQTT_PKT_CONNECT && (version < MQTT_V31 || version > MQTT_V5))
        return err_set(d, ERR_INVAL, NULL, 0, "%s: unsupported protocol level %u", r.pkt,
                       (unsigned)version);
    if (h->type == 0 || h->type > MQTT_PKT_AUTH)
        return rd_fail(&r, "reserved packet type");
    if (h->type == MQTT_PKT_AUTH && version != MQTT_V5)
        return rd_fail(&r, "AUTH exists only in MQTT 5");
    if (check_flags(&r, h, version) < 0)
        return ERR_MALFORMED;
    return dec_dispatch(&r, h, version, out);
}

void mqtt_codec_sub_iter_init(struct mqtt_sub_iter *it, const struct mqtt_subscribe *s,
                              uint8_t version)
{
    it->p = s->entries;
    it->end = s->entries_len ? s->entries + s->entries_len : s->entries;
    it->version = version;
}

/* Read one length-prefixed filter at the cursor; false (and the cursor emptied) if the
 * entries are not what the decoder accepted, so misuse cannot read out of bounds. */
static bool iter_filter(struct mqtt_sub_iter *it, struct mqtt_bytes *out)
{
    size_t left = (size_t)(it->end - it->p);
    if (left < 2 || left - 2 < (size_t)((it->p[0] << 8) | it->p[1])) {
        it->p = it->end;
        return false;
    }
    out->len = (uint16_t)((it->p[0] << 8) | it->p[1]);
    out->p = it->p + 2;
    it->p += 2 + out->len;
    return true;
}

bool mqtt_codec_sub_next(struct mqtt_sub_iter *it, struct mqtt_sub_entry *out)
{
    if (!iter_filter(it, &out->filter))
        return false;
    if (it->p == it->end)
        return false;
    uint8_t opts = *it->p++;
    out->qos = opts & 0x03;
    out->no_local = it->version == MQTT_V5 && (opts & 0x04);
    out->retain_as_published = it->version == MQTT_V5 && (opts & 0x08);
    out->retain_handling = it->version == MQTT_V5 ? (uint8_t)((opts >> 4) & 0x03) : 0;
    return true;
}

bool mqtt_codec_unsub_next(struct mqtt_sub_iter *it, struct mqtt_bytes *out)
{
    return iter_filter(it, out);
}

const char *mqtt_codec_type_name(uint8_t type)
{
    static const char *const names[16] = {
        NULL,      "CONNECT",  "CONNACK",    "PUBLISH", "PUBACK",      "PUBREC",
        "PUBREL",  "PUBCOMP",  "SUBSCRIBE",  "SUBACK",  "UNSUBSCRIBE", "UNSUBACK",
        "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
    };
    return type < 16 && names[type] ? names[type] : "UNKNOWN";
}
