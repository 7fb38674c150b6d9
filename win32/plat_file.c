/* SPDX-License-Identifier: MIT */
/* Windows file access: bounded whole-file reads, atomic replacement (write-through
 * temporary file, then MoveFileExW/ReplaceFileW), directory listing and append-only log
 * files. Every path is UTF-8 with %VAR% references expanded (win32__path). */
#include "win32/win32_internal.h"

#include "common/mem.h"

#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct plat_file {
    HANDLE h;
};

static int write_all(HANDLE h, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        DWORD chunk = len > 0x40000000u ? 0x40000000u : (DWORD)len;
        DWORD done = 0;
        if (!WriteFile(h, p, chunk, &done, NULL))
            return -1;
        p += done;
        len -= done;
    }
    return 0;
}

/* Read h to its end (at most max bytes) into a NUL-terminated buffer. */
static int read_handle(HANDLE h, size_t max, char **data, size_t *len)
{
    size_t cap = 4096, used = 0;
    char *buf = xmalloc(cap + 1);
    for (;;) {
        if (used == cap) {
            if (cap > max) {
                free(buf);
                return ERR_TOOBIG;
            }
            cap *= 2;
            buf = xrealloc(buf, cap + 1);
        }
        DWORD want = cap - used > 0x40000000u ? 0x40000000u : (DWORD)(cap - used);
        DWORD got = 0;
        if (!ReadFile(h, buf + used, want, &got, NULL)) {
            free(buf);
            return -1;
        }
        if (got == 0)
            break;
        used += got;
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
    wchar_t *w = win32__path(path, d);
    if (!w)
        return ERR_INVAL;
    DWORD attr = GetFileAttributesW(w);
    if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY)) {
        free(w);
        return err_set(d, ERR_IO, NULL, 0, "%s: is a directory", path);
    }
    HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD e = GetLastError();
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return win32__err(d, win32__file_code(e), e, path);
    LARGE_INTEGER size;
    if (GetFileSizeEx(h, &size) && (uint64_t)size.QuadPart > max) {
        CloseHandle(h);
        return err_set(d, ERR_TOOBIG, NULL, 0, "%s: larger than %zu bytes", path, max);
    }
    int rc = read_handle(h, max, data, len);
    e = GetLastError();
    CloseHandle(h);
    if (rc == ERR_TOOBIG)
        return err_set(d, ERR_TOOBIG, NULL, 0, "%s: larger than %zu bytes", path, max);
    if (rc < 0)
        return win32__err(d, ERR_IO, e, path);
    return 0;
}

/* The security descriptor of a new file: for modes without group/other bits (0600,
 * 0640 is treated as private too, since Windows has no file group) a protected DACL
 * admitting only SYSTEM, Administrators and the file's owner; otherwise NULL (inherit
 * the folder's ACL). Free with LocalFree. */
PSECURITY_DESCRIPTOR win32__file_private_sd(unsigned mode)
{
    if (mode & 0004)
        return NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
            L"D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;OW)", SDDL_REVISION_1, &sd, NULL))
        return NULL;
    return sd;
}

/* A temporary name next to path: "<path>.<16 hex digits>.tmp". */
wchar_t *win32__file_temp_name(const wchar_t *path)
{
    uint64_t r = 0;
    plat_random_bytes(&r, sizeof r);
    size_t n = wcslen(path) + 24;
    wchar_t *t = xmalloc(n * sizeof *t);
    _snwprintf(t, n, L"%ls.%016llx.tmp", path, (unsigned long long)r);
    t[n - 1] = L'\0';
    return t;
}

/* Create and fill the temporary file, flushed to disk. Returns 0 or a Windows error. */
static DWORD fill_temp(const wchar_t *tmp, const void *data, size_t len, unsigned mode)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, win32__file_private_sd(mode), FALSE};
    HANDLE h = CreateFileW(tmp, GENERIC_WRITE, 0, &sa, CREATE_NEW,
                           FILE_ATTRIBUTE_NORMAL | FILE_FLAG_WRITE_THROUGH, NULL);
    DWORD e = GetLastError();
    if (sa.lpSecurityDescriptor)
        LocalFree(sa.lpSecurityDescriptor);
    if (h == INVALID_HANDLE_VALUE)
        return e;
    e = write_all(h, data, len) == 0 && FlushFileBuffers(h) ? 0 : GetLastError();
    CloseHandle(h);
    if (e == 0 && !(mode & 0222))
        SetFileAttributesW(tmp, FILE_ATTRIBUTE_READONLY);
    return e;
}

