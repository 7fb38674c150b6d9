/* SPDX-License-Identifier: MIT */
/* Tests of the small POSIX services: clocks, time formatting, the CSPRNG, heap
 * statistics and the console and syslog sinks. */
#include "common/platform.h"
#include "tests/assert.h"

#include <stdlib.h>
#include <time.h>

static void test_clocks(void)
{
    uint64_t m1 = plat_time_mono_ms();
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    uint64_t m2 = plat_time_mono_ms();
    ASSERT_TRUE(m2 >= m1 + 19);
    int64_t wall = plat_time_wall_ms();
    ASSERT_TRUE(wall / 1000 - (int64_t)time(NULL) <= 1);
    ASSERT_TRUE(wall > 1600000000000LL);
}

static void test_time_format(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    char out[64];
    ASSERT_EQ_INT(plat_time_format(out, sizeof out, "%Y-%m-%d %H:%M:%S", 86400), 19);
    ASSERT_EQ_STR(out, "1970-01-02 00:00:00");
    ASSERT_EQ_INT(plat_time_format(out, 4, "%Y-%m-%d", 0), 0);
    ASSERT_EQ_STR(out, "");
}

static void test_random(void)
{
    unsigned char a[64] = {0};
    unsigned char b[64] = {0};
    ASSERT_EQ_INT(plat_random_bytes(a, sizeof a), 0);
    ASSERT_EQ_INT(plat_random_bytes(b, sizeof b), 0);
    ASSERT_TRUE(memcmp(a, b, sizeof a) != 0);
    /* Larger than one getrandom call may return. */
    size_t big = 1 << 20;
    unsigned char *p = calloc(1, big);
    ASSERT_EQ_INT(plat_random_bytes(p, big), 0);
    size_t zeros = 0;
    for (size_t i = 0; i < big; i++)
        zeros += p[i] == 0;
    ASSERT_TRUE(zeros < big / 128); /* about big / 256 expected */
    free(p);
    ASSERT_EQ_INT(plat_random_bytes(a, 0), 0);
}

static void test_heap_and_log(void)
{
    /* Allocator statistics may be unavailable (sanitizers); it must not crash. */
    void *p = malloc(1 << 16);
    (void)plat_heap_in_use();
    free(p);
    plat_log_console(1, "# console line on stdout");
    plat_log_console(2, "# console line on stderr");
    ASSERT_EQ_INT(plat_log_syslog_open("midge-test"), 0);
    ASSERT_EQ_INT(plat_log_syslog_open("midge-test"), 0);
    plat_log_syslog(PLAT_LOG_DEBUG, "unit test of the syslog sink");
    plat_log_syslog_close();
    plat_log_syslog_close();
}

struct thread_arg {
    int value;
    plat_loop *loop;
};

static void thread_body(void *ud)
{
    struct thread_arg *a = ud;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL); /* long enough for the caller to see "not done" first */
    a->value = 42;
    plat_loop_wakeup(a->loop); /* allowed from a worker */
}

static void test_thread(void)
{
    struct err_detail d = {{0}, {0}, 0};
    struct thread_arg a = {0, NULL};
    ASSERT_EQ_INT(plat_loop_new(&a.loop, &d), 0);
    plat_thread *t = NULL;
    ASSERT_EQ_INT(plat_thread_start(thread_body, &a, &t, &d), 0);
    ASSERT_FALSE(plat_thread_is_done(t));
    while (!plat_thread_is_done(t))
        plat_loop_run_once(a.loop, 100);
    ASSERT_EQ_INT(a.value, 42); /* visible once done */
    plat_thread_join(t);
    plat_thread_join(NULL);
    /* join without polling first waits for the end. */
    a.value = 0;
    ASSERT_EQ_INT(plat_thread_start(thread_body, &a, &t, &d), 0);
    plat_thread_join(t);
    ASSERT_EQ_INT(a.value, 42);
    plat_loop_free(a.loop);
}

int main(void)
{
    RUN_TEST(test_clocks);
    RUN_TEST(test_time_format);
    RUN_TEST(test_random);
    RUN_TEST(test_heap_and_log);
    RUN_TEST(test_thread);
    return 0;
}
