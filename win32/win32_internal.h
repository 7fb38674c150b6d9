/* SPDX-License-Identifier: MIT */
/* Private glue between the win32/ files: the loop, socket and timer records, string and
 * error helpers, and the win32__ functions one file offers the others. Nothing outside
 * win32/ (except the win32 unit tests) includes this header.
 *
 * As on POSIX the loop is split in two: plat_loop_core.c (run loop, hooks, timer heap,
 * socket lifetime) and plat_loop.c (the WSAPoll backend, the wakeup socket and the
 * console/service "signals"). WSAPoll has no 64-handle limit, unlike
 * WaitForMultipleObjects, so one loop serves any number of connections.
 */
#ifndef MIDGE_WIN32_INTERNAL_H
#define MIDGE_WIN32_INTERNAL_H

#include "common/platform.h"
#include "common/spinwait.h"
#include "common/timerq.h"

/* winsock2.h must come before windows.h. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Slot value of a socket that has no place in the backend's array. */
#define WIN32_NO_SLOT ((size_t)-1)

/* The name of the service, of its Event Log source and of its %ProgramData% folder. */
#define WIN32_SERVICE_NAME L"midge"

struct win32_backend;

struct plat_sock {
    plat_loop *loop;
    SOCKET fd;
    unsigned want; /* interest currently registered (PLAT_EV_READ|PLAT_EV_WRITE) */
    plat_sock_cb cb;
    void *ud;
    bool closed;   /* tombstone: freed at the end of the iteration */
    bool internal; /* the loop's own wakeup socket: runs are not counted */
    size_t slot;   /* index in the backend's array, or WIN32_NO_SLOT */
    plat_sock *next_dead;
    struct win32_pipe *pipe; /* a named-pipe stream instead of a socket (plat_pipe.c) */
};

struct plat_timer {
    plat_loop *loop;
    plat_timer_cb cb;
    void *ud;
    struct timerq_node node; /* due time, repeat and place in loop->timers */
};

struct plat_loop {
    struct win32_backend *be;

    /* Timers: min-heap by (due, seq) plus the expired list (common/timerq.h). */
    struct timerq timers;

    plat_hook_cb before_sleep;
    void *before_sleep_ud;

    /* Wakeup: a UDP socket on 127.0.0.1 connected to itself; any thread sends a byte. */
    plat_hook_cb wakeup_cb;
    void *wakeup_ud;
    plat_sock *wake_sock;
    atomic_bool wake_pending;

    /* Console control events and service controls (see plat_loop.c). */
    plat_signal_cb sig_cb;
    void *sig_ud;

    /* Named-pipe streams on this loop (plat_pipe.c), outside the WSAPoll array. */
    plat_sock *pipes;

    bool stop;
    bool in_iter;
    struct spinwait spin; /* spin-before-sleep policy (plat_loop_set_spin) */
    int ncalls;
    plat_sock *dead;
};

/* ---- plat_loop.c (backend) ---- */

/* Create loop->be and the wakeup socket (returned in *wake, not yet watched). */
int win32__backend_new(plat_loop *loop, SOCKET *wake, struct err_detail *d);
/* Release loop->be (its sockets were already removed). */
void win32__backend_free(plat_loop *loop);
/* Make the interest of s equal to events; s->want holds the previous one. */
int win32__backend_update(plat_sock *s, unsigned events);
/* Forget s before its socket is closed. */
void win32__backend_remove(plat_sock *s);
/* Wait up to timeout_ms (-1 forever) and dispatch ready sockets. Returns 0 or ERR_IO. */
int win32__backend_wait(plat_loop *loop, int timeout_ms);
/* Send one byte on the loop's wakeup socket; any thread. */
void win32__backend_poke(plat_loop *loop);
/* Deliver pending signals to the loop's handler; called on the loop thread. */
void win32__signals_deliver(plat_loop *loop);
/* Raise sig from any thread (console control handler, service control handler): it is
 * delivered on the loop thread of the loop that handles signals, or as soon as one does. */
void win32__signal_raise(enum plat_signal sig);
/* Stop delivering signals to loop (it is about to be freed). */
void win32__signals_release(plat_loop *loop);

/* ---- plat_loop_core.c ---- */

/* Wrap an open socket (consumed: closed by plat_sock_close) in a socket record. */
plat_sock *win32__sock_new(plat_loop *loop, SOCKET fd);
/* Run the callback of a ready socket unless it is a tombstone or paused. */
void win32__sock_dispatch(plat_sock *s, unsigned events);

/* ---- plat_net.c ---- */

/* Start Winsock once per process; any thread. Returns 0 or ERR_IO. */
int win32__wsa_init(void);

/* ---- plat_pipe.c: named-pipe streams in the loop ---- */