/* Rename tmp over path. MoveFileExW is the atomic rename; when the target is held open
 * without delete sharing (an editor, a virus scanner), ReplaceFileW still manages. */
DWORD win32__file_replace(const wchar_t *tmp, const wchar_t *path)
{
    if (MoveFileExW(tmp, path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        return 0;
    DWORD e = GetLastError();
    if (e != ERROR_ACCESS_DENIED && e != ERROR_SHARING_VIOLATION)
        return e;
    if (ReplaceFileW(path, tmp, NULL, REPLACEFILE_IGNORE_MERGE_ERRORS, NULL, NULL))
        return 0;
    return e;
}

int plat_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                           struct err_detail *d)
{
    wchar_t *w = win32__path(path, d);
    if (!w)
        return ERR_INVAL;
    wchar_t *tmp = win32__file_temp_name(w);
    int rc = 0;
    DWORD e = fill_temp(tmp, data, len, mode);
    if (e == 0)
        e = win32__file_replace(tmp, w);
    if (e != 0) {
        rc = win32__err(d, win32__file_code(e), e, path);
        SetFileAttributesW(tmp, FILE_ATTRIBUTE_NORMAL);
        DeleteFileW(tmp);
    }
    free(tmp);
    free(w);
    return rc;
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
    wchar_t *w = win32__path(dir, d);
    if (!w)
        return ERR_INVAL;
    DWORD attr = GetFileAttributesW(w);
    if (attr != INVALID_FILE_ATTRIBUTES && !(attr & FILE_ATTRIBUTE_DIRECTORY)) {
        free(w);
        return err_set(d, ERR_INVAL, NULL, 0, "%s: not a directory", dir);
    }
    size_t n = wcslen(w) + 3;
    wchar_t *pattern = xmalloc(n * sizeof *pattern);
    _snwprintf(pattern, n, L"%ls\\*", w);
    pattern[n - 1] = L'\0';
    free(w);
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileExW(pattern, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
    DWORD e = GetLastError();
    free(pattern);
    char **v = NULL;
    size_t len = 0, cap = 0;
    if (h == INVALID_HANDLE_VALUE && e != ERROR_FILE_NOT_FOUND)
        return win32__err(d, win32__file_code(e), e, dir);
    const char *sfx = suffix ? suffix : "";
    for (bool more = h != INVALID_HANDLE_VALUE; more; more = FindNextFileW(h, &fd)) {
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
            continue;
        char *name = win32__utf8(fd.cFileName);
        if (!has_suffix(name, sfx)) {
            free(name);
            continue;
        }
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[len++] = name;
    }
    if (h != INVALID_HANDLE_VALUE)
        FindClose(h);
    *names = v;
    *count = len;
    return 0;
}

bool plat_path_is_dir(const char *path)
{
    wchar_t *w = win32__path(path, NULL);
    if (!w)
        return false;
    DWORD attr = GetFileAttributesW(w);
    free(w);
    return attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY);
}

int plat_file_open_append(const char *path, plat_file **out, struct err_detail *d)
{
    wchar_t *w = win32__path(path, d);
    if (!w)
        return ERR_INVAL;
    /* FILE_APPEND_DATA without FILE_WRITE_DATA: every write lands at the end, even with
     * another writer. Readers and log rotation (rename/delete) stay possible. */
    HANDLE h = CreateFileW(w, FILE_APPEND_DATA | SYNCHRONIZE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD e = GetLastError();
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return win32__err(d, win32__file_code(e), e, path);
    plat_file *f = xmalloc(sizeof *f);
    f->h = h;
    *out = f;
    return 0;
}

int plat_file_write(plat_file *f, const void *data, size_t len)
{
    return write_all(f->h, data, len) < 0 ? ERR_IO : 0;
}

void plat_file_close(plat_file *f)
{
    if (!f)
        return;
    CloseHandle(f->h);
    free(f);
}
