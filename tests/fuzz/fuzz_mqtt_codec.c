/* SPDX-License-Identifier: MIT */
/* Fuzz target for common/mqtt_codec (with differential checks of common/utf8 and
 * common/mqtt_topic): arbitrary bytes are read as a stream of packets and decoded for
 * each protocol level; accepted packets are walked, re-encoded and decoded again. */
#include "tests/fuzz/fuzz.h"

#include "common/mqtt_codec.h"
#include "common/mqtt_topic.h"
#include "common/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* Reference UTF-8 check written differently from common/utf8.c: decode each code point
 * arithmetically, then judge its value and the sequence length. */
static bool ref_utf8(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp = s[i];
        size_t n = cp < 0x80           ? 1
                   : (cp >> 5) == 0x6  ? 2
                   : (cp >> 4) == 0xE  ? 3
                   : (cp >> 3) == 0x1E ? 4
                                       : 0;
        if (n == 0 || len - i < n)
            return false;
        if (n > 1)
            cp &= 0x3Fu >> (n - 1);
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp == 0 || cp < min_for_len[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

struct level {
    const char *p;
    size_t n;
};

/* Split s into at most max levels; returns the count or 0 if there are more. */
static size_t split_levels(const char *s, size_t len, struct level *out, size_t max)
{
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '/')
            continue;
        if (count == max)
            return 0;
        out[count++] = (struct level){s + start, i - start};
        start = i + 1;
    }
    return count;
}

/* Reference matcher over level arrays (the spec's definition, written naively). */
static bool ref_match(const struct level *f, size_t nf, const struct level *t, size_t nt)
{
    if (t[0].n > 0 && t[0].p[0] == '$' && f[0].n == 1 && (f[0].p[0] == '+' || f[0].p[0] == '#'))
        return false;
    for (size_t i = 0; i < nf; i++) {
        bool plus = f[i].n == 1 && f[i].p[0] == '+';
        if (f[i].n == 1 && f[i].p[0] == '#')
            return true;
        if (i >= nt)
            return false;
        if (!plus && (f[i].n != t[i].n || memcmp(f[i].p, t[i].p, f[i].n) != 0))
            return false;
    }
    return nf == nt;
}

/* Compare mqtt_topic_matches with the reference for filter f and topic t when valid. */
static void check_topic(const char *f, size_t flen, const char *t, size_t tlen)
{
    struct level fl[64], tl[64];
    bool fv = mqtt_topic_is_valid_filter(f, flen);
    bool tv = mqtt_topic_is_valid_name(t, tlen);
    if (tv)
        CHECK(mqtt_topic_is_valid_filter(t, tlen)); /* every name is a filter */
    size_t nf = split_levels(f, flen, fl, 64), nt = split_levels(t, tlen, tl, 64);
    if (!fv || !tv || nf == 0 || nt == 0)
        return;
    CHECK(mqtt_topic_matches(f, flen, t, tlen) == ref_match(fl, nf, tl, nt));
    CHECK(mqtt_topic_matches(t, tlen, t, tlen)); /* a name matches itself */
    const char *g, *in;
    size_t gl, il;
    if (mqtt_topic_split_shared(f, flen, &g, &gl, &in, &il))
        CHECK(gl > 0 && il > 0 && g + gl + 1 == in && in + il == f + flen);
}

/* Walk every property block of a decoded packet; the decoder already validated them. */
static void walk_props(const struct mqtt_props *props)
{
    uint32_t off = 0;
    struct mqtt_prop p;
    int rc;
    while ((rc = mqtt_props_next(props, &off, &p)) > 0)
        CHECK(off <= props->len);
    CHECK(rc == 0);
}

