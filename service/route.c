/* SPDX-License-Identifier: MIT */
/* Routing of published messages to matching sessions and of retained messages to new
 * subscriptions (see service/route.h). */
#include "service/route.h"

#include "common/mem.h"
#include "service/conn.h"
#include "service/retain.h"
#include "service/session.h"
#include "service/sub_tree.h"

#include <string.h>

/* Collect each matching session once, remembering its highest granted QoS. The
 * generation counter makes "seen in this match" an O(1) check without clearing flags. */
static void on_match(void *subscriber, uint8_t options, uint32_t sub_id, void *ud)
{
    (void)sub_id;
    struct broker *b = ud;
    struct session *s = subscriber;
    uint8_t qos = options & 3u;
    if (s->match_gen == b->match_gen) {
        if (qos > s->match_qos)
            s->match_qos = qos;
        return;
    }
    s->match_gen = b->match_gen;
    s->match_qos = qos;
    if (b->n_matches == b->cap_matches) {
        b->cap_matches = b->cap_matches ? b->cap_matches * 2 : 64;
        b->matches = xrealloc(b->matches, b->cap_matches * sizeof *b->matches);
    }
    b->matches[b->n_matches++] = s;
}

size_t route_publish(struct broker *b, struct msg *m)
{
    if (m->retain) {
        retain_set(b->retained, msg_ref(m));
        if (strncmp(m->topic, "$SYS/", 5) != 0) /* not saved, so not a change */
            b->persist_changes++;
    }
    b->match_gen++;
    b->n_matches = 0;
    sub_tree_match(b->subs, m->topic, m->topic_len, on_match, b);
    /* Deliver after matching: delivery may close connections, which must not happen
     * while the tree is being walked. */
    size_t n = b->n_matches;
    for (size_t i = 0; i < n; i++) {
        struct session *s = b->matches[i];
        if (s == b->no_local)
            continue; /* a bridge's message is not sent back to where it came from */
        uint8_t granted = s->match_qos;
        uint8_t qos = b->cfg.upgrade_outgoing_qos ? granted : (m->qos < granted ? m->qos : granted);
        session_deliver(s, m, qos, false);
    }
    b->n_matches = 0;
    return n;
}

struct retained_ctx {
    struct broker *b;
    struct session *s;
    uint8_t granted;
    bool uncapped; /* QoS 0 copies bypass the slow-consumer limit (see route_retained) */
};

static void on_retained(struct msg *m, void *ud)
{
    struct retained_ctx *x = ud;
    uint8_t qos =
        x->b->cfg.upgrade_outgoing_qos ? x->granted : (m->qos < x->granted ? m->qos : x->granted);
    if (qos == 0 && x->uncapped) {
        conn_send_publish(x->s->conn, m, 0, 0, false, true);
        return;
    }
    session_deliver(x->s, m, qos, true);
}

void route_retained(struct broker *b, struct session *s, const char *f, size_t flen,
                    uint8_t granted)
{
    /* The retained set is a one-shot burst bounded by the store, not a consumer falling
     * behind a stream: a subscriber that is keeping up gets all of it even past the
     * slow-consumer limit (a `#` subscriber to 100k retained messages needs ~9 MB). One
     * that is already congested when it subscribes is capped as usual, so a client that
     * subscribes again and again without reading cannot grow its output without bound. */
    bool uncapped = s->conn && !conn_out_is_congested(s->conn);
    struct retained_ctx x = {b, s, granted, uncapped};
    retain_match(b->retained, f, flen, on_retained, &x);
}
