/* SPDX-License-Identifier: MIT */
/* PUBLISH and its acknowledgements (PUBACK, PUBREC, PUBREL, PUBCOMP) in both directions. */
#include "common/mem.h"
#include "common/mqtt_topic.h"
#include "service/acl.h"
#include "service/bridge.h"
#include "service/conn.h"
#include "service/dispatch.h"
#include "service/log.h"
#include "service/route.h"
#include "service/session.h"

#include <stdlib.h>
#include <string.h>

/* Inbound QoS 2 messages a client may leave awaiting PUBREL (MQTT 5 calls this the
 * receive maximum; 3.x has no such limit, so midge sets a generous one). */
#define MAX_INBOUND_QOS2 4096u

/* Build the message with the listener's mount point prepended to the topic. */
static struct msg *make_msg(struct conn *c, const struct mqtt_publish *p)
{
    const char *mp = c->lst->cfg.mount_point;
    if (!mp)
        return msg_new((const char *)p->topic.p, p->topic.len, p->payload, p->payload_len, p->qos,
                       p->retain, broker_next_msg_id(c->b));
    size_t mlen = strlen(mp);
    char *topic = xmalloc(mlen + p->topic.len);
    memcpy(topic, mp, mlen);
    memcpy(topic + mlen, p->topic.p, p->topic.len);
    struct msg *m = msg_new(topic, mlen + p->topic.len, p->payload, p->payload_len, p->qos,
                            p->retain, broker_next_msg_id(c->b));
    free(topic);
    return m;
}

/* Whether the message may be forwarded; refused messages still complete their QoS flow
 * so the client does not retransmit them forever. */
static bool may_forward(struct conn *c, const struct mqtt_publish *p)
{
    const struct broker *b = c->b;
    if (b->cfg.message_size_limit && p->payload_len > b->cfg.message_size_limit) {
        log_notice("client=%s addr=%s message of %u bytes over message_size_limit dropped",
                   c->sess->client_id, c->addr, p->payload_len);
        return false;
    }
    /* $SYS belongs to the broker and $share/... is subscription syntax (acl.h). */
    if (acl_topic_is_reserved((const char *)p->topic.p, p->topic.len) &&
        !bridge_may_publish_sys(c, p->topic.p, p->topic.len)) {
        log_notice("client=%s addr=%s publish to %.*s refused", c->sess->client_id, c->addr,
                   (int)mqtt_topic_level_len((const char *)p->topic.p, p->topic.len),
                   (const char *)p->topic.p);
        return false;
    }
    const char *mp = c->lst->cfg.mount_point;
    if (mp && strlen(mp) + p->topic.len > 65535)
        return false;
    return true;
}

int handle_publish(struct conn *c, const struct mqtt_publish *p)
{
    struct broker *b = c->b;
    if (!mqtt_topic_is_valid_name((const char *)p->topic.p, p->topic.len))
        return ERR_PROTOCOL; /* wildcards or empty topic in PUBLISH */
    if (p->retain && !b->cfg.retain_available)
        return ERR_NOTSUP;
    b->stats.pub_received++;
    b->stats.pub_bytes_received += p->payload_len;
    bool forward = may_forward(c, p);
    if (p->qos == 2) {
        /* Exactly once (MQTT-4.3.3): a repeated packet id before PUBREL is not routed
         * again, only acknowledged again. */
        if (session_qos2_has(c->sess, p->packet_id)) {
            forward = false;
        } else if (c->sess->n_in_qos2 >= MAX_INBOUND_QOS2) {
            /* A client that never sends PUBREL must not grow us without bound. */
            log_notice("client=%s addr=%s more than %u QoS 2 messages awaiting PUBREL",
                       c->sess->client_id, c->addr, MAX_INBOUND_QOS2);
            return ERR_LIMIT;
        } else {
            session_qos2_add(c->sess, p->packet_id);
        }
    }
    if (forward) {
        struct msg *m = make_msg(c, p);
        /* A denied publish is dropped (not retained either), but its QoS flow below
         * completes so that the client does not resend it forever. A remote bridge
         * does not get its own messages back. */
        if (acl_session_may_write(c->sess, m->topic, m->topic_len)) {
            if (c->bridge_peer)
                b->no_local = c->sess;
            route_publish(b, m);
            if (c->bridge_peer)
                b->no_local = NULL;
        } else {
            log_debug("client=%s publish to '%s' denied by the ACL", c->sess->client_id, m->topic);
        }
        msg_unref(m);
    }
    if (p->qos == 1)
        conn_send_ack(c, MQTT_PKT_PUBACK, p->packet_id);
    else if (p->qos == 2)
        conn_send_ack(c, MQTT_PKT_PUBREC, p->packet_id);
    return 0;
}

int handle_pub_ack(struct conn *c, uint8_t type, const struct mqtt_ack *p)
{
    struct session *s = c->sess;
    if (type == MQTT_PKT_PUBREL) {
        session_qos2_del(s, p->packet_id);
        conn_send_ack(c, MQTT_PKT_PUBCOMP, p->packet_id);
        return 0;
    }
    int rc = session_ack(s, type, p->packet_id);
    if (rc == ERR_NOTFOUND) {
        log_debug("client=%s %s for unknown packet id %u", s->client_id, mqtt_codec_type_name(type),
                  p->packet_id);
        /* Keep a confused client's QoS 2 flow moving rather than leave it hanging. */
        if (type == MQTT_PKT_PUBREC)
            conn_send_ack(c, MQTT_PKT_PUBREL, p->packet_id);
    }
    return 0;
}
