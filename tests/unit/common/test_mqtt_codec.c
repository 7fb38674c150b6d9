/* SPDX-License-Identifier: MIT */
/* Unit tests for common/mqtt_codec: byte-vector tables (valid, boundary, malformed) for
 * every packet type and protocol level, round trips, truncation sweeps and properties. */
#include "common/mqtt_codec.h"

#include "tests/assert.h"

/* A decoded packet together with the heap copy of its body it points into. The body is
 * copied to an exact-size allocation so ASan sees any read past its end. */
struct dec {
    uint8_t *body;
    struct mqtt_header h;
    struct mqtt_packet pkt;
    struct err_detail d;
    int rc;
};

static void dec_run(struct dec *x, const void *bytes, size_t len, uint8_t version)
{
    memset(x, 0, sizeof *x);
    int rc = mqtt_codec_decode_header(bytes, len, &x->h);
    if (rc < 0) {
        x->rc = rc;
        return;
    }
    if ((size_t)x->h.hdr_len + x->h.remaining != len)
        TEST_FAIL_("vector length %zu != header %u + remaining %u", len, x->h.hdr_len,
                   (unsigned)x->h.remaining);
    x->body = x->h.remaining ? malloc(x->h.remaining) : NULL;
    if (x->h.remaining)
        memcpy(x->body, (const uint8_t *)bytes + x->h.hdr_len, x->h.remaining);
    x->rc = mqtt_codec_decode(&x->h, x->body, version, &x->pkt, &x->d);
}

static void dec_free(struct dec *x)
{
    free(x->body);
    x->body = NULL;
}

struct vec {
    const char *name;
    uint8_t version;
    int rc;
    const char *bytes;
    size_t len;
    bool noncanon; /* valid, but re-encoding yields the canonical form instead */
};

#define V(name, ver, rc, s)                    \
    {                                          \
        name, ver, rc, s, sizeof(s) - 1, false \
    }
#define VN(name, ver, rc, s)                  \
    {                                         \
        name, ver, rc, s, sizeof(s) - 1, true \
    }
#define OK 0
#define BAD ERR_MALFORMED

