/* SPDX-License-Identifier: MIT */
/* Control operations on listeners: list, add, set, remove. Each edit is made on the
 * main config file with common/cfg_write (everything else in the file kept), validated
 * with the parser, applied to the running broker and written atomically; a step that
 * fails leaves the file and the running listeners as they were. */
#include "common/cfg.h"
#include "common/cfg_tls.h"
#include "common/cfg_write.h"
#include "common/mem.h"
#include "service/ctl_internal.h"
#include "service/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MODE 0640

/* The listener selected by a request. */
struct lsel {
    uint16_t port;
    const char *address; /* NULL = all interfaces */
};

static const char *domain_name(int d)
{
    return d == 4 ? "ipv4" : d == 6 ? "ipv6" : "any";
}

/* "tls": the running listener's certificate settings, or null without TLS. */
static cJSON *tls_object(const struct cfg_listener *lc)
{
    if (!lc || !cfg_tls_is_enabled(&lc->tls))
        return cJSON_CreateNull();
    cJSON *t = ctl_json_object();
    ctl_json_add_str(t, "certfile", lc->tls.certfile);
    ctl_json_add_str(t, "keyfile", lc->tls.keyfile);
    ctl_json_add_str(t, "cafile", lc->tls.cafile);
    ctl_json_add_str(t, "psk_hint", lc->tls.psk_hint);
    return t;
}

/* One listener object from its running sockets (all of b->listeners matching sel). */
static cJSON *listener_object(const struct broker *b, struct lsel sel)
{
    cJSON *o = ctl_json_object();
    cJSON *bound = ctl_json_array();
    const struct cfg_listener *lc = NULL;
    uint64_t conns = 0;
    for (size_t i = 0; i < b->n_listeners; i++) {
        const struct listener *l = b->listeners[i];
        if (!listener_matches(l, sel.port, sel.address))
            continue;
        lc = lc ? lc : &l->cfg;
        conns += l->n_conns;
        cJSON_AddItemToArray(bound, cJSON_CreateString(l->name));
    }
    ctl_json_add_u64(o, "port", sel.port);
    ctl_json_add_str(o, "address", sel.address);
    ctl_json_add_str(o, "socket_domain", domain_name(lc ? lc->socket_domain : 0));
    cJSON_AddNumberToObject(o, "max_connections", lc ? lc->max_connections : -1);
    ctl_json_add_str(o, "mount_point", lc ? lc->mount_point : NULL);
    cJSON_AddItemToObject(o, "tls", tls_object(lc));
    ctl_json_add_u64(o, "connections", conns);
    cJSON_AddItemToObject(o, "bound", bound);
    if (lc && lc->src_file) {
        char src[600];
        snprintf(src, sizeof src, "%.500s:%d", lc->src_file, lc->src_line);
        ctl_json_add_str(o, "source", src);
    } else {
        ctl_json_add_str(o, "source", NULL);
    }
    return o;
}

static bool seen_before(const struct broker *b, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (listener_matches(b->listeners[j], b->listeners[i]->cfg.port,
                             b->listeners[i]->cfg.bind_address))
            return true;
    return false;
}

int ctl_ops_listeners_list(struct ctl_client *cl, const cJSON *args, cJSON **result,
                           struct err_detail *d)
{
    (void)args;
    const struct broker *b = cl->srv->b;
    char version[65] = "";
    char *text = NULL;
    size_t len = 0;
    if (b->config_path) {
        int rc = ctl_files_read_checked(b->config_path, NULL, false, &text, &len, version, d);
        if (rc < 0)
            return rc;
    }
    cJSON *list = ctl_json_array();
    for (size_t i = 0; i < b->n_listeners; i++) {
        if (seen_before(b, i))
            continue;
        struct lsel sel = {b->listeners[i]->cfg.port, b->listeners[i]->cfg.bind_address};
        cJSON_AddItemToArray(list, listener_object(b, sel));
    }
    *result = ctl_json_object();
    ctl_json_add_str(*result, "version", version);
    ctl_json_add_str(*result, "config_file", b->config_path);
    cJSON_AddItemToObject(*result, "listeners", list);
    free(text);
    return 0;
}

/* ---- Editing ----------------------------------------------------------------------------- */

