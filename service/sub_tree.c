/* SPDX-License-Identifier: MIT */
/* The subscription tree: a trie over topic-filter levels whose nodes carry compact
 * subscriber arrays, matched against topic names without allocating. */
#include "service/sub_tree.h"

#include "common/err.h"
#include "common/mem.h"
#include "service/level_map.h"

#include <stdlib.h>
#include <string.h>

/* A node with this many subscribers gets a side index so that (un)subscribing stays
 * O(1) on broadcast filters with tens of thousands of subscribers. */
#define SUB_INDEX_MIN 16u

/* One subscription: 16 bytes on 64-bit hosts, so a match streams through memory. */
struct sub_entry {
    void *subscriber;
    uint32_t sub_id;
    uint8_t options;
};

/* One filter level. The node for "a/+/#" is reached root -> kids["a"] -> plus -> hash.
 * A '#' node never has children (it can only be the last level). */
struct sub_node {
    struct level_key key; /* first member: level_map hands back &node->key */
    struct sub_node *parent;
    struct level_map kids; /* exact-level children */
    struct sub_node *plus; /* the '+' child */
    struct sub_node *hash; /* the '#' child */
    struct sub_entry *subs;
    uint32_t nsubs, subs_cap;
    /* NULL, or index_mask + 1 slots holding (position in subs) + 1; 0 is empty. */
    uint32_t *index;
    uint32_t index_mask;
    /* MQTT 5 shared subscriptions ("$share/<group>/<filter>") will hang here, on the
     * node of <filter>: a short list of groups, each with its own sub_entry array and
     * a round-robin cursor, from which match reports one member per group. Not yet
     * implemented: a "$share/..." filter is currently stored as an ordinary filter. */
    char level[]; /* the level bytes, NUL-terminated, in the same allocation */
};

struct sub_tree {
    struct sub_node *root; /* level "", never pruned */
    size_t count;          /* (subscriber, filter) pairs */
};

/* Matching state shared by the recursion over '+' branches. */
struct match_ctx {
    const char *end; /* one past the topic's last byte */
    sub_tree_match_cb cb;
    void *ud;
    size_t hits;
};

/* ---- nodes ---------------------------------------------------------------------- */

/* Allocate a node and its level bytes in one block: one malloc per node, and the level
 * sits on the cache line after the header that the lookup has just read. */
static struct sub_node *node_new(struct sub_node *parent, const char *s, size_t len)
{
    struct sub_node *n = xmalloc(sizeof(*n) + len + 1);
    memset(n, 0, sizeof(*n));
    if (len)
        memcpy(n->level, s, len);
    n->level[len] = '\0';
    level_key_init(&n->key, n->level, len);
    level_map_init(&n->kids);
    n->parent = parent;
    return n;
}

/* Free one node with its child map, subscriber array and index (not its children). */
static void node_free(struct sub_node *n)
{
    level_map_cleanup(&n->kids);
    free(n->subs);
    free(n->index);
    free(n);
}

/* True when the level s (len bytes) is exactly the one character c ('+' or '#'). */
static bool is_level(const char *s, size_t len, char c)
{
    return len == 1 && s[0] == c;
}

/* Return the child of n for filter level s (len bytes), or NULL. */
static struct sub_node *child_get(const struct sub_node *n, const char *s, size_t len)
{
    if (is_level(s, len, '+'))
        return n->plus;
    if (is_level(s, len, '#'))
        return n->hash;
    /* key is the first member, so the key pointer is the node pointer. */
    return (struct sub_node *)level_map_get(&n->kids, s, len);
}

/* Return the child of n for filter level s, creating it when missing. */
static struct sub_node *child_get_or_add(struct sub_node *n, const char *s, size_t len)
{
    struct sub_node *c = child_get(n, s, len);
    if (c)
        return c;
    c = node_new(n, s, len);
    if (is_level(s, len, '+'))
        n->plus = c;
    else if (is_level(s, len, '#'))
        n->hash = c;
    else
        level_map_put(&n->kids, &c->key);
    return c;
}

/* Unlink child c from its parent p (c's level says which slot it sits in). */
static void child_detach(struct sub_node *p, struct sub_node *c)
{
    if (c == p->plus)
        p->plus = NULL;
    else if (c == p->hash)
        p->hash = NULL;
    else
        level_map_del(&p->kids, &c->key);
}

/* A node may be pruned once nothing hangs off it any more. */
static bool node_is_empty(const struct sub_node *n)
{
    return n->nsubs == 0 && n->kids.count == 0 && !n->plus && !n->hash;
}

/* Find the node of filter f (flen bytes), creating the path when `create` is set;
 * NULL when absent and not created. Levels are split on '/', so "a//b", "/" and a
 * trailing '/' produce empty levels, which are ordinary levels here. */
