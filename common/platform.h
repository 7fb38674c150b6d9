/* SPDX-License-Identifier: MIT */
/* The one contract between midge and the operating system.
 *
 * Each platform directory (posix/, win32/, tests/fakes/) implements ALL of this header,
 * with the same file names (plat_loop.c, plat_net.c, plat_file.c, plat_time.c,
 * plat_random.c, plat_log.c, plat_service.c, plat_ctl.c, plat_thread.c); CMake links
 * exactly one. A capability a platform lacks is an explicit function returning
 * ERR_NOTSUP.
 *
 * Guarantees every backend gives:
 *  - Errors are negative ERR_* codes from common/err.h; OS error numbers are translated
 *    at the boundary and their text goes into the optional struct err_detail.
 *  - Unless a comment says otherwise a function is non-blocking and must be called on the
 *    loop thread (the thread running plat_loop_run). plat_loop_wakeup and the time and
 *    random functions may be called from any thread.
 *  - A callback registered with the loop is never called after its handle was freed or
 *    its watch removed, and never from inside the call that registered it.
 *  - No OS types appear here: handles are opaque, addresses are byte blobs.
 */
#ifndef MIDGE_COMMON_PLATFORM_H
#define MIDGE_COMMON_PLATFORM_H

#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct plat_loop plat_loop;
typedef struct plat_sock plat_sock;
typedef struct plat_timer plat_timer;
typedef struct plat_file plat_file;
typedef struct plat_thread plat_thread;
typedef struct plat_atomic_file plat_atomic_file;

/* ---- 1. Event loop ------------------------------------------------------------------ */

/* Readiness bits passed to socket callbacks. ERROR and HUP are always reported, whether
 * or not they were asked for. */
enum plat_event {
    PLAT_EV_READ = 1,
    PLAT_EV_WRITE = 2,
    PLAT_EV_ERROR = 4,
    PLAT_EV_HUP = 8,
};

typedef void (*plat_sock_cb)(plat_sock *s, unsigned events, void *ud);
typedef void (*plat_timer_cb)(plat_timer *t, void *ud);
typedef void (*plat_hook_cb)(void *ud);

/* Create a loop; *out is owned by the caller and released with plat_loop_free. Returns
 * 0, ERR_NOMEM, or ERR_IO (with the OS reason in *d). */
int plat_loop_new(plat_loop **out, struct err_detail *d);
/* Free a loop whose sockets and timers were all freed; NULL is a no-op. */
void plat_loop_free(plat_loop *loop);
/* Run until plat_loop_stop; blocks the calling thread, which becomes the loop thread.
 * Returns 0 after a stop, or an error if waiting failed irrecoverably. */
int plat_loop_run(plat_loop *loop);
/* Run at most one iteration, waiting up to timeout_ms (-1 forever, 0 not at all).
 * For tests and for draining at shutdown. Returns the number of callbacks run or an error. */
int plat_loop_run_once(plat_loop *loop, int timeout_ms);
/* Make plat_loop_run return after the current iteration (loop thread only). */
void plat_loop_stop(plat_loop *loop);
/* Call cb(ud) once per iteration after the callbacks, right before the loop waits: the
 * place to flush output and reap closed connections. One hook per loop; NULL removes it. */
void plat_loop_set_before_sleep(plat_loop *loop, plat_hook_cb cb, void *ud);
/* Poll without sleeping for up to max_us before each blocking wait while traffic is dense
 * (common/spinwait.h says when); 0 (the default) never spins. No effect on one CPU. */
void plat_loop_set_spin(plat_loop *loop, uint32_t max_us);
/* Register the callback that plat_loop_wakeup triggers on the loop thread. */
void plat_loop_set_wakeup(plat_loop *loop, plat_hook_cb cb, void *ud);
/* Wake the loop from any thread; wakeups may coalesce into one callback. Never blocks. */
int plat_loop_wakeup(plat_loop *loop);

/* Signals the platform delivers into the loop (POSIX: SIGTERM/SIGINT, SIGHUP, SIGUSR1,
 * SIGUSR2 through a self-pipe; Windows: service control and console events). */
enum plat_signal {
    PLAT_SIG_STOP = 0,
    PLAT_SIG_RELOAD = 1,
    PLAT_SIG_SAVE = 2,
    PLAT_SIG_DEBUG = 3,
    PLAT_SIG_COUNT_ = 4,
};
typedef void (*plat_signal_cb)(enum plat_signal sig, void *ud);
/* Deliver the signals above to cb(sig, ud) on the loop thread; ignores SIGPIPE. One
 * handler per loop. Returns 0 or ERR_IO. */
