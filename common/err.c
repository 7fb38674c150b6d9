/* SPDX-License-Identifier: MIT */
/* Names, texts and detail formatting for the error codes in common/err.h. */
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *err_name(int code)
{
    switch (code) {
    case ERR_OK:
        return "ERR_OK";
#define X(name, c, text) \
    case c:              \
        return "ERR_" #name;
        ERR_MAP(X)
#undef X
    default:
        return "ERR_UNKNOWN";
    }
}

const char *err_str(int code)
{
    switch (code) {
    case ERR_OK:
        return "success";
#define X(name, c, text) \
    case c:              \
        return text;
        ERR_MAP(X)
#undef X
    default:
        return "unknown error";
    }
}

int err_set(struct err_detail *d, int code, const char *file, int line, const char *fmt, ...)
{
    if (!d)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    snprintf(d->file, sizeof d->file, "%s", file ? file : "");
    d->line = line;
    return code;
}

const char *err_detail_format(const struct err_detail *d, char *out, size_t outlen)
{
    if (outlen == 0)
        return out;
    if (d->file[0] && d->line > 0)
        snprintf(out, outlen, "%s:%d: %s", d->file, d->line, d->msg);
    else if (d->file[0])
        snprintf(out, outlen, "%s: %s", d->file, d->msg);
    else
        snprintf(out, outlen, "%s", d->msg);
    return out;
}

void err_panic(const char *file, int line, const char *what)
{
    fprintf(stderr, "midge: PANIC at %s:%d: %s\n", file, line, what);
    fflush(stderr);
    abort();
}
