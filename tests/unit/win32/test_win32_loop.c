/* SPDX-License-Identifier: MIT */
/* Tests of the win32 event loop and sockets: timers, cross-thread wakeup, console
 * "signals", and more than 64 loopback connections served by one WSAPoll loop. */
#include "common/platform.h"
#include "tests/assert.h"

#include <pthread.h>
#include <string.h>
#include <windows.h>

#define NCONN 100

static int fired[3], nfired;

static void on_timer(plat_timer *t, void *ud)
{
    (void)t;
    fired[nfired++] = (int)(intptr_t)ud;
}

static void test_timers(void)
{
    plat_loop *loop = NULL;
    ASSERT_EQ_INT(plat_loop_new(&loop, NULL), 0);
    plat_timer *t[3];
    for (int i = 0; i < 3; i++)
        ASSERT_EQ_INT(plat_timer_new(loop, on_timer, (void *)(intptr_t)i, &t[i]), 0);
    plat_timer_start(t[0], 30, 0);
    plat_timer_start(t[1], 10, 0);
    plat_timer_start(t[2], 20, 0);
    while (nfired < 3)
        ASSERT_TRUE(plat_loop_run_once(loop, 1000) >= 0);
    ASSERT_EQ_INT(fired[0], 1);
    ASSERT_EQ_INT(fired[1], 2);
    ASSERT_EQ_INT(fired[2], 0);
    for (int i = 0; i < 3; i++)
        plat_timer_free(t[i]);
    plat_loop_free(loop);
}

static int woken, signalled;

static void on_wake(void *ud)
{
    woken++;
    plat_loop_stop(ud);
}

static void *wake_thread(void *ud)
{
    Sleep(20);
    plat_loop_wakeup(ud);
    return NULL;
}

static void on_signal(enum plat_signal sig, void *ud)
{
    if (sig == PLAT_SIG_STOP)
        signalled++;
    plat_loop_stop(ud);
}

static void test_wakeup_and_ctrl_c(void)
{
    plat_loop *loop = NULL;
    ASSERT_EQ_INT(plat_loop_new(&loop, NULL), 0);
    plat_loop_set_wakeup(loop, on_wake, loop);
    pthread_t th;
    ASSERT_EQ_INT(pthread_create(&th, NULL, wake_thread, loop), 0);
    ASSERT_EQ_INT(plat_loop_run(loop), 0);
    pthread_join(th, NULL);
    ASSERT_EQ_INT(woken, 1);
    ASSERT_EQ_INT(plat_loop_handle_signals(loop, on_signal, loop), 0);
    /* A console Ctrl-Break to our own process group reaches the loop as STOP. */
    if (GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, 0)) {
        ASSERT_EQ_INT(plat_loop_run(loop), 0);
        ASSERT_EQ_INT(signalled, 1);
    }
    plat_loop_free(loop);
}

struct server {
    plat_sock *listener;
    plat_sock *conns[NCONN];
    int naccepted, nechoed;
};

static void on_conn(plat_sock *s, unsigned ev, void *ud)
{
    struct server *sv = ud;
    char buf[16];
    (void)ev;
    long n = plat_sock_read(s, buf, sizeof buf);
    if (n > 0 && plat_sock_write(s, buf, (size_t)n) == n)
        sv->nechoed++;
}

static void on_accept(plat_sock *l, unsigned ev, void *ud)
{
    struct server *sv = ud;
    (void)ev;
    plat_sock *c = NULL;
    while (sv->naccepted < NCONN && plat_sock_accept(l, &c, NULL) == 0) {
        sv->conns[sv->naccepted++] = c;
        plat_sock_watch(c, PLAT_EV_READ, on_conn, sv);
    }
}

static void run_until(plat_loop *loop, const int *counter, int want)
{
    for (int i = 0; i < 2000 && *counter < want; i++)
        ASSERT_TRUE(plat_loop_run_once(loop, 100) >= 0);
    ASSERT_EQ_INT(*counter, want);
}

static void test_many_connections(enum plat_family fam, const char *host)
{
    plat_loop *loop = NULL;
    ASSERT_EQ_INT(plat_loop_new(&loop, NULL), 0);
    struct plat_addr a;
    ASSERT_EQ_INT(plat_net_resolve(host, 0, fam, false, &a, 1, NULL), 1);
    struct server sv = {0};
    ASSERT_EQ_INT(plat_sock_listen(loop, &a, 128, &sv.listener, NULL), 0);
    ASSERT_EQ_INT(plat_sock_local_addr(sv.listener, &a), 0);
    char text[64];
    ASSERT_TRUE(strstr(plat_addr_format(&a, text, sizeof text), host) != NULL);
    ASSERT_EQ_INT(plat_sock_watch(sv.listener, PLAT_EV_READ, on_accept, &sv), 0);
    plat_sock *cl[NCONN];
    for (int i = 0; i < NCONN; i++)
        ASSERT_EQ_INT(plat_sock_connect(loop, &a, &cl[i], NULL), 0);
    run_until(loop, &sv.naccepted, NCONN);
    for (int i = 0; i < NCONN; i++) {
        ASSERT_EQ_INT(plat_sock_connect_result(cl[i]), 0);
        ASSERT_EQ_INT((int)plat_sock_write(cl[i], "ping", 4), 4);
    }
    run_until(loop, &sv.nechoed, NCONN); /* every one of the > 64 sockets was served */
    char buf[8];
    for (int i = 0; i < NCONN; i++) {
        long n = ERR_AGAIN;
        for (int k = 0; k < 200 && n == ERR_AGAIN; k++) {
            n = plat_sock_read(cl[i], buf, sizeof buf);
            if (n == ERR_AGAIN)
                plat_loop_run_once(loop, 10);
        }
        ASSERT_EQ_INT((int)n, 4);
        plat_sock_close(cl[i]);
    }
    for (int i = 0; i < NCONN; i++)
        plat_sock_close(sv.conns[i]);
    /* A second listener on the same port is refused (exclusive address use). */
    plat_sock *again = NULL;
    ASSERT_EQ_INT(plat_sock_listen(loop, &a, 8, &again, NULL), ERR_ADDRINUSE);
    plat_sock_close(sv.listener);
    plat_loop_free(loop);
}

static void test_ipv4(void)
{
    test_many_connections(PLAT_AF_INET, "127.0.0.1");
}

static void test_ipv6(void)
{
    test_many_connections(PLAT_AF_INET6, "::1");
}

int main(void)
{
    RUN_TEST(test_timers);
    RUN_TEST(test_wakeup_and_ctrl_c);
    RUN_TEST(test_ipv4);
    RUN_TEST(test_ipv6);
    return 0;
}
