/* SPDX-License-Identifier: MIT */
/* Loading: read the persistence file, verify every record and rebuild the retained
 * store and the persistent sessions with their queues and QoS 2 state (see
 * service/persist_priv.h). A damaged file is refused, never repaired or replaced. */
#include "service/persist_priv.h"

#include "common/mem.h"
#include "common/mqtt_topic.h"
#include "common/persist_fmt.h"
#include "service/log.h"
#include "service/retain.h"
#include "service/session.h"

#include <stdlib.h>
#include <string.h>

/* mosquitto's database starts with these 15 bytes (reference section 7). */
#define MOSQ_MAGIC "\x00\xb5\x00mosquitto db"
#define MOSQ_MAGIC_LEN 15u

struct load {
    struct broker *b;
    const char *path;
    struct hmap msgs; /* store id -> struct msg * (one reference each) */
    struct session *cur;
    bool skip_cur; /* the current session expired while the broker was down */
    struct session **loaded;
    size_t n_loaded, cap_loaded;
    size_t n_retained, n_expired, n_entries;
    uint64_t next_msg_id;
    int64_t now_wall;
    uint64_t now_mono;
    struct err_detail d;
};

static int bad(struct load *l, const struct persist_rec *r, const char *what)
{
    return err_set(&l->d, ERR_MALFORMED, NULL, 0, "%s at byte offset %zu", what, r->offset);
}

static void note_id(struct load *l, uint64_t id)
{
    if (id >= l->next_msg_id)
        l->next_msg_id = id + 1;
}

static int load_broker(struct load *l, const struct persist_rec *r)
{
    struct persist_broker v;
    if (persist_fmt_get_broker(r->body, r->len, &v) < 0)
        return bad(l, r, "malformed broker record");
    if (v.next_msg_id > l->next_msg_id)
        l->next_msg_id = v.next_msg_id;
    return 0;
}

static int load_retain(struct load *l, const struct persist_rec *r)
{
    struct persist_msg v;
    if (persist_fmt_get_msg(r->body, r->len, &v) < 0 ||
        !mqtt_topic_is_valid_name(v.topic, v.topic_len))
        return bad(l, r, "malformed retained message record");
    struct msg *m = msg_new(v.topic, v.topic_len, v.payload, v.payload_len, v.qos, true, v.id);
    m->expiry_at = v.expiry_at; /* still being created: not shared yet */
    note_id(l, v.id);
    retain_set(l->b->retained, m);
    l->n_retained++;
    return 0;
}

static int load_msg(struct load *l, const struct persist_rec *r)
{
    struct persist_msg v;
    if (persist_fmt_get_msg(r->body, r->len, &v) < 0 ||
        !mqtt_topic_is_valid_name(v.topic, v.topic_len))
        return bad(l, r, "malformed message record");
    if (hmap_get(&l->msgs, &v.id, sizeof v.id))
        return bad(l, r, "duplicate message id");
    struct msg *m = msg_new(v.topic, v.topic_len, v.payload, v.payload_len, v.qos, v.retain, v.id);
    m->expiry_at = v.expiry_at;
    note_id(l, v.id);
    hmap_put(&l->msgs, &m->id, sizeof m->id, m);
    return 0;
}

/* Whether a session offline since `since` (wall ms) is past persistent_client_expiration. */
static bool expired(const struct load *l, int64_t since)
{
    int64_t limit_ms = l->b->cfg.persistent_client_expiration * 1000;
    return limit_ms > 0 && l->now_wall - since >= limit_ms;
}