static const struct vec vecs[] = {
    /* CONNECT */
    V("connect 3.1.1 minimal", 4, OK, "\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00"),
    V("connect 3.1 minimal", 3, OK, "\x10\x0e\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x00"),
    V("connect 3.1.1 full", 4, OK,
      "\x10\x1a\x00\x04MQTT\x04\xee\x00\x3c\x00\x02"
      "c1\x00\x01w\x00\x01m\x00\x01u\x00\x01p"),
    VN("connect 3.1 password flag, no password", 3, OK,
       "\x10\x11\x00\x06MQIsdp\x03\xc2\x00\x3c\x00\x00\x00\x01u"),
    V("connect 3.1.1 password flag, no password", 4, BAD,
      "\x10\x0f\x00\x04MQTT\x04\xc2\x00\x3c\x00\x00\x00\x01u"),
    V("connect binary password", 4, OK,
      "\x10\x13\x00\x04MQTT\x04\xc2\x00\x3c\x00\x00\x00\x01u\x00\x02\x00\xff"),
    V("connect binary will payload", 4, OK,
      "\x10\x13\x00\x04MQTT\x04\x06\x00\x3c\x00\x00\x00\x01t\x00\x02\x00\xff"),
    V("connect header flags", 4, BAD, "\x11\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00"),
    V("connect reserved flag", 4, BAD, "\x10\x0c\x00\x04MQTT\x04\x03\x00\x3c\x00\x00"),
    V("connect will QoS 3", 4, BAD, "\x10\x0c\x00\x04MQTT\x04\x1e\x00\x3c\x00\x00"),
    V("connect will QoS w/o will", 4, BAD, "\x10\x0c\x00\x04MQTT\x04\x0a\x00\x3c\x00\x00"),
    V("connect will retain w/o will", 4, BAD, "\x10\x0c\x00\x04MQTT\x04\x22\x00\x3c\x00\x00"),
    V("connect password w/o username", 4, BAD,
      "\x10\x0f\x00\x04MQTT\x04\x42\x00\x3c\x00\x00\x00\x01p"),
    V("connect 3.1 password w/o username", 3, BAD,
      "\x10\x11\x00\x06MQIsdp\x03\x42\x00\x3c\x00\x00\x00\x01p"),
    V("connect leftover byte", 4, BAD, "\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x00\x00"),
    V("connect client id not UTF-8", 4, BAD, "\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01\xff"),
    V("connect client id with U+0000", 4, BAD, "\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01\x00"),
    V("connect will topic not UTF-8", 4, BAD,
      "\x10\x11\x00\x04MQTT\x04\x06\x00\x3c\x00\x00\x00\x01\xc0\x00\x00"),
    V("connect username not UTF-8", 4, BAD,
      "\x10\x0f\x00\x04MQTT\x04\x82\x00\x3c\x00\x00\x00\x01\xed"),
    V("connect username truncated", 4, BAD,
      "\x10\x0f\x00\x04MQTT\x04\x82\x00\x3c\x00\x00\x00\x05u"),
    V("connect missing will", 4, BAD, "\x10\x0c\x00\x04MQTT\x04\x06\x00\x3c\x00\x00"),
    V("connect empty body", 4, BAD, "\x10\x00"),
    V("connect name truncated", 4, BAD, "\x10\x02\x00\x04"),
    V("connect level missing", 4, BAD, "\x10\x06\x00\x04MQTT"),
    V("connect name MQTX", 4, ERR_NOTSUP, "\x10\x0c\x00\x04MQTX\x04\x02\x00\x3c\x00\x00"),
    V("connect MQTT level 3", 4, ERR_NOTSUP, "\x10\x0c\x00\x04MQTT\x03\x02\x00\x3c\x00\x00"),
    V("connect MQTT level 6", 4, ERR_NOTSUP, "\x10\x0c\x00\x04MQTT\x06\x02\x00\x3c\x00\x00"),
    V("connect MQIsdp level 4", 4, ERR_NOTSUP, "\x10\x0e\x00\x06MQIsdp\x04\x02\x00\x3c\x00\x00"),
    V("connect MQTT level 6, bad flags still NOTSUP", 4, ERR_NOTSUP,
      "\x10\x0c\x00\x04MQTT\x06\xff\x00\x3c\x00\x00"),
    V("connect 5 minimal", 5, OK, "\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00"),
    V("connect 5 session expiry", 5, OK,
      "\x10\x12\x00\x04MQTT\x05\x02\x00\x3c\x05\x11\x00\x00\x00\x0a\x00\x00"),
    V("connect 5 unknown property", 5, BAD,
      "\x10\x0f\x00\x04MQTT\x05\x02\x00\x3c\x02\x05\x00\x00\x00"),
    V("connect 5 property truncated", 5, BAD,
      "\x10\x10\x00\x04MQTT\x05\x02\x00\x3c\x03\x11\x00\x00\x00\x00"),
    V("connect 5 props longer than packet", 5, BAD,
      "\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x7f\x00\x00"),
    V("connect 5 props missing", 5, BAD, "\x10\x0c\x00\x04MQTT\x05\x02\x00\x3c\x00\x00"),
    V("connect 5 password w/o username", 5, OK,
      "\x10\x10\x00\x04MQTT\x05\x42\x00\x3c\x00\x00\x00\x00\x01p"),
    V("connect 5 will with props", 5, OK,
      "\x10\x18\x00\x04MQTT\x05\x06\x00\x3c\x00\x00\x00\x05\x18\x00\x00\x00\x05\x00\x01t"
      "\x00\x00"),
    V("connect 5 bad will props", 5, BAD,
      "\x10\x14\x00\x04MQTT\x05\x06\x00\x3c\x00\x00\x00\x01\x07\x00\x01t\x00\x00"),
    /* CONNACK */
    V("connack", 4, OK, "\x20\x02\x00\x00"),
    V("connack session present", 4, OK, "\x20\x02\x01\x00"),
    V("connack reserved flags", 4, BAD, "\x20\x02\x02\x00"),
    VN("connack 3.1 unused byte", 3, OK, "\x20\x02\x7f\x05"),
    V("connack leftover", 4, BAD, "\x20\x03\x00\x00\x00"),
    V("connack truncated", 4, BAD, "\x20\x01\x00"),
    V("connack header flags", 4, BAD, "\x21\x02\x00\x00"),
    V("connack 5", 5, OK, "\x20\x03\x00\x00\x00"),
    V("connack 5 with props", 5, OK, "\x20\x07\x01\x00\x04\x24\x01\x25\x00"),
    V("connack 5 props missing", 5, BAD, "\x20\x02\x00\x00"),
    /* PUBLISH */
    V("publish qos0", 4, OK, "\x30\x05\x00\x01tab"),
    V("publish qos0 empty payload", 4, OK, "\x30\x03\x00\x01t"),
    V("publish qos1", 4, OK,
      "\x32\x07\x00\x01t\x00\x01"
      "ab"),
    V("publish qos2 dup retain", 4, OK, "\x3d\x05\x00\x01t\x00\x01"),
    V("publish wildcard topic (broker's job)", 4, OK, "\x30\x03\x00\x01#"),
    V("publish empty topic (broker's job)", 4, OK, "\x30\x02\x00\x00"),
    V("publish qos1 id 0", 4, BAD, "\x32\x05\x00\x01t\x00\x00"),
    V("publish qos1 id missing", 4, BAD, "\x32\x03\x00\x01t"),
    V("publish qos3", 4, BAD, "\x36\x05\x00\x01t\x00\x01"),
    V("publish qos0 dup", 4, BAD, "\x38\x03\x00\x01t"),
    V("publish 5 qos0 dup", 5, BAD, "\x38\x04\x00\x01t\x00"),
    VN("publish 3.1 qos0 dup", 3, OK, "\x38\x03\x00\x01t"),
    V("publish topic truncated", 4, BAD, "\x30\x02\x00\x05"),
    V("publish topic not UTF-8", 4, BAD, "\x30\x03\x00\x01\xff"),
    V("publish empty body", 4, BAD, "\x30\x00"),
    V("publish 5", 5, OK, "\x30\x04\x00\x01t\x00"),
    V("publish 5 payload", 5, OK, "\x30\x06\x00\x01t\x00xy"),
    V("publish 5 props", 5, OK, "\x30\x09\x00\x01t\x05\x01\x01\x23\x00\x05"),
    V("publish 5 user property", 5, OK, "\x30\x0b\x00\x01t\x07\x26\x00\x01k\x00\x01v"),
    V("publish 5 user property truncated", 5, BAD, "\x30\x09\x00\x01t\x05\x26\x00\x01k\x00"),
    V("publish 5 subscription id varint", 5, OK, "\x30\x07\x00\x01t\x03\x0b\x80\x01"),
    V("publish 5 subscription id 5-byte varint", 5, BAD,
      "\x30\x0a\x00\x01t\x06\x0b\xff\xff\xff\xff\x7f"),
    V("publish 5 content type not UTF-8", 5, BAD, "\x30\x08\x00\x01t\x04\x03\x00\x01\xff"),
    V("publish 5 props missing", 5, BAD, "\x30\x03\x00\x01t"),
    V("publish 5 props length 5 bytes", 5, BAD, "\x30\x08\x00\x01t\x80\x80\x80\x80\x01"),
    /* PUBACK, PUBREC, PUBREL, PUBCOMP */
    V("puback", 4, OK, "\x40\x02\x00\x01"),
    V("puback 3.1", 3, OK, "\x40\x02\x00\x01"),
    V("puback id 0", 4, BAD, "\x40\x02\x00\x00"),
    V("puback truncated", 4, BAD, "\x40\x01\x00"),
    V("puback empty", 4, BAD, "\x40\x00"),
    V("puback leftover", 4, BAD, "\x40\x03\x00\x01\x00"),
    V("puback header flags", 4, BAD, "\x41\x02\x00\x01"),
    V("puback 5 short", 5, OK, "\x40\x02\x00\x01"),
    V("puback 5 reason", 5, OK, "\x40\x03\x00\x01\x10"),
    VN("puback 5 reason props", 5, OK, "\x40\x04\x00\x01\x10\x00"),
    V("puback 5 reason string", 5, OK, "\x40\x08\x00\x01\x10\x04\x1f\x00\x01x"),
    V("puback 5 leftover", 5, BAD, "\x40\x05\x00\x01\x10\x00\x00"),
    V("pubrec", 4, OK, "\x50\x02\x00\x01"),
    V("pubrec header flags", 4, BAD, "\x52\x02\x00\x01"),
    V("pubrel", 4, OK, "\x62\x02\x00\x01"),
    V("pubrel flags 0", 4, BAD, "\x60\x02\x00\x01"),
    V("pubrel dup 3.1.1", 4, BAD, "\x6a\x02\x00\x01"),
    VN("pubrel dup 3.1", 3, OK, "\x6a\x02\x00\x01"),
    V("pubrel 3.1 flags 0", 3, BAD, "\x60\x02\x00\x01"),
    V("pubrel 5 reason", 5, OK, "\x62\x03\x00\x01\x92"),
    V("pubcomp", 4, OK, "\x70\x02\x00\x01"),
    V("pubcomp leftover", 4, BAD, "\x70\x03\x00\x01\x00"),
    /* SUBSCRIBE */
    V("subscribe", 4, OK,
      "\x82\x06\x00\x01\x00\x01"
      "a\x01"),
    V("subscribe two", 4, OK,
      "\x82\x0a\x00\x01\x00\x01"
      "a\x01\x00\x01"
      "b\x02"),
    V("subscribe empty filter (broker's job)", 4, OK, "\x82\x05\x00\x01\x00\x00\x00"),
    V("subscribe bad filter (broker's job)", 4, OK, "\x82\x07\x00\x01\x00\x02#a\x00"),
    V("subscribe no entries", 4, BAD, "\x82\x02\x00\x01"),
    V("subscribe id 0", 4, BAD,
      "\x82\x06\x00\x00\x00\x01"
      "a\x01"),
    V("subscribe qos3", 4, BAD,
      "\x82\x06\x00\x01\x00\x01"
      "a\x03"),
    V("subscribe reserved bits", 4, BAD,
      "\x82\x06\x00\x01\x00\x01"
      "a\x04"),
    V("subscribe 3.1 reserved bits", 3, BAD,
      "\x82\x06\x00\x01\x00\x01"
      "a\x80"),
    V("subscribe options missing", 4, BAD,
      "\x82\x05\x00\x01\x00\x01"
      "a"),
    V("subscribe filter truncated", 4, BAD,
      "\x82\x05\x00\x01\x00\x03"
      "a"),
    V("subscribe filter not UTF-8", 4, BAD, "\x82\x06\x00\x01\x00\x01\x80\x00"),
    V("subscribe header flags 0", 4, BAD,
      "\x80\x06\x00\x01\x00\x01"
      "a\x01"),
    V("subscribe header flags 3", 4, BAD,
      "\x83\x06\x00\x01\x00\x01"
      "a\x01"),
    VN("subscribe 3.1 dup", 3, OK,
       "\x8a\x06\x00\x01\x00\x01"
       "a\x01"),
    V("subscribe 5", 5, OK,
      "\x82\x07\x00\x01\x00\x00\x01"
      "a\x2e"),
    V("subscribe 5 sub id", 5, OK,
      "\x82\x09\x00\x01\x02\x0b\x07\x00\x01"
      "a\x00"),
    V("subscribe 5 retain handling 3", 5, BAD,
      "\x82\x07\x00\x01\x00\x00\x01"
      "a\x30"),
    V("subscribe 5 reserved bits", 5, BAD,
      "\x82\x07\x00\x01\x00\x00\x01"
      "a\x40"),
    V("subscribe 5 qos3", 5, BAD,
      "\x82\x07\x00\x01\x00\x00\x01"
      "a\x03"),
    V("subscribe 5 no entries", 5, BAD, "\x82\x03\x00\x01\x00"),
    /* UNSUBSCRIBE */
    V("unsubscribe", 4, OK,
      "\xa2\x05\x00\x01\x00\x01"
      "a"),
    V("unsubscribe two", 4, OK,
      "\xa2\x07\x00\x01\x00\x01"
      "a\x00\x00"),
    V("unsubscribe no entries", 4, BAD, "\xa2\x02\x00\x01"),
    V("unsubscribe header flags", 4, BAD,
      "\xa0\x05\x00\x01\x00\x01"
      "a"),
    V("unsubscribe filter truncated", 4, BAD,
      "\xa2\x05\x00\x01\x00\x02"
      "a"),
    V("unsubscribe filter not UTF-8", 4, BAD, "\xa2\x05\x00\x01\x00\x01\xfe"),
    V("unsubscribe 5", 5, OK,
      "\xa2\x06\x00\x01\x00\x00\x01"
      "a"),
    V("unsubscribe 5 props missing", 5, BAD, "\xa2\x02\x00\x01"),
    /* SUBACK, UNSUBACK */
    V("suback", 4, OK, "\x90\x03\x00\x01\x00"),
    V("suback three", 4, OK, "\x90\x05\x00\x01\x00\x01\x80"),
    V("suback bad code", 4, BAD, "\x90\x03\x00\x01\x03"),
    V("suback no codes", 4, BAD, "\x90\x02\x00\x01"),
    V("suback header flags", 4, BAD, "\x92\x03\x00\x01\x00"),
    V("suback 5", 5, OK, "\x90\x04\x00\x01\x00\x87"),
    V("unsuback", 4, OK, "\xb0\x02\x00\x01"),
    V("unsuback leftover", 4, BAD, "\xb0\x03\x00\x01\x00"),
    V("unsuback 5", 5, OK, "\xb0\x04\x00\x01\x00\x11"),
    V("unsuback 5 no codes", 5, BAD, "\xb0\x03\x00\x01\x00"),
    /* PINGREQ, PINGRESP, DISCONNECT, AUTH */
    V("pingreq", 4, OK, "\xc0\x00"),
    V("pingreq 5", 5, OK, "\xc0\x00"),
    V("pingreq body", 4, BAD, "\xc0\x01\x00"),
    V("pingreq header flags", 4, BAD, "\xc1\x00"),
    V("pingresp", 4, OK, "\xd0\x00"),
    V("pingresp body", 5, BAD, "\xd0\x01\x00"),
    V("disconnect", 4, OK, "\xe0\x00"),
    V("disconnect 3.1", 3, OK, "\xe0\x00"),
    V("disconnect body", 4, BAD, "\xe0\x01\x00"),
    V("disconnect header flags", 4, BAD, "\xe2\x00"),
    V("disconnect 5", 5, OK, "\xe0\x00"),
    V("disconnect 5 reason", 5, OK, "\xe0\x01\x04"),
    VN("disconnect 5 reason props", 5, OK, "\xe0\x02\x04\x00"),
    V("disconnect 5 leftover", 5, BAD, "\xe0\x03\x04\x00\x00"),
    V("auth 3.1.1", 4, BAD, "\xf0\x00"),
    V("auth 5", 5, OK, "\xf0\x00"),
    V("auth 5 continue", 5, OK,
      "\xf0\x07\x18\x05\x15\x00\x02"
      "ab"),
    V("auth 5 header flags", 5, BAD, "\xf1\x00"),
};

