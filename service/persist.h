/* SPDX-License-Identifier: MIT */
/* Persistence: restores retained messages and persistent sessions from the persistence
 * file at start-up and saves them at autosave, on request (SIGUSR1) and at a clean
 * shutdown. A save takes a snapshot on the loop thread (message references, no payload
 * copies) and encodes and writes it atomically on a worker thread, so the broker keeps
 * serving meanwhile. The file format is common/persist_fmt.h; docs/persistence.md is the
 * user's view. Loop thread only. */
#ifndef MIDGE_SERVICE_PERSIST_H
#define MIDGE_SERVICE_PERSIST_H

#include "service/broker.h"

/* Set up persistence for b (before the listeners open): when `persistence` is on, load
 * the file (a missing file is a fresh start) and arm autosave. Returns 0, or an error
 * already logged naming the file and the byte offset (corrupt, truncated, newer format,
 * unreadable): the broker must then refuse to start; the file is never modified. */
int persist_start(struct broker *b);
/* The configuration was reloaded: pick up the persistence options (a new file name or
 * directory applies to the next save; turning persistence on starts autosaving but
 * loads nothing until the next start). */
void persist_reconfigure(struct broker *b);
/* Save now (SIGUSR1) without blocking: starts a background save, or queues one if a
 * save is already running. Logs and does nothing when persistence is off. */
void persist_request_save(struct broker *b);
/* Clean shutdown: wait for a running save, then save the final state synchronously
 * (connections must already be closed so that wills are in). No-op when persistence is
 * off. BLOCKS. */
void persist_shutdown(struct broker *b);
/* Wait for a running save (without saving again) and free everything; safe when
 * persist_start was never called or failed. */
void persist_cleanup(struct broker *b);

#endif
