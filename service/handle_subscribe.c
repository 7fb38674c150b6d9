/* SPDX-License-Identifier: MIT */
/* SUBSCRIBE and UNSUBSCRIBE: filter validation, the subscription tree, retained delivery. */
#include "common/mem.h"
#include "common/mqtt_topic.h"
#include "service/acl.h"
#include "service/conn.h"
#include "service/dispatch.h"
#include "service/log.h"
#include "service/route.h"
#include "service/rstream.h"
#include "service/session.h"

#include <stdlib.h>
#include <string.h>

/* SUBSCRIBE denials logged per connection. */
#define MAX_LOGGED_DENIALS 10u

/* Mounted filter (mount point + f) into a caller-owned string; NULL when too long. */
static char *mount(const struct conn *c, const uint8_t *f, size_t flen, size_t *outlen)
{
    const char *mp = c->lst->cfg.mount_point;
    size_t mlen = mp ? strlen(mp) : 0;
    if (mlen + flen > 65535)
        return NULL;
    char *s = xmalloc(mlen + flen + 1);
    memcpy(s, mp ? mp : "", mlen);
    memcpy(s + mlen, f, flen);
    s[mlen + flen] = '\0';
    *outlen = mlen + flen;
    return s;
}

/* Subscribe to one entry; returns the SUBACK code. */
static uint8_t subscribe_one(struct conn *c, const struct mqtt_sub_entry *e, char **filter,
                             size_t *flen)
{
    *filter = NULL;
    if (!mqtt_topic_is_valid_filter((const char *)e->filter.p, e->filter.len))
        return MQTT_SUBACK_FAILURE;
    *filter = mount(c, e->filter.p, e->filter.len, flen);
    if (!*filter)
        return MQTT_SUBACK_FAILURE;
    uint8_t granted = e->qos;
    /* A filter that can match nothing readable is refused; a partly readable one is
     * granted and its deliveries are checked one by one (service/acl.h). */
    enum acl_reach reach = acl_view_reach(c->sess->acl, *filter, *flen);
    if (reach == ACL_REACH_NONE) {
        /* Logged for the first few per connection only: a client must not be able to
         * flood the log by repeating a refused SUBSCRIBE. */
        if (c->acl_denials < MAX_LOGGED_DENIALS)
            log_info("client=%s subscribe '%s' denied by the ACL%s", c->sess->client_id, *filter,
                     c->acl_denials + 1 == MAX_LOGGED_DENIALS ? " (further denials not logged)"
                                                              : "");
        c->acl_denials++;
        x_clear(filter);
        return MQTT_SUBACK_FAILURE;
    }
    uint8_t options = (uint8_t)(granted | (reach == ACL_REACH_PARTIAL ? ACL_SUB_CHECK : 0));
    session_sub_add(c->sess, *filter, *flen, options);
    if (log_enabled(LOG_SUBSCRIBE))
        log_write(LOG_SUBSCRIBE, "client=%s subscribe %s qos %u", c->sess->client_id, *filter,
                  granted);
    return granted;
}

int handle_subscribe(struct conn *c, const struct mqtt_subscribe *p)
{
    uint32_t n = p->count;
    uint8_t *codes = xmalloc(n);
    char **filters = xcalloc(n, sizeof *filters);
    size_t *lens = xcalloc(n, sizeof *lens);
    struct mqtt_sub_iter it;
    struct mqtt_sub_entry e;
    mqtt_codec_sub_iter_init(&it, p, c->version);
    for (uint32_t i = 0; i < n && mqtt_codec_sub_next(&it, &e); i++)
        codes[i] = subscribe_one(c, &e, &filters[i], &lens[i]);

    struct mqtt_packet ack = {.type = MQTT_PKT_SUBACK};
    ack.u.suback.packet_id = p->packet_id;
    ack.u.suback.codes = codes;
    ack.u.suback.count = n;
    conn_send(c, &ack);
    /* Retained messages follow the SUBACK, for every granted filter. */
    for (uint32_t i = 0; i < n; i++) {
        if (filters[i] && codes[i] != MQTT_SUBACK_FAILURE)
            route_retained(c->b, c->sess, filters[i], lens[i], codes[i]);
        free(filters[i]);
    }
    free(filters);
    free(lens);
    free(codes);
    return 0;
}

int handle_unsubscribe(struct conn *c, const struct mqtt_subscribe *p)
{
    struct mqtt_sub_iter it;
    struct mqtt_bytes f;
    mqtt_codec_sub_iter_init(&it, p, c->version);
    while (mqtt_codec_unsub_next(&it, &f)) {
        if (f.len == 0)
            return ERR_PROTOCOL; /* MQTT-4.7.3-1: filters are at least one character */
        size_t len = 0;
        char *filter = mount(c, f.p, f.len, &len);
        if (!filter)
            continue;
        rstream_cancel(c->sess, filter, len); /* its retained stream stops too */
        if (session_sub_remove(c->sess, filter, len) == 0 && log_enabled(LOG_UNSUBSCRIBE))
            log_write(LOG_UNSUBSCRIBE, "client=%s unsubscribe %s", c->sess->client_id, filter);
        free(filter);
    }
    struct mqtt_packet ack = {.type = MQTT_PKT_UNSUBACK};
    ack.u.suback.packet_id = p->packet_id;
    conn_send(c, &ack);
    return 0;
}
