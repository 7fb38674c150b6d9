/* SPDX-License-Identifier: MIT */
/* `include_dir`: reads the *.conf files of a directory through the caller's cfg_io, in
 * mosquitto's order, as part of the main configuration file. */
#include "common/cfg_parse_priv.h"
#include "common/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ascii_upper(unsigned char ch)
{
    return ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch;
}

/* mosquitto's include order: character by character, compare case-insensitively first;
 * when the letters are the same, the byte values decide (so upper case sorts before lower
 * case: "00 01 A a B b"). A name that is a prefix of another sorts first. */
static int cmp_include_names(const void *pa, const void *pb)
{
    const unsigned char *a = *(const unsigned char *const *)pa;
    const unsigned char *b = *(const unsigned char *const *)pb;
    for (; *a && *b; a++, b++) {
        int d = ascii_upper(*a) - ascii_upper(*b);
        if (d == 0)
            d = *a - *b;
        if (d != 0)
            return d;
    }
    return *a - *b;
}

static bool is_conf_name(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* Keep only names ending in ".conf" (the cfg_io should already filter; be sure), freeing
 * the others, and return the new count. */
static size_t keep_conf_names(char **names, size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (is_conf_name(names[i]))
            names[kept++] = names[i];
        else
            free(names[i]);
    }
    return kept;
}

/* Read and parse dir/name as an included file. */
static int include_one(const struct cfgp_line *l, const char *dir, const char *name)
{
    struct cfgp_ctx *x = l->x;
    size_t dlen = strlen(dir);
    bool sep = dlen > 0 && (dir[dlen - 1] == '/' || dir[dlen - 1] == '\\');
    size_t plen = dlen + strlen(name) + 2;
    char *path = xmalloc(plen), *data = NULL;
    snprintf(path, plen, "%s%s%s", dir, sep ? "" : "/", name);
    size_t len = 0;
    struct err_detail io_d;
    memset(&io_d, 0, sizeof io_d);
    int rc;
    if (strcmp(path, x->main_name) == 0) {
        rc = cfg_parse__error(l,
                              "'include_dir' must not contain the main configuration "
                              "file %.300s",
                              path);
        goto out;
    }
    rc = x->io->read_file(x->io->ud, path, &data, &len, &io_d);
    if (rc < 0) {
        rc = cfg_parse__error(l, "cannot read included file %.300s: %.150s", path,
                              io_d.msg[0] ? io_d.msg : err_str(rc));
        goto out;
    }
    struct cfgp_file sub = {.name = path, .line = 0, .depth = l->f->depth + 1, .cur = -1};
    rc = cfg_parse__text(x, &sub, data, len);
out:
    free(data);
    free(path);
    return rc;
}

int cfg_parse__include_dir(const struct cfgp_line *l)
{
    struct cfgp_ctx *x = l->x;
    char **names = NULL, *dir = NULL;
    size_t count = 0;
    struct err_detail io_d;
    memset(&io_d, 0, sizeof io_d);
    if (l->f->depth > 0)
        return cfg_parse__error(l, "'include_dir' is only allowed in the main "
                                   "configuration file");
    if (!x->io)
        return cfg_parse__error(l, "'include_dir' cannot be used here (no file access)");
    int rc = cfg_parse__string(l, l->val, l->val_len, &dir);
    if (rc < 0)
        return rc;
    rc = x->io->list_dir(x->io->ud, dir, &names, &count, &io_d);
    if (rc < 0) {
        rc = cfg_parse__error(l, "cannot read include_dir %.300s: %.150s", dir,
                              io_d.msg[0] ? io_d.msg : err_str(rc));
        goto out;
    }
    count = keep_conf_names(names, count);
    if (count > 1)
        qsort(names, count, sizeof *names, cmp_include_names);
    for (size_t i = 0; i < count && rc == 0; i++)
        rc = include_one(l, dir, names[i]);
out:
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    free(dir);
    return rc;
}