#define NVECS (sizeof vecs / sizeof vecs[0])

/* Every rejection names the packet in its detail message. */
static void check_detail(const struct vec *v, const struct dec *x)
{
    const char *name = mqtt_codec_type_name(x->h.type);
    if (strncmp(x->d.msg, name, strlen(name)) != 0)
        TEST_FAIL_("%s: detail \"%s\" does not start with %s", v->name, x->d.msg, name);
}

/* Encode a decoded packet again and compare with the vector (canonical vectors only). */
static void check_reencode(const struct vec *v, const struct dec *x)
{
    struct buf b;
    buf_init(&b);
    int n = mqtt_codec_encode(&b, &x->pkt, v->version);
    if (n < 0)
        TEST_FAIL_("%s: re-encode failed: %s", v->name, err_name(n));
    ASSERT_EQ_INT(n, buf_size(&b));
    ASSERT_EQ_MEM(buf_head(&b), buf_size(&b), v->bytes, v->len);
    buf_cleanup(&b);
}

static void test_vectors(void)
{
    for (size_t i = 0; i < NVECS; i++) {
        const struct vec *v = &vecs[i];
        struct dec x;
        dec_run(&x, v->bytes, v->len, v->version);
        if (x.rc != v->rc)
            TEST_FAIL_("%s: got %s, want %s (%s)", v->name, err_name(x.rc), err_name(v->rc),
                       x.d.msg);
        if (x.rc < 0)
            check_detail(v, &x);
        else if (!v->noncanon)
            check_reencode(v, &x);
        dec_free(&x);
    }
}

/* True if the vector may legitimately still decode with one more byte at the end. */
static bool tail_may_grow(const struct vec *v, const struct mqtt_header *h)
{
    if (h->type == MQTT_PKT_PUBLISH)
        return true; /* the payload absorbs it */
    if (v->version != MQTT_V5)
        return false;
    if (h->type == MQTT_PKT_SUBACK || h->type == MQTT_PKT_UNSUBACK)
        return true; /* one more reason code */
    if (h->type >= MQTT_PKT_PUBACK && h->type <= MQTT_PKT_PUBCOMP)
        return h->remaining == 2; /* optional reason code */
    if (h->type == MQTT_PKT_DISCONNECT || h->type == MQTT_PKT_AUTH)
        return h->remaining == 0;
    return false;
}

