/* SPDX-License-Identifier: MIT */
/* The retained-message store: a trie over topic levels holding at most one message per
 * node, walked by subscription filters (wildcards included) without scanning it all. */
#include "service/retain.h"

#include "common/err.h"
#include "common/mem.h"
#include "service/level_map.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One topic level. Topic names contain no wildcards, so every child is an exact one. */
struct retain_node {
    struct level_key key; /* first member: level_map hands back &node->key */
    struct retain_node *parent;
    struct level_map kids;
    struct msg *msg; /* the retained message of this exact topic, or NULL */
    /* Nodes with a message are also in one list (newest first) for resumable scans. */
    struct retain_node *all_prev, *all_next;
    char level[]; /* the level bytes, NUL-terminated, in the same allocation */
};

struct retain_store {
    struct retain_node *root; /* level "", never holds a message, never pruned */
    size_t count;             /* nodes with a message */
    uint64_t bytes;           /* sum of their payload lengths */
    struct retain_node *all;  /* list of the nodes with a message, newest first */
    struct retain_node *scan; /* next node of the running scan (NULL = none or done) */
    bool scanning;
};

/* Visiting state for match and foreach. */
struct visit_ctx {
    retain_visit_cb cb;
    void *ud;
    size_t hits;
};

/* ---- nodes ---------------------------------------------------------------------- */

/* Allocate a node and its level bytes in one block (one malloc, better locality). */
static struct retain_node *node_new(struct retain_node *parent, const char *s, size_t len)
{
    struct retain_node *n = xmalloc(sizeof(*n) + len + 1);
    memset(n, 0, sizeof(*n));
    if (len)
        memcpy(n->level, s, len);
    n->level[len] = '\0';
    level_key_init(&n->key, n->level, len);
    level_map_init(&n->kids);
    n->parent = parent;
    return n;
}

/* Free one node, dropping the store's reference to its message (children untouched). */
static void node_free(struct retain_node *n)
{
    if (n->msg)
        n->msg->stored = false;
    msg_unref(n->msg);
    level_map_cleanup(&n->kids);
    free(n);
}

/* Find the node of topic t (tlen bytes), creating the path when `create` is set. */
static struct retain_node *node_for_topic(struct retain_store *rs, const char *t, size_t tlen,
                                          bool create)
{
    struct retain_node *n = rs->root;
    const char *p = t, *end = t + tlen;

    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t len = (size_t)((slash ? slash : end) - p);
        struct retain_node *c = (struct retain_node *)level_map_get(&n->kids, p, len);
        if (!c && create) {
            c = node_new(n, p, len);
            level_map_put(&n->kids, &c->key);
        }
        if (!c || !slash)
            return c;
        n = c;
        p = slash + 1;
    }
}

/* A node gained a message: put it at the head of the list, before any running scan's
 * position, so a scan only visits nodes that had their message when it started. */
static void all_link(struct retain_store *rs, struct retain_node *n)
{
    n->all_prev = NULL;
    n->all_next = rs->all;
    if (rs->all)
        rs->all->all_prev = n;
    rs->all = n;
}

/* A node lost its message: unlink it, moving a scan that was about to visit it on. */
static void all_unlink(struct retain_store *rs, struct retain_node *n)
{
    if (rs->scan == n)
        rs->scan = n->all_next;
    if (n->all_prev)
        n->all_prev->all_next = n->all_next;
    else
        rs->all = n->all_next;
    if (n->all_next)
        n->all_next->all_prev = n->all_prev;
    n->all_prev = n->all_next = NULL;
}

/* Free n and every ancestor left without message and children, stopping at the root. */
static void prune(struct retain_store *rs, struct retain_node *n)
{
    while (n != rs->root && !n->msg && n->kids.count == 0) {
        struct retain_node *p = n->parent;
        level_map_del(&p->kids, &n->key);
        node_free(n);
        n = p;
    }
}

/* ---- walking -------------------------------------------------------------------- */

/* True for levels such as "$SYS" that wildcards at the root must not enter. */
static bool is_dollar(const struct retain_node *n)
{
    return n->key.len > 0 && n->level[0] == '$';
}

/* The child of p after prev (first when prev is NULL), skipping '$' levels when
 * skip_dollar is set (the '$' rule for wildcards at the root). */
