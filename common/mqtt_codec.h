/* SPDX-License-Identifier: MIT */
/* MQTT wire codec for protocol levels 3 (3.1), 4 (3.1.1) and 5: fixed header, decoding of
 * every packet type into borrowed views of the input, and encoding into a struct buf.
 *
 * Contract: decoding never allocates; every pointer in a decoded packet points into the
 * caller's input bytes and is valid only while those bytes are. Decoders check structure,
 * lengths, fixed-header flags, reserved bits and UTF-8 (MQTT-1.5.3) and return
 * ERR_MALFORMED or ERR_PROTOCOL with a reason in the optional err_detail; they do not
 * judge topic semantics (wildcards, empty filters): that is common/mqtt_topic's job, so
 * the broker can answer a bad filter with SUBACK 0x80 instead of closing. MQTT 5
 * properties are carried as raw byte ranges (struct mqtt_props) whose outer length has
 * been checked, and are walked with mqtt_props_next(). All functions are pure and
 * thread-safe. */
#ifndef MIDGE_COMMON_MQTT_CODEC_H
#define MIDGE_COMMON_MQTT_CODEC_H

#include "common/buf.h"
#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mqtt_pkt_type {
    MQTT_PKT_CONNECT = 1,
    MQTT_PKT_CONNACK = 2,
    MQTT_PKT_PUBLISH = 3,
    MQTT_PKT_PUBACK = 4,
    MQTT_PKT_PUBREC = 5,
    MQTT_PKT_PUBREL = 6,
    MQTT_PKT_PUBCOMP = 7,
    MQTT_PKT_SUBSCRIBE = 8,
    MQTT_PKT_SUBACK = 9,
    MQTT_PKT_UNSUBSCRIBE = 10,
    MQTT_PKT_UNSUBACK = 11,
    MQTT_PKT_PINGREQ = 12,
    MQTT_PKT_PINGRESP = 13,
    MQTT_PKT_DISCONNECT = 14,
    MQTT_PKT_AUTH = 15, /* MQTT 5 only */
};

enum mqtt_version {
    MQTT_V31 = 3,  /* "MQIsdp" */
    MQTT_V311 = 4, /* "MQTT" */
    MQTT_V5 = 5,
};

/* Largest remaining length the variable-length integer can express. */
#define MQTT_MAX_REMAINING 268435455u

/* CONNACK return codes of 3.1/3.1.1 (MQTT 5 reason codes are a superset kept separately
 * in the broker's single error-to-reason mapping). */
enum mqtt_connack_rc {
    MQTT_CONNACK_ACCEPTED = 0,
    MQTT_CONNACK_BAD_PROTOCOL = 1,
    MQTT_CONNACK_ID_REJECTED = 2,
    MQTT_CONNACK_UNAVAILABLE = 3,
    MQTT_CONNACK_BAD_CREDENTIALS = 4,
    MQTT_CONNACK_NOT_AUTHORISED = 5,
};

/* SUBACK failure code (3.1.1; in 3.1 there is none and the broker closes instead). */
#define MQTT_SUBACK_FAILURE 0x80

/* A length-prefixed string or binary field: borrowed view, NOT NUL-terminated. */
struct mqtt_bytes {
    const uint8_t *p;
    uint16_t len;
};

/* MQTT 5 property block as received (borrowed) or to be sent; len 0 for none and always
 * 0 for levels 3 and 4. */
struct mqtt_props {
    const uint8_t *p;
    uint32_t len;
};

/* Fixed header: type (1..15), the low 4 flag bits, the remaining length and the number of
 * bytes the fixed header itself used (2..5). */
struct mqtt_header {
    uint8_t type;
    uint8_t flags;
    uint8_t hdr_len;
    uint32_t remaining;
};

struct mqtt_connect {
    struct mqtt_bytes proto_name;
    uint8_t proto_level; /* 3, 4 or 5 (others are reported as ERR_NOTSUP, see decode) */
    bool clean_start;
    bool will_flag;
    uint8_t will_qos;
    bool will_retain;
    bool has_username;
    bool has_password;
    uint16_t keepalive;
    struct mqtt_props props;
    struct mqtt_bytes client_id;
    struct mqtt_props will_props;
    struct mqtt_bytes will_topic;
    struct mqtt_bytes will_payload; /* binary */
    struct mqtt_bytes username;
    struct mqtt_bytes password; /* binary */
};

struct mqtt_connack {
    bool session_present;
    uint8_t reason;
    struct mqtt_props props;
};

