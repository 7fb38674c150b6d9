/* SPDX-License-Identifier: MIT */
/* Password files in memory: line-preserving parse, edits and serialisation. */
#include "common/pw_file.h"

#include "common/hmap.h"
#include "common/mem.h"
#include "common/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void pw_file_init(struct pw_file *f)
{
    memset(f, 0, sizeof *f);
}

/* Overwrite a string before freeing it: plain passwords may sit in these buffers. */
static void wipe_free(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = 0;
    free(s);
}

static void line_cleanup(struct pw_line *l)
{
    wipe_free(l->text);
    free(l->user);
    wipe_free(l->secret);
    memset(l, 0, sizeof *l);
}

void pw_file_cleanup(struct pw_file *f)
{
    for (size_t i = 0; i < f->n_lines; i++)
        line_cleanup(&f->lines[i]);
    free(f->lines);
    free(f->errors);
    pw_file_init(f);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Trim blanks at both ends of [*s, *s + *len). */
static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_blank(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_blank((*s)[*len - 1]))
        (*len)--;
}

static bool user_is_valid(const char *u, size_t len)
{
    if (len == 0 || len > PW_FILE_USER_MAX || is_blank(u[0]) || is_blank(u[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)u[i] < 0x20 || u[i] == 0x7f || u[i] == ':')
            return false;
    return utf8_is_valid_mqtt((const uint8_t *)u, len);
}

bool pw_file_user_is_valid(const char *user)
{
    return user_is_valid(user, strlen(user));
}

static struct pw_line *append_line(struct pw_file *f, const char *text, size_t len)
{
    if (f->n_lines == f->cap_lines) {
        f->cap_lines = f->cap_lines ? f->cap_lines * 2 : 16;
        f->lines = xrealloc(f->lines, f->cap_lines * sizeof *f->lines);
    }
    struct pw_line *l = &f->lines[f->n_lines++];
    memset(l, 0, sizeof *l);
    l->text = xstrndup(text, len);
    return l;
}

/* Record an error for line `lineno` and mark the line bad. */
static void add_error(struct pw_file *f, struct pw_line *l, const char *name, int lineno,
                      const char *msg)
{
    /* Keep the username (if it was readable) so that set and delete can find the line. */
    wipe_free(l->secret);
    l->secret = NULL;
    l->kind = PW_LINE_BAD;
    f->errors = xrealloc(f->errors, (f->n_errors + 1) * sizeof *f->errors);
    err_set(&f->errors[f->n_errors++], ERR_MALFORMED, name ? name : "", lineno, "%s", msg);
}

/* Classify one line (without its newline). Returns false if it is bad, with *why set. */
static bool classify(struct pw_line *l, unsigned flags, const char **why)
{
    const char *s = l->text;
    size_t len = strlen(s);
    trim(&s, &len);
    if (len == 0 || s[0] == '#') {
        l->kind = PW_LINE_OTHER;
        return true;
    }
    const char *colon = memchr(s, ':', len);
    if (!colon) {
        *why = "no ':' between username and password";
        return false;
    }
    const char *u = s, *p = colon + 1;
    size_t ulen = (size_t)(colon - s), plen = len - ulen - 1;
    trim(&u, &ulen);
    trim(&p, &plen);
    if (!user_is_valid(u, ulen)) {
        *why = "empty or invalid username";
        return false;
    }
    l->user = xstrndup(u, ulen);
    l->secret = xstrndup(p, plen);
    if (!pw_hash_is_hashed(p, plen) && (flags & PW_FILE_PLAIN_OK)) {
        l->kind = PW_LINE_PLAIN;
        return true;
    }
    switch (pw_hash_parse(p, plen, &l->hash, NULL)) {
    case 0:
        l->kind = PW_LINE_ENTRY;
        return true;
    case ERR_INVAL:
        *why = "password is not hashed (convert it with midge-passwd -U)";
        break;
    case ERR_NOTSUP:
        *why = "unknown password hash type";
        break;
    case ERR_RANGE:
        *why = "password hash iteration count out of range";
        break;
    default:
        *why = "malformed password hash";
        break;
    }
    return false;
}

int pw_file_parse(struct pw_file *f, const char *name, const char *text, size_t len, unsigned flags)
{
    struct hmap seen;
    hmap_init(&seen, 0x6d69646765707766ull); /* a file's own users: no untrusted keys */
    size_t pos = 0;
    int lineno = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len, ll = end - pos;
        if (ll > 0 && text[pos + ll - 1] == '\r')
            ll--;
        lineno = lineno < INT32_MAX ? lineno + 1 : lineno;
        struct pw_line *l = append_line(f, text + pos, ll);
        const char *why = NULL;
        if (memchr(text + pos, '\0', ll))
            why = "NUL byte in line";
        if (!why && classify(l, flags, &why) && l->user) {
            if (hmap_get(&seen, l->user, strlen(l->user)))
                why = "duplicate username (the first entry is used)";
            else
                hmap_put(&seen, l->user, strlen(l->user), l->user);
        }
        if (why)
            add_error(f, l, name, lineno, why);
        pos = nl ? end + 1 : len;
    }
    hmap_cleanup(&seen);
    return (int)(f->n_errors < INT32_MAX ? f->n_errors : INT32_MAX);
}

