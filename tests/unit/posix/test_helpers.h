/* SPDX-License-Identifier: MIT */
/* Small POSIX-only helpers shared by the posix unit tests: loopback listeners and
 * connected TCP pairs built from the real platform calls. */
#ifndef MIDGE_TESTS_UNIT_POSIX_TEST_HELPERS_H
#define MIDGE_TESTS_UNIT_POSIX_TEST_HELPERS_H

#include "common/platform.h"
#include "tests/assert.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>

/* Sleep for ms milliseconds. */
static inline void test_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The port a socket is bound to, read through plat_sock_local_addr. */
static inline uint16_t test_local_port(plat_sock *s)
{
    struct plat_addr a;
    ASSERT_EQ_INT(plat_sock_local_addr(s, &a), 0);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)a.bytes;
    return ntohs(sin->sin_port);
}

/* Listen on host (numeric) with an ephemeral port; store the bound address in *bound. */
static inline plat_sock *test_listen(plat_loop *loop, const char *host, struct plat_addr *bound)
{
    struct plat_addr a;
    struct err_detail d = {0};
    ASSERT_EQ_INT(plat_net_resolve(host, 0, PLAT_AF_ANY, true, &a, 1, &d), 1);
    plat_sock *l = NULL;
    ASSERT_EQ_INT(plat_sock_listen(loop, &a, 16, &l, &d), 0);
    ASSERT_EQ_INT(plat_sock_local_addr(l, bound), 0);
    return l;
}

/* Accept one connection, retrying for up to two seconds while none is pending. */
static inline plat_sock *test_accept(plat_sock *l, struct plat_addr *peer)
{
    plat_sock *s = NULL;
    for (int i = 0; i < 2000; i++) {
        int rc = plat_sock_accept(l, &s, peer);
        if (rc == 0)
            return s;
        ASSERT_EQ_INT(rc, ERR_AGAIN);
        test_sleep_ms(1);
    }
    TEST_FAIL_("no connection arrived");
}

/* A connected loopback TCP pair: *client from plat_sock_connect, *server accepted. */
static inline void test_tcp_pair(plat_loop *loop, plat_sock **client, plat_sock **server)
{
    struct plat_addr bound;
    struct err_detail d = {0};
    plat_sock *l = test_listen(loop, "127.0.0.1", &bound);
    ASSERT_EQ_INT(plat_sock_connect(loop, &bound, client, &d), 0);
    *server = test_accept(l, NULL);
    plat_sock_close(l);
}

#endif
