/* SPDX-License-Identifier: MIT */
/* Sessions: registry, subscriptions, outbound queue and QoS state machines, inbound
 * QoS 2 ids, offline expiry (see service/session.h). */
#include "service/session.h"

#include "common/mem.h"
#include "service/acl.h"
#include "service/bridge.h"
#include "service/conn.h"
#include "service/log.h"
#include "service/rstream.h"
#include "service/sub_tree.h"

#include <stdlib.h>
#include <string.h>

/* Outbound QoS 1/2 messages in flight per session when max_inflight_messages is 0
 * ("unlimited"): packet ids are 16 bits, so more cannot be distinguished. */
#define MAX_WINDOW 65535u

struct session *session_find(struct broker *b, const char *id, size_t len)
{
    return hmap_get(&b->sessions, id, len);
}

struct session *session_new(struct broker *b, const char *id, size_t len, bool persistent)
{
    struct session *s = xcalloc(1, sizeof *s);
    s->b = b;
    s->client_id = xstrndup(id, len);
    s->id_len = len;
    s->persistent = persistent;
    s->expiry_s = UINT32_MAX;
    s->next_mid = 1;
    link_init(&s->expiry_link);
    hmap_put(&b->sessions, s->client_id, s->id_len, s);
    b->stats.clients_total++;
    return s;
}

/* Logical index i of the queue ring to its entry. */
static struct qentry *qat(const struct outq *q, size_t i)
{
    return &q->e[(q->head + i) % q->cap];
}

static void q_clear(struct broker *b, struct outq *q)
{
    for (size_t i = 0; i < q->count; i++)
        msg_unref(qat(q, i)->m);
    b->stats.queued -= q->count - q->sent;
    b->stats.inflight -= q->active;
    free(q->e);
    memset(q, 0, sizeof *q);
}

void session_destroy(struct session *s)
{
    struct broker *b = s->b;
    ASSERT(s->conn == NULL);
    for (size_t i = 0; i < s->n_subs; i++) {
        sub_tree_remove(b->subs, s->subs[i].filter, s->subs[i].flen, s);
        free(s->subs[i].filter);
    }
    free(s->subs);
    rstream_free_all(s);
    q_clear(b, &s->q);
    free(s->in_qos2);
    acl_session_cleanup(s);
    link_remove(&s->expiry_link);
    hmap_del(&b->sessions, s->client_id, s->id_len);
    b->stats.clients_total--;
    free(s->client_id);
    free(s);
}

void session_attach(struct session *s, struct conn *c)
{
    ASSERT(s->conn == NULL);
    s->conn = c;
    c->sess = s;
    link_remove(&s->expiry_link);
    if (s->persistent)
        s->b->persist_changes++;
    struct stats *st = &s->b->stats;
    st->connects++;
    st->clients_connected++;
    if (st->clients_connected > st->clients_max)
        st->clients_max = st->clients_connected;
}

void session_detach(struct session *s)
{
    struct broker *b = s->b;
    s->conn->sess = NULL;
    s->conn = NULL;
    rstream_detach(s);
    b->stats.clients_connected--;
    if (!s->persistent) {
        session_destroy(s);
        return;
    }
    /* Offline sessions are kept in detach order, so the oldest is always first. */
    s->offline_since_ms = (int64_t)plat_time_mono_ms();
    link_push(&b->offline, &s->expiry_link);
}

/* Allocate the next outbound packet id (never 0). */
static uint16_t next_mid(struct session *s)
{
    uint16_t mid = s->next_mid++;
    if (s->next_mid == 0)
        s->next_mid = 1;
    return mid;
}

static size_t window(const struct broker *b)
{
    uint32_t w = b->cfg.max_inflight_messages;
    return w == 0 || w > MAX_WINDOW ? MAX_WINDOW : w;
}

/* Send entry i (logical index == q->sent) and advance the window. */
static void send_entry(struct session *s, struct qentry *e)
{
    struct outq *q = &s->q;
    q->sent++;
    q->queued_bytes -= e->m->payload_len;
    s->b->stats.queued--;
    if (e->qos == 0) {
        conn_send_publish(s->conn, e->m, 0, 0, false, e->retain);
        e->state = Q_DONE;
        return;
    }
    e->mid = next_mid(s);
    e->state = Q_WAIT_ACK;
    s->b->persist_changes++;
    q->active++;
    s->b->stats.inflight++;
    conn_send_publish(s->conn, e->m, e->qos, e->mid, false, e->retain);
}

