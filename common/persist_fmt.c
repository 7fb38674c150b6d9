/* SPDX-License-Identifier: MIT */
/* Encoder and decoder of the persistence file format (see common/persist_fmt.h). */
#include "common/persist_fmt.h"

#include <string.h>

/* ---- CRC-32 --------------------------------------------------------------------------- */

/* The table is computed by the preprocessor so that no code has to fill a global. */
#define CRC_POLY 0xEDB88320u
#define CRC_B1(c) (((c) >> 1) ^ (CRC_POLY & (0u - ((c)&1u))))
#define CRC_B8(c) CRC_B1(CRC_B1(CRC_B1(CRC_B1(CRC_B1(CRC_B1(CRC_B1(CRC_B1(c))))))))
#define CRC_T1(n) CRC_B8((uint32_t)(n))
#define CRC_T4(n) CRC_T1(n), CRC_T1((n) + 1), CRC_T1((n) + 2), CRC_T1((n) + 3)
#define CRC_T16(n) CRC_T4(n), CRC_T4((n) + 4), CRC_T4((n) + 8), CRC_T4((n) + 12)
#define CRC_T64(n) CRC_T16(n), CRC_T16((n) + 16), CRC_T16((n) + 32), CRC_T16((n) + 48)
static const uint32_t crc_table[256] = {CRC_T64(0), CRC_T64(64), CRC_T64(128), CRC_T64(192)};

