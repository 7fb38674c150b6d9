/* SPDX-License-Identifier: MIT */
/* Routing of published messages to matching sessions and of retained messages to new
 * subscriptions (see service/route.h). */
#include "service/route.h"

#include "common/mem.h"
#include "service/acl.h"
#include "service/retain.h"
#include "service/rstream.h"
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
    bool readable = !(options & ACL_SUB_CHECK); /* a fully readable filter (acl.h) */
    if (s->match_gen == b->match_gen) {
        if (qos > s->match_qos)
            s->match_qos = qos;
        s->match_readable |= readable;
        return;
    }
    s->match_gen = b->match_gen;
    s->match_qos = qos;
    s->match_readable = readable;
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
        /* Only partly readable filters matched: this topic needs the READ check. */
        if (!s->match_readable && !acl_session_may_read(s, m->topic, m->topic_len))
            continue;
        uint8_t granted = s->match_qos;
        uint8_t qos = b->cfg.upgrade_outgoing_qos ? granted : (m->qos < granted ? m->qos : granted);
        session_deliver(s, m, qos, false);
    }
    b->n_matches = 0;
    return n;
}

/* The retained set is streamed: a snapshot now, encoded as the output drains. */
void route_retained(struct broker *b, struct session *s, const char *f, size_t flen,
                    uint8_t granted)
{
    rstream_start(b, s, f, flen, granted);
}
