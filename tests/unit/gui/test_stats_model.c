/* SPDX-License-Identifier: MIT */
/* Unit tests for MidgeStatsModel: rates from counters, gauges, ring wrap-around, gaps
 * after a broker restart, and the "changed" signal. No display needed. */
#include "gui/stats_model.h"

#include "tests/assert.h"

#include <math.h>

static MidgeStatsSample sample(double t, guint64 rx, guint64 clients)
{
    MidgeStatsSample s = {.mono_s = t,
                          .msgs_received = rx,
                          .msgs_sent = 2 * rx,
                          .bytes_received = 100 * rx,
                          .bytes_sent = 50 * rx,
                          .clients_connected = clients,
                          .subscriptions = clients + 1,
                          .retained = 7,
                          .heap = 4096,
                          .uptime_s = (guint64)t};
    return s;
}

static void on_changed(MidgeStatsModel *m, int *count)
{
    (void)m;
    (*count)++;
}

static void test_rates_and_gauges(void)
{
    MidgeStatsModel *m = midge_stats_model_new();
    int changed = 0;
    g_signal_connect(m, "changed", G_CALLBACK(on_changed), &changed);
    ASSERT_TRUE(midge_stats_model_get_last_sample(m) == NULL);
    MidgeStatsSample s = sample(10, 100, 3);
    midge_stats_model_push(m, &s);
    /* first snapshot: gauges only, no rate yet */
    ASSERT_EQ_INT(midge_stats_model_n_points(m, MIDGE_SERIES_MSGS_RX), 0);
    ASSERT_EQ_INT(midge_stats_model_n_points(m, MIDGE_SERIES_CLIENTS), 1);
    s = sample(12, 300, 5); /* 200 messages in 2 s */
    midge_stats_model_push(m, &s);
    ASSERT_EQ_INT(changed, 2);
    double t, v;
    ASSERT_TRUE(midge_stats_model_get_point(m, MIDGE_SERIES_MSGS_RX, 0, &t, &v));
    ASSERT_EQ_INT(t, 12);
    ASSERT_EQ_INT(v, 100);
    ASSERT_TRUE(midge_stats_model_get_latest(m, MIDGE_SERIES_MSGS_TX, &v));
    ASSERT_EQ_INT(v, 200);
    ASSERT_TRUE(midge_stats_model_get_latest(m, MIDGE_SERIES_BYTES_RX, &v));
    ASSERT_EQ_INT(v, 10000);
    ASSERT_TRUE(midge_stats_model_get_latest(m, MIDGE_SERIES_BYTES_TX, &v));
    ASSERT_EQ_INT(v, 5000);
    ASSERT_TRUE(midge_stats_model_get_latest(m, MIDGE_SERIES_CLIENTS, &v));
    ASSERT_EQ_INT(v, 5);
    ASSERT_TRUE(midge_stats_model_get_latest(m, MIDGE_SERIES_SUBS, &v));
    ASSERT_EQ_INT(v, 6);
    ASSERT_TRUE(midge_stats_model_get_latest(m, MIDGE_SERIES_HEAP, &v));
    ASSERT_EQ_INT(v, 4096);
    ASSERT_FALSE(midge_stats_model_get_point(m, MIDGE_SERIES_MSGS_RX, 1, &t, &v));
    ASSERT_EQ_INT(midge_stats_model_get_last_sample(m)->uptime_s, 12);
    g_object_unref(m);
}

