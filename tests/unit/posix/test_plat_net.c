/* SPDX-License-Identifier: MIT */
/* Tests of POSIX addresses and sockets over real loopback TCP: resolve, format, listen,
 * accept, connect, read, write and the error translations. */
#include "common/platform.h"
#include "tests/assert.h"
#include "tests/unit/posix/test_helpers.h"

#include <signal.h>

static plat_loop *new_loop(void)
{
    plat_loop *loop = NULL;
    ASSERT_EQ_INT(plat_loop_new(&loop, NULL), 0);
    return loop;
}

/* Resolve host:port and render the first answer. */
static int resolve_fmt(const char *host, enum plat_family fam, bool passive, char *out,
                       size_t outlen)
{
    struct plat_addr a[4];
    struct err_detail d = {0};
    int n = plat_net_resolve(host, 1883, fam, passive, a, 4, &d);
    if (n > 0)
        plat_addr_format(&a[0], out, outlen);
    return n;
}

static void test_resolve_numeric(void)
{
    char s[64];
    ASSERT_EQ_INT(resolve_fmt("127.0.0.1", PLAT_AF_ANY, false, s, sizeof s), 1);
    ASSERT_EQ_STR(s, "127.0.0.1:1883");
    ASSERT_EQ_INT(resolve_fmt("::1", PLAT_AF_ANY, false, s, sizeof s), 1);
    ASSERT_EQ_STR(s, "[::1]:1883");
    ASSERT_EQ_INT(resolve_fmt("10.1.2.3", PLAT_AF_INET, true, s, sizeof s), 1);
    ASSERT_EQ_STR(s, "10.1.2.3:1883");

    struct plat_addr a;
    ASSERT_EQ_INT(plat_net_resolve("::1", 1, PLAT_AF_ANY, false, &a, 1, NULL), 1);
    ASSERT_EQ_INT(plat_addr_family(&a), PLAT_AF_INET6);
    ASSERT_EQ_INT(plat_net_resolve("127.0.0.1", 1, PLAT_AF_ANY, false, &a, 1, NULL), 1);
    ASSERT_EQ_INT(plat_addr_family(&a), PLAT_AF_INET);
}

static void test_resolve_wildcard_and_family(void)
{
    char s[64];
    ASSERT_EQ_INT(resolve_fmt(NULL, PLAT_AF_INET, true, s, sizeof s), 1);
    ASSERT_EQ_STR(s, "0.0.0.0:1883");
    ASSERT_EQ_INT(resolve_fmt("", PLAT_AF_INET6, true, s, sizeof s), 1);
    ASSERT_EQ_STR(s, "[::]:1883");
    /* Not passive: the empty host means loopback. */
    ASSERT_EQ_INT(resolve_fmt(NULL, PLAT_AF_INET, false, s, sizeof s), 1);
    ASSERT_EQ_STR(s, "127.0.0.1:1883");
    /* Both families of the wildcard. */
    struct plat_addr a[4];
    int n = plat_net_resolve(NULL, 1883, PLAT_AF_ANY, true, a, 4, NULL);
    ASSERT_EQ_INT(n, 2);
    ASSERT_NE_INT(plat_addr_family(&a[0]), plat_addr_family(&a[1]));
    ASSERT_EQ_INT(plat_net_resolve(NULL, 1883, PLAT_AF_ANY, true, a, 1, NULL), 1);
    /* The family filter rejects an address of the other family. */
    struct err_detail d = {0};
    ASSERT_TRUE(plat_net_resolve("127.0.0.1", 1883, PLAT_AF_INET6, false, a, 4, &d) < 0);
    ASSERT_TRUE(d.msg[0] != '\0');
    ASSERT_EQ_INT(plat_net_resolve("127.0.0.1", 1883, PLAT_AF_ANY, false, a, 0, NULL), ERR_INVAL);
    /* A name from /etc/hosts. */
    ASSERT_EQ_INT(resolve_fmt("localhost", PLAT_AF_INET, false, s, sizeof s), 1);
    ASSERT_EQ_STR(s, "127.0.0.1:1883");
}