/* Each valid vector, decoded with its body cut short at every length, never reads out of
 * bounds (ASan) and, with one extra trailing byte, is rejected unless the format allows
 * a longer tail. */
static void test_vectors_truncated_and_extended(void)
{
    for (size_t i = 0; i < NVECS; i++) {
        const struct vec *v = &vecs[i];
        struct mqtt_header h;
        if (v->rc != 0 || mqtt_codec_decode_header((const uint8_t *)v->bytes, v->len, &h) < 0)
            continue;
        const uint8_t *body = (const uint8_t *)v->bytes + h.hdr_len;
        for (uint32_t k = 0; k <= h.remaining + 1; k++) {
            uint8_t *copy = malloc(k ? k : 1);
            memcpy(copy, body, k <= h.remaining ? k : h.remaining);
            if (k > h.remaining)
                copy[k - 1] = 0xFF;
            struct mqtt_header hk = h;
            hk.remaining = k;
            struct mqtt_packet pkt;
            int rc = mqtt_codec_decode(&hk, copy, v->version, &pkt, NULL);
            if (k > h.remaining && !tail_may_grow(v, &h) && rc == 0)
                TEST_FAIL_("%s: accepted with an extra byte", v->name);
            free(copy);
        }
    }
}

/* Fixed header: incomplete varints wait, a fifth byte is malformed, type 0 is reserved. */
static void test_header(void)
{
    struct mqtt_header h;
    ASSERT_EQ_INT(mqtt_codec_decode_header(NULL, 0, &h), ERR_AGAIN);
    ASSERT_EQ_INT(mqtt_codec_decode_header((const uint8_t *)"\x30", 1, &h), ERR_AGAIN);
    ASSERT_EQ_INT(mqtt_codec_decode_header((const uint8_t *)"\x30\x80", 2, &h), ERR_AGAIN);
    ASSERT_EQ_INT(mqtt_codec_decode_header((const uint8_t *)"\x30\x80\x80\x80", 4, &h), ERR_AGAIN);
    ASSERT_EQ_INT(mqtt_codec_decode_header((const uint8_t *)"\x30\xff\xff\xff\xff", 5, &h),
                  ERR_MALFORMED);
    ASSERT_EQ_INT(mqtt_codec_decode_header((const uint8_t *)"\x30\x80\x80\x80\x80\x01", 6, &h),
                  ERR_MALFORMED);
    ASSERT_EQ_INT(mqtt_codec_decode_header((const uint8_t *)"\x00\x00", 2, &h), ERR_MALFORMED);
    ASSERT_EQ_INT(mqtt_codec_decode_header((const uint8_t *)"\x0f\x00", 2, &h), ERR_MALFORMED);
    ASSERT_EQ_INT(mqtt_codec_decode_header((const uint8_t *)"\x3b\xff\xff\xff\x7f", 5, &h), 0);
    ASSERT_EQ_INT(h.type, MQTT_PKT_PUBLISH);
    ASSERT_EQ_INT(h.flags, 0x0b);
    ASSERT_EQ_INT(h.hdr_len, 5);
    ASSERT_EQ_INT(h.remaining, MQTT_MAX_REMAINING);
    /* Non-minimal encodings are accepted (the contract only bounds the byte count). */
    ASSERT_EQ_INT(mqtt_codec_decode_header((const uint8_t *)"\xc0\x80\x00", 3, &h), 0);
    ASSERT_EQ_INT(h.remaining, 0);
    ASSERT_EQ_INT(h.hdr_len, 3);
    /* Bytes after the header are not looked at. */
    ASSERT_EQ_INT(mqtt_codec_decode_header((const uint8_t *)"\xe0\x00\xff", 3, &h), 0);
    ASSERT_EQ_INT(h.hdr_len, 2);
}

static const uint32_t boundaries[] = {0, 127, 128, 16383, 16384, 2097151, 2097152, 268435455};

static void test_varint_boundaries(void)
{
    static const uint8_t sizes[] = {1, 1, 2, 2, 3, 3, 4, 4};
    for (size_t i = 0; i < sizeof boundaries / sizeof boundaries[0]; i++) {
        struct buf b;
        buf_init(&b);
        buf_put_u8(&b, 0x30);
        mqtt_codec_put_varint(&b, boundaries[i]);
        ASSERT_EQ_INT(buf_size(&b) - 1, sizes[i]);
        ASSERT_EQ_INT(mqtt_codec_varint_size(boundaries[i]), sizes[i]);
        struct mqtt_header h;
        ASSERT_EQ_INT(mqtt_codec_decode_header(buf_head(&b), buf_size(&b), &h), 0);
        ASSERT_EQ_INT(h.remaining, boundaries[i]);
        ASSERT_EQ_INT(h.hdr_len, 1 + sizes[i]);
        /* Every proper prefix asks for more. */
        for (size_t k = 0; k < buf_size(&b); k++)
            ASSERT_EQ_INT(mqtt_codec_decode_header(buf_head(&b), k, &h), ERR_AGAIN);
        buf_cleanup(&b);
    }
}

/* A QoS 0 PUBLISH "t" whose remaining length is exactly rl (rl >= 3). */
static struct mqtt_publish publish_with_rl(uint32_t rl, const uint8_t *payload)
{
    struct mqtt_publish p = {0};
    p.topic = (struct mqtt_bytes){(const uint8_t *)"t", 1};
    p.payload = payload;
    p.payload_len = rl - 3;
    return p;
}

/* Encode and decode PUBLISH packets at every remaining-length boundary up to 2097152;
 * the largest sizes are checked by size only, which never touches the payload. */
static void test_remaining_length_boundaries(void)
{
    uint8_t *payload = calloc(1, 2097152);
    for (size_t i = 1; i < sizeof boundaries / sizeof boundaries[0] - 1; i++) {
        uint32_t rl = boundaries[i];
        struct mqtt_packet pkt = {.type = MQTT_PKT_PUBLISH};
        pkt.u.publish = publish_with_rl(rl, payload);
        struct buf b;
        buf_init(&b);
        int n = mqtt_codec_encode(&b, &pkt, MQTT_V311);
        ASSERT_EQ_INT(n, 1 + mqtt_codec_varint_size(rl) + rl);
        ASSERT_EQ_INT(mqtt_codec_publish_size(&pkt.u.publish, MQTT_V311), n);
        struct dec x;
        dec_run(&x, buf_head(&b), buf_size(&b), MQTT_V311);
        ASSERT_EQ_INT(x.rc, 0);
        ASSERT_EQ_INT(x.h.remaining, rl);
        ASSERT_EQ_INT(x.pkt.u.publish.payload_len, rl - 3);
        dec_free(&x);
        buf_cleanup(&b);
    }
    struct mqtt_publish big = publish_with_rl(MQTT_MAX_REMAINING, payload);
    ASSERT_EQ_INT(mqtt_codec_publish_size(&big, MQTT_V311), 5 + MQTT_MAX_REMAINING);
    big.payload_len++;
    ASSERT_EQ_INT(mqtt_codec_publish_size(&big, MQTT_V311), 0);
    struct mqtt_packet pkt = {.type = MQTT_PKT_PUBLISH, .u.publish = big};
    struct buf b;
    buf_init(&b);
    ASSERT_EQ_INT(mqtt_codec_encode(&b, &pkt, MQTT_V311), ERR_TOOBIG);
    ASSERT_EQ_INT(buf_size(&b), 0);
    /* Remaining length 0. */
    pkt = (struct mqtt_packet){.type = MQTT_PKT_PINGRESP};
    ASSERT_EQ_INT(mqtt_codec_encode(&b, &pkt, MQTT_V311), 2);
    ASSERT_EQ_MEM(buf_head(&b), buf_size(&b), "\xd0\x00", 2);
    buf_cleanup(&b);
    free(payload);
}

