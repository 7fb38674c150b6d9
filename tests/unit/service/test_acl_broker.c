/* SPDX-License-Identifier: MIT */
/* Unit tests of the broker side of acl_file (service/acl.c, sec.c) on the fake platform:
 * SUBSCRIBE refusal and delivery filtering, denied PUBLISH with a completed QoS flow,
 * retained filtering, the will at CONNECT, a broken file fatal at start and kept out on
 * reload, and a reload that re-checks an offline session's subscriptions and queue. */
#include "service/broker.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"

#include <string.h>

static struct harness H;

#define ACL_PATH "/etc/midge/acl"
#define CONF_PATH "/etc/midge/midge.conf"

static const char rules[] = "user alice\n"
                            "topic read a/#\n"
                            "topic deny a/secret\n"
                            "topic read keep/#\n"
                            "topic write out/#\n"
                            "user pub\n"
                            "topic readwrite #\n";

/* CONNECT as user (NULL = anonymous), optionally with a will, and expect CONNACK rc. */
static struct tclient *login_sp(const char *id, const char *user, const char *will, bool clean,
                                uint8_t rc, bool present)
{
    struct tclient *c = tc_open(&H);
    struct mqtt_packet p = {.type = MQTT_PKT_CONNECT};
    struct mqtt_connect *cp = &p.u.connect;
    cp->clean_start = clean;
    cp->keepalive = 60;
    cp->client_id = (struct mqtt_bytes){(const uint8_t *)id, (uint16_t)strlen(id)};
    if (user) {
        cp->has_username = true;
        cp->username = (struct mqtt_bytes){(const uint8_t *)user, (uint16_t)strlen(user)};
    }
    if (will) {
        cp->will_flag = true;
        cp->will_topic = (struct mqtt_bytes){(const uint8_t *)will, (uint16_t)strlen(will)};
        cp->will_payload = (struct mqtt_bytes){(const uint8_t *)"w", 1};
    }
    tc_send(c, &p);
    tc_expect_connack(c, rc, present);
    return c;
}

static struct tclient *login(const char *id, const char *user, const char *will, bool clean,
                             uint8_t rc)
{
    return login_sp(id, user, will, clean, rc, false);
}

static void start(const char *acl)
{
    fake_fs_put(ACL_PATH, acl);
    h_start(&H, "acl_file " ACL_PATH "\n");
}

static void reload(void)
{
    fake_fs_put(CONF_PATH, H_BASE_CONF "acl_file " ACL_PATH "\n");
    H.b.config_path = CONF_PATH;
    broker_reload(&H.b);
    h_settle(&H);
}

static void test_subscribe_publish_retained(void)
{
    start(rules);
    struct tclient *p = login("p", "pub", NULL, true, 0);
    tc_publish(p, "a/old", "r1", 1, 1, true);
    tc_expect_ack(p, MQTT_PKT_PUBACK, 1);
    tc_publish(p, "a/secret", "r2", 1, 2, true);
    tc_expect_ack(p, MQTT_PKT_PUBACK, 2);
    struct tclient *a = login("a", "alice", NULL, true, 0);
    tc_subscribe(a, "out/#", 1, MQTT_SUBACK_FAILURE); /* write only */
    tc_subscribe(a, "a/#", 1, 1);                     /* partly readable */
    tc_expect_publish(a, "a/old", "r1", 1, true, false);
    tc_expect_nothing(a); /* the retained a/secret is filtered */
    tc_publish(p, "a/secret", "x", 0, 0, false);
    tc_publish(p, "a/new", "y", 0, 0, false);
    tc_expect_publish(a, "a/new", "y", 0, false, false);
    tc_expect_nothing(a);
    /* a denied QoS 2 publish still completes its flow */
    tc_publish(a, "a/new", "forged", 2, 7, false);
    tc_expect_ack(a, MQTT_PKT_PUBREC, 7);
    tc_ack(a, MQTT_PKT_PUBREL, 7);
    tc_expect_ack(a, MQTT_PKT_PUBCOMP, 7);
    tc_expect_nothing(a);
    tc_free(a);
    tc_free(p);
    h_stop(&H);
}

