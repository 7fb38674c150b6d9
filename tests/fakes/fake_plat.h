/* SPDX-License-Identifier: MIT */
/* Test controls of the fake platform (tests/fakes/): a third implementation of
 * common/platform.h with a fake clock, a fixed random sequence, in-memory sockets, an
 * in-memory file system and a log that keeps every line, so that service code runs
 * deterministically in unit tests.
 *
 * Model:
 *  - Time only moves when a test moves it (fake_time_advance, fake_loop_run_for).
 *    plat_loop_run_once fires the timers that are due by the fake clock; it never
 *    sleeps. A positive or infinite timeout with nothing ready jumps the clock to the
 *    next timer (bounded by the timeout), as if the loop had slept until then.
 *  - plat_sock_listen succeeds on any address and registers a listener on its port.
 *    fake_connect(port) queues a client there, making the listener readable; the
 *    broker's accept callback then runs in the next iteration. Readiness is
 *    level-triggered like the real loop: a connection is readable while unread input
 *    exists or after the client closed, writable while its window allows.
 *  - Each iteration: the before-sleep hook, then the socket callbacks of a readiness
 *    snapshot (a socket closed earlier in the same iteration gets none), the wakeup and
 *    signal callbacks, then the due timers.
 * Everything here is loop-thread only. Pointers returned are borrowed and valid until
 * fake_reset unless a comment says otherwise. */
#ifndef MIDGE_TESTS_FAKES_FAKE_PLAT_H
#define MIDGE_TESTS_FAKES_FAKE_PLAT_H

#include "common/platform.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The test's end of one in-memory connection (opaque). */
struct fake_client;

/* A window that never blocks the broker's writes (the default). */
#define FAKE_WINDOW_UNLIMITED SIZE_MAX
/* The fake monotonic clock's value after fake_reset (ms); nonzero on purpose. */
#define FAKE_TIME_START_MS 1000000u
/* Wall clock = this epoch (ms, 2024-01-01T00:00:00Z) + monotonic - FAKE_TIME_START_MS. */
#define FAKE_WALL_EPOCH_MS 1704067200000ll

/* Forget every client, file and log line, and reset the clock, the random sequence and
 * the heap gauge. Loops and sockets stay (their owners free them); call it after the
 * code under test was torn down, so that ASan sees no leak. */
void fake_reset(void);

/* ---- Clock ---- */

/* Move the fake clock forward by ms. Fires nothing by itself: the next
 * plat_loop_run_once runs the timers that became due. */
void fake_time_advance(uint64_t ms);
/* Set the fake monotonic clock (must not go backwards in a running test). */
void fake_time_set(uint64_t mono_ms);

/* ---- Loop drivers ---- */

/* Run iterations with timeout 0 until one runs no callback (at most max_iters, 0 = a
 * default of 10000). The before-sleep hook of that last iteration has flushed what the
 * previous ones produced. Returns the number of iterations run. */
int fake_loop_settle(plat_loop *loop, int max_iters);
/* Let ms of fake time pass: the clock advances timer by timer (every beat of a
 * repeating timer fires) and the loop settles at each stop and at the end. */
void fake_loop_run_for(plat_loop *loop, uint64_t ms);
/* Deliver sig to the handler of plat_loop_handle_signals in the next iteration. */
void fake_loop_raise_signal(plat_loop *loop, enum plat_signal sig);

/* ---- Network ---- */

/* Connect a new client to the first open listener on port; the listener becomes
 * readable. Returns the client (owned by the fake; see fake_client_free) or NULL when no
 * listener is open on port (connection refused). */
struct fake_client *fake_connect(uint16_t port);
/* Queue len bytes that the client sends; the broker's socket becomes readable. */
void fake_client_send(struct fake_client *fc, const void *bytes, size_t len);
/* Take up to max bytes of what the broker wrote; returns the count (0 = nothing). */
size_t fake_client_recv(struct fake_client *fc, void *buf, size_t max);
/* What the broker wrote and the test has not taken yet (borrowed, *len bytes; valid
 * until the next call that changes the stream). */
