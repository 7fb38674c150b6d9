/* SPDX-License-Identifier: MIT */
/* Windows streaming atomic replacement (plat_file_atomic_*) and the clean-up of
 * temporary files left by a crash: the same "<path>.<16 hex>.tmp" names, write-through
 * handles and MoveFileExW/ReplaceFileW commit as plat_file_write_atomic in plat_file.c. */
#include "win32/win32_internal.h"

#include "common/mem.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

struct plat_atomic_file {
    HANDLE h;
    wchar_t *path, *tmp;
    char *upath; /* UTF-8 path, for messages */
};

int plat_file_atomic_begin(const char *path, unsigned mode, plat_atomic_file **out,
                           struct err_detail *d)
{
    wchar_t *w = win32__path(path, d);
    if (!w)
        return ERR_INVAL;
    struct plat_atomic_file *f = xcalloc(1, sizeof *f);
    f->path = w;
    f->upath = xstrdup(path);
    f->tmp = win32__file_temp_name(w);
    SECURITY_ATTRIBUTES sa = {sizeof sa, win32__file_private_sd(mode), FALSE};
    f->h = CreateFileW(f->tmp, GENERIC_WRITE, 0, &sa, CREATE_NEW,
                       FILE_ATTRIBUTE_NORMAL | FILE_FLAG_WRITE_THROUGH, NULL);
    DWORD e = GetLastError();
    if (sa.lpSecurityDescriptor)
        LocalFree(sa.lpSecurityDescriptor);
    if (f->h == INVALID_HANDLE_VALUE) {
        x_clear(&f->tmp); /* nothing was created */
        plat_file_atomic_abort(f);
        return win32__err(d, win32__file_code(e), e, path);
    }
    *out = f;
    return 0;
}

int plat_file_atomic_write(plat_atomic_file *f, const void *data, size_t len, struct err_detail *d)
{
    const char *p = data;
    while (len > 0) {
        DWORD chunk = len > 0x40000000u ? 0x40000000u : (DWORD)len;
        DWORD done = 0;
        if (!WriteFile(f->h, p, chunk, &done, NULL)) {
            DWORD e = GetLastError();
            return win32__err(d, win32__file_code(e), e, f->upath);
        }
        p += done;
        len -= done;
    }
    return 0;
}

int plat_file_atomic_commit(plat_atomic_file *f, struct err_detail *d)
{
    DWORD e = FlushFileBuffers(f->h) ? 0 : GetLastError();
    CloseHandle(f->h);
    f->h = INVALID_HANDLE_VALUE;
    if (e == 0)
        e = win32__file_replace(f->tmp, f->path);
    int rc = 0;
    if (e != 0)
        rc = win32__err(d, win32__file_code(e), e, f->upath);
    else
        x_clear(&f->tmp); /* renamed: nothing left to remove */
    plat_file_atomic_abort(f);
    return rc;
}

void plat_file_atomic_abort(plat_atomic_file *f)
{
    if (!f)
        return;
    if (f->h && f->h != INVALID_HANDLE_VALUE)
        CloseHandle(f->h);
    if (f->tmp)
        DeleteFileW(f->tmp);
    free(f->tmp);
    free(f->path);
    free(f->upath);
    free(f);
}

/* True if name is "<base>.<16 hex digits>.tmp". */
static bool is_temp_of(const wchar_t *name, const wchar_t *base)
{
    size_t bl = wcslen(base);
    if (wcslen(name) != bl + 21 || _wcsnicmp(name, base, bl) != 0 || name[bl] != L'.')
        return false;
    for (size_t i = bl + 1; i < bl + 17; i++)
        if (!iswxdigit(name[i]))
            return false;
    return _wcsicmp(name + bl + 17, L".tmp") == 0;
}

int plat_file_remove_stale_temps(const char *path, struct err_detail *d)
{
    wchar_t *w = win32__path(path, d);
    if (!w)
        return ERR_INVAL;
    wchar_t *slash = wcsrchr(w, L'\\');
    wchar_t *fwd = wcsrchr(w, L'/');
    if (!slash || (fwd && fwd > slash))
        slash = fwd;
    const wchar_t *base = slash ? slash + 1 : w;
    size_t dl = slash ? (size_t)(slash - w) : 0;
    size_t n = dl + wcslen(base) + 32;
    wchar_t *pattern = xmalloc(n * sizeof *pattern);
    _snwprintf(pattern, n, L"%.*ls%ls%ls.*.tmp", (int)dl, w, dl ? L"\\" : L"", base);
    pattern[n - 1] = L'\0';
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileExW(pattern, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
    DWORD e = GetLastError();
    free(pattern);
    int removed = 0;
    if (h == INVALID_HANDLE_VALUE) {
        free(w);
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND)
            return 0;
        return win32__err(d, ERR_IO, e, path);
    }
    do {
        if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || !is_temp_of(fd.cFileName, base))
            continue;
        size_t m = dl + wcslen(fd.cFileName) + 2;
        wchar_t *full = xmalloc(m * sizeof *full);
        _snwprintf(full, m, L"%.*ls%ls%ls", (int)dl, w, dl ? L"\\" : L"", fd.cFileName);
        full[m - 1] = L'\0';
        SetFileAttributesW(full, FILE_ATTRIBUTE_NORMAL);
        if (DeleteFileW(full))
            removed++;
        free(full);
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    free(w);
    return removed;
}
