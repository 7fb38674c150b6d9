/* SPDX-License-Identifier: MIT */
/* Unit tests for service/ctl_server on the fake platform: access refusal, hello, the
 * limits (clients, request size, idle and half-sent timeouts on the fake clock), stats
 * subscriptions, kicking an MQTT client and the log ring. */
#include "common/ctl_proto.h"
#include "service/ctl_server.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"

#include <stdio.h>
#include <string.h>

static struct fake_client *ctl_open(struct harness *h, bool allowed)
{
    struct fake_client *fc = fake_ctl_connect(allowed);
    ASSERT_TRUE(fc != NULL);
    h_settle(h);
    return fc;
}

static void ctl_send(struct harness *h, struct fake_client *fc, const char *text)
{
    fake_client_send(fc, text, strlen(text));
    h_settle(h);
}

/* Take the next frame the broker wrote into *r (false when there is none). */
static bool ctl_recv(struct fake_client *fc, struct ctl_reply *r)
{
    size_t len = 0;
    const uint8_t *data = fake_client_data(fc, &len);
    const uint8_t *nl = data ? memchr(data, '\n', len) : NULL;
    if (!nl)
        return false;
    size_t n = (size_t)(nl - data);
    struct err_detail d = {{0}, {0}, 0};
    int rc = ctl_reply_parse((const char *)data, n, r, &d);
    if (rc != 0)
        TEST_FAIL_("bad frame from the broker: %s", d.msg);
    fake_client_consume(fc, n + 1);
    return true;
}

static void expect_error(struct fake_client *fc, enum ctl_ecode code)
{
    struct ctl_reply r;
    ASSERT_TRUE(ctl_recv(fc, &r));
    ASSERT_EQ_INT(r.kind, CTL_REPLY_ERROR);
    if (r.code != code)
        TEST_FAIL_("error %s (%s), expected %s", r.code_name, r.message, ctl_ecode_name(code));
    ctl_reply_cleanup(&r);
}

static void hello(struct harness *h, struct fake_client *fc)
{
    ctl_send(h, fc, "{\"id\":1,\"op\":\"hello\",\"args\":{\"protocol\":1}}\n");
    struct ctl_reply r;
    ASSERT_TRUE(ctl_recv(fc, &r));
    ASSERT_EQ_INT(r.kind, CTL_REPLY_RESULT);
    ASSERT_EQ_INT(cJSON_GetObjectItem(r.result, "protocol")->valuedouble, 1);
    ctl_reply_cleanup(&r);
}

static void test_refused_peer(void)
{
    struct harness h;
    h_start(&h, NULL);
    struct fake_client *fc = ctl_open(&h, false);
    expect_error(fc, CTL_E_PERM);
    ASSERT_TRUE(fake_client_is_closed(fc));
    ASSERT_TRUE(fake_log_contains("control socket: refused uid=65534"));
    ASSERT_EQ_INT(ctl_server_client_count(&h.b), 0);
    h_stop(&h);
}

static void test_hello_and_stats(void)
{
    struct harness h;
    h_start(&h, NULL);
    struct fake_client *fc = ctl_open(&h, true);
    ctl_send(&h, fc, "{\"id\":5,\"op\":\"stats.get\"}\n");
    expect_error(fc, CTL_E_HELLO_REQUIRED);
    hello(&h, fc);
    struct tclient *mq = tc_connect(&h, "counted", true, false);
    ctl_send(&h, fc, "{\"id\":6,\"op\":\"stats.get\"}\n");
    struct ctl_reply r;
    ASSERT_TRUE(ctl_recv(fc, &r));
    ASSERT_EQ_INT(r.id, 6);
    const cJSON *st = cJSON_GetObjectItem(r.result, "stats");
    ASSERT_EQ_INT(cJSON_GetObjectItem(st, "clients/connected")->valuedouble, 1);
    ASSERT_TRUE(cJSON_GetObjectItem(st, "load/bytes/received/1min") != NULL);
    ctl_reply_cleanup(&r);
    tc_free(mq);
    h_stop(&h);
}

static void test_limits(void)
{
    struct harness h;
    h_start(&h, NULL);
    struct fake_client *fcs[16];
    for (size_t i = 0; i < 16; i++)
        fcs[i] = ctl_open(&h, true);
    ASSERT_EQ_INT(ctl_server_client_count(&h.b), 16);
    struct fake_client *extra = ctl_open(&h, true);
    expect_error(extra, CTL_E_LIMIT);
    ASSERT_TRUE(fake_client_is_closed(extra));
    /* An oversize request: too_big, then closed; the others are unaffected. */
    static char big[CTL_MAX_REQUEST + 10];
    memset(big, 'x', sizeof big);
    fake_client_send(fcs[0], big, sizeof big);
    h_settle(&h);
    expect_error(fcs[0], CTL_E_TOO_BIG);
    ASSERT_TRUE(fake_client_is_closed(fcs[0]));
    hello(&h, fcs[1]);
    h_stop(&h);
}

