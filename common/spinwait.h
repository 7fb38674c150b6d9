/* SPDX-License-Identifier: MIT */
/* Spin-before-sleep policy of an event loop: the pure, OS-free part shared by the posix/
 * and win32/ loops (like common/timerq). While traffic is dense, a loop that polls
 * without sleeping for a few microseconds before it blocks catches the next event
 * without a sleep and a wake-up, which on virtual machines costs tens of microseconds
 * each (docs/performance.md, "Spinning before sleep"). The policy keeps that from
 * costing CPU when traffic is sparse: it spins only while recent waits were short.
 *
 * Armed after a blocking wait that returned events in less than the budget, or after a
 * spin that caught an event; disarmed by a spin that caught nothing (so an idle or
 * lightly loaded loop spins at most once per burst) and never armed with a budget of 0
 * or on a single CPU, where spinning would only keep the peers from running.
 * spinwait_wait runs one wait with it through the caller's poll function and clock, so
 * the loop logic is written once for every platform. Single thread; no allocation. */
#ifndef MIDGE_COMMON_SPINWAIT_H
#define MIDGE_COMMON_SPINWAIT_H

#include <stdbool.h>
#include <stdint.h>

struct spinwait {
    uint64_t budget_ns; /* 0 = never spin */
    bool armed;
};

/* Start disarmed; budget_us 0 or ncpu < 2 turn spinning off for good. */
void spinwait_init(struct spinwait *s, uint32_t budget_us, unsigned ncpu);
/* True when the next wait should poll for up to budget_ns before blocking. */
static inline bool spinwait_should_spin(const struct spinwait *s)
{
    return s->armed;
}
/* Report a spin: caught is true when it dispatched an event within the budget. */
void spinwait_after_spin(struct spinwait *s, bool caught);
/* Report a blocking wait that lasted slept_ns and did (got_events) or did not return
 * events (a timeout or a timer). */
void spinwait_after_sleep(struct spinwait *s, uint64_t slept_ns, bool got_events);

/* One wait of the caller's event loop: waits up to ms (-1 forever, 0 not at all) and
 * dispatches what is ready; returns the number of user callbacks run, or an error < 0. */
typedef int (*spinwait_poll_fn)(void *ctx, int ms);
/* The caller's monotonic clock in nanoseconds. */
typedef uint64_t (*spinwait_clock_fn)(void);
/* Wait for events for up to wait_ms: when armed (and wait_ms != 0), first call
 * poll(ctx, 0) until it dispatches something or budget_ns have passed, then block in
 * poll(ctx, wait_ms) if nothing came; updates the policy with what happened. Returns 0
 * or poll's error. */
int spinwait_wait(struct spinwait *s, int wait_ms, spinwait_poll_fn poll, spinwait_clock_fn now_ns,
                  void *ctx);

#endif
