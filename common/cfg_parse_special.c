/* SPDX-License-Identifier: MIT */
/* The configuration keywords that need more than a generic typed value (listener, port,
 * bind_address, mount_point, log_dest, log_type, include_dir) and the end-of-parse
 * listener bookkeeping, following mosquitto 2.0's rules. */
#include "common/cfg_parse_priv.h"
#include "common/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PORT 1883

/* Next blank-separated token of s[0..n) from *pos; NULL when there is none. */
static const char *next_token(const char *s, size_t n, size_t *pos, size_t *tlen)
{
    size_t i = *pos;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t start = i;
    while (i < n && s[i] != ' ' && s[i] != '\t')
        i++;
    *pos = i;
    *tlen = i - start;
    return i > start ? s + start : NULL;
}

static bool same_text(const char *a, const char *b, size_t blen)
{
    return strlen(a) == blen && memcmp(a, b, blen) == 0;
}

/* The listener already defined on port and address (addr NULL = all), or NULL. */
static const struct cfg_listener *find_listener(const struct cfg *c, int64_t port, const char *addr,
                                                size_t alen)
{
    for (size_t i = 0; i < c->n_listeners; i++) {
        const struct cfg_listener *li = &c->listeners[i];
        if (li->port != port || (li->bind_address == NULL) != (addr == NULL))
            continue;
        if (!addr || same_text(li->bind_address, addr, alen))
            return li;
    }
    return NULL;
}

/* `listener PORT [ADDRESS]`. As in mosquitto, an address token starting with '#' (and
 * everything after it) is a comment; anything else after the address is refused. */
int cfg_parse__listener(const struct cfgp_line *l)
{
    struct cfgp_ctx *x = l->x;
    size_t pos = 0, plen = 0, alen = 0, elen = 0;
    const char *port_s = next_token(l->val, l->val_len, &pos, &plen);
    const char *addr = next_token(l->val, l->val_len, &pos, &alen);
    const char *extra = addr && addr[0] != '#' ? next_token(l->val, l->val_len, &pos, &elen) : NULL;
    char q[80], a[80];
    int64_t port = -1;
    if (addr && addr[0] == '#')
        addr = NULL, alen = 0;
    if (!port_s || !cfg_parse__decimal(port_s, plen, &port) || port < 0 || port > 65535)
        return cfg_parse__error(l,
                                "'listener' port must be an integer from 1 to 65535, "
                                "not '%s'",
                                cfg_parse__quote(port_s, plen, q, sizeof q));
    if (port == 0)
        return cfg_parse__error(l, "'listener' port 0 (a Unix socket) is not supported "
                                   "yet by midge");
    if (extra && extra[0] != '#')
        return cfg_parse__error(l, "unexpected '%s' after the 'listener' address",
                                cfg_parse__quote(extra, elen, q, sizeof q));
    char *bind = NULL;
    if (addr) {
        int rc = cfg_parse__string(l, addr, alen, &bind);
        if (rc < 0)
            return rc;
    }
    const struct cfg_listener *dup = find_listener(x->c, port, addr, alen);
    if (dup) {
        free(bind);
        return cfg_parse__error(l,
                                "a listener on port %lld (%s) is already defined at "
                                "%.400s:%d",
                                (long long)port,
                                addr ? cfg_parse__quote(addr, alen, a, sizeof a) : "all addresses",
                                dup->src_file, dup->src_line);
    }
    struct cfg *c = x->c;
    c->listeners = xrealloc(c->listeners, (c->n_listeners + 1) * sizeof *c->listeners);
    struct cfg_listener *li = &c->listeners[c->n_listeners];
    cfg_parse__listener_defaults(li);
    li->port = (uint16_t)port;
    li->bind_address = bind;
    li->src_file = xstrdup(l->f->name);
    li->src_line = l->f->line;
    l->f->cur = (long)c->n_listeners++;
    x->any_listener = true;
    return 0;
}

/* port and bind_address configure the implicit default listener wherever they appear,
 * and like `listener` they end local-only mode. */
static void mark_default_explicit(const struct cfgp_line *l)
{
    struct cfgp_ctx *x = l->x;
    if (!x->deflt_explicit) {
        free(x->deflt.src_file);
        x->deflt.src_file = xstrdup(l->f->name);
        x->deflt.src_line = l->f->line;
    }
    x->deflt_explicit = true;
    x->any_listener = true;
}

