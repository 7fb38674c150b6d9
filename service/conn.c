/* SPDX-License-Identifier: MIT */
/* Client connection I/O: accept, chunked reads framed into packets, coalesced writes,
 * keepalive supervision and deferred closing (see service/conn.h). */
#include "service/conn.h"

#include "common/mem.h"
#include "service/acl.h"
#include "service/bridge.h"
#include "service/dispatch.h"
#include "service/log.h"
#include "service/out_pool.h"
#include "service/route.h"
#include "service/rstream.h"
#include "service/session.h"
#include "service/tls.h"

#include <stdlib.h>
#include <string.h>

/* Reads per readiness event before yielding to other connections (fairness). */
#define READS_PER_EVENT 4
/* Output beyond this size is not grown further by QoS 0 deliveries (slow consumer). */
#define OUT_SOFT_LIMIT (8u * 1024u * 1024u)

static void on_conn_io(plat_sock *s, unsigned events, void *ud);

static void conn_free(struct conn *c)
{
    plat_sock_close(c->sock);
    tls_conn_free(c->tls);
    buf_cleanup(&c->in);
    out_pool_give(c->b->out_pool, &c->out);
    msg_unref(c->will);
    free(c->username);
    free(c);
}

static struct conn *conn_new(struct listener *lst, plat_sock *sock, const struct plat_addr *peer)
{
    struct broker *b = lst->b;
    struct conn *c = xcalloc(1, sizeof *c);
    c->b = b;
    c->sock = sock;
    c->lst = lst;
    plat_addr_format(peer, c->addr, sizeof c->addr);
    buf_init(&c->in);
    buf_init(&c->out);
    link_init(&c->all_link);
    link_init(&c->flush_link);
    link_init(&c->ka_link);
    c->connected_ms = c->last_rx_ms = plat_time_mono_ms();
    link_push(&b->conns, &c->all_link);
    return c;
}

/* Accept one connection; returns false when nothing more can be accepted now. */
static bool accept_one(struct listener *lst)
{
    struct broker *b = lst->b;
    plat_sock *s = NULL;
    struct plat_addr peer;
    int rc = plat_sock_accept(lst->sock, &s, &peer);
    if (rc == ERR_AGAIN)
        return false;
    if (rc == ERR_LIMIT) {
        /* Out of descriptors: stop accepting until a connection closes, instead of
         * spinning on a listener that stays readable. */
        log_warn("listener=%s out of file descriptors; pausing accept", lst->name);
        plat_sock_watch(lst->sock, 0, NULL, NULL);
        lst->paused = true;
        return false;
    }
    if (rc < 0) {
        log_warn("listener=%s accept failed: %s", lst->name, err_str(rc));
        return false;
    }
    if (lst->cfg.max_connections >= 0 && lst->n_conns >= (uint64_t)lst->cfg.max_connections) {
        char a[64];
        log_notice("listener=%s addr=%s refused: max_connections %d reached", lst->name,
                   plat_addr_format(&peer, a, sizeof a), lst->cfg.max_connections);
        plat_sock_close(s);
        return true;
    }
    struct conn *c = conn_new(lst, s, &peer);
    lst->n_conns++;
    b->stats.connections++;
    b->stats.sockets_open++;
    if (b->cfg.set_tcp_nodelay)
        plat_sock_set_nodelay(s, true);
    c->reading = true;
    plat_sock_watch(s, PLAT_EV_READ, on_conn_io, c);
    conn_keepalive_arm(c);
    log_debug("listener=%s addr=%s new connection", lst->name, c->addr);
    if (lst->tls && tls_conn_new(lst->tls, &c->tls) < 0)
        conn_close(c, "out of memory for TLS");
    return true;
}

struct conn *conn_adopt(struct listener *lst, plat_sock *sock, const struct plat_addr *peer)
{
    struct broker *b = lst->b;
    struct conn *c = conn_new(lst, sock, peer);
    lst->n_conns++;
    b->stats.connections++;
    b->stats.sockets_open++;
    if (b->cfg.set_tcp_nodelay)
        plat_sock_set_nodelay(sock, true);
    c->reading = true;
    plat_sock_watch(sock, PLAT_EV_READ, on_conn_io, c);
    conn_keepalive_arm(c);
    return c;
}

