/* SPDX-License-Identifier: MIT */
/* The Windows control endpoint: a local named pipe (\\.\pipe\midge-control) whose
 * protected DACL admits SYSTEM, Administrators, the broker's own account and the
 * control group only; each client is checked again on accept through its token.
 *
 * Why a pipe and not AF_UNIX: Windows 10 1803+ has AF_UNIX, but Wine 8 (where the tests
 * run) answers WSAEAFNOSUPPORT, and pipes carry a security descriptor of their own
 * instead of depending on a directory's ACL. The pipe streams themselves live in
 * plat_pipe.c; the protocol on top is the same as on POSIX. */
#include "win32/win32_internal.h"

#include "common/mem.h"

#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define CTL_PIPE_PREFIX "\\\\.\\pipe\\"
#define CTL_PIPE_DEFAULT CTL_PIPE_PREFIX "midge-control"
#define CTL_PIPE_MAX 256 /* characters of a pipe name, prefix included */
#define CTL_PIPE_BUFSZ 65536
#define CTL_CONNECT_TRIES 5
#define CTL_BUSY_WAIT_MS 1000
/* What the control group gets: read and FILE_WRITE_DATA, but not FILE_APPEND_DATA
 * (= FILE_CREATE_PIPE_INSTANCE: a member must not be able to pose as the broker). */
#define CTL_GROUP_RIGHTS L"0x12008b"
/* What a client asks for when it opens the pipe (within the group's rights). */
#define CTL_CLIENT_ACCESS (GENERIC_READ | FILE_WRITE_DATA)

struct plat_ctl {
    plat_loop *loop;
    plat_sock *listen; /* the instance waiting for the next client */
    wchar_t *name;
    PSECURITY_DESCRIPTOR sd; /* LocalFree */
    SECURITY_ATTRIBUTES sa;
    PSID self;  /* the broker's user (free) */
    PSID group; /* the control group, or NULL (free) */
    plat_hook_cb cb;
    void *ud;
};

int plat_ctl_default_path(char *out, size_t outlen, struct err_detail *d)
{
    if ((size_t)snprintf(out, outlen, "%s", CTL_PIPE_DEFAULT) >= outlen)
        return err_set(d, ERR_TOOBIG, NULL, 0, "control socket path too long");
    return 0;
}

/* The UTF-16 pipe name of path, which must be \\.\pipe\NAME. */
static int pipe_name(const char *path, wchar_t **out, struct err_detail *d)
{
    size_t pre = strlen(CTL_PIPE_PREFIX);
    if (_strnicmp(path, CTL_PIPE_PREFIX, pre) != 0 || !path[pre] || strchr(path + pre, '\\'))
        return err_set(d, ERR_INVAL, NULL, 0,
                       "%s: on Windows the control socket is a local named pipe "
                       "(\\\\.\\pipe\\NAME, default %s)",
                       path, CTL_PIPE_DEFAULT);
    if (strlen(path) >= CTL_PIPE_MAX)
        return err_set(d, ERR_TOOBIG, NULL, 0, "%s: pipe name too long", path);
    *out = win32__wide(path);
    if (!*out)
        return err_set(d, ERR_INVAL, NULL, 0, "%s: not valid UTF-8", path);
    return 0;
}