/* The state of one edit: the file as read, its document, the validated result. */
struct ledit {
    struct broker *b;
    struct lsel sel;
    char *old_text;
    size_t old_len;
    char version[65];
    struct cfg_doc doc;
    char *new_text;
    size_t new_len;
    struct cfg parsed;
    bool have_doc, have_parsed;
};

static void ledit_cleanup(struct ledit *e)
{
    free(e->old_text);
    free(e->new_text);
    if (e->have_doc)
        cfg_doc_cleanup(&e->doc);
    if (e->have_parsed)
        cfg_cleanup(&e->parsed);
}

/* Read the selector and base_version, read the file (version checked), parse it. */
static int ledit_begin(struct ledit *e, struct ctl_client *cl, const cJSON *args,
                       struct err_detail *d)
{
    memset(e, 0, sizeof *e);
    e->b = cl->srv->b;
    if (!e->b->config_path)
        return err_set(d, ERR_NOTSUP, NULL, 0, "the broker runs without a configuration file (-c)");
    const char *base = NULL;
    int64_t port = 0;
    int rc = ctl_arg_str(args, "base_version", true, &base, d);
    if (rc >= 0)
        rc = ctl_arg_int(args, "port", true, 1, 65535, &port, d);
    if (rc >= 0)
        rc = ctl_arg_str(args, "address", false, &e->sel.address, d);
    if (rc < 0)
        return rc;
    if (e->sel.address && !e->sel.address[0])
        e->sel.address = NULL;
    e->sel.port = (uint16_t)port;
    rc = ctl_files_read_checked(e->b->config_path, base, false, &e->old_text, &e->old_len,
                                e->version, d);
    if (rc < 0)
        return rc;
    if (strlen(e->old_text) != e->old_len) /* the document could not keep them */
        return err_set(d, ERR_INVAL, NULL, 0, "%s contains NUL bytes; edit it by hand",
                       e->b->config_path);
    cfg_doc_parse(&e->doc, e->old_text, e->old_len);
    e->have_doc = true;
    return 0;
}

/* Render the edited document and validate it as the main config file. */
static int ledit_validate(struct ledit *e, struct err_detail *d)
{
    e->new_text = cfg_doc_render(&e->doc, &e->new_len);
    e->have_parsed = true;
    int rc = ctl_files_validate(e->b->config_path, e->new_text, e->new_len, &e->parsed, d);
    return rc < 0 ? ERR_CONFIG : 0;
}

/* The parsed configuration of the selected listener in the edited file, or NULL. */
static const struct cfg_listener *ledit_parsed(const struct ledit *e)
{
    for (size_t i = 0; i < e->parsed.n_listeners; i++) {
        const struct cfg_listener *lc = &e->parsed.listeners[i];
        const char *a = lc->bind_address;
        if (lc->port == e->sel.port && (a == NULL) == (e->sel.address == NULL) &&
            (!a || strcmp(a, e->sel.address) == 0))
            return lc;
    }
    return NULL;
}

static bool is_running(const struct broker *b, struct lsel sel)
{
    for (size_t i = 0; i < b->n_listeners; i++)
        if (listener_matches(b->listeners[i], sel.port, sel.address))
            return true;
    return false;
}

/* A listener that runs but has no block in the main file: say why it cannot be edited. */
static int not_in_main_file(const struct ledit *e, struct err_detail *d)
{
    if (!is_running(e->b, e->sel))
        return err_set(d, ERR_NOTFOUND, NULL, 0, "no listener on port %u%s%s",
                       (unsigned)e->sel.port, e->sel.address ? " address " : "",
                       e->sel.address ? e->sel.address : "");
    return err_set(d, ERR_NOTSUP, NULL, 0,
                   "the listener on port %u is not a `listener` block of %s (it comes from "
                   "an included file, `port`/`bind_address` or the built-in defaults); edit "
                   "it in its file",
                   (unsigned)e->sel.port, e->b->config_path);
}

static int ledit_write(struct ledit *e, struct ctl_client *cl, const char *what,
                       struct err_detail *d)
{
    int rc = plat_file_write_atomic(e->b->config_path, e->new_text, e->new_len, CONFIG_MODE, d);
    if (rc == 0)
        log_notice("control socket: %s listener port %u%s%s in %s (by %s)", what,
                   (unsigned)e->sel.port, e->sel.address ? " address " : "",
                   e->sel.address ? e->sel.address : "", e->b->config_path, cl->peer);
    return rc;
}

