/* SPDX-License-Identifier: MIT */
/* The persistence file format: a fixed header (magic, format version, header checksum)
 * followed by typed records, each framed as type, flags, body length, body and a CRC-32
 * over all of it, ending with an END record that counts the records before it. Record
 * bodies are big-endian fields in a fixed order; a reader ignores bytes after the fields
 * it knows, so later versions may append fields (MQTT 5 properties, subscription ids)
 * without breaking older readers, and new record types marked PERSIST_REC_F_OPTIONAL
 * are skipped by readers that do not know them. Pure: encodes into a struct buf,
 * decodes from borrowed bytes; no I/O, safe from any thread. */
#ifndef MIDGE_COMMON_PERSIST_FMT_H
#define MIDGE_COMMON_PERSIST_FMT_H

#include "common/buf.h"
#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The format version this code writes; it reads versions 1..PERSIST_FMT_VERSION. */
#define PERSIST_FMT_VERSION 1u
#define PERSIST_FMT_MAGIC "\x89midge\r\n"
#define PERSIST_FMT_MAGIC_LEN 8u
/* Magic, u32 version, u32 CRC-32 of the first 12 bytes. */
#define PERSIST_FMT_HEADER_LEN 16u
/* u16 type, u16 flags, u32 body length; then the body; then u32 CRC-32. */
#define PERSIST_FMT_REC_OVERHEAD 12u
/* Largest body a reader accepts (a 256 MiB MQTT payload plus its fields). */
#define PERSIST_FMT_MAX_BODY (300u * 1024u * 1024u)

enum persist_rec_type {
    PERSIST_REC_BROKER = 1,  /* broker-wide state: next message id, save time */
    PERSIST_REC_RETAIN = 2,  /* one retained message, inline */
    PERSIST_REC_MSG = 3,     /* one stored message referenced by queue entries */
    PERSIST_REC_SESSION = 4, /* a persistent session; SUB/QENTRY/INQOS2 records follow */
    PERSIST_REC_SUB = 5,     /* a subscription of the preceding session */
    PERSIST_REC_QENTRY = 6,  /* an outbound queue entry of the preceding session */
    PERSIST_REC_INQOS2 = 7,  /* inbound QoS 2 packet ids of the preceding session */
    PERSIST_REC_END = 0xffff,
};

/* Record flag: a reader that does not know the record type skips it instead of refusing
 * the file. */
#define PERSIST_REC_F_OPTIONAL 0x0001u

/* A message as stored (RETAIN and MSG records). Pointers borrow from the decoded body. */
struct persist_msg {
    uint64_t id;       /* broker store id (MSG records are referenced by it) */
    int64_t expiry_at; /* MQTT 5 message expiry, wall ms; 0 = never */
    uint8_t qos;
    bool retain;
    uint16_t topic_len;
    uint32_t payload_len;
    uint32_t props_len; /* MQTT 5 properties as on the wire; 0 for 3.x */
    const char *topic;
    const uint8_t *payload;
    const uint8_t *props;
};

struct persist_broker {
    uint64_t next_msg_id;
    int64_t saved_at_ms; /* wall clock */
};

#define PERSIST_SESSION_F_CONNECTED 0x01u /* the client was connected when this was saved */

struct persist_session {
    uint16_t id_len;
    uint8_t flags;            /* PERSIST_SESSION_F_* */
    uint16_t next_mid;        /* next outbound packet id */
    uint32_t expiry_s;        /* MQTT 5 session expiry interval; UINT32_MAX = never */
    int64_t offline_since_ms; /* wall clock */
    const char *client_id;
};

struct persist_sub {
    uint16_t flen;
    uint8_t options; /* QoS in bits 0-1, MQTT 5 option bits above */
    uint32_t sub_id; /* MQTT 5 subscription identifier; 0 = none */
    const char *filter;
};

struct persist_qentry {
    uint64_t msg_id; /* id of a MSG record earlier in the file */
    uint16_t mid;    /* packet id once sent, else 0 */
    uint8_t qos;
    uint8_t state; /* enum qstate of service/broker.h: 0 queued, 1 wait-ack, 2 wait-comp */
    bool retain;
};