static void test_listen_accept_read_write(void)
{
    plat_loop *loop = new_loop();
    struct plat_addr bound, peer, local;
    plat_sock *l = test_listen(loop, "127.0.0.1", &bound);
    ASSERT_TRUE(test_local_port(l) != 0);
    plat_sock *none = NULL;
    ASSERT_EQ_INT(plat_sock_accept(l, &none, NULL), ERR_AGAIN);

    plat_sock *c = NULL;
    struct err_detail d = {0};
    ASSERT_EQ_INT(plat_sock_connect(loop, &bound, &c, &d), 0);
    plat_sock *s = test_accept(l, &peer);
    ASSERT_EQ_INT(plat_sock_connect_result(c), 0);
    ASSERT_EQ_INT(plat_sock_set_nodelay(s, true), 0);
    ASSERT_EQ_INT(plat_sock_set_nodelay(c, false), 0);

    /* The accepted peer is the client's local address. */
    ASSERT_EQ_INT(plat_sock_local_addr(c, &local), 0);
    char p1[64], p2[64];
    ASSERT_EQ_STR(plat_addr_format(&peer, p1, sizeof p1), plat_addr_format(&local, p2, sizeof p2));
    ASSERT_EQ_INT(plat_sock_peer_addr(s, &peer), 0);
    ASSERT_EQ_STR(plat_addr_format(&peer, p1, sizeof p1), p2);
    ASSERT_EQ_INT(strncmp(p1, "127.0.0.1:", 10), 0);

    char buf[64];
    ASSERT_EQ_INT(plat_sock_read(s, buf, sizeof buf), ERR_AGAIN);
    ASSERT_EQ_INT(plat_sock_write(c, "ping", 4), 4);
    long n = ERR_AGAIN;
    for (int i = 0; i < 1000 && n == ERR_AGAIN; i++) {
        n = plat_sock_read(s, buf, sizeof buf);
        if (n == ERR_AGAIN)
            test_sleep_ms(1);
    }
    ASSERT_EQ_INT(n, 4);
    ASSERT_EQ_MEM(buf, 4, "ping", 4);
    ASSERT_EQ_INT(plat_sock_write(s, buf, 0), 0);

    /* End of stream is ERR_CLOSED. */
    plat_sock_close(c);
    n = ERR_AGAIN;
    for (int i = 0; i < 1000 && n == ERR_AGAIN; i++) {
        n = plat_sock_read(s, buf, sizeof buf);
        if (n == ERR_AGAIN)
            test_sleep_ms(1);
    }
    ASSERT_EQ_INT(n, ERR_CLOSED);
    plat_sock_close(s);
    plat_sock_close(l);
    plat_loop_free(loop);
}

/* Writing to a vanished peer reports ERR_CLOSED and never raises SIGPIPE. */
static void test_write_to_closed_peer(void)
{
    signal(SIGPIPE, SIG_DFL); /* would kill the test if MSG_NOSIGNAL were missing */
    plat_loop *loop = new_loop();
    struct plat_addr bound;
    plat_sock *l = test_listen(loop, "127.0.0.1", &bound);
    plat_sock *c = NULL;
    ASSERT_EQ_INT(plat_sock_connect(loop, &bound, &c, NULL), 0);
    plat_sock *s = test_accept(l, NULL);
    plat_sock_close(s);
    static char chunk[65536];
    long rc = 0;
    for (int i = 0; i < 2000 && rc >= 0; i++) {
        rc = plat_sock_write(c, chunk, sizeof chunk);
        if (rc == ERR_AGAIN) {
            rc = 0;
            test_sleep_ms(1);
        }
    }
    ASSERT_EQ_INT(rc, ERR_CLOSED);
    plat_sock_close(c);
    plat_sock_close(l);
    plat_loop_free(loop);
}