struct mqtt_publish {
    uint8_t qos;
    bool dup;
    bool retain;
    struct mqtt_bytes topic;
    uint16_t packet_id; /* 0 for QoS 0 */
    struct mqtt_props props;
    const uint8_t *payload;
    uint32_t payload_len;
};

/* PUBACK, PUBREC, PUBREL, PUBCOMP (and UNSUBACK's packet id part in 3.x). */
struct mqtt_ack {
    uint16_t packet_id;
    uint8_t reason; /* MQTT 5; 0 otherwise */
    struct mqtt_props props;
};

/* One entry of a SUBSCRIBE: filter plus the options byte split into its fields. For
 * 3.x only qos is meaningful. */
struct mqtt_sub_entry {
    struct mqtt_bytes filter;
    uint8_t qos;
    bool no_local;
    bool retain_as_published;
    uint8_t retain_handling;
};

/* SUBSCRIBE or UNSUBSCRIBE: the entries are validated by the decoder and walked with
 * mqtt_codec_sub_next()/mqtt_codec_unsub_next(). */
struct mqtt_subscribe {
    uint16_t packet_id;
    struct mqtt_props props;
    const uint8_t *entries;
    uint32_t entries_len;
    uint32_t count;
};

/* SUBACK or UNSUBACK (UNSUBACK codes only in MQTT 5). codes is borrowed. */
struct mqtt_suback {
    uint16_t packet_id;
    struct mqtt_props props;
    const uint8_t *codes;
    uint32_t count;
};

/* DISCONNECT and AUTH (reason and properties only in MQTT 5). */
struct mqtt_disconnect {
    uint8_t reason;
    struct mqtt_props props;
};

/* A decoded or to-be-encoded packet. `type` selects the union member:
 * CONNECT→connect, CONNACK→connack, PUBLISH→publish, PUBACK..PUBCOMP→ack,
 * SUBSCRIBE/UNSUBSCRIBE→subscribe, SUBACK/UNSUBACK→suback, DISCONNECT/AUTH→disconnect,
 * PINGREQ/PINGRESP→none. */
struct mqtt_packet {
    uint8_t type;
    union {
        struct mqtt_connect connect;
        struct mqtt_connack connack;
        struct mqtt_publish publish;
        struct mqtt_ack ack;
        struct mqtt_subscribe subscribe;
        struct mqtt_suback suback;
        struct mqtt_disconnect disconnect;
    } u;
};

/* Cursor over the entries of a decoded SUBSCRIBE/UNSUBSCRIBE. */
struct mqtt_sub_iter {
    const uint8_t *p;
    const uint8_t *end;
    uint8_t version;
};

/* Decode one fixed header from buf (len bytes, borrowed). On success store it in *out and
 * return 0. Return ERR_AGAIN if more bytes are needed, ERR_MALFORMED if the type is 0 or
 * the remaining length uses more than 4 bytes. Flags are not judged here (see
 * mqtt_codec_decode). */
int mqtt_codec_decode_header(const uint8_t *buf, size_t len, struct mqtt_header *out);

/* Decode the body (h->remaining bytes at body, borrowed) of a packet whose fixed header is
 * h, for protocol level `version` (3, 4 or 5; ignored for CONNECT, which carries its own
 * level). Checks the fixed-header flags required for the type (MQTT-2.2.2-2), structure,
 * field lengths, that nothing is left over, reserved bits and UTF-8 of every string
 * field. Returns 0 and fills *out (pointing into body), or ERR_MALFORMED/ERR_PROTOCOL
 * with a reason in *d (may be NULL). A CONNECT whose protocol name/level pair is not one
 * of MQIsdp/3, MQTT/4, MQTT/5 returns ERR_NOTSUP with out->u.connect.proto_level set so
 * the caller can answer CONNACK 1 before closing. Packets only a server sends (CONNACK,
 * SUBACK, ...) decode too, so tests and bridges can use the same code. Packet identifiers
 * must be non-zero wherever present. Level 3 leniencies, as 3.1 brokers had them: DUP may
 * be set on PUBREL/SUBSCRIBE/UNSUBSCRIBE and on QoS 0 PUBLISH, and a password flag with
 * no password left is ignored. A `version` other than 3..5 (for non-CONNECT) is a caller
 * bug and returns ERR_INVAL. */
int mqtt_codec_decode(const struct mqtt_header *h, const uint8_t *body, uint8_t version,
                      struct mqtt_packet *out, struct err_detail *d);

