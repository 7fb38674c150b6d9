/* SPDX-License-Identifier: MIT */
/* CONNECT: client id rules, keepalive cap, authentication, will, session takeover and
 * resumption, CONNACK. */
#include "common/mem.h"
#include "common/mqtt_topic.h"
#include "service/acl.h"
#include "service/bridge.h"
#include "service/auth.h"
#include "service/conn.h"
#include "service/dispatch.h"
#include "service/log.h"
#include "service/sec.h"
#include "service/session.h"
#include "service/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MQTT 3.1 limits client ids to 23 bytes. */
#define MQTT31_MAX_ID 23u

/* Generate "<auto_id_prefix><36 hex-and-dash chars>" (a random UUID-like suffix, as
 * mosquitto does) into a caller-owned string. */
static char *generate_id(const struct sec_domain *dom)
{
    uint8_t r[16];
    if (plat_random_bytes(r, sizeof r) < 0)
        return NULL;
    const char *prefix = dom->auto_id_prefix ? dom->auto_id_prefix : "";
    size_t plen = strlen(prefix);
    char *id = xmalloc(plen + 37);
    memcpy(id, prefix, plen);
    char *w = id + plen;
    for (size_t i = 0; i < sizeof r; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *w++ = '-';
        w += snprintf(w, 3, "%02x", r[i]);
    }
    *w = '\0';
    return id;
}

/* Decide the client id; returns a caller-owned string or NULL with *err set. */
static char *choose_client_id(struct conn *c, const struct mqtt_connect *p, int *err)
{
    const struct sec_domain *dom = sec_of_listener(c->lst);
    size_t len = p->client_id.len;
    *err = ERR_INVAL;
    if (p->proto_level == MQTT_V31 && (len == 0 || len > MQTT31_MAX_ID))
        return NULL;
    if (len > 0)
        return xstrndup((const char *)p->client_id.p, len);
    /* MQTT-3.1.3-8: an empty id needs clean session; the broker may refuse it anyway. */
    if (!p->clean_start || !dom->allow_zero_length_clientid)
        return NULL;
    char *id = generate_id(dom);
    if (!id)
        *err = ERR_LIMIT;
    return id;
}

/* use_identity_as_username / use_subject_as_username: the TLS handshake proved who the
 * client is, so that name is its username and the password file is not consulted. A
 * client without a certificate (or PSK identity) is refused as bad credentials. */
static int tls_login(struct conn *c, bool subject)
{
    char *name = NULL;
    if (!c->tls || tls_conn_peer_name(c->tls, subject, &name) < 0) {
        log_notice("addr=%s refused: the listener takes the username from a client "
                   "certificate, and the client sent none",
                   c->addr);
        return ERR_PERM;
    }
    free(c->username);
    c->username = name;
    return 0;
}

/* Authentication (service/auth.c): a username is checked against password_file when
 * one is configured (ERR_PERM, "bad username or password", when it does not verify);
 * otherwise allow_anonymous decides (ERR_AUTH, "not authorised"). A username without a
 * password file proves nothing, so it is let in only when anonymous access is. */
static int authenticate(struct conn *c, const struct mqtt_connect *p, bool *by_file)
{
    const struct cfg_tls *t = &c->lst->cfg.tls;
    if (t->use_identity_as_username || t->use_subject_as_username)
        return tls_login(c, t->use_subject_as_username);
    return auth_connect(c->b, sec_of_listener(c->lst), p, by_file);
}

/* use_username_as_clientid: the username (c->username, which may come from a TLS
 * identity) replaces the client id (*id, owned); a client without one is not
 * authorised (CONNACK 5), as in mosquitto. */
static int username_as_id(const struct conn *c, char **id)
{
    if (!c->lst->cfg.use_username_as_clientid)
        return 0;
    if (!c->username || !c->username[0])
        return ERR_AUTH;
    free(*id);
    *id = xstrdup(c->username);
    return 0;
}

/* A will is a publish made at CONNECT time: it needs WRITE access to its topic (and never
 * a reserved $ topic), or the client is not authorised (CONNACK 5). */
static int check_will(const struct conn *c, const struct mqtt_connect *p, const struct msg *will,
                      const char *id)
{
    if (!will)
        return 0;
    if (acl_topic_is_reserved((const char *)p->will_topic.p, p->will_topic.len) &&
        !bridge_may_publish_sys(c, p->will_topic.p, p->will_topic.len))
        return ERR_AUTH; /* (a remote bridge's state will is the exception) */
    struct acl_view *v = acl_view_for(sec_of_listener(c->lst), id, c->username);
    bool ok = acl_view_allows(v, will->topic, will->topic_len, ACL_WRITE);
    acl_view_free(v);
    if (!ok)
        log_notice("client=%s addr=%s will to '%s' denied by the ACL", id, c->addr, will->topic);
    return ok ? 0 : ERR_AUTH;
}