/* Index of the first line naming user (ENTRY and PLAIN only, or any kind), or n_lines. */
static size_t find_index(const struct pw_file *f, const char *user, bool any_kind)
{
    for (size_t i = 0; i < f->n_lines; i++) {
        const struct pw_line *l = &f->lines[i];
        if (l->user && (any_kind || l->kind != PW_LINE_BAD) && strcmp(l->user, user) == 0)
            return i;
    }
    return f->n_lines;
}

/* Remove every line from index `from` on that names user (user must not point into *f). */
static void remove_lines_of(struct pw_file *f, const char *user, size_t from)
{
    size_t out = from;
    for (size_t i = from; i < f->n_lines; i++) {
        if (f->lines[i].user && strcmp(f->lines[i].user, user) == 0)
            line_cleanup(&f->lines[i]);
        else
            f->lines[out++] = f->lines[i];
    }
    f->n_lines = out;
}

const struct pw_line *pw_file_find(const struct pw_file *f, const char *user)
{
    size_t i = find_index(f, user, false);
    return i < f->n_lines ? &f->lines[i] : NULL;
}

int pw_file_set(struct pw_file *f, const char *user, const char *hash)
{
    if (!pw_file_user_is_valid(user))
        return ERR_INVAL;
    struct pw_hash h;
    int rc = pw_hash_parse(hash, strlen(hash), &h, NULL);
    if (rc < 0)
        return rc;
    /* Copy user first: it may be the user string of a line that is replaced. */
    char *u = xstrdup(user);
    size_t i = find_index(f, u, true);
    size_t ulen = strlen(u), hlen = strlen(hash);
    char *text = xmalloc(ulen + hlen + 2);
    memcpy(text, u, ulen);
    text[ulen] = ':';
    memcpy(text + ulen + 1, hash, hlen + 1);
    struct pw_line *l = i < f->n_lines ? &f->lines[i] : append_line(f, "", 0);
    line_cleanup(l);
    l->text = text;
    l->user = NULL; /* so that remove_lines_of skips nothing before it */
    /* Later lines of the same user (duplicates, or bad ones with an old plain-text
     * password) would survive the change and confuse other readers: drop them. */
    remove_lines_of(f, u, i + 1);
    l = &f->lines[i];
    l->kind = PW_LINE_ENTRY;
    l->user = u;
    l->secret = xstrdup(hash);
    l->hash = h;
    return 0;
}

int pw_file_delete(struct pw_file *f, const char *user)
{
    size_t i = find_index(f, user, true);
    if (i == f->n_lines)
        return ERR_NOTFOUND;
    char *u = xstrdup(user);
    remove_lines_of(f, u, i);
    free(u);
    return 0;
}

char *pw_file_serialise(const struct pw_file *f, size_t *len)
{
    size_t total = 0;
    for (size_t i = 0; i < f->n_lines; i++)
        total += strlen(f->lines[i].text) + 1;
    char *out = xmalloc(total + 1), *p = out;
    for (size_t i = 0; i < f->n_lines; i++) {
        size_t n = strlen(f->lines[i].text);
        memcpy(p, f->lines[i].text, n);
        p[n] = '\n';
        p += n + 1;
    }
    *p = '\0';
    *len = total;
    return out;
}