void conn_accept_all(struct listener *lst)
{
    /* Bound the batch so a connection storm cannot starve established clients. */
    for (int i = 0; i < 64 && accept_one(lst); i++)
        ;
}

static void mark_flush(struct conn *c)
{
    if (!link_linked(&c->flush_link) && c->state != CONN_CLOSING)
        link_push(&c->b->flush, &c->flush_link);
}

void conn_flush_soon(struct conn *c)
{
    mark_flush(c);
}

int conn_send(struct conn *c, const struct mqtt_packet *p)
{
    if (c->state == CONN_CLOSING && p->type != MQTT_PKT_CONNACK)
        return ERR_CLOSED; /* nothing more goes out, and nothing is counted as sent */
    out_pool_take(c->b->out_pool, &c->out); /* warm storage instead of a malloc */
    int n = mqtt_codec_encode(&c->out, p, c->version ? c->version : MQTT_V311);
    if (n < 0)
        return n;
    c->b->stats.msgs_sent++;
    c->b->stats.bytes_sent += (uint64_t)n;
    mark_flush(c);
    return 0;
}

void conn_send_ack(struct conn *c, uint8_t type, uint16_t mid)
{
    struct mqtt_packet p = {.type = type};
    p.u.ack.packet_id = mid;
    conn_send(c, &p);
}

void conn_send_publish(struct conn *c, const struct msg *m, uint8_t qos, uint16_t mid, bool dup,
                       bool retain)
{
    if (c->bridge) {
        bridge_send_publish(c, m, qos, mid, dup, retain); /* remaps the topic */
        return;
    }
    struct mqtt_packet p = {.type = MQTT_PKT_PUBLISH};
    const char *topic = m->topic;
    size_t tlen = m->topic_len;
    const char *mp = c->lst->cfg.mount_point;
    if (mp) {
        /* Filters of mounted clients are prefixed, so every match carries the prefix. */
        size_t mlen = strlen(mp);
        if (tlen >= mlen && memcmp(topic, mp, mlen) == 0) {
            topic += mlen;
            tlen -= mlen;
        }
    }
    p.u.publish.qos = qos;
    p.u.publish.dup = dup;
    p.u.publish.retain = retain;
    p.u.publish.topic.p = (const uint8_t *)topic;
    p.u.publish.topic.len = (uint16_t)tlen;
    p.u.publish.packet_id = mid;
    p.u.publish.payload = m->payload;
    p.u.publish.payload_len = m->payload_len;
    if (conn_send(c, &p) == 0) {
        c->b->stats.pub_sent++;
        c->b->stats.pub_bytes_sent += m->payload_len;
    }
}

/* TLS failures are logged per connection, but a scanner or a misconfigured fleet must not
 * flood the log: at most this many lines per listener and second, then a count. */
#define TLS_LOG_PER_SEC 20u

/* Whether another TLS failure line may be logged for lst now. */
static bool tls_log_allowed(struct listener *lst)
{
    uint64_t sec = plat_time_mono_ms() / 1000u;
    if (sec != lst->tls_log_sec) {
        if (lst->tls_log_dropped)
            log_notice("listener=%s %u more TLS failures were not logged", lst->name,
                       lst->tls_log_dropped);
        lst->tls_log_sec = sec;
        lst->tls_log_lines = lst->tls_log_dropped = 0;
    }
    if (lst->tls_log_lines < TLS_LOG_PER_SEC) {
        lst->tls_log_lines++;
        return true;
    }
    lst->tls_log_dropped++;
    return false;
}

/* The bytes that go on the wire: the output buffer itself, or for a TLS connection its
 * records after the pending output was sealed into them. NULL when sealing failed
 * (c is then closed unless it already was). */
static struct buf *wire_out(struct conn *c)
{
    if (!c->tls)
        return &c->out;
    if (tls_conn_seal(c->tls, &c->out) < 0) {
        if (tls_log_allowed(c->lst))
            log_notice("listener=%s addr=%s TLS error: %s", c->lst->name, c->addr,
                       tls_conn_error(c->tls));
        conn_close(c, "TLS error");
        return NULL;
    }
    return tls_conn_wire(c->tls);
}

