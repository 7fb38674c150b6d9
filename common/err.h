/* SPDX-License-Identifier: MIT */
/* The one error space of midge: negative ERR_* codes, their names and texts, and the
 * optional detail record (message plus file:line) that fallible functions fill in. */
#ifndef MIDGE_COMMON_ERR_H
#define MIDGE_COMMON_ERR_H

#include <stddef.h>

/* Every error code comes from this one list so err_name() and err_str() cannot drift.
 * 0 is success; errors are negative; counts are returned as >= 0. */
#define ERR_MAP(X)                                \
    X(NOMEM, -1, "out of memory")                 \
    X(AGAIN, -2, "would block")                   \
    X(MALFORMED, -3, "malformed input")           \
    X(NOTSUP, -4, "not supported here")           \
    X(INVAL, -5, "invalid argument")              \
    X(RANGE, -6, "value out of range")            \
    X(IO, -7, "input/output error")               \
    X(PROTOCOL, -8, "protocol violation")         \
    X(TOOBIG, -9, "too large")                    \
    X(NOTFOUND, -10, "not found")                 \
    X(EXISTS, -11, "already exists")              \
    X(PERM, -12, "permission denied")             \
    X(CLOSED, -13, "connection closed")           \
    X(CONFLICT, -14, "changed since it was read") \
    X(TIMEOUT, -15, "timed out")                  \
    X(ADDRINUSE, -16, "address already in use")   \
    X(ADDRNOTAVAIL, -17, "address not available") \
    X(UTF8, -18, "invalid UTF-8")                 \
    X(CONFIG, -19, "configuration error")         \
    X(LIMIT, -20, "limit reached")                \
    X(REFUSED, -21, "refused")                    \
    X(AUTH, -22, "not authorised")

enum err_code {
    ERR_OK = 0,
#define X(name, code, text) ERR_##name = code,
    ERR_MAP(X)
#undef X
};

/* Optional details of a failure. Fallible functions that take a `struct err_detail *`
 * accept NULL. `file` is empty and `line` is 0 when the error is not tied to a file. */
struct err_detail {
    char msg[512];
    char file[512];
    int line;
};

/* Return the symbolic name ("ERR_NOMEM") of an error code; "ERR_OK" for 0 and
 * "ERR_UNKNOWN" for anything not in ERR_MAP. The result is a static string. */
const char *err_name(int code);

/* Return the human text of an error code; the result is a static string. */
const char *err_str(int code);

/* Fill *d (may be NULL) with a printf-style message and an optional file:line
 * (file may be NULL, line 0). Returns `code` so callers can write
 * `return err_set(d, ERR_CONFIG, path, n, "bad value '%s'", v);`. */
int err_set(struct err_detail *d, int code, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Render *d as "file:line: msg" (or just "msg") into out (size outlen, always
 * NUL-terminated). Returns out. */
const char *err_detail_format(const struct err_detail *d, char *out, size_t outlen);

/* Abort with file and line after printing the failed condition; for invariants only. */
void err_panic(const char *file, int line, const char *what) __attribute__((noreturn));

#define PANIC(what) err_panic(__FILE__, __LINE__, (what))
#define ASSERT(cond)                                                   \
    do {                                                               \
        if (!(cond))                                                   \
            err_panic(__FILE__, __LINE__, "assertion failed: " #cond); \
    } while (0)

#endif
