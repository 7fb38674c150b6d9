/* SPDX-License-Identifier: MIT */
/* Unit tests for common/persist_fmt: the CRC-32 check value, exact header bytes, a round
 * trip of every record type, a file truncated at every offset, every byte flipped,
 * future versions, unknown record types and short or extended record bodies. */
#include "common/persist_fmt.h"

#include "tests/assert.h"

#include <stdlib.h>
#include <string.h>

static void test_crc32_check_value(void)
{
    ASSERT_EQ_INT(persist_fmt_crc32(0, "123456789", 9), 0xCBF43926u);
    ASSERT_EQ_INT(persist_fmt_crc32(0, "", 0), 0);
    /* Incremental use gives the same result as one call. */
    uint32_t c = persist_fmt_crc32(0, "1234", 4);
    ASSERT_EQ_INT(persist_fmt_crc32(c, "56789", 5), 0xCBF43926u);
}

static void test_header_bytes(void)
{
    struct buf b;
    buf_init(&b);
    persist_fmt_put_header(&b);
    ASSERT_EQ_INT(buf_size(&b), PERSIST_FMT_HEADER_LEN);
    ASSERT_EQ_MEM(b.data, 12, "\x89midge\r\n\x00\x00\x00\x01", 12);
    uint32_t v = 0;
    ASSERT_EQ_INT(persist_fmt_check_header(b.data, b.len, &v, NULL), 0);
    ASSERT_EQ_INT(v, 1);
    buf_cleanup(&b);
}

/* A small file with one record of every type. */
static void build_sample(struct buf *b)
{
    buf_init(b);
    persist_fmt_put_header(b);
    persist_fmt_put_broker(b, &(struct persist_broker){.next_msg_id = 77, .saved_at_ms = 123456});
    persist_fmt_put_msg(b, PERSIST_REC_RETAIN,
                        &(struct persist_msg){.id = 5,
                                              .qos = 1,
                                              .retain = true,
                                              .topic = "a/b",
                                              .topic_len = 3,
                                              .payload = (const uint8_t *)"hello",
                                              .payload_len = 5});
    persist_fmt_put_msg(b, PERSIST_REC_MSG,
                        &(struct persist_msg){.id = 9, .qos = 2, .topic = "q", .topic_len = 1});
    persist_fmt_put_session(b, &(struct persist_session){.client_id = "cli",
                                                         .id_len = 3,
                                                         .flags = PERSIST_SESSION_F_CONNECTED,
                                                         .next_mid = 300,
                                                         .expiry_s = UINT32_MAX,
                                                         .offline_since_ms = -5});
    persist_fmt_put_sub(b, &(struct persist_sub){.filter = "a/#", .flen = 3, .options = 2});
    persist_fmt_put_qentry(
        b, &(struct persist_qentry){.msg_id = 9, .mid = 299, .qos = 2, .state = 2, .retain = true});
    static const uint16_t ids[] = {1, 65535, 258};
    persist_fmt_put_inqos2(b, ids, 3);
    persist_fmt_put_end(b, 7);
}