static int load_session(struct load *l, const struct persist_rec *r)
{
    struct persist_session v;
    if (persist_fmt_get_session(r->body, r->len, &v) < 0 || memchr(v.client_id, 0, v.id_len))
        return bad(l, r, "malformed session record");
    if (session_find(l->b, v.client_id, v.id_len))
        return bad(l, r, "duplicate session");
    l->cur = NULL;
    l->skip_cur = expired(l, v.offline_since_ms);
    if (l->skip_cur) {
        log_notice("client=%.*s session expired while the broker was down, not restored",
                   (int)v.id_len, v.client_id);
        l->n_expired++;
        l->b->stats.clients_expired++;
        return 0;
    }
    struct session *s = session_new(l->b, v.client_id, v.id_len, true);
    s->next_mid = v.next_mid;
    s->expiry_s = v.expiry_s;
    /* Back to the monotonic clock: as long ago as the wall clocks say (never in the
     * future, should the clock have been set back). */
    int64_t ago = l->now_wall - v.offline_since_ms;
    s->offline_since_ms = (int64_t)l->now_mono - (ago > 0 ? ago : 0);
    if (l->n_loaded == l->cap_loaded) {
        l->cap_loaded = l->cap_loaded ? l->cap_loaded * 2 : 16;
        l->loaded = xrealloc(l->loaded, l->cap_loaded * sizeof *l->loaded);
    }
    l->loaded[l->n_loaded++] = s;
    l->cur = s;
    return 0;
}

static int load_sub(struct load *l, const struct persist_rec *r)
{
    struct persist_sub v;
    if (persist_fmt_get_sub(r->body, r->len, &v) < 0 ||
        !mqtt_topic_is_valid_filter(v.filter, v.flen))
        return bad(l, r, "malformed subscription record");
    if (!l->cur && !l->skip_cur)
        return bad(l, r, "subscription record without a session");
    if (l->cur)
        session_sub_add(l->cur, v.filter, v.flen, v.options);
    return 0;
}

/* Append an entry to the queue of s in the state it was saved in. Sent entries come
 * first (the queue's invariant), which the caller has checked. */
static void queue_restore(struct session *s, struct msg *m, const struct persist_qentry *v)
{
    struct outq *q = &s->q;
    if (q->count == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 8;
        q->e = xrealloc(q->e, q->cap * sizeof *q->e); /* head is 0 while loading */
    }
    q->e[q->count++] = (struct qentry){
        .m = msg_ref(m), .mid = v->mid, .qos = v->qos, .state = v->state, .retain = v->retain};
    if (v->state == Q_QUEUED) {
        q->queued_bytes += m->payload_len;
        s->b->stats.queued++;
    } else {
        q->sent++;
        q->active++;
        s->b->stats.inflight++;
    }
}

static int load_qentry(struct load *l, const struct persist_rec *r)
{
    struct persist_qentry v;
    if (persist_fmt_get_qentry(r->body, r->len, &v) < 0)
        return bad(l, r, "malformed queue entry record");
    if (!l->cur && !l->skip_cur)
        return bad(l, r, "queue entry record without a session");
    struct msg *m = hmap_get(&l->msgs, &v.msg_id, sizeof v.msg_id);
    if (!m)
        return bad(l, r, "queue entry refers to an unknown message");
    if (!l->cur)
        return 0;
    if (v.state != Q_QUEUED && l->cur->q.sent != l->cur->q.count)
        return bad(l, r, "in-flight queue entry after a queued one");
    queue_restore(l->cur, m, &v);
    l->n_entries++;
    return 0;
}

static int load_inqos2(struct load *l, const struct persist_rec *r)
{
    struct persist_inqos2 v;
    if (persist_fmt_get_inqos2(r->body, r->len, &v) < 0)
        return bad(l, r, "malformed inbound QoS 2 record");
    if (!l->cur && !l->skip_cur)
        return bad(l, r, "inbound QoS 2 record without a session");
    for (uint32_t i = 0; l->cur && i < v.count; i++) {
        uint16_t id = persist_fmt_inqos2_id(&v, i);
        if (!session_qos2_has(l->cur, id))
            session_qos2_add(l->cur, id);
    }
    return 0;
}