int plat_loop_handle_signals(plat_loop *loop, plat_signal_cb cb, void *ud);

/* Create a stopped timer on loop; *out owned by the caller (plat_timer_free). */
int plat_timer_new(plat_loop *loop, plat_timer_cb cb, void *ud, plat_timer **out);
/* (Re)arm: first expiry after first_ms, then every repeat_ms (0 = one-shot). */
void plat_timer_start(plat_timer *t, uint64_t first_ms, uint64_t repeat_ms);
/* Disarm; safe on a stopped timer and from inside its own callback. */
void plat_timer_stop(plat_timer *t);
/* Stop and free; NULL is a no-op; safe from inside its own callback. */
void plat_timer_free(plat_timer *t);

/* ---- 2. Addresses and non-blocking sockets ------------------------------------------ */

enum plat_family {
    PLAT_AF_ANY = 0,
    PLAT_AF_INET = 4,
    PLAT_AF_INET6 = 6,
};

/* An opaque socket address (large enough for IPv4, IPv6 and Unix addresses). */
struct plat_addr {
    uint8_t bytes[128];
    uint32_t len;
};

/* Resolve host (NULL or "" = the wildcard address when passive, loopback otherwise) and
 * port into at most max addresses of the requested family. BLOCKS (DNS): call at start-up
 * or from a worker thread. Returns the number of addresses (>= 1) or ERR_NOTFOUND /
 * ERR_INVAL with the resolver's text in *d. */
int plat_net_resolve(const char *host, uint16_t port, enum plat_family fam, bool passive,
                     struct plat_addr *out, int max, struct err_detail *d);
/* The machine's host name (the first label is enough for ids) into out (always
 * terminated); "localhost" when the system has none. Never blocks; any thread. */
void plat_net_hostname(char *out, size_t outlen);
/* Render an address as "1.2.3.4:1883" or "[::1]:1883" into out (always terminated). */
const char *plat_addr_format(const struct plat_addr *a, char *out, size_t outlen);
/* Family of an address (PLAT_AF_INET or PLAT_AF_INET6). */
enum plat_family plat_addr_family(const struct plat_addr *a);

/* Open a non-blocking listening TCP socket bound to *a (SO_REUSEADDR; IPV6_V6ONLY on for
 * IPv6 so that v4 and v6 listeners never collide). *out is owned by the caller
 * (plat_sock_close). Returns 0, ERR_ADDRINUSE, ERR_ADDRNOTAVAIL, ERR_PERM or ERR_IO. */
int plat_sock_listen(plat_loop *loop, const struct plat_addr *a, int backlog, plat_sock **out,
                     struct err_detail *d);
/* Accept one pending connection as a non-blocking socket (close-on-exec) on the same
 * loop; the peer address goes to *peer (may be NULL). Returns 0, ERR_AGAIN when none is
 * pending, ERR_LIMIT when the process is out of descriptors, ERR_IO otherwise. */
int plat_sock_accept(plat_sock *listener, plat_sock **out, struct plat_addr *peer);
/* Start a non-blocking connect; *out is usable at once: watch PLAT_EV_WRITE and call
 * plat_sock_connect_result when it fires. Returns 0 or an error. */
int plat_sock_connect(plat_loop *loop, const struct plat_addr *a, plat_sock **out,
                      struct err_detail *d);
/* Like plat_sock_connect, but bound to the local address *bind first (port 0 = any;
 * same family as *a; NULL = no bind). Returns 0, ERR_ADDRNOTAVAIL or another error. */
int plat_sock_connect_from(plat_loop *loop, const struct plat_addr *a, const struct plat_addr *bind,
                           plat_sock **out, struct err_detail *d);
/* After PLAT_EV_WRITE on a connecting socket: 0 when connected, else the error. */
int plat_sock_connect_result(plat_sock *s);
/* Set the readiness interest (PLAT_EV_READ|PLAT_EV_WRITE, 0 to pause) and the callback.
 * Calling it again replaces both; cheap when nothing changes. */
int plat_sock_watch(plat_sock *s, unsigned events, plat_sock_cb cb, void *ud);
/* Read up to len bytes. Returns the count (> 0), ERR_AGAIN, ERR_CLOSED at end of stream,
 * or ERR_IO. */
long plat_sock_read(plat_sock *s, void *buf, size_t len);
/* Write up to len bytes (never raises SIGPIPE). Returns the count (>= 0), ERR_AGAIN,
 * ERR_CLOSED if the peer is gone, or ERR_IO. */
