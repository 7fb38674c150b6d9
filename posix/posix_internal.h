/* SPDX-License-Identifier: MIT */
/* Private glue between the posix/ files: the loop, socket and timer records, and the
 * posix__ functions that one posix file offers the others. Nothing outside posix/
 * (except the posix unit tests) includes this header.
 *
 * The loop is split in two. plat_loop_core.c holds everything that does not depend on
 * how the loop waits: the run loop, the before-sleep hook, the timer heap, the wakeup
 * and signal plumbing, and socket lifetime (tombstones). The backend (plat_loop.c for
 * epoll, plat_loop_poll.c for poll(); CMake links exactly one) supplies the
 * posix__backend_* functions below.
 */
#ifndef MIDGE_POSIX_INTERNAL_H
#define MIDGE_POSIX_INTERNAL_H

#include "common/platform.h"
#include "common/spinwait.h"
#include "common/timerq.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Slot value of a socket that has no place in the poll backend's array. */
#define POSIX_NO_SLOT ((size_t)-1)

/* The backend's private state (epoll descriptor, or the pollfd array). */
struct posix_backend;

struct plat_sock {
    plat_loop *loop;
    int fd;
    /* Interest the backend currently has registered (PLAT_EV_READ|PLAT_EV_WRITE). */
    unsigned want;
    plat_sock_cb cb;
    void *ud;
    /* Tombstone: the descriptor is closed and the callback is never called again, but
     * the memory lives until the end of the iteration so that pending events in the
     * same batch can still be recognised and skipped. */
    bool closed;
    /* The loop's own wakeup or signal pipe: its callback runs are not counted. */
    bool internal;
    /* Poll backend only: index in the pollfd array, or POSIX_NO_SLOT. */
    size_t slot;
    /* Link in the loop's list of tombstones waiting to be freed. */
    plat_sock *next_dead;
};

struct plat_timer {
    plat_loop *loop;
    plat_timer_cb cb;
    void *ud;
    struct timerq_node node; /* due time, repeat and place in loop->timers */
};

struct plat_loop {
    struct posix_backend *be;

    /* Timers: min-heap by (due, seq) plus the expired list (common/timerq.h). */
    struct timerq timers;

    plat_hook_cb before_sleep;
    void *before_sleep_ud;

    /* Wakeup: wake_sock watches the read end; wake_wfd may equal its fd (eventfd). */
    plat_hook_cb wakeup_cb;
    void *wakeup_ud;
    plat_sock *wake_sock;
    int wake_wfd;
    atomic_bool wake_pending;

    /* Signals arrive as bytes on a self-pipe whose read end sig_sock watches. */
    plat_signal_cb sig_cb;
    void *sig_ud;
    plat_sock *sig_sock;

    bool stop;
    bool in_iter;         /* between the start and the end of plat_loop_run_once */
    struct spinwait spin; /* spin-before-sleep policy (plat_loop_set_spin) */
    int ncalls;           /* user callbacks run in the current iteration */
    plat_sock *dead;      /* tombstones freed at the end of the iteration */
};

/* ---- Provided by the backend (plat_loop.c or plat_loop_poll.c) ---- */

/* Create the backend state in loop->be and a non-blocking, close-on-exec wakeup channel:
 * *rfd becomes readable after 8 bytes are written to *wfd (they may be the same
 * descriptor). Returns 0 or ERR_IO with the reason in *d. */
int posix__backend_new(plat_loop *loop, int *rfd, int *wfd, struct err_detail *d);
/* Release loop->be (the sockets were already removed). */
void posix__backend_free(plat_loop *loop);
/* Make the kernel interest of s equal to `events` (READ|WRITE, 0 = none); s->want still
 * holds the previous interest. Returns 0 or ERR_IO. */
int posix__backend_update(plat_sock *s, unsigned events);
/* Forget s before its descriptor is closed. */
void posix__backend_remove(plat_sock *s);
/* Wait up to timeout_ms (-1 forever) and pass every ready socket to posix__sock_dispatch.
 * Returns 0 (also when interrupted by a signal) or ERR_IO. */
int posix__backend_wait(plat_loop *loop, int timeout_ms);

/* ---- Provided by plat_loop_core.c ---- */

/* Wrap an open descriptor (consumed: closed by plat_sock_close) in a socket record. */
plat_sock *posix__sock_new(plat_loop *loop, int fd);
/* Called by the backend for each ready socket with PLAT_EV_* bits; skips tombstones and
 * sockets whose interest was removed meanwhile, and runs the callback otherwise. */
void posix__sock_dispatch(plat_sock *s, unsigned events);
/* Translate an errno value into `code`, writing "<what>: <strerror>" into *d (may be
 * NULL). Returns code. Thread-safe. */
int posix__err(struct err_detail *d, int code, int errnum, const char *what);

/* ---- Process model helpers (plat_priv.c, plat_pidfile.c, plat_notify_*.c,
 * plat_file.c), used by plat_service.c ---- */

/* The account the broker switches to after start-up. */
struct posix_user {
    char name[64];
    unsigned uid, gid;
    bool drop; /* false: not root, or `user root`: keep the current identity */
};
/* Decide which user to become. Not running as root: `user` is ignored (u->drop false).
 * As root: name (NULL = the default "mosquitto", which falls back to "midge") must
 * exist, else ERR_NOTFOUND with an explanation in *d; "root" keeps root. Never switches
 * anything itself. BLOCKS (user database). */
int posix__user_resolve(const char *name, struct posix_user *u, struct err_detail *d);
/* Switch to u (initgroups, setgid, setuid) and check that root cannot be regained.
 * No-op when u->drop is false. Returns 0 or ERR_PERM. */
int posix__user_drop(const struct posix_user *u, struct err_detail *d);
/* Give every file that plat_file_open_append created (and root owns) to uid, so that a
 * log reopen after the privilege drop (SIGHUP) can still open it. Files that existed
 * before keep their owner. */
void posix__file_give_to(unsigned uid);
/* Hand the control endpoints (plat_ctl.c) to the broker's user before the privilege
 * drop: their directory and socket become uid's, the admin group becomes gid when
 * control_group was not set, and peers with uid count as the broker's own user. */
void posix__ctl_give_to(unsigned uid, unsigned gid);

/* Check the pid file at path before start-up: 0 when it is absent or stale (the pid
 * it holds, or -1 for unreadable contents, goes to *stale_pid; 0 when absent),
 * ERR_EXISTS when it names a running process or is not a pid file, other errors when
 * it cannot be read. BLOCKS. */
int posix__pidfile_check(const char *path, long *stale_pid, struct err_detail *d);
/* Write our pid to path atomically (mode 0644). BLOCKS. */
int posix__pidfile_write(const char *path, struct err_detail *d);
/* Remove path (absent is fine); ERR_PERM with the reason when unlink fails. */
int posix__pidfile_remove(const char *path, struct err_detail *d);

/* Send state ("READY=1", "STOPPING=1", ...: newline-separated assignments) to the
 * service manager (sd_notify). A no-op when NOTIFY_SOCKET is unset or the build has no
 * libsystemd. Never blocks for long; errors are ignored. */
void posix__notify(const char *state);

#endif
