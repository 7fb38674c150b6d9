/* SPDX-License-Identifier: MIT */
/* Tests of the bridge blocks of the configuration parser: values and defaults of every
 * supported bridge keyword, topic and address forms, and each error with its file:line. */
#include "common/cfg.h"
#include "common/cfg_parse.h"
#include "common/mem.h"
#include "tests/assert.h"

#include <string.h>

static int parse(const char *text, struct cfg *c, char *msg, size_t msglen)
{
    struct err_detail d;
    memset(&d, 0, sizeof d);
    cfg_init(c);
    int rc = cfg_parse_text("b.conf", text, strlen(text), NULL, c, &d);
    err_detail_format(&d, msg, msglen);
    return rc;
}

static void test_defaults(void)
{
    struct cfg c;
    char msg[1200];
    ASSERT_EQ_INT(parse("connection one\naddress example.org\ntopic a/#\n", &c, msg, sizeof msg),
                  0);
    ASSERT_EQ_INT(c.n_bridges, 1);
    const struct cfg_bridge *b = &c.bridges[0];
    ASSERT_EQ_STR(b->name, "one");
    ASSERT_EQ_INT(b->n_addrs, 1);
    ASSERT_EQ_STR(b->addrs[0].host, "example.org");
    ASSERT_EQ_INT(b->addrs[0].port, 1883);
    ASSERT_EQ_INT(b->n_topics, 1);
    ASSERT_EQ_STR(b->topics[0].pattern, "a/#");
    ASSERT_EQ_INT(b->topics[0].dir, CFG_BRIDGE_OUT);
    ASSERT_EQ_INT(b->topics[0].qos, 0);
    ASSERT_TRUE(b->topics[0].local_prefix == NULL && b->topics[0].remote_prefix == NULL);
    ASSERT_TRUE(b->remote_clientid == NULL && b->local_clientid == NULL);
    ASSERT_EQ_INT(b->keepalive_interval, 60);
    ASSERT_EQ_INT(b->restart_base_s, 5);
    ASSERT_EQ_INT(b->restart_cap_s, 30);
    ASSERT_TRUE(b->try_private && b->notifications && !b->notifications_local_only);
    ASSERT_TRUE(!b->cleansession && !b->round_robin && b->attempt_unsubscribe);
    ASSERT_TRUE(b->outgoing_retain);
    ASSERT_EQ_INT(b->max_packet_size, 0);
    ASSERT_EQ_INT(b->protocol_version, 4);
    ASSERT_EQ_INT(b->start_type, 0);
    ASSERT_EQ_INT(b->threshold, 10);
    ASSERT_EQ_INT(b->idle_timeout, 60);
    cfg_cleanup(&c);
}

