/* SPDX-License-Identifier: MIT */
/* ACL file parser (see common/acl_file.h): lines to anonymous, per-user and pattern rule
 * lists, with every problem reported as file:line. */
#include "common/acl_file.h"

#include "common/mem.h"
#include "common/mqtt_topic.h"
#include "common/utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest filter or username: an MQTT string. */
#define ACL_MAX_TEXT 65535u

/* State of one parse. */
struct parse {
    struct acl_file *f;
    const char *name;
    int line;
    struct acl_user *cur; /* block of the last `user` line; NULL = anonymous */
};

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* A bounded, printable rendering of s for messages (never more than ~60 bytes). */
static const char *quote(const char *s, size_t n, char *buf, size_t buflen)
{
    size_t max = buflen > 4 ? buflen - 4 : 0, i;
    if (max > 60)
        max = 60;
    for (i = 0; i < n && i < max; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (i < n && buflen >= 4)
        memcpy(buf + i, "...", 3), i += 3;
    if (buflen > 0)
        buf[i < buflen ? i : buflen - 1] = '\0';
    return buf;
}

static void add_detail(struct err_detail **v, size_t *n, bool capped, const struct parse *p,
                       const char *msg)
{
    size_t k = (*n)++;
    if (capped && k >= ACL_FILE_MAX_ERRORS)
        return;
    *v = xrealloc(*v, (k + 1) * sizeof **v);
    err_set(&(*v)[k], ERR_CONFIG, p->name, p->line, "%s", msg);
}

static int error(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int error(struct parse *p, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    add_detail(&p->f->errors, &p->f->n_errors, true, p, msg);
    return ERR_CONFIG;
}

static void warn(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct parse *p, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    add_detail(&p->f->warnings, &p->f->n_warnings, false, p, msg);
}

void acl_file_init(struct acl_file *f)
{
    memset(f, 0, sizeof *f);
}

static void list_cleanup(struct acl_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->r[i].filter);
    free(l->r);
    memset(l, 0, sizeof *l);
}

void acl_file_cleanup(struct acl_file *f)
{
    list_cleanup(&f->anon);
    list_cleanup(&f->patterns);
    for (size_t i = 0; i < f->n_users; i++) {
        free(f->users[i].name);
        list_cleanup(&f->users[i].rules);
    }
    free(f->users);
    free(f->errors);
    free(f->warnings);
    acl_file_init(f);
}

const struct acl_user *acl_file_find_user(const struct acl_file *f, const char *user)
{
    for (size_t i = 0; i < f->n_users; i++)
        if (strcmp(f->users[i].name, user) == 0)
            return &f->users[i];
    return NULL;
}

size_t acl_file_rule_count(const struct acl_file *f)
{
    size_t n = f->anon.n + f->patterns.n;
    for (size_t i = 0; i < f->n_users; i++)
        n += f->users[i].rules.n;
    return n;
}

/* Whether the n bytes at s are usable text: 1..65535 bytes of valid MQTT UTF-8. */
static bool text_ok(const char *s, size_t n)
{
    return n > 0 && n <= ACL_MAX_TEXT && utf8_is_valid_mqtt((const uint8_t *)s, n);
}

/* `user NAME`: start (or continue) NAME's block. */
static int parse_user(struct parse *p, const char *s, size_t n)
{
    char q[80];
    if (n == 0)
        return error(p, "'user' needs a username");
    if (!text_ok(s, n))
        return error(p, "username '%s' is not valid UTF-8 of at most 65535 bytes",
                     quote(s, n, q, sizeof q));
    struct acl_file *f = p->f;
    for (size_t i = 0; i < f->n_users; i++) {
        if (strlen(f->users[i].name) == n && memcmp(f->users[i].name, s, n) == 0) {
            p->cur = &f->users[i];
            return 0;
        }
    }
    if (f->n_users == f->cap_users) {
        f->cap_users = f->cap_users ? f->cap_users * 2 : 8;
        f->users = xrealloc(f->users, f->cap_users * sizeof *f->users);
    }
    p->cur = &f->users[f->n_users++];
    memset(p->cur, 0, sizeof *p->cur);
    p->cur->name = xstrndup(s, n);
    return 0;
}

/* The access word w (n bytes), or 0 when it is not one. */
static unsigned access_word(const char *w, size_t n)
{
    static const struct {
        const char *word;
        unsigned access;
    } words[] = {
        {"read", ACL_READ}, {"write", ACL_WRITE}, {"readwrite", ACL_READWRITE}, {"deny", ACL_DENY}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i].word) == n && memcmp(words[i].word, w, n) == 0)
            return words[i].access;
    return 0;
}

