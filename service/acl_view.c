/* SPDX-License-Identifier: MIT */
/* Per-client compiled ACLs (see service/acl.h): the client's rule list flattened in
 * evaluation order with patterns substituted, the topic check and the classification of
 * subscription filters. */
#include "common/mem.h"
#include "common/mqtt_topic.h"
#include "service/acl.h"

#include <stdlib.h>
#include <string.h>

/* One compiled rule: a concrete filter (patterns substituted). */
struct acl_entry {
    char *filter; /* owned */
    size_t len;
    size_t lit;      /* bytes before the first wildcard: a cheap pre-check */
    unsigned access; /* ACL_READ / ACL_WRITE bits, or ACL_DENY */
    bool dollar;     /* filter starts with '$' */
};

struct acl_view {
    bool enforce; /* an acl_file is in force */
    struct acl_entry *e;
    size_t n, cap;
};

static void push(struct acl_view *v, char *filter, size_t len, unsigned access)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->e = xrealloc(v->e, v->cap * sizeof *v->e);
    }
    size_t lit = strcspn(filter, "+#");
    v->e[v->n++] = (struct acl_entry){filter, len, lit, access, len > 0 && filter[0] == '$'};
}

/* Append the rules of l: deny rules first (mosquitto keeps them at the head of each
 * list), then the grants in file order. */
static void add_list(struct acl_view *v, const struct acl_list *l)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < l->n; i++) {
            const struct acl_rule *r = &l->r[i];
            if ((r->access == ACL_DENY) == (pass == 0))
                push(v, xstrndup(r->filter, r->len), r->len, r->access);
        }
    }
}

/* Pattern r with every "%c" replaced by id and every "%u" by user (caller-owned). */
static char *substitute(const struct acl_rule *r, const char *id, const char *user, size_t *len)
{
    size_t idl = strlen(id), ul = user ? strlen(user) : 0, n = 0;
    for (size_t i = 0; i < r->len; i++) {
        bool c = r->filter[i] == '%' && i + 1 < r->len && r->filter[i + 1] == 'c';
        bool u = r->filter[i] == '%' && i + 1 < r->len && r->filter[i + 1] == 'u';
        n += c ? idl : u ? ul : 1;
        i += c || u;
    }
    char *out = xmalloc(n + 1), *w = out;
    for (size_t i = 0; i < r->len; i++) {
        bool c = r->filter[i] == '%' && i + 1 < r->len && r->filter[i + 1] == 'c';
        bool u = r->filter[i] == '%' && i + 1 < r->len && r->filter[i + 1] == 'u';
        if (c || u) {
            memcpy(w, c ? id : user, c ? idl : ul);
            w += c ? idl : ul;
            i++;
        } else {
            *w++ = r->filter[i];
        }
    }
    *w = '\0';
    *len = n;
    return out;
}

static void add_patterns(struct acl_view *v, const struct acl_list *l, const char *id,
                         const char *user)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < l->n; i++) {
            const struct acl_rule *r = &l->r[i];
            if ((r->access == ACL_DENY) != (pass == 0) || (r->has_u && !user))
                continue; /* a %u pattern never applies to an anonymous client */
            size_t len = 0;
            char *f = substitute(r, id, user, &len);
            push(v, f, len, r->access);
        }
    }
}

static bool has_wildcard(const char *s)
{
    return s && strpbrk(s, "+#") != NULL;
}

struct acl_view *acl_view_new(const struct acl_file *f, const char *client_id, const char *username)
{
    struct acl_view *v = xcalloc(1, sizeof *v);
    if (!f)
        return v;
    v->enforce = true;
    if (!username) {
        add_list(v, &f->anon);
    } else {
        const struct acl_user *u = acl_file_find_user(f, username);
        if (u)
            add_list(v, &u->rules);
    }
    /* CVE-2017-7650 class: an id such as "#" must not turn "pattern read x/%c" into a
     * wildcard grant, so such clients get no pattern rules at all (and, when patterns
     * exist, whatever their own rules did not grant is denied as usual). */
    if (!has_wildcard(client_id) && !has_wildcard(username))
        add_patterns(v, &f->patterns, client_id, username);
    return v;
}

void acl_view_free(struct acl_view *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++)
        free(v->e[i].filter);
    free(v->e);
    free(v);
}

