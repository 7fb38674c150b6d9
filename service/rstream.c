/* SPDX-License-Identifier: MIT */
/* Retained streams: snapshots of the retained messages matching a new subscription,
 * delivered a slice at a time as the subscriber's output drains (see service/rstream.h). */
#include "service/rstream.h"

#include "common/mem.h"
#include "service/acl.h"
#include "service/conn.h"
#include "service/log.h"
#include "service/retain.h"
#include "service/session.h"

#include <stdlib.h>
#include <string.h>

/* Snapshot entries one session may hold over all its streams (8 bytes each). The first
 * stream is never cut, so any store can be streamed to a `#` subscriber; a client that
 * subscribes again and again without reading loses the copies past this limit (counted
 * as dropped) instead of growing the broker without bound. */
#define RSTREAM_MAX_PENDING (1u << 20)
/* Messages looked ahead for prefetching: snapshots point all over the heap. */
#define PREFETCH_AHEAD 8u

struct rstream {
    struct rstream *next; /* the session's next (younger) stream */
    char *filter;         /* owned copy, mounted */
    size_t flen;
    uint8_t granted;
    struct msg **m; /* owned references m[pos..n) still to deliver */
    size_t n, cap, pos;
};

/* Collecting the snapshot of one stream. */
struct collect_ctx {
    struct rstream *st;
    size_t room;    /* entries the stream may still take */
    size_t dropped; /* matching messages left out (RSTREAM_MAX_PENDING) */
};

static void stream_free(struct rstream *st)
{
    for (size_t i = st->pos; i < st->n; i++)
        msg_unref(st->m[i]);
    free(st->m);
    free(st->filter);
    free(st);
}

size_t rstream_pending(const struct session *s)
{
    size_t n = 0;
    for (const struct rstream *st = s->rstreams; st; st = st->next)
        n += st->n - st->pos;
    return n;
}

/* retain_match callback: keep a reference to each matching message. */
static void on_match(struct msg *m, void *ud)
{
    struct collect_ctx *x = ud;
    struct rstream *st = x->st;
    if (st->n == x->room) {
        x->dropped++;
        return;
    }
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->m = xrealloc(st->m, st->cap * sizeof *st->m);
    }
    st->m[st->n++] = msg_ref(m);
}

/* Deliver one snapshot entry (borrowed) of st to s, unless it left the store since or
 * s may not read it (checked now, so an ACL reload during the stream applies). */
static void deliver(struct session *s, const struct rstream *st, struct msg *m)
{
    if (!m->stored)
        return; /* replaced or cleared: the subscriber got the change live */
    if (!acl_session_may_read(s, m->topic, m->topic_len))
        return; /* retained messages on subscribe are checked one by one */
    uint8_t g = st->granted;
    uint8_t qos = s->b->cfg.upgrade_outgoing_qos ? g : (m->qos < g ? m->qos : g);
    if (qos == 0 && s->conn) {
        /* Not subject to the slow-consumer limit: the stream itself only fills the
         * output while it is below RSTREAM_LOW_WATER. */
        conn_send_publish(s->conn, m, 0, 0, false, true);
        return;
    }
    session_deliver(s, m, qos, true);
}

/* Unlink the stream *pp points to and free it. */
static void unlink_free(struct rstream **pp)
{
    struct rstream *st = *pp;
    *pp = st->next;
    stream_free(st);
}

void rstream_cancel(struct session *s, const char *f, size_t flen)
{
    for (struct rstream **pp = &s->rstreams; *pp; pp = &(*pp)->next) {
        if ((*pp)->flen == flen && memcmp((*pp)->filter, f, flen) == 0) {
            unlink_free(pp);
            return; /* at most one stream per filter */
        }
    }
}

void rstream_start(struct broker *b, struct session *s, const char *f, size_t flen, uint8_t granted)
{
    rstream_cancel(s, f, flen); /* a repeated SUBSCRIBE restarts the filter's stream */
    struct rstream *st = xcalloc(1, sizeof *st);
    st->filter = xstrndup(f, flen);
    st->flen = flen;
    st->granted = granted;
    size_t pending = rstream_pending(s);
    struct collect_ctx x = {st, SIZE_MAX, 0};
    if (pending > 0)
        x.room = pending < RSTREAM_MAX_PENDING ? RSTREAM_MAX_PENDING - pending : 0;
    retain_match(b->retained, f, flen, on_match, &x);
    if (x.dropped) {
        b->stats.pub_dropped += x.dropped;
        log_debug("client=%s %zu retained messages for '%s' dropped: too many pending",
                  s->client_id, x.dropped, st->filter);
    }
    if (st->n == 0) {
        stream_free(st);
        return;
    }
    struct rstream **pp = &s->rstreams;
    while (*pp)
        pp = &(*pp)->next;
    *pp = st;
    rstream_fill(s);
}

bool rstream_ready(const struct session *s)
{
    return s->conn && s->rstreams && s->q.count == s->q.sent;
}

size_t rstream_fill(struct session *s)
{
    size_t done = 0;
    while (done < RSTREAM_SLICE && rstream_ready(s) &&
           conn_out_unsent(s->conn) < RSTREAM_LOW_WATER) {
        struct rstream *st = s->rstreams;
        if (st->pos == st->n) {
            unlink_free(&s->rstreams);
            continue;
        }
        if (st->pos + PREFETCH_AHEAD < st->n)
            __builtin_prefetch(st->m[st->pos + PREFETCH_AHEAD]);
        struct msg *m = st->m[st->pos++];
        deliver(s, st, m);
        msg_unref(m);
        done++;
    }
    while (s->rstreams && s->rstreams->pos == s->rstreams->n)
        unlink_free(&s->rstreams);
    return done;
}

void rstream_detach(struct session *s)
{
    while (s->rstreams) {
        struct rstream *st = s->rstreams;
        /* Offline now: QoS 1/2 copies are queued as they would have been before. */
        if (s->persistent)
            for (; st->pos < st->n; st->pos++) {
                deliver(s, st, st->m[st->pos]);
                msg_unref(st->m[st->pos]);
            }
        unlink_free(&s->rstreams);
    }
}

void rstream_free_all(struct session *s)
{
    while (s->rstreams)
        unlink_free(&s->rstreams);
}
