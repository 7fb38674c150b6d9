/* SPDX-License-Identifier: MIT */
/* Control protocol framing and message shapes (see common/ctl_proto.h and
 * docs/control-protocol.md). */
#include "common/ctl_proto.h"

#include "common/mem.h"
#include "common/utf8.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[CTL_OP_COUNT_] = {
#define X(name, wire) wire,
    CTL_OP_MAP(X)
#undef X
};

static const char *const ecode_names[CTL_E_COUNT_] = {
#define X(name, wire) wire,
    CTL_E_MAP(X)
#undef X
};

const char *ctl_op_name(enum ctl_op op)
{
    return (unsigned)op < CTL_OP_COUNT_ ? op_names[op] : NULL;
}

int ctl_op_from_name(const char *name)
{
    for (int i = 0; name && i < CTL_OP_COUNT_; i++)
        if (strcmp(op_names[i], name) == 0)
            return i;
    return -1;
}

const char *ctl_ecode_name(enum ctl_ecode code)
{
    return (unsigned)code < CTL_E_COUNT_ ? ecode_names[code] : "internal";
}

enum ctl_ecode ctl_ecode_from_name(const char *name)
{
    for (int i = 0; name && i < CTL_E_COUNT_; i++)
        if (strcmp(ecode_names[i], name) == 0)
            return (enum ctl_ecode)i;
    return CTL_E_INTERNAL;
}

enum ctl_ecode ctl_ecode_from_err(int err)
{
    switch (err) {
    case ERR_MALFORMED:
        return CTL_E_MALFORMED;
    case ERR_TOOBIG:
        return CTL_E_TOO_BIG;
    case ERR_INVAL:
    case ERR_RANGE:
    case ERR_UTF8:
        return CTL_E_INVALID;
    case ERR_CONFIG:
        return CTL_E_CONFIG;
    case ERR_CONFLICT:
        return CTL_E_CONFLICT;
    case ERR_NOTFOUND:
        return CTL_E_NOT_FOUND;
    case ERR_EXISTS:
        return CTL_E_EXISTS;
    case ERR_PERM:
    case ERR_AUTH:
        return CTL_E_PERM;
    case ERR_IO:
        return CTL_E_IO;
    case ERR_LIMIT:
        return CTL_E_LIMIT;
    case ERR_NOTSUP:
        return CTL_E_NOT_SUPPORTED;
    case ERR_ADDRINUSE:
    case ERR_ADDRNOTAVAIL:
        return CTL_E_BIND;
    case ERR_PROTOCOL:
        return CTL_E_VERSION;
    default:
        return CTL_E_INTERNAL;
    }
}

/* ---- Framing ------------------------------------------------------------------------------ */

void ctl_framer_init(struct ctl_framer *f, size_t max)
{
    memset(f, 0, sizeof *f);
    f->max = max;
}

void ctl_framer_cleanup(struct ctl_framer *f)
{
    x_clear(&f->buf);
    f->len = f->cap = f->start = f->scan = 0;
}

size_t ctl_framer_pending(const struct ctl_framer *f)
{
    return f->len - f->start;
}

int ctl_framer_feed(struct ctl_framer *f, const void *data, size_t len)
{
    if (f->start > 0) { /* drop the lines already returned */
        memmove(f->buf, f->buf + f->start, f->len - f->start);
        f->len -= f->start;
        f->start = 0;
    }
    if (f->len + len + 1 > f->cap) {
        size_t ncap = f->cap ? f->cap : 1024;
        while (ncap < f->len + len + 1)
            ncap *= 2;
        f->buf = xrealloc(f->buf, ncap);
        f->cap = ncap;
    }
    memcpy(f->buf + f->len, data, len);
    f->len += len;
    /* An incomplete tail longer than max can never become a valid frame. */
    size_t tail = 0;
    for (size_t i = f->len; i > f->start && f->buf[i - 1] != '\n'; i--)
        tail++;
    return tail >= f->max ? ERR_TOOBIG : 0;
}

int ctl_framer_next(struct ctl_framer *f, char **line, size_t *len)
{
    for (;;) {
        char *s = f->buf ? f->buf + f->start : NULL;
        size_t avail = f->len - f->start;
        char *nl = s ? memchr(s + f->scan, '\n', avail - f->scan) : NULL;
        if (!nl) {
            f->scan = avail;
            return 0;
        }
        size_t n = (size_t)(nl - s);
        f->start += n + 1;
        f->scan = 0;
        if (n + 1 > f->max)
            return ERR_TOOBIG;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        s[n] = '\0';
        *line = s;
        *len = n;
        return 1;
    }
}

/* ---- JSON helpers -------------------------------------------------------------------------- */

static void *must(void *p)
{
    if (!p)
        PANIC("out of memory in cJSON");
    return p;
}

cJSON *ctl_json_object(void)
{
    return must(cJSON_CreateObject());
}

cJSON *ctl_json_array(void)
{
    return must(cJSON_CreateArray());
}

