/* SPDX-License-Identifier: MIT */
/* Bridge lifecycle (service/bridge.h): one timer per bridge drives the states waiting ->
 * resolving (DNS on a worker thread, polled, so the loop never blocks) -> connecting
 * (non-blocking TCP) -> CONNACK -> up, with restart_timeout between failures, address
 * rotation, keepalive PINGREQ and lazy start/stop. */
#include "service/bridge_priv.h"

#include "common/mem.h"
#include "service/conn.h"
#include "service/log.h"
#include "service/route.h"
#include "service/session.h"
#include "service/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BRIDGE_TICK_MS 250u
#define BRIDGE_CONNECT_TIMEOUT_MS 10000u

static void on_tick(plat_timer *t, void *ud);

static char *dup_join(const char *a, const char *b)
{
    size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
    char *s = xmalloc(la + lb + 1);
    memcpy(s, a ? a : "", la);
    memcpy(s + la, b ? b : "", lb + 1);
    return s;
}

struct session *bridge__session(struct bridge *br)
{
    struct broker *b = br->b;
    size_t len = strlen(br->local_id);
    struct session *s = session_find(b, br->local_id, len);
    if (!s) {
        s = session_new(b, br->local_id, len, true);
        /* Offline from the start: filed like a detached session, so that expiry and
         * shutdown treat it as every other offline session. */
        s->offline_since_ms = (int64_t)plat_time_mono_ms();
        link_push(&b->offline, &s->expiry_link);
    }
    /* The local side always keeps its session: QoS 1/2 messages for a bridge that is
     * down wait in it (within max_queued_messages) until the remote is back. */
    s->persistent = true;
    s->bridge = br; /* bridge_max_packet_size is checked when messages are queued */
    for (size_t i = 0; i < br->cfg->n_topics; i++) {
        const struct bridge_topic *t = &br->topics[i];
        if (t->t->dir & CFG_BRIDGE_OUT)
            session_sub_add(s, t->local_filter, strlen(t->local_filter), t->t->qos);
    }
    return s;
}

static struct bridge *bridge_new(struct broker *b, const struct cfg_bridge *cfg)
{
    struct bridge *br = xcalloc(1, sizeof *br);
    char host[256], buf[600];
    br->b = b;
    br->cfg = cfg;
    plat_net_hostname(host, sizeof host);
    snprintf(buf, sizeof buf, "%s.%s", host, cfg->name);
    br->remote_id = xstrdup(cfg->remote_clientid ? cfg->remote_clientid : buf);
    br->local_id =
        cfg->local_clientid ? xstrdup(cfg->local_clientid) : dup_join("local.", br->remote_id);
    if (cfg->notification_topic) {
        br->state_topic = xstrdup(cfg->notification_topic);
    } else {
        snprintf(buf, sizeof buf, "$SYS/broker/connection/%.400s/state", br->remote_id);
        br->state_topic = xstrdup(buf);
    }
    br->topics = xcalloc(cfg->n_topics, sizeof *br->topics);
    for (size_t i = 0; i < cfg->n_topics; i++) {
        const struct cfg_bridge_topic *t = &cfg->topics[i];
        br->topics[i].t = t;
        br->topics[i].local_filter = dup_join(t->local_prefix, t->pattern);
        br->topics[i].remote_filter = dup_join(t->remote_prefix, t->pattern);
    }
    br->lst.b = b;
    snprintf(br->lst.name, sizeof br->lst.name, "bridge:%.60s", cfg->name);
    br->private_on = cfg->try_private;
    br->backoff_s = cfg->restart_base_s;
    return br;
}

/* Start a DNS lookup of the current address on a worker thread. */
void bridge__resolve_fn(void *ud)
{
    struct bridge_resolve *j = ud;
    enum plat_family fam = PLAT_AF_ANY;
    if (j->bind[0]) {
        /* The remote must be reached in the family of the local address. */
        j->rc = plat_net_resolve(j->bind, 0, PLAT_AF_ANY, true, &j->bind_addr, 1, &j->d);
        if (j->rc < 0)
            return;
        fam = plat_addr_family(&j->bind_addr);
    }
    j->rc = plat_net_resolve(j->host, j->port, fam, false, j->addrs, 4, &j->d);
}

