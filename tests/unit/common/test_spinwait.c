/* SPDX-License-Identifier: MIT */
/* Unit tests for common/spinwait: when the loop's spin-before-sleep policy arms and
 * disarms (short waits arm it, a fruitless spin or a long or empty wait disarms it), that
 * a budget of 0 or a single CPU never spins, and spinwait_wait's polling against a
 * scripted poll function and a fake clock. */
#include "common/spinwait.h"

#include "tests/assert.h"

#include <string.h>

static void test_starts_disarmed_and_budget_in_ns(void)
{
    struct spinwait s;
    spinwait_init(&s, 30, 2);
    ASSERT_FALSE(spinwait_should_spin(&s));
    ASSERT_EQ_INT((int)s.budget_ns, 30000);
}

static void test_short_wait_with_events_arms(void)
{
    struct spinwait s;
    spinwait_init(&s, 30, 2);
    spinwait_after_sleep(&s, 29999, true);
    ASSERT_TRUE(spinwait_should_spin(&s));
    /* A spin that catches the next event keeps it armed; one that does not disarms. */
    spinwait_after_spin(&s, true);
    ASSERT_TRUE(spinwait_should_spin(&s));
    spinwait_after_spin(&s, false);
    ASSERT_FALSE(spinwait_should_spin(&s));
}

static void test_long_or_empty_wait_disarms(void)
{
    struct spinwait s;
    spinwait_init(&s, 30, 4);
    spinwait_after_sleep(&s, 1000, true);
    ASSERT_TRUE(spinwait_should_spin(&s));
    spinwait_after_sleep(&s, 30000, true); /* exactly the budget: a spin would have missed */
    ASSERT_FALSE(spinwait_should_spin(&s));
    spinwait_after_sleep(&s, 1000, true);
    spinwait_after_sleep(&s, 10, false); /* a timeout or a timer: nothing to catch */
    ASSERT_FALSE(spinwait_should_spin(&s));
}

static void test_off_never_spins(void)
{
    struct spinwait s;
    spinwait_init(&s, 0, 8);
    spinwait_after_sleep(&s, 0, true);
    ASSERT_FALSE(spinwait_should_spin(&s));
    spinwait_after_spin(&s, true);
    ASSERT_FALSE(spinwait_should_spin(&s));
    /* One CPU: spinning would only keep the clients from running. */
    spinwait_init(&s, 100, 1);
    spinwait_after_sleep(&s, 0, true);
    ASSERT_FALSE(spinwait_should_spin(&s));
    ASSERT_EQ_INT((int)s.budget_ns, 0);
}

static void test_reinit_changes_budget_and_disarms(void)
{
    struct spinwait s;
    spinwait_init(&s, 30, 2);
    spinwait_after_sleep(&s, 10, true);
    spinwait_init(&s, 100, 2); /* a reload with a new spin_wait_us */
    ASSERT_FALSE(spinwait_should_spin(&s));
    spinwait_after_sleep(&s, 60000, true);
    ASSERT_TRUE(spinwait_should_spin(&s));
}

/* A scripted event source: poll number i (from 0) dispatches script[i] callbacks, each
 * poll advances the fake clock by step_ns, and a blocking poll also by block_ns. */
static struct {
    int script[16];
    int npolls;
    int blocking; /* polls with ms != 0 */
    int last_ms;
    int clock_reads;
    uint64_t now, step_ns, block_ns;
} fx;

static uint64_t fake_now(void)
{
    fx.clock_reads++;
    return fx.now;
}

static int fake_poll(void *ctx, int ms)
{
    (void)ctx;
    fx.now += fx.step_ns + (ms != 0 ? fx.block_ns : 0u);
    fx.blocking += ms != 0;
    fx.last_ms = ms;
    return fx.npolls < 16 ? fx.script[fx.npolls++] : 0;
}

static void fx_reset(uint64_t step_ns, uint64_t block_ns)
{
    memset(&fx, 0, sizeof fx);
    fx.step_ns = step_ns;
    fx.block_ns = block_ns;
}

