/* SPDX-License-Identifier: MIT */
/* Spin-before-sleep policy (see common/spinwait.h). */
#include "common/spinwait.h"

void spinwait_init(struct spinwait *s, uint32_t budget_us, unsigned ncpu)
{
    s->budget_ns = ncpu >= 2 ? (uint64_t)budget_us * 1000u : 0u;
    s->armed = false;
}

void spinwait_after_spin(struct spinwait *s, bool caught)
{
    s->armed = caught && s->budget_ns > 0;
}

int spinwait_wait(struct spinwait *s, int wait_ms, spinwait_poll_fn poll, spinwait_clock_fn now_ns,
                  void *ctx)
{
    if (s->budget_ns == 0) { /* off: no clock reads in the loop's hot path */
        int n = poll(ctx, wait_ms);
        return n < 0 ? n : 0;
    }
    if (wait_ms != 0 && spinwait_should_spin(s)) {
        uint64_t t0 = now_ns();
        do {
            int n = poll(ctx, 0);
            if (n != 0) {
                spinwait_after_spin(s, n > 0);
                return n < 0 ? n : 0;
            }
        } while (now_ns() - t0 < s->budget_ns);
        spinwait_after_spin(s, false);
    }
    uint64_t t0 = now_ns();
    int n = poll(ctx, wait_ms);
    spinwait_after_sleep(s, now_ns() - t0, n > 0);
    return n < 0 ? n : 0;
}

void spinwait_after_sleep(struct spinwait *s, uint64_t slept_ns, bool got_events)
{
    /* An event that came sooner than the budget would have been caught by a spin: the
     * next one probably will be too. */
    s->armed = got_events && s->budget_ns > 0 && slept_ns < s->budget_ns;
}
