/* SPDX-License-Identifier: MIT */
/* mosquitto.conf parser (common/cfg_parse.h): splits lines, looks keywords up in the
 * schema and applies values through generic per-type handlers that write into struct cfg
 * at the row's field offset. Special rows go to cfg_parse_special.c. */
#include "common/cfg_parse.h"

#include "common/cfg_parse_priv.h"
#include "common/cfg_tls.h"
#include "common/mem.h"
#include "common/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* ---- helpers shared with cfg_parse_special.c ---- */

int cfg_parse__error(const struct cfgp_line *l, const char *fmt, ...)
{
    char msg[sizeof l->x->d->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(l->x->d, ERR_CONFIG, l->f->name, l->f->line, "%s", msg);
}

void cfg_parse__add_warning(struct cfg *c, char *w)
{
    c->warnings = xrealloc(c->warnings, (c->n_warnings + 1) * sizeof *c->warnings);
    c->warnings[c->n_warnings++] = w;
}

void cfg_parse__warn(const struct cfgp_line *l, const char *fmt, ...)
{
    char msg[512], full[1100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "%.500s:%d: %s", l->f->name, l->f->line, msg);
    cfg_parse__add_warning(l->x->c, xstrdup(full));
}

const char *cfg_parse__quote(const char *s, size_t n, char *buf, size_t buflen)
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

int cfg_parse__string(const struct cfgp_line *l, const char *s, size_t n, char **out)
{
    char q[80];
    cfg_parse__quote(l->key, l->key_len, q, sizeof q);
    if (n == 0)
        return cfg_parse__error(l, "'%s' needs a value", q);
    if (n > CFG_PARSE_MAX_STRING)
        return cfg_parse__error(l, "'%s' value is longer than %u bytes", q, CFG_PARSE_MAX_STRING);
    if (!utf8_is_valid_mqtt((const uint8_t *)s, n))
        return cfg_parse__error(l, "'%s' value is not valid UTF-8", q);
    *out = xstrndup(s, n);
    return 0;
}

bool cfg_parse__decimal(const char *s, size_t n, int64_t *out)
{
    bool neg = n > 0 && s[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i == n || n - i > 18)
        return false; /* empty, or more digits than we ever need (avoids overflow) */
    int64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
}

int cfg_parse__int(const struct cfgp_line *l, const char *s, size_t n, int64_t min, int64_t max,
                   bool zero_ok, int64_t *out)
{
    int64_t v = 0;
    if (cfg_parse__decimal(s, n, &v) && ((v >= min && v <= max) || (zero_ok && v == 0))) {
        *out = v;
        return 0;
    }
    char k[80], q[80];
    return cfg_parse__error(l, "'%s' must be %san integer from %lld to %lld, not '%s'",
                            cfg_parse__quote(l->key, l->key_len, k, sizeof k),
                            zero_ok ? "0 or " : "", (long long)min, (long long)max,
                            cfg_parse__quote(s, n, q, sizeof q));
}

void cfg_parse__listener_defaults(struct cfg_listener *li)
{
    memset(li, 0, sizeof *li);
    li->max_connections = -1;
    li->tls.tls_version = 12;
    li->allow_anonymous = -1;
    li->allow_zero_length_clientid = -1;
}

struct cfg_listener *cfg_parse__listener_target(const struct cfgp_line *l)
{
    struct cfgp_ctx *x = l->x;
    if (l->f->cur >= 0)
        return &x->c->listeners[l->f->cur];
    if (!x->deflt_note) {
        char k[80], note[700];
        snprintf(note, sizeof note, "%.500s:%d: '%s'", l->f->name, l->f->line,
                 cfg_parse__quote(l->key, l->key_len, k, sizeof k));
        x->deflt_note = xstrdup(note);
    }
    if (!x->deflt.src_file) {
        x->deflt.src_file = xstrdup(l->f->name);
        x->deflt.src_line = l->f->line;
    }
    return &x->deflt;
}

/* ---- generic value handlers: one per schema type ---- */

/* Store v into an integer field of size 1, 2, 4 or 8 bytes. The schema range guarantees
 * that v fits; signed fields share the unsigned representation of the same width. */
static void store_int(void *p, unsigned size, int64_t v)
{
    uint8_t u8 = (uint8_t)v;
    uint16_t u16 = (uint16_t)v;
    uint32_t u32 = (uint32_t)v;
    uint64_t u64 = (uint64_t)v;
    const void *src = size == 1   ? (const void *)&u8
                      : size == 2 ? (const void *)&u16
                      : size == 4 ? (const void *)&u32
                                  : (const void *)&u64;
    memcpy(p, src, size);
}

/* The line's value as a boolean (true/false/1/0), or an error naming the keyword. */
static int parse_bool(const struct cfgp_line *l, bool *out)
{
    static const struct {
        const char *text;
        bool v;
    } words[] = {{"true", true}, {"false", false}, {"1", true}, {"0", false}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strlen(words[i].text) == l->val_len && memcmp(words[i].text, l->val, l->val_len) == 0) {
            *out = words[i].v;
            return 0;
        }
    }
    char k[80], q[80];
    return cfg_parse__error(l, "'%s' must be true, false, 1 or 0, not '%s'",
                            cfg_parse__quote(l->key, l->key_len, k, sizeof k),
                            cfg_parse__quote(l->val, l->val_len, q, sizeof q));
}