/* A copy (free()) of the user SID of the process. */
static int self_sid(PSID *out, struct err_detail *d)
{
    HANDLE tok;
    union {
        TOKEN_USER tu;
        BYTE raw[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } u;
    DWORD len = 0;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return win32__err(d, ERR_IO, GetLastError(), "process token");
    BOOL ok = GetTokenInformation(tok, TokenUser, &u, (DWORD)sizeof u, &len);
    DWORD e = GetLastError();
    CloseHandle(tok);
    if (!ok)
        return win32__err(d, ERR_IO, e, "process token user");
    DWORD n = GetLengthSid(u.tu.User.Sid);
    *out = xmalloc(n);
    CopySid(n, *out, u.tu.User.Sid);
    return 0;
}

/* The SID (free()) of the local group or account named group. */
static int group_sid(const char *group, PSID *out, struct err_detail *d)
{
    wchar_t *w = win32__wide(group);
    BYTE sid[SECURITY_MAX_SID_SIZE];
    DWORD sidlen = sizeof sid;
    wchar_t dom[256];
    DWORD domlen = sizeof dom / sizeof dom[0];
    SID_NAME_USE use;
    BOOL ok = w && LookupAccountNameW(NULL, w, sid, &sidlen, dom, &domlen, &use);
    DWORD e = GetLastError();
    free(w);
    if (!ok)
        return e == ERROR_NONE_MAPPED || !w
                   ? err_set(d, ERR_NOTFOUND, NULL, 0, "control_group '%s': no such group", group)
                   : win32__err(d, ERR_IO, e, "control_group lookup");
    DWORD n = GetLengthSid(sid);
    *out = xmalloc(n);
    CopySid(n, *out, sid);
    return 0;
}

/* The pipe's security descriptor: a protected DACL (nothing inherited) with full
 * access for SYSTEM, Administrators and the broker's user, read/write for the group. */
static int build_sd(plat_ctl *c, struct err_detail *d)
{
    wchar_t *self = NULL, *group = NULL;
    if (!ConvertSidToStringSidW(c->self, &self) ||
        (c->group && !ConvertSidToStringSidW(c->group, &group))) {
        int rc = win32__err(d, ERR_IO, GetLastError(), "control socket ACL");
        LocalFree(self);
        return rc;
    }
    wchar_t sddl[512], gace[200] = L"";
    if (group)
        swprintf(gace, sizeof gace / sizeof gace[0], L"(A;;%ls;;;%ls)", CTL_GROUP_RIGHTS, group);
    swprintf(sddl, sizeof sddl / sizeof sddl[0], L"D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;%ls)%ls",
             self, gace);
    LocalFree(self);
    LocalFree(group);
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &c->sd, NULL))
        return win32__err(d, ERR_IO, GetLastError(), "control socket ACL");
    c->sa.nLength = sizeof c->sa;
    c->sa.lpSecurityDescriptor = c->sd;
    c->sa.bInheritHandle = FALSE;
    return 0;
}

/* Create one server instance of the pipe; the first one must be the first instance of
 * that name (another broker, or anyone squatting the name, makes it ERR_ADDRINUSE). */
static int new_instance(plat_ctl *c, bool first, HANDLE *out, struct err_detail *d)
{
    /* FILE_FLAG_FIRST_PIPE_INSTANCE is the race-free check on Windows; Wine 8 ignores it,
     * so ask first whether any instance of the name exists (busy or not). */
    if (first && (WaitNamedPipeW(c->name, 1) || GetLastError() == ERROR_SEM_TIMEOUT)) {
        char *name = win32__utf8(c->name);
        int rc = err_set(d, ERR_ADDRINUSE, NULL, 0, "%s: another broker is listening", name);
        free(name);
        return rc;
    }
    DWORD open =
        PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
    DWORD mode = PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS;
    HANDLE h = CreateNamedPipeW(c->name, open, mode, PIPE_UNLIMITED_INSTANCES, CTL_PIPE_BUFSZ,
                                CTL_PIPE_BUFSZ, 0, &c->sa);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        char *name = win32__utf8(c->name);
        int rc;
        if (first && (e == ERROR_ACCESS_DENIED || e == ERROR_PIPE_BUSY))
            rc = err_set(d, ERR_ADDRINUSE, NULL, 0, "%s: another broker is listening", name);
        else
            rc = win32__err(d, ERR_IO, e, name);
        free(name);
        return rc;
    }
    *out = h;
    return 0;
}

static void ctl_free(plat_ctl *c)
{
    plat_sock_close(c->listen);
    free(c->name);
    if (c->sd)
        LocalFree(c->sd);
    free(c->self);
    free(c->group);
    free(c);
}

