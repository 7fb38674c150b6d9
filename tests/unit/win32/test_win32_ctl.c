/* SPDX-License-Identifier: MIT */
/* Tests of the Windows control endpoint (named pipe, its DACL, the peer check) and of
 * pipe streams in the loop, against the real Win32 API (under Wine in CI). */
#include "win32/win32_internal.h"

#include "tests/assert.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char name[128];

/* Run the loop until *flag is set (bounded: a hang fails instead of blocking ctest). */
static void run_until(plat_loop *loop, const bool *flag)
{
    for (int i = 0; i < 200 && !*flag; i++)
        ASSERT_TRUE(plat_loop_run_once(loop, 100) >= 0);
    ASSERT_TRUE(*flag);
}

struct server {
    plat_ctl *ep;
    plat_sock *conn;
    struct plat_ctl_peer peer;
    bool accepted;
};

static void on_pending(void *ud)
{
    struct server *sv = ud;
    plat_sock *s = NULL;
    int rc = plat_ctl_accept(sv->ep, &s, &sv->peer);
    if (rc == ERR_AGAIN)
        return;
    ASSERT_EQ_INT(rc, 0);
    ASSERT_TRUE(sv->conn == NULL);
    sv->conn = s;
    sv->accepted = true;
}

/* A reader that collects everything until end of stream. */
struct sink {
    char *data;
    size_t len, cap;
    int end; /* 0 while open, then the final read's result */
    bool done;
};

static void on_sink(plat_sock *s, unsigned events, void *ud)
{
    (void)events;
    struct sink *k = ud;
    for (;;) {
        char buf[3000];
        long n = plat_sock_read(s, buf, sizeof buf);
        if (n == ERR_AGAIN)
            return;
        if (n < 0) {
            k->end = (int)n;
            k->done = true;
            plat_sock_watch(s, 0, NULL, NULL);
            return;
        }
        if (k->len + (size_t)n > k->cap) {
            k->cap = (k->len + (size_t)n) * 2;
            k->data = realloc(k->data, k->cap);
        }
        memcpy(k->data + k->len, buf, (size_t)n);
        k->len += (size_t)n;
    }
}

/* A writer that sends len bytes of a pattern, then closes its socket. */
struct source {
    size_t len, off;
    bool done;
};

static char pattern(size_t i)
{
    return (char)('a' + (i * 7) % 26);
}

static void on_source(plat_sock *s, unsigned events, void *ud)
{
    (void)events;
    struct source *o = ud;
    while (o->off < o->len) {
        char buf[5000];
        size_t n = o->len - o->off < sizeof buf ? o->len - o->off : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(o->off + i);
        long w = plat_sock_write(s, buf, n);
        if (w == ERR_AGAIN)
            return; /* WRITE readiness calls us again */
        ASSERT_TRUE(w > 0);
        o->off += (size_t)w;
    }
    o->done = true;
    plat_sock_close(s);
}

static void test_default_path_and_bad_paths(void)
{
    char p[64];
    struct err_detail d = {{0}, {0}, 0};
    ASSERT_EQ_INT(plat_ctl_default_path(p, sizeof p, &d), 0);
    ASSERT_EQ_STR(p, "\\\\.\\pipe\\midge-control");
    ASSERT_EQ_INT(plat_ctl_default_path(p, 8, &d), ERR_TOOBIG);
    plat_loop *loop = NULL;
    ASSERT_EQ_INT(plat_loop_new(&loop, &d), 0);
    plat_ctl *ep = NULL;
    ASSERT_EQ_INT(plat_ctl_listen(loop, "C:\\midge\\control.sock", NULL, &ep, &d), ERR_INVAL);
    ASSERT_TRUE(strstr(d.msg, "named pipe") != NULL);
    ASSERT_EQ_INT(plat_ctl_listen(loop, "\\\\.\\pipe\\", NULL, &ep, &d), ERR_INVAL);
    ASSERT_EQ_INT(plat_ctl_listen(loop, name, "no-such-group-midge", &ep, &d), ERR_NOTFOUND);
    ASSERT_TRUE(strstr(d.msg, "no-such-group-midge") != NULL);
    ASSERT_EQ_INT(plat_ctl_listen(loop, name, "Everyone", &ep, &d), 0); /* a known group */
    plat_ctl_close(ep);
    plat_sock *s = NULL;
    ASSERT_EQ_INT(plat_ctl_connect(loop, "\\\\.\\pipe\\midge-test-nobody-here", &s, &d),
                  ERR_NOTFOUND);
    ASSERT_EQ_INT(plat_ctl_connect(loop, "/run/midge/control.sock", &s, &d), ERR_INVAL);
    plat_loop_free(loop);
}

/* Listen, connect, exchange both ways (more than the pipe and record buffers hold, so
 * partial writes and WRITE readiness are exercised), and see end of stream both ways. */