static struct sub_node *node_for_filter(struct sub_tree *t, const char *f, size_t flen, bool create)
{
    struct sub_node *n = t->root;
    const char *p = f, *end = f + flen;

    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t len = (size_t)((slash ? slash : end) - p);
        n = create ? child_get_or_add(n, p, len) : child_get(n, p, len);
        if (!n || !slash)
            return n;
        p = slash + 1;
    }
}

/* Free n and then every ancestor that became empty, stopping at the root. */
static void prune(struct sub_tree *t, struct sub_node *n)
{
    while (n != t->root && node_is_empty(n)) {
        struct sub_node *p = n->parent;
        child_detach(p, n);
        node_free(n);
        n = p;
    }
}

/* ---- subscriber arrays and their index --------------------------------------------- */

/* Fibonacci hashing of a subscriber pointer: the high bits of the product mix in
 * every address bit, which matters because allocator addresses share low bits. */
static uint32_t ptr_hash(const void *p)
{
    return (uint32_t)(((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull) >> 32);
}

/* Return the index slot that refers to subscriber s, or UINT32_MAX. */
static uint32_t index_find(const struct sub_node *n, const void *s)
{
    for (uint32_t i = ptr_hash(s) & n->index_mask;; i = (i + 1) & n->index_mask) {
        uint32_t v = n->index[i];
        if (v == 0)
            return UINT32_MAX;
        if (n->subs[v - 1].subscriber == s)
            return i;
    }
}

/* Record position pos of n->subs in the index (the subscriber is not yet there). */
static void index_insert(struct sub_node *n, uint32_t pos)
{
    uint32_t i = ptr_hash(n->subs[pos].subscriber) & n->index_mask;
    while (n->index[i])
        i = (i + 1) & n->index_mask;
    n->index[i] = pos + 1;
}

/* Empty slot i with backward shift (same scheme as level_map's table). */
static void index_remove_at(struct sub_node *n, uint32_t i)
{
    uint32_t j = i;
    n->index[i] = 0;
    for (;;) {
        j = (j + 1) & n->index_mask;
        if (!n->index[j])
            return;
        uint32_t home = ptr_hash(n->subs[n->index[j] - 1].subscriber) & n->index_mask;
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            n->index[i] = n->index[j];
            n->index[j] = 0;
            i = j;
        }
    }
}

/* Size the index for the current subscriber count (load 25-50%), or drop it once the
 * node is small enough for a linear scan. */
static void index_resize(struct sub_node *n)
{
    uint32_t cap = 0;

    if (n->nsubs >= SUB_INDEX_MIN / 2) {
        cap = 64;
        while (cap < n->nsubs * 4u)
            cap *= 2;
    }
    if (n->index && cap == n->index_mask + 1)
        return;
    free(n->index);
    n->index = NULL;
    n->index_mask = 0;
    if (!cap)
        return;
    n->index = xcalloc(cap, sizeof(*n->index));
    n->index_mask = cap - 1;
    for (uint32_t pos = 0; pos < n->nsubs; pos++)
        index_insert(n, pos);
}

/* Return the position of subscriber s in n->subs, or UINT32_MAX. */
static uint32_t entry_find(const struct sub_node *n, const void *s)
{
    if (n->index) {
        uint32_t slot = index_find(n, s);
        return slot == UINT32_MAX ? UINT32_MAX : n->index[slot] - 1;
    }
    for (uint32_t i = 0; i < n->nsubs; i++)
        if (n->subs[i].subscriber == s)
            return i;
    return UINT32_MAX;
}

/* Append a new subscription to n (the subscriber is known to be absent). The array
 * doubles; the index is created at SUB_INDEX_MIN entries and rebuilt when it passes
 * 50% load. */
static void entry_append(struct sub_node *n, void *s, uint8_t options, uint32_t sub_id)
{
    ASSERT(n->nsubs < UINT32_MAX / 8);
    if (n->nsubs == n->subs_cap) {
        n->subs_cap = n->subs_cap ? n->subs_cap * 2 : 2;
        n->subs = xrealloc(n->subs, n->subs_cap * sizeof(*n->subs));
    }
    uint32_t pos = n->nsubs++;
    n->subs[pos] = (struct sub_entry){.subscriber = s, .sub_id = sub_id, .options = options};
    if (n->index && n->nsubs * 2u <= n->index_mask + 1)
        index_insert(n, pos);
    else if (n->index || n->nsubs >= SUB_INDEX_MIN)
        index_resize(n);
}

/* Remove the entry at pos by moving the last entry into its place: O(1), and the
 * array stays dense for the match loop. Order among subscribers carries no meaning.
 * The moved entry's index slot is repointed, and array and index shrink when they
 * become mostly empty. */