/* Start iterating the entries of a decoded SUBSCRIBE or UNSUBSCRIBE. */
void mqtt_codec_sub_iter_init(struct mqtt_sub_iter *it, const struct mqtt_subscribe *s,
                              uint8_t version);
/* Fetch the next SUBSCRIBE entry into *out; returns true while one was produced. Only
 * valid on a SUBSCRIBE that mqtt_codec_decode accepted. */
bool mqtt_codec_sub_next(struct mqtt_sub_iter *it, struct mqtt_sub_entry *out);
/* Fetch the next UNSUBSCRIBE filter into *out; returns true while one was produced. */
bool mqtt_codec_unsub_next(struct mqtt_sub_iter *it, struct mqtt_bytes *out);

/* Number of bytes the variable-length integer for v takes (1..4); v <= MQTT_MAX_REMAINING. */
uint8_t mqtt_codec_varint_size(uint32_t v);

/* Decode one variable-length integer from p (len bytes, borrowed) into *out. Returns the
 * number of bytes used (1..4), ERR_AGAIN if p ends inside it, ERR_MALFORMED if a fifth
 * byte would be needed. Non-minimal encodings are accepted. */
int mqtt_codec_varint_decode(const uint8_t *p, size_t len, uint32_t *out);

/* Append the variable-length integer for v (v <= MQTT_MAX_REMAINING) to out. */
void mqtt_codec_put_varint(struct buf *out, uint32_t v);

/* Append the complete encoding of *p (fixed header included) for protocol level
 * `version` to out. Borrowed inputs are copied. Returns the number of bytes appended or
 * ERR_TOOBIG if the packet would exceed MQTT_MAX_REMAINING, ERR_INVAL for a type/field
 * combination that cannot be encoded (e.g. AUTH below level 5). Allocation failures
 * abort (buf_reserve). For SUBSCRIBE/UNSUBSCRIBE encoding, `entries`/`entries_len` must
 * already hold the wire form of the entries (see mqtt_codec_put_sub_entry). CONNECT takes
 * its protocol name and level from `version` (proto_name/proto_level are ignored). Below
 * level 5 reason codes that 3.x cannot carry (acks, DISCONNECT) are left out, while
 * non-empty properties are ERR_INVAL; in MQTT 5 a zero reason and empty properties are
 * left out from the end where the spec allows it. */
int mqtt_codec_encode(struct buf *out, const struct mqtt_packet *p, uint8_t version);

/* Size in bytes of the PUBLISH packet that mqtt_codec_encode would produce for *p
 * (fixed header included); 0 if mqtt_codec_encode would refuse it. */
size_t mqtt_codec_publish_size(const struct mqtt_publish *p, uint8_t version);

/* Append the wire form of one SUBSCRIBE entry (filter + options byte) to out, for building
 * a SUBSCRIBE's entries (tests, bridges). */
void mqtt_codec_put_sub_entry(struct buf *out, const struct mqtt_sub_entry *e, uint8_t version);

/* Append one length-prefixed string to out (len <= 65535). */
void mqtt_codec_put_str(struct buf *out, const void *s, uint16_t len);

/* One MQTT 5 property as walked by mqtt_props_next: id plus its value; which value field
 * is set depends on the id's type (byte, two-byte, four-byte, varint, string, binary,
 * string pair). Strings and binaries point into the property block. */
struct mqtt_prop {
    uint32_t id;
    uint32_t num;
    struct mqtt_bytes str;
    struct mqtt_bytes str2; /* value of a user property (name is in str) */
};

/* Walk a property block: *off starts at 0; returns 1 and fills *out for each property,
 * 0 at the end, ERR_MALFORMED for an unknown id or a truncated value (or a string
 * property that is not valid UTF-8). mqtt_codec_decode has already walked every property
 * block it returns once, so walking a decoded packet's properties cannot fail. */
int mqtt_props_next(const struct mqtt_props *props, uint32_t *off, struct mqtt_prop *out);

/* Append the wire form of one property (id plus the value field its type uses: num for
 * byte/two-byte/four-byte/varint ids, str for strings and binaries, str and str2 for a
 * user property) to out, to build a property block for encoding. Returns 0, or
 * ERR_INVAL for an unknown id or a number too large for the id's type. */
int mqtt_props_put(struct buf *out, const struct mqtt_prop *p);

/* Human name of a packet type ("PUBLISH"), "UNKNOWN" otherwise; static string. */
const char *mqtt_codec_type_name(uint8_t type);

#endif
