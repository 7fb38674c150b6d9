/* SPDX-License-Identifier: MIT */
/* The MQTT client side of a bridge (service/bridge.h): CONNECT with the will and the
 * try_private bit, CONNACK, remote SUBSCRIBE/UNSUBSCRIBE, topic remapping in each
 * direction, loop prevention, state notifications; and the server side's acceptance of
 * remote bridges (protocol level with bit 0x80). */
#include "service/bridge_priv.h"

#include "common/mem.h"
#include "common/mqtt_topic.h"
#include "service/conn.h"
#include "service/dispatch.h"
#include "service/log.h"
#include "service/route.h"
#include "service/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRIVATE_BIT 0x80u
#define SUBSCRIBE_MID 1u
#define UNSUBSCRIBE_MID 2u

static struct mqtt_bytes bytes_of(const char *s)
{
    struct mqtt_bytes b = {(const uint8_t *)(s ? s : ""), (uint16_t)(s ? strlen(s) : 0)};
    return b;
}

void bridge__send_connect(struct bridge *br, struct conn *c)
{
    const struct cfg_bridge *cfg = br->cfg;
    struct mqtt_packet p = {.type = MQTT_PKT_CONNECT};
    struct mqtt_connect *k = &p.u.connect;
    k->clean_start = cfg->cleansession;
    k->keepalive = cfg->keepalive_interval;
    k->client_id = bytes_of(br->remote_id);
    if (cfg->notifications && !cfg->notifications_local_only) {
        k->will_flag = true;
        k->will_qos = 1;
        k->will_retain = true;
        k->will_topic = bytes_of(br->state_topic);
        k->will_payload = bytes_of("0");
    }
    k->has_username = cfg->remote_username != NULL;
    k->username = bytes_of(cfg->remote_username);
    k->has_password = cfg->remote_password != NULL;
    k->password = bytes_of(cfg->remote_password);
    c->version = (uint8_t)cfg->protocol_version;
    size_t before = conn_out_pending(c);
    if (conn_send(c, &p) < 0)
        return;
    if (!br->private_on || before != 0)
        return;
    /* try_private: the protocol level byte follows the fixed header and the protocol
     * name; the codec writes the standard level, the bridge bit is added here. */
    uint8_t *w = buf_head(&c->out);
    struct mqtt_header h;
    if (mqtt_codec_decode_header(w, conn_out_pending(c), &h) == 0) {
        size_t name_len = c->version == MQTT_V31 ? 6 : 4;
        w[h.hdr_len + 2 + name_len] |= PRIVATE_BIT;
    }
}

void bridge__notify_local(struct bridge *br, bool up)
{
    struct broker *b = br->b;
    struct msg *m = msg_new(br->state_topic, strlen(br->state_topic), up ? "1" : "0", 1, 1, true,
                            broker_next_msg_id(b));
    route_publish(b, m);
    msg_unref(m);
}

/* SUBSCRIBE the remote filters of the in/both topics; UNSUBSCRIBE the out-only ones. */
static void remote_subscriptions(struct bridge *br, struct conn *c)
{
    struct buf sub, unsub;
    uint32_t n_sub = 0, n_unsub = 0;
    buf_init(&sub);
    buf_init(&unsub);
    for (size_t i = 0; i < br->cfg->n_topics; i++) {
        const struct bridge_topic *t = &br->topics[i];
        const char *f = t->remote_filter;
        if (t->t->dir & CFG_BRIDGE_IN) {
            struct mqtt_sub_entry e = {bytes_of(f), t->t->qos, false, false, 0};
            mqtt_codec_put_sub_entry(&sub, &e, c->version);
            n_sub++;
        } else if (br->cfg->attempt_unsubscribe) {
            mqtt_codec_put_str(&unsub, f, (uint16_t)strlen(f));
            n_unsub++;
        }
    }
    struct mqtt_packet p = {.type = MQTT_PKT_SUBSCRIBE};
    if (n_sub) {
        p.u.subscribe = (struct mqtt_subscribe){
            SUBSCRIBE_MID, {NULL, 0}, buf_head(&sub), (uint32_t)buf_size(&sub), n_sub};
        conn_send(c, &p);
    }
    if (n_unsub) {
        p.type = MQTT_PKT_UNSUBSCRIBE;
        p.u.subscribe = (struct mqtt_subscribe){
            UNSUBSCRIBE_MID, {NULL, 0}, buf_head(&unsub), (uint32_t)buf_size(&unsub), n_unsub};
        conn_send(c, &p);
    }
    buf_cleanup(&sub);
    buf_cleanup(&unsub);
}