static void test_round_trip(void)
{
    struct buf b;
    build_sample(&b);
    uint32_t v = 0;
    ASSERT_EQ_INT(persist_fmt_check_header(b.data, b.len, &v, NULL), 0);
    struct persist_reader r;
    persist_reader_init(&r, b.data, b.len);
    struct persist_rec rec;
    struct err_detail d = {{0}, {0}, 0};

    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), 1);
    ASSERT_EQ_INT(rec.type, PERSIST_REC_BROKER);
    ASSERT_EQ_INT(rec.offset, PERSIST_FMT_HEADER_LEN);
    struct persist_broker br;
    ASSERT_EQ_INT(persist_fmt_get_broker(rec.body, rec.len, &br), 0);
    ASSERT_EQ_INT(br.next_msg_id, 77);
    ASSERT_EQ_INT(br.saved_at_ms, 123456);

    struct persist_msg m;
    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), 1);
    ASSERT_EQ_INT(rec.type, PERSIST_REC_RETAIN);
    ASSERT_EQ_INT(persist_fmt_get_msg(rec.body, rec.len, &m), 0);
    ASSERT_EQ_INT(m.id, 5);
    ASSERT_EQ_INT(m.qos, 1);
    ASSERT_TRUE(m.retain);
    ASSERT_EQ_MEM(m.topic, m.topic_len, "a/b", 3);
    ASSERT_EQ_MEM(m.payload, m.payload_len, "hello", 5);
    ASSERT_EQ_INT(m.props_len, 0);

    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), 1);
    ASSERT_EQ_INT(rec.type, PERSIST_REC_MSG);
    ASSERT_EQ_INT(persist_fmt_get_msg(rec.body, rec.len, &m), 0);
    ASSERT_EQ_INT(m.id, 9);
    ASSERT_EQ_INT(m.payload_len, 0);
    ASSERT_FALSE(m.retain);

    struct persist_session s;
    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), 1);
    ASSERT_EQ_INT(persist_fmt_get_session(rec.body, rec.len, &s), 0);
    ASSERT_EQ_MEM(s.client_id, s.id_len, "cli", 3);
    ASSERT_EQ_INT(s.flags, PERSIST_SESSION_F_CONNECTED);
    ASSERT_EQ_INT(s.next_mid, 300);
    ASSERT_EQ_INT(s.expiry_s, UINT32_MAX);
    ASSERT_EQ_INT(s.offline_since_ms, -5);

    struct persist_sub sub;
    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), 1);
    ASSERT_EQ_INT(persist_fmt_get_sub(rec.body, rec.len, &sub), 0);
    ASSERT_EQ_MEM(sub.filter, sub.flen, "a/#", 3);
    ASSERT_EQ_INT(sub.options, 2);

    struct persist_qentry q;
    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), 1);
    ASSERT_EQ_INT(persist_fmt_get_qentry(rec.body, rec.len, &q), 0);
    ASSERT_EQ_INT(q.msg_id, 9);
    ASSERT_EQ_INT(q.mid, 299);
    ASSERT_EQ_INT(q.state, 2);
    ASSERT_TRUE(q.retain);

    struct persist_inqos2 in;
    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), 1);
    ASSERT_EQ_INT(persist_fmt_get_inqos2(rec.body, rec.len, &in), 0);
    ASSERT_EQ_INT(in.count, 3);
    ASSERT_EQ_INT(persist_fmt_inqos2_id(&in, 0), 1);
    ASSERT_EQ_INT(persist_fmt_inqos2_id(&in, 1), 65535);
    ASSERT_EQ_INT(persist_fmt_inqos2_id(&in, 2), 258);

    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), 0);
    buf_cleanup(&b);
}

/* Read a whole file; returns 0 for a valid file or the first error. */
static int read_all(const uint8_t *p, size_t len, struct persist_reader *r, struct err_detail *d)
{
    uint32_t v = 0;
    int rc = persist_fmt_check_header(p, len, &v, d);
    if (rc < 0)
        return rc;
    persist_reader_init(r, p, len);
    struct persist_rec rec;
    while ((rc = persist_reader_next(r, &rec, d)) == 1)
        ;
    return rc;
}

static void test_truncated_at_every_offset(void)
{
    struct buf b;
    build_sample(&b);
    for (size_t n = 0; n < b.len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, b.data, n);
        struct persist_reader r;
        struct err_detail d = {{0}, {0}, 0};
        int rc = read_all(copy, n, &r, &d);
        if (rc != ERR_MALFORMED)
            TEST_FAIL_("truncated at %zu: rc %d, expected ERR_MALFORMED", n, rc);
        ASSERT_TRUE(strstr(d.msg, "byte offset") != NULL);
        if (n >= PERSIST_FMT_HEADER_LEN)
            ASSERT_TRUE(r.err_off <= n);
        free(copy);
    }
    buf_cleanup(&b);
}

static void test_every_byte_flipped(void)
{
    struct buf b;
    build_sample(&b);
    for (size_t i = 0; i < b.len; i++) {
        for (unsigned bit = 0; bit < 8; bit += 3) {
            b.data[i] ^= (uint8_t)(1u << bit);
            struct persist_reader r;
            struct err_detail d = {{0}, {0}, 0};
            int rc = read_all(b.data, b.len, &r, &d);
            if (rc >= 0)
                TEST_FAIL_("byte %zu bit %u flipped but the file was accepted", i, bit);
            b.data[i] ^= (uint8_t)(1u << bit);
        }
    }
    buf_cleanup(&b);
}

