/* SPDX-License-Identifier: MIT */
/* Unit tests of the $SYS tree on the fake platform (sys_tree.c, stats.c): exact counters
 * after known traffic, the exact period, publication of changed topics only, sys_interval
 * 0, reconfiguration, and the direction of the load averages. */
#include "service/retain.h"
#include "service/stats.h"
#include "service/sys_tree.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"

static struct harness H;

/* The $SYS publications one client received since the last collection. */
#define MAX_GOT 128
struct got {
    size_t n;
    char topic[MAX_GOT][80];
    char payload[MAX_GOT][40];
};

static void collect(struct tclient *c, struct got *g)
{
    memset(g, 0, sizeof *g);
    while (tc_next(c)) {
        ASSERT_EQ_INT(c->pkt.type, MQTT_PKT_PUBLISH);
        const struct mqtt_publish *p = &c->pkt.u.publish;
        ASSERT_TRUE(g->n < MAX_GOT);
        ASSERT_TRUE(p->topic.len < sizeof g->topic[0] && p->payload_len < sizeof g->payload[0]);
        ASSERT_FALSE(p->retain); /* live delivery: retain flag cleared */
        memcpy(g->topic[g->n], p->topic.p, p->topic.len);
        memcpy(g->payload[g->n], p->payload, p->payload_len);
        g->n++;
    }
}

/* The payload received for topic ("$SYS/broker/" + name), or NULL. */
static const char *find(const struct got *g, const char *name)
{
    char topic[80];
    snprintf(topic, sizeof topic, "$SYS/broker/%s", name);
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->topic[i], topic) == 0)
            return g->payload[i];
    return NULL;
}

static void expect_value(const struct got *g, const char *name, const char *want)
{
    const char *v = find(g, name);
    if (!v)
        TEST_FAIL_("%s not published", name);
    if (strcmp(v, want) != 0)
        TEST_FAIL_("%s: \"%s\" != \"%s\"", name, v, want);
}

static void test_counters_exact(void)
{
    h_start(&H, "sys_interval 5\n");
    fake_heap_set(12345);
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "$SYS/#", 0, 0);
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    for (int i = 0; i < 3; i++)
        tc_publish(pub, "t", "abc", 0, 0, false);
    h_run_for(&H, 4999);
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(retain_count(H.b.retained), 0);

    struct got g;
    h_run_for(&H, 1);
    collect(sub, &g);
    ASSERT_EQ_INT(g.n, sys_tree_topic_count() + 1);
    expect_value(&g, "version", "midge version " MIDGE_VERSION);
    expect_value(&g, "uptime", "5 seconds");
    expect_value(&g, "clients/total", "2");
    expect_value(&g, "clients/maximum", "2");
    expect_value(&g, "clients/connected", "2");
    expect_value(&g, "clients/active", "2");
    expect_value(&g, "clients/disconnected", "0");
    expect_value(&g, "clients/inactive", "0");
    expect_value(&g, "clients/expired", "0");
    expect_value(&g, "heap/current", "12345");
    expect_value(&g, "heap/maximum", "12345");
    expect_value(&g, "subscriptions/count", "1");
    expect_value(&g, "shared_subscriptions/count", "0");
    expect_value(&g, "retained messages/count", "1"); /* the version */
    expect_value(&g, "messages/stored", "1");
    expect_value(&g, "store/messages/count", "1");
    /* 2 CONNECT + SUBSCRIBE + 3 PUBLISH in; 2 CONNACK + SUBACK + the version (published
     * just before the sample) out. */
    expect_value(&g, "messages/received", "6");
    expect_value(&g, "messages/sent", "4");
    expect_value(&g, "publish/messages/received", "3");
    expect_value(&g, "publish/messages/sent", "1");
    expect_value(&g, "publish/messages/dropped", "0");
    expect_value(&g, "publish/bytes/received", "9");
    char vlen[16];
    snprintf(vlen, sizeof vlen, "%zu", strlen("midge version " MIDGE_VERSION));
    expect_value(&g, "publish/bytes/sent", vlen);
    /* 2 connections in 5 s = 24/min; 1-min weight 1 - e^(-5/60) = 0.0800. */
    expect_value(&g, "load/connections/1min", "1.92");
    expect_value(&g, "load/sockets/1min", "1.92");
    expect_value(&g, "load/publish/received/1min", "2.88"); /* 36/min */
    expect_value(&g, "load/publish/dropped/1min", "0.00");
    expect_value(&g, "load/connections/15min", "0.13"); /* 24 * (1 - e^(-5/900)) */
    ASSERT_EQ_INT(retain_count(H.b.retained), sys_tree_topic_count() + 1);

    /* A later subscriber gets the retained values at once. */
    struct tclient *late = tc_connect(&H, "late", true, false);
    tc_subscribe(late, "$SYS/broker/clients/total", 0, 0);
    tc_expect_publish(late, "$SYS/broker/clients/total", "2", 0, true, false);
    tc_free(late);
    tc_free(sub);
    tc_free(pub);
    h_stop(&H);
}