const uint8_t *fake_client_data(const struct fake_client *fc, size_t *len);
/* Drop n bytes (n <= pending) from the front of what the broker wrote. */
void fake_client_consume(struct fake_client *fc, size_t n);
/* Close the client's end: the broker reads the pending input, then end of stream; its
 * writes fail with ERR_CLOSED. */
void fake_client_close(struct fake_client *fc);
/* Let the broker write n more bytes in total before its writes return ERR_AGAIN (a
 * write that does not fit is short); FAKE_WINDOW_UNLIMITED lifts the limit. The socket
 * is writable while the window is not 0. */
void fake_client_set_window(struct fake_client *fc, size_t n);
/* Number of plat_sock_write calls on the broker side that accepted at least one byte. */
uint64_t fake_client_write_count(const struct fake_client *fc);
/* True once the broker has accepted the connection. */
bool fake_client_is_accepted(const struct fake_client *fc);
/* True once the broker closed its side (plat_sock_close), or refused the connection. */
bool fake_client_is_closed(const struct fake_client *fc);
/* The client's address as the broker sees it ("192.0.2.N:PORT"). */
const struct plat_addr *fake_client_addr(const struct fake_client *fc);
/* Free a client now (the broker's socket, if open, then sees a vanished peer). NULL is
 * a no-op. */
void fake_client_free(struct fake_client *fc);

/* ---- Control endpoint ---- */

/* The fake port plat_ctl_listen listens on (whatever path it is given). */
#define FAKE_CTL_PORT 1
/* Connect a client to the control endpoint; allowed says whether plat_ctl_accept
 * reports it as passing the access check. NULL when no endpoint is open. */
struct fake_client *fake_ctl_connect(bool allowed);

/* ---- Files ---- */

/* Create or replace path with the NUL-terminated text data (copied). */
void fake_fs_put(const char *path, const char *data);
/* Create or replace path with len bytes of data (copied). */
void fake_fs_put_bytes(const char *path, const void *data, size_t len);
/* Contents of path, NUL-terminated (borrowed), or NULL when it does not exist; the
 * length goes to *len when len is not NULL. */
const char *fake_fs_get(const char *path, size_t *len);
/* Permission bits path was last written with (0 if it does not exist). */
unsigned fake_fs_mode(const char *path);
/* Remove path; returns true if it existed. */
bool fake_fs_remove(const char *path);
/* Make the next plat_file_write_atomic calls fail with err (0 = succeed again). */
void fake_fs_fail_writes(int err);

/* ---- Log ---- */

enum fake_log_sink {
    FAKE_LOG_STDOUT = 1,
    FAKE_LOG_STDERR = 2,
    FAKE_LOG_SYSLOG = 3,
};
/* Number of lines written to any sink since the last reset. */
size_t fake_log_count(void);
/* Line i (borrowed) and, when sink is not NULL, where it went. NULL past the end. */
const char *fake_log_line(size_t i, enum fake_log_sink *sink);
/* True when some line contains substr. */
bool fake_log_contains(const char *substr);
/* Number of lines that contain substr. */
size_t fake_log_count_matching(const char *substr);
/* Forget the lines collected so far. */
void fake_log_clear(void);
/* Also print every line to stderr (for debugging a test); the environment variable
 * MIDGE_FAKE_LOG_ECHO=1 turns it on at start. */
void fake_log_set_echo(bool on);

/* ---- Process model ---- */

/* Whether the last plat_service_main was asked to daemonize (recorded, not done). */
bool fake_service_detached(void);
/* The `user` the last plat_service_main was given ("" for none; borrowed). */
const char *fake_service_user(void);

/* ---- Random, heap ---- */

/* Restart the random byte sequence from seed (fake_reset uses 0). */
void fake_random_seed(uint64_t seed);
/* Value that plat_heap_in_use reports (default 0 = unknown). */
void fake_heap_set(size_t bytes);

#endif