uint32_t persist_fmt_crc32(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *s = p;
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ s[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

/* ---- Encoding ------------------------------------------------------------------------- */

static void put_u64(struct buf *b, uint64_t v)
{
    buf_put_u32(b, (uint32_t)(v >> 32));
    buf_put_u32(b, (uint32_t)v);
}

static void wr_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t rd_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

void persist_fmt_put_header(struct buf *b)
{
    uint8_t h[PERSIST_FMT_HEADER_LEN];
    memcpy(h, PERSIST_FMT_MAGIC, PERSIST_FMT_MAGIC_LEN);
    wr_u32(h + 8, PERSIST_FMT_VERSION);
    wr_u32(h + 12, persist_fmt_crc32(0, h, 12));
    buf_append(b, h, sizeof h);
}

/* Start a record: write type and flags and reserve the length; returns where the record
 * starts (buf offsets stay valid across growth, pointers do not). */
static size_t rec_begin(struct buf *b, uint16_t type, uint16_t flags)
{
    size_t start = b->len;
    buf_put_u16(b, type);
    buf_put_u16(b, flags);
    buf_put_u32(b, 0);
    return start;
}

/* Finish the record begun at start: fill in the body length and append the CRC. */
static void rec_end(struct buf *b, size_t start)
{
    size_t body = b->len - start - 8;
    wr_u32(b->data + start + 4, (uint32_t)body);
    buf_put_u32(b, persist_fmt_crc32(0, b->data + start, b->len - start));
}

void persist_fmt_put_raw(struct buf *b, uint16_t type, uint16_t flags, const void *body,
                         uint32_t len)
{
    size_t at = rec_begin(b, type, flags);
    buf_append(b, body, len);
    rec_end(b, at);
}

void persist_fmt_put_broker(struct buf *b, const struct persist_broker *v)
{
    size_t at = rec_begin(b, PERSIST_REC_BROKER, 0);
    put_u64(b, v->next_msg_id);
    put_u64(b, (uint64_t)v->saved_at_ms);
    rec_end(b, at);
}

void persist_fmt_put_msg(struct buf *b, uint16_t type, const struct persist_msg *v)
{
    size_t at = rec_begin(b, type, 0);
    put_u64(b, v->id);
    put_u64(b, (uint64_t)v->expiry_at);
    buf_put_u8(b, v->qos);
    buf_put_u8(b, v->retain ? 1 : 0);
    buf_put_u16(b, v->topic_len);
    buf_append(b, v->topic, v->topic_len);
    buf_put_u32(b, v->payload_len);
    buf_append(b, v->payload, v->payload_len);
    buf_put_u32(b, v->props_len);
    buf_append(b, v->props, v->props_len);
    rec_end(b, at);
}

void persist_fmt_put_session(struct buf *b, const struct persist_session *v)
{
    size_t at = rec_begin(b, PERSIST_REC_SESSION, 0);
    buf_put_u16(b, v->id_len);
    buf_append(b, v->client_id, v->id_len);
    buf_put_u8(b, v->flags);
    buf_put_u16(b, v->next_mid);
    buf_put_u32(b, v->expiry_s);
    put_u64(b, (uint64_t)v->offline_since_ms);
    rec_end(b, at);
}

void persist_fmt_put_sub(struct buf *b, const struct persist_sub *v)
{
    size_t at = rec_begin(b, PERSIST_REC_SUB, 0);
    buf_put_u16(b, v->flen);
    buf_append(b, v->filter, v->flen);
    buf_put_u8(b, v->options);
    buf_put_u32(b, v->sub_id);
    rec_end(b, at);
}

void persist_fmt_put_qentry(struct buf *b, const struct persist_qentry *v)
{
    size_t at = rec_begin(b, PERSIST_REC_QENTRY, 0);
    put_u64(b, v->msg_id);
    buf_put_u16(b, v->mid);
    buf_put_u8(b, v->qos);
    buf_put_u8(b, v->state);
    buf_put_u8(b, v->retain ? 1 : 0);
    rec_end(b, at);
}

void persist_fmt_put_inqos2(struct buf *b, const uint16_t *ids, size_t count)
{
    size_t at = rec_begin(b, PERSIST_REC_INQOS2, 0);
    buf_put_u32(b, (uint32_t)count);
    for (size_t i = 0; i < count; i++)
        buf_put_u16(b, ids[i]);
    rec_end(b, at);
}

void persist_fmt_put_end(struct buf *b, uint64_t n_records)
{
    size_t at = rec_begin(b, PERSIST_REC_END, 0);
    put_u64(b, n_records);
    rec_end(b, at);
}

/* ---- Decoding of bodies ----------------------------------------------------------------- */

/* A bounds-checked reader over one body: after any short read `bad` is set and every
 * further read returns zeros, so a decoder checks once at the end. */
struct cur {
    const uint8_t *p;
    size_t len, off;
    bool bad;
};

static const uint8_t *take(struct cur *c, size_t n)
{
    if (c->bad || c->len - c->off < n) {
        c->bad = true;
        return NULL;
    }
    const uint8_t *p = c->p + c->off;
    c->off += n;
    return p;
}

static uint8_t get_u8(struct cur *c)
{
    const uint8_t *p = take(c, 1);
    return p ? p[0] : 0;
}

static uint16_t get_u16(struct cur *c)
{
    const uint8_t *p = take(c, 2);
    return p ? rd_u16(p) : 0;
}

static uint32_t get_u32(struct cur *c)
{
    const uint8_t *p = take(c, 4);
    return p ? rd_u32(p) : 0;
}

static uint64_t get_u64(struct cur *c)
{
    uint64_t hi = get_u32(c);
    return hi << 32 | get_u32(c);
}

static int done(const struct cur *c)
{
    return c->bad ? ERR_MALFORMED : 0;
}

int persist_fmt_get_broker(const uint8_t *body, size_t len, struct persist_broker *out)
{
    struct cur c = {body, len, 0, false};
    out->next_msg_id = get_u64(&c);
    out->saved_at_ms = (int64_t)get_u64(&c);
    return done(&c);
}

int persist_fmt_get_msg(const uint8_t *body, size_t len, struct persist_msg *out)
{
    struct cur c = {body, len, 0, false};
    out->id = get_u64(&c);
    out->expiry_at = (int64_t)get_u64(&c);
    out->qos = get_u8(&c);
    uint8_t flags = get_u8(&c);
    out->retain = (flags & 1u) != 0;
    out->topic_len = get_u16(&c);
    out->topic = (const char *)take(&c, out->topic_len);
    out->payload_len = get_u32(&c);
    out->payload = take(&c, out->payload_len);
    out->props_len = get_u32(&c);
    out->props = take(&c, out->props_len);
    if (out->qos > 2 || flags > 1 || out->topic_len == 0)
        return ERR_MALFORMED;
    return done(&c);
}

int persist_fmt_get_session(const uint8_t *body, size_t len, struct persist_session *out)
{
    struct cur c = {body, len, 0, false};
    out->id_len = get_u16(&c);
    out->client_id = (const char *)take(&c, out->id_len);
    out->flags = get_u8(&c);
    out->next_mid = get_u16(&c);
    out->expiry_s = get_u32(&c);
    out->offline_since_ms = (int64_t)get_u64(&c);
    if (out->id_len == 0 || out->next_mid == 0)
        return ERR_MALFORMED;
    return done(&c);
}

int persist_fmt_get_sub(const uint8_t *body, size_t len, struct persist_sub *out)
{
    struct cur c = {body, len, 0, false};
    out->flen = get_u16(&c);
    out->filter = (const char *)take(&c, out->flen);
    out->options = get_u8(&c);
    out->sub_id = get_u32(&c);
    if (out->flen == 0 || (out->options & 3u) == 3u)
        return ERR_MALFORMED;
    return done(&c);
}

int persist_fmt_get_qentry(const uint8_t *body, size_t len, struct persist_qentry *out)
{
    struct cur c = {body, len, 0, false};
    out->msg_id = get_u64(&c);
    out->mid = get_u16(&c);
    out->qos = get_u8(&c);
    out->state = get_u8(&c);
    uint8_t flags = get_u8(&c);
    out->retain = (flags & 1u) != 0;
    if (out->qos > 2 || out->state > 2 || flags > 1)
        return ERR_MALFORMED;
    /* A sent entry has a packet id; QoS 0 is never in flight; only QoS 2 waits for
     * PUBCOMP. */
    if (out->state != 0 && (out->mid == 0 || out->qos == 0))
        return ERR_MALFORMED;
    if (out->state == 2 && out->qos != 2)
        return ERR_MALFORMED;
    return done(&c);
}

int persist_fmt_get_inqos2(const uint8_t *body, size_t len, struct persist_inqos2 *out)
{
    struct cur c = {body, len, 0, false};
    out->count = get_u32(&c);
    if (out->count > 65535u)
        return ERR_MALFORMED;
    out->ids = take(&c, (size_t)out->count * 2u);
    return done(&c);
}

uint16_t persist_fmt_inqos2_id(const struct persist_inqos2 *v, uint32_t i)
{
    return rd_u16(v->ids + (size_t)i * 2u);
}

/* ---- Header and framing --------------------------------------------------------------- */

int persist_fmt_check_header(const uint8_t *p, size_t len, uint32_t *version, struct err_detail *d)
{
    if (len < PERSIST_FMT_HEADER_LEN)
        return err_set(d, ERR_MALFORMED, NULL, 0,
                       "truncated header at byte offset %zu (%u bytes needed)", len,
                       PERSIST_FMT_HEADER_LEN);
    if (memcmp(p, PERSIST_FMT_MAGIC, PERSIST_FMT_MAGIC_LEN) != 0)
        return err_set(d, ERR_MALFORMED, NULL, 0,
                       "not a midge persistence file (bad magic at byte offset 0)");
    if (persist_fmt_crc32(0, p, 12) != rd_u32(p + 12))
        return err_set(d, ERR_MALFORMED, NULL, 0, "header checksum mismatch at byte offset 12");
    *version = rd_u32(p + 8);
    if (*version == 0)
        return err_set(d, ERR_MALFORMED, NULL, 0, "invalid format version 0 at byte offset 8");
    if (*version > PERSIST_FMT_VERSION)
        return err_set(d, ERR_NOTSUP, NULL, 0,
                       "format version %u (byte offset 8) is newer than this midge reads "
                       "(up to %u): it was written by a newer midge",
                       *version, PERSIST_FMT_VERSION);
    return 0;
}

void persist_reader_init(struct persist_reader *r, const uint8_t *data, size_t len)
{
    memset(r, 0, sizeof *r);
    r->data = data;
    r->len = len;
    r->off = PERSIST_FMT_HEADER_LEN;
}

static int bad_at(struct persist_reader *r, size_t off, struct err_detail *d, const char *what)
{
    r->err_off = off;
    return err_set(d, ERR_MALFORMED, NULL, 0, "%s at byte offset %zu", what, off);
}

/* Verify the END record *rec: its count matches and nothing follows it. */
static int check_end(struct persist_reader *r, const struct persist_rec *rec, struct err_detail *d)
{
    struct cur c = {rec->body, rec->len, 0, false};
    uint64_t n = get_u64(&c);
    if (c.bad)
        return bad_at(r, rec->offset, d, "malformed end record");
    if (n != r->n_records)
        return bad_at(r, rec->offset, d, "end record counts a different number of records");
    if (r->off != r->len)
        return bad_at(r, r->off, d, "unexpected data after the end record");
    return 0;
}

int persist_reader_next(struct persist_reader *r, struct persist_rec *rec, struct err_detail *d)
{
    for (;;) {
        size_t left = r->len - r->off;
        if (left == 0)
            return bad_at(r, r->off, d, "truncated file: no end record");
        if (left < 8)
            return bad_at(r, r->off, d, "truncated record header");
        const uint8_t *h = r->data + r->off;
        rec->type = rd_u16(h);
        rec->flags = rd_u16(h + 2);
        rec->len = rd_u32(h + 4);
        rec->offset = r->off;
        rec->body = h + 8;
        if (rec->len > PERSIST_FMT_MAX_BODY)
            return bad_at(r, r->off, d, "record length out of range");
        if (left - 8 < (size_t)rec->len + 4u)
            return bad_at(r, r->off, d, "truncated record");
        size_t framed = 8u + rec->len;
        if (persist_fmt_crc32(0, h, framed) != rd_u32(h + framed))
            return bad_at(r, r->off, d, "record checksum mismatch");
        r->off += framed + 4u;
        if (rec->type == PERSIST_REC_END)
            return check_end(r, rec, d) < 0 ? ERR_MALFORMED : 0;
        r->n_records++;
        if (rec->type >= PERSIST_REC_BROKER && rec->type <= PERSIST_REC_INQOS2)
            return 1;
        if (!(rec->flags & PERSIST_REC_F_OPTIONAL))
            return bad_at(r, rec->offset, d, "unknown record type (written by a newer midge?)");
    }
}