/* Iterate SUBSCRIBE/UNSUBSCRIBE entries and check them and their count. */
static void walk_entries(const struct mqtt_packet *pkt, uint8_t version)
{
    const struct mqtt_subscribe *s = &pkt->u.subscribe;
    struct mqtt_sub_iter it;
    uint32_t n = 0;
    mqtt_codec_sub_iter_init(&it, s, version);
    if (pkt->type == MQTT_PKT_SUBSCRIBE) {
        struct mqtt_sub_entry e;
        while (mqtt_codec_sub_next(&it, &e)) {
            CHECK(e.qos < 3 && e.retain_handling < 3);
            CHECK(utf8_is_valid_mqtt(e.filter.p, e.filter.len));
            n++;
        }
    } else {
        struct mqtt_bytes f;
        while (mqtt_codec_unsub_next(&it, &f))
            n++;
    }
    CHECK(n == s->count && n > 0);
}

/* The main property block of a decoded packet (CONNECT's will properties aside). */
static const struct mqtt_props *packet_props(const struct mqtt_packet *pkt)
{
    switch (pkt->type) {
    case MQTT_PKT_CONNECT:
        return &pkt->u.connect.props;
    case MQTT_PKT_CONNACK:
        return &pkt->u.connack.props;
    case MQTT_PKT_PUBLISH:
        return &pkt->u.publish.props;
    case MQTT_PKT_SUBSCRIBE:
    case MQTT_PKT_UNSUBSCRIBE:
        return &pkt->u.subscribe.props;
    case MQTT_PKT_SUBACK:
    case MQTT_PKT_UNSUBACK:
        return &pkt->u.suback.props;
    case MQTT_PKT_DISCONNECT:
    case MQTT_PKT_AUTH:
        return &pkt->u.disconnect.props;
    default:
        return &pkt->u.ack.props; /* PUBACK..PUBCOMP; empty for PINGREQ/PINGRESP */
    }
}

/* Walk everything a decoded packet exposes. */
static void walk_packet(const struct mqtt_packet *pkt, uint8_t version)
{
    walk_props(packet_props(pkt));
    if (pkt->type == MQTT_PKT_CONNECT)
        walk_props(&pkt->u.connect.will_props);
    if (pkt->type == MQTT_PKT_PUBLISH)
        CHECK(utf8_is_valid_mqtt(pkt->u.publish.topic.p, pkt->u.publish.topic.len));
    if (pkt->type == MQTT_PKT_SUBSCRIBE || pkt->type == MQTT_PKT_UNSUBSCRIBE)
        walk_entries(pkt, version);
}

/* Encode a decoded packet, decode the result, encode again: both encodings must be equal
 * (the canonical form is a fixed point) and PUBLISH sizes must agree. */
static void check_reencode(const struct mqtt_packet *pkt, uint8_t version)
{
    if (pkt->type == MQTT_PKT_CONNECT)
        version = pkt->u.connect.proto_level;
    struct buf a, b;
    buf_init(&a);
    buf_init(&b);
    int n = mqtt_codec_encode(&a, pkt, version);
    if (n < 0) {
        /* Only 3.1 lets a QoS 0 PUBLISH carry DUP, which the encoder refuses. */
        CHECK(n == ERR_INVAL && pkt->type == MQTT_PKT_PUBLISH && version == MQTT_V31 &&
              pkt->u.publish.dup && pkt->u.publish.qos == 0);
        buf_cleanup(&a);
        return;
    }
    CHECK((size_t)n == buf_size(&a));
    if (pkt->type == MQTT_PKT_PUBLISH)
        CHECK(mqtt_codec_publish_size(&pkt->u.publish, version) == (size_t)n);
    struct mqtt_header h;
    struct mqtt_packet again;
    CHECK(mqtt_codec_decode_header(buf_head(&a), buf_size(&a), &h) == 0);
    CHECK(h.hdr_len + h.remaining == buf_size(&a));
    CHECK(mqtt_codec_decode(&h, buf_head(&a) + h.hdr_len, version, &again, NULL) == 0);
    CHECK(mqtt_codec_encode(&b, &again, version) == n);
    CHECK(memcmp(buf_head(&a), buf_head(&b), (size_t)n) == 0);
    buf_cleanup(&a);
    buf_cleanup(&b);
}

