/* SPDX-License-Identifier: MIT */
/* POSIX file access: bounded whole-file reads, atomic replacement, directory listing
 * and append-only log files. */
#include "posix/posix_internal.h"

#include "common/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct plat_file {
    int fd;
    bool created;    /* this open created the file (posix__file_give_to) */
    plat_file *next; /* in open_files */
};

/* Files opened for appending (log files), for posix__file_give_to. Loop thread only. */
static plat_file *open_files;

/* errno of open/stat-like calls to ERR_*. */
static int file_err(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return ERR_NOTFOUND;
    case EACCES:
    case EPERM:
    case EROFS:
        return ERR_PERM;
    case ENOMEM:
        return ERR_NOMEM;
    default:
        return ERR_IO;
    }
}

/* Write all of data to fd, retrying short writes and interruptions. Returns 0 or -1
 * with errno set. */
static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read fd to its end into a growing buffer, failing past max bytes. The size from
 * fstat is only a hint: /proc files report 0, and files may grow while we read. */
static int read_fd(int fd, size_t hint, size_t max, char **data, size_t *len)
{
    if (max > SIZE_MAX / 2)
        max = SIZE_MAX / 2; /* keeps the arithmetic below from overflowing */
    size_t cap = (hint < max ? hint : max) + 1;
    size_t used = 0;
    char *buf = xmalloc(cap + 1);
    for (;;) {
        if (used == cap) {
            if (cap > max) {
                free(buf);
                return ERR_TOOBIG;
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            buf = xrealloc(buf, cap + 1);
        }
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return -1;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    if (used > max) {
        free(buf);
        return ERR_TOOBIG;
    }
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return 0;
}

int plat_file_read_all(const char *path, size_t max, char **data, size_t *len, struct err_detail *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return posix__err(d, file_err(errno), errno, path);
    struct stat st;
    int e = fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e != 0) {
        close(fd);
        return posix__err(d, ERR_IO, e, path);
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
        close(fd);
        return err_set(d, ERR_TOOBIG, NULL, 0, "%s: larger than %zu bytes", path, max);
    }
    size_t hint = S_ISREG(st.st_mode) ? (size_t)st.st_size : 4096;
    int rc = read_fd(fd, hint, max, data, len);
    e = errno;
    close(fd);
    if (rc == ERR_TOOBIG)
        return err_set(d, ERR_TOOBIG, NULL, 0, "%s: larger than %zu bytes", path, max);
    if (rc < 0)
        return posix__err(d, ERR_IO, e, path);
    return 0;
}

/* Build the template of a hidden temporary name next to path ("dir/.name.XXXXXX") and
 * store the directory that holds path in *dir (for its fsync). Both are owned by the
 * caller. */
static char *temp_template(const char *path, char **dir)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    *dir = slash ? (dirlen ? xstrndup(path, dirlen) : xstrdup("/")) : xstrdup(".");
    size_t n = strlen(path) + sizeof "/..XXXXXX";
    char *tmpl = xmalloc(n);
    snprintf(tmpl, n, "%.*s%s.%s.XXXXXX", (int)dirlen, path, slash ? "/" : "", base);
    return tmpl;
}

/* Flush the directory entry of a rename to disk. File systems that cannot fsync a
 * directory answer EINVAL; that is not a failure of ours. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc < 0 && e != EINVAL ? -1 : 0;
}

/* Write the temporary file completely: mode, contents, flush. Returns 0 or -1 with
 * errno set; fd is closed either way. */
static int fill_temp(int fd, const void *data, size_t len, unsigned mode)
{
    /* mkostemp creates 0600; fchmod sets the exact mode, independent of the umask. */
    if (fchmod(fd, (mode_t)(mode & 07777)) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return close(fd);
}

int plat_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                           struct err_detail *d)
{
    char *dir = NULL;
    char *tmp = temp_template(path, &dir);
    int rc = 0;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = posix__err(d, file_err(errno), errno, path);
        goto out;
    }
    if (fill_temp(fd, data, len, mode) < 0 || rename(tmp, path) < 0) {
        rc = posix__err(d, file_err(errno), errno, path);
        unlink(tmp);
        goto out;
    }
    /* The new contents are in place; a failure here only means the rename may not
     * survive a crash, which the caller should still hear about. */
    if (sync_dir(dir) < 0)
        rc = posix__err(d, ERR_IO, errno, dir);
out:
    free(tmp);
    free(dir);
    return rc;
}

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name);
    size_t s = strlen(suffix);
    return n >= s && memcmp(name + n - s, suffix, s) == 0;
}

/* True if dir/name is a regular file (following symbolic links). */
static bool entry_is_regular(DIR *dp, const struct dirent *de)
{
    if (de->d_type == DT_REG)
        return true;
    if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
        return false;
    struct stat st;
    return fstatat(dirfd(dp), de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode);
}

int plat_dir_list(const char *dir, const char *suffix, char ***names, size_t *count,
                  struct err_detail *d)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return posix__err(d, errno == ENOTDIR ? ERR_INVAL : file_err(errno), errno, dir);
    char **v = NULL;
    size_t n = 0;
    size_t cap = 0;
    const char *sfx = suffix ? suffix : "";
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(dp);
        if (!de)
            break;
        if (!has_suffix(de->d_name, sfx) || !entry_is_regular(dp, de))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[n++] = xstrdup(de->d_name);
    }
    int e = errno;
    closedir(dp);
    if (e != 0) {
        while (n > 0)
            free(v[--n]);
        free(v);
        return posix__err(d, ERR_IO, e, dir);
    }
    *names = v;
    *count = n;
    return 0;
}

