/* SPDX-License-Identifier: MIT */
/* Round-trip editing of configuration files (see common/cfg_write.h). */
#include "common/cfg_write.h"

#include "common/mem.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Classify line l from its text, as the parser would split it. */
static void classify(struct cfg_doc_line *l, bool first)
{
    const char *s = l->text;
    size_t n = strlen(s), i = 0;
    if (first && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3; /* the parser skips a byte order mark */
    while (i < n && is_blank(s[i]))
        i++;
    while (n > i && is_blank(s[n - 1]))
        n--;
    l->opt = NULL;
    l->key_off = l->key_len = l->val_off = l->val_len = 0;
    if (i == n) {
        l->kind = CFG_DOC_BLANK;
        return;
    }
    if (s[i] == '#') {
        l->kind = CFG_DOC_COMMENT;
        return;
    }
    size_t k = i;
    while (k < n && !is_blank(s[k]))
        k++;
    size_t v = k;
    while (v < n && is_blank(s[v]))
        v++;
    l->key_off = i;
    l->key_len = k - i;
    l->val_off = v;
    l->val_len = n - v;
    const struct cfg_option *o = cfg_schema_find(s + i, k - i);
    if (o && o->alias_of)
        o = cfg_schema_find(o->alias_of, strlen(o->alias_of));
    l->opt = o;
    l->kind = o ? CFG_DOC_OPTION : CFG_DOC_UNKNOWN;
}

/* Insert a line with text (copied) at index at. */
static void insert_line(struct cfg_doc *doc, size_t at, const char *text)
{
    if (doc->n == doc->cap) {
        doc->cap = doc->cap ? doc->cap * 2 : 32;
        doc->lines = xrealloc(doc->lines, doc->cap * sizeof *doc->lines);
    }
    memmove(&doc->lines[at + 1], &doc->lines[at], (doc->n - at) * sizeof *doc->lines);
    doc->n++;
    struct cfg_doc_line *l = &doc->lines[at];
    memset(l, 0, sizeof *l);
    l->text = xstrdup(text);
    l->eol = doc->eol;
    /* Appending after a last line without an ending: that line gets one and the new
     * last line goes without, so the file keeps its "no final newline" shape. */
    if (at > 0 && !doc->lines[at - 1].eol[0]) {
        doc->lines[at - 1].eol = doc->eol;
        l->eol = "";
    }
    classify(l, at == 0);
}

static void delete_line(struct cfg_doc *doc, size_t at)
{
    const char *eol = doc->lines[at].eol;
    free(doc->lines[at].text);
    memmove(&doc->lines[at], &doc->lines[at + 1], (doc->n - at - 1) * sizeof *doc->lines);
    doc->n--;
    /* Deleting the last line keeps the file's "no final newline" property. */
    if (at == doc->n && at > 0 && !eol[0])
        doc->lines[at - 1].eol = "";
}

void cfg_doc_parse(struct cfg_doc *doc, const char *text, size_t len)
{
    memset(doc, 0, sizeof *doc);
    doc->eol = "\n";
    bool eol_set = false;
    while (len > 0) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) : len;
        const char *eol = !nl ? "" : (n > 0 && text[n - 1] == '\r') ? "\r\n" : "\n";
        size_t body = strlen(eol) == 2 ? n - 1 : n;
        if (doc->n == doc->cap) {
            doc->cap = doc->cap ? doc->cap * 2 : 32;
            doc->lines = xrealloc(doc->lines, doc->cap * sizeof *doc->lines);
        }
        struct cfg_doc_line *l = &doc->lines[doc->n];
        memset(l, 0, sizeof *l);
        l->text = xstrndup(text, body);
        l->eol = eol;
        classify(l, doc->n == 0);
        doc->n++;
        if (!eol_set && nl) {
            doc->eol = eol;
            eol_set = true;
        }
        text += nl ? n + 1 : n;
        len -= nl ? n + 1 : n;
    }
}

void cfg_doc_cleanup(struct cfg_doc *doc)
{
    for (size_t i = 0; i < doc->n; i++)
        free(doc->lines[i].text);
    x_clear(&doc->lines);
    doc->n = doc->cap = 0;
}