static struct retain_node *next_child(const struct retain_node *p, const struct retain_node *prev,
                                      bool skip_dollar)
{
    const struct level_key *k = prev ? &prev->key : NULL;

    for (;;) {
        struct retain_node *c = (struct retain_node *)level_map_next(&p->kids, k);
        if (!c || !skip_dollar || !is_dollar(c))
            return c;
        k = &c->key;
    }
}

/* The pre-order successor of n inside the subtree of top, or NULL when done. It
 * climbs through parent pointers, so a walk needs no stack however deep the tree. */
static struct retain_node *walk_next(const struct retain_store *rs, const struct retain_node *n,
                                     const struct retain_node *top, bool dollar_rule)
{
    /* Pre-order: go down first, else to the next sibling of the nearest ancestor that
     * has one, never climbing above top. */
    struct retain_node *c = next_child(n, NULL, dollar_rule && n == rs->root);
    if (c)
        return c;
    while (n != top) {
        const struct retain_node *p = n->parent;
        c = next_child(p, n, dollar_rule && p == rs->root);
        if (c)
            return c;
        n = p;
    }
    return NULL;
}

/* Start loading the cache lines of m (header, topic, payload start) before the visit. */
static void prefetch_msg(const struct msg *m)
{
    __builtin_prefetch(m);
    __builtin_prefetch((const char *)m + 64);
    __builtin_prefetch((const char *)m + 128);
}

/* Visit every message in the subtree of top, top's own included. Nodes and messages lie
 * scattered over the heap, so a big walk is bound by cache and TLB misses: each message
 * is prefetched when its node is reached and handed to cb one step later, so that the
 * walk to the next node overlaps the load (level_map_next prefetches the nodes). */
static void visit_subtree(const struct retain_store *rs, const struct retain_node *top,
                          bool dollar_rule, struct visit_ctx *vc)
{
    struct msg *pending = NULL;
    for (const struct retain_node *n = top; n; n = walk_next(rs, n, top, dollar_rule)) {
        if (n->msg)
            prefetch_msg(n->msg);
        if (pending) {
            vc->cb(pending, vc->ud);
            vc->hits++;
        }
        pending = n->msg;
    }
    if (pending) {
        vc->cb(pending, vc->ud);
        vc->hits++;
    }
}

/* "#" from the root: every message except those of '$' topics, in the order of the list
 * of nodes with a message. That list runs in allocation order, which the cache handles
 * far better than the trie's hash order; messages are prefetched one node ahead. */
static void visit_all_but_dollar(const struct retain_store *rs, struct visit_ctx *vc)
{
    struct msg *pending = NULL;
    for (const struct retain_node *n = rs->all; n; n = n->all_next) {
        prefetch_msg(n->msg);
        if (pending && pending->topic[0] != '$') {
            vc->cb(pending, vc->ud);
            vc->hits++;
        }
        pending = n->msg;
    }
    if (pending && pending->topic[0] != '$') {
        vc->cb(pending, vc->ud);
        vc->hits++;
    }
}

/* Visit n's message, if it has one (an exact or '+' match ending at n). */
static void visit_one(const struct retain_node *n, struct visit_ctx *vc)
{
    if (n->msg) {
        vc->cb(n->msg, vc->ud);
        vc->hits++;
    }
}

/* Walk the filter levels from p (up to end) below n. Exact levels are followed in the
 * loop; '+' recurses once per child, so the depth is bounded by the filter's levels. */
static void match_below(const struct retain_store *rs, const struct retain_node *n, const char *p,
                        const char *end, struct visit_ctx *vc)
{
    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t len = (size_t)((slash ? slash : end) - p);
        bool root = n == rs->root;

        if (len == 1 && p[0] == '#') {
            /* "a/#" also matches "a": the subtree includes n itself. */
            visit_subtree(rs, n, root, vc);
            return;
        }
        if (len == 1 && p[0] == '+') {
            for (const struct retain_node *c = next_child(n, NULL, root); c;
                 c = next_child(n, c, root)) {
                if (slash)
                    match_below(rs, c, slash + 1, end, vc);
                else
                    visit_one(c, vc);
            }
            return;
        }
        /* An exact level: one lookup, and a miss ends the walk for the whole filter. */
        n = (const struct retain_node *)level_map_get(&n->kids, p, len);
        if (!n)
            return;
        if (!slash) {
            visit_one(n, vc);
            return;
        }
        p = slash + 1;
    }
}