#define BYTES(s) ((struct mqtt_bytes){(const uint8_t *)(s), (uint16_t)(sizeof(s) - 1)})
#define PROPS(s) ((struct mqtt_props){(const uint8_t *)(s), (uint32_t)(sizeof(s) - 1)})

/* Encode *p, decode it into *x (caller frees with dec_free), and check that encoding the
 * decoded packet gives the same bytes. */
static void roundtrip(const struct mqtt_packet *p, uint8_t version, struct dec *x)
{
    struct buf b, b2;
    buf_init(&b);
    buf_init(&b2);
    int n = mqtt_codec_encode(&b, p, version);
    if (n <= 0)
        TEST_FAIL_("encode %s v%u: %s", mqtt_codec_type_name(p->type), version, err_name(n));
    if (p->type == MQTT_PKT_PUBLISH)
        ASSERT_EQ_INT(mqtt_codec_publish_size(&p->u.publish, version), n);
    dec_run(x, buf_head(&b), buf_size(&b), version);
    if (x->rc != 0)
        TEST_FAIL_("decode %s v%u: %s", mqtt_codec_type_name(p->type), version, x->d.msg);
    ASSERT_EQ_INT(x->pkt.type, p->type);
    ASSERT_EQ_INT(mqtt_codec_encode(&b2, &x->pkt, version), n);
    ASSERT_EQ_MEM(buf_head(&b2), buf_size(&b2), buf_head(&b), buf_size(&b));
    buf_cleanup(&b);
    buf_cleanup(&b2);
}

static struct mqtt_connect sample_connect(uint8_t version)
{
    struct mqtt_connect c = {0};
    c.clean_start = true;
    c.keepalive = 600;
    c.client_id = BYTES("client-\xc3\xa9");
    c.will_flag = true;
    c.will_qos = 2;
    c.will_retain = true;
    c.will_topic = BYTES("will/topic");
    c.will_payload = BYTES("\x00\x01\xff");
    c.has_username = true;
    c.username = BYTES("user");
    c.has_password = true;
    c.password = BYTES("\xff\x00pw");
    if (version == MQTT_V5) {
        c.props = PROPS("\x11\x00\x00\x00\x3c\x21\x00\x0a");
        c.will_props = PROPS("\x18\x00\x00\x00\x05\x01\x01");
    }
    return c;
}

static void roundtrip_connect(uint8_t version)
{
    struct mqtt_packet p = {.type = MQTT_PKT_CONNECT, .u.connect = sample_connect(version)};
    struct dec x;
    roundtrip(&p, version, &x);
    const struct mqtt_connect *c = &x.pkt.u.connect;
    ASSERT_EQ_INT(c->proto_level, version);
    ASSERT_EQ_MEM(c->proto_name.p, c->proto_name.len, version == 3 ? "MQIsdp" : "MQTT",
                  version == 3 ? 6 : 4);
    ASSERT_TRUE(c->clean_start && c->will_flag && c->will_retain);
    ASSERT_EQ_INT(c->will_qos, 2);
    ASSERT_EQ_INT(c->keepalive, 600);
    ASSERT_EQ_MEM(c->client_id.p, c->client_id.len, "client-\xc3\xa9", 9);
    ASSERT_EQ_MEM(c->will_payload.p, c->will_payload.len, "\x00\x01\xff", 3);
    ASSERT_EQ_MEM(c->password.p, c->password.len, "\xff\x00pw", 4);
    ASSERT_EQ_INT(c->props.len, version == 5 ? 8 : 0);
    ASSERT_EQ_INT(c->will_props.len, version == 5 ? 7 : 0);
    dec_free(&x);
}

static void roundtrip_publish(uint8_t version)
{
    struct mqtt_packet p = {.type = MQTT_PKT_PUBLISH};
    for (uint8_t qos = 0; qos <= 2; qos++) {
        p.u.publish = (struct mqtt_publish){.qos = qos,
                                            .retain = qos == 1,
                                            .dup = qos == 2,
                                            .topic = BYTES("a/b"),
                                            .packet_id = qos ? 7 : 0,
                                            .payload = (const uint8_t *)"xyz",
                                            .payload_len = 3};
        if (version == MQTT_V5)
            p.u.publish.props = PROPS("\x02\x00\x00\x00\x10\x23\x00\x01");
        struct dec x;
        roundtrip(&p, version, &x);
        const struct mqtt_publish *q = &x.pkt.u.publish;
        ASSERT_EQ_INT(q->qos, qos);
        ASSERT_EQ_INT(q->retain, qos == 1);
        ASSERT_EQ_INT(q->dup, qos == 2);
        ASSERT_EQ_INT(q->packet_id, qos ? 7 : 0);
        ASSERT_EQ_MEM(q->topic.p, q->topic.len, "a/b", 3);
        ASSERT_EQ_MEM(q->payload, q->payload_len, "xyz", 3);
        dec_free(&x);
    }
}

static void roundtrip_acks(uint8_t version)
{
    for (uint8_t t = MQTT_PKT_PUBACK; t <= MQTT_PKT_PUBCOMP; t++) {
        for (int variant = 0; variant < 3; variant++) {
            struct mqtt_packet p = {.type = t, .u.ack = {.packet_id = 0xBEEF}};
            if (version == MQTT_V5 && variant > 0)
                p.u.ack.reason = 0x10;
            if (version == MQTT_V5 && variant > 1)
                p.u.ack.props = PROPS("\x1f\x00\x02no");
            struct dec x;
            roundtrip(&p, version, &x);
            ASSERT_EQ_INT(x.pkt.u.ack.packet_id, 0xBEEF);
            ASSERT_EQ_INT(x.pkt.u.ack.reason, p.u.ack.reason);
            ASSERT_EQ_INT(x.pkt.u.ack.props.len, p.u.ack.props.len);
            dec_free(&x);
        }
    }
}

