/* SPDX-License-Identifier: MIT */
/* Private glue between the tests/fakes/ files: the loop, socket, timer and fake-client
 * records and the fake__ functions one fake file offers the others. Tests include
 * tests/fakes/fake_plat.h instead.
 *
 * The fake is single-threaded by design (tests drive the loop by hand); only the clock,
 * the random generator and plat_loop_wakeup are safe from other threads, as the
 * contract demands. */
#ifndef MIDGE_TESTS_FAKES_FAKE_INTERNAL_H
#define MIDGE_TESTS_FAKES_FAKE_INTERNAL_H

#include "common/buf.h"
#include "common/platform.h"
#include "tests/fakes/fake_plat.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fake_sock_kind {
    FAKE_SOCK_LISTEN,
    FAKE_SOCK_CONN,
};

struct plat_sock {
    plat_loop *loop;
    enum fake_sock_kind kind;
    unsigned want; /* PLAT_EV_READ|PLAT_EV_WRITE */
    plat_sock_cb cb;
    void *ud;
    /* Tombstone: plat_sock_close was called inside an iteration; the record lives
     * until the iteration ends so that the ready snapshot can recognise and skip it. */
    bool closed;
    struct plat_addr local;
    /* Listener: clients waiting to be accepted, oldest first. */
    struct fake_client *pending_head, *pending_tail;
    /* Connection: the test's end of the in-memory stream (NULL once that was freed). */
    struct fake_client *fc;
    /* The loop's list of live sockets, in creation order (deterministic dispatch). */
    plat_sock *prev, *next;
    plat_sock *next_dead;
};

struct fake_client {
    plat_sock *sock;     /* broker side; NULL before accept and after close */
    plat_sock *listener; /* while pending (not accepted yet) */
    struct fake_client *next_pending;
    struct buf to_broker;            /* sent by the test, not yet read by the broker */
    struct buf from_broker;          /* written by the broker, not yet taken by the test */
    struct plat_addr peer;           /* the client's own address */
    size_t window;                   /* bytes the broker may still write; SIZE_MAX = any */
    uint64_t write_calls;            /* plat_sock_write calls that accepted >= 1 byte */
    bool client_closed;              /* fake_client_close: EOF after the pending input */
    bool broker_closed;              /* plat_sock_close ran on the broker side */
    bool refused;                    /* its listener went away before accept */
    struct fake_client *prev, *next; /* every client, for fake_reset */
};

struct plat_timer {
    plat_loop *loop;
    plat_timer_cb cb;
    void *ud;
    uint64_t due;    /* fake-clock ms of the next expiry */
    uint64_t repeat; /* 0 = one-shot */
    uint64_t seq;    /* start order: equal due times fire in the order they were armed */
    bool armed;
    bool ready;                /* in the expired list of the current pass */
    plat_timer *prev, *next;   /* the loop's list of every timer */
    plat_timer *rprev, *rnext; /* the expired list */
};

struct plat_loop {
    plat_sock *socks_head, *socks_tail;
    plat_timer *timers;
    plat_timer *ready_head, *ready_tail;
    uint64_t timer_seq;

    plat_hook_cb before_sleep;
    void *before_sleep_ud;
    plat_hook_cb wakeup_cb;
    void *wakeup_ud;
    atomic_bool wake_pending;
    plat_signal_cb sig_cb;
    void *sig_ud;
    unsigned sig_pending; /* bit per enum plat_signal, raised by fake_loop_raise_signal */

    bool stop;
    bool in_iter;
    int ncalls;
    plat_sock *dead;
};

/* ---- plat_net.c ---- */

/* Readiness of s right now (PLAT_EV_* bits, before masking by interest). */
unsigned fake__sock_ready(const plat_sock *s);
/* Forget s in the network's tables before plat_sock_close tears it down. */
void fake__sock_closing(plat_sock *s);
/* Free every fake client (fake_reset). Sockets still open are left peerless. */
void fake__net_reset(void);

/* ---- plat_loop.c ---- */

/* Link a new socket record into loop's list. */
void fake__sock_link(plat_loop *loop, plat_sock *s);

/* ---- plat_file.c, plat_log.c, plat_random.c, plat_time.c, plat_ctl.c ---- */

void fake__fs_reset(void);
void fake__ctl_reset(void);
void fake__log_reset(void);
void fake__random_reset(void);
void fake__time_reset(void);

#endif
