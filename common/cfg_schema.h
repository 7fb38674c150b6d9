/* SPDX-License-Identifier: MIT */
/* The configuration schema: one row per mosquitto.conf keyword with its type, range,
 * default, scope, reload behaviour and documentation. This single table drives the
 * parser, the documentation generator, and later the writer, the reload diff and the
 * admin app's editors. Pure data; no I/O. */
#ifndef MIDGE_COMMON_CFG_SCHEMA_H
#define MIDGE_COMMON_CFG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cfg_type {
    CFG_T_BOOL,     /* true/false or 1/0 */
    CFG_T_INT,      /* decimal integer within [min, max] */
    CFG_T_STRING,   /* rest of the line, trimmed, valid UTF-8 */
    CFG_T_PATH,     /* like STRING; a file system path */
    CFG_T_DURATION, /* N with optional h/d/w/m/y suffix (persistent_client_expiration) */
    CFG_T_ENUM,     /* one of the row's enum_values */
    CFG_T_SPECIAL,  /* parsed by a dedicated function (listener, log_dest, include_dir) */
};

enum cfg_scope {
    CFG_SCOPE_GLOBAL,
    CFG_SCOPE_LISTENER, /* applies to the most recent listener block */
    CFG_SCOPE_BRIDGE,   /* applies to the most recent connection block */
};

/* Documentation group of an option (the section it appears under in docs and the GUI). */
enum cfg_group {
    CFG_GROUP_GENERAL,
    CFG_GROUP_LISTENER,
    CFG_GROUP_TLS,
    CFG_GROUP_SECURITY,
    CFG_GROUP_PERSISTENCE,
    CFG_GROUP_LOGGING,
    CFG_GROUP_BRIDGE,
    CFG_GROUP_WEBSOCKETS,
    CFG_GROUP_OBSOLETE,
    CFG_GROUP_COUNT_,
};

/* Which dedicated parser function handles a CFG_T_SPECIAL row (CFG_SP_NONE otherwise). */
enum cfg_special {
    CFG_SP_NONE,
    CFG_SP_LISTENER,
    CFG_SP_PORT,
    CFG_SP_BIND_ADDRESS,
    CFG_SP_MOUNT_POINT,
    CFG_SP_LOG_DEST,
    CFG_SP_LOG_TYPE,
    CFG_SP_INCLUDE_DIR,
    CFG_SP_PER_LISTENER,
    CFG_SP_CONNECTION,
    CFG_SP_ADDRESS,
    CFG_SP_TOPIC,
    CFG_SP_RESTART_TIMEOUT,
    CFG_SP_COUNT_,
};

enum cfg_status {
    CFG_ST_SUPPORTED, /* implemented */
    CFG_ST_NOT_YET,   /* a mosquitto keyword midge refuses with "not supported yet" */
    CFG_ST_IGNORED,   /* accepted with a warning and ignored (deprecated in mosquitto) */
};

/* One schema row. `field` is the offset of the value in struct cfg (or in struct
 * cfg_listener for listener scope), SIZE_MAX for SPECIAL rows. */
struct cfg_option {
    const char *name;
    enum cfg_type type;
    enum cfg_scope scope;
    enum cfg_status status;
    bool reloadable;
    bool repeatable;
    int64_t min;
    int64_t max;
    const char *default_text;       /* as the user would write it; NULL = none */
    const char *const *enum_values; /* NULL-terminated, for CFG_T_ENUM */
    size_t field;
    unsigned field_size; /* sizeof the field (1, 2, 4, 8, or pointer) */
    const char *doc;     /* one or two sentences for docs and tooltips */
    /* Added after the first draft of this header: */
    enum cfg_group group;      /* documentation section */
    enum cfg_special special;  /* handler of a CFG_T_SPECIAL row */
    const char *alias_of;      /* deprecated alias: the canonical keyword; else NULL */
    bool prefix;               /* name ends in '*': matches every keyword with that
                                      * prefix (plugin_opt_*, auth_opt_*) */
    bool zero_ok;              /* CFG_T_INT: 0 ("none") is valid besides [min, max] */
    const int64_t *enum_codes; /* CFG_T_ENUM: value stored for each enum_values entry
                                      * (NULL: the entry's index) */
    const char *arg_text;      /* argument syntax for docs ("PORT [ADDRESS]"); NULL =
                                      * derived from the type */
    /* A security option that per_listener_settings makes per listener: its value then
     * goes to the current listener block at listener_field (an offset in struct
     * cfg_listener) instead of `field`. */
    bool per_listener;
    size_t listener_field;
};

/* The table, in documentation order; *count receives its length. Static storage. */
const struct cfg_option *cfg_schema_table(size_t *count);

/* Find the row for keyword name (exact, case-sensitive); NULL if unknown. Uses a
 * precomputed lookup, not a linear strcmp ladder. */
const struct cfg_option *cfg_schema_find(const char *name, size_t len);

/* Human name of a type ("boolean", "integer", ...); static string. */
const char *cfg_schema_type_name(enum cfg_type t);

/* Title of a documentation group ("Listeners", ...); static string. */
const char *cfg_schema_group_name(enum cfg_group g);

/* Write the allowed values of row o as text for messages, docs and tooltips ("an integer
 * from 0 to 65535", "true, false, 1 or 0", "one of ipv4, ipv6") into out (size outlen,
 * always NUL-terminated). Returns out. */
const char *cfg_schema_values_text(const struct cfg_option *o, char *out, size_t outlen);

#endif
