/* SPDX-License-Identifier: MIT */
/* Unit tests for common/timerq: firing order (due, then arming order), detach from the
 * heap and from the expired list, repeat cadence with skipped beats, re-arming from a
 * "callback" in the same pass, wait computation, and a randomized heap check. */
#include "common/timerq.h"

#include "tests/assert.h"

#include <stdlib.h>

#define N 8

static struct timerq q;
static struct timerq_node nodes[N];

static void setup(void)
{
    timerq_init(&q);
    for (int i = 0; i < N; i++)
        timerq_node_init(&nodes[i]);
}

/* Index of the node popped next, or -1. */
static int pop(uint64_t now)
{
    struct timerq_node *n = timerq_next_ready(&q, now);
    return n ? (int)(n - nodes) : -1;
}

static void test_order_by_due_then_arming(void)
{
    setup();
    timerq_arm(&q, &nodes[0], 30, 0);
    timerq_arm(&q, &nodes[1], 10, 0);
    timerq_arm(&q, &nodes[2], 20, 0);
    timerq_arm(&q, &nodes[3], 10, 0); /* same due as 1, armed later: fires after it */
    timerq_expire(&q, 25);
    ASSERT_EQ_INT(pop(25), 1);
    ASSERT_EQ_INT(pop(25), 3);
    ASSERT_EQ_INT(pop(25), 2);
    ASSERT_EQ_INT(pop(25), -1);
    ASSERT_TRUE(timerq_is_pending(&nodes[0]));
    ASSERT_FALSE(timerq_is_pending(&nodes[1]));
    timerq_expire(&q, 30);
    ASSERT_EQ_INT(pop(30), 0);
    ASSERT_EQ_INT(q.len, 0);
    timerq_cleanup(&q);
}

static void test_detach_from_heap_and_expired_list(void)
{
    setup();
    for (int i = 0; i < 4; i++)
        timerq_arm(&q, &nodes[i], (uint64_t)(10 * (i + 1)), 0);
    timerq_detach(&q, &nodes[1]); /* from the heap */
    timerq_expire(&q, 100);
    timerq_detach(&q, &nodes[2]); /* from the expired list, as a callback may */
    timerq_detach(&q, &nodes[2]); /* twice is a no-op */
    ASSERT_EQ_INT(pop(100), 0);
    ASSERT_EQ_INT(pop(100), 3);
    ASSERT_EQ_INT(pop(100), -1);
    ASSERT_FALSE(timerq_is_pending(&nodes[1]));
    timerq_cleanup(&q);
}

static void test_repeat_keeps_cadence_and_skips_missed_beats(void)
{
    setup();
    timerq_arm(&q, &nodes[0], 100, 100);
    timerq_expire(&q, 105);
    ASSERT_EQ_INT(pop(105), 0);
    ASSERT_EQ_INT(nodes[0].due, 200); /* on the grid, not 205 */
    timerq_expire(&q, 750);           /* the loop stalled: beats 300..700 missed */
    ASSERT_EQ_INT(pop(750), 0);
    ASSERT_EQ_INT(nodes[0].due, 850); /* one beat after now, no burst */
    ASSERT_EQ_INT(pop(750), -1);
    timerq_cleanup(&q);
}

static void test_rearm_in_pass_waits_for_next_pass(void)
{
    setup();
    timerq_arm(&q, &nodes[0], 10, 0);
    timerq_expire(&q, 10);
    ASSERT_EQ_INT(pop(10), 0);
    timerq_arm(&q, &nodes[0], 10, 0); /* "0 ms" from its own callback */
    ASSERT_EQ_INT(pop(10), -1);       /* not in this pass */
    timerq_expire(&q, 10);
    ASSERT_EQ_INT(pop(10), 0);
    timerq_cleanup(&q);
}

static void test_wait_ms(void)
{
    setup();
    ASSERT_EQ_INT(timerq_wait_ms(&q, 0, -1, 1000), -1);
    ASSERT_EQ_INT(timerq_wait_ms(&q, 0, 50, 1000), 50);
    timerq_arm(&q, &nodes[0], 5000, 0);
    ASSERT_EQ_INT(timerq_wait_ms(&q, 1000, -1, 1000), 1000); /* capped */
    ASSERT_EQ_INT(timerq_wait_ms(&q, 4990, -1, 1000), 10);
    ASSERT_EQ_INT(timerq_wait_ms(&q, 4990, 3, 1000), 3);
    ASSERT_EQ_INT(timerq_wait_ms(&q, 6000, -1, 1000), 0); /* overdue */
    timerq_cleanup(&q);
}

static void test_random_heap_order(void)
{
    enum { M = 500 };
    static struct timerq_node big[M];
    timerq_init(&q);
    srand(7);
    for (int i = 0; i < M; i++) {
        timerq_node_init(&big[i]);
        timerq_arm(&q, &big[i], (uint64_t)(rand() % 100), 0);
    }
    for (int i = 0; i < M; i += 3)
        timerq_detach(&q, &big[i]);
    timerq_expire(&q, 1000);
    uint64_t last_due = 0, last_seq = 0;
    int count = 0;
    for (struct timerq_node *n; (n = timerq_next_ready(&q, 1000)) != NULL; count++) {
        ASSERT_TRUE(n->due > last_due || (n->due == last_due && n->seq > last_seq) || !count);
        last_due = n->due;
        last_seq = n->seq;
    }
    ASSERT_EQ_INT(count, M - (M + 2) / 3);
    timerq_cleanup(&q);
}

int main(void)
{
    RUN_TEST(test_order_by_due_then_arming);
    RUN_TEST(test_detach_from_heap_and_expired_list);
    RUN_TEST(test_repeat_keeps_cadence_and_skips_missed_beats);
    RUN_TEST(test_rearm_in_pass_waits_for_next_pass);
    RUN_TEST(test_wait_ms);
    RUN_TEST(test_random_heap_order);
    return 0;
}
