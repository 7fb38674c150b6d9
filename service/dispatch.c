/* SPDX-License-Identifier: MIT */
/* Decodes framed packets, checks connection-state rules and routes each packet to its
 * handler; the only place where errors become MQTT reason codes. */
#include "service/dispatch.h"

#include "service/bridge.h"
#include "service/conn.h"
#include "service/log.h"

/* The single mapping from internal errors to CONNACK return codes (3.x) and reason codes
 * (5). Errors without a CONNACK meaning return -1: the connection is simply closed. */
static int connack_code(int err, uint8_t version)
{
    bool v5 = version == MQTT_V5;
    switch (err) {
    case ERR_NOTSUP:
        return v5 ? 0x84 : MQTT_CONNACK_BAD_PROTOCOL;
    case ERR_INVAL:
        return v5 ? 0x85 : MQTT_CONNACK_ID_REJECTED;
    case ERR_LIMIT:
        return v5 ? 0x97 : MQTT_CONNACK_UNAVAILABLE;
    case ERR_PERM:
        return v5 ? 0x86 : MQTT_CONNACK_BAD_CREDENTIALS;
    case ERR_AUTH:
        return v5 ? 0x87 : MQTT_CONNACK_NOT_AUTHORISED;
    default:
        return -1;
    }
}

/* Answer a refused CONNECT (when the error has a code) and close. */
static int refuse_connect(struct conn *c, int err, uint8_t version, const char *why)
{
    int code = connack_code(err, version);
    if (code >= 0) {
        struct mqtt_packet p = {.type = MQTT_PKT_CONNACK};
        p.u.connack.reason = (uint8_t)code;
        c->version = version;
        conn_send(c, &p);
    }
    conn_close(c, why);
    return err;
}

static int dispatch_connect(struct conn *c, const struct mqtt_packet *p, int decode_rc)
{
    if (c->state != CONN_NEW) {
        conn_close(c, "second CONNECT");
        return ERR_PROTOCOL;
    }
    const struct mqtt_connect *cp = &p->u.connect;
    if (decode_rc == ERR_NOTSUP) {
        log_notice("addr=%s unsupported protocol level %u", c->addr, cp->proto_level);
        /* The code is the 3.1.1 one: a client speaking an unknown level understands
         * nothing better. */
        return refuse_connect(c, ERR_NOTSUP, MQTT_V311, "unsupported protocol");
    }
    if (cp->proto_level == MQTT_V5) {
        /* The codec speaks MQTT 5 already, the session layer not yet: refuse it in MQTT 5's
         * own terms (reason 0x84) rather than half-serve it. */
        log_notice("addr=%s MQTT 5 is not supported yet", c->addr);
        return refuse_connect(c, ERR_NOTSUP, MQTT_V5, "MQTT 5 not supported yet");
    }
    int rc = handle_connect(c, cp);
    if (rc < 0 && c->state != CONN_CLOSING)
        return refuse_connect(c, rc, cp->proto_level, "connection refused");
    return rc;
}

/* Route a decoded packet of an established connection to its handler. */
static int dispatch_active(struct conn *c, const struct mqtt_packet *p)
{
    switch (p->type) {
    case MQTT_PKT_PUBLISH:
        return handle_publish(c, &p->u.publish);
    case MQTT_PKT_PUBACK:
    case MQTT_PKT_PUBREC:
    case MQTT_PKT_PUBREL:
    case MQTT_PKT_PUBCOMP:
        return handle_pub_ack(c, p->type, &p->u.ack);
    case MQTT_PKT_SUBSCRIBE:
        return handle_subscribe(c, &p->u.subscribe);
    case MQTT_PKT_UNSUBSCRIBE:
        return handle_unsubscribe(c, &p->u.subscribe);
    case MQTT_PKT_PINGREQ:
        return handle_pingreq(c);
    case MQTT_PKT_DISCONNECT:
        return handle_disconnect(c, &p->u.disconnect);
    default:
        /* CONNACK, SUBACK, UNSUBACK, PINGRESP, AUTH: only a server sends these. */
        return ERR_PROTOCOL;
    }
}

int dispatch_packet(struct conn *c, const struct mqtt_header *h, const uint8_t *body)
{
    if (c->bridge)
        return bridge_dispatch(c, h, body); /* our client connection to a remote broker */
    if (c->state == CONN_NEW && h->type != MQTT_PKT_CONNECT) {
        conn_close(c, "first packet is not CONNECT");
        return ERR_PROTOCOL;
    }
    struct mqtt_packet p;
    struct err_detail d = {{0}, {0}, 0};
    int rc = mqtt_codec_decode(h, body, c->version ? c->version : MQTT_V311, &p, &d);
    if (h->type == MQTT_PKT_CONNECT && rc == ERR_NOTSUP && bridge_peer_decode(c, h, body, &p) == 0)
        rc = 0; /* a remote bridge announcing itself (try_private) */
    if (h->type == MQTT_PKT_CONNECT && (rc == 0 || rc == ERR_NOTSUP))
        return dispatch_connect(c, &p, rc);
    if (rc < 0) {
        log_notice("client=%s addr=%s malformed %s: %s", c->sess ? c->sess->client_id : "?",
                   c->addr, mqtt_codec_type_name(h->type), d.msg);
        conn_close(c, "malformed packet");
        return rc;
    }
    rc = dispatch_active(c, &p);
    if (rc < 0 && c->state != CONN_CLOSING) {
        log_notice("client=%s addr=%s protocol error in %s: %s", c->sess->client_id, c->addr,
                   mqtt_codec_type_name(h->type), err_str(rc));
        conn_close(c, "protocol error");
    }
    return rc;
}