static void test_addr_in_use(void)
{
    plat_loop *loop = new_loop();
    struct plat_addr bound;
    plat_sock *l = test_listen(loop, "127.0.0.1", &bound);
    plat_sock *l2 = NULL;
    struct err_detail d = {0};
    ASSERT_EQ_INT(plat_sock_listen(loop, &bound, 4, &l2, &d), ERR_ADDRINUSE);
    ASSERT_TRUE(strstr(d.msg, "127.0.0.1") != NULL);
    plat_sock_close(l);
    /* A non-local address cannot be bound. */
    struct plat_addr far;
    ASSERT_EQ_INT(plat_net_resolve("192.0.2.1", 0, PLAT_AF_INET, true, &far, 1, NULL), 1);
    ASSERT_EQ_INT(plat_sock_listen(loop, &far, 4, &l2, &d), ERR_ADDRNOTAVAIL);
    plat_loop_free(loop);
}

struct connect_state {
    int calls;
    int result;
};

static void on_connected(plat_sock *s, unsigned events, void *ud)
{
    struct connect_state *st = ud;
    ASSERT_TRUE(events & (PLAT_EV_WRITE | PLAT_EV_ERROR | PLAT_EV_HUP));
    st->calls++;
    st->result = plat_sock_connect_result(s);
    ASSERT_EQ_INT(plat_sock_watch(s, 0, NULL, NULL), 0);
}

/* A refused connection shows up through the loop and plat_sock_connect_result. */
static void test_connect_refused(void)
{
    plat_loop *loop = new_loop();
    struct plat_addr bound;
    plat_sock *l = test_listen(loop, "127.0.0.1", &bound);
    plat_sock_close(l); /* nothing listens on that port now */
    plat_sock *c = NULL;
    struct err_detail d = {0};
    int rc = plat_sock_connect(loop, &bound, &c, &d);
    if (rc == ERR_REFUSED) {
        plat_loop_free(loop); /* refused at once: also correct */
        return;
    }
    ASSERT_EQ_INT(rc, 0);
    struct connect_state st = {0};
    ASSERT_EQ_INT(plat_sock_watch(c, PLAT_EV_WRITE, on_connected, &st), 0);
    uint64_t end = plat_time_mono_ms() + 2000;
    while (st.calls == 0 && plat_time_mono_ms() < end)
        ASSERT_TRUE(plat_loop_run_once(loop, 50) >= 0);
    ASSERT_EQ_INT(st.calls, 1);
    ASSERT_EQ_INT(st.result, ERR_REFUSED);
    plat_sock_close(c);
    plat_loop_free(loop);
}

/* An IPv6 listener on ::1, when the host has IPv6. */
static void test_ipv6_loopback(void)
{
    plat_loop *loop = new_loop();
    struct plat_addr a;
    ASSERT_EQ_INT(plat_net_resolve("::1", 0, PLAT_AF_INET6, true, &a, 1, NULL), 1);
    plat_sock *l = NULL;
    int rc = plat_sock_listen(loop, &a, 4, &l, NULL);
    if (rc == ERR_ADDRNOTAVAIL) {
        fprintf(stderr, "# no IPv6 loopback here; skipped\n");
        plat_loop_free(loop);
        return;
    }
    ASSERT_EQ_INT(rc, 0);
    struct plat_addr bound;
    ASSERT_EQ_INT(plat_sock_local_addr(l, &bound), 0);
    char s[64];
    ASSERT_EQ_INT(strncmp(plat_addr_format(&bound, s, sizeof s), "[::1]:", 6), 0);
    plat_sock *c = NULL;
    ASSERT_EQ_INT(plat_sock_connect(loop, &bound, &c, NULL), 0);
    plat_sock *srv = test_accept(l, NULL);
    ASSERT_EQ_INT(plat_sock_write(c, "6", 1), 1);
    plat_sock_close(c);
    plat_sock_close(srv);
    plat_sock_close(l);
    plat_loop_free(loop);
}

int main(void)
{
    RUN_TEST(test_resolve_numeric);
    RUN_TEST(test_resolve_wildcard_and_family);
    RUN_TEST(test_listen_accept_read_write);
    RUN_TEST(test_write_to_closed_peer);
    RUN_TEST(test_addr_in_use);
    RUN_TEST(test_connect_refused);
    RUN_TEST(test_ipv6_loopback);
    return 0;
}
