/* SPDX-License-Identifier: MIT */
/* Parsing of TLS-PSK key files (common/psk_file.h). */
#include "common/psk_file.h"

#include "common/mem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void psk_file_init(struct psk_file *f)
{
    memset(f, 0, sizeof *f);
}

/* Overwrite n bytes in a way the compiler may not drop as a dead store. */
static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}

void psk_file_cleanup(struct psk_file *f)
{
    for (size_t i = 0; i < f->n_entries; i++) {
        wipe(f->entries[i].key, f->entries[i].key_len);
        free(f->entries[i].key);
        free(f->entries[i].identity);
    }
    free(f->entries);
    free(f->errors);
    psk_file_init(f);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_blank((*s)[*n - 1]))
        (*n)--;
    while (*n > 0 && is_blank(**s))
        (*s)++, (*n)--;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode n hex digits into out (room for (n + 1) / 2 bytes); false on a non-hex digit.
 * An odd count reads as if a leading '0' were written. */
static bool decode_hex(const char *s, size_t n, uint8_t *out)
{
    size_t o = 0, i = 0;
    if (n % 2) {
        int v = hex_value(s[0]);
        if (v < 0)
            return false;
        out[o++] = (uint8_t)v;
        i = 1;
    }
    for (; i < n; i += 2) {
        int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[o++] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static bool identity_is_valid(const char *s, size_t n)
{
    if (n == 0 || n > PSK_FILE_IDENTITY_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    }
    return true;
}

static void add_error(struct psk_file *f, const char *name, int lineno, const char *msg)
{
    f->errors = xrealloc(f->errors, (f->n_errors + 1) * sizeof *f->errors);
    err_set(&f->errors[f->n_errors++], ERR_MALFORMED, name ? name : "", lineno, "%s", msg);
}

/* Check and store one non-comment line; returns NULL or the reason it is bad. */
static const char *parse_entry(struct psk_file *f, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    if (!colon)
        return "PSK line has no ':' between identity and key";
    const char *id = s, *key = colon + 1;
    size_t id_len = (size_t)(colon - s), key_len = n - id_len - 1;
    trim(&id, &id_len);
    trim(&key, &key_len);
    if (!identity_is_valid(id, id_len))
        return "PSK identity is empty, longer than 256 bytes or has control characters";
    if (key_len == 0 || (key_len + 1) / 2 > PSK_FILE_KEY_MAX)
        return "PSK key is empty or longer than 512 bytes";
    if (psk_file_find(f, id, id_len))
        return "PSK identity is listed twice (the first line is used)";
    uint8_t *bytes = xmalloc((key_len + 1) / 2);
    if (!decode_hex(key, key_len, bytes)) {
        free(bytes);
        return "PSK key must be hex digits only (no 0x)";
    }
    if (f->n_entries == f->cap_entries) {
        f->cap_entries = f->cap_entries ? 2 * f->cap_entries : 8;
        f->entries = xrealloc(f->entries, f->cap_entries * sizeof *f->entries);
    }
    struct psk_entry *e = &f->entries[f->n_entries++];
    e->identity = xstrndup(id, id_len);
    e->key = bytes;
    e->key_len = (key_len + 1) / 2;
    return NULL;
}

int psk_file_parse(struct psk_file *f, const char *name, const char *text, size_t len)
{
    int lineno = 0;
    while (len > 0) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) : len;
        const char *s = text;
        size_t sn = n;
        lineno++;
        trim(&s, &sn);
        if (sn > 0 && s[0] != '#') {
            const char *why = parse_entry(f, s, sn);
            if (why)
                add_error(f, name, lineno, why);
        }
        text += n, len -= n;
        if (nl)
            text++, len--;
    }
    return (int)f->n_errors;
}

const struct psk_entry *psk_file_find(const struct psk_file *f, const char *identity, size_t len)
{
    for (size_t i = 0; i < f->n_entries; i++) {
        const struct psk_entry *e = &f->entries[i];
        if (strlen(e->identity) == len && memcmp(e->identity, identity, len) == 0)
            return e;
    }
    return NULL;
}
