/* SPDX-License-Identifier: MIT */
/* The bridge keywords of the configuration parser that need more than a typed value
 * (connection, address/addresses, topic, restart_timeout) and the end-of-parse checks of
 * every bridge block, following mosquitto 2.0's rules. */
#include "common/cfg_parse_priv.h"
#include "common/mem.h"
#include "common/mqtt_topic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BRIDGE_DEFAULT_PORT 1883
#define TOPIC_MAX_TOKENS 5

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

static bool tok_is(const char *t, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(t, w, n) == 0;
}

struct cfg_bridge *cfg_parse__bridge_target(const struct cfgp_line *l)
{
    struct cfgp_ctx *x = l->x;
    return x->bridge_cur ? &x->c->bridges[x->bridge_cur - 1] : NULL;
}

/* `connection NAME`: starts a new bridge block; names are unique. */
int cfg_parse__connection(const struct cfgp_line *l)
{
    struct cfgp_ctx *x = l->x;
    struct cfg *c = x->c;
    char q[80];
    size_t pos = 0, nlen = 0, elen = 0;
    const char *name = next_token(l->val, l->val_len, &pos, &nlen);
    if (!name)
        return cfg_parse__error(l, "'connection' needs a name");
    if (next_token(l->val, l->val_len, &pos, &elen))
        return cfg_parse__error(l, "'connection' name must be one word, not '%s'",
                                cfg_parse__quote(l->val, l->val_len, q, sizeof q));
    char *tmp = NULL;
    int rc = cfg_parse__string(l, name, nlen, &tmp);
    if (rc < 0)
        return rc;
    free(tmp);
    for (size_t i = 0; i < c->n_bridges; i++)
        if (tok_is(name, nlen, c->bridges[i].name))
            return cfg_parse__error(l, "a bridge named '%s' is already defined at %.400s:%d",
                                    c->bridges[i].name, c->bridges[i].src_file,
                                    c->bridges[i].src_line);
    c->bridges = xrealloc(c->bridges, (c->n_bridges + 1) * sizeof *c->bridges);
    struct cfg_bridge *br = &c->bridges[c->n_bridges++];
    cfg_bridge_init(br, name, nlen);
    br->src_file = xstrdup(l->f->name);
    br->src_line = l->f->line;
    x->bridge_cur = c->n_bridges;
    return 0;
}

/* Split "host", "host:port", "[v6]:port" or "v6:port" (the last ':' separates the port,
 * so a bare IPv6 address needs a port, as in mosquitto). */
static int parse_addr(const struct cfgp_line *l, const char *t, size_t n, struct cfg_bridge_addr *a)
{
    char q[80];
    size_t hs = 0, he = n, ps = n;
    const char *colon = NULL;
    for (size_t i = 0; i < n; i++)
        if (t[i] == ':')
            colon = t + i;
    if (t[0] == '[') {
        const char *rb = memchr(t, ']', n);
        if (!rb || (rb + 1 != t + n && rb[1] != ':'))
            return cfg_parse__error(l, "bad bridge address '%s'",
                                    cfg_parse__quote(t, n, q, sizeof q));
        hs = 1;
        he = (size_t)(rb - t);
        ps = rb + 1 == t + n ? n : (size_t)(rb - t) + 2;
    } else if (colon) {
        he = (size_t)(colon - t);
        ps = he + 1;
    }
    int64_t port = BRIDGE_DEFAULT_PORT;
    if (ps < n || (ps == n && colon && t[0] != '['))
        if (!cfg_parse__decimal(t + ps, n - ps, &port) || port < 1 || port > 65535)
            return cfg_parse__error(l, "bridge address '%s' needs a port from 1 to 65535",
                                    cfg_parse__quote(t, n, q, sizeof q));
    if (he <= hs)
        return cfg_parse__error(l, "bridge address '%s' has no host name",
                                cfg_parse__quote(t, n, q, sizeof q));
    int rc = cfg_parse__string(l, t + hs, he - hs, &a->host);
    a->port = (uint16_t)port;
    return rc;
}

/* `address HOST[:PORT] ...` (or `addresses`): one line per bridge. */
int cfg_parse__address(const struct cfgp_line *l)
{
    struct cfg_bridge *br = cfg_parse__bridge_target(l);
    if (!br)
        return cfg_parse__error(l, "'address' must follow a 'connection' line");
    if (br->n_addrs)
        return cfg_parse__error(l, "duplicate 'address' value in bridge '%s'", br->name);
    size_t pos = 0, tlen = 0;
    const char *t;
    while ((t = next_token(l->val, l->val_len, &pos, &tlen)) != NULL) {
        struct cfg_bridge_addr a = {NULL, 0};
        int rc = parse_addr(l, t, tlen, &a);
        if (rc < 0) {
            free(a.host);
            return rc;
        }
        br->addrs = xrealloc(br->addrs, (br->n_addrs + 1) * sizeof *br->addrs);
        br->addrs[br->n_addrs++] = a;
    }
    if (!br->n_addrs)
        return cfg_parse__error(l, "'address' needs at least one HOST[:PORT]");
    return 0;
}