bool plat_path_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int plat_file_open_append(const char *path, plat_file **out, struct err_detail *d)
{
    /* Open an existing file first, so that we know whether we created it: only a file
     * midge created may later be handed to the unprivileged user. */
    bool created = false;
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        created = fd >= 0;
        if (fd < 0 && errno == EEXIST) /* created by someone else meanwhile */
            fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    }
    if (fd < 0)
        return posix__err(d, file_err(errno), errno, path);
    plat_file *f = xmalloc(sizeof *f);
    f->fd = fd;
    f->created = created;
    f->next = open_files;
    open_files = f;
    *out = f;
    return 0;
}

int plat_file_write(plat_file *f, const void *data, size_t len)
{
    return write_all(f->fd, data, len) < 0 ? ERR_IO : 0;
}

void plat_file_close(plat_file *f)
{
    if (!f)
        return;
    for (plat_file **p = &open_files; *p; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next;
            break;
        }
    }
    close(f->fd);
    free(f);
}

void posix__file_give_to(unsigned uid)
{
    for (plat_file *f = open_files; f; f = f->next) {
        struct stat st;
        /* Only files this process created as root (as the user would have, had it
         * started as the user): an existing file keeps its owner, whoever it is. A
         * failure leaves the file as it was; the reopen then reports the problem. */
        if (f->created && fstat(f->fd, &st) == 0 && st.st_uid == 0)
            (void)fchown(f->fd, (uid_t)uid, (gid_t)-1);
    }
}

int plat_file_remove_stale_temps(const char *path, struct err_detail *d)
{
    char *dir = NULL;
    char *tmpl = temp_template(path, &dir); /* ".../.name.XXXXXX" */
    const char *slash = strrchr(tmpl, '/');
    const char *prefix = slash ? slash + 1 : tmpl;
    size_t plen = strlen(prefix) - 6; /* mkostemp replaces the six X */
    int rc = 0;
    DIR *dp = opendir(dir);
    if (!dp) {
        if (errno != ENOENT)
            rc = posix__err(d, file_err(errno), errno, dir);
        goto out;
    }
    for (struct dirent *de; (de = readdir(dp)) != NULL;) {
        if (strlen(de->d_name) != plen + 6 || memcmp(de->d_name, prefix, plen) != 0 ||
            !entry_is_regular(dp, de))
            continue;
        if (unlinkat(dirfd(dp), de->d_name, 0) == 0)
            rc++;
    }
    closedir(dp);
out:
    free(tmpl);
    free(dir);
    return rc;
}

struct plat_atomic_file {
    int fd;
    char *path, *tmp, *dir;
};

int plat_file_atomic_begin(const char *path, unsigned mode, plat_atomic_file **out,
                           struct err_detail *d)
{
    struct plat_atomic_file *f = xcalloc(1, sizeof *f);
    f->tmp = temp_template(path, &f->dir);
    f->fd = mkostemp(f->tmp, O_CLOEXEC);
    if (f->fd < 0) {
        int rc = posix__err(d, file_err(errno), errno, path);
        free(f->tmp);
        f->tmp = NULL; /* nothing was created */
        plat_file_atomic_abort(f);
        return rc;
    }
    /* mkostemp creates 0600; fchmod sets the exact mode, independent of the umask. */
    if (fchmod(f->fd, (mode_t)(mode & 07777)) < 0) {
        int rc = posix__err(d, file_err(errno), errno, path);
        plat_file_atomic_abort(f);
        return rc;
    }
    f->path = xstrdup(path);
    *out = f;
    return 0;
}

int plat_file_atomic_write(plat_atomic_file *f, const void *data, size_t len, struct err_detail *d)
{
    if (write_all(f->fd, data, len) < 0)
        return posix__err(d, file_err(errno), errno, f->path);
    return 0;
}

int plat_file_atomic_commit(plat_atomic_file *f, struct err_detail *d)
{
    int rc = 0;
    if (fsync(f->fd) < 0 || close(f->fd) < 0) {
        f->fd = -1;
        rc = posix__err(d, file_err(errno), errno, f->path);
        plat_file_atomic_abort(f);
        return rc;
    }
    f->fd = -1;
    if (rename(f->tmp, f->path) < 0) {
        rc = posix__err(d, file_err(errno), errno, f->path);
        plat_file_atomic_abort(f);
        return rc;
    }
    /* In place; a failure now only means the rename may not survive a crash. */
    if (sync_dir(f->dir) < 0)
        rc = posix__err(d, ERR_IO, errno, f->dir);
    free(f->tmp);
    f->tmp = NULL;
    plat_file_atomic_abort(f); /* frees the rest; nothing left to remove */
    return rc;
}

void plat_file_atomic_abort(plat_atomic_file *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    if (f->tmp)
        unlink(f->tmp);
    free(f->tmp);
    free(f->dir);
    free(f->path);
    free(f);
}
