/* SPDX-License-Identifier: MIT */
/* Saving: the snapshot taken on the loop thread and the encoding and atomic write that
 * run on a worker thread (see service/persist_priv.h). */
#include "service/persist_priv.h"

#include "common/mem.h"
#include "common/persist_fmt.h"
#include "service/retain.h"
#include "service/session.h"

#include <stdlib.h>
#include <string.h>

char *persist__path(const struct cfg *c)
{
    const char *file =
        c->persistence_file && *c->persistence_file ? c->persistence_file : "midge.db";
    const char *dir = c->persistence_location ? c->persistence_location : "";
    size_t dl = strlen(dir);
    size_t fl = strlen(file);
    bool sep = dl > 0 && dir[dl - 1] != '/' && dir[dl - 1] != '\\';
    char *p = xmalloc(dl + (sep ? 1 : 0) + fl + 1);
    memcpy(p, dir, dl);
    if (sep)
        p[dl++] = '/';
    memcpy(p + dl, file, fl + 1);
    return p;
}

static bool is_sys(const struct msg *m)
{
    return m->topic_len >= 4 && memcmp(m->topic, "$SYS", 4) == 0 &&
           (m->topic_len == 4 || m->topic[4] == '/');
}

/* retain_foreach callback: keep a reference to every retained message but $SYS ones
 * (the broker republishes those itself). */
static void snap_retained(struct msg *m, void *ud)
{
    struct persist_job *j = ud;
    if (is_sys(m))
        return;
    if (j->n_retained == j->cap_retained) {
        j->cap_retained = j->cap_retained ? j->cap_retained * 2 : 64;
        j->retained = xrealloc(j->retained, j->cap_retained * sizeof *j->retained);
    }
    j->retained[j->n_retained++] = msg_ref(m);
}

static void snap_queued(struct persist_job *j, struct msg *m)
{
    if (j->n_queued == j->cap_queued) {
        j->cap_queued = j->cap_queued ? j->cap_queued * 2 : 64;
        j->queued = xrealloc(j->queued, j->cap_queued * sizeof *j->queued);
    }
    j->queued[j->n_queued++] = msg_ref(m);
}

/* The wall-clock time at which s went offline (now for a connected session: if the
 * broker dies, that is the last moment the client is known to have been there). */
static int64_t offline_wall(const struct session *s, int64_t now_wall, uint64_t now_mono)
{
    if (s->conn)
        return now_wall;
    return now_wall - ((int64_t)now_mono - s->offline_since_ms);
}

/* Encode the queue of s: every entry that is not finished, in queue order (sent ones
 * first, as the queue keeps them). */
static void snap_queue(struct persist_job *j, const struct session *s)
{
    const struct outq *q = &s->q;
    for (size_t i = 0; i < q->count; i++) {
        const struct qentry *e = &q->e[(q->head + i) % q->cap];
        if (e->state == Q_DONE)
            continue;
        struct persist_qentry v = {.msg_id = e->m->id,
                                   .mid = e->state == Q_QUEUED ? 0 : e->mid,
                                   .qos = e->qos,
                                   .state = e->state,
                                   .retain = e->retain};
        persist_fmt_put_qentry(&j->sessions, &v);
        j->n_session_recs++;
        snap_queued(j, e->m);
    }
}

/* Encode one persistent session with its subscriptions, queue and inbound QoS 2 ids. */
static void snap_session(struct persist_job *j, const struct session *s, int64_t now_wall,
                         uint64_t now_mono)
{
    struct persist_session v = {.client_id = s->client_id,
                                .id_len = (uint16_t)s->id_len,
                                .flags = s->conn ? PERSIST_SESSION_F_CONNECTED : 0,
                                .next_mid = s->next_mid ? s->next_mid : 1,
                                .expiry_s = s->expiry_s,
                                .offline_since_ms = offline_wall(s, now_wall, now_mono)};
    persist_fmt_put_session(&j->sessions, &v);
    j->n_session_recs++;
    for (size_t i = 0; i < s->n_subs; i++) {
        const struct sub_entry *se = &s->subs[i];
        struct persist_sub sv = {.filter = se->filter, .flen = se->flen, .options = se->options};
        persist_fmt_put_sub(&j->sessions, &sv);
        j->n_session_recs++;
    }
    snap_queue(j, s);
    if (s->n_in_qos2) {
        persist_fmt_put_inqos2(&j->sessions, s->in_qos2, s->n_in_qos2);
        j->n_session_recs++;
    }
    j->n_sessions++;
}

