/* SPDX-License-Identifier: MIT */
/* A timer queue: the pure, OS-free part of an event loop's timers, shared by the posix/,
 * win32/ and fake platform loops so the ordering rules are written once. A binary
 * min-heap ordered by (due, seq) — equal due times fire in the order they were armed —
 * plus the list of timers that expired in the current pass. Nodes are embedded in the
 * caller's timer objects (intrusive); the queue never allocates a node and never calls
 * anything. Time is passed in by the caller (monotonic milliseconds). Single thread. */
#ifndef MIDGE_COMMON_TIMERQ_H
#define MIDGE_COMMON_TIMERQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One timer's place in the queue; zero-initialise it (or call timerq_node_init). */
struct timerq_node {
    uint64_t due;    /* monotonic ms of the next expiry */
    uint64_t repeat; /* 0 = one-shot; otherwise re-armed by timerq_next_ready */
    uint64_t seq;    /* arming order, the tie-breaker for equal due times */
    size_t heap_idx; /* index in the heap, or TIMERQ_NONE */
    bool ready;      /* in the expired list of the current pass */
    struct timerq_node *ready_prev, *ready_next;
};

#define TIMERQ_NONE SIZE_MAX

struct timerq {
    struct timerq_node **heap; /* owned array of borrowed nodes */
    size_t len, cap;
    uint64_t seq;
    struct timerq_node *ready_head, *ready_tail;
};

/* Initialise an empty queue in caller-owned storage / free its array (the nodes belong
 * to the caller and are left as they are). */
void timerq_init(struct timerq *q);
void timerq_cleanup(struct timerq *q);
/* Mark a node as in no queue (equivalent to zeroing it except for heap_idx). */
void timerq_node_init(struct timerq_node *n);

/* Detach n (borrowed) from wherever it is, then arm it to expire at `due` with the given
 * repeat period (0 = one-shot). */
void timerq_arm(struct timerq *q, struct timerq_node *n, uint64_t due, uint64_t repeat);
/* Take n out of the heap or the expired list; a no-op for a node in neither. */
void timerq_detach(struct timerq *q, struct timerq_node *n);
/* True if n waits in the heap or in the expired list. */
bool timerq_is_pending(const struct timerq_node *n);

/* Move every node due at `now` from the heap to the expired list, in firing order. Nodes
 * armed after this call (even for `now`) wait for the next pass, so a callback that
 * re-arms its timer with 0 ms cannot make one pass endless. */
void timerq_expire(struct timerq *q, uint64_t now);
/* Pop the next node of the expired list (NULL when empty). A repeating node is re-armed
 * first at its next beat after `now` (missed beats are skipped, not fired in a burst),
 * so the caller may stop or free it from its callback; a one-shot node is detached. */
struct timerq_node *timerq_next_ready(struct timerq *q, uint64_t now);
/* How long a loop may wait at `now`: timeout_ms (-1 = forever) shortened to the next
 * due time, and capped at max_ms when a timer is armed. */
int timerq_wait_ms(const struct timerq *q, uint64_t now, int timeout_ms, int max_ms);

#endif