static void entry_remove(struct sub_node *n, uint32_t pos)
{
    uint32_t last = n->nsubs - 1;

    if (n->index) {
        index_remove_at(n, index_find(n, n->subs[pos].subscriber));
        if (pos != last)
            n->index[index_find(n, n->subs[last].subscriber)] = pos + 1;
    }
    n->subs[pos] = n->subs[last];
    n->nsubs--;
    if (n->index && n->nsubs * 8u <= n->index_mask + 1)
        index_resize(n);
    if (n->subs_cap > 4 && n->nsubs * 4u <= n->subs_cap) {
        n->subs_cap /= 2;
        n->subs = xrealloc(n->subs, n->subs_cap * sizeof(*n->subs));
    }
}

/* ---- public API ------------------------------------------------------------------ */

/* The root is a real node with an empty level so the walks need no special case
 * except the '$' rule; it is never pruned. */
struct sub_tree *sub_tree_new(void)
{
    struct sub_tree *t = xmalloc(sizeof(*t));
    t->root = node_new(NULL, "", 0);
    t->count = 0;
    return t;
}

void sub_tree_free(struct sub_tree *t)
{
    if (!t)
        return;
    /* Post-order walk through parent pointers: no recursion, however deep the tree. */
    struct sub_node *n = t->root;
    while (n) {
        struct sub_node *c = n->plus ? n->plus : n->hash;
        if (!c)
            c = (struct sub_node *)level_map_next(&n->kids, NULL);
        if (c) {
            n = c;
            continue;
        }
        struct sub_node *p = n->parent;
        if (p)
            child_detach(p, n);
        node_free(n);
        n = p;
    }
    free(t);
}

/* Creating the path first and then finding the subscriber keeps the common cases to
 * one walk: a new subscription appends, a repeated one rewrites in place. */
int sub_tree_add(struct sub_tree *t, const char *f, size_t flen, void *subscriber, uint8_t options,
                 uint32_t sub_id, bool *replaced)
{
    struct sub_node *n = node_for_filter(t, f, flen, true);
    uint32_t pos = entry_find(n, subscriber);

    if (replaced)
        *replaced = pos != UINT32_MAX;
    if (pos != UINT32_MAX) {
        /* Same subscriber, same filter: MQTT says the new options replace the old. */
        n->subs[pos].options = options;
        n->subs[pos].sub_id = sub_id;
        return 0;
    }
    entry_append(n, subscriber, options, sub_id);
    t->count++;
    return 0;
}

/* The lookup walk creates nothing, so removing an unknown filter leaves no residue. */
int sub_tree_remove(struct sub_tree *t, const char *f, size_t flen, void *subscriber)
{
    struct sub_node *n = node_for_filter(t, f, flen, false);
    uint32_t pos = n ? entry_find(n, subscriber) : UINT32_MAX;

    if (pos == UINT32_MAX)
        return ERR_NOTFOUND;
    entry_remove(n, pos);
    t->count--;
    prune(t, n);
    return 0;
}

/* Report every subscription stored at n, in array order. */
static void report(const struct sub_node *n, struct match_ctx *mc)
{
    for (uint32_t i = 0; i < n->nsubs; i++)
        mc->cb(n->subs[i].subscriber, n->subs[i].options, n->subs[i].sub_id, mc->ud);
    mc->hits += n->nsubs;
}

/* The topic ended at node n: its own filter matches, and so does "<n>/#". */
static void report_final(const struct sub_node *n, struct match_ctx *mc)
{
    report(n, mc);
    if (n->hash)
        report(n->hash, mc);
}

/* Match the topic levels from p onwards below n. The exact branch is followed in the
 * loop and only '+' branches recurse, so the depth is bounded by the number of '+'
 * levels in the stored filters. `wild` is false only for the root of a '$' topic. */
static void match_below(const struct sub_node *n, const char *p, bool wild, struct match_ctx *mc)
{
    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(mc->end - p));
        size_t len = (size_t)((slash ? slash : mc->end) - p);

        if (wild && n->hash)
            report(n->hash, mc); /* '#' swallows this level and all after it */
        if (wild && n->plus) {
            if (slash)
                match_below(n->plus, slash + 1, true, mc);
            else
                report_final(n->plus, mc);
        }
        n = (const struct sub_node *)level_map_get(&n->kids, p, len);
        if (!n)
            return;
        if (!slash) {
            report_final(n, mc);
            return;
        }
        p = slash + 1;
        wild = true;
    }
}

size_t sub_tree_match(const struct sub_tree *t, const char *tn, size_t tlen, sub_tree_match_cb cb,
                      void *ud)
{
    struct match_ctx mc = {.end = tn + tlen, .cb = cb, .ud = ud, .hits = 0};

    /* MQTT-4.7.2-1: filters starting with a wildcard never match "$..." topics. */
    match_below(t->root, tn, !(tlen > 0 && tn[0] == '$'), &mc);
    return mc.hits;
}

/* Kept incrementally by add and remove, so this is O(1). */
size_t sub_tree_count(const struct sub_tree *t)
{
    return t->count;
}