/* Pop acknowledged entries from the head so the ring only holds live work. */
static void pop_done(struct session *s)
{
    struct outq *q = &s->q;
    while (q->sent > 0 && qat(q, 0)->state == Q_DONE) {
        msg_unref(qat(q, 0)->m);
        q->head = (q->head + 1) % q->cap;
        q->count--;
        q->sent--;
    }
    if (q->count == 0)
        q->head = 0;
}

void session_pump(struct session *s)
{
    struct outq *q = &s->q;
    size_t w = window(s->b);
    while (s->conn && q->sent < q->count && q->active < w)
        send_entry(s, qat(q, q->sent));
    pop_done(s);
}

void session_resume(struct session *s)
{
    struct outq *q = &s->q;
    for (size_t i = 0; i < q->sent; i++) {
        struct qentry *e = qat(q, i);
        if (e->state == Q_WAIT_ACK)
            conn_send_publish(s->conn, e->m, e->qos, e->mid, true, e->retain);
        else if (e->state == Q_WAIT_COMP)
            conn_send_ack(s->conn, MQTT_PKT_PUBREL, e->mid);
    }
    session_pump(s);
}

/* Whether one more entry of `bytes` payload fits the queue limits. */
static bool queue_has_room(const struct session *s, size_t bytes)
{
    const struct cfg *c = &s->b->cfg;
    size_t waiting = s->q.count - s->q.sent;
    if (c->max_queued_messages && waiting >= c->max_queued_messages)
        return false;
    if (c->max_queued_bytes && s->q.queued_bytes + bytes > c->max_queued_bytes)
        return false;
    return true;
}

static void q_push(struct session *s, struct msg *m, uint8_t qos, bool retain)
{
    struct outq *q = &s->q;
    if (q->count == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 8;
        struct qentry *ne = xmalloc(ncap * sizeof *ne);
        for (size_t i = 0; i < q->count; i++)
            ne[i] = *qat(q, i);
        free(q->e);
        q->e = ne;
        q->cap = ncap;
        q->head = 0;
    }
    struct qentry *e = qat(q, q->count);
    *e = (struct qentry){.m = msg_ref(m), .qos = qos, .state = Q_QUEUED, .retain = retain};
    q->count++;
    q->queued_bytes += m->payload_len;
    s->b->stats.queued++;
    s->b->persist_changes++;
}

void session_deliver(struct session *s, struct msg *m, uint8_t qos, bool retain)
{
    struct broker *b = s->b;
    if (s->bridge && !bridge_fits(s->bridge, m, qos)) {
        b->stats.pub_dropped++; /* bridge_max_packet_size: never sent, never queued */
        return;
    }
    if (qos == 0 && s->conn) {
        /* The hot path: encode straight into the output buffer, no allocation. A
         * consumer that stopped reading loses QoS 0 traffic instead of growing us. */
        if (conn_out_is_congested(s->conn)) {
            b->stats.pub_dropped++;
            return;
        }
        conn_send_publish(s->conn, m, 0, 0, false, retain);
        return;
    }
    if (qos == 0 && !(s->persistent && b->cfg.queue_qos0_messages))
        return; /* offline: QoS 0 is not queued unless asked for */
    if (!queue_has_room(s, m->payload_len)) {
        b->stats.pub_dropped++;
        log_debug("client=%s queue full, message dropped", s->client_id);
        return;
    }
    q_push(s, m, qos, retain);
    if (s->conn)
        session_pump(s);
}

size_t session_queue_filter(struct session *s, bool (*keep)(struct session *s, const struct msg *m))
{
    struct outq *q = &s->q;
    size_t w = q->sent, dropped = 0;
    for (size_t i = q->sent; i < q->count; i++) {
        struct qentry *e = qat(q, i);
        if (keep(s, e->m)) {
            *qat(q, w++) = *e;
            continue;
        }
        q->queued_bytes -= e->m->payload_len;
        s->b->stats.queued--;
        msg_unref(e->m);
        dropped++;
    }
    q->count = w;
    return dropped;
}