/* The remote state message "1", retained (QoS 0: its packet id must not collide with the
 * session's ids, and the will covers the opposite case reliably). */
static void notify_remote_up(struct bridge *br, struct conn *c)
{
    struct mqtt_packet p = {.type = MQTT_PKT_PUBLISH};
    p.u.publish.retain = true;
    p.u.publish.topic = bytes_of(br->state_topic);
    p.u.publish.payload = (const uint8_t *)"1";
    p.u.publish.payload_len = 1;
    conn_send(c, &p);
}

static void connack_accepted(struct bridge *br, struct conn *c)
{
    struct broker *b = br->b;
    uint64_t now = plat_time_mono_ms();
    c->state = CONN_ACTIVE;
    c->keepalive = br->cfg->keepalive_interval;
    conn_keepalive_arm(c);
    struct session *s = bridge__session(br);
    if (s->conn) {
        /* A client took the bridge's local client id: the bridge takes it back. */
        conn_close(s->conn, "session taken over by a bridge");
        s = bridge__session(br);
    }
    session_attach(s, c);
    br->state = BR_UP;
    br->connects++;
    br->last_ping_ms = br->last_activity_ms = now;
    br->backoff_s = br->cfg->restart_base_s;
    log_notice("bridge=%s connected to %s as %s%s", br->cfg->name, br->addr_text, br->remote_id,
               br->private_on ? " (bridge mode)" : "");
    remote_subscriptions(br, c);
    if (br->cfg->notifications && !br->cfg->notifications_local_only)
        notify_remote_up(br, c);
    if (br->cfg->notifications)
        bridge__notify_local(br, true);
    /* Retained messages of the out topics go to the remote after every connect. */
    for (size_t i = 0; i < br->cfg->n_topics; i++) {
        const struct bridge_topic *t = &br->topics[i];
        if (t->t->dir & CFG_BRIDGE_OUT)
            route_retained(b, s, t->local_filter, strlen(t->local_filter), t->t->qos);
    }
    session_resume(s);
}

static int on_connack(struct bridge *br, struct conn *c, const struct mqtt_packet *p)
{
    if (p->type != MQTT_PKT_CONNACK) {
        conn_close(c, "remote sent a packet before CONNACK");
        return ERR_PROTOCOL;
    }
    uint8_t rc = p->u.connack.reason;
    if (rc == MQTT_CONNACK_ACCEPTED) {
        connack_accepted(br, c);
        return 0;
    }
    log_warn("bridge=%s %s refused the connection (CONNACK %u)", br->cfg->name, br->addr_text, rc);
    if (rc == MQTT_CONNACK_BAD_PROTOCOL && br->private_on) {
        /* The remote does not know the bridge bit: try again at once without it. */
        size_t idx = br->addr_idx;
        br->private_on = false;
        conn_close(c, "bridge protocol bit refused");
        br->addr_idx = idx;
        br->next_ms = plat_time_mono_ms();
        return ERR_NOTSUP;
    }
    conn_close(c, "connection refused by the remote");
    return ERR_PERM;
}

/* How remap() rewrites t: the length of old_prefix it strips (*ol) and of new_prefix it
 * adds (*nl). */
static void remap_lens(const char *t, size_t tlen, const char *old_prefix, const char *new_prefix,
                       size_t *ol, size_t *nl)
{
    *ol = old_prefix ? strlen(old_prefix) : 0;
    *nl = new_prefix ? strlen(new_prefix) : 0;
    if (*ol > tlen || (*ol && memcmp(t, old_prefix, *ol) != 0))
        *ol = 0;
    if (*nl + tlen - *ol > 65535)
        *nl = 0; /* cannot grow past a topic's maximum: keep the remote name */
}