static void test_counter_reset_gives_gap(void)
{
    MidgeStatsModel *m = midge_stats_model_new();
    MidgeStatsSample s = sample(1, 500, 1);
    midge_stats_model_push(m, &s);
    s = sample(2, 600, 1);
    midge_stats_model_push(m, &s);
    s = sample(3, 5, 1); /* the broker restarted: counters start again */
    midge_stats_model_push(m, &s);
    double v;
    ASSERT_TRUE(midge_stats_model_get_point(m, MIDGE_SERIES_MSGS_RX, 1, NULL, &v));
    ASSERT_TRUE(isnan(v));
    /* the latest real value skips the gap */
    ASSERT_TRUE(midge_stats_model_get_latest(m, MIDGE_SERIES_MSGS_RX, &v));
    ASSERT_EQ_INT(v, 100);
    s = sample(4, 25, 1);
    midge_stats_model_push(m, &s);
    ASSERT_TRUE(midge_stats_model_get_latest(m, MIDGE_SERIES_MSGS_RX, &v));
    ASSERT_EQ_INT(v, 20);
    /* time that does not advance gives a gap, not a division by zero */
    s = sample(4, 30, 1);
    midge_stats_model_push(m, &s);
    ASSERT_TRUE(midge_stats_model_get_point(m, MIDGE_SERIES_MSGS_RX, 3, NULL, &v));
    ASSERT_TRUE(isnan(v));
    g_object_unref(m);
}

static void test_break_restarts_rates(void)
{
    MidgeStatsModel *m = midge_stats_model_new();
    MidgeStatsSample s = sample(1, 10, 1);
    midge_stats_model_push(m, &s);
    midge_stats_model_break(m); /* reconnected: the old counters mean nothing now */
    s = sample(5, 1000, 2);
    midge_stats_model_push(m, &s);
    ASSERT_EQ_INT(midge_stats_model_n_points(m, MIDGE_SERIES_MSGS_RX), 0);
    ASSERT_EQ_INT(midge_stats_model_n_points(m, MIDGE_SERIES_CLIENTS), 2);
    g_object_unref(m);
}

static void test_ring_wraps(void)
{
    MidgeStatsModel *m = midge_stats_model_new();
    guint total = MIDGE_STATS_CAPACITY + 250;
    for (guint i = 0; i < total; i++) {
        MidgeStatsSample s = sample(i, (guint64)i * i, i);
        midge_stats_model_push(m, &s);
    }
    ASSERT_EQ_INT(midge_stats_model_n_points(m, MIDGE_SERIES_CLIENTS), MIDGE_STATS_CAPACITY);
    ASSERT_EQ_INT(midge_stats_model_n_points(m, MIDGE_SERIES_MSGS_RX), MIDGE_STATS_CAPACITY);
    double t, v;
    ASSERT_TRUE(midge_stats_model_get_point(m, MIDGE_SERIES_CLIENTS, 0, &t, &v));
    ASSERT_EQ_INT(t, 250); /* the 250 oldest dropped out */
    ASSERT_EQ_INT(v, 250);
    ASSERT_TRUE(
        midge_stats_model_get_point(m, MIDGE_SERIES_CLIENTS, MIDGE_STATS_CAPACITY - 1, &t, &v));
    ASSERT_EQ_INT(t, total - 1);
    /* rate at i is i*i - (i-1)*(i-1) = 2i - 1 */
    ASSERT_TRUE(midge_stats_model_get_point(m, MIDGE_SERIES_MSGS_RX, 0, &t, &v));
    ASSERT_EQ_INT(v, 2 * t - 1);
    g_object_unref(m);
}

static void test_series_info(void)
{
    ASSERT_EQ_STR(midge_series_name(MIDGE_SERIES_BYTES_TX), "Bytes sent");
    ASSERT_EQ_INT(midge_series_unit(MIDGE_SERIES_BYTES_TX), MIDGE_UNIT_BYTES_SEC);
    ASSERT_EQ_INT(midge_series_unit(MIDGE_SERIES_HEAP), MIDGE_UNIT_BYTES);
}

int main(void)
{
    RUN_TEST(test_rates_and_gauges);
    RUN_TEST(test_counter_reset_gives_gap);
    RUN_TEST(test_break_restarts_rates);
    RUN_TEST(test_ring_wraps);
    RUN_TEST(test_series_info);
    return 0;
}
