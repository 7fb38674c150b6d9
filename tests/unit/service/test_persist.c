/* SPDX-License-Identifier: MIT */
/* Unit tests for service/persist on the fake platform (fake clock, in-memory files,
 * worker threads that run inline): restart round trips of retained messages, sessions
 * and half-finished QoS 1/2 flows, autosave by time and by changes, save failures,
 * refusal of damaged files, and session expiry counted across the downtime. */
#include "common/cfg_parse.h"
#include "common/persist_fmt.h"
#include "service/log.h"
#include "service/persist.h"
#include "service/persist_priv.h"
#include "service/retain.h"
#include "service/session.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"

#include <stdlib.h>
#include <string.h>

#define DB "midge.db"

/* Stop the broker cleanly (which saves) and start it again with extra config, keeping
 * the fake file system and clock. Clients must have been freed. */
static void restart(struct harness *h, const char *extra)
{
    broker_stop(&h->b);
    broker_cleanup(&h->b);
    plat_loop_free(h->loop);
    h->loop = NULL;
    log_shutdown();
    h_start(h, extra);
}

/* Start a broker that must refuse to start; returns after cleaning up. */
static void start_refused(const char *extra, const char *log_fragment)
{
    struct harness h;
    struct cfg c;
    cfg_init(&c);
    struct err_detail d = {{0}, {0}, 0};
    char text[256];
    snprintf(text, sizeof text, "%s%s", H_BASE_CONF, extra);
    ASSERT_EQ_INT(cfg_parse_text("test.conf", text, strlen(text), NULL, &c, &d), 0);
    ASSERT_EQ_INT(log_configure(&c, true, &d), 0);
    ASSERT_EQ_INT(plat_loop_new(&h.loop, &d), 0);
    broker_init(&h.b, &c, NULL, false, NULL, 0);
    cfg_cleanup(&c);
    ASSERT_TRUE(broker_start(&h.b, h.loop) < 0);
    if (!fake_log_contains(log_fragment))
        TEST_FAIL_("log lacks '%s'", log_fragment);
    ASSERT_TRUE(fake_log_contains("refusing to start"));
    broker_cleanup(&h.b);
    plat_loop_free(h.loop);
    log_shutdown();
}

static void test_round_trip_with_flows(void)
{
    struct harness h;
    h_start(&h, "persistence true\n");
    struct tclient *sub = tc_connect(&h, "sub", false, false);
    tc_subscribe(sub, "t/#", 2, 2);
    struct tclient *pub = tc_connect(&h, "pub", false, false);
    tc_publish(pub, "t/r", "kept", 0, 0, true);
    tc_expect_publish(sub, "t/r", "kept", 0, false, false);
    tc_publish(pub, "t/1", "q1", 1, 10, false);
    tc_expect_ack(pub, MQTT_PKT_PUBACK, 10);
    uint16_t m1 = tc_expect_publish(sub, "t/1", "q1", 1, false, false);
    tc_publish(pub, "t/2", "q2", 2, 11, false);
    tc_expect_ack(pub, MQTT_PKT_PUBREC, 11); /* no PUBREL: held across the restart */
    uint16_t m2 = tc_expect_publish(sub, "t/2", "q2", 2, false, false);
    tc_ack(sub, MQTT_PKT_PUBREC, m2);
    tc_expect_ack(sub, MQTT_PKT_PUBREL, m2); /* waits for PUBCOMP */
    tc_free(sub);
    tc_free(pub);
    restart(&h, "persistence true\n");
    ASSERT_TRUE(fake_log_contains("restored 1 retained messages, 2 sessions and 2 queued"));

    sub = tc_connect(&h, "sub", false, true);
    ASSERT_EQ_INT(tc_expect_publish(sub, "t/1", "q1", 1, false, true), m1);
    tc_expect_ack(sub, MQTT_PKT_PUBREL, m2);
    tc_expect_nothing(sub);
    tc_ack(sub, MQTT_PKT_PUBACK, m1);
    tc_ack(sub, MQTT_PKT_PUBCOMP, m2);
    pub = tc_connect(&h, "pub", false, true);
    tc_publish(pub, "t/2", "q2", 2, 11, false); /* the client's re-send */
    tc_expect_ack(pub, MQTT_PKT_PUBREC, 11);
    tc_expect_nothing(sub); /* exactly once */
    tc_ack(pub, MQTT_PKT_PUBREL, 11);
    tc_expect_ack(pub, MQTT_PKT_PUBCOMP, 11);
    struct tclient *late = tc_connect(&h, "late", true, false);
    tc_subscribe(late, "t/r", 0, 0);
    tc_expect_publish(late, "t/r", "kept", 0, true, false);
    tc_free(late);
    tc_free(sub);
    tc_free(pub);
    h_stop(&h);
}