int cfg_parse__port(const struct cfgp_line *l)
{
    int64_t v = 0;
    int rc = cfg_parse__int(l, l->val, l->val_len, l->o->min, l->o->max, false, &v);
    if (rc < 0)
        return rc;
    mark_default_explicit(l);
    l->x->deflt.port = (uint16_t)v;
    return 0;
}

int cfg_parse__bind_address(const struct cfgp_line *l)
{
    bool *seen = &l->x->seen[l->o - l->x->rows];
    char *v = NULL;
    if (*seen)
        return cfg_parse__error(l, "duplicate 'bind_address' value");
    int rc = cfg_parse__string(l, l->val, l->val_len, &v);
    if (rc < 0)
        return rc;
    *seen = true;
    mark_default_explicit(l);
    l->x->deflt.bind_address = v;
    return 0;
}

/* mosquitto requires a `listener` before mount_point; we require one in the same file,
 * because each file starts on the default listener. */
int cfg_parse__mount_point(const struct cfgp_line *l)
{
    if (l->f->cur < 0)
        return cfg_parse__error(l, "'mount_point' needs a preceding 'listener'");
    struct cfg_listener *li = &l->x->c->listeners[l->f->cur];
    if (li->mount_point)
        return cfg_parse__error(l, "duplicate 'mount_point' value");
    if (memchr(l->val, '+', l->val_len) || memchr(l->val, '#', l->val_len))
        return cfg_parse__error(l, "'mount_point' must not contain the wildcards + or #");
    return cfg_parse__string(l, l->val, l->val_len, &li->mount_point);
}

enum word_kind { W_BITS, W_NONE, W_FILE, W_NOT_YET, W_IGNORED };

/* One accepted word of log_dest or log_type. */
struct word {
    const char *text;
    enum word_kind kind;
    unsigned bits;
};

static const struct word dest_words[] = {
    {"stdout", W_BITS, CFG_LOG_DEST_STDOUT},
    {"stderr", W_BITS, CFG_LOG_DEST_STDERR},
    {"syslog", W_BITS, CFG_LOG_DEST_SYSLOG},
    {"topic", W_BITS, CFG_LOG_DEST_TOPIC},
    {"file", W_FILE, CFG_LOG_DEST_FILE},
    {"none", W_NONE, 0},
    {"dlt", W_NOT_YET, 0},
};

static const struct word type_words[] = {
    {"error", W_BITS, CFG_LOG_TYPE_ERROR},
    {"warning", W_BITS, CFG_LOG_TYPE_WARNING},
    {"notice", W_BITS, CFG_LOG_TYPE_NOTICE},
    {"information", W_BITS, CFG_LOG_TYPE_INFO},
    {"debug", W_BITS, CFG_LOG_TYPE_DEBUG},
    {"subscribe", W_BITS, CFG_LOG_TYPE_SUBSCRIBE},
    {"unsubscribe", W_BITS, CFG_LOG_TYPE_UNSUBSCRIBE},
    {"websockets", W_BITS, CFG_LOG_TYPE_WEBSOCKETS},
    {"all", W_BITS, CFG_LOG_TYPE_ALL},
    {"none", W_NONE, 0},
    {"internal", W_IGNORED, 0},
};

static const struct word *find_word(const struct word *w, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (same_text(w[i].text, s, len))
            return &w[i];
    return NULL;
}

/* `log_dest file PATH`: the path is the rest of the line; only one file is allowed. */
static int log_dest_file(const struct cfgp_line *l, const char *path, size_t plen)
{
    struct cfgp_ctx *x = l->x;
    if (x->log_file_seen)
        return cfg_parse__error(l, "only one 'log_dest file' is allowed");
    if (plen == 0)
        return cfg_parse__error(l, "'log_dest file' needs a path");
    char *v = NULL;
    int rc = cfg_parse__string(l, path, plen, &v);
    if (rc < 0)
        return rc;
    x->log_file_seen = true;
    free(x->c->log_file);
    x->c->log_file = v;
    x->c->log_dest |= CFG_LOG_DEST_FILE;
    return 0;
}