static void test_exchange(void)
{
    struct err_detail d = {{0}, {0}, 0};
    plat_loop *loop = NULL;
    ASSERT_EQ_INT(plat_loop_new(&loop, &d), 0);
    struct server sv = {0};
    ASSERT_EQ_INT(plat_ctl_listen(loop, name, NULL, &sv.ep, &d), 0);
    ASSERT_EQ_INT(plat_ctl_watch(sv.ep, on_pending, &sv), 0);

    plat_ctl *again = NULL;
    ASSERT_EQ_INT(plat_ctl_listen(loop, name, NULL, &again, &d), ERR_ADDRINUSE);

    plat_sock *cl = NULL;
    ASSERT_EQ_INT(plat_ctl_connect(loop, name, &cl, &d), 0);
    run_until(loop, &sv.accepted);
    ASSERT_TRUE(sv.peer.allowed);
    char pid[32];
    snprintf(pid, sizeof pid, "pid=%lu ", GetCurrentProcessId());
    ASSERT_TRUE(strstr(sv.peer.desc, pid) == sv.peer.desc);

    /* client -> server: 300 KB, then the client closes; the server sees it all, then
     * ERR_CLOSED. */
    struct source up = {.len = 300000};
    struct sink got = {0};
    ASSERT_EQ_INT(plat_sock_watch(cl, PLAT_EV_WRITE, on_source, &up), 0);
    ASSERT_EQ_INT(plat_sock_watch(sv.conn, PLAT_EV_READ, on_sink, &got), 0);
    run_until(loop, &got.done);
    ASSERT_TRUE(up.done);
    ASSERT_EQ_INT(got.end, ERR_CLOSED);
    ASSERT_EQ_INT((long long)got.len, 300000);
    for (size_t i = 0; i < got.len; i++)
        ASSERT_EQ_INT(got.data[i], pattern(i));
    plat_sock_close(sv.conn);
    free(got.data);

    /* A second client on the same endpoint; the server answers and closes at once (the
     * refusal path of the control server): the client still reads the answer. */
    sv.conn = NULL;
    sv.accepted = false;
    ASSERT_EQ_INT(plat_ctl_connect(loop, name, &cl, &d), 0);
    run_until(loop, &sv.accepted);
    ASSERT_EQ_INT(plat_sock_write(sv.conn, "bye\n", 4), 4);
    plat_sock_close(sv.conn);
    struct sink bye = {0};
    ASSERT_EQ_INT(plat_sock_watch(cl, PLAT_EV_READ, on_sink, &bye), 0);
    run_until(loop, &bye.done);
    ASSERT_EQ_INT((long long)bye.len, 4);
    ASSERT_TRUE(memcmp(bye.data, "bye\n", 4) == 0);
    ASSERT_EQ_INT(bye.end, ERR_CLOSED);
    ASSERT_EQ_INT(plat_sock_write(cl, "x", 1), ERR_CLOSED);
    plat_sock_close(cl);
    free(bye.data);

    /* After close the name is free again and clients find nothing. */
    plat_ctl_close(sv.ep);
    ASSERT_EQ_INT(plat_ctl_connect(loop, name, &cl, &d), ERR_NOTFOUND);
    ASSERT_EQ_INT(plat_ctl_listen(loop, name, NULL, &sv.ep, &d), 0);
    plat_ctl_close(sv.ep);
    plat_loop_free(loop);
}

/* The SID string of ace i of acl (LocalFree), or NULL. */
static wchar_t *ace_sid(PACL acl, DWORD i, BYTE *type)
{
    ACE_HEADER *h = NULL;
    if (!GetAce(acl, i, (void **)&h))
        return NULL;
    *type = h->AceType;
    wchar_t *s = NULL;
    ConvertSidToStringSidW(&((ACCESS_ALLOWED_ACE *)h)->SidStart, &s);
    return s;
}