/* A prefix token: `""` is the empty prefix (stored as NULL); wildcards are refused. */
static int topic_prefix(const struct cfgp_line *l, const char *t, size_t n, char **out)
{
    char q[80];
    if (tok_is(t, n, "\"\""))
        return 0;
    if (memchr(t, '+', n) || memchr(t, '#', n))
        return cfg_parse__error(l, "bridge topic prefix '%s' must not contain + or #",
                                cfg_parse__quote(t, n, q, sizeof q));
    return cfg_parse__string(l, t, n, out);
}

/* Direction and QoS tokens of a topic line. */
static int topic_dir_qos(const struct cfgp_line *l, const char *const *tok, const size_t *len,
                         size_t n, struct cfg_bridge_topic *t)
{
    char q[80];
    t->dir = CFG_BRIDGE_OUT;
    if (n > 1) {
        if (tok_is(tok[1], len[1], "in"))
            t->dir = CFG_BRIDGE_IN;
        else if (tok_is(tok[1], len[1], "both"))
            t->dir = CFG_BRIDGE_BOTH;
        else if (!tok_is(tok[1], len[1], "out"))
            return cfg_parse__error(l, "bridge topic direction must be in, out or both, not '%s'",
                                    cfg_parse__quote(tok[1], len[1], q, sizeof q));
    }
    int64_t qos = 0;
    if (n > 2 && (!cfg_parse__decimal(tok[2], len[2], &qos) || qos < 0 || qos > 2))
        return cfg_parse__error(l, "bridge topic QoS must be 0, 1 or 2, not '%s'",
                                cfg_parse__quote(tok[2], len[2], q, sizeof q));
    t->qos = (uint8_t)qos;
    return 0;
}

/* The local and remote filters of t must both be valid subscription filters. */
static int topic_check(const struct cfgp_line *l, const struct cfg_bridge_topic *t)
{
    const char *pre[2] = {t->local_prefix, t->remote_prefix};
    for (int i = 0; i < 2; i++) {
        size_t plen = pre[i] ? strlen(pre[i]) : 0, tlen = strlen(t->pattern);
        char *f = xmalloc(plen + tlen + 1);
        memcpy(f, pre[i] ? pre[i] : "", plen);
        memcpy(f + plen, t->pattern, tlen + 1);
        bool ok = mqtt_topic_is_valid_filter(f, plen + tlen);
        free(f);
        if (!ok)
            return cfg_parse__error(l,
                                    "bridge topic '%.200s' with %s prefix '%.200s' is not a "
                                    "valid topic filter",
                                    t->pattern, i ? "remote" : "local", pre[i] ? pre[i] : "");
    }
    return 0;
}

static void topic_free(struct cfg_bridge_topic *t)
{
    free(t->pattern);
    free(t->local_prefix);
    free(t->remote_prefix);
}

/* `topic PATTERN [in|out|both [QOS [LOCAL-PREFIX [REMOTE-PREFIX]]]]`. */
int cfg_parse__topic(const struct cfgp_line *l)
{
    struct cfg_bridge *br = cfg_parse__bridge_target(l);
    if (!br)
        return cfg_parse__error(l, "'topic' must follow a 'connection' line");
    const char *tok[TOPIC_MAX_TOKENS + 1];
    size_t len[TOPIC_MAX_TOKENS + 1], pos = 0, n = 0;
    while (n <= TOPIC_MAX_TOKENS && (tok[n] = next_token(l->val, l->val_len, &pos, &len[n])))
        n++;
    if (n == 0)
        return cfg_parse__error(l, "'topic' needs a pattern");
    if (n > TOPIC_MAX_TOKENS)
        return cfg_parse__error(l, "too many words on the 'topic' line (at most PATTERN "
                                   "DIRECTION QOS LOCAL-PREFIX REMOTE-PREFIX)");
    struct cfg_bridge_topic t = {NULL, 0, 0, NULL, NULL};
    int rc = topic_dir_qos(l, tok, len, n, &t);
    if (rc == 0 && n > 3)
        rc = topic_prefix(l, tok[3], len[3], &t.local_prefix);
    if (rc == 0 && n > 4)
        rc = topic_prefix(l, tok[4], len[4], &t.remote_prefix);
    if (rc == 0 && tok_is(tok[0], len[0], "\"\"")) {
        t.pattern = xstrdup("");
        if (!t.local_prefix || !t.remote_prefix)
            rc = cfg_parse__error(l, "bridge topic pattern \"\" needs both a local and a "
                                     "remote prefix");
    } else if (rc == 0) {
        rc = cfg_parse__string(l, tok[0], len[0], &t.pattern);
    }
    if (rc == 0)
        rc = topic_check(l, &t);
    if (rc < 0) {
        topic_free(&t);
        return rc;
    }
    br->topics = xrealloc(br->topics, (br->n_topics + 1) * sizeof *br->topics);
    br->topics[br->n_topics++] = t;
    return 0;
}