/* Write as much pending output as the socket takes; manage write interest. */
static void flush_one(struct conn *c)
{
    if (c->sess && c->sess->rstreams)
        rstream_fill(c->sess); /* retained streams refill as the output drains */
    struct buf *ob = wire_out(c);
    if (!ob)
        return;
    while (buf_size(ob) > 0) {
        long n = plat_sock_write(c->sock, buf_head(ob), buf_size(ob));
        if (n == ERR_AGAIN)
            break;
        if (n < 0) {
            buf_reset(ob, 0);
            conn_close(c, n == ERR_CLOSED ? "connection reset by peer" : "write error");
            return;
        }
        buf_consume(ob, (size_t)n);
    }
    /* A retained stream that can go on keeps write interest: writable = refill. */
    bool need = buf_size(ob) > 0 || (c->sess && rstream_ready(c->sess));
    if (!need) {
        if (ob == &c->out)
            out_pool_give(c->b->out_pool, &c->out); /* idle connections hold no buffer */
        else
            buf_reset(ob, 16384); /* TLS records: keep modest buffers, release big ones */
    }
    if (need != c->want_write && c->state != CONN_CLOSING) {
        c->want_write = need;
        unsigned ev = (c->reading ? PLAT_EV_READ : 0u) | (need ? PLAT_EV_WRITE : 0u);
        plat_sock_watch(c->sock, ev, on_conn_io, c);
    }
}

size_t conn_out_unsent(const struct conn *c)
{
    size_t sealed = c->tls ? buf_size(tls_conn_wire(c->tls)) : 0;
    return buf_size(&c->out) + sealed;
}

bool conn_out_is_congested(const struct conn *c)
{
    return conn_out_unsent(c) > OUT_SOFT_LIMIT;
}

/* Process every complete packet in data[0..len); returns bytes consumed or an error
 * after which the connection has been closed. */
static long process(struct conn *c, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (off < len && c->state != CONN_CLOSING) {
        struct mqtt_header h;
        int rc = mqtt_codec_decode_header(data + off, len - off, &h);
        if (rc == ERR_AGAIN)
            break;
        if (rc < 0) {
            conn_close(c, "malformed fixed header");
            return rc;
        }
        uint64_t total = (uint64_t)h.hdr_len + h.remaining;
        uint32_t maxp = c->b->cfg.max_packet_size;
        if (maxp && total > maxp) {
            log_notice("client=%s addr=%s packet of %llu bytes exceeds max_packet_size %u",
                       c->sess ? c->sess->client_id : "?", c->addr, (unsigned long long)total,
                       maxp);
            conn_close(c, "packet too large");
            return ERR_TOOBIG;
        }
        if (len - off < total)
            break;
        c->b->stats.msgs_received++;
        c->b->stats.bytes_received += total;
        rc = dispatch_packet(c, &h, data + off + h.hdr_len);
        if (rc < 0)
            return rc;
        off += (size_t)total;
    }
    return (long)off;
}

/* Feed freshly read bytes: straight from the shared read buffer when no partial packet
 * is pending (the common case, no copy), otherwise appended to the carry-over buffer. */
static int feed(struct conn *c, const uint8_t *data, size_t n)
{
    if (buf_size(&c->in) == 0) {
        long used = process(c, data, n);
        if (used < 0)
            return (int)used;
        if ((size_t)used < n && c->state != CONN_CLOSING)
            buf_append(&c->in, data + used, n - (size_t)used);
        return 0;
    }
    uint8_t *w = buf_try_reserve(&c->in, n);
    if (!w) {
        conn_close(c, "out of memory for input");
        return ERR_NOMEM;
    }
    memcpy(w, data, n);
    buf_commit(&c->in, n);
    long used = process(c, buf_head(&c->in), buf_size(&c->in));
    if (used < 0)
        return (int)used;
    if (c->state != CONN_CLOSING)
        buf_consume(&c->in, (size_t)used);
    if (buf_size(&c->in) == 0)
        buf_reset(&c->in, 0);
    return 0;
}