/* Wrap an open overlapped pipe handle (consumed) in a socket record on loop. listening:
 * h is a server instance waiting for a client (READ readiness = a client connected);
 * otherwise h is a connected stream. Returns 0 or ERR_IO (h closed) with *d filled. */
int win32__pipe_sock_new(plat_loop *loop, HANDLE h, bool listening, plat_sock **out,
                         struct err_detail *d);
/* For a listening pipe sock: 1 when a client is connected, 0 while waiting, ERR_IO
 * when the instance failed. */
int win32__pipe_listen_state(plat_sock *s);
/* For a listening pipe sock that is not waiting (state 1 or ERR_IO): return its handle
 * (the connected client's, owned by the caller) and start waiting on `fresh` instead. */
HANDLE win32__pipe_exchange(plat_sock *s, HANDLE fresh);
/* The stream functions of plat_net.c / plat_loop_core.c for a pipe sock. */
long win32__pipe_read(plat_sock *s, void *buf, size_t len);
long win32__pipe_write(plat_sock *s, const void *buf, size_t len);
void win32__pipe_close(plat_sock *s);
/* Loop integration: refresh the state of the loop's pipes before a wait; returns true
 * when one of them has events its watcher wants (the wait must not sleep). */
bool win32__pipes_refresh(plat_loop *loop);
/* Dispatch the pipes that are ready, after the wait. */
void win32__pipes_dispatch(plat_loop *loop);

/* ---- plat_ctl.c ---- */

/* Whether a client with this token may use the control endpoint: its user is `self`
 * (the broker's) or SYSTEM, or it is an enabled member of Administrators or of `group`
 * (NULL: none). Any thread. */
bool win32__ctl_token_allowed(HANDLE token, PSID self, PSID group);

/* ---- plat_path.c: strings, paths and errors ---- */

/* UTF-8 to a newly allocated UTF-16 string (free()); NULL if s is not valid UTF-8. */
wchar_t *win32__wide(const char *s);
/* UTF-16 to a newly allocated UTF-8 string (free()); never NULL. */
char *win32__utf8(const wchar_t *w);
/* A path for the file functions: UTF-8 to UTF-16 with %VAR% references expanded
 * (free()); NULL with *d filled when the path is not valid UTF-8. */
wchar_t *win32__path(const char *path, struct err_detail *d);
/* Translate a Windows error (GetLastError / WSAGetLastError) into `code`, writing
 * "<what>: <system text>" into *d (may be NULL). Returns code. */
int win32__err(struct err_detail *d, int code, DWORD err, const char *what);
/* GetLastError of a file operation to ERR_*. */
int win32__file_code(DWORD err);
/* Shared by plat_file.c and plat_file_atomic.c (one atomic-replace recipe):
 * the security descriptor of a new file of `mode` (protected DACL for SYSTEM,
 * Administrators and the owner unless world-readable; NULL = inherit; LocalFree it),
 * a temporary name "<path>.<16 hex>.tmp" next to path (caller frees), and the rename of
 * tmp over path (MoveFileExW, ReplaceFileW when the target is held open). */
PSECURITY_DESCRIPTOR win32__file_private_sd(unsigned mode);
wchar_t *win32__file_temp_name(const wchar_t *path);
DWORD win32__file_replace(const wchar_t *tmp, const wchar_t *path);
/* The data folder %ProgramData%\midge (created if missing); static storage. */
const wchar_t *win32__data_dir(void);

/* ---- plat_log.c ---- */

/* Report one line to the Event Log under source "midge", registering the source first
 * if the log is not open yet. Any thread. */
void win32__event_log(enum plat_log_level level, const char *line);

/* ---- plat_service.c ---- */

/* True while the process runs under the service control manager. */
bool win32__under_scm(void);
/* For the "service" verb: start the SCM dispatcher thread, wait until the service is
 * registered (START_PENDING) and send stdout/stderr to the service log. Returns 0, or
 * ERR_IO after printing why (not started by the SCM). */
int win32__service_enter_scm(void);

/* ---- plat_service_install.c ---- */

/* The verbs `midge install [--config PATH]`, `midge uninstall` and `midge reload`; return the exit
 * status after printing what happened. */
int win32__service_install(int argc, char **argv);
int win32__service_uninstall(void);
int win32__service_reload(void);
/* Ask the opened service (SERVICE_STOP | SERVICE_QUERY_STATUS) to stop and wait for its
 * process to exit. Returns 0 (also when it was stopped) or a Windows error code. */
DWORD win32__service_stop_wait(SC_HANDLE s);

/* ---- plat_service_ctl.c ---- */

/* The verbs `midge start` (start the service and wait until it runs or fails) and
 * `midge stop` (stop it and wait for its process to exit); return the exit status
 * (0 or 1) after printing what happened. */
int win32__service_start(void);
int win32__service_stop(void);

#endif