bool acl_view_allows(const struct acl_view *v, const char *t, size_t len, unsigned access)
{
    if (!v || !v->enforce)
        return true;
    bool dollar = len > 0 && t[0] == '$';
    for (size_t i = 0; i < v->n; i++) {
        const struct acl_entry *e = &v->e[i];
        /* A '$' topic is only matched by rules that start with '$' themselves. A match
         * needs the rule's literal prefix to agree with the topic as far as both go
         * (only as far: "a/#" matches "a"), which rejects most rules with one memcmp. */
        size_t k = e->lit < len ? e->lit : len;
        if (e->dollar != dollar || memcmp(e->filter, t, k) != 0 ||
            !mqtt_topic_matches(e->filter, e->len, t, len))
            continue;
        if (e->access == ACL_DENY)
            return false;
        if (e->access & access)
            return true; /* a match without the needed bit does not stop the search */
    }
    return false;
}

/* Whether the rest of filter s (n bytes) from pos (at a '/') is exactly "/#". */
static bool rest_is_hash(const char *s, size_t n, size_t pos)
{
    return n - pos == 2 && s[pos + 1] == '#';
}

static bool is_wild(const char *l, size_t n, char w)
{
    return n == 1 && l[0] == w;
}

/* Whether some topic name matches both valid filters a and b. */
static bool filters_intersect(const char *a, size_t al, const char *b, size_t bl)
{
    if ((al > 0 && a[0] == '$') != (bl > 0 && b[0] == '$'))
        return false; /* leading wildcards never reach '$' topics */
    size_t i = 0, j = 0;
    for (;;) {
        size_t la = mqtt_topic_level_len(a + i, al - i), lb = mqtt_topic_level_len(b + j, bl - j);
        if (is_wild(a + i, la, '#') || is_wild(b + j, lb, '#'))
            return true;
        bool any = is_wild(a + i, la, '+') || is_wild(b + j, lb, '+');
        if (!any && (la != lb || memcmp(a + i, b + j, la) != 0))
            return false;
        i += la, j += lb;
        if (i == al && j == bl)
            return true;
        if (i == al)
            return rest_is_hash(b, bl, j);
        if (j == bl)
            return rest_is_hash(a, al, i);
        i++, j++;
    }
}

/* Whether every topic name that matches valid filter f also matches valid filter d. */
static bool filter_covers(const char *d, size_t dl, const char *f, size_t fl)
{
    if ((dl > 0 && d[0] == '$') != (fl > 0 && f[0] == '$'))
        return false;
    size_t i = 0, j = 0;
    for (;;) {
        size_t ld = mqtt_topic_level_len(d + i, dl - i), lf = mqtt_topic_level_len(f + j, fl - j);
        if (is_wild(d + i, ld, '#'))
            return true;
        if (is_wild(f + j, lf, '#'))
            return false; /* f reaches any depth here, d does not */
        bool dplus = is_wild(d + i, ld, '+');
        if (!dplus && (is_wild(f + j, lf, '+') || ld != lf || memcmp(d + i, f + j, ld) != 0))
            return false;
        i += ld, j += lf;
        if (i == dl && j == fl)
            return true;
        if (j == fl)
            return rest_is_hash(d, dl, i); /* "a/#" also matches "a" */
        if (i == dl)
            return false;
        i++, j++;
    }
}

enum acl_reach acl_view_reach(const struct acl_view *v, const char *f, size_t flen)
{
    if (!v || !v->enforce)
        return ACL_REACH_FULL;
    bool any_grant = false, saw_deny = false;
    for (size_t i = 0; i < v->n; i++) {
        const struct acl_entry *e = &v->e[i];
        if (!filters_intersect(e->filter, e->len, f, flen))
            continue;
        if (e->access == ACL_DENY) {
            if (filter_covers(e->filter, e->len, f, flen))
                return any_grant ? ACL_REACH_PARTIAL : ACL_REACH_NONE;
            saw_deny = true;
            continue;
        }
        if (!(e->access & ACL_READ))
            continue;
        if (!saw_deny && filter_covers(e->filter, e->len, f, flen))
            return ACL_REACH_FULL; /* every topic of f stops at this grant or an earlier one */
        any_grant = true;
    }
    return any_grant ? ACL_REACH_PARTIAL : ACL_REACH_NONE;
}

bool acl_topic_is_reserved(const char *t, size_t len)
{
    size_t l = mqtt_topic_level_len(t, len);
    return (l == 4 && memcmp(t, "$SYS", 4) == 0) || (l == 6 && memcmp(t, "$share", 6) == 0);
}
