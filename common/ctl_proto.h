/* SPDX-License-Identifier: MIT */
/* The control protocol shared by the broker, midge-ctl and the admin app (see
 * docs/control-protocol.md): line framing, the operation and error-code tables, and
 * building and parsing of requests, replies and events as cJSON objects. Pure: no I/O,
 * no globals; every function is safe from any thread on its own arguments. */
#ifndef MIDGE_COMMON_CTL_PROTO_H
#define MIDGE_COMMON_CTL_PROTO_H

#include "common/err.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_PROTO_VERSION 1
#define CTL_MAX_REQUEST 262144u      /* bytes per request frame, LF included */
#define CTL_MAX_REPLY (64u << 20)    /* what clients accept per server frame */
#define CTL_MAX_ID 9007199254740991. /* 2^53 - 1: ids are exact JSON integers */

/* Operations, in the order of docs/control-protocol.md. X(enum suffix, wire name). */
#define CTL_OP_MAP(X)                         \
    X(HELLO, "hello")                         \
    X(STATS_GET, "stats.get")                 \
    X(STATS_SUBSCRIBE, "stats.subscribe")     \
    X(STATS_UNSUBSCRIBE, "stats.unsubscribe") \
    X(LISTENERS_LIST, "listeners.list")       \
    X(LISTENERS_ADD, "listeners.add")         \
    X(LISTENERS_SET, "listeners.set")         \
    X(LISTENERS_REMOVE, "listeners.remove")   \
    X(USERS_LIST, "users.list")               \
    X(USERS_ADD, "users.add")                 \
    X(USERS_PASSWD, "users.passwd")           \
    X(USERS_REMOVE, "users.remove")           \
    X(CLIENTS_LIST, "clients.list")           \
    X(CLIENTS_KICK, "clients.kick")           \
    X(CONFIG_GET, "config.get")               \
    X(CONFIG_PUT, "config.put")               \
    X(CONFIG_CHECK, "config.check")           \
    X(CONFIG_RELOAD, "config.reload")         \
    X(PERSIST_SAVE, "persist.save")           \
    X(LOG_GET, "log.get")

enum ctl_op {
#define X(name, wire) CTL_OP_##name,
    CTL_OP_MAP(X)
#undef X
        CTL_OP_COUNT_
};

/* Error codes of failed replies. X(enum suffix, wire name). */
#define CTL_E_MAP(X)                    \
    X(MALFORMED, "malformed")           \
    X(TOO_BIG, "too_big")               \
    X(HELLO_REQUIRED, "hello_required") \
    X(VERSION, "version")               \
    X(UNKNOWN_OP, "unknown_op")         \
    X(INVALID, "invalid")               \
    X(CONFIG, "config")                 \
    X(CONFLICT, "conflict")             \
    X(NOT_FOUND, "not_found")           \
    X(EXISTS, "exists")                 \
    X(PERM, "perm")                     \
    X(IO, "io")                         \
    X(LIMIT, "limit")                   \
    X(NOT_SUPPORTED, "not_supported")   \
    X(BIND, "bind")                     \
    X(INTERNAL, "internal")

enum ctl_ecode {
#define X(name, wire) CTL_E_##name,
    CTL_E_MAP(X)
#undef X
        CTL_E_COUNT_
};

/* Wire name of an operation ("stats.get"); NULL for a value outside the table. */
const char *ctl_op_name(enum ctl_op op);
/* The operation called name, or -1 if there is none. */
int ctl_op_from_name(const char *name);
/* Wire name of an error code ("conflict"); "internal" for a value outside the table. */
const char *ctl_ecode_name(enum ctl_ecode code);
/* The error code called name; CTL_E_INTERNAL for an unknown name. */
enum ctl_ecode ctl_ecode_from_name(const char *name);
/* The wire code that reports the midge error err (< 0): ERR_CONFLICT -> conflict,
 * ERR_NOTFOUND -> not_found, ERR_CONFIG -> config, ERR_ADDRINUSE -> bind, ... */
enum ctl_ecode ctl_ecode_from_err(int err);

/* ---- Framing: one JSON object per LF-terminated line ---------------------------------- */

/* Splits a byte stream into lines of at most max bytes (LF included). Storage owned by
 * the struct; init/cleanup on caller-owned memory. */
struct ctl_framer {
    char *buf;
    size_t len, cap; /* buffered bytes */
    size_t start;    /* first byte not yet returned as a line */
    size_t scan;     /* bytes from start already searched for LF */
    size_t max;
};

/* Initialise an empty framer that accepts lines of up to max bytes. Allocates nothing. */
void ctl_framer_init(struct ctl_framer *f, size_t max);
/* Free the storage; safe to call twice. */
void ctl_framer_cleanup(struct ctl_framer *f);
/* Append len bytes (borrowed, copied). Returns 0, or ERR_TOOBIG when the incomplete
 * line buffered would exceed max (the framer is then unusable: close the stream). */
int ctl_framer_feed(struct ctl_framer *f, const void *data, size_t len);
/* Return the next complete line: 1 with *line (NUL-terminated, without the LF and a
 * trailing CR; borrowed until the next call on f) and *len set, 0 when no complete line
 * is buffered. Empty lines are skipped. */
