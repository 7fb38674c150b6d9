/* SPDX-License-Identifier: MIT */
/* Windows paths and strings: UTF-8/UTF-16 conversion, %VAR% expansion, the data folder
 * %ProgramData%\midge and the default configuration file, and error texts. */
#include "win32/win32_internal.h"

#include "common/mem.h"

#include <knownfolders.h>
#include <shlobj.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wchar_t *win32__wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *w = xmalloc((size_t)n * sizeof *w);
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}

char *win32__utf8(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return xstrdup("");
    char *s = xmalloc((size_t)n);
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

/* Expand %VAR% references; an unknown variable stays as written (as cmd.exe does). */
static wchar_t *expand_wide(const wchar_t *w)
{
    DWORD n = ExpandEnvironmentStringsW(w, NULL, 0);
    if (n == 0)
        return NULL;
    wchar_t *out = xmalloc((size_t)n * sizeof *out);
    if (ExpandEnvironmentStringsW(w, out, n) == 0 || wcslen(out) + 1 > n) {
        free(out);
        return NULL;
    }
    return out;
}

wchar_t *win32__path(const char *path, struct err_detail *d)
{
    wchar_t *w = win32__wide(path);
    if (!w) {
        err_set(d, ERR_INVAL, NULL, 0, "%s: path is not valid UTF-8", path);
        return NULL;
    }
    if (!wcschr(w, L'%'))
        return w;
    wchar_t *e = expand_wide(w);
    free(w);
    if (!e)
        err_set(d, ERR_INVAL, NULL, 0, "%s: cannot expand the path", path);
    return e;
}

int plat_path_expand(const char *path, char **out)
{
    wchar_t *w = win32__path(path, NULL);
    if (!w)
        return ERR_INVAL;
    *out = win32__utf8(w);
    free(w);
    return 0;
}

int win32__err(struct err_detail *d, int code, DWORD err, const char *what)
{
    wchar_t buf[256];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err,
                             MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), buf,
                             (DWORD)(sizeof buf / sizeof buf[0]), NULL);
    /* System messages end with ".\r\n"; a log line wants neither. */
    while (n > 0 && (buf[n - 1] == L'\n' || buf[n - 1] == L'\r' || buf[n - 1] == L'.'))
        buf[--n] = L'\0';
    if (n == 0)
        return err_set(d, code, NULL, 0, "%s: Windows error %lu", what, (unsigned long)err);
    char *text = win32__utf8(buf);
    err_set(d, code, NULL, 0, "%s: %s", what, text);
    free(text);
    return code;
}

int win32__file_code(DWORD err)
{
    switch (err) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_NETPATH:
        return ERR_NOTFOUND;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_WRITE_PROTECT:
        return ERR_PERM;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return ERR_NOMEM;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
        return ERR_EXISTS;
    default:
        return ERR_IO;
    }
}

static INIT_ONCE data_once = INIT_ONCE_STATIC_INIT;
static wchar_t data_dir[MAX_PATH];

/* The known folder, not %ProgramData%: a service's environment may lack the variable
 * or (under Wine) point it elsewhere. */
static BOOL CALLBACK data_dir_init(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    PWSTR base = NULL;
    if (SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, NULL, &base) == S_OK &&
        wcslen(base) + 8 < MAX_PATH)
        _snwprintf(data_dir, MAX_PATH, L"%ls\\midge", base);
    else
        wcscpy(data_dir, L"C:\\ProgramData\\midge");
    CoTaskMemFree(base);
    CreateDirectoryW(data_dir, NULL); /* exists already in the normal case */
    return TRUE;
}

const wchar_t *win32__data_dir(void)
{
    InitOnceExecuteOnce(&data_once, data_dir_init, NULL, NULL);
    return data_dir;
}

/* %ProgramData%\midge\midge.conf when that file exists; otherwise the built-in defaults
 * (local listeners only), as on POSIX. */
const char *plat_path_default_config(void)
{
    static char path[MAX_PATH * 3];
    wchar_t w[MAX_PATH + 16];
    _snwprintf(w, MAX_PATH + 16, L"%ls\\midge.conf", win32__data_dir());
    w[MAX_PATH + 15] = L'\0';
    DWORD attr = GetFileAttributesW(w);
    if (attr == INVALID_FILE_ATTRIBUTES || (attr & FILE_ATTRIBUTE_DIRECTORY))
        return NULL;
    if (WideCharToMultiByte(CP_UTF8, 0, w, -1, path, (int)sizeof path, NULL, NULL) <= 0)
        return NULL;
    return path;
}