static void list_add(struct acl_list *l, const struct acl_rule *r)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->r = xrealloc(l->r, l->cap * sizeof *l->r);
    }
    l->r[l->n++] = *r;
}

static bool contains(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, needle, k) == 0)
            return true;
    return false;
}

/* Check filter (n bytes at s) and add it as a rule of the current list. */
static int add_rule(struct parse *p, bool pattern, unsigned access, const char *s, size_t n)
{
    char q[80];
    if (!text_ok(s, n) || !mqtt_topic_is_valid_filter(s, n))
        return error(p,
                     "invalid topic filter '%s' (wildcards + and # must be whole levels, "
                     "# only last)",
                     quote(s, n, q, sizeof q));
    struct acl_rule r = {xstrndup(s, n),      n, access, p->line, contains(s, n, "%c"),
                         contains(s, n, "%u")};
    if (pattern && !r.has_c && !r.has_u)
        warn(p, "pattern '%s' contains neither %%c nor %%u: it applies to every client",
             quote(s, n, q, sizeof q));
    if (!pattern && (r.has_c || r.has_u))
        warn(p, "topic '%s' contains %%c or %%u, which only a 'pattern' line replaces",
             quote(s, n, q, sizeof q));
    if (pattern)
        list_add(&p->f->patterns, &r);
    else
        list_add(p->cur ? &p->cur->rules : &p->f->anon, &r);
    return 0;
}

/* `topic|pattern [ACCESS] FILTER` with the keyword already consumed (s, n: the rest). */
static int parse_rule(struct parse *p, bool pattern, const char *s, size_t n)
{
    const char *kw = pattern ? "pattern" : "topic";
    char q[80];
    if (n == 0)
        return error(p, "'%s' needs a topic filter", kw);
    size_t w = 0;
    while (w < n && !is_blank(s[w]))
        w++;
    unsigned access = access_word(s, w);
    size_t rest = w;
    while (rest < n && is_blank(s[rest]))
        rest++;
    if (access) {
        /* mosquitto would read "topic read" as the topic "read" with read and write
         * access; that is almost certainly a mistake, so midge refuses it. */
        if (rest == n)
            return error(p, "'%s %s' needs a topic filter after the access word", kw,
                         quote(s, w, q, sizeof q));
        return add_rule(p, pattern, access, s + rest, n - rest);
    }
    if (rest < n)
        return error(p, "'%s' is not an access word (read, write, readwrite or deny)",
                     quote(s, w, q, sizeof q));
    return add_rule(p, pattern, ACL_READWRITE, s, w);
}

/* One line (without its '\n'). */
static int parse_line(struct parse *p, const char *s, size_t n)
{
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    while (n > 0 && is_blank(*s))
        s++, n--;
    if (n == 0 || s[0] == '#')
        return 0;
    size_t k = 0;
    while (k < n && !is_blank(s[k]))
        k++;
    size_t v = k;
    while (v < n && is_blank(s[v]))
        v++;
    if (k == 4 && memcmp(s, "user", 4) == 0)
        return parse_user(p, s + v, n - v);
    if (k == 5 && memcmp(s, "topic", 5) == 0)
        return parse_rule(p, false, s + v, n - v);
    if (k == 7 && memcmp(s, "pattern", 7) == 0)
        return parse_rule(p, true, s + v, n - v);
    char q[80];
    return error(p, "unknown keyword '%s' (expected topic, pattern or user)",
                 quote(s, k, q, sizeof q));
}

int acl_file_parse(struct acl_file *f, const char *name, const char *text, size_t len)
{
    struct parse p = {f, name, 0, NULL};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3, len -= 3;
    while (len > 0) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) : len;
        p.line++;
        (void)parse_line(&p, text, n); /* errors are collected; keep going */
        text += n, len -= n;
        if (nl)
            text++, len--;
    }
    return (int)(f->n_errors > INT32_MAX ? INT32_MAX : f->n_errors);
}