/* dst = new_prefix + (t without old_prefix); returns the length (dst holds 65536+). */
static size_t remap(const char *t, size_t tlen, const char *old_prefix, const char *new_prefix,
                    char *dst)
{
    size_t ol, nl;
    remap_lens(t, tlen, old_prefix, new_prefix, &ol, &nl);
    memcpy(dst, new_prefix ? new_prefix : "", nl);
    memcpy(dst + nl, t + ol, tlen - ol);
    return nl + tlen - ol;
}

static int on_publish(struct bridge *br, struct conn *c, const struct mqtt_publish *p)
{
    struct broker *b = br->b;
    struct mqtt_publish q = *p;
    char *topic = NULL;
    for (size_t i = 0; i < br->cfg->n_topics; i++) {
        const struct bridge_topic *t = &br->topics[i];
        if (!(t->t->dir & CFG_BRIDGE_IN) ||
            !mqtt_topic_matches(t->remote_filter, strlen(t->remote_filter),
                                (const char *)p->topic.p, p->topic.len))
            continue;
        topic = xmalloc(65536);
        q.topic.len = (uint16_t)remap((const char *)p->topic.p, p->topic.len, t->t->remote_prefix,
                                      t->t->local_prefix, topic);
        q.topic.p = (const uint8_t *)topic;
        break;
    }
    br->msgs_in++;
    br->last_activity_ms = plat_time_mono_ms();
    /* Loop prevention: what came from the remote is not routed back to this bridge. */
    b->no_local = c->sess;
    int rc = handle_publish(c, &q);
    b->no_local = NULL;
    free(topic);
    return rc;
}

static int on_suback(struct bridge *br, const struct mqtt_suback *p)
{
    for (uint32_t i = 0; i < p->count; i++)
        if (p->codes[i] == MQTT_SUBACK_FAILURE)
            log_warn("bridge=%s the remote refused subscription %u", br->cfg->name, i + 1);
    return 0;
}

int bridge_dispatch(struct conn *c, const struct mqtt_header *h, const uint8_t *body)
{
    struct bridge *br = c->bridge;
    struct mqtt_packet p;
    struct err_detail d = {{0}, {0}, 0};
    int rc = mqtt_codec_decode(h, body, c->version, &p, &d);
    if (rc < 0) {
        log_notice("bridge=%s malformed %s from the remote: %s", br->cfg->name,
                   mqtt_codec_type_name(h->type), d.msg);
        conn_close(c, "malformed packet from the remote");
        return rc;
    }
    if (br->state == BR_CONNACK)
        return on_connack(br, c, &p);
    if (br->state != BR_UP) {
        conn_close(c, "remote sent a packet before the CONNECT"); /* e.g. right after TLS */
        return ERR_PROTOCOL;
    }
    switch (p.type) {
    case MQTT_PKT_PUBLISH:
        return on_publish(br, c, &p.u.publish);
    case MQTT_PKT_PUBACK:
    case MQTT_PKT_PUBREC:
    case MQTT_PKT_PUBREL:
    case MQTT_PKT_PUBCOMP:
        return handle_pub_ack(c, p.type, &p.u.ack);
    case MQTT_PKT_SUBACK:
        return on_suback(br, &p.u.suback);
    case MQTT_PKT_UNSUBACK:
    case MQTT_PKT_PINGRESP:
        return 0;
    default:
        log_notice("bridge=%s unexpected %s from the remote", br->cfg->name,
                   mqtt_codec_type_name(p.type));
        conn_close(c, "protocol error by the remote");
        return ERR_PROTOCOL;
    }
}

/* The first outgoing topic entry whose local filter matches m, or NULL (then the topic
 * is sent as it is). */
