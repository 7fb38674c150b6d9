/* SPDX-License-Identifier: MIT */
/* The fake file system: an in-memory table of path -> bytes that backs whole-file reads,
 * atomic replacement, directory listing and append-only files. */
#include "tests/fakes/fake_internal.h"

#include "common/buf.h"
#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

struct fake_file {
    char *path;
    char *data; /* NUL-terminated copy; len excludes the terminator */
    size_t len;
    unsigned mode;
    struct fake_file *next;
};

struct plat_file {
    char *path; /* appends look the file up each time: it may have been replaced */
};

static struct fake_file *g_files;
static int g_write_error;

static struct fake_file *file_find(const char *path)
{
    for (struct fake_file *f = g_files; f; f = f->next)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}

/* Create or replace path with a copy of data; returns the entry. */
static struct fake_file *file_put(const char *path, const void *data, size_t len, unsigned mode)
{
    struct fake_file *f = file_find(path);
    if (!f) {
        f = xcalloc(1, sizeof *f);
        f->path = xstrdup(path);
        f->next = g_files;
        g_files = f;
    }
    char *copy = xmalloc(len + 1);
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    free(f->data);
    f->data = copy;
    f->len = len;
    f->mode = mode;
    return f;
}

void fake_fs_put(const char *path, const char *data)
{
    file_put(path, data, strlen(data), 0644);
}

void fake_fs_put_bytes(const char *path, const void *data, size_t len)
{
    file_put(path, data, len, 0644);
}

const char *fake_fs_get(const char *path, size_t *len)
{
    const struct fake_file *f = file_find(path);
    if (len)
        *len = f ? f->len : 0;
    return f ? f->data : NULL;
}

unsigned fake_fs_mode(const char *path)
{
    const struct fake_file *f = file_find(path);
    return f ? f->mode : 0;
}

bool fake_fs_remove(const char *path)
{
    for (struct fake_file **pp = &g_files; *pp; pp = &(*pp)->next) {
        struct fake_file *f = *pp;
        if (strcmp(f->path, path) == 0) {
            *pp = f->next;
            free(f->path);
            free(f->data);
            free(f);
            return true;
        }
    }
    return false;
}

void fake_fs_fail_writes(int err)
{
    g_write_error = err;
}

int plat_file_read_all(const char *path, size_t max, char **data, size_t *len, struct err_detail *d)
{
    const struct fake_file *f = file_find(path);
    if (!f)
        return err_set(d, ERR_NOTFOUND, NULL, 0, "%s: No such file or directory", path);
    if (f->len > max)
        return err_set(d, ERR_TOOBIG, NULL, 0, "%s: larger than %zu bytes", path, max);
    *data = xmalloc(f->len + 1);
    memcpy(*data, f->data, f->len + 1);
    *len = f->len;
    return 0;
}

int plat_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                           struct err_detail *d)
{
    if (g_write_error < 0)
        return err_set(d, g_write_error, NULL, 0, "%s: injected failure", path);
    file_put(path, data, len, mode & 07777);
    return 0;
}

/* True if path lies directly in dir (dir + "/" + name without another slash). */
static const char *name_in_dir(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (strncmp(path, dir, n) != 0 || path[n] != '/')
        return NULL;
    const char *name = path + n + 1;
    return name[0] && !strchr(name, '/') ? name : NULL;
}

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name);
    size_t s = strlen(suffix);
    return n >= s && memcmp(name + n - s, suffix, s) == 0;
}

int plat_dir_list(const char *dir, const char *suffix, char ***names, size_t *count,
                  struct err_detail *d)
{
    if (!plat_path_is_dir(dir))
        return err_set(d, ERR_NOTFOUND, NULL, 0, "%s: No such file or directory", dir);
    char **v = NULL;
    size_t n = 0;
    for (const struct fake_file *f = g_files; f; f = f->next) {
        const char *name = name_in_dir(f->path, dir);
        if (!name || !has_suffix(name, suffix ? suffix : ""))
            continue;
        v = xrealloc(v, (n + 1) * sizeof *v);
        v[n++] = xstrdup(name);
    }
    *names = v;
    *count = n;
    return 0;
}

/* A directory exists when some file lies beneath it. */
bool plat_path_is_dir(const char *path)
{
    size_t n = strlen(path);
    if (n == 0)
        return false;
    for (const struct fake_file *f = g_files; f; f = f->next)
        if (strncmp(f->path, path, n) == 0 && (f->path[n] == '/' || path[n - 1] == '/'))
            return true;
    return false;
}

int plat_file_open_append(const char *path, plat_file **out, struct err_detail *d)
{
    (void)d;
    if (!file_find(path))
        file_put(path, "", 0, 0640);
    plat_file *pf = xmalloc(sizeof *pf);
    pf->path = xstrdup(path);
    *out = pf;
    return 0;
}

int plat_file_write(plat_file *pf, const void *data, size_t len)
{
    struct fake_file *f = file_find(pf->path);
    if (!f)
        f = file_put(pf->path, "", 0, 0640); /* re-created, as O_APPEND on a new inode */
    f->data = xrealloc(f->data, f->len + len + 1);
    memcpy(f->data + f->len, data, len);
    f->len += len;
    f->data[f->len] = '\0';
    return 0;
}

void plat_file_close(plat_file *pf)
{
    if (!pf)
        return;
    free(pf->path);
    free(pf);
}

void fake__fs_reset(void)
{
    while (g_files)
        fake_fs_remove(g_files->path);
    g_write_error = 0;
}

/* The fake's atomic write never leaves a temporary file behind. */
int plat_file_remove_stale_temps(const char *path, struct err_detail *d)
{
    (void)path;
    (void)d;
    return 0;
}

/* Streaming atomic writes collect the bytes and replace the file at commit. */
struct plat_atomic_file {
    char *path;
    unsigned mode;
    struct buf data;
};

int plat_file_atomic_begin(const char *path, unsigned mode, plat_atomic_file **out,
                           struct err_detail *d)
{
    if (g_write_error < 0)
        return err_set(d, g_write_error, NULL, 0, "%s: injected failure", path);
    struct plat_atomic_file *f = xcalloc(1, sizeof *f);
    f->path = xstrdup(path);
    f->mode = mode & 07777;
    buf_init(&f->data);
    *out = f;
    return 0;
}

int plat_file_atomic_write(plat_atomic_file *f, const void *data, size_t len, struct err_detail *d)
{
    (void)d;
    buf_append(&f->data, data, len);
    return 0;
}

int plat_file_atomic_commit(plat_atomic_file *f, struct err_detail *d)
{
    int rc = 0;
    if (g_write_error < 0)
        rc = err_set(d, g_write_error, NULL, 0, "%s: injected failure", f->path);
    else
        file_put(f->path, buf_head(&f->data), buf_size(&f->data), f->mode);
    plat_file_atomic_abort(f);
    return rc;
}

void plat_file_atomic_abort(plat_atomic_file *f)
{
    if (!f)
        return;
    buf_cleanup(&f->data);
    free(f->path);
    free(f);
}