/* ---- public API ------------------------------------------------------------------ */

/* The root is a real node with an empty level; a topic always has at least one
 * level, so the root never holds a message and is never pruned. */
struct retain_store *retain_new(void)
{
    struct retain_store *rs = xmalloc(sizeof(*rs));
    rs->root = node_new(NULL, "", 0);
    rs->count = 0;
    rs->bytes = 0;
    rs->all = rs->scan = NULL;
    rs->scanning = false;
    return rs;
}

void retain_free(struct retain_store *rs)
{
    if (!rs)
        return;
    /* Post-order through parent pointers: free leaves first, no recursion. */
    struct retain_node *n = rs->root;
    while (n) {
        struct retain_node *c = (struct retain_node *)level_map_next(&n->kids, NULL);
        if (c) {
            n = c; /* descend until a leaf */
            continue;
        }
        /* A leaf: unlink and free it, then look at its parent again. */
        struct retain_node *p = n->parent;
        if (p)
            level_map_del(&p->kids, &n->key);
        node_free(n);
        n = p;
    }
    free(rs);
}

/* One walk for both cases: a clear only looks the node up (creating nothing), a set
 * creates the path. Counters move with every message that enters or leaves. */
int retain_set(struct retain_store *rs, struct msg *m)
{
    bool clear = m->payload_len == 0;
    struct retain_node *n = node_for_topic(rs, m->topic, m->topic_len, !clear);

    /* Whether replaced or cleared, the old message leaves the store and the counters. */
    if (n && n->msg) {
        rs->count--;
        rs->bytes -= n->msg->payload_len;
        n->msg->stored = false;
        msg_unref(n->msg);
        n->msg = NULL;
        if (clear)
            all_unlink(rs, n); /* a replacement keeps the node's place */
    }
    if (clear) {
        /* An empty retained payload deletes; the message itself is not stored. */
        if (n)
            prune(rs, n);
        msg_unref(m);
        return 0;
    }
    if (!n->all_prev && rs->all != n)
        all_link(rs, n);
    n->msg = m; /* the store now owns the caller's reference */
    m->stored = true;
    rs->count++;
    rs->bytes += m->payload_len;
    return 0;
}

/* The filter drives the walk: exact levels are single lookups, so a filter without
 * wildcards costs one lookup per level whatever the size of the store. */
size_t retain_match(const struct retain_store *rs, const char *f, size_t flen, retain_visit_cb cb,
                    void *ud)
{
    struct visit_ctx vc = {.cb = cb, .ud = ud, .hits = 0};
    if (flen == 1 && f[0] == '#')
        visit_all_but_dollar(rs, &vc); /* the common "everything" subscription */
    else
        match_below(rs, rs->root, f, f + flen, &vc);
    return vc.hits;
}

/* A '#' walk from the root without the '$' rule: persistence wants "$SYS" too. */
size_t retain_foreach(const struct retain_store *rs, retain_visit_cb cb, void *ud)
{
    struct visit_ctx vc = {.cb = cb, .ud = ud, .hits = 0};
    visit_subtree(rs, rs->root, false, &vc);
    return vc.hits;
}

/* Both counters are kept incrementally by retain_set, so these are O(1). */
size_t retain_count(const struct retain_store *rs)
{
    return rs->count;
}

uint64_t retain_bytes(const struct retain_store *rs)
{
    return rs->bytes;
}

void retain_scan_start(struct retain_store *rs)
{
    rs->scan = rs->all;
    rs->scanning = true;
}

bool retain_scan_step(struct retain_store *rs, size_t max, retain_visit_cb cb, void *ud)
{
    ASSERT(rs->scanning);
    for (size_t i = 0; i < max && rs->scan; i++) {
        struct retain_node *n = rs->scan;
        rs->scan = n->all_next; /* before the callback, which must not modify the store */
        cb(n->msg, ud);
    }
    return rs->scan == NULL;
}

void retain_scan_stop(struct retain_store *rs)
{
    rs->scan = NULL;
    rs->scanning = false;
}