/* Decode a stream of packets from data for one protocol level. */
static void run_stream(const uint8_t *data, size_t size, uint8_t version)
{
    size_t off = 0;
    while (off < size) {
        struct mqtt_header h;
        if (mqtt_codec_decode_header(data + off, size - off, &h) < 0)
            return;
        if (h.remaining > size - off - h.hdr_len)
            return;
        /* An exact-size copy, so ASan catches any read past the body. */
        uint8_t *body = malloc(h.remaining ? h.remaining : 1);
        CHECK(body != NULL);
        memcpy(body, data + off + h.hdr_len, h.remaining);
        struct mqtt_packet pkt;
        struct err_detail d;
        int rc = mqtt_codec_decode(&h, body, version, &pkt, &d);
        CHECK(rc == 0 || rc == ERR_MALFORMED || rc == ERR_NOTSUP);
        CHECK(rc == 0 || d.msg[0] != '\0');
        if (rc == 0) {
            walk_packet(&pkt, version);
            check_reencode(&pkt, version);
        }
        free(body);
        off += h.hdr_len + h.remaining;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CHECK(utf8_is_valid_mqtt(data, size) == ref_utf8(data, size));
    const uint8_t *nul = memchr(data, 0, size);
    if (nul)
        check_topic((const char *)data, (size_t)(nul - data), (const char *)nul + 1,
                    size - (size_t)(nul - data) - 1);
    for (uint8_t v = MQTT_V31; v <= MQTT_V5; v++)
        run_stream(data, size, v);
    return 0;
}

#define S(s)             \
    {                    \
        s, sizeof(s) - 1 \
    }

/* Valid packets of every type and level, the starting points for mutation. */
const struct fuzz_seed fuzz_seeds[] = {
    S("\x10\x1a\x00\x04MQTT\x04\xee\x00\x3c\x00\x02"
      "c1\x00\x01w\x00\x01m\x00\x01u\x00\x01p"),
    S("\x10\x13\x00\x06MQIsdp\x03\xc2\x00\x3c\x00\x00\x00\x01u\x00\x00"),
    S("\x10\x18\x00\x04MQTT\x05\x06\x00\x3c\x00\x00\x00\x05\x18\x00\x00\x00\x05\x00\x01t"
      "\x00\x00"),
    S("\x10\x12\x00\x04MQTT\x05\x02\x00\x3c\x05\x11\x00\x00\x00\x0a\x00\x00"),
    S("\x20\x02\x01\x00"),
    S("\x20\x07\x01\x00\x04\x24\x01\x25\x00"),
    S("\x32\x07\x00\x01t\x00\x01"
      "ab"),
    S("\x30\x0b\x00\x01t\x07\x26\x00\x01k\x00\x01v"),
    S("\x34\x0e\x00\x03"
      "a/b\x00\x02\x06\x0b\x80\x01\x23\x00\x01"),
    S("\x40\x02\x00\x01"),
    S("\x50\x08\x00\x01\x10\x04\x1f\x00\x01x"),
    S("\x62\x02\x00\x01"),
    S("\x70\x03\x00\x01\x92"),
    S("\x82\x0a\x00\x01\x00\x01"
      "a\x01\x00\x01"
      "b\x02"),
    S("\x82\x0d\x00\x01\x02\x0b\x07\x00\x05"
      "a/+/#\x2e"),
    S("\xa2\x08\x00\x01\x00\x01"
      "a\x00\x01"
      "b"),
    S("\xa2\x06\x00\x01\x00\x00\x01"
      "a"),
    S("\x90\x05\x00\x01\x00\x01\x80"),
    S("\xb0\x02\x00\x01"),
    S("\xb0\x04\x00\x01\x00\x11"),
    S("\xc0\x00\xd0\x00\xe0\x00"),
    S("\xe0\x02\x04\x00"),
    S("\xf0\x07\x18\x05\x15\x00\x02"
      "ab"),
    S("sport/+/#\0sport/tennis/x"),
    S("+/+\0/"),
    S("$share/g/a/#\0$SYS/a"),
    S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf"),
};
const size_t fuzz_nseeds = sizeof fuzz_seeds / sizeof fuzz_seeds[0];