/* A TLS connection's input: n bytes of ciphertext at data (in the shared read buffer).
 * The ciphertext is copied into the TLS session first, so the plaintext can be
 * decrypted into the same shared buffer and framed by feed() as on plain TCP. */
static int tls_input(struct conn *c, const uint8_t *data, size_t n)
{
    struct broker *b = c->b;
    long m = tls_conn_put(c->tls, data, n);
    while (m >= 0 && c->state != CONN_CLOSING) {
        m = tls_conn_read(c->tls, b->rbuf, b->rbuf_size);
        if (m > 0 && feed(c, b->rbuf, (size_t)m) < 0)
            return -1;
    }
    if (tls_conn_has_output(c->tls))
        mark_flush(c); /* handshake answers, alerts, session tickets */
    if (m == ERR_AGAIN || c->state == CONN_CLOSING)
        return 0;
    if (m == ERR_CLOSED) {
        conn_close(c, "connection closed by peer");
        return -1;
    }
    if (tls_log_allowed(c->lst))
        log_notice("listener=%s addr=%s TLS %s failed: %s", c->lst->name, c->addr,
                   tls_conn_is_established(c->tls) ? "session" : "handshake",
                   m == ERR_PROTOCOL ? tls_conn_error(c->tls) : err_str((int)m));
    conn_close(c, "TLS error");
    return -1;
}

static void conn_read(struct conn *c)
{
    struct broker *b = c->b;
    for (int i = 0; i < READS_PER_EVENT && c->state != CONN_CLOSING; i++) {
        long n = plat_sock_read(c->sock, b->rbuf, b->rbuf_size);
        if (n == ERR_AGAIN)
            return;
        if (n < 0) {
            conn_close(c, n == ERR_CLOSED ? "connection closed by peer" : "read error");
            return;
        }
        c->last_rx_ms = plat_time_mono_ms();
        int rc = c->tls ? tls_input(c, b->rbuf, (size_t)n) : feed(c, b->rbuf, (size_t)n);
        if (rc < 0 || (size_t)n < b->rbuf_size)
            return;
    }
}

static void on_conn_io(plat_sock *s, unsigned events, void *ud)
{
    (void)s;
    struct conn *c = ud;
    if (c->state == CONN_CLOSING)
        return;
    if (events & (PLAT_EV_READ | PLAT_EV_HUP | PLAT_EV_ERROR))
        conn_read(c);
    if ((events & PLAT_EV_WRITE) && c->state != CONN_CLOSING)
        flush_one(c);
}

void conn_close(struct conn *c, const char *reason)
{
    if (c->state == CONN_CLOSING)
        return;
    struct broker *b = c->b;
    bool was_active = c->state == CONN_ACTIVE;
    c->state = CONN_CLOSING;
    c->close_reason = reason;
    plat_sock_watch(c->sock, 0, NULL, NULL);
    link_remove(&c->all_link);
    link_push(&b->closing, &c->all_link);
    link_remove(&c->ka_link);
    if (c->sess && b->cfg.connection_messages && was_active)
        log_notice("client=%s addr=%s disconnected: %s", c->sess->client_id, c->addr, reason);
    else if (!was_active)
        log_debug("addr=%s closed before CONNECT completed: %s", c->addr, reason);
    /* The ACL may have changed since CONNECT checked the will (reload): check again. */
    if (c->send_will && c->will && c->sess &&
        !acl_session_may_write(c->sess, c->will->topic, c->will->topic_len)) {
        log_notice("client=%s will to '%s' denied by the ACL", c->sess->client_id, c->will->topic);
        c->send_will = false;
    }
    /* Detach first: a will matching the client's own subscriptions must be queued for its
     * (offline) session, not marked in flight on a connection that will never send it. */
    if (c->sess)
        session_detach(c->sess);
    if (c->bridge)
        bridge_conn_closed(c);
    if (c->send_will && c->will) {
        struct msg *w = c->will;
        c->will = NULL;
        route_publish(b, w);
        msg_unref(w);
    }
}