static void test_bad_crc_names_offset(void)
{
    struct buf b;
    build_sample(&b);
    /* The second record (RETAIN) starts after the header and the 28-byte BROKER record;
     * damage one payload byte. */
    size_t second = PERSIST_FMT_HEADER_LEN + 12 + 16;
    b.data[second + 30] ^= 0x40;
    struct persist_reader r;
    struct err_detail d = {{0}, {0}, 0};
    ASSERT_EQ_INT(read_all(b.data, b.len, &r, &d), ERR_MALFORMED);
    ASSERT_EQ_INT(r.err_off, second);
    ASSERT_TRUE(strstr(d.msg, "checksum") != NULL);
    ASSERT_TRUE(strstr(d.msg, "byte offset 44") != NULL);
    buf_cleanup(&b);
}

/* A header claiming version v with a valid checksum. */
static void header_with_version(uint8_t h[16], uint32_t v)
{
    memcpy(h, PERSIST_FMT_MAGIC, 8);
    h[8] = (uint8_t)(v >> 24);
    h[9] = (uint8_t)(v >> 16);
    h[10] = (uint8_t)(v >> 8);
    h[11] = (uint8_t)v;
    uint32_t c = persist_fmt_crc32(0, h, 12);
    h[12] = (uint8_t)(c >> 24);
    h[13] = (uint8_t)(c >> 16);
    h[14] = (uint8_t)(c >> 8);
    h[15] = (uint8_t)c;
}

static void test_versions(void)
{
    uint8_t h[16];
    uint32_t v = 0;
    struct err_detail d = {{0}, {0}, 0};
    header_with_version(h, 2);
    ASSERT_EQ_INT(persist_fmt_check_header(h, 16, &v, &d), ERR_NOTSUP);
    ASSERT_TRUE(strstr(d.msg, "newer") != NULL);
    ASSERT_EQ_INT(v, 2);
    header_with_version(h, 0xffffffffu);
    ASSERT_EQ_INT(persist_fmt_check_header(h, 16, &v, &d), ERR_NOTSUP);
    header_with_version(h, 0);
    ASSERT_EQ_INT(persist_fmt_check_header(h, 16, &v, &d), ERR_MALFORMED);
    header_with_version(h, 1);
    ASSERT_EQ_INT(persist_fmt_check_header(h, 16, &v, &d), 0);
    memcpy(h, "mosquitt", 8);
    ASSERT_EQ_INT(persist_fmt_check_header(h, 16, &v, &d), ERR_MALFORMED);
    ASSERT_TRUE(strstr(d.msg, "magic") != NULL);
}

static void test_unknown_records(void)
{
    struct buf b;
    buf_init(&b);
    persist_fmt_put_header(&b);
    persist_fmt_put_raw(&b, 100, PERSIST_REC_F_OPTIONAL, "xyz", 3);
    persist_fmt_put_broker(&b, &(struct persist_broker){.next_msg_id = 1});
    persist_fmt_put_end(&b, 2);
    struct persist_reader r;
    struct persist_rec rec;
    struct err_detail d = {{0}, {0}, 0};
    persist_reader_init(&r, b.data, b.len);
    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), 1); /* the optional one is skipped */
    ASSERT_EQ_INT(rec.type, PERSIST_REC_BROKER);
    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), 0);
    buf_cleanup(&b);

    buf_init(&b);
    persist_fmt_put_header(&b);
    persist_fmt_put_raw(&b, 100, 0, "xyz", 3);
    persist_fmt_put_end(&b, 1);
    persist_reader_init(&r, b.data, b.len);
    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), ERR_MALFORMED);
    ASSERT_EQ_INT(r.err_off, PERSIST_FMT_HEADER_LEN);
    ASSERT_TRUE(strstr(d.msg, "unknown record type") != NULL);
    buf_cleanup(&b);
}

static void test_end_record_rules(void)
{
    struct buf b;
    struct persist_reader r;
    struct persist_rec rec;
    struct err_detail d = {{0}, {0}, 0};
    /* Wrong count. */
    buf_init(&b);
    persist_fmt_put_header(&b);
    persist_fmt_put_broker(&b, &(struct persist_broker){.next_msg_id = 1});
    persist_fmt_put_end(&b, 5);
    ASSERT_EQ_INT(read_all(b.data, b.len, &r, &d), ERR_MALFORMED);
    ASSERT_TRUE(strstr(d.msg, "end record") != NULL);
    buf_cleanup(&b);
    /* Trailing garbage after a good end record. */
    buf_init(&b);
    persist_fmt_put_header(&b);
    persist_fmt_put_end(&b, 0);
    size_t end_len = b.len;
    buf_put_u8(&b, 0);
    ASSERT_EQ_INT(read_all(b.data, b.len, &r, &d), ERR_MALFORMED);
    ASSERT_EQ_INT(r.err_off, end_len);
    buf_cleanup(&b);
    /* An empty but complete file is valid. */
    buf_init(&b);
    persist_fmt_put_header(&b);
    persist_fmt_put_end(&b, 0);
    persist_reader_init(&r, b.data, b.len);
    ASSERT_EQ_INT(persist_reader_next(&r, &rec, &d), 0);
    buf_cleanup(&b);
}