static void test_values(void)
{
    struct cfg c;
    char msg[1200];
    const char *text = "listener 1883\n"
                       "connection site-b\n"
                       "addresses 10.0.0.1:1884 [::1]:1885 h2 fe80::1:1886\n"
                       "round_robin true\n"
                       "topic sensors/# both 2 local/ remote/\n"
                       "topic \"\" in 1 here/x there/y\n"
                       "topic cmd/+ in\n"
                       "topic x out 1 \"\" r/\n"
                       "remote_clientid rid\nremote_username u\nremote_password p\n"
                       "local_clientid lid\ncleansession true\nkeepalive_interval 5\n"
                       "start_type lazy\nrestart_timeout 7\nidle_timeout 9\nthreshold 3\n"
                       "try_private false\nnotifications false\nnotification_topic n/t\n"
                       "notifications_local_only true\nbridge_protocol_version mqttv31\n"
                       "bridge_attempt_unsubscribe false\nbridge_outgoing_retain false\n"
                       "bridge_max_packet_size 1024\n"
                       "bridge_cafile ca.pem\nbridge_certfile c.pem\nbridge_keyfile k.pem\n"
                       "bridge_insecure true\nbridge_tls_version tlsv1.3\n"
                       "bridge_bind_address 127.0.0.2\n"
                       "connection second\naddress h\ntopic t\nrestart_timeout 2 40\n"
                       "clientid old\n";
    int rc = parse(text, &c, msg, sizeof msg);
    if (rc != 0)
        TEST_FAIL_("parse failed: %s", msg);
    ASSERT_EQ_INT(c.n_bridges, 2);
    const struct cfg_bridge *b = &c.bridges[0];
    ASSERT_EQ_INT(b->n_addrs, 4);
    ASSERT_EQ_STR(b->addrs[0].host, "10.0.0.1");
    ASSERT_EQ_INT(b->addrs[0].port, 1884);
    ASSERT_EQ_STR(b->addrs[1].host, "::1");
    ASSERT_EQ_INT(b->addrs[1].port, 1885);
    ASSERT_EQ_STR(b->addrs[2].host, "h2");
    ASSERT_EQ_INT(b->addrs[2].port, 1883);
    ASSERT_EQ_STR(b->addrs[3].host, "fe80::1");
    ASSERT_EQ_INT(b->addrs[3].port, 1886);
    ASSERT_TRUE(b->round_robin);
    ASSERT_EQ_INT(b->n_topics, 4);
    ASSERT_EQ_INT(b->topics[0].dir, CFG_BRIDGE_BOTH);
    ASSERT_EQ_INT(b->topics[0].qos, 2);
    ASSERT_EQ_STR(b->topics[0].local_prefix, "local/");
    ASSERT_EQ_STR(b->topics[0].remote_prefix, "remote/");
    ASSERT_EQ_STR(b->topics[1].pattern, "");
    ASSERT_EQ_INT(b->topics[1].dir, CFG_BRIDGE_IN);
    ASSERT_EQ_STR(b->topics[1].local_prefix, "here/x");
    ASSERT_EQ_INT(b->topics[2].qos, 0);
    ASSERT_TRUE(b->topics[3].local_prefix == NULL);
    ASSERT_EQ_STR(b->topics[3].remote_prefix, "r/");
    ASSERT_EQ_STR(b->remote_clientid, "rid");
    ASSERT_EQ_STR(b->remote_username, "u");
    ASSERT_EQ_STR(b->remote_password, "p");
    ASSERT_EQ_STR(b->local_clientid, "lid");
    ASSERT_TRUE(b->cleansession);
    ASSERT_EQ_INT(b->keepalive_interval, 5);
    ASSERT_EQ_INT(b->start_type, 1);
    ASSERT_EQ_INT(b->restart_base_s, 7);
    ASSERT_EQ_INT(b->restart_cap_s, 0);
    ASSERT_EQ_INT(b->idle_timeout, 9);
    ASSERT_EQ_INT(b->threshold, 3);
    ASSERT_TRUE(!b->try_private && !b->notifications && b->notifications_local_only);
    ASSERT_EQ_STR(b->notification_topic, "n/t");
    ASSERT_EQ_INT(b->protocol_version, 3);
    ASSERT_TRUE(!b->attempt_unsubscribe && !b->outgoing_retain);
    ASSERT_EQ_INT(b->max_packet_size, 1024);
    ASSERT_EQ_STR(b->cafile, "ca.pem");
    ASSERT_EQ_STR(b->certfile, "c.pem");
    ASSERT_EQ_STR(b->keyfile, "k.pem");
    ASSERT_TRUE(b->insecure);
    ASSERT_EQ_STR(b->bind_address, "127.0.0.2");
    ASSERT_EQ_INT(b->tls_version, 13);
    ASSERT_EQ_INT(c.bridges[1].tls_version, 12);
    ASSERT_EQ_INT(c.bridges[1].restart_base_s, 2);
    ASSERT_EQ_INT(c.bridges[1].restart_cap_s, 40);
    ASSERT_EQ_STR(c.bridges[1].remote_clientid, "old");
    ASSERT_EQ_INT(c.n_listeners, 1); /* a bridge block does not end the listener list */
    cfg_cleanup(&c);
}