static const struct bridge_topic *out_topic(const struct bridge *br, const struct msg *m)
{
    for (size_t i = 0; br && i < br->cfg->n_topics; i++) {
        const struct bridge_topic *t = &br->topics[i];
        if ((t->t->dir & CFG_BRIDGE_OUT) &&
            mqtt_topic_matches(t->local_filter, strlen(t->local_filter), m->topic, m->topic_len))
            return t;
    }
    return NULL;
}

bool bridge_fits(const struct bridge *br, const struct msg *m, uint8_t qos)
{
    uint32_t max = br->cfg->max_packet_size;
    if (max == 0)
        return true;
    size_t tlen = m->topic_len;
    const struct bridge_topic *t = out_topic(br, m);
    if (t) {
        size_t ol, nl;
        remap_lens(m->topic, tlen, t->t->local_prefix, t->t->remote_prefix, &ol, &nl);
        tlen = nl + tlen - ol;
    }
    uint64_t remaining = 2u + tlen + (qos ? 2u : 0u) + m->payload_len;
    if (remaining > MQTT_MAX_REMAINING)
        return false;
    return 1u + mqtt_codec_varint_size((uint32_t)remaining) + remaining <= max;
}

void bridge_send_publish(struct conn *c, const struct msg *m, uint8_t qos, uint16_t mid, bool dup,
                         bool retain)
{
    struct bridge *br = c->bridge;
    struct mqtt_packet p = {.type = MQTT_PKT_PUBLISH};
    char *topic = NULL;
    p.u.publish.topic = (struct mqtt_bytes){(const uint8_t *)m->topic, m->topic_len};
    const struct bridge_topic *t = out_topic(br, m);
    if (t) {
        topic = xmalloc(65536);
        p.u.publish.topic.len =
            (uint16_t)remap(m->topic, m->topic_len, t->t->local_prefix, t->t->remote_prefix, topic);
        p.u.publish.topic.p = (const uint8_t *)topic;
    }
    p.u.publish.qos = qos;
    p.u.publish.dup = dup;
    /* Retain as published (live messages lose the flag in routing), unless disabled. */
    p.u.publish.retain = br && br->cfg->outgoing_retain && (retain || m->retain);
    p.u.publish.packet_id = mid;
    p.u.publish.payload = m->payload;
    p.u.publish.payload_len = m->payload_len;
    if (conn_send(c, &p) == 0) {
        c->b->stats.pub_sent++;
        c->b->stats.pub_bytes_sent += m->payload_len;
        if (br) {
            br->msgs_out++;
            br->last_activity_ms = plat_time_mono_ms();
        }
    }
    free(topic);
}

int bridge_peer_decode(struct conn *c, const struct mqtt_header *h, const uint8_t *body,
                       struct mqtt_packet *out)
{
    if (h->remaining < 3)
        return ERR_NOTSUP;
    size_t name_len = (size_t)body[0] << 8 | body[1];
    if (h->remaining < 3 + name_len)
        return ERR_NOTSUP;
    uint8_t level = body[2 + name_len];
    if (!(level & PRIVATE_BIT) || ((level & 0x7fu) != MQTT_V31 && (level & 0x7fu) != MQTT_V311))
        return ERR_NOTSUP;
    /* The body lies in the connection's own input buffer (mutable storage consumed right
     * after this packet), so the bit can be cleared in place for the standard decoder. */
    uint8_t *lv = (uint8_t *)(uintptr_t)(body + 2 + name_len);
    *lv = level & 0x7fu;
    int rc = mqtt_codec_decode(h, body, MQTT_V311, out, NULL);
    if (rc == 0)
        c->bridge_peer = true;
    return rc;
}

bool bridge_may_publish_sys(const struct conn *c, const uint8_t *t, size_t len)
{
    static const char pre[] = "$SYS/broker/connection/", post[] = "/state";
    size_t pl = sizeof pre - 1, sl = sizeof post - 1;
    if (!c->bridge_peer && !c->bridge)
        return false;
    if (len <= pl + sl || memcmp(t, pre, pl) != 0 || memcmp(t + len - sl, post, sl) != 0)
        return false;
    return memchr(t + pl, '/', len - pl - sl) == NULL; /* exactly one level in between */
}