static void start_attempt(struct bridge *br)
{
    const struct cfg_bridge_addr *a = &br->cfg->addrs[br->addr_idx % br->cfg->n_addrs];
    struct bridge_resolve *j = xcalloc(1, sizeof *j);
    snprintf(j->host, sizeof j->host, "%s", a->host);
    j->port = a->port;
    if (br->cfg->bind_address)
        snprintf(j->bind, sizeof j->bind, "%s", br->cfg->bind_address);
    snprintf(br->addr_text, sizeof br->addr_text, "%s:%u", a->host, a->port);
    br->host = a->host;
    struct err_detail d = {{0}, {0}, 0};
    br->phase_ms = plat_time_mono_ms();
    if (plat_thread_start(bridge__resolve_fn, j, &br->thread, &d) < 0) {
        free(j);
        bridge__schedule_retry(br, "cannot start the resolver thread");
        return;
    }
    br->job = j;
    br->state = BR_RESOLVING;
}

static void on_sock(plat_sock *s, unsigned events, void *ud);

static void start_connect(struct bridge *br, const struct plat_addr *a,
                          const struct plat_addr *bind)
{
    struct err_detail d = {{0}, {0}, 0};
    char t[80];
    log_info("bridge=%s connecting to %s (%s)", br->cfg->name, br->addr_text,
             plat_addr_format(a, t, sizeof t));
    if (plat_sock_connect_from(br->b->loop, a, bind, &br->sock, &d) < 0) {
        bridge__schedule_retry(br, d.msg[0] ? d.msg : "connect failed");
        return;
    }
    br->state = BR_CONNECTING;
    br->phase_ms = plat_time_mono_ms();
    plat_sock_watch(br->sock, PLAT_EV_WRITE, on_sock, br);
}

static void resolve_done(struct bridge *br)
{
    plat_thread_join(br->thread);
    br->thread = NULL;
    struct bridge_resolve *j = br->job;
    br->job = NULL;
    if (br->stopping) {
        free(j);
        return;
    }
    if (j->rc < 0) {
        char why[700];
        snprintf(why, sizeof why, "%.200s:%d: cannot resolve %.200s: %.180s", br->cfg->src_file,
                 br->cfg->src_line, br->addr_text, j->d.msg[0] ? j->d.msg : err_str(j->rc));
        free(j);
        bridge__schedule_retry(br, why);
        return;
    }
    struct plat_addr a = j->addrs[0], bind = j->bind_addr;
    bool has_bind = j->bind[0] != '\0';
    free(j);
    start_connect(br, &a, has_bind ? &bind : NULL);
}

static void on_sock(plat_sock *s, unsigned events, void *ud)
{
    (void)events;
    struct bridge *br = ud;
    int rc = plat_sock_connect_result(s);
    if (rc < 0) {
        plat_sock_close(br->sock);
        br->sock = NULL;
        char why[400];
        snprintf(why, sizeof why, "cannot connect to %.200s: %s", br->addr_text, err_str(rc));
        bridge__schedule_retry(br, why);
        return;
    }
    struct plat_addr peer;
    if (plat_sock_peer_addr(s, &peer) < 0)
        memset(&peer, 0, sizeof peer);
    plat_sock_watch(s, 0, NULL, NULL);
    br->sock = NULL;
    struct conn *c = conn_adopt(&br->lst, s, &peer);
    c->bridge = br;
    br->conn = c;
    if (br->tls) {
        if (tls_client_conn_new(br->tls, br->host, !br->cfg->insecure, &c->tls) < 0) {
            conn_close(c, "out of memory for TLS");
            return;
        }
        uint8_t first;
        (void)tls_conn_read(c->tls, &first, sizeof first); /* starts the handshake */
        conn_flush_soon(c);
        br->state = BR_TLS;
        return;
    }
    br->state = BR_CONNACK;
    bridge__send_connect(br, c);
}