static void test_will_needs_write_access(void)
{
    start(rules);
    tc_free(login("w1", "alice", "a/x", true, MQTT_CONNACK_NOT_AUTHORISED));
    tc_free(login("w2", NULL, "out/x", true, MQTT_CONNACK_NOT_AUTHORISED));
    tc_free(login("w3", "alice", "out/x", true, 0));
    tc_free(login("w4", "pub", "$SYS/x", true, MQTT_CONNACK_NOT_AUTHORISED));
    h_stop(&H);
}

static void test_broken_file(void)
{
    fake_fs_put(ACL_PATH, "user alice\ntopic read a/#\nbogus\n");
    struct cfg c;
    cfg_init(&c);
    c.acl_file = strdup(ACL_PATH);
    struct err_detail d = {{0}, {0}, 0};
    plat_loop *loop = NULL;
    ASSERT_EQ_INT(plat_loop_new(&loop, &d), 0);
    struct broker b;
    broker_init(&b, &c, NULL, false, NULL, 0);
    ASSERT_EQ_INT(broker_start(&b, loop), ERR_CONFIG);
    ASSERT_TRUE(fake_log_contains(ACL_PATH ":3: unknown keyword 'bogus'"));
    broker_cleanup(&b);
    plat_loop_free(loop);
    fake_reset();

    start(rules);
    struct tclient *a = login("a", "alice", NULL, true, 0);
    fake_fs_put(ACL_PATH, "user alice\ntopic read #\ntopic read x/#/y\n");
    reload();
    ASSERT_TRUE(fake_log_contains(ACL_PATH ":3: invalid topic filter"));
    ASSERT_TRUE(fake_log_contains("keeping the previous access rules"));
    tc_subscribe(a, "z/#", 0, MQTT_SUBACK_FAILURE); /* "read #" did not get in */
    tc_subscribe(a, "keep/#", 0, 0);
    tc_free(a);
    h_stop(&H);
}

static void test_reload_rechecks_offline_session(void)
{
    start(rules);
    struct tclient *a = login("a", "alice", NULL, false, 0);
    tc_subscribe(a, "a/#", 1, 1);
    tc_subscribe(a, "keep/#", 1, 1);
    tc_disconnect(a);
    tc_free(a);
    struct tclient *p = login("p", "pub", NULL, true, 0);
    tc_publish(p, "a/1", "drop", 1, 1, false);
    tc_expect_ack(p, MQTT_PKT_PUBACK, 1);
    tc_publish(p, "keep/1", "keep", 1, 2, false);
    tc_expect_ack(p, MQTT_PKT_PUBACK, 2);
    fake_fs_put(ACL_PATH, "user alice\ntopic read keep/#\nuser pub\ntopic readwrite #\n");
    reload();
    ASSERT_TRUE(fake_log_contains("client=a ACL re-check: 1 subscription(s) removed, 1 queued"));
    a = login_sp("a", "alice", NULL, false, 0, true);
    uint16_t mid = tc_expect_publish(a, "keep/1", "keep", 1, false, false);
    tc_ack(a, MQTT_PKT_PUBACK, mid);
    tc_expect_nothing(a);
    tc_disconnect(a);
    tc_free(a);
    /* resumed by an anonymous client: alice's rules no longer apply to the session */
    tc_publish(p, "keep/2", "k2", 1, 3, false);
    tc_expect_ack(p, MQTT_PKT_PUBACK, 3);
    a = tc_open(&H);
    tc_send_connect(a, "a", false, 60);
    tc_expect_connack(a, 0, true);
    tc_expect_nothing(a);
    ASSERT_TRUE(fake_log_contains("client=a subscription 'keep/#' removed"));
    tc_free(a);
    tc_free(p);
    h_stop(&H);
}

int main(void)
{
    RUN_TEST(test_subscribe_publish_retained);
    RUN_TEST(test_will_needs_write_access);
    RUN_TEST(test_broken_file);
    RUN_TEST(test_reload_rechecks_offline_session);
    return 0;
}