/* SUBSCRIBE built with put_sub_entry, walked back with the iterator. */
static void roundtrip_subscribe(uint8_t version)
{
    struct buf e;
    buf_init(&e);
    struct mqtt_sub_entry in[3] = {
        {.filter = BYTES("a/+"), .qos = 1},
        {.filter = BYTES("#"), .qos = 2, .no_local = true, .retain_handling = 2},
        {.filter = BYTES(""), .qos = 0, .retain_as_published = true},
    };
    for (int i = 0; i < 3; i++)
        mqtt_codec_put_sub_entry(&e, &in[i], version);
    struct mqtt_packet p = {.type = MQTT_PKT_SUBSCRIBE};
    p.u.subscribe = (struct mqtt_subscribe){
        .packet_id = 9, .entries = buf_head(&e), .entries_len = (uint32_t)buf_size(&e)};
    if (version == MQTT_V5)
        p.u.subscribe.props = PROPS("\x0b\x05");
    struct dec x;
    roundtrip(&p, version, &x);
    ASSERT_EQ_INT(x.pkt.u.subscribe.count, 3);
    ASSERT_EQ_INT(x.pkt.u.subscribe.packet_id, 9);
    struct mqtt_sub_iter it;
    struct mqtt_sub_entry out;
    mqtt_codec_sub_iter_init(&it, &x.pkt.u.subscribe, version);
    for (int i = 0; i < 3; i++) {
        ASSERT_TRUE(mqtt_codec_sub_next(&it, &out));
        ASSERT_EQ_MEM(out.filter.p, out.filter.len, in[i].filter.p, in[i].filter.len);
        ASSERT_EQ_INT(out.qos, in[i].qos);
        ASSERT_EQ_INT(out.no_local, version == 5 && in[i].no_local);
        ASSERT_EQ_INT(out.retain_as_published, version == 5 && in[i].retain_as_published);
        ASSERT_EQ_INT(out.retain_handling, version == 5 ? in[i].retain_handling : 0);
    }
    ASSERT_FALSE(mqtt_codec_sub_next(&it, &out));
    dec_free(&x);
    buf_cleanup(&e);
}

static void roundtrip_unsubscribe(uint8_t version)
{
    struct buf e;
    buf_init(&e);
    mqtt_codec_put_str(&e, "a/#", 3);
    mqtt_codec_put_str(&e, "", 0);
    struct mqtt_packet p = {.type = MQTT_PKT_UNSUBSCRIBE};
    p.u.subscribe = (struct mqtt_subscribe){
        .packet_id = 65535, .entries = buf_head(&e), .entries_len = (uint32_t)buf_size(&e)};
    struct dec x;
    roundtrip(&p, version, &x);
    ASSERT_EQ_INT(x.pkt.u.subscribe.count, 2);
    struct mqtt_sub_iter it;
    struct mqtt_bytes f;
    mqtt_codec_sub_iter_init(&it, &x.pkt.u.subscribe, version);
    ASSERT_TRUE(mqtt_codec_unsub_next(&it, &f));
    ASSERT_EQ_MEM(f.p, f.len, "a/#", 3);
    ASSERT_TRUE(mqtt_codec_unsub_next(&it, &f));
    ASSERT_EQ_INT(f.len, 0);
    ASSERT_FALSE(mqtt_codec_unsub_next(&it, &f));
    dec_free(&x);
    buf_cleanup(&e);
}

static void roundtrip_server_packets(uint8_t version)
{
    static const uint8_t codes[] = {0, 1, 2, 0x80};
    struct mqtt_packet p = {.type = MQTT_PKT_CONNACK,
                            .u.connack = {.session_present = version != 3, .reason = 5}};
    if (version == MQTT_V5)
        p.u.connack.props = PROPS("\x12\x00\x03"
                                  "abc\x24\x01");
    struct dec x;
    roundtrip(&p, version, &x);
    ASSERT_EQ_INT(x.pkt.u.connack.session_present, version != 3);
    ASSERT_EQ_INT(x.pkt.u.connack.reason, 5);
    dec_free(&x);
    p = (struct mqtt_packet){.type = MQTT_PKT_SUBACK,
                             .u.suback = {.packet_id = 3, .codes = codes, .count = 4}};
    roundtrip(&p, version, &x);
    ASSERT_EQ_MEM(x.pkt.u.suback.codes, x.pkt.u.suback.count, codes, 4);
    dec_free(&x);
    p.type = MQTT_PKT_UNSUBACK;
    p.u.suback.count = version == 5 ? 1 : 0;
    roundtrip(&p, version, &x);
    ASSERT_EQ_INT(x.pkt.u.suback.count, p.u.suback.count);
    dec_free(&x);
}

static void roundtrip_small(uint8_t version)
{
    static const uint8_t types[] = {MQTT_PKT_PINGREQ, MQTT_PKT_PINGRESP, MQTT_PKT_DISCONNECT};
    struct dec x;
    for (size_t i = 0; i < sizeof types; i++) {
        struct mqtt_packet p = {.type = types[i]};
        roundtrip(&p, version, &x);
        ASSERT_EQ_INT(x.h.remaining, 0);
        dec_free(&x);
    }
    if (version != MQTT_V5)
        return;
    struct mqtt_packet p = {.type = MQTT_PKT_DISCONNECT, .u.disconnect = {.reason = 0x8e}};
    roundtrip(&p, version, &x);
    ASSERT_EQ_INT(x.pkt.u.disconnect.reason, 0x8e);
    dec_free(&x);
    p.u.disconnect.props = PROPS("\x11\x00\x00\x00\x00");
    roundtrip(&p, version, &x);
    ASSERT_EQ_INT(x.pkt.u.disconnect.props.len, 5);
    dec_free(&x);
    p.type = MQTT_PKT_AUTH;
    p.u.disconnect = (struct mqtt_disconnect){.reason = 0x18, .props = PROPS("\x15\x00\x01m")};
    roundtrip(&p, version, &x);
    ASSERT_EQ_INT(x.pkt.u.disconnect.reason, 0x18);
    dec_free(&x);
}

static void test_roundtrip_all_types(void)
{
    for (uint8_t v = MQTT_V31; v <= MQTT_V5; v++) {
        roundtrip_connect(v);
        roundtrip_publish(v);
        roundtrip_acks(v);
        roundtrip_subscribe(v);
        roundtrip_unsubscribe(v);
        roundtrip_server_packets(v);
        roundtrip_small(v);
    }
}

/* A complete sample CONNECT cut at every offset: the header prefixes ask for more bytes,
 * every shortened body is malformed. */
static void truncate_connect(uint8_t version)
{
    struct mqtt_packet p = {.type = MQTT_PKT_CONNECT, .u.connect = sample_connect(version)};
    struct buf b;
    buf_init(&b);
    int n = mqtt_codec_encode(&b, &p, version);
    ASSERT_TRUE(n > 0);
    struct mqtt_header h;
    ASSERT_EQ_INT(mqtt_codec_decode_header(buf_head(&b), buf_size(&b), &h), 0);
    for (size_t k = 0; k < h.hdr_len; k++)
        ASSERT_EQ_INT(mqtt_codec_decode_header(buf_head(&b), k, &h), ERR_AGAIN);
    for (uint32_t k = 0; k < h.remaining; k++) {
        struct mqtt_header hk = h;
        hk.remaining = k;
        uint8_t *copy = malloc(k ? k : 1);
        memcpy(copy, buf_head(&b) + h.hdr_len, k);
        struct mqtt_packet out;
        struct err_detail d;
        int rc = mqtt_codec_decode(&hk, copy, version, &out, &d);
        if (version == MQTT_V31 && k == h.remaining - 6) {
            /* 3.1 tolerates a password flag without a password (6 bytes here). */
            ASSERT_EQ_INT(rc, 0);
            ASSERT_FALSE(out.u.connect.has_password);
            free(copy);
            continue;
        }
        if (rc != ERR_MALFORMED)
            TEST_FAIL_("v%u CONNECT cut at %u: %s", version, (unsigned)k, err_name(rc));
        ASSERT_TRUE(strncmp(d.msg, "CONNECT: ", 9) == 0);
        free(copy);
    }
    buf_cleanup(&b);
}