char *cfg_doc_render(const struct cfg_doc *doc, size_t *len)
{
    size_t total = 0;
    for (size_t i = 0; i < doc->n; i++)
        total += strlen(doc->lines[i].text) + strlen(doc->lines[i].eol);
    char *out = xmalloc(total + 1);
    size_t at = 0;
    for (size_t i = 0; i < doc->n; i++) {
        size_t t = strlen(doc->lines[i].text), e = strlen(doc->lines[i].eol);
        memcpy(out + at, doc->lines[i].text, t);
        memcpy(out + at + t, doc->lines[i].eol, e);
        at += t + e;
    }
    out[at] = '\0';
    if (len)
        *len = at;
    return out;
}

static bool is_listener_line(const struct cfg_doc_line *l)
{
    return l->kind == CFG_DOC_OPTION && l->opt->special == CFG_SP_LISTENER;
}

/* Lines that belong to the block before them: listener-scoped options other than the
 * default listener's own `port` and `bind_address`. */
static bool is_block_option(const struct cfg_doc_line *l)
{
    return l->kind == CFG_DOC_OPTION && l->opt->scope == CFG_SCOPE_LISTENER &&
           l->opt->special != CFG_SP_PORT && l->opt->special != CFG_SP_BIND_ADDRESS;
}

/* Whether listener line l names port and address (NULL/"" = none). */
static bool listener_matches(const struct cfg_doc_line *l, uint16_t port, const char *address)
{
    const char *v = l->text + l->val_off;
    size_t n = l->val_len, p = 0;
    unsigned long num = 0;
    while (p < n && v[p] >= '0' && v[p] <= '9' && num <= 65535)
        num = num * 10 + (unsigned long)(v[p++] - '0');
    if (p == 0 || num != port || (p < n && !is_blank(v[p])))
        return false;
    while (p < n && is_blank(v[p]))
        p++;
    size_t a = p;
    while (p < n && !is_blank(v[p]))
        p++;
    if (a < p && v[a] == '#')
        p = a; /* "listener 1883 # comment" has no address */
    size_t want = address ? strlen(address) : 0;
    return p - a == want && memcmp(v + a, address ? address : "", want) == 0;
}

long cfg_doc_find_listener(const struct cfg_doc *doc, uint16_t port, const char *address)
{
    for (size_t i = 0; i < doc->n; i++)
        if (is_listener_line(&doc->lines[i]) && listener_matches(&doc->lines[i], port, address))
            return (long)i;
    return ERR_NOTFOUND;
}

size_t cfg_doc_block_end(const struct cfg_doc *doc, size_t start)
{
    size_t i = start + 1;
    while (i < doc->n && !is_listener_line(&doc->lines[i]))
        i++;
    return i;
}

/* Index of the line setting key (canonical row) in the block at start, or -1. */
static long block_find(const struct cfg_doc *doc, size_t start, const struct cfg_option *o)
{
    size_t end = cfg_doc_block_end(doc, start);
    for (size_t i = start + 1; i < end; i++)
        if (doc->lines[i].kind == CFG_DOC_OPTION && doc->lines[i].opt == o)
            return (long)i;
    return -1;
}

const char *cfg_doc_block_get(const struct cfg_doc *doc, size_t start, const char *key, size_t *len)
{
    const struct cfg_option *o = cfg_schema_find(key, strlen(key));
    long i = o ? block_find(doc, start, o) : -1;
    if (i < 0)
        return NULL;
    *len = doc->lines[i].val_len;
    return doc->lines[i].text + doc->lines[i].val_off;
}

/* The schema row of a listener option key, or NULL with ERR_INVAL in *d. */
static const struct cfg_option *listener_row(const char *key, struct err_detail *d)
{
    const struct cfg_option *o = cfg_schema_find(key, strlen(key));
    if (o && o->alias_of)
        o = cfg_schema_find(o->alias_of, strlen(o->alias_of));
    struct cfg_doc_line probe = {.kind = CFG_DOC_OPTION, .opt = o};
    if (!o || !is_block_option(&probe)) {
        err_set(d, ERR_INVAL, NULL, 0, "'%.64s' is not a listener option", key);
        return NULL;
    }
    return o;
}

/* A value must fit on one line and survive the parser's trimming unchanged. */
static int check_value(const char *key, const char *v, struct err_detail *d)
{
    size_t n = strlen(v);
    if (n == 0 || is_blank(v[0]) || is_blank(v[n - 1]) || v[0] == '#')
        return err_set(d, ERR_INVAL, NULL, 0,
                       "'%s': the value must not be empty, start with "
                       "'#' or have leading or trailing blanks",
                       key);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
            return err_set(d, ERR_INVAL, NULL, 0,
                           "'%s': the value contains a line break or "
                           "control character",
                           key);
    return 0;
}

