/* SPDX-License-Identifier: MIT */
/* Security domains (see service/sec.h): settings from the configuration, start, reload
 * and cleanup, delegating the files to auth.c and acl.c. */
#include "service/sec.h"

#include "common/mem.h"
#include "service/acl.h"
#include "service/auth.h"
#include "service/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The settings part of a domain, owned strings. */
struct settings {
    char *password_file, *acl_file, *auto_id_prefix;
    bool allow_anonymous, allow_zero_length_clientid;
};

/* The global settings: anonymous access as mosquitto 2.0 decides it (allowed in
 * local-only mode unless configured, refused once a listener is configured). */
static void from_global(struct settings *s, const struct cfg *c)
{
    s->password_file = xstrdup(c->password_file);
    s->acl_file = xstrdup(c->acl_file);
    s->auto_id_prefix = xstrdup(c->auto_id_prefix ? c->auto_id_prefix : "");
    s->allow_anonymous = c->allow_anonymous >= 0 ? c->allow_anonymous != 0 : c->local_only;
    s->allow_zero_length_clientid = c->allow_zero_length_clientid != 0;
}

/* A listener's settings (per_listener_settings): unset values take mosquitto's listener
 * defaults (no anonymous access, empty ids allowed, prefix "auto-"). */
static void from_listener(struct settings *s, const struct cfg_listener *li)
{
    s->password_file = xstrdup(li->password_file);
    s->acl_file = xstrdup(li->acl_file);
    s->auto_id_prefix = xstrdup(li->auto_id_prefix ? li->auto_id_prefix : "auto-");
    s->allow_anonymous = li->allow_anonymous > 0;
    s->allow_zero_length_clientid = li->allow_zero_length_clientid != 0;
}

/* Move *s into dom, freeing dom's previous strings. */
static void take_settings(struct sec_domain *dom, struct settings *s)
{
    free(dom->password_file);
    free(dom->acl_file);
    free(dom->auto_id_prefix);
    dom->password_file = s->password_file;
    dom->acl_file = s->acl_file;
    dom->auto_id_prefix = s->auto_id_prefix;
    dom->allow_anonymous = s->allow_anonymous;
    dom->allow_zero_length_clientid = s->allow_zero_length_clientid;
    memset(s, 0, sizeof *s);
}

static void init_listener_domain(struct sec_domain *dom, const struct cfg_listener *li)
{
    dom->is_listener = true;
    dom->port = li->port;
    dom->bind = xstrdup(li->bind_address);
    snprintf(dom->label, sizeof dom->label, "listener %u %.60s", li->port,
             li->bind_address ? li->bind_address : "*");
    struct settings s;
    from_listener(&s, li);
    take_settings(dom, &s);
}

int sec_start(struct broker *b, struct err_detail *d)
{
    const struct cfg *c = &b->cfg;
    b->sec_per_listener = c->per_listener_settings && c->n_listeners > 0;
    b->n_sec = b->sec_per_listener ? c->n_listeners : 1;
    b->sec = xcalloc(b->n_sec, sizeof *b->sec);
    if (b->sec_per_listener) {
        for (size_t i = 0; i < b->n_sec; i++)
            init_listener_domain(&b->sec[i], &c->listeners[i]);
    } else {
        struct settings s;
        from_global(&s, c);
        take_settings(&b->sec[0], &s);
        snprintf(b->sec[0].label, sizeof b->sec[0].label, "the broker");
    }
    int rc = auth_start(b, d);
    if (rc == 0)
        rc = acl_start(b, d);
    return rc;
}

/* The listener block of n that domain dom (per listener) stands for, or NULL. */
static const struct cfg_listener *find_block(const struct cfg *n, const struct sec_domain *dom)
{
    for (size_t i = 0; i < n->n_listeners; i++) {
        const struct cfg_listener *li = &n->listeners[i];
        if (li->port != dom->port || (li->bind_address == NULL) != (dom->bind == NULL))
            continue;
        if (!dom->bind || strcmp(li->bind_address, dom->bind) == 0)
            return li;
    }
    return NULL;
}

void sec_reload(struct broker *b, const struct cfg *n)
{
    bool pls = n->per_listener_settings && n->n_listeners > 0;
    if (pls != b->sec_per_listener) {
        log_error("reload: per_listener_settings changed; it needs a restart, so the "
                  "security settings, users and ACLs stay as they were");
        return;
    }
    for (size_t i = 0; i < b->n_sec; i++) {
        struct sec_domain *dom = &b->sec[i];
        struct settings s;
        if (!dom->is_listener) {
            from_global(&s, &b->cfg);
        } else {
            const struct cfg_listener *li = find_block(n, dom);
            if (!li) {
                log_warn("reload: %s is no longer configured; it keeps its security "
                         "settings until a restart",
                         dom->label);
                continue;
            }
            from_listener(&s, li);
        }
        take_settings(dom, &s);
    }
    /* Credentials first (that closes connections), then the ACLs of those that stay. */
    for (size_t i = 0; i < b->n_sec; i++)
        auth_reload_domain(b, &b->sec[i]);
    for (size_t i = 0; i < b->n_sec; i++)
        acl_reload_domain(b, &b->sec[i]);
}

/* Index of the per-listener domain for port/bind of lc, or n_sec when there is none. */
static size_t find_domain(const struct broker *b, const struct cfg_listener *lc)
{
    for (size_t i = 0; i < b->n_sec; i++) {
        const struct sec_domain *dom = &b->sec[i];
        if (dom->is_listener && dom->port == lc->port &&
            (dom->bind == NULL) == (lc->bind_address == NULL) &&
            (!dom->bind || strcmp(dom->bind, lc->bind_address) == 0))
            return i;
    }
    return b->n_sec;
}

size_t sec_bind_listener(struct broker *b, const struct cfg_listener *lc)
{
    if (!b->sec_per_listener)
        return 0;
    size_t i = find_domain(b, lc);
    if (i < b->n_sec) {
        struct settings s;
        from_listener(&s, lc);
        take_settings(&b->sec[i], &s);
        auth_reload_domain(b, &b->sec[i]);
        acl_reload_domain(b, &b->sec[i]);
        return i;
    }
    b->sec = xrealloc(b->sec, (b->n_sec + 1) * sizeof *b->sec);
    struct sec_domain *dom = &b->sec[b->n_sec];
    memset(dom, 0, sizeof *dom);
    init_listener_domain(dom, lc);
    struct err_detail d = {{0}, {0}, 0};
    int rc = auth_start_domain(dom, &d);
    if (rc == 0)
        rc = acl_start_domain(dom, &d);
    if (rc < 0) {
        log_error("%s refuses every client until its security files load", dom->label);
        dom->allow_anonymous = false;
    }
    return b->n_sec++;
}

void sec_cleanup(struct broker *b)
{
    if (!b->sec)
        return;
    acl_cleanup(b);
    auth_cleanup(b);
    for (size_t i = 0; i < b->n_sec; i++) {
        struct sec_domain *dom = &b->sec[i];
        free(dom->bind);
        free(dom->password_file);
        free(dom->acl_file);
        free(dom->auto_id_prefix);
    }
    x_clear(&b->sec);
    b->n_sec = 0;
}

struct sec_domain *sec_get(const struct broker *b, size_t i)
{
    ASSERT(b->n_sec > 0);
    return &b->sec[i < b->n_sec ? i : 0];
}

struct sec_domain *sec_of_listener(const struct listener *lst)
{
    return sec_get(lst->b, lst->sec_index);
}