/* The result of a successful edit: new version and, unless removed, the listener. */
static cJSON *ledit_result(struct ledit *e, bool with_listener)
{
    cJSON *r = ctl_json_object();
    char v[65];
    ctl_json_add_str(r, "version", cfg_doc_version(e->new_text, e->new_len, v));
    if (with_listener)
        cJSON_AddItemToObject(r, "listener", listener_object(e->b, e->sel));
    return r;
}

/* Text of an integer argument for the config file. */
static void int_text(int64_t v, char *out, size_t outlen)
{
    snprintf(out, outlen, "%" PRId64, v);
}

int ctl_ops_listeners_add(struct ctl_client *cl, const cJSON *args, cJSON **result,
                          struct err_detail *d)
{
    struct ledit e;
    int rc = ledit_begin(&e, cl, args, d);
    static const char *const keys[] = {"socket_domain", "mount_point", "certfile", "keyfile",
                                       "cafile"};
    struct cfg_doc_kv kv[6];
    size_t n = 0;
    char maxc[24];
    int64_t max = 0;
    for (size_t i = 0; rc >= 0 && i < sizeof keys / sizeof keys[0]; i++) {
        kv[n].key = keys[i];
        rc = ctl_arg_str(args, keys[i], false, &kv[n].value, d);
        n += rc > 0;
    }
    if (rc >= 0 && (rc = ctl_arg_int(args, "max_connections", false, -1, INT32_MAX, &max, d)) > 0) {
        int_text(max, maxc, sizeof maxc);
        kv[n++] = (struct cfg_doc_kv){"max_connections", maxc};
    }
    if (rc >= 0 && is_running(e.b, e.sel))
        rc = err_set(d, ERR_EXISTS, NULL, 0, "a listener on port %u%s%s is already running",
                     (unsigned)e.sel.port, e.sel.address ? " address " : "",
                     e.sel.address ? e.sel.address : "");
    if (rc >= 0)
        rc = cfg_doc_listener_add(&e.doc, e.sel.port, e.sel.address, kv, n, d);
    if (rc >= 0)
        rc = ledit_validate(&e, d);
    const struct cfg_listener *lc = rc >= 0 ? ledit_parsed(&e) : NULL;
    if (rc >= 0 && !lc)
        rc = err_set(d, ERR_INVAL, NULL, 0, "the new listener did not parse as expected");
    if (rc >= 0)
        rc = listener_open(e.b, lc, d);
    if (rc >= 0 && (rc = ledit_write(&e, cl, "added", d)) < 0)
        listener_close(e.b, e.sel.port, e.sel.address);
    if (rc >= 0) {
        *result = ledit_result(&e, true);
        cJSON *w = ctl_json_array();
        if (e.b->cfg.local_only)
            cJSON_AddItemToArray(
                w, cJSON_CreateString("the broker runs in local-only mode (no listener was "
                                      "configured): its loopback listeners stay open until "
                                      "the next start, which opens only the configured "
                                      "listeners and refuses anonymous clients unless "
                                      "allow_anonymous is set"));
        cJSON_AddItemToObject(*result, "warnings", w);
    }
    ledit_cleanup(&e);
    return rc < 0 ? rc : 0;
}

/* Apply one member of "set" to the document. */
static int set_one(struct ledit *e, const cJSON *m, bool *socket_change, struct err_detail *d)
{
    static const char *const allowed[] = {"max_connections", "mount_point", "socket_domain",
                                          "certfile",        "keyfile",     "cafile"};
    bool known = false;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        known = known || strcmp(m->string, allowed[i]) == 0;
    if (!known)
        return err_set(d, ERR_INVAL, NULL, 0, "set: '%.64s' cannot be changed here", m->string);
    char num[24];
    const char *value = NULL;
    if (cJSON_IsString(m))
        value = m->valuestring;
    else if (cJSON_IsNumber(m) && strcmp(m->string, "max_connections") == 0 &&
             m->valuedouble >= -1 && m->valuedouble <= INT32_MAX &&
             m->valuedouble == (double)(int64_t)m->valuedouble) {
        int_text((int64_t)m->valuedouble, num, sizeof num);
        value = num;
    } else if (!cJSON_IsNull(m))
        return err_set(d, ERR_INVAL, NULL, 0, "set: bad value for '%.64s'", m->string);
    *socket_change = *socket_change || strcmp(m->string, "max_connections") != 0;
    return cfg_doc_listener_set(&e->doc, e->sel.port, e->sel.address, m->string, value, d);
}