static void test_bodies(void)
{
    struct persist_msg m;
    struct persist_session s;
    struct persist_sub sub;
    struct persist_qentry q;
    struct persist_inqos2 in;
    struct persist_broker br;
    /* Every body shorter than its fields is refused. */
    uint8_t zeros[64] = {0};
    for (size_t n = 0; n < 8 + 8; n++)
        ASSERT_EQ_INT(persist_fmt_get_broker(zeros, n, &br), ERR_MALFORMED);
    ASSERT_EQ_INT(persist_fmt_get_broker(zeros, 16, &br), 0);
    ASSERT_EQ_INT(persist_fmt_get_broker(zeros, 40, &br), 0); /* appended fields ignored */
    /* msg: a topic length past the body. */
    uint8_t mb[] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 9, 'a'};
    ASSERT_EQ_INT(persist_fmt_get_msg(mb, sizeof mb, &m), ERR_MALFORMED);
    /* qos 3 refused. */
    uint8_t mq[] = {0, 0, 0, 0, 0, 0,   0, 1, 0, 0, 0, 0, 0, 0, 0,
                    0, 3, 0, 0, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0};
    ASSERT_EQ_INT(persist_fmt_get_msg(mq, sizeof mq, &m), ERR_MALFORMED);
    mq[16] = 2;
    ASSERT_EQ_INT(persist_fmt_get_msg(mq, sizeof mq, &m), 0);
    /* session: empty client id and packet id 0 are refused. */
    uint8_t sb[] = {0, 1, 'x', 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    ASSERT_EQ_INT(persist_fmt_get_session(sb, sizeof sb, &s), 0);
    sb[5] = 0;
    ASSERT_EQ_INT(persist_fmt_get_session(sb, sizeof sb, &s), ERR_MALFORMED);
    /* sub: QoS 3 refused. */
    uint8_t ub[] = {0, 1, '#', 3, 0, 0, 0, 0};
    ASSERT_EQ_INT(persist_fmt_get_sub(ub, sizeof ub, &sub), ERR_MALFORMED);
    ub[3] = 1;
    ASSERT_EQ_INT(persist_fmt_get_sub(ub, sizeof ub, &sub), 0);
    /* qentry: in flight without a packet id, QoS 1 waiting for PUBCOMP. */
    uint8_t qb[] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0};
    ASSERT_EQ_INT(persist_fmt_get_qentry(qb, sizeof qb, &q), ERR_MALFORMED);
    qb[9] = 4;
    ASSERT_EQ_INT(persist_fmt_get_qentry(qb, sizeof qb, &q), 0);
    qb[11] = 2;
    ASSERT_EQ_INT(persist_fmt_get_qentry(qb, sizeof qb, &q), ERR_MALFORMED);
    qb[10] = 2;
    ASSERT_EQ_INT(persist_fmt_get_qentry(qb, sizeof qb, &q), 0);
    /* inqos2: count larger than the body. */
    uint8_t ib[] = {0, 0, 0, 2, 0, 1};
    ASSERT_EQ_INT(persist_fmt_get_inqos2(ib, sizeof ib, &in), ERR_MALFORMED);
    ib[3] = 1;
    ASSERT_EQ_INT(persist_fmt_get_inqos2(ib, sizeof ib, &in), 0);
}

int main(void)
{
    RUN_TEST(test_crc32_check_value);
    RUN_TEST(test_header_bytes);
    RUN_TEST(test_round_trip);
    RUN_TEST(test_truncated_at_every_offset);
    RUN_TEST(test_every_byte_flipped);
    RUN_TEST(test_bad_crc_names_offset);
    RUN_TEST(test_versions);
    RUN_TEST(test_unknown_records);
    RUN_TEST(test_end_record_rules);
    RUN_TEST(test_bodies);
    return 0;
}