void bridge__schedule_retry(struct bridge *br, const char *why)
{
    const struct cfg_bridge *cfg = br->cfg;
    if (br->stopping)
        return;
    br->addr_idx++; /* the next address (or the first again with a single one) */
    if (!cfg->round_robin && br->addr_idx >= cfg->n_addrs)
        br->addr_idx = 0;
    if (cfg->start_type == 2) {
        log_warn("bridge=%s %s; start_type once: not restarting", cfg->name, why);
        br->state = BR_STOPPED;
        return;
    }
    uint32_t delay = cfg->restart_base_s;
    if (cfg->restart_cap_s) {
        /* Decorrelated jitter: a random delay between base and three times the last one,
         * capped, so that many bridges do not retry in step. */
        uint32_t r = 0;
        plat_random_bytes(&r, sizeof r);
        uint32_t hi =
            br->backoff_s * 3u > cfg->restart_cap_s ? cfg->restart_cap_s : br->backoff_s * 3u;
        delay = hi > cfg->restart_base_s ? cfg->restart_base_s + r % (hi - cfg->restart_base_s + 1)
                                         : cfg->restart_base_s;
        br->backoff_s = delay;
    }
    log_notice("bridge=%s %s; retrying in %u s", cfg->name, why, delay);
    br->state = BR_WAITING;
    br->next_ms = plat_time_mono_ms() + (uint64_t)delay * 1000u;
}

void bridge_conn_closed(struct conn *c)
{
    struct bridge *br = c->bridge;
    bool was_up = br->state == BR_UP;
    br->conn = NULL;
    c->bridge = NULL;
    if (br->cfg->notifications && was_up)
        bridge__notify_local(br, false);
    if (br->stopping) {
        br->state = BR_STOPPED;
        return;
    }
    if (br->cfg->start_type == 1 && br->state == BR_STOPPED)
        return; /* a lazy bridge that went idle */
    if (was_up)
        br->backoff_s = br->cfg->restart_base_s;
    bridge__schedule_retry(br, c->close_reason ? c->close_reason : "connection lost");
}

/* Lazy bridges start when enough messages wait and stop after idle_timeout. */
static void lazy_check(struct bridge *br, uint64_t now)
{
    const struct cfg_bridge *cfg = br->cfg;
    if (br->state == BR_STOPPED && !br->stopping) {
        struct session *s = session_find(br->b, br->local_id, strlen(br->local_id));
        if (s && s->q.count >= cfg->threshold) {
            log_notice("bridge=%s %zu messages queued: starting", cfg->name, s->q.count);
            start_attempt(br);
        }
    } else if (br->state == BR_UP && now - br->last_activity_ms >= cfg->idle_timeout * 1000ull) {
        log_notice("bridge=%s idle for %u s: stopping", cfg->name, cfg->idle_timeout);
        br->state = BR_STOPPED;
        struct mqtt_packet p = {.type = MQTT_PKT_DISCONNECT};
        conn_send(br->conn, &p);
        conn_close(br->conn, "idle");
    }
}

static void on_tick(plat_timer *t, void *ud)
{
    (void)t;
    struct bridge *br = ud;
    uint64_t now = plat_time_mono_ms();
    if (br->cfg->start_type == 1)
        lazy_check(br, now);
    switch (br->state) {
    case BR_WAITING:
        if (now >= br->next_ms)
            start_attempt(br);
        break;
    case BR_RESOLVING:
        if (plat_thread_is_done(br->thread))
            resolve_done(br);
        break;
    case BR_CONNECTING:
        if (now - br->phase_ms >= BRIDGE_CONNECT_TIMEOUT_MS) {
            plat_sock_close(br->sock);
            br->sock = NULL;
            bridge__schedule_retry(br, "connect timed out");
        }
        break;
    case BR_TLS:
        if (br->conn && tls_conn_is_established(br->conn->tls)) {
            br->state = BR_CONNACK;
            bridge__send_connect(br, br->conn);
        }
        break;
    case BR_UP:
        if (now - br->last_ping_ms >= br->cfg->keepalive_interval * 1000ull) {
            struct mqtt_packet p = {.type = MQTT_PKT_PINGREQ};
            conn_send(br->conn, &p);
            br->last_ping_ms = now;
        }
        bridge__probe_tick(br, now);
        break;
    default:
        break; /* CONNACK waits are bounded by the connection's CONNECT timeout */
    }
}