struct persist_job *persist__job_new(struct broker *b, const char *path)
{
    struct persist_job *j = xcalloc(1, sizeof *j);
    j->path = xstrdup(path);
    buf_init(&j->sessions);
    j->cap_retained = retain_count(b->retained);
    if (j->cap_retained)
        j->retained = xmalloc(j->cap_retained * sizeof *j->retained);
    retain_scan_start(b->retained);
    j->scanning = true;
    /* The ids of the persistent sessions now; each is looked up again when its turn
     * comes, so sessions that end meanwhile are skipped and none is saved twice. */
    for (size_t i = 0; i < b->sessions.cap; i++) {
        const struct session *s = b->sessions.slots[i].key ? b->sessions.slots[i].value : NULL;
        if (!s || !s->persistent)
            continue;
        if (j->n_ids == j->cap_ids) {
            j->cap_ids = j->cap_ids ? j->cap_ids * 2 : 16;
            j->ids = xrealloc(j->ids, j->cap_ids * sizeof *j->ids);
        }
        j->ids[j->n_ids++] = xstrndup(s->client_id, s->id_len);
    }
    return j;
}

/* Encode sessions from the id list until about max subscriptions and queue entries
 * were written; returns true when every session is done. */
static bool snap_sessions(struct broker *b, struct persist_job *j, size_t max)
{
    int64_t now_wall = plat_time_wall_ms();
    uint64_t now_mono = plat_time_mono_ms();
    size_t work = 0;
    while (j->next_id < j->n_ids && work < max) {
        const char *id = j->ids[j->next_id++];
        const struct session *s = session_find(b, id, strlen(id));
        if (!s || !s->persistent)
            continue;
        snap_session(j, s, now_wall, now_mono);
        work += 1 + s->n_subs + s->q.count;
    }
    return j->next_id == j->n_ids;
}

bool persist__snapshot_step(struct broker *b, struct persist_job *j, size_t max)
{
    if (j->scanning) {
        if (!retain_scan_step(b->retained, max, snap_retained, j))
            return false;
        retain_scan_stop(b->retained);
        j->scanning = false;
        return j->n_ids == 0;
    }
    /* A queue entry costs about four retained references (a record and a checksum). */
    return snap_sessions(b, j, max / 4 + 1);
}

void persist__snapshot_finish(struct broker *b, struct persist_job *j)
{
    ASSERT(!j->scanning && j->next_id == j->n_ids);
    j->next_msg_id = b->next_msg_id;
    j->saved_at_ms = plat_time_wall_ms();
}

struct persist_job *persist__snapshot(struct broker *b, const char *path)
{
    struct persist_job *j = persist__job_new(b, path);
    while (!persist__snapshot_step(b, j, SIZE_MAX))
        ;
    persist__snapshot_finish(b, j);
    return j;
}