/* The inbound QoS 2 ids: `count` big-endian u16 values at `ids` (borrowed). */
struct persist_inqos2 {
    uint32_t count;
    const uint8_t *ids;
};

/* Update a CRC-32 (IEEE 802.3, reflected, as zlib) with n bytes; start with crc 0. */
uint32_t persist_fmt_crc32(uint32_t crc, const void *p, size_t n);

/* Append the file header for PERSIST_FMT_VERSION to b. */
void persist_fmt_put_header(struct buf *b);
/* Check the header at p (len bytes of the file). Returns 0 and the version in *version,
 * ERR_MALFORMED (short file, bad magic, bad checksum) or ERR_NOTSUP (a newer version),
 * with the reason in *d (may be NULL). */
int persist_fmt_check_header(const uint8_t *p, size_t len, uint32_t *version, struct err_detail *d);

/* Append one complete record (framing and checksum included) to b. Strings and byte
 * ranges are borrowed for the call. */
void persist_fmt_put_broker(struct buf *b, const struct persist_broker *v);
void persist_fmt_put_msg(struct buf *b, uint16_t type, const struct persist_msg *v);
void persist_fmt_put_session(struct buf *b, const struct persist_session *v);
void persist_fmt_put_sub(struct buf *b, const struct persist_sub *v);
void persist_fmt_put_qentry(struct buf *b, const struct persist_qentry *v);
/* ids: count packet ids (host order). */
void persist_fmt_put_inqos2(struct buf *b, const uint16_t *ids, size_t count);
/* The END record; n_records counts every record written before it. */
void persist_fmt_put_end(struct buf *b, uint64_t n_records);
/* Append a record with any type, flags and body (for tests and future record types). */
void persist_fmt_put_raw(struct buf *b, uint16_t type, uint16_t flags, const void *body,
                         uint32_t len);

/* Decode a record body (len bytes, borrowed; the result points into it). Return 0 or
 * ERR_MALFORMED when the body is shorter than its fields or a length or value is out of
 * range. Bytes after the known fields are ignored. */
int persist_fmt_get_broker(const uint8_t *body, size_t len, struct persist_broker *out);
int persist_fmt_get_msg(const uint8_t *body, size_t len, struct persist_msg *out);
int persist_fmt_get_session(const uint8_t *body, size_t len, struct persist_session *out);
int persist_fmt_get_sub(const uint8_t *body, size_t len, struct persist_sub *out);
int persist_fmt_get_qentry(const uint8_t *body, size_t len, struct persist_qentry *out);
int persist_fmt_get_inqos2(const uint8_t *body, size_t len, struct persist_inqos2 *out);
/* The i-th id (i < count) of a decoded INQOS2 record. */
uint16_t persist_fmt_inqos2_id(const struct persist_inqos2 *v, uint32_t i);

/* One framed record: where it starts in the file and its borrowed body. */
struct persist_rec {
    uint16_t type;
    uint16_t flags;
    uint32_t len;
    size_t offset; /* byte offset of the record header in the file */
    const uint8_t *body;
};

/* Sequential reader over a whole file in memory (borrowed). */
struct persist_reader {
    const uint8_t *data;
    size_t len;
    size_t off;
    uint64_t n_records; /* records returned or skipped so far */
    size_t err_off;     /* byte offset of the problem after an error */
};

/* Start reading after the header (call persist_fmt_check_header first). */
void persist_reader_init(struct persist_reader *r, const uint8_t *data, size_t len);
/* Return the next record in *rec (1), or 0 once a valid END record that ends the file
 * was read. Records of unknown types flagged optional are skipped. On a truncated
 * record, a checksum mismatch, an unknown mandatory type, a missing or wrong END record
 * or bytes after it, return ERR_MALFORMED with r->err_off set and the reason (naming the
 * offset) in *d. */
int persist_reader_next(struct persist_reader *r, struct persist_rec *rec, struct err_detail *d);

#endif