static void test_wait_spins_until_an_event(void)
{
    struct spinwait s;
    spinwait_init(&s, 50, 2);
    fx_reset(1000, 10000);
    fx.script[0] = 1; /* disarmed: one blocking poll, 11 us, with an event: arms */
    ASSERT_EQ_INT(spinwait_wait(&s, 1000, fake_poll, fake_now, NULL), 0);
    ASSERT_EQ_INT(fx.blocking, 1);
    ASSERT_TRUE(spinwait_should_spin(&s));
    fx.script[5] = 2; /* armed: polls 1-4 find nothing, poll 5 dispatches */
    ASSERT_EQ_INT(spinwait_wait(&s, 1000, fake_poll, fake_now, NULL), 0);
    ASSERT_EQ_INT(fx.npolls, 6);
    ASSERT_EQ_INT(fx.blocking, 1); /* no sleep */
    ASSERT_TRUE(spinwait_should_spin(&s));
}

static void test_wait_gives_up_after_budget_and_blocks(void)
{
    struct spinwait s;
    spinwait_init(&s, 50, 2);
    spinwait_after_sleep(&s, 1, true);
    fx_reset(10000, 0); /* 10 us per poll: 5 polls use the 50 us budget */
    ASSERT_EQ_INT(spinwait_wait(&s, 250, fake_poll, fake_now, NULL), 0);
    ASSERT_EQ_INT(fx.npolls, 6); /* 5 spinning + 1 blocking */
    ASSERT_EQ_INT(fx.blocking, 1);
    ASSERT_EQ_INT(fx.last_ms, 250);
    ASSERT_FALSE(spinwait_should_spin(&s));
}

static void test_wait_zero_never_spins_and_errors_pass_through(void)
{
    struct spinwait s;
    spinwait_init(&s, 50, 2);
    spinwait_after_sleep(&s, 1, true);
    fx_reset(1000, 0);
    ASSERT_EQ_INT(spinwait_wait(&s, 0, fake_poll, fake_now, NULL), 0);
    ASSERT_EQ_INT(fx.npolls, 1);
    ASSERT_EQ_INT(fx.last_ms, 0);
    spinwait_after_sleep(&s, 1, true);
    fx_reset(1000, 0);
    fx.script[1] = -5; /* an error during the spin */
    ASSERT_EQ_INT(spinwait_wait(&s, 1000, fake_poll, fake_now, NULL), -5);
    ASSERT_EQ_INT(fx.blocking, 0);
    ASSERT_FALSE(spinwait_should_spin(&s));
    fx_reset(1000, 0);
    fx.script[0] = -7; /* and in the blocking wait */
    ASSERT_EQ_INT(spinwait_wait(&s, 1000, fake_poll, fake_now, NULL), -7);
    ASSERT_FALSE(spinwait_should_spin(&s));
}

static void test_wait_off_is_one_plain_poll(void)
{
    struct spinwait s;
    spinwait_init(&s, 0, 4);
    fx_reset(1000, 0);
    fx.script[0] = 3;
    ASSERT_EQ_INT(spinwait_wait(&s, 500, fake_poll, fake_now, NULL), 0);
    ASSERT_EQ_INT(fx.npolls, 1);
    ASSERT_EQ_INT(fx.last_ms, 500);
    ASSERT_EQ_INT(fx.clock_reads, 0); /* nothing added to the loop when spinning is off */
    fx.script[1] = -4;
    ASSERT_EQ_INT(spinwait_wait(&s, 500, fake_poll, fake_now, NULL), -4);
    ASSERT_FALSE(spinwait_should_spin(&s));
}

int main(void)
{
    RUN_TEST(test_starts_disarmed_and_budget_in_ns);
    RUN_TEST(test_short_wait_with_events_arms);
    RUN_TEST(test_long_or_empty_wait_disarms);
    RUN_TEST(test_off_never_spins);
    RUN_TEST(test_reinit_changes_budget_and_disarms);
    RUN_TEST(test_wait_spins_until_an_event);
    RUN_TEST(test_wait_gives_up_after_budget_and_blocks);
    RUN_TEST(test_wait_zero_never_spins_and_errors_pass_through);
    RUN_TEST(test_wait_off_is_one_plain_poll);
    return 0;
}