static void test_only_changed_republished(void)
{
    h_start(&H, "sys_interval 3\n");
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "$SYS/#", 0, 0);
    struct got g;
    fake_heap_set(500);
    h_run_for(&H, 3000);
    collect(sub, &g);
    ASSERT_EQ_INT(g.n, sys_tree_topic_count() + 1);
    fake_heap_set(100);  /* the current value changes, the maximum does not */
    h_run_for(&H, 3000); /* exactly one period later, not period + 1 s */
    collect(sub, &g);
    expect_value(&g, "uptime", "6 seconds");
    /* The first update's deliveries moved the "sent" counters: republished. */
    expect_value(&g, "publish/messages/sent", "53");
    expect_value(&g, "heap/current", "100");
    expect_value(&g, "retained messages/count", "53");
    ASSERT_TRUE(find(&g, "version") == NULL);
    ASSERT_TRUE(find(&g, "clients/total") == NULL);
    ASSERT_TRUE(find(&g, "heap/maximum") == NULL);
    ASSERT_TRUE(find(&g, "subscriptions/count") == NULL);
    ASSERT_TRUE(find(&g, "publish/messages/received") == NULL);
    ASSERT_TRUE(find(&g, "load/publish/received/1min") == NULL);
    ASSERT_TRUE(g.n < sys_tree_topic_count());
    h_run_for(&H, 2999);
    tc_expect_nothing(sub);
    h_run_for(&H, 1);
    collect(sub, &g);
    expect_value(&g, "uptime", "9 seconds");
    tc_free(sub);
    h_stop(&H);
}

static void test_disabled_and_reconfigured(void)
{
    h_start(&H, "sys_interval 0\n");
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "$SYS/#", 0, 0);
    h_run_for(&H, 60000);
    tc_expect_nothing(sub);
    ASSERT_EQ_INT(retain_count(H.b.retained), 0);

    /* What broker_reload does after a changed sys_interval. */
    H.b.cfg.sys_interval = 2;
    sys_tree_reconfigure(&H.b);
    h_run_for(&H, 1999);
    tc_expect_nothing(sub);
    h_run_for(&H, 1);
    struct got g;
    collect(sub, &g);
    ASSERT_EQ_INT(g.n, sys_tree_topic_count() + 1);
    expect_value(&g, "uptime", "62 seconds");

    H.b.cfg.sys_interval = 0;
    sys_tree_reconfigure(&H.b);
    h_run_for(&H, 10000);
    tc_expect_nothing(sub);
    tc_free(sub);
    h_stop(&H);
}

/* The load averages rise under steady traffic (the short window fastest) and decay
 * without it. */
static void test_load_direction(void)
{
    h_start(&H, "sys_interval 10\n");
    struct tclient *pub = tc_connect(&H, "pub", true, false);
    double prev = 0.0;
    for (int i = 0; i < 6; i++) {
        for (int k = 0; k < 10; k++)
            tc_publish(pub, "t", "x", 0, 0, false);
        h_run_for(&H, 10000);
        const double *l = H.b.stats.load[STATS_LOAD_PUB_RX];
        ASSERT_TRUE(l[STATS_WIN_1] > prev);
        ASSERT_TRUE(l[STATS_WIN_1] > l[STATS_WIN_5] && l[STATS_WIN_5] > l[STATS_WIN_15]);
        ASSERT_TRUE(l[STATS_WIN_1] < 60.0); /* the steady rate: 10 per 10 s */
        prev = l[STATS_WIN_1];
    }
    ASSERT_TRUE(prev > 30.0); /* after one minute: 60 * (1 - e^-1) = 37.9 */
    for (int i = 0; i < 6; i++) {
        h_run_for(&H, 10000);
        const double *l = H.b.stats.load[STATS_LOAD_PUB_RX];
        ASSERT_TRUE(l[STATS_WIN_1] < prev);
        prev = l[STATS_WIN_1];
    }
    ASSERT_TRUE(prev < 15.0);
    tc_free(pub);
    h_stop(&H);
}

/* The pure update: a constant rate converges to that rate per minute. */
static void test_load_converges(void)
{
    struct stats st;
    memset(&st, 0, sizeof st);
    for (int i = 0; i < 200; i++) {
        st.bytes_sent += 1000; /* per 10 s = 6000/min */
        stats_update_loads(&st, 10000);
    }
    ASSERT_TRUE(st.load[STATS_LOAD_BYTES_TX][STATS_WIN_1] > 5999.0);
    ASSERT_TRUE(st.load[STATS_LOAD_BYTES_TX][STATS_WIN_1] < 6001.0);
    ASSERT_TRUE(st.load[STATS_LOAD_BYTES_TX][STATS_WIN_15] > 5000.0);
    ASSERT_TRUE(st.load[STATS_LOAD_MSGS_RX][STATS_WIN_1] == 0.0);
    stats_update_loads(&st, 60000); /* one silent minute: x e^-1 */
    double v = st.load[STATS_LOAD_BYTES_TX][STATS_WIN_1];
    ASSERT_TRUE(v > 2206.0 && v < 2208.0);
}

/* load/connections counts every accepted CONNECT, also those of clients that left
 * before the update. */
static void test_short_lived_connects_counted(void)
{
    h_start(&H, "sys_interval 5\n");
    struct tclient *sub = tc_connect(&H, "sub", true, false);
    tc_subscribe(sub, "$SYS/broker/load/connections/1min", 0, 0);
    for (int i = 0; i < 3; i++) {
        struct tclient *t = tc_connect(&H, "brief", true, false);
        tc_disconnect(t);
        h_settle(&H);
        tc_free(t);
    }
    h_run_for(&H, 5000);
    struct got g;
    collect(sub, &g);
    /* 4 CONNECTs in 5 s = 48/min; 1-min weight 1 - e^(-5/60) = 0.0800. */
    expect_value(&g, "load/connections/1min", "3.84");
    tc_free(sub);
    h_stop(&H);
}

int main(void)
{
    RUN_TEST(test_counters_exact);
    RUN_TEST(test_only_changed_republished);
    RUN_TEST(test_disabled_and_reconfigured);
    RUN_TEST(test_load_direction);
    RUN_TEST(test_load_converges);
    RUN_TEST(test_short_lived_connects_counted);
    return 0;
}