static void test_idle_and_half_sent(void)
{
    struct harness h;
    h_start(&h, NULL);
    struct fake_client *idle = ctl_open(&h, true);
    struct fake_client *half = ctl_open(&h, true);
    struct fake_client *watcher = ctl_open(&h, true);
    hello(&h, idle);
    hello(&h, watcher);
    ctl_send(&h, watcher, "{\"id\":2,\"op\":\"stats.subscribe\",\"args\":{\"interval\":10}}\n");
    struct ctl_reply r;
    ASSERT_TRUE(ctl_recv(watcher, &r));
    ASSERT_EQ_INT(r.kind, CTL_REPLY_RESULT);
    double sub = cJSON_GetObjectItem(r.result, "sub")->valuedouble;
    ctl_reply_cleanup(&r);
    ctl_send(&h, half, "{\"id\":1,\"op\":\"hel");
    h_run_for(&h, 29 * 1000);
    ASSERT_FALSE(fake_client_is_closed(half));
    h_run_for(&h, 2 * 1000);
    ASSERT_TRUE(fake_client_is_closed(half));
    ASSERT_FALSE(fake_client_is_closed(idle));
    h_run_for(&h, 300 * 1000);
    ASSERT_TRUE(fake_client_is_closed(idle));
    /* The subscriber is not idle: it got one event per 10 s of the 331 s. */
    ASSERT_FALSE(fake_client_is_closed(watcher));
    int events = 0;
    while (ctl_recv(watcher, &r)) {
        ASSERT_EQ_INT(r.kind, CTL_REPLY_EVENT);
        ASSERT_EQ_INT(r.sub, sub);
        ASSERT_TRUE(cJSON_GetObjectItem(r.data, "stats") != NULL);
        events++;
        ctl_reply_cleanup(&r);
    }
    ASSERT_EQ_INT(events, 33);
    ASSERT_EQ_INT(ctl_server_client_count(&h.b), 1);
    h_stop(&h);
}

static void test_kick_and_log(void)
{
    struct harness h;
    h_start(&h, NULL);
    struct tclient *mq = tc_connect(&h, "victim", true, false);
    struct fake_client *fc = ctl_open(&h, true);
    hello(&h, fc);
    ctl_send(&h, fc, "{\"id\":2,\"op\":\"clients.list\"}\n");
    struct ctl_reply r;
    ASSERT_TRUE(ctl_recv(fc, &r));
    const cJSON *list = cJSON_GetObjectItem(r.result, "clients");
    ASSERT_EQ_INT(cJSON_GetArraySize(list), 1);
    ASSERT_EQ_STR(cJSON_GetObjectItem(list->child, "id")->valuestring, "victim");
    ASSERT_EQ_INT(cJSON_GetObjectItem(list->child, "protocol")->valuedouble, 4);
    ctl_reply_cleanup(&r);
    ctl_send(&h, fc, "{\"id\":3,\"op\":\"clients.kick\",\"args\":{\"id\":\"victim\"}}\n");
    ASSERT_TRUE(ctl_recv(fc, &r));
    ASSERT_EQ_INT(r.kind, CTL_REPLY_RESULT);
    ctl_reply_cleanup(&r);
    ASSERT_TRUE(tc_is_closed(mq));
    ctl_send(&h, fc, "{\"id\":4,\"op\":\"clients.kick\",\"args\":{\"id\":\"victim\"}}\n");
    expect_error(fc, CTL_E_NOT_FOUND);
    ctl_send(&h, fc, "{\"id\":5,\"op\":\"log.get\",\"args\":{\"lines\":1000}}\n");
    ASSERT_TRUE(ctl_recv(fc, &r));
    bool seen = false;
    const cJSON *lines = cJSON_GetObjectItem(r.result, "lines");
    for (const cJSON *l = lines->child; l; l = l->next)
        seen = seen || strstr(cJSON_GetObjectItem(l, "text")->valuestring,
                              "disconnected by the control socket") != NULL;
    ASSERT_TRUE(seen);
    ctl_reply_cleanup(&r);
    /* Without a configuration file the editing operations say so. */
    ctl_send(&h, fc, "{\"id\":6,\"op\":\"config.get\"}\n");
    expect_error(fc, CTL_E_NOT_SUPPORTED);
    tc_free(mq);
    h_stop(&h);
}

int main(void)
{
    test_refused_peer();
    test_hello_and_stats();
    test_limits();
    test_idle_and_half_sent();
    test_kick_and_log();
    puts("test_ctl_server: ok");
    return 0;
}