static int cmp_msg_id(const void *a, const void *b)
{
    const struct msg *x = *(struct msg *const *)a, *y = *(struct msg *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void put_msg(struct buf *out, uint16_t type, const struct msg *m)
{
    struct persist_msg v = {.id = m->id,
                            .expiry_at = m->expiry_at,
                            .qos = m->qos,
                            .retain = m->retain,
                            .topic = m->topic,
                            .topic_len = m->topic_len,
                            .payload = m->payload,
                            .payload_len = m->payload_len};
    persist_fmt_put_msg(out, type, &v);
}

/* Bytes the records of n messages need besides topics and payloads. */
#define MSG_REC_FIXED (PERSIST_FMT_REC_OVERHEAD + 32u)
/* The encoder hands the file over in pieces of about this size, so a save needs this
 * much memory rather than the size of the file. */
#define FLUSH_AT (1u << 20)

/* Where encoded records go: a buffer, written out to f whenever it is full (f NULL:
 * everything stays in the buffer). */
struct sink {
    struct buf *out;
    plat_atomic_file *f;
    int rc;
    size_t written;
    struct err_detail *d;
};

static void sink_flush(struct sink *s, bool force)
{
    if (!s->f || s->rc < 0 || (!force && buf_size(s->out) < FLUSH_AT))
        return;
    s->written += buf_size(s->out);
    s->rc = plat_file_atomic_write(s->f, buf_head(s->out), buf_size(s->out), s->d);
    buf_reset(s->out, 2u * FLUSH_AT);
}

/* Reserve what an in-memory encoding will need, to avoid repeated regrowth. */
static void reserve_all(const struct persist_job *j, struct buf *out)
{
    size_t want = PERSIST_FMT_HEADER_LEN + 64 + buf_size(&j->sessions);
    for (size_t i = 0; i < j->n_retained; i++)
        want += MSG_REC_FIXED + j->retained[i]->topic_len + j->retained[i]->payload_len;
    buf_reserve(out, want);
}

static void encode(struct persist_job *j, struct sink *s)
{
    persist_fmt_put_header(s->out);
    struct persist_broker br = {.next_msg_id = j->next_msg_id, .saved_at_ms = j->saved_at_ms};
    persist_fmt_put_broker(s->out, &br);
    uint64_t n = 1;
    for (size_t i = 0; i < j->n_retained && s->rc == 0; i++) {
        put_msg(s->out, PERSIST_REC_RETAIN, j->retained[i]);
        sink_flush(s, false);
    }
    n += j->n_retained;
    /* Each queued message once, however many queues hold it. Sorting the job's own
     * array is safe: only this thread looks at it until the job is freed. */
    if (j->n_queued > 1)
        qsort(j->queued, j->n_queued, sizeof *j->queued, cmp_msg_id);
    for (size_t i = 0; i < j->n_queued && s->rc == 0; i++) {
        if (i > 0 && j->queued[i]->id == j->queued[i - 1]->id)
            continue;
        put_msg(s->out, PERSIST_REC_MSG, j->queued[i]);
        sink_flush(s, false);
        n++;
    }
    sink_flush(s, true);
    if (s->rc == 0)
        s->rc = s->f ? plat_file_atomic_write(s->f, buf_head(&j->sessions), buf_size(&j->sessions),
                                              s->d)
                     : 0;
    if (!s->f)
        buf_append(s->out, buf_head(&j->sessions), buf_size(&j->sessions));
    else
        s->written += buf_size(&j->sessions);
    n += j->n_session_recs;
    persist_fmt_put_end(s->out, n);
    sink_flush(s, true);
}

void persist__encode(struct persist_job *j, struct buf *out)
{
    struct sink s = {.out = out};
    reserve_all(j, out);
    encode(j, &s);
}

void persist__job_run(void *ud)
{
    struct persist_job *j = ud;
    plat_atomic_file *f = NULL;
    j->rc = plat_file_atomic_begin(j->path, 0600, &f, &j->d);
    if (j->rc < 0)
        return;
    struct buf out;
    buf_init(&out);
    buf_reserve(&out, 2u * FLUSH_AT);
    struct sink s = {.out = &out, .f = f, .d = &j->d};
    encode(j, &s);
    buf_cleanup(&out);
    j->bytes = s.written;
    if (s.rc < 0) {
        plat_file_atomic_abort(f);
        j->rc = s.rc;
        return;
    }
    j->rc = plat_file_atomic_commit(f, &j->d);
}

void persist__job_free(struct broker *b, struct persist_job *j)
{
    if (!j)
        return;
    if (j->scanning)
        retain_scan_stop(b->retained);
    for (size_t i = 0; i < j->n_retained; i++)
        msg_unref(j->retained[i]);
    for (size_t i = 0; i < j->n_queued; i++)
        msg_unref(j->queued[i]);
    free(j->retained);
    free(j->queued);
    for (size_t i = 0; i < j->n_ids; i++)
        free(j->ids[i]);
    free(j->ids);
    buf_cleanup(&j->sessions);
    free(j->path);
    free(j);
}