static int apply_bool(const struct cfgp_line *l, void *p)
{
    bool v = false;
    int rc = parse_bool(l, &v);
    if (rc < 0)
        return rc;
    if (l->o->field_size == sizeof(bool))
        memcpy(p, &v, sizeof(bool));
    else
        store_int(p, l->o->field_size, v);
    return 0;
}

static int apply_int(const struct cfgp_line *l, void *p)
{
    int64_t v = 0;
    int rc = cfg_parse__int(l, l->val, l->val_len, l->o->min, l->o->max, l->o->zero_ok, &v);
    if (rc == 0)
        store_int(p, l->o->field_size, v);
    return rc;
}

/* Strings: a second value for the same option in the same scope is an error, as in
 * mosquitto. Global rows are tracked in x->seen (their defaults may be non-NULL);
 * listener fields start out NULL, so a non-NULL field means "given before". */
static int apply_string(const struct cfgp_line *l, void *p)
{
    char **slot = p, *v = NULL, k[80];
    bool global =
        l->o->scope == CFG_SCOPE_GLOBAL && !(l->o->per_listener && l->x->c->per_listener_settings);
    bool *seen = global ? &l->x->seen[l->o - l->x->rows] : NULL;
    if (seen ? *seen : *slot != NULL)
        return cfg_parse__error(l, "duplicate '%s' value",
                                cfg_parse__quote(l->key, l->key_len, k, sizeof k));
    int rc = cfg_parse__string(l, l->val, l->val_len, &v);
    if (rc < 0)
        return rc;
    free(*slot);
    *slot = v;
    if (seen)
        *seen = true;
    return 0;
}

/* N followed by h, d, w, m (30 days) or y (365 days), converted to seconds. */
static int apply_duration(const struct cfgp_line *l, void *p)
{
    static const struct {
        char unit;
        int64_t secs;
    } units[] = {{'h', 3600}, {'d', 86400}, {'w', 604800}, {'m', 2592000}, {'y', 31536000}};
    int64_t n = 0;
    if (l->val_len >= 2 && cfg_parse__decimal(l->val, l->val_len - 1, &n) && n > 0) {
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            if (l->val[l->val_len - 1] != units[i].unit)
                continue;
            if (n > l->o->max / units[i].secs)
                break;
            store_int(p, l->o->field_size, n * units[i].secs);
            return 0;
        }
    }
    char k[80], q[80], r[120];
    return cfg_parse__error(l, "'%s' must be %s, not '%s'",
                            cfg_parse__quote(l->key, l->key_len, k, sizeof k),
                            cfg_schema_values_text(l->o, r, sizeof r),
                            cfg_parse__quote(l->val, l->val_len, q, sizeof q));
}

