/* SPDX-License-Identifier: MIT */
/* Unit tests for common/spinwait: when the loop's spin-before-sleep policy arms and
 * disarms (short waits arm it, a fruitless spin or a long or empty wait disarms it), and
 * that a budget of 0 or a single CPU never spins. */
#include "common/spinwait.h"

#include "tests/assert.h"

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

int main(void)
{
    RUN_TEST(test_starts_disarmed_and_budget_in_ns);
    RUN_TEST(test_short_wait_with_events_arms);
    RUN_TEST(test_long_or_empty_wait_disarms);
    RUN_TEST(test_off_never_spins);
    RUN_TEST(test_reinit_changes_budget_and_disarms);
    return 0;
}