long plat_sock_write(plat_sock *s, const void *buf, size_t len);
/* Enable or disable TCP_NODELAY. */
int plat_sock_set_nodelay(plat_sock *s, bool on);
/* The peer's and the local address of a connected socket. */
int plat_sock_peer_addr(plat_sock *s, struct plat_addr *out);
int plat_sock_local_addr(plat_sock *s, struct plat_addr *out);
/* Remove from the loop and close; NULL is a no-op. Never calls the callback. */
void plat_sock_close(plat_sock *s);

/* ---- 3. Files -------------------------------------------------------------------- */

/* Read a whole file into a NUL-terminated buffer owned by the caller (*data, free()).
 * Fails with ERR_TOOBIG past max bytes, ERR_NOTFOUND, ERR_PERM or ERR_IO. BLOCKS. */
int plat_file_read_all(const char *path, size_t max, char **data, size_t *len,
                       struct err_detail *d);
/* Replace path atomically with len bytes of data: write a temporary file in the same
 * directory with permissions `mode` (e.g. 0600), flush it to disk, rename over path and
 * flush the directory. On failure path is untouched and the temporary file removed.
 * BLOCKS. */
int plat_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                           struct err_detail *d);
/* plat_file_write_atomic in pieces, for files too large to build in memory first: begin
 * creates the temporary file (mode as for plat_file_write_atomic) and *out, which the
 * caller owns until commit or abort; write appends; commit flushes the file to disk,
 * renames it over path, flushes the directory and frees f (on failure path is untouched
 * and the temporary file removed, f freed all the same); abort removes the temporary
 * file and frees f (NULL is a no-op). After a failed write call abort. All BLOCK; any
 * one thread at a time per file. Return 0 or ERR_NOTFOUND / ERR_PERM / ERR_IO. */
int plat_file_atomic_begin(const char *path, unsigned mode, plat_atomic_file **out,
                           struct err_detail *d);
int plat_file_atomic_write(plat_atomic_file *f, const void *data, size_t len, struct err_detail *d);
int plat_file_atomic_commit(plat_atomic_file *f, struct err_detail *d);
void plat_file_atomic_abort(plat_atomic_file *f);
/* Remove the temporary files that plat_file_write_atomic calls for path left behind when
 * the process died during them (a crash between creating and renaming). Only call it
 * while no such write for path is running. Returns the number of files removed (0 when
 * there were none or the directory does not exist) or ERR_IO. BLOCKS. */
int plat_file_remove_stale_temps(const char *path, struct err_detail *d);
/* List the names (not paths) of regular files in dir whose name ends with suffix
 * ("" = all), unsorted. *names is a caller-owned array of caller-owned strings
 * (free each, then the array). BLOCKS. */
int plat_dir_list(const char *dir, const char *suffix, char ***names, size_t *count,
                  struct err_detail *d);
/* True if path names an existing directory. */
bool plat_path_is_dir(const char *path);
/* Open path for appending (created with mode 0640 when missing); caller owns *out. */
int plat_file_open_append(const char *path, plat_file **out, struct err_detail *d);
/* Append len bytes; returns 0 or ERR_IO. BLOCKS (log files only). */
int plat_file_write(plat_file *f, const void *data, size_t len);
/* Close; NULL is a no-op. */
void plat_file_close(plat_file *f);

/* ---- 4. Time, randomness, memory ----------------------------------------------------- */

/* Monotonic milliseconds since an arbitrary origin; any thread. */
uint64_t plat_time_mono_ms(void);
/* Wall-clock time in milliseconds since the Unix epoch; any thread. */
int64_t plat_time_wall_ms(void);
/* Format wall time `epoch_s` in local time with strftime pattern fmt into out. Returns
 * the length written (0 on failure; out is then ""). */
size_t plat_time_format(char *out, size_t outlen, const char *fmt, int64_t epoch_s);
/* Fill buf with len bytes from the OS CSPRNG; any thread. Returns 0 or ERR_IO. */
int plat_random_bytes(void *buf, size_t len);
/* Bytes of heap the process has in use (allocator statistics); 0 if unknown. */
size_t plat_heap_in_use(void);

/* ---- 5. System log sink and console -------------------------------------------------- */

