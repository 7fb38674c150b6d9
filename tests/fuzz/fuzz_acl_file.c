/* SPDX-License-Identifier: MIT */
/* Fuzz target for common/acl_file and the checker in service/acl_view.c: the input is an
 * ACL file. Checked: errors carry file:line, every stored rule is a valid filter with a
 * known access, and for a file without errors the compiled views of a few clients never
 * contradict themselves (a filter classified FULL or NONE agrees with the topic check on
 * topics made from it). */
#include "tests/fuzz/fuzz.h"

#include "common/acl_file.h"
#include "common/mqtt_topic.h"
#include "service/acl.h"

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

static void check_list(const struct acl_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct acl_rule *r = &l->r[i];
        CHECK(r->len == strlen(r->filter));
        CHECK(mqtt_topic_is_valid_filter(r->filter, r->len));
        CHECK(r->access == ACL_READ || r->access == ACL_WRITE || r->access == ACL_READWRITE ||
              r->access == ACL_DENY);
        CHECK(r->line > 0);
    }
}

/* A topic name made from filter f: each '+' becomes w, a trailing '#' becomes w/w (or
 * is dropped with its '/' when short). Returns its length, 0 when it is not usable. */
static size_t topic_from(const char *f, size_t flen, const char *w, bool shorter, char *out,
                         size_t cap)
{
    size_t n = 0, wl = strlen(w);
    for (size_t i = 0; i < flen; i++) {
        const char *add = &f[i];
        size_t alen = 1;
        if (f[i] == '+')
            add = w, alen = wl;
        if (f[i] == '#') {
            if (shorter) {
                n = n > 0 ? n - 1 : 0; /* "a/#" also matches "a" */
                break;
            }
            add = "x/y", alen = 3;
        }
        if (n + alen >= cap)
            return 0;
        memcpy(out + n, add, alen);
        n += alen;
    }
    out[n] = '\0';
    return n;
}

/* FULL and NONE must agree with the per-topic check on topics derived from f. */
static void check_consistent(const struct acl_view *v, const char *f, size_t flen)
{
    enum acl_reach reach = acl_view_reach(v, f, flen);
    static const char *const words[] = {"x", "", "$x", "a"};
    char t[512];
    for (size_t k = 0; k < 2 * (sizeof words / sizeof words[0]); k++) {
        size_t tl = topic_from(f, flen, words[k / 2], k & 1, t, sizeof t);
        if (tl == 0 || !mqtt_topic_is_valid_name(t, tl) || !mqtt_topic_matches(f, flen, t, tl))
            continue;
        bool ok = acl_view_allows(v, t, tl, ACL_READ);
        CHECK(!(reach == ACL_REACH_FULL && !ok));
        CHECK(!(reach == ACL_REACH_NONE && ok));
    }
}

static void check_views(const struct acl_file *f)
{
    static const char *const users[] = {NULL, "alice", "bob smith", "+"};
    static const char *const ids[] = {"c1", "#", "dev/1"};
    for (size_t u = 0; u < sizeof users / sizeof users[0]; u++) {
        struct acl_view *v = acl_view_new(f, ids[u % 3], users[u]);
        const struct acl_list *lists[] = {&f->anon, &f->patterns};
        for (size_t l = 0; l < 2; l++)
            for (size_t i = 0; i < lists[l]->n && i < 16; i++)
                check_consistent(v, lists[l]->r[i].filter, lists[l]->r[i].len);
        for (size_t i = 0; i < f->n_users && i < 4; i++)
            for (size_t j = 0; j < f->users[i].rules.n && j < 8; j++)
                check_consistent(v, f->users[i].rules.r[j].filter, f->users[i].rules.r[j].len);
        acl_view_free(v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct acl_file f;
    acl_file_init(&f);
    int rc = acl_file_parse(&f, "fuzz.acl", (const char *)data, size);
    CHECK(rc >= 0 && (size_t)rc == f.n_errors);
    size_t kept = f.n_errors < ACL_FILE_MAX_ERRORS ? f.n_errors : ACL_FILE_MAX_ERRORS;
    for (size_t i = 0; i < kept; i++)
        CHECK(strcmp(f.errors[i].file, "fuzz.acl") == 0 && f.errors[i].line > 0 &&
              f.errors[i].msg[0]);
    for (size_t i = 0; i < f.n_warnings; i++)
        CHECK(f.warnings[i].line > 0);
    check_list(&f.anon);
    check_list(&f.patterns);
    for (size_t i = 0; i < f.n_users; i++) {
        CHECK(f.users[i].name && f.users[i].name[0]);
        check_list(&f.users[i].rules);
    }
    if (rc == 0)
        check_views(&f);
    acl_file_cleanup(&f);
    return 0;
}

#define SEED(s)         \
    {                   \
        s, sizeof s - 1 \
    }

const struct fuzz_seed fuzz_seeds[] = {
    SEED("topic read public/#\ntopic deny public/secret\nuser alice\ntopic readwrite a/#\n"),
    SEED("pattern readwrite clients/%c/#\npattern read users/%u/inbox\n"
         "pattern deny users/%u/inbox/x\n"),
    SEED("# c\r\nuser bob smith\r\ntopic read +/+/t\r\ntopic write $SYS/#\r\ntopic #\r\n"),
    SEED("user alice\ntopic read $SYS/broker/+\ntopic deny +/secret/#\nuser +\ntopic read #\n"),
    SEED("topic read\nbogus x\nuser\ntopic read a/#/b\n"),
};
const size_t fuzz_nseeds = sizeof fuzz_seeds / sizeof fuzz_seeds[0];
