/* SPDX-License-Identifier: MIT */
/* Unit tests for posix/plat_ctl: directory and socket modes, connect/accept with the
 * peer check, a stale socket replaced, a live one refused, unsafe directories refused,
 * the default path rule. */
#include "common/platform.h"
#include "tests/assert.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char g_base[256];

static void path_in(char *out, size_t n, const char *rel)
{
    snprintf(out, n, "%s/%s", g_base, rel);
}

/* Accept one pending connection, waiting on the loop. */
static plat_sock *accept_wait(plat_loop *loop, plat_ctl *c, struct plat_ctl_peer *peer)
{
    for (int i = 0; i < 200; i++) {
        plat_sock *s = NULL;
        int rc = plat_ctl_accept(c, &s, peer);
        if (rc == 0)
            return s;
        ASSERT_EQ_INT(rc, ERR_AGAIN);
        plat_loop_run_once(loop, 10);
    }
    TEST_FAIL_("no connection to accept");
}

static void on_pending(void *ud)
{
    (*(int *)ud)++;
}

static void test_listen_connect_accept(plat_loop *loop)
{
    char path[300];
    path_in(path, sizeof path, "run/control.sock");
    struct err_detail d = {{0}, {0}, 0};
    plat_ctl *c = NULL;
    ASSERT_EQ_INT(plat_ctl_listen(loop, path, NULL, &c, &d), 0);
    struct stat st;
    char dir[300];
    path_in(dir, sizeof dir, "run");
    ASSERT_EQ_INT(stat(dir, &st), 0);
    ASSERT_EQ_INT(st.st_mode & 07777, 0750);
    ASSERT_EQ_INT(stat(path, &st), 0);
    ASSERT_TRUE(S_ISSOCK(st.st_mode));
    ASSERT_EQ_INT(st.st_mode & 07777, 0660);
    int pending = 0;
    ASSERT_EQ_INT(plat_ctl_watch(c, on_pending, &pending), 0);
    plat_sock *cl = NULL;
    ASSERT_EQ_INT(plat_ctl_connect(loop, path, &cl, &d), 0);
    plat_loop_run_once(loop, 1000);
    ASSERT_TRUE(pending > 0);
    struct plat_ctl_peer peer;
    plat_sock *sv = accept_wait(loop, c, &peer);
    ASSERT_TRUE(peer.allowed); /* our own uid */
    ASSERT_TRUE(strstr(peer.desc, "uid=") != NULL);
    ASSERT_EQ_INT(plat_sock_write(cl, "ping\n", 5), 5);
    char buf[16];
    long n = ERR_AGAIN;
    for (int i = 0; i < 100 && n == ERR_AGAIN; i++) {
        n = plat_sock_read(sv, buf, sizeof buf);
        if (n == ERR_AGAIN)
            plat_loop_run_once(loop, 10);
    }
    ASSERT_EQ_INT(n, 5);
    ASSERT_EQ_MEM(buf, 5, "ping\n", 5);
    /* A second broker on the same path is refused while this one lives. */
    plat_ctl *c2 = NULL;
    ASSERT_EQ_INT(plat_ctl_listen(loop, path, NULL, &c2, &d), ERR_ADDRINUSE);
    plat_sock_close(sv);
    plat_sock_close(cl);
    plat_ctl_close(c);
    ASSERT_TRUE(access(path, F_OK) != 0); /* removed on close */
    ASSERT_EQ_INT(plat_ctl_connect(loop, path, &cl, &d), ERR_NOTFOUND);
}

static void test_stale_and_unsafe(plat_loop *loop)
{
    char path[300];
    path_in(path, sizeof path, "stale/control.sock");
    struct err_detail d = {{0}, {0}, 0};
    plat_ctl *c = NULL;
    /* A socket file nobody listens on, as a crashed broker leaves it, is replaced. */
    char dir[300];
    path_in(dir, sizeof dir, "stale");
    ASSERT_EQ_INT(mkdir(dir, 0750), 0);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    ASSERT_TRUE(strlen(path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    ASSERT_EQ_INT(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
    ASSERT_EQ_INT(plat_ctl_listen(loop, path, NULL, &c, &d), 0);
    plat_sock *cl = NULL;
    ASSERT_EQ_INT(plat_ctl_connect(loop, path, &cl, &d), 0);
    plat_sock_close(cl);
    plat_ctl_close(c);
    /* A plain file in the way is not replaced. */
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    fclose(f);
    ASSERT_EQ_INT(plat_ctl_listen(loop, path, NULL, &c, &d), ERR_EXISTS);
    unlink(path);
    /* Not directly in /, an unknown group, or a path too long. */
    ASSERT_EQ_INT(plat_ctl_listen(loop, "/control.sock", NULL, &c, &d), ERR_PERM);
    ASSERT_EQ_INT(plat_ctl_listen(loop, path, "no-such-group-midge", &c, &d), ERR_NOTFOUND);
    char longp[400];
    memset(longp, 'a', sizeof longp);
    memcpy(longp, g_base, strlen(g_base));
    longp[strlen(g_base)] = '/';
    longp[sizeof longp - 1] = '\0';
    ASSERT_EQ_INT(plat_ctl_listen(loop, longp, NULL, &c, &d), ERR_TOOBIG);
    /* A directory owned by someone else (root's /tmp when we are not root) is refused;
     * as root the sticky world-writable /tmp is still not taken over: its mode would
     * change. The test only checks the non-root rule. */
    if (geteuid() != 0)
        ASSERT_EQ_INT(plat_ctl_listen(loop, "/tmp/midge-test.sock", NULL, &c, &d), ERR_PERM);
}

static void test_default_path(void)
{
    char out[256];
    struct err_detail d = {{0}, {0}, 0};
    int rc = plat_ctl_default_path(out, sizeof out, &d);
    if (geteuid() < 1000) {
        ASSERT_EQ_INT(rc, 0);
        ASSERT_EQ_STR(out, "/run/midge/control.sock");
    }
    ASSERT_EQ_INT(plat_ctl_default_path(out, 4, &d), geteuid() < 1000 ? ERR_TOOBIG : rc);
}

int main(void)
{
    snprintf(g_base, sizeof g_base, "/tmp/midge-ctl-test-XXXXXX");
    ASSERT_TRUE(mkdtemp(g_base) != NULL);
    plat_loop *loop = NULL;
    ASSERT_EQ_INT(plat_loop_new(&loop, NULL), 0);
    test_listen_connect_accept(loop);
    test_stale_and_unsafe(loop);
    test_default_path();
    plat_loop_free(loop);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_base);
    ASSERT_EQ_INT(system(cmd), 0);
    puts("test_plat_ctl: ok");
    return 0;
}