static void test_truncated_connect(void)
{
    for (uint8_t v = MQTT_V31; v <= MQTT_V5; v++)
        truncate_connect(v);
}

/* The decoder reports what the broker needs for its answers. */
static void test_decoded_details(void)
{
    struct dec x;
    dec_run(&x, "\x10\x0c\x00\x04MQTT\x06\x02\x00\x3c\x00\x00", 14, MQTT_V311);
    ASSERT_EQ_INT(x.rc, ERR_NOTSUP);
    ASSERT_EQ_INT(x.pkt.u.connect.proto_level, 6);
    ASSERT_EQ_MEM(x.pkt.u.connect.proto_name.p, x.pkt.u.connect.proto_name.len, "MQTT", 4);
    ASSERT_EQ_STR(x.d.msg, "CONNECT: unsupported protocol \"MQTT\" level 6");
    dec_free(&x);
    dec_run(&x, "\x10\x0c\x00\x04MQ\nT\x04\x02\x00\x3c\x00\x00", 14, MQTT_V311);
    ASSERT_EQ_STR(x.d.msg, "CONNECT: unsupported protocol \"MQ?T\" level 4"); /* log-safe */
    dec_free(&x);
    dec_run(&x, "\x10\x0c\x00\x04MQTT\x04\x03\x00\x3c\x00\x00", 14, MQTT_V311);
    ASSERT_EQ_STR(x.d.msg, "CONNECT: reserved flag set");
    dec_free(&x);
    dec_run(&x, "\x32\x05\x00\x01t\x00\x00", 7, MQTT_V311);
    ASSERT_EQ_STR(x.d.msg, "PUBLISH: packet identifier is 0");
    dec_free(&x);
    dec_run(&x,
            "\x80\x06\x00\x01\x00\x01"
            "a\x01",
            8, MQTT_V311);
    ASSERT_EQ_STR(x.d.msg, "SUBSCRIBE: invalid fixed-header flags");
    dec_free(&x);
    /* A NULL detail is fine, and so is a NULL body with remaining 0. */
    struct mqtt_header h = {.type = MQTT_PKT_PINGREQ, .hdr_len = 2};
    struct mqtt_packet pkt;
    ASSERT_EQ_INT(mqtt_codec_decode(&h, NULL, MQTT_V311, &pkt, NULL), 0);
    h.type = MQTT_PKT_CONNECT;
    ASSERT_EQ_INT(mqtt_codec_decode(&h, NULL, MQTT_V311, &pkt, NULL), ERR_MALFORMED);
    h.type = MQTT_PKT_PINGREQ;
    ASSERT_EQ_INT(mqtt_codec_decode(&h, NULL, 6, &pkt, NULL), ERR_INVAL);
}

static void expect_inval(const struct mqtt_packet *p, uint8_t version)
{
    struct buf b;
    buf_init(&b);
    int rc = mqtt_codec_encode(&b, p, version);
    if (rc != ERR_INVAL)
        TEST_FAIL_("%s v%u: got %s, want ERR_INVAL", mqtt_codec_type_name(p->type), version,
                   err_name(rc));
    ASSERT_EQ_INT(buf_size(&b), 0);
    buf_cleanup(&b);
}

static void test_encode_invalid(void)
{
    struct mqtt_packet p = {.type = MQTT_PKT_AUTH};
    expect_inval(&p, MQTT_V311);
    p.type = MQTT_PKT_PINGREQ;
    expect_inval(&p, 6);
    expect_inval(&p, 2);
    p.type = 0;
    expect_inval(&p, MQTT_V311);
    p = (struct mqtt_packet){.type = MQTT_PKT_PUBLISH, .u.publish = {.topic = BYTES("t")}};
    p.u.publish.qos = 3;
    p.u.publish.packet_id = 1;
    expect_inval(&p, MQTT_V311);
    p.u.publish.qos = 1;
    p.u.publish.packet_id = 0;
    expect_inval(&p, MQTT_V311);
    p.u.publish.qos = 0;
    p.u.publish.dup = true;
    expect_inval(&p, MQTT_V311);
    ASSERT_EQ_INT(mqtt_codec_publish_size(&p.u.publish, MQTT_V311), 0);
    p.u.publish.dup = false;
    p.u.publish.props = PROPS("\x01\x01");
    expect_inval(&p, MQTT_V311); /* properties below level 5 */
    p = (struct mqtt_packet){.type = MQTT_PKT_PUBACK};
    expect_inval(&p, MQTT_V5); /* packet id 0 */
    p = (struct mqtt_packet){.type = MQTT_PKT_SUBSCRIBE, .u.subscribe = {.packet_id = 1}};
    expect_inval(&p, MQTT_V311); /* no entries */
    p.type = MQTT_PKT_UNSUBSCRIBE;
    expect_inval(&p, MQTT_V5);
    p = (struct mqtt_packet){.type = MQTT_PKT_SUBACK, .u.suback = {.packet_id = 1}};
    expect_inval(&p, MQTT_V311); /* no codes */
    p.type = MQTT_PKT_UNSUBACK;
    expect_inval(&p, MQTT_V5);
    p = (struct mqtt_packet){.type = MQTT_PKT_CONNECT, .u.connect = sample_connect(4)};
    p.u.connect.will_qos = 3;
    expect_inval(&p, MQTT_V311);
    p.u.connect = sample_connect(4);
    p.u.connect.will_flag = false;
    expect_inval(&p, MQTT_V311);
    p.u.connect = sample_connect(4);
    p.u.connect.has_username = false;
    expect_inval(&p, MQTT_V311);
    p = (struct mqtt_packet){.type = MQTT_PKT_DISCONNECT, .u.disconnect.props = PROPS("\x01")};
    expect_inval(&p, MQTT_V311);
}

/* A 3.x broker may ask for a DISCONNECT/ack with a reason: the reason is simply not sent. */
static void test_encode_drops_reason_below_5(void)
{
    struct buf b;
    buf_init(&b);
    struct mqtt_packet p = {.type = MQTT_PKT_DISCONNECT, .u.disconnect.reason = 0x8e};
    ASSERT_EQ_INT(mqtt_codec_encode(&b, &p, MQTT_V311), 2);
    p = (struct mqtt_packet){.type = MQTT_PKT_PUBREL, .u.ack = {.packet_id = 1, .reason = 0x92}};
    ASSERT_EQ_INT(mqtt_codec_encode(&b, &p, MQTT_V311), 4);
    ASSERT_EQ_MEM(buf_head(&b), buf_size(&b), "\xe0\x00\x62\x02\x00\x01", 6);
    buf_cleanup(&b);
}

