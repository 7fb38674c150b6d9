/* SPDX-License-Identifier: MIT */
/* Internals shared by the files of the configuration parser (cfg_parse.c and
 * cfg_parse_special.c); not part of any public contract. */
#ifndef MIDGE_COMMON_CFG_PARSE_PRIV_H
#define MIDGE_COMMON_CFG_PARSE_PRIV_H

#include "common/cfg.h"
#include "common/cfg_parse.h"
#include "common/cfg_schema.h"
#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest string value mosquitto accepts. */
#define CFG_PARSE_MAX_STRING 65535u

/* State of one file being parsed. Like mosquitto, every file (the main one and each
 * included one) starts with the implicit default listener as its current listener. */
struct cfgp_file {
    const char *name; /* for messages; borrowed */
    int line;         /* 1-based number of the line being handled */
    int depth;        /* 0 = main file, 1 = included by include_dir */
    long cur;         /* index into cfg->listeners of the current block; -1 = default */
};

/* State of one cfg_parse_* call. */
struct cfgp_ctx {
    struct cfg *c;
    const struct cfg_io *io; /* NULL: include_dir refused */
    struct err_detail *d;
    const char *main_name;
    const struct cfg_option *rows; /* the schema table */
    size_t n_rows;
    bool *seen;                /* per global row: a value was given (duplicate check) */
    struct cfg_listener deflt; /* the implicit listener of port/bind_address */
    bool deflt_explicit;       /* port or bind_address given */
    char *deflt_note;          /* "file:line: 'key'" of the first other line that set it */
    bool any_listener;         /* listener, port or bind_address seen: not local-only */
    bool log_dest_set, log_type_set, log_file_seen;
    char *sec_note;    /* "file:line: 'key'" of the first per-listener-capable security line */
    size_t bridge_cur; /* 1 + index of the current `connection` block; 0 = none */
};

/* One configuration line split into keyword and value (both borrowed, not
 * NUL-terminated). `o` is the schema row (the canonical one for an alias). */
struct cfgp_line {
    struct cfgp_ctx *x;
    struct cfgp_file *f;
    const struct cfg_option *o;
    const char *key;
    size_t key_len;
    const char *val; /* leading and trailing blanks removed */
    size_t val_len;
};

/* Store ERR_CONFIG with the line's file:line and a formatted message; returns ERR_CONFIG. */
int cfg_parse__error(const struct cfgp_line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append a "file:line: text" warning for the line to cfg->warnings. */
void cfg_parse__warn(const struct cfgp_line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append w (a malloc'ed "file:line: text" string, consumed) to cfg->warnings. */
void cfg_parse__add_warning(struct cfg *c, char *w);

/* Strict decimal: an optional '-' and 1 to 18 digits, nothing else (no blanks, no '+').
 * Returns false if s is not such a number. */
bool cfg_parse__decimal(const char *s, size_t n, int64_t *out);

/* Render n bytes of s for a message: at most ~60 bytes, anything but printable ASCII
 * shown as '?', "..." when cut. Returns buf. */
const char *cfg_parse__quote(const char *s, size_t n, char *buf, size_t buflen);

/* Validate the line's value as a string option (non-empty, at most 65535 bytes, valid
 * UTF-8) and return a malloc'ed copy in *out (owned by the caller). */
int cfg_parse__string(const struct cfgp_line *l, const char *s, size_t n, char **out);

/* Parse n bytes at s as a strict decimal integer in [min, max] (or 0 when zero_ok);
 * on failure name the keyword and the allowed range. */
int cfg_parse__int(const struct cfgp_line *l, const char *s, size_t n, int64_t min, int64_t max,
                   bool zero_ok, int64_t *out);

/* The listener that listener-scoped options of this line apply to: the current block
 * of the file, or the implicit default listener (remembering the first such line). */
struct cfg_listener *cfg_parse__listener_target(const struct cfgp_line *l);

/* Defaults of a new listener block. */
void cfg_parse__listener_defaults(struct cfg_listener *li);

/* Parse text as the file f (recursion for include_dir). */
int cfg_parse__text(struct cfgp_ctx *x, struct cfgp_file *f, const char *text, size_t len);

/* Dedicated handlers of the CFG_T_SPECIAL rows (cfg_parse_special.c). */
int cfg_parse__listener(const struct cfgp_line *l);
int cfg_parse__port(const struct cfgp_line *l);
int cfg_parse__bind_address(const struct cfgp_line *l);
int cfg_parse__mount_point(const struct cfgp_line *l);
int cfg_parse__log_dest(const struct cfgp_line *l);
int cfg_parse__log_type(const struct cfgp_line *l);
int cfg_parse__include_dir(const struct cfgp_line *l);

/* Bridge keywords (cfg_parse_bridge.c). bridge_target is the current `connection`
 * block, or NULL before the first one. */
struct cfg_bridge *cfg_parse__bridge_target(const struct cfgp_line *l);
int cfg_parse__connection(const struct cfgp_line *l);
int cfg_parse__address(const struct cfgp_line *l);
int cfg_parse__topic(const struct cfgp_line *l);
int cfg_parse__restart_timeout(const struct cfgp_line *l);
/* Check every bridge block once the whole file is read (address and topic given, ...). */
int cfg_parse__bridges_finish(struct cfgp_ctx *x);

/* Add the implicit default listener if it was configured, set local_only, and check
 * that no two listeners share a port and address. */
int cfg_parse__finish(struct cfgp_ctx *x);

#endif