/* `restart_timeout N` (constant) or `restart_timeout BASE CAP` (jittered backoff). */
int cfg_parse__restart_timeout(const struct cfgp_line *l)
{
    struct cfg_bridge *br = cfg_parse__bridge_target(l);
    if (!br)
        return cfg_parse__error(l, "'restart_timeout' must follow a 'connection' line");
    size_t pos = 0, alen = 0, blen = 0, elen = 0;
    const char *a = next_token(l->val, l->val_len, &pos, &alen);
    const char *b = next_token(l->val, l->val_len, &pos, &blen);
    if (!a || next_token(l->val, l->val_len, &pos, &elen))
        return cfg_parse__error(l, "'restart_timeout' must be SECONDS or BASE CAP");
    int64_t base = 0, cap = 0;
    int rc = cfg_parse__int(l, a, alen, 1, 86400, false, &base);
    if (rc == 0 && b)
        rc = cfg_parse__int(l, b, blen, base, 86400, false, &cap);
    if (rc < 0)
        return rc;
    br->restart_base_s = (uint32_t)base;
    br->restart_cap_s = (uint32_t)cap;
    return 0;
}

static bool is_hex(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return n > 0 && n % 2 == 0;
}

/* TLS options of a bridge: certificates and PSK exclude each other, pairs are complete. */
static int bridge_tls_finish(struct cfgp_ctx *x, const struct cfg_bridge *br)
{
    const char *why = NULL;
    if ((br->identity != NULL) != (br->psk != NULL))
        why = "'bridge_identity' and 'bridge_psk' must be given together";
    else if (br->psk && (br->cafile || br->capath || br->certfile))
        why = "'bridge_psk' cannot be combined with certificate options";
    else if (br->psk && !is_hex(br->psk))
        why = "'bridge_psk' must be an even number of hexadecimal digits";
    else if ((br->certfile != NULL) != (br->keyfile != NULL))
        why = "'bridge_certfile' and 'bridge_keyfile' must be given together";
    else if (br->certfile && !br->cafile && !br->capath)
        why = "'bridge_certfile' needs 'bridge_cafile' or 'bridge_capath'";
    if (!why)
        return 0;
    return err_set(x->d, ERR_CONFIG, br->src_file, br->src_line, "bridge '%.200s': %s", br->name,
                   why);
}

/* Checks of one complete bridge block. */
static int bridge_finish(struct cfgp_ctx *x, const struct cfg_bridge *br, size_t idx)
{
    if (!br->n_addrs)
        return err_set(x->d, ERR_CONFIG, br->src_file, br->src_line,
                       "bridge '%.200s' has no 'address'", br->name);
    if (!br->n_topics)
        return err_set(x->d, ERR_CONFIG, br->src_file, br->src_line,
                       "bridge '%.200s' has no 'topic'", br->name);
    if (br->protocol_version == 5)
        return err_set(x->d, ERR_CONFIG, br->src_file, br->src_line,
                       "bridge '%.200s': 'bridge_protocol_version mqttv50' is not supported "
                       "yet by midge",
                       br->name);
    int rc = bridge_tls_finish(x, br);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < idx && br->local_clientid; i++) {
        const struct cfg_bridge *o = &x->c->bridges[i];
        if (o->local_clientid && strcmp(o->local_clientid, br->local_clientid) == 0)
            return err_set(x->d, ERR_CONFIG, br->src_file, br->src_line,
                           "bridge '%.200s' uses the local_clientid of bridge '%.200s'", br->name,
                           o->name);
    }
    return 0;
}

int cfg_parse__bridges_finish(struct cfgp_ctx *x)
{
    for (size_t i = 0; i < x->c->n_bridges; i++) {
        int rc = bridge_finish(x, &x->c->bridges[i], i);
        if (rc < 0)
            return rc;
    }
    return 0;
}