static int apply_enum(const struct cfgp_line *l, void *p)
{
    const char *const *v = l->o->enum_values;
    for (size_t i = 0; v[i]; i++) {
        if (strlen(v[i]) == l->val_len && memcmp(v[i], l->val, l->val_len) == 0) {
            store_int(p, l->o->field_size, l->o->enum_codes ? l->o->enum_codes[i] : (int64_t)i);
            return 0;
        }
    }
    char k[80], q[80], r[200];
    return cfg_parse__error(l, "'%s' must be %s, not '%s'",
                            cfg_parse__quote(l->key, l->key_len, k, sizeof k),
                            cfg_schema_values_text(l->o, r, sizeof r),
                            cfg_parse__quote(l->val, l->val_len, q, sizeof q));
}

typedef int (*value_fn)(const struct cfgp_line *l, void *field);

static const value_fn generic[] = {
    [CFG_T_BOOL] = apply_bool,   [CFG_T_INT] = apply_int,           [CFG_T_STRING] = apply_string,
    [CFG_T_PATH] = apply_string, [CFG_T_DURATION] = apply_duration, [CFG_T_ENUM] = apply_enum,
};

/* `per_listener_settings BOOL`: as in mosquitto, turning it on after a security option
 * that it would make per listener is an error (that option's scope would be unclear). */
static int apply_per_listener(const struct cfgp_line *l)
{
    struct cfgp_ctx *x = l->x;
    int rc = parse_bool(l, &x->c->per_listener_settings);
    if (rc == 0 && x->c->per_listener_settings && x->sec_note)
        return cfg_parse__error(l,
                                "'per_listener_settings true' must come before every "
                                "security option it makes per listener; %s comes first",
                                x->sec_note);
    return rc;
}

typedef int (*special_fn)(const struct cfgp_line *l);

static const special_fn specials[CFG_SP_COUNT_] = {
    [CFG_SP_LISTENER] = cfg_parse__listener,
    [CFG_SP_PORT] = cfg_parse__port,
    [CFG_SP_BIND_ADDRESS] = cfg_parse__bind_address,
    [CFG_SP_MOUNT_POINT] = cfg_parse__mount_point,
    [CFG_SP_LOG_DEST] = cfg_parse__log_dest,
    [CFG_SP_LOG_TYPE] = cfg_parse__log_type,
    [CFG_SP_INCLUDE_DIR] = cfg_parse__include_dir,
    [CFG_SP_PER_LISTENER] = apply_per_listener,
    [CFG_SP_CONNECTION] = cfg_parse__connection,
    [CFG_SP_ADDRESS] = cfg_parse__address,
    [CFG_SP_TOPIC] = cfg_parse__topic,
    [CFG_SP_RESTART_TIMEOUT] = cfg_parse__restart_timeout,
};

/* Remember the first security option that per_listener_settings would make per
 * listener, for the error when per_listener_settings follows it. */
static void note_security_line(const struct cfgp_line *l)
{
    if (!l->o->per_listener || l->x->sec_note)
        return;
    char k[80], note[700];
    snprintf(note, sizeof note, "'%s' at %.500s:%d",
             cfg_parse__quote(l->key, l->key_len, k, sizeof k), l->f->name, l->f->line);
    l->x->sec_note = xstrdup(note);
}

/* Apply a supported row through its special or generic handler. */
static int apply_supported(const struct cfgp_line *l)
{
    const struct cfg_option *o = l->o;
    if (o->type == CFG_T_SPECIAL) {
        ASSERT(o->special > CFG_SP_NONE && o->special < CFG_SP_COUNT_);
        return specials[o->special](l);
    }
    ASSERT(o->field != SIZE_MAX && (size_t)o->type < sizeof generic / sizeof generic[0]);
    if (o->type != CFG_T_STRING && o->type != CFG_T_PATH && l->val_len == 0) {
        char k[80];
        return cfg_parse__error(l, "'%s' needs a value",
                                cfg_parse__quote(l->key, l->key_len, k, sizeof k));
    }
    note_security_line(l);
    if (o->per_listener && l->x->c->per_listener_settings)
        return generic[o->type](l, (char *)cfg_parse__listener_target(l) + o->listener_field);
    char *base =
        o->scope == CFG_SCOPE_LISTENER ? (char *)cfg_parse__listener_target(l) : (char *)l->x->c;
    if (o->scope == CFG_SCOPE_BRIDGE) {
        base = (char *)cfg_parse__bridge_target(l);
        if (!base) {
            char k[80];
            return cfg_parse__error(l, "'%s' must follow a 'connection' line",
                                    cfg_parse__quote(l->key, l->key_len, k, sizeof k));
        }
    }
    return generic[o->type](l, base + o->field);
}

