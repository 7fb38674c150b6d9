/* SPDX-License-Identifier: MIT */
/* Fuzz target for common/cfg_parse: the input up to its first NUL byte is the main file,
 * the rest is the one file of an include_dir; the result's invariants are checked. */
#include "tests/fuzz/fuzz.h"

#include "common/cfg.h"
#include "common/cfg_parse.h"
#include "common/mem.h"

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

/* The included file: the bytes after the first NUL of the input. */
struct fuzz_fs {
    const char *inc;
    size_t inc_len;
};

static int fs_read(void *ud, const char *path, char **data, size_t *len, struct err_detail *d)
{
    const struct fuzz_fs *fs = ud;
    if (strcmp(path, "inc.d/x.conf") != 0)
        return err_set(d, ERR_NOTFOUND, path, 0, "no such file");
    *data = xstrndup(fs->inc, fs->inc_len);
    *len = fs->inc_len;
    return 0;
}

static int fs_list(void *ud, const char *dir, char ***names, size_t *count, struct err_detail *d)
{
    (void)ud;
    if (strcmp(dir, "inc.d") != 0)
        return err_set(d, ERR_NOTFOUND, dir, 0, "no such directory");
    *names = xmalloc(2 * sizeof **names);
    (*names)[0] = xstrdup("x.conf");
    (*names)[1] = xstrdup("notes.txt");
    *count = 2;
    return 0;
}

static void check_result(int rc, const struct cfg *c, const struct err_detail *d)
{
    if (rc < 0) {
        CHECK(rc == ERR_CONFIG);
        CHECK(d->file[0] != '\0' && d->line > 0 && d->msg[0] != '\0');
        return;
    }
    CHECK(!c->local_only || c->n_listeners == 0);
    for (size_t i = 0; i < c->n_listeners; i++) {
        CHECK(c->listeners[i].port >= 1);
        CHECK(c->listeners[i].src_file && c->listeners[i].src_line > 0);
    }
    for (size_t i = 0; i < c->n_warnings; i++)
        CHECK(strstr(c->warnings[i], ".conf:") != NULL);
    CHECK(c->max_inflight_messages <= 65535 && c->sys_interval <= 65535);
    CHECK(c->max_packet_size == 0 || c->max_packet_size >= 20);
    CHECK(c->persistent_client_expiration >= 0);
    CHECK(!(c->log_dest & CFG_LOG_DEST_FILE) || c->log_file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t main_len = nul ? (size_t)(nul - text) : size;
    struct fuzz_fs fs = {nul ? nul + 1 : "", nul ? size - main_len - 1 : 0};
    struct cfg_io io = {fs_read, fs_list, &fs};
    struct cfg c;
    struct err_detail d;
    memset(&d, 0, sizeof d);
    cfg_init(&c);
    int rc = cfg_parse_text("main.conf", text, main_len, &io, &c, &d);
    check_result(rc, &c, &d);
    cfg_cleanup(&c);
    return 0;
}

#define SEED(s)         \
    {                   \
        s, sizeof s - 1 \
    }

const struct fuzz_seed fuzz_seeds[] = {
    SEED("listener 1883\nmount_point a/\nmax_connections 10\nsocket_domain ipv4\n"),
    SEED("# c\r\nport 1884\r\nbind_address 127.0.0.1\r\nsys_interval 5\r\n"),
    SEED("log_dest file /tmp/x.log\nlog_dest stdout\nlog_type all\nlog_type none\n"),
    SEED("persistent_client_expiration 14d\nmax_packet_size 20\nallow_anonymous true\n"),
    SEED("include_dir inc.d\nlistener 1\n\0listener 2\nmax_keepalive 60\nauto_id_prefix x\n"),
    SEED("retry_interval 20\nstore_clean_interval 1\nauto_id_prefix \xc3\xa9\npid_file p\n"),
    SEED("max_connections 3\nlistener 9 ::1 # c\nuser u\nlog_timestamp_format %s\n"),
};
const size_t fuzz_nseeds = sizeof fuzz_seeds / sizeof fuzz_seeds[0];