/* Put the edited listener lc in place of the running one; restore the old on failure. */
static int swap_running(struct ledit *e, const struct cfg_listener *lc, bool socket_change,
                        const struct cfg_listener *old, struct err_detail *d)
{
    if (!socket_change) {
        for (size_t i = 0; i < e->b->n_listeners; i++)
            if (listener_matches(e->b->listeners[i], e->sel.port, e->sel.address))
                e->b->listeners[i]->cfg.max_connections = lc->max_connections;
        return 0;
    }
    listener_close(e->b, e->sel.port, e->sel.address);
    int rc = listener_open(e->b, lc, d);
    if (rc < 0 && old)
        (void)listener_open(e->b, old, NULL);
    return rc;
}

int ctl_ops_listeners_set(struct ctl_client *cl, const cJSON *args, cJSON **result,
                          struct err_detail *d)
{
    struct ledit e;
    int rc = ledit_begin(&e, cl, args, d);
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(args, "set");
    bool socket_change = false;
    if (rc >= 0 && !cJSON_IsObject(set))
        rc = err_set(d, ERR_INVAL, NULL, 0, "argument 'set' must be an object");
    if (rc >= 0 && cfg_doc_find_listener(&e.doc, e.sel.port, e.sel.address) < 0)
        rc = not_in_main_file(&e, d);
    for (const cJSON *m = rc >= 0 ? set->child : NULL; m && rc >= 0; m = m->next)
        rc = set_one(&e, m, &socket_change, d);
    if (rc >= 0)
        rc = ledit_validate(&e, d);
    const struct cfg_listener *lc = rc >= 0 ? ledit_parsed(&e) : NULL;
    if (rc >= 0 && !lc)
        rc = err_set(d, ERR_INVAL, NULL, 0, "the listener did not parse as expected");
    /* Keep a copy of the running settings to restore after a failed re-open. */
    struct cfg_listener old = {0};
    bool have_old = false;
    for (size_t i = 0; rc >= 0 && i < e.b->n_listeners && !have_old; i++) {
        if (listener_matches(e.b->listeners[i], e.sel.port, e.sel.address)) {
            const struct cfg_listener *cur = &e.b->listeners[i]->cfg;
            old = *cur;
            old.bind_address = xstrdup(cur->bind_address);
            old.mount_point = xstrdup(cur->mount_point);
            old.src_file = xstrdup(cur->src_file);
            cfg_tls_copy(&old.tls, &cur->tls); /* the running copy is freed by the swap */
            have_old = true;
        }
    }
    if (rc >= 0)
        rc = swap_running(&e, lc, socket_change, have_old ? &old : NULL, d);
    if (rc >= 0 && (rc = ledit_write(&e, cl, "changed", d)) < 0 && have_old)
        (void)swap_running(&e, &old, true, NULL, NULL);
    if (rc >= 0)
        *result = ledit_result(&e, true);
    free(old.bind_address);
    free(old.mount_point);
    free(old.src_file);
    cfg_tls_cleanup(&old.tls);
    ledit_cleanup(&e);
    return rc < 0 ? rc : 0;
}

int ctl_ops_listeners_remove(struct ctl_client *cl, const cJSON *args, cJSON **result,
                             struct err_detail *d)
{
    struct ledit e;
    int rc = ledit_begin(&e, cl, args, d);
    if (rc >= 0 && cfg_doc_find_listener(&e.doc, e.sel.port, e.sel.address) < 0)
        rc = not_in_main_file(&e, d);
    if (rc >= 0)
        rc = cfg_doc_listener_remove(&e.doc, e.sel.port, e.sel.address, d);
    if (rc >= 0)
        rc = ledit_validate(&e, d);
    if (rc >= 0 && e.parsed.local_only)
        rc = err_set(d, ERR_INVAL, NULL, 0,
                     "refusing to remove the last listener (the broker would fall back to "
                     "local-only mode at the next start)");
    if (rc >= 0)
        rc = ledit_write(&e, cl, "removed", d);
    if (rc >= 0) {
        size_t n = listener_close(e.b, e.sel.port, e.sel.address);
        log_notice("control socket: closed %zu socket(s) of the removed listener", n);
        *result = ledit_result(&e, false);
    }
    ledit_cleanup(&e);
    return rc < 0 ? rc : 0;
}