static void test_autosave_by_time(void)
{
    struct harness h;
    h_start(&h, "persistence true\nautosave_interval 60\n");
    struct tclient *pub = tc_connect(&h, "pub", true, false);
    tc_publish(pub, "a/t", "v", 0, 0, true);
    h_run_for(&h, 58000);
    ASSERT_TRUE(fake_fs_get(DB, NULL) == NULL);
    h_run_for(&h, 3000);
    size_t len = 0;
    const char *data = fake_fs_get(DB, &len);
    ASSERT_TRUE(data != NULL);
    ASSERT_TRUE(memcmp(data, PERSIST_FMT_MAGIC, PERSIST_FMT_MAGIC_LEN) == 0);
    ASSERT_EQ_INT(fake_fs_mode(DB), 0600);
    tc_free(pub);
    h_stop(&h);
}

static void test_autosave_on_changes(void)
{
    struct harness h;
    h_start(&h, "persistence true\nautosave_interval 3\nautosave_on_changes true\n");
    struct tclient *pub = tc_connect(&h, "pub", true, false);
    tc_publish(pub, "c/1", "v", 0, 0, true);
    tc_publish(pub, "c/2", "v", 0, 0, true);
    h_run_for(&h, 5000);
    ASSERT_TRUE(fake_fs_get(DB, NULL) == NULL);
    tc_publish(pub, "c/3", "v", 0, 0, true);
    h_run_for(&h, 1500);
    ASSERT_TRUE(fake_fs_get(DB, NULL) != NULL);
    tc_free(pub);
    h_stop(&h);
}

static void test_save_request_and_failure(void)
{
    struct harness h;
    h_start(&h, "persistence true\nautosave_interval 0\n");
    struct tclient *pub = tc_connect(&h, "pub", true, false);
    tc_publish(pub, "s/1", "first", 0, 0, true);
    persist_request_save(&h.b);
    h_run_for(&h, 100);
    size_t len1 = 0;
    const char *d1 = fake_fs_get(DB, &len1);
    ASSERT_TRUE(d1 != NULL);
    char *copy = malloc(len1);
    memcpy(copy, d1, len1);
    /* A failing write is logged, the old file stays, the broker goes on. */
    fake_fs_fail_writes(ERR_IO);
    tc_publish(pub, "s/2", "second", 0, 0, true);
    persist_request_save(&h.b);
    h_run_for(&h, 100);
    ASSERT_TRUE(fake_log_contains("saving midge.db failed"));
    size_t len2 = 0;
    const char *d2 = fake_fs_get(DB, &len2);
    ASSERT_EQ_MEM(d2, len2, copy, len1);
    fake_fs_fail_writes(0);
    free(copy);
    tc_publish(pub, "s/3", "third", 0, 0, true); /* still serving */
    tc_free(pub);
    restart(&h, "persistence true\n"); /* the shutdown save works again */
    ASSERT_TRUE(fake_log_contains("restored 3 retained messages"));
    h_stop(&h);
}

