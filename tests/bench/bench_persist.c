/* SPDX-License-Identifier: MIT */
/* Persistence benchmark: fills a broker with N retained messages (and optionally S
 * persistent sessions with queued messages), then measures the snapshot that blocks the
 * loop, the encode+write+fsync that the worker thread does, and the load at start-up.
 * Prints one key=value line. Not a timed test: ctest only runs it with a small N to
 * check that the round trip restores everything.
 *
 *   bench_persist [--retained N] [--payload BYTES] [--sessions S] [--queued Q] [--dir D] */
#include "common/cfg.h"
#include "common/mem.h"
#include "common/platform.h"
#include "service/broker.h"
#include "service/persist_priv.h"
#include "service/retain.h"
#include "service/session.h"
#include "service/sub_tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts {
    size_t retained, payload, sessions, queued;
    const char *dir;
};

static int parse(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i];
        unsigned long long v = strtoull(argv[i + 1], NULL, 10);
        if (!strcmp(k, "--retained"))
            o->retained = (size_t)v;
        else if (!strcmp(k, "--payload"))
            o->payload = (size_t)v;
        else if (!strcmp(k, "--sessions"))
            o->sessions = (size_t)v;
        else if (!strcmp(k, "--queued"))
            o->queued = (size_t)v;
        else if (!strcmp(k, "--dir"))
            o->dir = argv[i + 1];
        else
            return -1;
    }
    return 0;
}

static void new_broker(struct broker *b, const char *dir)
{
    struct cfg c;
    cfg_init(&c);
    c.persistence = true;
    c.persistence_location = xstrdup(dir);
    c.max_queued_messages = 0;
    broker_init(b, &c, NULL, false, NULL, 0);
}

/* N retained messages spread over a 3-level tree, and S sessions with Q queued each. */
static void fill(struct broker *b, const struct opts *o)
{
    uint8_t *payload = xcalloc(1, o->payload + 1);
    char topic[64];
    for (size_t i = 0; i < o->retained; i++) {
        int n = snprintf(topic, sizeof topic, "bench/%zu/%zu/%zu", i % 100, (i / 100) % 100, i);
        retain_set(b->retained,
                   msg_new(topic, (size_t)n, payload, o->payload, 1, true, broker_next_msg_id(b)));
    }
    for (size_t s = 0; s < o->sessions; s++) {
        char id[32];
        int n = snprintf(id, sizeof id, "client-%zu", s);
        struct session *se = session_new(b, id, (size_t)n, true);
        session_sub_add(se, "bench/#", 7, 1);
        for (size_t q = 0; q < o->queued; q++) {
            struct msg *m =
                msg_new("bench/q", 7, payload, o->payload, 1, false, broker_next_msg_id(b));
            session_deliver(se, m, 1, false);
            msg_unref(m);
        }
        se->offline_since_ms = (int64_t)plat_time_mono_ms();
        link_push(&b->offline, &se->expiry_link);
    }
    free(payload);
}

static void free_broker(struct broker *b)
{
    broker_cleanup(b);
}

int main(int argc, char **argv)
{
    struct opts o = {.retained = 1000000, .payload = 64, .dir = "."};
    if (parse(argc, argv, &o) < 0) {
        fprintf(stderr, "usage: bench_persist [--retained N] [--payload B] [--sessions S] "
                        "[--queued Q] [--dir D]\n");
        return 2;
    }
    struct broker *b = xcalloc(1, sizeof *b);
    new_broker(b, o.dir);
    uint64_t t0 = plat_time_mono_ms();
    fill(b, &o);
    uint64_t t1 = plat_time_mono_ms();
    char *path = persist__path(&b->cfg);
    /* The snapshot as the broker takes it: slices of 8192 messages; the longest slice is
     * the longest the loop is blocked (plus the sessions, measured with it). */
    struct persist_job *j = persist__job_new(b, path);
    uint64_t worst = 0, ts = plat_time_mono_ms();
    for (bool done = false; !done;) {
        done = persist__snapshot_step(b, j, 8192);
        if (done)
            persist__snapshot_finish(b, j);
        uint64_t te = plat_time_mono_ms();
        worst = te - ts > worst ? te - ts : worst;
        ts = te;
    }
    uint64_t t2 = plat_time_mono_ms();
    persist__job_run(j);
    uint64_t t3 = plat_time_mono_ms();
    int rc = j->rc;
    size_t bytes = j->bytes;
    persist__job_free(b, j);
    free_broker(b);
    uint64_t t4 = plat_time_mono_ms();
    if (rc < 0) {
        fprintf(stderr, "bench_persist: save failed: %s\n", err_str(rc));
        return 1;
    }
    new_broker(b, o.dir);
    uint64_t t5 = plat_time_mono_ms();
    rc = persist__load(b, path);
    uint64_t t6 = plat_time_mono_ms();
    size_t got = retain_count(b->retained);
    size_t sessions = b->sessions.count;
    uint64_t queued = b->stats.queued;
    free_broker(b);
    free(b);
    free(path);
    printf("retained=%zu payload=%zu sessions=%zu queued=%zu fill_ms=%llu snapshot_ms=%llu "
           "max_slice_ms=%llu write_ms=%llu bytes=%zu load_ms=%llu free_ms=%llu\n",
           o.retained, o.payload, o.sessions, o.queued, (unsigned long long)(t1 - t0),
           (unsigned long long)(t2 - t1), (unsigned long long)worst, (unsigned long long)(t3 - t2),
           bytes, (unsigned long long)(t6 - t5), (unsigned long long)(t4 - t3));
    if (rc < 0 || got != o.retained || sessions != o.sessions ||
        queued != (uint64_t)o.sessions * o.queued) {
        fprintf(stderr, "bench_persist: restored %zu retained, %zu sessions, %llu queued\n", got,
                sessions, (unsigned long long)queued);
        return 1;
    }
    return 0;
}