/* Build the will message (topic mounted) or return an error for an invalid will. */
static int make_will(struct conn *c, const struct mqtt_connect *p, struct msg **out)
{
    *out = NULL;
    if (!p->will_flag)
        return 0;
    const char *t = (const char *)p->will_topic.p;
    size_t tlen = p->will_topic.len;
    if (!mqtt_topic_is_valid_name(t, tlen))
        return ERR_PROTOCOL;
    if (p->will_retain && !c->b->cfg.retain_available)
        return ERR_PROTOCOL;
    const char *mp = c->lst->cfg.mount_point;
    size_t mlen = mp ? strlen(mp) : 0;
    if (mlen + tlen > 65535)
        return ERR_PROTOCOL;
    char *topic = xmalloc(mlen + tlen + 1);
    memcpy(topic, mp ? mp : "", mlen);
    memcpy(topic + mlen, t, tlen);
    *out = msg_new(topic, mlen + tlen, p->will_payload.p, p->will_payload.len, p->will_qos,
                   p->will_retain, broker_next_msg_id(c->b));
    free(topic);
    return 0;
}

/* Find or create the session for id, taking over a live connection. */
static struct session *take_session(struct conn *c, const char *id, bool clean, bool *present)
{
    struct broker *b = c->b;
    size_t len = strlen(id);
    struct session *s = session_find(b, id, len);
    if (s && s->conn) {
        log_notice("client=%s addr=%s takes over the session from addr=%s", id, c->addr,
                   s->conn->addr);
        conn_close(s->conn, "session taken over");
        s = session_find(b, id, len); /* a clean session was destroyed by the close */
    }
    if (s && clean) {
        session_destroy(s);
        s = NULL;
    }
    *present = s != NULL;
    if (!s)
        s = session_new(b, id, len, !clean);
    s->persistent = !clean;
    return s;
}

static void log_connect(const struct conn *c, const struct mqtt_connect *p, const char *id)
{
    if (!c->b->cfg.connection_messages)
        return;
    log_notice("client=%s addr=%s connected (protocol %u, clean %d, keepalive %u%s%s%s)", id,
               c->addr, p->proto_level, p->clean_start, p->keepalive,
               c->username ? ", username '" : "", c->username ? c->username : "",
               c->username ? "'" : "");
}

int handle_connect(struct conn *c, const struct mqtt_connect *p)
{
    c->version = p->proto_level;
    uint16_t maxka = c->b->cfg.max_keepalive;
    /* mosquitto refuses 3.x clients whose keepalive exceeds the cap (0 = infinite). */
    if (maxka && (p->keepalive == 0 || p->keepalive > maxka))
        return ERR_INVAL;
    int rc = 0;
    char *id = choose_client_id(c, p, &rc);
    if (!id)
        return rc;
    struct msg *will = NULL;
    bool by_file = false;
    rc = authenticate(c, p, &by_file);
    if (rc == 0 && p->has_username && !c->username) /* a TLS identity already is one */
        c->username = xstrndup((const char *)p->username.p, p->username.len);
    if (rc == 0)
        rc = username_as_id(c, &id);
    if (rc == 0)
        rc = make_will(c, p, &will);
    if (rc == 0)
        rc = check_will(c, p, will, id);
    if (rc < 0) {
        msg_unref(will);
        x_clear(&c->username);
        free(id);
        return rc;
    }
    c->pw_checked = by_file;
    bool present = false;
    struct session *s = take_session(c, id, p->clean_start, &present);
    acl_session_bind(s, c->lst->sec_index, c->username);
    c->will = will;
    c->send_will = will != NULL;
    c->keepalive = p->keepalive;
    c->state = CONN_ACTIVE;
    session_attach(s, c);
    conn_keepalive_arm(c);
    log_connect(c, p, id);
    free(id);

    struct mqtt_packet ack = {.type = MQTT_PKT_CONNACK};
    /* 3.1 has no session-present flag; the byte must be 0. */
    ack.u.connack.session_present = present && c->version >= MQTT_V311;
    conn_send(c, &ack);
    session_resume(s);
    return 0;
}