static void test_damaged_files_refused(void)
{
    /* A valid file first, then damaged copies of it. */
    struct harness h;
    h_start(&h, "persistence true\n");
    struct tclient *pub = tc_connect(&h, "pub", true, false);
    tc_publish(pub, "d/1", "value", 1, 1, true);
    tc_expect_ack(pub, MQTT_PKT_PUBACK, 1);
    tc_free(pub);
    broker_stop(&h.b);
    broker_cleanup(&h.b);
    plat_loop_free(h.loop);
    log_shutdown();
    size_t len = 0;
    const char *d = fake_fs_get(DB, &len);
    uint8_t *good = malloc(len);
    memcpy(good, d, len);

    fake_fs_put_bytes(DB, good, len - 1);
    start_refused("persistence true\n", "truncated record at byte offset");
    size_t now_len = 0;
    const char *now = fake_fs_get(DB, &now_len);
    ASSERT_EQ_MEM(now, now_len, good, len - 1);

    good[len / 2] ^= 0x10;
    fake_fs_put_bytes(DB, good, len);
    start_refused("persistence true\n", "byte offset");
    good[len / 2] ^= 0x10;

    good[11] = 9; /* version 9, header checksum recomputed */
    uint32_t c = persist_fmt_crc32(0, good, 12);
    uint8_t crc[4] = {(uint8_t)(c >> 24), (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c};
    memcpy(good + 12, crc, 4);
    fake_fs_put_bytes(DB, good, len);
    start_refused("persistence true\n", "format version 9 (byte offset 8) is newer");
    free(good);
    fake_reset();
}

static void test_expiry_counts_downtime(void)
{
    struct harness h;
    const char *conf = "persistence true\npersistent_client_expiration 1h\n";
    h_start(&h, conf);
    struct tclient *c = tc_connect(&h, "old", false, false);
    tc_subscribe(c, "x", 1, 1);
    tc_disconnect(c);
    tc_free(c);
    restart(&h, conf);
    c = tc_connect(&h, "old", false, true); /* still within the hour */
    tc_disconnect(c);
    tc_free(c);
    broker_stop(&h.b);
    broker_cleanup(&h.b);
    plat_loop_free(h.loop);
    log_shutdown();
    fake_time_advance(2u * 3600u * 1000u); /* the broker is down for two hours */
    h_start(&h, conf);
    ASSERT_TRUE(fake_log_contains("client=old session expired while the broker was down"));
    ASSERT_EQ_INT(h.b.stats.clients_expired, 1);
    c = tc_connect(&h, "old", false, false);
    tc_free(c);
    h_stop(&h);
}

/* Count the SESSION records of an encoded file and check it reads back cleanly. */
static size_t count_sessions(const struct buf *f, const char *must_not)
{
    uint32_t v = 0;
    ASSERT_EQ_INT(persist_fmt_check_header(f->data, f->len, &v, NULL), 0);
    struct persist_reader r;
    persist_reader_init(&r, f->data, f->len);
    struct persist_rec rec;
    size_t n = 0;
    int rc;
    while ((rc = persist_reader_next(&r, &rec, NULL)) == 1) {
        struct persist_session s;
        if (rec.type != PERSIST_REC_SESSION)
            continue;
        ASSERT_EQ_INT(persist_fmt_get_session(rec.body, rec.len, &s), 0);
        ASSERT_FALSE(s.id_len == strlen(must_not) && memcmp(s.client_id, must_not, s.id_len) == 0);
        n++;
    }
    ASSERT_EQ_INT(rc, 0);
    return n;
}

/* A snapshot taken in slices while sessions come and go: a session that ends before its
 * turn is skipped, one that starts meanwhile waits for the next save, none twice. */
static void test_sliced_snapshot_with_changes(void)
{
    struct harness h;
    h_start(&h, "persistence true\n");
    struct tclient *c[3];
    const char *ids[3] = {"s-a", "s-b", "s-c"};
    for (int i = 0; i < 3; i++) {
        c[i] = tc_connect(&h, ids[i], false, false);
        tc_subscribe(c[i], "x/#", 1, 1);
    }
    struct persist_job *j = persist__job_new(&h.b, "snap.db");
    tc_disconnect(c[1]);
    session_destroy(session_find(&h.b, "s-b", 3)); /* ends before its turn */
    struct tclient *late = tc_connect(&h, "s-late", false, false);
    while (!persist__snapshot_step(&h.b, j, 1))
        ;
    persist__snapshot_finish(&h.b, j);
    struct buf f;
    buf_init(&f);
    persist__encode(j, &f);
    ASSERT_EQ_INT(j->n_sessions, 2);
    ASSERT_EQ_INT(count_sessions(&f, "s-b"), 2);
    buf_cleanup(&f);
    persist__job_free(&h.b, j);
    for (int i = 0; i < 3; i++)
        tc_free(c[i]);
    tc_free(late);
    h_stop(&h);
}

/* The streamed file (written in 1 MiB pieces) is byte for byte the in-memory encoding. */
static void test_streamed_equals_in_memory(void)
{
    struct harness h;
    h_start(&h, "persistence true\n");
    char topic[32], payload[100];
    memset(payload, 'p', sizeof payload);
    for (int i = 0; i < 30000; i++) { /* about 4 MB */
        int n = snprintf(topic, sizeof topic, "big/%d/%d", i % 97, i);
        retain_set(h.b.retained, msg_new(topic, (size_t)n, payload, sizeof payload, 1, true,
                                         broker_next_msg_id(&h.b)));
    }
    struct tclient *c = tc_connect(&h, "q", false, false);
    tc_subscribe(c, "big/#", 1, 1);
    tc_free(c);
    struct persist_job *j = persist__snapshot(&h.b, DB);
    struct buf mem;
    buf_init(&mem);
    persist__encode(j, &mem);
    persist__job_run(j);
    ASSERT_EQ_INT(j->rc, 0);
    ASSERT_EQ_INT(j->bytes, buf_size(&mem));
    ASSERT_TRUE(buf_size(&mem) > 3u * 1024u * 1024u);
    size_t len = 0;
    const char *file = fake_fs_get(DB, &len);
    ASSERT_EQ_MEM(file, len, buf_head(&mem), buf_size(&mem));
    buf_cleanup(&mem);
    persist__job_free(&h.b, j);
    h_stop(&h);
}

int main(void)
{
    RUN_TEST(test_round_trip_with_flows);
    RUN_TEST(test_autosave_by_time);
    RUN_TEST(test_autosave_on_changes);
    RUN_TEST(test_save_request_and_failure);
    RUN_TEST(test_damaged_files_refused);
    RUN_TEST(test_expiry_counts_downtime);
    RUN_TEST(test_sliced_snapshot_with_changes);
    RUN_TEST(test_streamed_equals_in_memory);
    return 0;
}