int ctl_framer_next(struct ctl_framer *f, char **line, size_t *len);
/* Bytes of an incomplete line buffered (0 = at a frame boundary). */
size_t ctl_framer_pending(const struct ctl_framer *f);

/* ---- Requests ---------------------------------------------------------------------------- */

struct ctl_request {
    cJSON *root;       /* owned parse tree */
    double id;         /* valid when has_id */
    bool has_id;       /* an integral id in 0..CTL_MAX_ID was found */
    int op;            /* enum ctl_op, or -1 when unknown */
    const char *op_id; /* the op string (borrowed from root), NULL if absent */
    const cJSON *args; /* the args object (borrowed from root); an empty object when
                        * the request had none */
};

/* Parse one frame (len bytes at line, borrowed) into *out, which the caller releases
 * with ctl_request_cleanup on every path. Returns 0; ERR_MALFORMED when the frame is not
 * valid UTF-8 JSON object with an integral id, a string op and an object args (out->has_id
 * tells whether the error reply can carry the id); ERR_NOTSUP for an unknown op (id
 * set). The reason is in *d. */
int ctl_request_parse(const char *line, size_t len, struct ctl_request *out, struct err_detail *d);
/* Free what ctl_request_parse stored; safe on a zeroed struct and twice. */
void ctl_request_cleanup(struct ctl_request *r);

/* Encode a request frame (JSON + LF) for op with args (consumed; NULL = no args). Returns
 * a malloc'ed NUL-terminated frame owned by the caller; *len (may be NULL) gets its
 * length. Aborts on out of memory, like xmalloc. */
char *ctl_build_request(double id, enum ctl_op op, cJSON *args, size_t *len);

/* ---- Replies and events -------------------------------------------------------------- */

/* Encode a success reply with result (consumed; NULL = {}). Returns a caller-owned frame
 * as ctl_build_request does. */
char *ctl_build_result(double id, cJSON *result, size_t *len);
/* Encode an error reply; id < 0 writes "id": null. file (may be NULL) and line (> 0)
 * are added for configuration errors. Caller-owned frame as above. */
char *ctl_build_error(double id, enum ctl_ecode code, const char *message, const char *file,
                      int line, size_t *len);
/* Encode an event frame {"event": name, "sub": sub, "data": data (consumed)}. */
char *ctl_build_event(const char *name, double sub, cJSON *data, size_t *len);

enum ctl_reply_kind {
    CTL_REPLY_RESULT,
    CTL_REPLY_ERROR,
    CTL_REPLY_EVENT,
};

struct ctl_reply {
    cJSON *root; /* owned parse tree; the pointers below borrow from it */
    enum ctl_reply_kind kind;
    double id; /* -1 when null or absent (events) */
    /* CTL_REPLY_RESULT */
    const cJSON *result; /* an object */
    /* CTL_REPLY_ERROR */
    enum ctl_ecode code;
    const char *code_name; /* as sent, for codes newer than this table */
    const char *message;
    const char *file; /* NULL when absent */
    int line;         /* 0 when absent */
    /* CTL_REPLY_EVENT */
    const char *event;
    double sub;
    const cJSON *data;
};

/* Parse one server frame into *out (caller releases it with ctl_reply_cleanup on every
 * path). Returns 0 or ERR_MALFORMED with the reason in *d. */
int ctl_reply_parse(const char *line, size_t len, struct ctl_reply *out, struct err_detail *d);
/* Free what ctl_reply_parse stored; safe on a zeroed struct and twice. */
void ctl_reply_cleanup(struct ctl_reply *r);

/* ---- Arguments --------------------------------------------------------------------------- */

/* Check that every member of args is named in allowed (NULL-terminated). Returns 0 or
 * ERR_INVAL naming the first unknown argument in *d. */
int ctl_args_check(const cJSON *args, const char *const *allowed, struct err_detail *d);
/* Read integer argument name into *out. Returns 1 when present and an integer within
 * [min, max], 0 when absent (or null) and not required, ERR_INVAL otherwise (reason
 * in *d). */
int ctl_arg_int(const cJSON *args, const char *name, bool required, int64_t min, int64_t max,
                int64_t *out, struct err_detail *d);
/* Read string argument name into *out (borrowed from args). Returns 1 when present as a
 * string, 0 when absent or null and not required (*out = NULL), ERR_INVAL otherwise. */
int ctl_arg_str(const cJSON *args, const char *name, bool required, const char **out,
                struct err_detail *d);

/* Add an exact unsigned integer member (printed in full, not through a double). */
void ctl_json_add_u64(cJSON *obj, const char *name, uint64_t v);
/* Add a string member, or null when s is NULL. */
void ctl_json_add_str(cJSON *obj, const char *name, const char *s);
/* Create an object; aborts on out of memory (cJSON returns NULL). */
cJSON *ctl_json_object(void);
/* Create an array; aborts on out of memory. */
cJSON *ctl_json_array(void);

#endif
