/* SPDX-License-Identifier: MIT */
/* The broker side of authorisation (see service/acl.h): loading each domain's acl_file,
 * reloading it, and giving sessions their compiled views, re-checking subscriptions and
 * queued messages whenever the rules or the client's identity change. */
#include "service/acl.h"

#include "common/mem.h"
#include "service/log.h"
#include "service/sec.h"
#include "service/session.h"

#include <stdlib.h>
#include <string.h>

/* ACL files larger than this are certainly a mistake. */
#define MAX_ACL_FILE_BYTES (64u * 1024u * 1024u)

/* Read and parse path into a new file. On any error every problem is logged with
 * file:line (prefixed by what), *d holds the first, and NULL is returned. */
static struct acl_file *load(const char *path, const char *what, struct err_detail *d)
{
    char *data = NULL, msg[1200];
    size_t len = 0;
    int rc = plat_file_read_all(path, MAX_ACL_FILE_BYTES, &data, &len, d);
    if (rc < 0) {
        log_error("%scannot read acl_file: %s", what, err_detail_format(d, msg, sizeof msg));
        return NULL;
    }
    struct acl_file *f = xmalloc(sizeof *f);
    acl_file_init(f);
    acl_file_parse(f, path, data, len);
    free(data);
    for (size_t i = 0; i < f->n_warnings; i++)
        log_warn("acl file %s", err_detail_format(&f->warnings[i], msg, sizeof msg));
    if (f->n_errors == 0)
        return f;
    size_t kept = f->n_errors < ACL_FILE_MAX_ERRORS ? f->n_errors : ACL_FILE_MAX_ERRORS;
    for (size_t i = 0; i < kept; i++)
        log_error("%sacl file %s", what, err_detail_format(&f->errors[i], msg, sizeof msg));
    if (f->n_errors > kept)
        log_error("%sacl file %s: %zu more error(s)", what, path, f->n_errors - kept);
    *d = f->errors[0];
    acl_file_cleanup(f);
    free(f);
    return NULL;
}

static void free_file(struct acl_file *f)
{
    if (!f)
        return;
    acl_file_cleanup(f);
    free(f);
}

int acl_start_domain(struct sec_domain *dom, struct err_detail *d)
{
    if (!dom->acl_file)
        return 0;
    dom->acl = load(dom->acl_file, "", d);
    if (!dom->acl) {
        dom->acl = xmalloc(sizeof *dom->acl); /* no rules: everything denied */
        acl_file_init(dom->acl);
        return d->line > 0 ? ERR_CONFIG : ERR_IO;
    }
    log_notice("acl file %s (%s): %zu rule(s) for %zu user(s)", dom->acl_file, dom->label,
               acl_file_rule_count(dom->acl), dom->acl->n_users);
    return 0;
}

int acl_start(struct broker *b, struct err_detail *d)
{
    for (size_t i = 0; i < b->n_sec; i++) {
        int rc = acl_start_domain(&b->sec[i], d);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void acl_cleanup(struct broker *b)
{
    for (size_t i = 0; i < b->n_sec; i++) {
        free_file(b->sec[i].acl);
        b->sec[i].acl = NULL;
    }
}

/* Whether session s may still read message m (queue filter callback). */
static bool keep_readable(struct session *s, const struct msg *m)
{
    return acl_session_may_read(s, m->topic, m->topic_len);
}

/* Re-check s's subscriptions and unsent queue against its current view. */
static void recheck(struct session *s)
{
    size_t removed = 0;
    for (size_t i = s->n_subs; i-- > 0;) {
        struct sub_entry *e = &s->subs[i];
        enum acl_reach r = acl_view_reach(s->acl, e->filter, e->flen);
        if (r == ACL_REACH_NONE) {
            log_info("client=%s subscription '%s' removed: no longer readable", s->client_id,
                     e->filter);
            session_sub_remove(s, e->filter, e->flen);
            removed++;
            continue;
        }
        uint8_t opts =
            (uint8_t)((e->options & ~ACL_SUB_CHECK) | (r == ACL_REACH_PARTIAL ? ACL_SUB_CHECK : 0));
        if (opts != e->options)
            session_sub_add(s, e->filter, e->flen, opts);
    }
    size_t dropped = session_queue_filter(s, keep_readable);
    if (removed || dropped)
        log_notice("client=%s ACL re-check: %zu subscription(s) removed, %zu queued "
                   "message(s) dropped",
                   s->client_id, removed, dropped);
}

/* Give every session of dom a view of dom's current rules and re-check it. */
static void rebind_domain(struct broker *b, struct sec_domain *dom)
{
    size_t idx = (size_t)(dom - b->sec);
    for (struct link *l = b->conns.next; l != &b->conns; l = l->next) {
        struct conn *c = link_entry(l, struct conn, all_link);
        struct session *s = c->sess;
        if (c->state == CONN_ACTIVE && s && s->sec_index == idx)
            acl_session_bind(s, idx, c->username);
    }
    /* A session restored from persistence has no view yet (the username of its client
     * is not stored): it is bound, and its queue re-checked, at its next CONNECT. */
    for (struct link *l = b->offline.next; l != &b->offline; l = l->next) {
        struct session *s = link_entry(l, struct session, expiry_link);
        if (s->sec_index == idx && s->acl)
            acl_session_bind(s, idx, s->acl_username);
    }
}

void acl_reload_domain(struct broker *b, struct sec_domain *dom)
{
    struct err_detail d = {{0}, {0}, 0};
    if (!dom->acl_file) {
        if (!dom->acl)
            return;
        free_file(dom->acl);
        dom->acl = NULL;
        log_notice("reload: %s: acl_file removed; every topic is allowed", dom->label);
        rebind_domain(b, dom);
        return;
    }
    struct acl_file *f = load(dom->acl_file, "reload: keeping the previous access rules: ", &d);
    if (!f)
        return; /* never open up or lock out on a broken file: the last good rules stay */
    free_file(dom->acl);
    dom->acl = f;
    log_notice("reload: acl file %s (%s): %zu rule(s) for %zu user(s)", dom->acl_file, dom->label,
               acl_file_rule_count(f), f->n_users);
    rebind_domain(b, dom);
}

struct acl_view *acl_view_for(const struct sec_domain *dom, const char *client_id,
                              const char *username)
{
    return acl_view_new(dom->acl, client_id, username);
}

void acl_session_bind(struct session *s, size_t sec_index, const char *username)
{
    char *user = xstrdup(username); /* first: username may be s->acl_username */
    free(s->acl_username);
    s->acl_username = user;
    acl_view_free(s->acl);
    s->acl = acl_view_new(sec_get(s->b, sec_index)->acl, s->client_id, user);
    s->sec_index = sec_index;
    if (s->n_subs || s->q.count)
        recheck(s);
}

void acl_session_cleanup(struct session *s)
{
    acl_view_free(s->acl);
    s->acl = NULL;
    x_clear(&s->acl_username);
}

bool acl_session_may_read(const struct session *s, const char *t, size_t len)
{
    return acl_view_allows(s->acl, t, len, ACL_READ);
}

bool acl_session_may_write(const struct session *s, const char *t, size_t len)
{
    return acl_view_allows(s->acl, t, len, ACL_WRITE);
}