/* The first log_dest line replaces the default (stderr); later ones add to it. */
int cfg_parse__log_dest(const struct cfgp_line *l)
{
    size_t pos = 0, wlen = 0;
    const char *w = next_token(l->val, l->val_len, &pos, &wlen);
    const struct word *hit =
        w ? find_word(dest_words, sizeof dest_words / sizeof *dest_words, w, wlen) : NULL;
    char q[80];
    if (!hit || (hit->kind != W_FILE && pos != l->val_len))
        return cfg_parse__error(l,
                                "'log_dest' must be one of stdout, stderr, syslog, "
                                "topic, file PATH or none, not '%s'",
                                cfg_parse__quote(l->val, l->val_len, q, sizeof q));
    if (hit->kind == W_NOT_YET)
        return cfg_parse__error(l, "'log_dest dlt' is not supported yet by midge");
    if (!l->x->log_dest_set)
        l->x->c->log_dest = 0;
    l->x->log_dest_set = true;
    if (hit->kind == W_FILE) {
        while (pos < l->val_len && (l->val[pos] == ' ' || l->val[pos] == '\t'))
            pos++;
        return log_dest_file(l, l->val + pos, l->val_len - pos);
    }
    if (hit->kind == W_NONE) {
        l->x->c->log_dest = 0;
        x_clear(&l->x->c->log_file);
    }
    l->x->c->log_dest |= hit->bits;
    return 0;
}

/* The first log_type line replaces the default; later ones add to it. */
int cfg_parse__log_type(const struct cfgp_line *l)
{
    const struct word *hit =
        find_word(type_words, sizeof type_words / sizeof *type_words, l->val, l->val_len);
    char q[80];
    if (!hit)
        return cfg_parse__error(l,
                                "'log_type' must be one of error, warning, notice, "
                                "information, debug, subscribe, unsubscribe, websockets, "
                                "all or none, not '%s'",
                                cfg_parse__quote(l->val, l->val_len, q, sizeof q));
    if (!l->x->log_type_set)
        l->x->c->log_type = 0;
    l->x->log_type_set = true;
    if (hit->kind == W_NONE)
        l->x->c->log_type = 0;
    if (hit->kind == W_IGNORED)
        cfg_parse__warn(l,
                        "'log_type %s' is accepted for mosquitto compatibility and "
                        "logs nothing",
                        hit->text);
    l->x->c->log_type |= hit->bits;
    return 0;
}

/* Add the implicit default listener when port/bind_address (or a listener option before
 * any `listener`) configured it, as mosquitto does, and decide local-only mode. */
int cfg_parse__finish(struct cfgp_ctx *x)
{
    struct cfg *c = x->c;
    char w[900];
    c->local_only = !x->any_listener;
    if (!x->deflt_explicit && !x->deflt_note)
        return 0;
    if (!x->deflt_explicit && c->local_only) {
        snprintf(w, sizeof w,
                 "%s has no effect: no listener is configured, so midge runs "
                 "in local-only mode",
                 x->deflt_note);
        cfg_parse__add_warning(c, xstrdup(w));
        return 0;
    }
    if (!x->deflt_explicit) {
        snprintf(w, sizeof w,
                 "%s before any 'listener' applies to a default listener on "
                 "port %d (as in mosquitto)",
                 x->deflt_note, DEFAULT_PORT);
        cfg_parse__add_warning(c, xstrdup(w));
    }
    struct cfg_listener *d = &x->deflt;
    if (d->port == 0)
        d->port = DEFAULT_PORT;
    const char *addr = d->bind_address;
    const struct cfg_listener *dup = find_listener(c, d->port, addr, addr ? strlen(addr) : 0);
    if (dup)
        return err_set(x->d, ERR_CONFIG, d->src_file, d->src_line,
                       "the default listener (port %u, %.200s) clashes with the listener "
                       "defined at %.200s:%d",
                       d->port, addr ? addr : "all addresses", dup->src_file, dup->src_line);
    c->listeners = xrealloc(c->listeners, (c->n_listeners + 1) * sizeof *c->listeners);
    c->listeners[c->n_listeners++] = *d;
    cfg_parse__listener_defaults(d); /* ownership of its strings moved to c */
    return 0;
}