void ctl_json_add_u64(cJSON *obj, const char *name, uint64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%" PRIu64, v);
    cJSON_AddItemToObject(obj, name, must(cJSON_CreateRaw(num)));
}

void ctl_json_add_str(cJSON *obj, const char *name, const char *s)
{
    cJSON_AddItemToObject(obj, name, must(s ? cJSON_CreateString(s) : cJSON_CreateNull()));
}

/* Serialise root (consumed) as one line plus LF into a caller-owned buffer. */
static char *finish(cJSON *root, size_t *len)
{
    char *text = must(cJSON_PrintUnformatted(root));
    cJSON_Delete(root);
    size_t n = strlen(text);
    char *out = xmalloc(n + 2);
    memcpy(out, text, n);
    out[n] = '\n';
    out[n + 1] = '\0';
    free(text);
    if (len)
        *len = n + 1;
    return out;
}

static bool is_id(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= CTL_MAX_ID &&
           floor(v->valuedouble) == v->valuedouble;
}

static void add_id(cJSON *root, double id)
{
    if (id < 0)
        cJSON_AddItemToObject(root, "id", must(cJSON_CreateNull()));
    else
        ctl_json_add_u64(root, "id", (uint64_t)id);
}

/* Parse a frame as a JSON object into *root after checking its UTF-8. */
static int parse_object(const char *line, size_t len, cJSON **root, struct err_detail *d)
{
    *root = NULL;
    if (!utf8_is_valid_mqtt((const uint8_t *)line, len))
        return err_set(d, ERR_MALFORMED, NULL, 0, "frame is not valid UTF-8");
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(line, len, &end, false);
    if (!j)
        return err_set(d, ERR_MALFORMED, NULL, 0, "frame is not valid JSON");
    while (end && end < line + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (!cJSON_IsObject(j) || (end && end < line + len)) {
        cJSON_Delete(j);
        return err_set(d, ERR_MALFORMED, NULL, 0, "frame is not one JSON object");
    }
    *root = j;
    return 0;
}

/* ---- Requests ------------------------------------------------------------------------------ */

int ctl_request_parse(const char *line, size_t len, struct ctl_request *out, struct err_detail *d)
{
    memset(out, 0, sizeof *out);
    out->op = -1;
    int rc = parse_object(line, len, &out->root, d);
    if (rc < 0)
        return rc;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(out->root, "id");
    if (!is_id(id))
        return err_set(d, ERR_MALFORMED, NULL, 0, "\"id\" must be an integer 0..2^53-1");
    out->id = id->valuedouble;
    out->has_id = true;
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(out->root, "op");
    if (!cJSON_IsString(op))
        return err_set(d, ERR_MALFORMED, NULL, 0, "\"op\" must be a string");
    out->op_id = op->valuestring;
    cJSON *args = cJSON_GetObjectItemCaseSensitive(out->root, "args");
    if (args && !cJSON_IsObject(args) && !cJSON_IsNull(args))
        return err_set(d, ERR_MALFORMED, NULL, 0, "\"args\" must be an object");
    if (!args || cJSON_IsNull(args)) {
        cJSON_DeleteItemFromObjectCaseSensitive(out->root, "args");
        args = ctl_json_object();
        cJSON_AddItemToObject(out->root, "args", args);
    }
    out->args = args;
    out->op = ctl_op_from_name(op->valuestring);
    if (out->op < 0)
        return err_set(d, ERR_NOTSUP, NULL, 0, "unknown operation '%.64s'", op->valuestring);
    return 0;
}

void ctl_request_cleanup(struct ctl_request *r)
{
    cJSON_Delete(r->root);
    memset(r, 0, sizeof *r);
    r->op = -1;
}

char *ctl_build_request(double id, enum ctl_op op, cJSON *args, size_t *len)
{
    cJSON *root = ctl_json_object();
    add_id(root, id);
    ctl_json_add_str(root, "op", ctl_op_name(op));
    if (args)
        cJSON_AddItemToObject(root, "args", args);
    return finish(root, len);
}

/* ---- Replies and events -------------------------------------------------------------------- */

char *ctl_build_result(double id, cJSON *result, size_t *len)
{
    cJSON *root = ctl_json_object();
    add_id(root, id);
    cJSON_AddItemToObject(root, "ok", must(cJSON_CreateTrue()));
    cJSON_AddItemToObject(root, "result", result ? result : ctl_json_object());
    return finish(root, len);
}

char *ctl_build_error(double id, enum ctl_ecode code, const char *message, const char *file,
                      int line, size_t *len)
{
    cJSON *root = ctl_json_object();
    add_id(root, id);
    cJSON_AddItemToObject(root, "ok", must(cJSON_CreateFalse()));
    cJSON *e = ctl_json_object();
    ctl_json_add_str(e, "code", ctl_ecode_name(code));
    ctl_json_add_str(e, "message", message ? message : ctl_ecode_name(code));
    if (file && *file)
        ctl_json_add_str(e, "file", file);
    if (line > 0)
        ctl_json_add_u64(e, "line", (uint64_t)line);
    cJSON_AddItemToObject(root, "error", e);
    return finish(root, len);
}

char *ctl_build_event(const char *name, double sub, cJSON *data, size_t *len)
{
    cJSON *root = ctl_json_object();
    ctl_json_add_str(root, "event", name);
    ctl_json_add_u64(root, "sub", sub < 0 ? 0 : (uint64_t)sub);
    cJSON_AddItemToObject(root, "data", data ? data : ctl_json_object());
    return finish(root, len);
}

/* Fill the error fields of a reply from its "error" member. */
static int parse_error(struct ctl_reply *out, struct err_detail *d)
{
    out->kind = CTL_REPLY_ERROR;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(out->root, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
    if (!cJSON_IsObject(e) || !cJSON_IsString(code) || !cJSON_IsString(msg))
        return err_set(d, ERR_MALFORMED, NULL, 0, "error reply without code and message");
    out->code_name = code->valuestring;
    out->code = ctl_ecode_from_name(code->valuestring);
    out->message = msg->valuestring;
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(e, "file");
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(e, "line");
    out->file = cJSON_IsString(file) ? file->valuestring : NULL;
    if (cJSON_IsNumber(line) && line->valuedouble >= 1 && line->valuedouble <= INT32_MAX)
        out->line = (int)line->valuedouble;
    return 0;
}

/* Fill the event fields of a frame that has an "event" member. */
static int parse_event(struct ctl_reply *out, const cJSON *ev, struct err_detail *d)
{
    out->kind = CTL_REPLY_EVENT;
    const cJSON *sub = cJSON_GetObjectItemCaseSensitive(out->root, "sub");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(out->root, "data");
    if (!cJSON_IsString(ev) || !is_id(sub) || !cJSON_IsObject(data))
        return err_set(d, ERR_MALFORMED, NULL, 0, "event without name, sub and data");
    out->event = ev->valuestring;
    out->sub = sub->valuedouble;
    out->data = data;
    return 0;
}

int ctl_reply_parse(const char *line, size_t len, struct ctl_reply *out, struct err_detail *d)
{
    memset(out, 0, sizeof *out);
    out->id = -1;
    out->sub = -1;
    int rc = parse_object(line, len, &out->root, d);
    if (rc < 0)
        return rc;
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(out->root, "event");
    if (ev)
        return parse_event(out, ev, d);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(out->root, "id");
    if (is_id(id))
        out->id = id->valuedouble;
    else if (!cJSON_IsNull(id))
        return err_set(d, ERR_MALFORMED, NULL, 0, "reply without a valid id");
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(out->root, "ok");
    if (!cJSON_IsBool(ok))
        return err_set(d, ERR_MALFORMED, NULL, 0, "reply without \"ok\"");
    if (cJSON_IsFalse(ok))
        return parse_error(out, d);
    out->kind = CTL_REPLY_RESULT;
    out->result = cJSON_GetObjectItemCaseSensitive(out->root, "result");
    if (!cJSON_IsObject(out->result))
        return err_set(d, ERR_MALFORMED, NULL, 0, "result is not an object");
    return 0;
}

void ctl_reply_cleanup(struct ctl_reply *r)
{
    cJSON_Delete(r->root);
    memset(r, 0, sizeof *r);
}

/* ---- Arguments ----------------------------------------------------------------------------- */

int ctl_args_check(const cJSON *args, const char *const *allowed, struct err_detail *d)
{
    for (const cJSON *m = args ? args->child : NULL; m; m = m->next) {
        bool known = false;
        for (size_t i = 0; allowed && allowed[i] && !known; i++)
            known = m->string && strcmp(m->string, allowed[i]) == 0;
        if (!known)
            return err_set(d, ERR_INVAL, NULL, 0, "unknown argument '%.64s'",
                           m->string ? m->string : "");
    }
    return 0;
}

int ctl_arg_int(const cJSON *args, const char *name, bool required, int64_t min, int64_t max,
                int64_t *out, struct err_detail *d)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return err_set(d, ERR_INVAL, NULL, 0, "argument '%s' is required", name);
        return 0;
    }
    double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!(x >= (double)min && x <= (double)max) || floor(x) != x)
        return err_set(d, ERR_INVAL, NULL, 0,
                       "argument '%s' must be an integer from %" PRId64 " to %" PRId64, name, min,
                       max);
    *out = (int64_t)x;
    return 1;
}

int ctl_arg_str(const cJSON *args, const char *name, bool required, const char **out,
                struct err_detail *d)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return err_set(d, ERR_INVAL, NULL, 0, "argument '%s' is required", name);
        return 0;
    }
    if (!cJSON_IsString(v))
        return err_set(d, ERR_INVAL, NULL, 0, "argument '%s' must be a string", name);
    *out = v->valuestring;
    return 1;
}