static const struct {
    const char *text, *want;
} err_cases[] = {
    {"connection a\naddress h\ntopic t\nconnection a",
     "b.conf:4: a bridge named 'a' is already defined at b.conf:1"},
    {"connection a\ntopic t", "b.conf:1: bridge 'a' has no 'address'"},
    {"connection a\naddress h", "b.conf:1: bridge 'a' has no 'topic'"},
    {"connection", "b.conf:1: 'connection' needs a name"},
    {"connection a b", "b.conf:1: 'connection' name must be one word"},
    {"address h", "b.conf:1: 'address' must follow a 'connection' line"},
    {"topic t", "b.conf:1: 'topic' must follow a 'connection' line"},
    {"remote_clientid x", "b.conf:1: 'remote_clientid' must follow a 'connection' line"},
    {"connection a\naddress h:0", "b.conf:2: bridge address 'h:0' needs a port from 1 to 65535"},
    {"connection a\naddress h:x", "needs a port"},
    {"connection a\naddress :1883", "b.conf:2: bridge address ':1883' has no host name"},
    {"connection a\naddress h\naddress g", "b.conf:3: duplicate 'address' value"},
    {"connection a\naddress h\ntopic t sideways", "b.conf:3: bridge topic direction must be in, "
                                                  "out or both, not 'sideways'"},
    {"connection a\naddress h\ntopic t in 3", "b.conf:3: bridge topic QoS must be 0, 1 or 2"},
    {"connection a\naddress h\ntopic \"\" in 0 a/", "b.conf:3: bridge topic pattern \"\" needs "
                                                    "both a local and a remote prefix"},
    {"connection a\naddress h\ntopic t in 0 a/# b/", "prefix 'a/#' must not contain + or #"},
    {"connection a\naddress h\ntopic a/#/b", "b.conf:3: bridge topic 'a/#/b' with local prefix"},
    {"connection a\naddress h\ntopic t in 0 a b c", "b.conf:3: too many words"},
    {"connection a\naddress h\ntopic t\nbridge_protocol_version mqttv50",
     "b.conf:1: bridge 'a': 'bridge_protocol_version mqttv50' is not supported yet"},
    {"connection a\naddress h\ntopic t\nbridge_protocol_version 4", "must be one of mqttv31"},
    {"connection a\naddress h\ntopic t\nkeepalive_interval 4", "b.conf:4: 'keepalive_interval' "
                                                               "must be an integer from 5"},
    {"connection a\naddress h\ntopic t\nremote_clientid x\nremote_clientid y",
     "b.conf:5: duplicate 'remote_clientid' value"},
    {"connection a\naddress h\ntopic t\nrestart_timeout 10 5", "b.conf:4: 'restart_timeout' must "
                                                               "be an integer from 10"},
    {"connection a\naddress h\ntopic t\nrestart_timeout 1 2 3", "must be SECONDS or BASE CAP"},
    {"connection a\naddress h\ntopic t\nstart_type manual", "'start_type' must be one of"},
    {"connection a\naddress h\ntopic t\nbridge_fancy 1", "unknown configuration keyword"},
    {"connection a\naddress h\ntopic t\nbridge_identity i",
     "b.conf:1: bridge 'a': 'bridge_identity' and 'bridge_psk' must be given together"},
    {"connection a\naddress h\ntopic t\nbridge_identity i\nbridge_psk 12\nbridge_cafile c",
     "cannot be combined with certificate options"},
    {"connection a\naddress h\ntopic t\nbridge_identity i\nbridge_psk 12x4",
     "'bridge_psk' must be an even number of hexadecimal digits"},
    {"connection a\naddress h\ntopic t\nbridge_cafile c\nbridge_certfile x",
     "'bridge_certfile' and 'bridge_keyfile' must be given together"},
    {"connection a\naddress h\ntopic t\nbridge_tls_version tlsv1.0", "'bridge_tls_version' must"},
    {"connection a\naddress h\ntopic t\nlocal_clientid l\nconnection b\naddress h\ntopic t\n"
     "local_clientid l",
     "b.conf:5: bridge 'b' uses the local_clientid of bridge 'a'"},
};

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
        struct cfg c;
        char msg[1200];
        int rc = parse(err_cases[i].text, &c, msg, sizeof msg);
        if (rc != ERR_CONFIG || !strstr(msg, err_cases[i].want))
            TEST_FAIL_("\"%s\": rc %d, message \"%s\", want \"%s\"", err_cases[i].text, rc, msg,
                       err_cases[i].want);
        cfg_cleanup(&c);
    }
}

int main(void)
{
    RUN_TEST(test_defaults);
    RUN_TEST(test_values);
    RUN_TEST(test_errors);
    return 0;
}