/* Apply one record (the switch only dispatches). */
static int load_record(struct load *l, const struct persist_rec *r)
{
    switch (r->type) {
    case PERSIST_REC_BROKER:
        return load_broker(l, r);
    case PERSIST_REC_RETAIN:
        return load_retain(l, r);
    case PERSIST_REC_MSG:
        return load_msg(l, r);
    case PERSIST_REC_SESSION:
        return load_session(l, r);
    case PERSIST_REC_SUB:
        return load_sub(l, r);
    case PERSIST_REC_QENTRY:
        return load_qentry(l, r);
    case PERSIST_REC_INQOS2:
        return load_inqos2(l, r);
    default:
        return bad(l, r, "unexpected record type");
    }
}

static int cmp_offline(const void *a, const void *b)
{
    const struct session *x = *(struct session *const *)a, *y = *(struct session *const *)b;
    return x->offline_since_ms < y->offline_since_ms ? -1
                                                     : x->offline_since_ms > y->offline_since_ms;
}

/* File the restored sessions as offline, oldest first, as session_expire expects. */
static void file_offline(struct load *l)
{
    if (l->n_loaded > 1)
        qsort(l->loaded, l->n_loaded, sizeof *l->loaded, cmp_offline);
    for (size_t i = 0; i < l->n_loaded; i++)
        link_push(&l->b->offline, &l->loaded[i]->expiry_link);
}

static void load_cleanup(struct load *l)
{
    for (size_t i = 0; i < l->msgs.cap; i++)
        if (l->msgs.slots[i].key)
            msg_unref(l->msgs.slots[i].value);
    hmap_cleanup(&l->msgs);
    free(l->loaded);
}

/* Verify the header and apply every record. Returns 0 or an error with l->d set. */
static int load_bytes(struct load *l, const uint8_t *data, size_t len)
{
    if (len >= MOSQ_MAGIC_LEN && memcmp(data, MOSQ_MAGIC, MOSQ_MAGIC_LEN) == 0)
        return err_set(&l->d, ERR_NOTSUP, NULL, 0,
                       "this is a mosquitto database (byte offset 0), which midge cannot "
                       "read; set persistence_file to another name or move the file away");
    uint32_t version = 0;
    int rc = persist_fmt_check_header(data, len, &version, &l->d);
    if (rc < 0)
        return rc;
    struct persist_reader rd;
    persist_reader_init(&rd, data, len);
    struct persist_rec rec;
    while ((rc = persist_reader_next(&rd, &rec, &l->d)) == 1) {
        rc = load_record(l, &rec);
        if (rc < 0)
            return rc;
    }
    return rc;
}

int persist__load(struct broker *b, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    struct err_detail d = {{0}, {0}, 0};
    int rc = plat_file_read_all(path, SIZE_MAX / 4, &data, &len, &d);
    if (rc == ERR_NOTFOUND) {
        log_notice("persistence: %s does not exist yet, starting with an empty state", path);
        return 0;
    }
    if (rc < 0) {
        log_error("persistence: cannot read %s: %s", path, d.msg[0] ? d.msg : err_str(rc));
        return rc;
    }
    uint64_t t0 = plat_time_mono_ms();
    struct load l = {.b = b, .path = path, .next_msg_id = b->next_msg_id};
    l.now_wall = plat_time_wall_ms();
    l.now_mono = plat_time_mono_ms();
    hmap_init(&l.msgs, b->sessions.seed);
    rc = load_bytes(&l, (const uint8_t *)data, len);
    free(data);
    file_offline(&l); /* also after a failure, so that broker_cleanup frees them */
    if (rc < 0) {
        log_error("persistence file %s: %s", path, l.d.msg);
        log_error("refusing to start; the file was not changed. Move it aside (e.g. "
                  "'mv %s %s.bad') to start without the saved state, see docs/persistence.md",
                  path, path);
        load_cleanup(&l);
        return rc;
    }
    b->next_msg_id = l.next_msg_id;
    log_notice("persistence: restored %zu retained messages, %zu sessions and %zu queued "
               "messages from %s (%zu bytes, %llu ms)",
               l.n_retained, l.n_loaded, l.n_entries, path, len,
               (unsigned long long)(plat_time_mono_ms() - t0));
    load_cleanup(&l);
    return 0;
}