enum plat_log_level {
    PLAT_LOG_ERROR = 0,
    PLAT_LOG_WARNING = 1,
    PLAT_LOG_NOTICE = 2,
    PLAT_LOG_INFO = 3,
    PLAT_LOG_DEBUG = 4,
};
/* Open the system log (syslog / Event Log) under ident; idempotent. */
int plat_log_syslog_open(const char *ident);
/* Send one line (no newline) to the system log at the given level. */
void plat_log_syslog(enum plat_log_level level, const char *line);
/* Close the system log; safe if never opened. */
void plat_log_syslog_close(void);
/* Write one line plus newline to stdout (stream 1) or stderr (stream 2), unbuffered. */
void plat_log_console(int stream, const char *line);
/* Print prompt on the controlling terminal and read one line into buf (size bytes,
 * caller-owned) with echo switched off; the newline is not stored and buf is always
 * NUL-terminated. Echo is restored before returning. Without a terminal the line is read
 * from standard input. For the command-line tools only. BLOCKS. Returns the length read,
 * ERR_TOOBIG if the line does not fit (the rest of it is discarded), ERR_CLOSED at end of
 * input, ERR_IO, or ERR_NOTSUP where there is no console. */
int plat_password_prompt(const char *prompt, char *buf, size_t size, struct err_detail *d);

/* ---- 6. Service / daemon ------------------------------------------------------------- */

/* What the core supplies to plat_service_main. */
struct plat_service_ops {
    /* Called on the loop thread once the loop exists and signals are wired: bind
     * listeners and start serving. Return 0, or an error to exit with status 1. */
    int (*start)(plat_loop *loop, void *ud);
    /* A stop was requested (SIGTERM/SIGINT or the service manager): finish work and call
     * plat_loop_stop. */
    void (*stop)(void *ud);
    /* Reload configuration (SIGHUP or the service manager's paramchange). */
    void (*reload)(void *ud);
    /* Save persistent state now (SIGUSR1). */
    void (*save)(void *ud);
    /* Debug dump (SIGUSR2); may be NULL. */
    void (*debug)(void *ud);
    /* Called after the loop returned, before the loop is freed: release everything that
     * uses the loop. Also called (once, without start) when the start is refused before
     * ops->start, so that the core can free what it prepared. */
    void (*cleanup)(void *ud);
    /* Report an event of the process model (privileges dropped, stale pid file
     * replaced, ...) as one line for the broker's log; may be NULL (then stderr). Called
     * on the loop thread, also before ops->start. */
    void (*log)(enum plat_log_level level, const char *line, void *ud);
};

/* Options that affect how the process runs. */
struct plat_service_opts {
    bool daemonize;       /* POSIX -d: detach from the terminal */
    const char *pid_file; /* write the pid here after detaching; NULL = none */
    const char *user;     /* POSIX, started as root: switch to this user after start
                           * (NULL = the default); ignored elsewhere */
};

/* Run the broker under the platform's process model: POSIX foreground or daemon; on
 * Windows the SCM or console mode. Creates the loop, wires signals to ops, calls
 * ops->start, runs the loop, calls ops->cleanup. BLOCKS until the service stops.
 * Returns the process exit status (0 after a clean stop).
 * POSIX order: resolve `user` and check the pid file (a live one is an error), detach
 * when daemonize (the parent waits until the child is ready or failed and exits 0 or
 * 1 itself), ops->start, write the pid file, drop root privileges, then report ready
 * (daemon parent, sd_notify READY=1). SIGHUP is framed by RELOADING=1/READY=1 and a
 * stop request sends STOPPING=1 when NOTIFY_SOCKET is set. */
int plat_service_main(const struct plat_service_ops *ops, const struct plat_service_opts *o,
                      void *ud);

/* Handle the platform's own command-line verbs; call it first in main. It may replace
 * *argv (Windows: a UTF-8 copy of the wide command line, kept for the process's
 * lifetime). Windows verbs: "install [--config PATH]" and "uninstall" do their work and
 * return true with the exit status in *status; "run" (console mode) and "service" (the
 * form the service control manager starts) are removed from argv and return false, so
 * main carries on parsing the remaining options. POSIX has no verbs: returns false.
 * BLOCKS (install/uninstall wait for the service manager). */
bool plat_service_verb(int *argc, char ***argv, int *status);

/* ---- 7. Paths ------------------------------------------------------------------------- */

/* Expand environment references in path into a caller-owned string (*out, free()).
 * Windows: %VAR% (unknown variables stay as written); POSIX: a plain copy. Every path
 * given to the file functions above is expanded by the platform already; use this for
 * paths handed to other libraries (certificates for OpenSSL, for example). Returns 0 or
 * ERR_INVAL (not valid UTF-8 on Windows). */
int plat_path_expand(const char *path, char **out);
/* The configuration file to read when none was given on the command line, or NULL to
 * run with the built-in defaults. Windows: %ProgramData%\midge\midge.conf when that file
 * exists; POSIX: NULL. The string is static. */
const char *plat_path_default_config(void);
/* ---- 8. Worker threads --------------------------------------------------------------- */