int plat_ctl_listen(plat_loop *loop, const char *path, const char *group, plat_ctl **out,
                    struct err_detail *d)
{
    plat_ctl *c = xcalloc(1, sizeof *c);
    c->loop = loop;
    HANDLE h = INVALID_HANDLE_VALUE;
    int rc = pipe_name(path, &c->name, d);
    if (rc == 0)
        rc = self_sid(&c->self, d);
    if (rc == 0 && group && group[0])
        rc = group_sid(group, &c->group, d);
    if (rc == 0)
        rc = build_sd(c, d);
    if (rc == 0)
        rc = new_instance(c, true, &h, d);
    if (rc == 0)
        rc = win32__pipe_sock_new(loop, h, true, &c->listen, d);
    if (rc < 0) {
        ctl_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void on_listen_ready(plat_sock *s, unsigned events, void *ud)
{
    (void)s;
    (void)events;
    plat_ctl *c = ud;
    c->cb(c->ud);
}

int plat_ctl_watch(plat_ctl *c, plat_hook_cb cb, void *ud)
{
    c->cb = cb;
    c->ud = ud;
    return plat_sock_watch(c->listen, cb ? PLAT_EV_READ : 0, on_listen_ready, c);
}

/* Whether the token's user is sid and not made deny-only (CheckTokenMembership on Wine
 * looks at the groups only). */
static bool token_user_is(HANDLE token, PSID sid)
{
    union {
        TOKEN_USER tu;
        BYTE raw[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } u;
    DWORD len = 0;
    return GetTokenInformation(token, TokenUser, &u, (DWORD)sizeof u, &len) &&
           !(u.tu.User.Attributes & SE_GROUP_USE_FOR_DENY_ONLY) && EqualSid(u.tu.User.Sid, sid);
}

bool win32__ctl_token_allowed(HANDLE token, PSID self, PSID group)
{
    BYTE system[SECURITY_MAX_SID_SIZE], admins[SECURITY_MAX_SID_SIZE];
    DWORD n1 = sizeof system, n2 = sizeof admins;
    if (!CreateWellKnownSid(WinLocalSystemSid, NULL, system, &n1) ||
        !CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, admins, &n2))
        return false;
    if (token_user_is(token, self) || token_user_is(token, system))
        return true;
    /* CheckTokenMembership wants an impersonation token; it ignores deny-only SIDs, so
     * a restricted or non-elevated token does not pass as Administrators. */
    HANDLE imp;
    if (!DuplicateToken(token, SecurityIdentification, &imp))
        return false;
    PSID sids[3] = {system, admins, group};
    bool ok = false;
    for (size_t i = 0; i < 3 && !ok; i++) {
        BOOL member = FALSE;
        ok = sids[i] && CheckTokenMembership(imp, sids[i], &member) && member;
    }
    CloseHandle(imp);
    return ok;
}

/* "DOMAIN\user" of token into out (or "?"). */
static void token_name(HANDLE token, char *out, size_t outlen)
{
    union {
        TOKEN_USER tu;
        BYTE raw[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } u;
    DWORD len = 0;
    wchar_t name[64], dom[64];
    DWORD nl = 64, dl = 64;
    SID_NAME_USE use;
    snprintf(out, outlen, "?");
    if (!GetTokenInformation(token, TokenUser, &u, (DWORD)sizeof u, &len) ||
        !LookupAccountSidW(NULL, u.tu.User.Sid, name, &nl, dom, &dl, &use))
        return;
    char *n = win32__utf8(name), *dm = win32__utf8(dom);
    snprintf(out, outlen, "%s\\%s", dm, n);
    free(n);
    free(dm);
}

/* The client's token: through its process, or by impersonating it when the broker may
 * not open that process (a client of higher integrity than a console broker). */
static HANDLE client_token(HANDLE pipe, ULONG pid)
{
    HANDLE tok = NULL;
    HANDLE proc = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (proc) {
        if (!OpenProcessToken(proc, TOKEN_QUERY | TOKEN_DUPLICATE, &tok))
            tok = NULL;
        CloseHandle(proc);
    }
    if (tok || !ImpersonateNamedPipeClient(pipe))
        return tok;
    if (!OpenThreadToken(GetCurrentThread(), TOKEN_QUERY | TOKEN_DUPLICATE, TRUE, &tok))
        tok = NULL;
    RevertToSelf();
    return tok;
}

/* Decide whether the client on pipe may use the endpoint, and describe it. */
static void check_peer(const plat_ctl *c, HANDLE pipe, struct plat_ctl_peer *peer)
{
    ULONG pid = 0;
    memset(peer, 0, sizeof *peer);
    if (!GetNamedPipeClientProcessId(pipe, &pid)) {
        snprintf(peer->desc, sizeof peer->desc, "unknown peer (error %lu)", GetLastError());
        return;
    }
    HANDLE tok = client_token(pipe, pid);
    if (!tok) {
        snprintf(peer->desc, sizeof peer->desc, "pid=%lu (token unavailable)", pid);
        return;
    }
    char who[80];
    token_name(tok, who, sizeof who);
    snprintf(peer->desc, sizeof peer->desc, "pid=%lu user=%s", pid, who);
    peer->allowed = win32__ctl_token_allowed(tok, c->self, c->group);
    CloseHandle(tok);
}

int plat_ctl_accept(plat_ctl *c, plat_sock **out, struct plat_ctl_peer *peer)
{
    int state = win32__pipe_listen_state(c->listen);
    if (state == 0)
        return ERR_AGAIN;
    HANDLE fresh = INVALID_HANDLE_VALUE;
    if (new_instance(c, false, &fresh, NULL) < 0)
        return ERR_LIMIT; /* stays ready: the next call tries again */
    HANDLE h = win32__pipe_exchange(c->listen, fresh);
    if (state < 0) {
        CloseHandle(h);
        return ERR_IO;
    }
    check_peer(c, h, peer);
    return win32__pipe_sock_new(c->loop, h, false, out, NULL) < 0 ? ERR_IO : 0;
}

void plat_ctl_close(plat_ctl *c)
{
    if (c)
        ctl_free(c);
}

/* Open the client end of the pipe, waiting (bounded) while every instance is busy. */
static HANDLE open_client(const wchar_t *name)
{
    HANDLE h = INVALID_HANDLE_VALUE;
    for (int i = 0; i < CTL_CONNECT_TRIES; i++) {
        h = CreateFileW(name, CTL_CLIENT_ACCESS, 0, NULL, OPEN_EXISTING,
                        FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
                        NULL);
        if (h != INVALID_HANDLE_VALUE || GetLastError() != ERROR_PIPE_BUSY)
            break;
        if (!WaitNamedPipeW(name, CTL_BUSY_WAIT_MS) && GetLastError() != ERROR_SEM_TIMEOUT)
            break;
        SetLastError(ERROR_PIPE_BUSY);
    }
    return h;
}

int plat_ctl_connect(plat_loop *loop, const char *path, plat_sock **out, struct err_detail *d)
{
    wchar_t *name = NULL;
    int rc = pipe_name(path, &name, d);
    if (rc < 0)
        return rc;
    HANDLE h = open_client(name);
    DWORD e = GetLastError();
    free(name);
    if (h == INVALID_HANDLE_VALUE) {
        int code = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? ERR_NOTFOUND
                   : e == ERROR_ACCESS_DENIED                             ? ERR_PERM
                   : e == ERROR_PIPE_BUSY                                 ? ERR_REFUSED
                                                                          : ERR_IO;
        return win32__err(d, code, e, path);
    }
    return win32__pipe_sock_new(loop, h, false, out, d);
}