/* One property of every MQTT 5.0 id with a sample value of its type. */
static const struct mqtt_prop all_props[] = {
    {.id = 0x01, .num = 1},
    {.id = 0x02, .num = 0xFFFFFFFF},
    {.id = 0x03, .str = BYTES("text/plain")},
    {.id = 0x08, .str = BYTES("reply/to")},
    {.id = 0x09, .str = BYTES("\x00\xff")},
    {.id = 0x0B, .num = MQTT_MAX_REMAINING},
    {.id = 0x11, .num = 3600},
    {.id = 0x12, .str = BYTES("auto-1")},
    {.id = 0x13, .num = 30},
    {.id = 0x15, .str = BYTES("SCRAM")},
    {.id = 0x16, .str = BYTES("\x01\x02")},
    {.id = 0x17, .num = 0},
    {.id = 0x18, .num = 10},
    {.id = 0x19, .num = 1},
    {.id = 0x1A, .str = BYTES("info")},
    {.id = 0x1C, .str = BYTES("other:1883")},
    {.id = 0x1F, .str = BYTES("because")},
    {.id = 0x21, .num = 65535},
    {.id = 0x22, .num = 10},
    {.id = 0x23, .num = 1},
    {.id = 0x24, .num = 1},
    {.id = 0x25, .num = 0},
    {.id = 0x26, .str = BYTES("k"), .str2 = BYTES("v")},
    {.id = 0x27, .num = 1048576},
    {.id = 0x28, .num = 1},
    {.id = 0x29, .num = 1},
    {.id = 0x2A, .num = 0},
};

#define NPROPS (sizeof all_props / sizeof all_props[0])

/* Equal views; an empty view may be NULL, which memcmp must not see. */
static void assert_same_bytes(const struct mqtt_bytes *a, const struct mqtt_bytes *b)
{
    ASSERT_EQ_INT(a->len, b->len);
    if (a->len)
        ASSERT_EQ_MEM(a->p, a->len, b->p, b->len);
}

static void test_props_all_ids(void)
{
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < NPROPS; i++)
        ASSERT_EQ_INT(mqtt_props_put(&b, &all_props[i]), 0);
    struct mqtt_props props = {buf_head(&b), (uint32_t)buf_size(&b)};
    uint32_t off = 0;
    struct mqtt_prop got;
    for (size_t i = 0; i < NPROPS; i++) {
        ASSERT_EQ_INT(mqtt_props_next(&props, &off, &got), 1);
        ASSERT_EQ_INT(got.id, all_props[i].id);
        ASSERT_EQ_INT(got.num, all_props[i].num);
        assert_same_bytes(&got.str, &all_props[i].str);
        assert_same_bytes(&got.str2, &all_props[i].str2);
    }
    ASSERT_EQ_INT(mqtt_props_next(&props, &off, &got), 0);
    ASSERT_EQ_INT(off, buf_size(&b));
    /* A PUBLISH carrying the whole block decodes (structure is not judged per type). */
    struct mqtt_packet p = {.type = MQTT_PKT_PUBLISH,
                            .u.publish = {.topic = BYTES("t"), .props = props}};
    struct dec x;
    roundtrip(&p, MQTT_V5, &x);
    ASSERT_EQ_INT(x.pkt.u.publish.props.len, props.len);
    dec_free(&x);
    buf_cleanup(&b);
}

static void test_props_invalid(void)
{
    struct buf b;
    buf_init(&b);
    static const uint32_t unknown[] = {0x00, 0x04, 0x05, 0x0A, 0x10, 0x14,
                                       0x1B, 0x20, 0x2B, 0x7F, 0x80, 300};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        struct mqtt_prop p = {.id = unknown[i]};
        ASSERT_EQ_INT(mqtt_props_put(&b, &p), ERR_INVAL);
    }
    ASSERT_EQ_INT(mqtt_props_put(&b, &(struct mqtt_prop){.id = 0x01, .num = 256}), ERR_INVAL);
    ASSERT_EQ_INT(mqtt_props_put(&b, &(struct mqtt_prop){.id = 0x21, .num = 65536}), ERR_INVAL);
    ASSERT_EQ_INT(mqtt_props_put(&b, &(struct mqtt_prop){.id = 0x0B, .num = 1u << 28}), ERR_INVAL);
    ASSERT_EQ_INT(buf_size(&b), 0);
    buf_cleanup(&b);

    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = {
        {"\x05\x00", 2},                 /* unknown id */
        {"\x02\x00\x00\x00", 4},         /* four-byte value truncated */
        {"\x13\x00", 2},                 /* two-byte value truncated */
        {"\x01", 1},                     /* byte value missing */
        {"\x0b\x80", 2},                 /* varint truncated */
        {"\x0b\x80\x80\x80\x80\x01", 6}, /* varint of five bytes */
        {"\x03\x00\x02"
         "a",
         4},                              /* string truncated */
        {"\x03\x00\x01\xc0", 4},          /* string not UTF-8 */
        {"\x26\x00\x01k", 4},             /* user property without value */
        {"\x26\x00\x01k\x00\x01\x00", 7}, /* user property value with U+0000 */
        {"\x80\x01\x00", 3},              /* two-byte id 128, unknown */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mqtt_props props = {(const uint8_t *)bad[i].bytes, (uint32_t)bad[i].len};
        uint32_t off = 0;
        struct mqtt_prop got;
        if (mqtt_props_next(&props, &off, &got) != ERR_MALFORMED)
            TEST_FAIL_("bad property block %zu accepted", i);
    }
    struct mqtt_props empty = {NULL, 0};
    uint32_t off = 0;
    struct mqtt_prop got;
    ASSERT_EQ_INT(mqtt_props_next(&empty, &off, &got), 0);
    /* Binary data may hold anything. */
    struct mqtt_props bin = {(const uint8_t *)"\x09\x00\x02\x00\xc0", 5};
    ASSERT_EQ_INT(mqtt_props_next(&bin, &off, &got), 1);
}

static void test_type_names(void)
{
    ASSERT_EQ_STR(mqtt_codec_type_name(MQTT_PKT_CONNECT), "CONNECT");
    ASSERT_EQ_STR(mqtt_codec_type_name(MQTT_PKT_UNSUBACK), "UNSUBACK");
    ASSERT_EQ_STR(mqtt_codec_type_name(MQTT_PKT_AUTH), "AUTH");
    ASSERT_EQ_STR(mqtt_codec_type_name(0), "UNKNOWN");
    ASSERT_EQ_STR(mqtt_codec_type_name(16), "UNKNOWN");
}

int main(void)
{
    RUN_TEST(test_vectors);
    RUN_TEST(test_vectors_truncated_and_extended);
    RUN_TEST(test_header);
    RUN_TEST(test_varint_boundaries);
    RUN_TEST(test_remaining_length_boundaries);
    RUN_TEST(test_roundtrip_all_types);
    RUN_TEST(test_truncated_connect);
    RUN_TEST(test_decoded_details);
    RUN_TEST(test_encode_invalid);
    RUN_TEST(test_encode_drops_reason_below_5);
    RUN_TEST(test_props_all_ids);
    RUN_TEST(test_props_invalid);
    RUN_TEST(test_type_names);
    return 0;
}