/* "key value" into a caller-owned string, with prefix (indentation) in front. */
static char *format_line(const char *prefix, size_t plen, const char *key, const char *value)
{
    size_t n = plen + strlen(key) + 1 + strlen(value) + 1;
    char *s = xmalloc(n);
    snprintf(s, n, "%.*s%s %s", (int)plen, prefix, key, value);
    return s;
}

int cfg_doc_listener_set(struct cfg_doc *doc, uint16_t port, const char *address, const char *key,
                         const char *value, struct err_detail *d)
{
    const struct cfg_option *o = listener_row(key, d);
    if (!o)
        return ERR_INVAL;
    if (value && check_value(key, value, d) < 0)
        return ERR_INVAL;
    long start = cfg_doc_find_listener(doc, port, address);
    if (start < 0)
        return err_set(d, ERR_NOTFOUND, NULL, 0, "no listener block for port %u%s%s",
                       (unsigned)port, address ? " " : "", address ? address : "");
    long at = block_find(doc, (size_t)start, o);
    if (at >= 0 && !value) {
        delete_line(doc, (size_t)at);
        return 0;
    }
    if (at >= 0) {
        struct cfg_doc_line *l = &doc->lines[at];
        char *s = format_line(l->text, l->key_off, o->name, value);
        free(l->text);
        l->text = s;
        classify(l, at == 0);
        return 0;
    }
    if (!value)
        return 0; /* removing what is not there: nothing to do */
    size_t end = cfg_doc_block_end(doc, (size_t)start), last = (size_t)start;
    for (size_t i = (size_t)start + 1; i < end; i++)
        if (is_block_option(&doc->lines[i]))
            last = i;
    char *s = format_line("", 0, o->name, value);
    insert_line(doc, last + 1, s);
    free(s);
    return 0;
}

int cfg_doc_listener_add(struct cfg_doc *doc, uint16_t port, const char *address,
                         const struct cfg_doc_kv *kv, size_t n, struct err_detail *d)
{
    if (address && !address[0])
        address = NULL;
    if (cfg_doc_find_listener(doc, port, address) >= 0)
        return err_set(d, ERR_EXISTS, NULL, 0, "a listener on port %u%s%s is already configured",
                       (unsigned)port, address ? " " : "", address ? address : "");
    if (address && check_value("listener", address, d) < 0)
        return ERR_INVAL;
    for (size_t i = 0; i < n; i++) {
        if (!listener_row(kv[i].key, d) || (kv[i].value && check_value(kv[i].key, kv[i].value, d)))
            return ERR_INVAL;
    }
    if (address && strpbrk(address, " \t#"))
        return err_set(d, ERR_INVAL, NULL, 0, "the listener address must be one word");
    if (doc->n > 0 && doc->lines[doc->n - 1].kind != CFG_DOC_BLANK)
        insert_line(doc, doc->n, "");
    char head[300];
    snprintf(head, sizeof head, "listener %u%s%.256s", (unsigned)port, address ? " " : "",
             address ? address : "");
    insert_line(doc, doc->n, head);
    for (size_t i = 0; i < n; i++) {
        if (!kv[i].value)
            continue;
        char *s = format_line("", 0, listener_row(kv[i].key, NULL)->name, kv[i].value);
        insert_line(doc, doc->n, s);
        free(s);
    }
    return 0;
}

int cfg_doc_listener_remove(struct cfg_doc *doc, uint16_t port, const char *address,
                            struct err_detail *d)
{
    long start = cfg_doc_find_listener(doc, port, address);
    if (start < 0)
        return err_set(d, ERR_NOTFOUND, NULL, 0, "no listener block for port %u%s%s",
                       (unsigned)port, address ? " " : "", address ? address : "");
    size_t end = cfg_doc_block_end(doc, (size_t)start);
    for (size_t i = end; i > (size_t)start + 1; i--)
        if (is_block_option(&doc->lines[i - 1]))
            delete_line(doc, i - 1);
    delete_line(doc, (size_t)start);
    return 0;
}

const char *cfg_doc_version(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    out[0] = '\0';
    if (!data)
        return out;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != sizeof md)
        PANIC("SHA-256 failed");
    for (size_t i = 0; i < sizeof md; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return out;
}