/* Code for a worker thread. It must not touch the loop or anything the loop thread
 * mutates; it may call plat_loop_wakeup and the blocking file functions. */
typedef void (*plat_thread_fn)(void *ud);

/* Start a thread running fn(ud) (any thread may start one). *out is owned by the caller
 * and released with plat_thread_join. Returns 0, or ERR_IO / ERR_NOMEM with the reason
 * in *d; on error fn is never called. A platform without threads may run fn(ud) to
 * completion inside this call (the fake platform does), so callers must not hold locks
 * that fn takes. */
int plat_thread_start(plat_thread_fn fn, void *ud, plat_thread **out, struct err_detail *d);
/* True once fn has returned (never blocks; any thread). Everything fn wrote before it
 * returned is visible to the caller once this returns true. */
bool plat_thread_is_done(plat_thread *t);
/* Wait for fn to return, then free t. BLOCKS. NULL is a no-op. */
void plat_thread_join(plat_thread *t);

/* ---- 8. Control endpoint ------------------------------------------------------------- */

/* The local endpoint midge-ctl and the admin app connect to (docs/control-protocol.md).
 * POSIX: a Unix stream socket in a directory of mode 0750 and a socket of mode 0660, both
 * owned by the broker's user and the admin group; peers are identified by SO_PEERCRED.
 * Windows: a local named pipe whose protected DACL admits SYSTEM, Administrators, the
 * broker's account and the control group only; peers are identified by their token.
 * Accepted connections are ordinary plat_sock streams (read, write, watch, close). */
typedef struct plat_ctl plat_ctl;

/* Who connected, as the OS reports it. */
struct plat_ctl_peer {
    bool allowed;  /* root/Administrators, the broker's own user, or the admin group */
    char desc[96]; /* "uid=1000 gid=1000 pid=4242" (or the account name) for log lines */
};

/* Write the default endpoint path into out (outlen bytes, always terminated). POSIX:
 * /run/midge/control.sock for root and system users (uid < 1000), else
 * $XDG_RUNTIME_DIR/midge/control.sock; Windows: \\.\pipe\midge-control. The same rule
 * serves the broker and the tools.
 * Returns 0, ERR_NOTFOUND when there is no default (no XDG_RUNTIME_DIR) or ERR_TOOBIG. */
int plat_ctl_default_path(char *out, size_t outlen, struct err_detail *d);
/* Create the endpoint at path on loop: make its directory if missing (and tighten the
 * mode and group of one the process owns), replace a stale endpoint left by a dead
 * broker, and listen. group names the admin group (NULL or "" = the process's primary
 * group). Refuses a directory the process does not own or that others may write
 * (ERR_PERM), a live endpoint of another process (ERR_ADDRINUSE), an unknown group
 * (ERR_NOTFOUND), a path too long for the OS (ERR_TOOBIG). *out is owned by the caller
 * (plat_ctl_close). BLOCKS briefly (file system, group lookup): call at start-up.
 * Windows: path must be \\.\pipe\NAME (else ERR_INVAL), there is no directory or stale
 * endpoint, and group is a local group admitted besides SYSTEM and Administrators. */
int plat_ctl_listen(plat_loop *loop, const char *path, const char *group, plat_ctl **out,
                    struct err_detail *d);
/* Call cb(ud) on the loop thread whenever a connection is pending (level-triggered);
 * NULL cb stops watching. Returns 0 or ERR_IO. */
int plat_ctl_watch(plat_ctl *c, plat_hook_cb cb, void *ud);
/* Accept one pending connection as a non-blocking, close-on-exec plat_sock on the
 * endpoint's loop (owned by the caller) and fill *peer. A peer that is not allowed is
 * still returned (allowed = false) so that the caller can answer and log it before
 * closing. Returns 0, ERR_AGAIN when none is pending, ERR_LIMIT when out of descriptors,
 * ERR_IO otherwise. */
int plat_ctl_accept(plat_ctl *c, plat_sock **out, struct plat_ctl_peer *peer);
/* Stop listening and remove the endpoint (the directory stays); NULL is a no-op.
 * Accepted connections stay open. */
void plat_ctl_close(plat_ctl *c);
/* Client side, for the tools: connect to the endpoint at path and return a non-blocking
 * plat_sock on loop (owned by the caller). BLOCKS until connected (local, immediate).
 * Returns 0, ERR_NOTFOUND (no endpoint), ERR_PERM (access denied by the file system or
 * ACL), ERR_REFUSED (nobody listening), ERR_TOOBIG (path too long) or ERR_IO. */
int plat_ctl_connect(plat_loop *loop, const char *path, plat_sock **out, struct err_detail *d);

#endif