int bridge_start_all(struct broker *b)
{
    struct bridge_set *set = xcalloc(1, sizeof *set);
    b->bridges = set;
    set->v = xcalloc(b->cfg.n_bridges ? b->cfg.n_bridges : 1, sizeof *set->v);
    for (size_t i = 0; i < b->cfg.n_bridges; i++) {
        const struct cfg_bridge *cfg = &b->cfg.bridges[i];
        struct tls_ctx *tls = NULL;
        struct err_detail d = {{0}, {0}, 0};
        if ((cfg->cafile || cfg->capath || cfg->psk) && tls_client_ctx_new(cfg, &tls, &d) < 0) {
            char msg[1200];
            log_error("cannot start bridge: %s", err_detail_format(&d, msg, sizeof msg));
            return ERR_CONFIG;
        }
        struct bridge *br = bridge_new(b, cfg);
        br->tls = tls;
        set->v[set->n++] = br;
        bridge__session(br);
        plat_timer_new(b->loop, on_tick, br, &br->timer);
        plat_timer_start(br->timer, BRIDGE_TICK_MS, BRIDGE_TICK_MS);
        if (br->cfg->notifications)
            bridge__notify_local(br, false);
        if (br->cfg->start_type != 1)
            start_attempt(br);
        else
            br->state = BR_STOPPED;
    }
    return 0;
}

void bridge_stop_all(struct broker *b)
{
    struct bridge_set *set = b->bridges;
    for (size_t i = 0; set && i < set->n; i++) {
        struct bridge *br = set->v[i];
        br->stopping = true;
        plat_timer_stop(br->timer);
        if (br->conn)
            conn_close(br->conn, "broker shutting down");
        plat_sock_close(br->sock);
        br->sock = NULL;
        bridge__probe_stop(br);
    }
}

void bridge_cleanup_all(struct broker *b)
{
    struct bridge_set *set = b->bridges;
    if (!set)
        return;
    bridge_stop_all(b);
    for (size_t i = 0; i < set->n; i++) {
        struct bridge *br = set->v[i];
        struct session *s = session_find(b, br->local_id, strlen(br->local_id));
        if (s && s->bridge == br)
            s->bridge = NULL;
        if (br->thread)
            plat_thread_join(br->thread);
        free(br->job);
        plat_timer_free(br->timer);
        tls_ctx_free(br->tls);
        for (size_t k = 0; k < br->cfg->n_topics; k++) {
            free(br->topics[k].local_filter);
            free(br->topics[k].remote_filter);
        }
        free(br->topics);
        free(br->remote_id);
        free(br->local_id);
        free(br->state_topic);
        free(br);
    }
    free(set->v);
    free(set);
    b->bridges = NULL;
}

size_t bridge_count(const struct broker *b)
{
    return b->bridges ? b->bridges->n : 0;
}

void bridge_info_get(const struct broker *b, size_t i, struct bridge_info *out)
{
    static const char *const names[] = {
        [BR_STOPPED] = "stopped",       [BR_WAITING] = "waiting",    [BR_RESOLVING] = "resolving",
        [BR_CONNECTING] = "connecting", [BR_CONNACK] = "connecting", [BR_TLS] = "connecting",
        [BR_UP] = "connected",
    };
    const struct bridge *br = b->bridges->v[i];
    struct session *s = session_find((struct broker *)b, br->local_id, strlen(br->local_id));
    out->name = br->cfg->name;
    out->state = names[br->state];
    out->address = br->addr_text;
    out->msgs_out = br->msgs_out;
    out->msgs_in = br->msgs_in;
    out->queued = s ? s->q.count - s->q.active : 0;
    out->connects = br->connects;
}
