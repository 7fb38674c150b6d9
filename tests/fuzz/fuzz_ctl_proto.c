/* SPDX-License-Identifier: MIT */
/* Fuzz target for common/ctl_proto and common/cfg_write: the input is fed to the framer
 * in uneven chunks and every line is parsed as a request and as a reply; the whole input
 * is also a config document that must render back to the same bytes, and stay
 * renderable after a listener edit. */
#include "tests/fuzz/fuzz.h"

#include "common/cfg_write.h"
#include "common/ctl_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

static void parse_line(const char *line, size_t len)
{
    struct ctl_request r;
    int rc = ctl_request_parse(line, len, &r, NULL);
    CHECK(rc == 0 || rc == ERR_MALFORMED || rc == ERR_NOTSUP);
    CHECK(rc != 0 || (r.op >= 0 && r.op < CTL_OP_COUNT_ && cJSON_IsObject(r.args)));
    if (rc == 0) {
        /* A parsed request re-encodes and parses back to the same op. */
        size_t flen = 0;
        char *f = ctl_build_request(r.id, (enum ctl_op)r.op, cJSON_Duplicate(r.args, 1), &flen);
        struct ctl_request r2;
        CHECK(ctl_request_parse(f, flen, &r2, NULL) == 0 && r2.op == r.op && r2.id == r.id);
        ctl_request_cleanup(&r2);
        free(f);
    }
    ctl_request_cleanup(&r);
    struct ctl_reply p;
    rc = ctl_reply_parse(line, len, &p, NULL);
    CHECK(rc == 0 || rc == ERR_MALFORMED);
    CHECK(rc != 0 || p.kind != CTL_REPLY_ERROR || p.message != NULL);
    ctl_reply_cleanup(&p);
}

static void frame_all(const uint8_t *data, size_t size)
{
    struct ctl_framer f;
    ctl_framer_init(&f, 512);
    size_t off = 0, step = 1;
    while (off < size) {
        size_t n = size - off < step ? size - off : step;
        if (ctl_framer_feed(&f, data + off, n) < 0)
            break;
        off += n;
        step = step * 3 % 61 + 1;
        char *line = NULL;
        size_t len = 0;
        int got;
        while ((got = ctl_framer_next(&f, &line, &len)) > 0) {
            CHECK(len < 512 && strlen(line) <= len && memchr(line, '\n', len) == NULL);
            parse_line(line, len);
        }
        if (got < 0)
            break;
    }
    ctl_framer_cleanup(&f);
}

static void doc_round_trip(const uint8_t *data, size_t size)
{
    struct cfg_doc doc;
    cfg_doc_parse(&doc, (const char *)data, size);
    size_t len = 0;
    char *out = cfg_doc_render(&doc, &len);
    /* Lines are NUL-terminated strings: only NUL-free input renders back exactly. */
    if (!memchr(data, 0, size))
        CHECK(len == size && memcmp(out, data, size) == 0);
    free(out);
    struct cfg_doc_kv kv = {"max_connections", "7"};
    (void)cfg_doc_listener_add(&doc, 1884, NULL, &kv, 1, NULL);
    (void)cfg_doc_listener_set(&doc, 1883, NULL, "mount_point", "x/", NULL);
    (void)cfg_doc_listener_remove(&doc, 1883, NULL, NULL);
    out = cfg_doc_render(&doc, &len);
    CHECK(strlen(out) <= len);
    free(out);
    cfg_doc_cleanup(&doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    frame_all(data, size);
    doc_round_trip(data, size);
    return 0;
}

#define SEED(s)          \
    {                    \
        s, sizeof(s) - 1 \
    }
const struct fuzz_seed fuzz_seeds[] = {
    SEED(
        "{\"id\":1,\"op\":\"hello\",\"args\":{\"protocol\":1}}\n{\"id\":2,\"op\":\"stats.get\"}\n"),
    SEED("{\"id\":3,\"ok\":false,\"error\":{\"code\":\"config\",\"message\":\"m\",\"file\":"
         "\"a\",\"line\":2}}\r\n{\"event\":\"stats\",\"sub\":1,\"data\":{\"x\":[1,2.5,null]}}\n"),
    SEED("{\"id\":4,\"op\":\"listeners.set\",\"args\":{\"port\":1883,\"set\":{\"mount_point\":"
         "null,\"max_connections\":5}}}\n"),
    SEED("# c\nlistener 1883\n  max_connections 3\nmount_point a/\n\nlistener 1884 ::1\r\n"),
};
const size_t fuzz_nseeds = sizeof fuzz_seeds / sizeof fuzz_seeds[0];