/* Look the keyword up and apply the line, or refuse it. */
static int handle_line(struct cfgp_line *l)
{
    char k[80];
    const struct cfg_option *o = cfg_schema_find(l->key, l->key_len);
    cfg_parse__quote(l->key, l->key_len, k, sizeof k);
    if (!o)
        return cfg_parse__error(l, "unknown configuration keyword '%s'", k);
    if (o->alias_of) {
        const struct cfg_option *canon = cfg_schema_find(o->alias_of, strlen(o->alias_of));
        ASSERT(canon);
        if (canon->status == CFG_ST_SUPPORTED)
            cfg_parse__warn(l, "'%s' is deprecated; use '%s'", k, o->alias_of);
        o = canon;
    }
    l->o = o;
    switch (o->status) {
    case CFG_ST_NOT_YET:
        return cfg_parse__error(l, "'%s' is not supported yet by midge", k);
    case CFG_ST_IGNORED:
        cfg_parse__warn(l, "'%s' is obsolete and ignored by midge", k);
        return 0;
    case CFG_ST_SUPPORTED:
        return apply_supported(l);
    }
    PANIC("bad schema status");
}

/* Split one line (without its '\n') into keyword and value and handle it. Blank lines
 * and lines whose first non-blank character is '#' are skipped. */
static int parse_line(struct cfgp_ctx *x, struct cfgp_file *f, const char *s, size_t n)
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
    struct cfgp_line l = {x, f, NULL, s, k, s + v, n - v};
    return handle_line(&l);
}

int cfg_parse__text(struct cfgp_ctx *x, struct cfgp_file *f, const char *text, size_t len)
{
    /* Editors on Windows like to start files with a UTF-8 byte order mark. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3, len -= 3;
    f->line = 0;
    while (len > 0) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) : len;
        f->line++;
        int rc = parse_line(x, f, text, n);
        if (rc < 0)
            return rc;
        text += n, len -= n;
        if (nl)
            text++, len--;
    }
    return 0;
}

/* ---- entry points ---- */

static int parse_main(const char *name, const char *text, size_t len, const struct cfg_io *io,
                      struct cfg *out, struct err_detail *d)
{
    struct err_detail scratch;
    struct cfgp_ctx x = {.c = out, .io = io, .d = d ? d : &scratch, .main_name = name};
    struct cfgp_file f = {.name = name, .line = 0, .depth = 0, .cur = -1};
    x.rows = cfg_schema_table(&x.n_rows);
    x.seen = xcalloc(x.n_rows, sizeof *x.seen);
    cfg_parse__listener_defaults(&x.deflt);
    int rc = cfg_parse__text(&x, &f, text, len);
    if (rc == 0)
        rc = cfg_parse__finish(&x);
    if (rc == 0)
        rc = cfg_parse__bridges_finish(&x);
    if (rc == 0)
        rc = cfg_tls_validate(out, x.d);
    cfg_listener_cleanup(&x.deflt);
    free(x.deflt_note);
    free(x.sec_note);
    free(x.seen);
    return rc;
}

int cfg_parse_text(const char *name, const char *text, size_t len, const struct cfg_io *io,
                   struct cfg *out, struct err_detail *d)
{
    return parse_main(name, text, len, io, out, d);
}

int cfg_parse_file(const char *path, const struct cfg_io *io, struct cfg *out, struct err_detail *d)
{
    char *data = NULL;
    size_t len = 0;
    struct err_detail scratch;
    struct err_detail *dd = d ? d : &scratch;
    memset(dd, 0, sizeof *dd);
    int rc = io->read_file(io->ud, path, &data, &len, dd);
    if (rc < 0) {
        free(data);
        if (!dd->msg[0])
            snprintf(dd->msg, sizeof dd->msg, "cannot read the configuration file: %s",
                     err_str(rc));
        snprintf(dd->file, sizeof dd->file, "%s", path);
        dd->line = 0;
        return rc;
    }
    rc = parse_main(path, data, len, io, out, d);
    free(data);
    return rc;
}