void conn_close_all(struct broker *b)
{
    while (link_linked(&b->conns))
        conn_close(link_entry(b->conns.next, struct conn, all_link), "broker shutting down");
}

/* Free one closed connection after a last attempt to deliver its final packets (for
 * example a CONNACK with an error code). */
static void reap(struct conn *c)
{
    struct broker *b = c->b;
    struct buf *ob = wire_out(c);
    if (ob && buf_size(ob) > 0)
        (void)plat_sock_write(c->sock, buf_head(ob), buf_size(ob));
    link_remove(&c->all_link);
    link_remove(&c->flush_link);
    b->stats.sockets_open--;
    c->lst->n_conns--;
    listener_conn_closed(c->lst);
    conn_free(c);
}

void conn_before_sleep(struct broker *b)
{
    while (link_linked(&b->flush)) {
        struct conn *c = link_entry(b->flush.next, struct conn, flush_link);
        link_remove(&c->flush_link);
        if (c->state != CONN_CLOSING)
            flush_one(c);
    }
    while (link_linked(&b->closing))
        reap(link_entry(b->closing.next, struct conn, all_link));
}

/* Deadline in mono ms of c, or 0 when it has none (keepalive 0 after CONNECT). */
static uint64_t deadline(const struct conn *c)
{
    if (c->state == CONN_NEW)
        return c->connected_ms + CONN_CONNECT_TIMEOUT_MS;
    if (c->keepalive == 0)
        return 0;
    /* MQTT-3.1.2-24: one and a half times the keepalive period. */
    return c->last_rx_ms + (uint64_t)c->keepalive * 1500u;
}

void conn_keepalive_arm(struct conn *c)
{
    link_remove(&c->ka_link);
    uint64_t d = deadline(c);
    if (d == 0)
        return;
    uint64_t tick = (d + KA_TICK_MS - 1) / KA_TICK_MS;
    if (tick <= c->b->ka_tick)
        tick = c->b->ka_tick + 1;
    c->ka_slot = (uint32_t)(tick % KA_SLOTS);
    link_push(&c->b->ka_wheel[c->ka_slot], &c->ka_link);
}

/* Why c's deadline closes it; a stalled TLS handshake is logged (as other TLS failures). */
static const char *expiry_reason(struct conn *c)
{
    if (c->state != CONN_NEW)
        return "keepalive expired";
    if (!c->tls || tls_conn_is_established(c->tls))
        return "no CONNECT in time";
    if (tls_log_allowed(c->lst))
        log_notice("listener=%s addr=%s TLS handshake failed: not completed within %u s",
                   c->lst->name, c->addr, CONN_CONNECT_TIMEOUT_MS / 1000u);
    return "TLS handshake timed out";
}

/* Visit one wheel slot: expire what is due, re-file what was active meanwhile (lazy
 * rescheduling keeps the per-packet cost at one timestamp store). */
static void ka_slot_run(struct broker *b, size_t slot, uint64_t now)
{
    struct link pending;
    link_init(&pending);
    /* Move the slot's entries aside first: re-filing may put them back into this slot. */
    while (link_linked(&b->ka_wheel[slot])) {
        struct link *l = b->ka_wheel[slot].next;
        link_remove(l);
        link_push(&pending, l);
    }
    while (link_linked(&pending)) {
        struct conn *c = link_entry(pending.next, struct conn, ka_link);
        link_remove(&c->ka_link);
        uint64_t d = deadline(c);
        if (d != 0 && d <= now)
            conn_close(c, expiry_reason(c));
        else
            conn_keepalive_arm(c);
    }
}

void conn_keepalive_tick(struct broker *b)
{
    uint64_t now = plat_time_mono_ms();
    uint64_t target = now / KA_TICK_MS;
    /* After a long stall do not walk more than one full turn of the wheel. */
    if (target - b->ka_tick > KA_SLOTS)
        b->ka_tick = target - KA_SLOTS;
    while (b->ka_tick < target) {
        b->ka_tick++;
        ka_slot_run(b, (size_t)(b->ka_tick % KA_SLOTS), now);
    }
}