/* The pipe carries a protected DACL with SYSTEM, Administrators and our user only. */
static void test_dacl(void)
{
    struct err_detail d = {{0}, {0}, 0};
    plat_loop *loop = NULL;
    ASSERT_EQ_INT(plat_loop_new(&loop, &d), 0);
    plat_ctl *ep = NULL;
    ASSERT_EQ_INT(plat_ctl_listen(loop, name, NULL, &ep, &d), 0);
    wchar_t *w = win32__wide(name);
    HANDLE h = CreateFileW(w, READ_CONTROL, 0, NULL, OPEN_EXISTING, 0, NULL);
    free(w);
    ASSERT_TRUE(h != INVALID_HANDLE_VALUE);
    PACL acl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    ASSERT_EQ_INT(GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &acl,
                                  NULL, &sd),
                  ERROR_SUCCESS);
    SECURITY_DESCRIPTOR_CONTROL ctl = 0;
    DWORD rev = 0;
    ASSERT_TRUE(GetSecurityDescriptorControl(sd, &ctl, &rev));
    ASSERT_TRUE((ctl & SE_DACL_PROTECTED) != 0);
    ASSERT_TRUE(acl != NULL);
    ASSERT_EQ_INT(acl->AceCount, 3);
    const wchar_t *want[2] = {L"S-1-5-18", L"S-1-5-32-544"};
    for (DWORD i = 0; i < 3; i++) {
        BYTE type = 0xff;
        wchar_t *s = ace_sid(acl, i, &type);
        ASSERT_TRUE(s != NULL);
        ASSERT_EQ_INT(type, ACCESS_ALLOWED_ACE_TYPE);
        if (i < 2)
            ASSERT_TRUE(wcscmp(s, want[i]) == 0);
        ASSERT_TRUE(wcscmp(s, L"S-1-1-0") != 0);      /* Everyone */
        ASSERT_TRUE(wcscmp(s, L"S-1-5-32-545") != 0); /* Users */
        LocalFree(s);
    }
    LocalFree(sd);
    CloseHandle(h);
    plat_ctl_close(ep);
    plat_loop_free(loop);
}

/* A copy of our token with the given SIDs made deny-only. */
static HANDLE restricted(const WELL_KNOWN_SID_TYPE *types, size_t n, bool self)
{
    HANDLE tok = NULL, out = NULL;
    ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_ALL_ACCESS, &tok));
    BYTE sids[4][SECURITY_MAX_SID_SIZE];
    SID_AND_ATTRIBUTES dis[5];
    DWORD k = 0;
    for (size_t i = 0; i < n; i++) {
        DWORD len = sizeof sids[i];
        ASSERT_TRUE(CreateWellKnownSid(types[i], NULL, sids[i], &len));
        dis[k].Sid = sids[i];
        dis[k++].Attributes = 0;
    }
    union {
        TOKEN_USER tu;
        BYTE raw[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } u;
    DWORD len = 0;
    ASSERT_TRUE(GetTokenInformation(tok, TokenUser, &u, (DWORD)sizeof u, &len));
    if (self) {
        dis[k].Sid = u.tu.User.Sid;
        dis[k++].Attributes = 0;
    }
    ASSERT_TRUE(CreateRestrictedToken(tok, 0, k, dis, 0, NULL, 0, NULL, &out));
    CloseHandle(tok);
    return out;
}

/* The SID of our own user (free()). */
static PSID own_sid(void)
{
    HANDLE tok = NULL;
    union {
        TOKEN_USER tu;
        BYTE raw[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } u;
    DWORD len = 0;
    ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok));
    ASSERT_TRUE(GetTokenInformation(tok, TokenUser, &u, (DWORD)sizeof u, &len));
    CloseHandle(tok);
    PSID s = malloc(GetLengthSid(u.tu.User.Sid));
    CopySid(GetLengthSid(u.tu.User.Sid), s, u.tu.User.Sid);
    return s;
}

/* The token check behind peer->allowed: our own token passes (as the broker's user and
 * as an Administrator); with Administrators and SYSTEM deny-only it passes only as the
 * broker's user or through the control group, and is refused for a broker running as
 * another user. */
static void test_token_check(void)
{
    PSID self = own_sid(), other = NULL, users = NULL;
    ASSERT_TRUE(ConvertStringSidToSidW(L"S-1-5-21-1000-2000-3000-1234", &other));
    ASSERT_TRUE(ConvertStringSidToSidW(L"S-1-1-0", &users)); /* Everyone */
    HANDLE tok = NULL;
    ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY | TOKEN_DUPLICATE, &tok));
    ASSERT_TRUE(win32__ctl_token_allowed(tok, self, NULL));
    ASSERT_TRUE(win32__ctl_token_allowed(tok, other, NULL)); /* Wine's user is an admin */
    CloseHandle(tok);

    const WELL_KNOWN_SID_TYPE strong[] = {WinBuiltinAdministratorsSid, WinLocalSystemSid};
    HANDLE weak = restricted(strong, 2, false);
    ASSERT_TRUE(win32__ctl_token_allowed(weak, self, NULL));
    ASSERT_FALSE(win32__ctl_token_allowed(weak, other, NULL));
    ASSERT_TRUE(win32__ctl_token_allowed(weak, other, users));
    CloseHandle(weak);
    free(self);
    LocalFree(other);
    LocalFree(users);
}

int main(void)
{
    snprintf(name, sizeof name, "\\\\.\\pipe\\midge-test-%lu", GetCurrentProcessId());
    test_default_path_and_bad_paths();
    test_exchange();
    test_dacl();
    test_token_check();
    puts("test_win32_ctl: ok");
    return 0;
}