/* Find the in-flight entry with packet id mid in state st. */
static struct qentry *find_inflight(struct session *s, uint16_t mid, uint8_t st)
{
    for (size_t i = 0; i < s->q.sent; i++) {
        struct qentry *e = qat(&s->q, i);
        if (e->mid == mid && e->state == st)
            return e;
    }
    return NULL;
}

int session_ack(struct session *s, uint8_t type, uint16_t mid)
{
    uint8_t want = type == MQTT_PKT_PUBCOMP ? Q_WAIT_COMP : Q_WAIT_ACK;
    struct qentry *e = find_inflight(s, mid, want);
    if (!e || (type == MQTT_PKT_PUBACK && e->qos != 1) || (type == MQTT_PKT_PUBREC && e->qos != 2))
        return ERR_NOTFOUND;
    if (type == MQTT_PKT_PUBREC) {
        e->state = Q_WAIT_COMP;
        conn_send_ack(s->conn, MQTT_PKT_PUBREL, mid);
        return 0;
    }
    e->state = Q_DONE;
    s->q.active--;
    s->b->stats.inflight--;
    session_pump(s);
    return 0;
}

bool session_sub_add(struct session *s, const char *f, size_t flen, uint8_t options)
{
    bool replaced = false;
    s->b->persist_changes++;
    sub_tree_add(s->b->subs, f, flen, s, options, 0, &replaced);
    if (replaced) {
        for (size_t i = 0; i < s->n_subs; i++)
            if (s->subs[i].flen == flen && memcmp(s->subs[i].filter, f, flen) == 0)
                s->subs[i].options = options;
        return true;
    }
    if (s->n_subs == s->cap_subs) {
        s->cap_subs = s->cap_subs ? s->cap_subs * 2 : 4;
        s->subs = xrealloc(s->subs, s->cap_subs * sizeof *s->subs);
    }
    s->subs[s->n_subs++] = (struct sub_entry){xstrndup(f, flen), (uint16_t)flen, options};
    return false;
}

int session_sub_remove(struct session *s, const char *f, size_t flen)
{
    for (size_t i = 0; i < s->n_subs; i++) {
        if (s->subs[i].flen != flen || memcmp(s->subs[i].filter, f, flen) != 0)
            continue;
        sub_tree_remove(s->b->subs, f, flen, s);
        free(s->subs[i].filter);
        s->subs[i] = s->subs[--s->n_subs];
        s->b->persist_changes++;
        return 0;
    }
    return ERR_NOTFOUND;
}

bool session_qos2_has(const struct session *s, uint16_t mid)
{
    for (size_t i = 0; i < s->n_in_qos2; i++)
        if (s->in_qos2[i] == mid)
            return true;
    return false;
}

void session_qos2_add(struct session *s, uint16_t mid)
{
    if (s->n_in_qos2 == s->cap_in_qos2) {
        s->cap_in_qos2 = s->cap_in_qos2 ? s->cap_in_qos2 * 2 : 8;
        s->in_qos2 = xrealloc(s->in_qos2, s->cap_in_qos2 * sizeof *s->in_qos2);
    }
    s->in_qos2[s->n_in_qos2++] = mid;
}

void session_qos2_del(struct session *s, uint16_t mid)
{
    for (size_t i = 0; i < s->n_in_qos2; i++) {
        if (s->in_qos2[i] == mid) {
            s->in_qos2[i] = s->in_qos2[--s->n_in_qos2];
            return;
        }
    }
}

void session_expire(struct broker *b)
{
    int64_t limit_ms = b->cfg.persistent_client_expiration * 1000;
    if (limit_ms <= 0)
        return;
    int64_t now = (int64_t)plat_time_mono_ms();
    while (link_linked(&b->offline)) {
        struct session *s = link_entry(b->offline.next, struct session, expiry_link);
        if (now - s->offline_since_ms < limit_ms)
            break;
        log_notice("client=%s expired after %lld s offline", s->client_id,
                   (long long)(now - s->offline_since_ms) / 1000);
        b->stats.clients_expired++;
        session_destroy(s);
    }
}
