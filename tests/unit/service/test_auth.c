/* SPDX-License-Identifier: MIT */
/* Unit tests of service/auth.c on the fake platform: password_file checks with CONNACK
 * codes, bad lines logged with file:line, the verification cache (a repeated CONNECT
 * runs no second hash verification), and reloads (stale connections closed, cache kept
 * for unchanged lines, an unreadable file keeps the last good users). */
#include "common/pw_hash.h"
#include "service/auth.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"

#include <stdio.h>
#include <string.h>

static struct harness H;

#define PW_PATH "/etc/midge/pw"
#define CONF_PATH "/etc/midge/midge.conf"

/* Write "user:$7$..." for password (10 iterations keep the test fast) into line. */
static void hash_line(char *line, size_t len, const char *user, const char *password,
                      uint8_t salt_byte)
{
    uint8_t salt[PW_HASH_SALT_LEN];
    memset(salt, salt_byte, sizeof salt);
    struct pw_hash h;
    ASSERT_EQ_INT(pw_hash_compute(&h, PW_HASH_SHA512_PBKDF2, 10, salt, password, strlen(password)),
                  0);
    char enc[PW_HASH_ENCODED_MAX];
    ASSERT_TRUE(pw_hash_encode(&h, enc, sizeof enc) > 0);
    snprintf(line, len, "%s:%s\n", user, enc);
}

/* Send a 3.1.1 CONNECT with username and password (either may be NULL). */
static void send_login(struct tclient *c, const char *id, const char *user, const char *pw)
{
    struct mqtt_packet p = {.type = MQTT_PKT_CONNECT};
    struct mqtt_connect *cp = &p.u.connect;
    cp->clean_start = true;
    cp->keepalive = 60;
    cp->client_id = (struct mqtt_bytes){(const uint8_t *)id, (uint16_t)strlen(id)};
    if (user) {
        cp->has_username = true;
        cp->username = (struct mqtt_bytes){(const uint8_t *)user, (uint16_t)strlen(user)};
    }
    if (pw) {
        cp->has_password = true;
        cp->password = (struct mqtt_bytes){(const uint8_t *)pw, (uint16_t)strlen(pw)};
    }
    tc_send(c, &p);
}

/* Open, log in and expect CONNACK rc; returns the client (closed unless rc is 0). */
static struct tclient *login(const char *id, const char *user, const char *pw, uint8_t rc)
{
    struct tclient *c = tc_open(&H);
    send_login(c, id, user, pw);
    tc_expect_connack(c, rc, false);
    if (rc != 0)
        ASSERT_TRUE(tc_is_closed(c));
    return c;
}

/* The password file: alice/secret, bob/hunter2, then a bad line and a plain-text one. */
static void put_file(const char *bob_pw, bool with_alice)
{
    char a[256], b[256], text[1024];
    hash_line(a, sizeof a, "alice", "secret", 1);
    hash_line(b, sizeof b, "bob", bob_pw, 2);
    snprintf(text, sizeof text, "%s%scarol\ndave:plain\n", with_alice ? a : "", b);
    fake_fs_put(PW_PATH, text);
}

static void test_connack_codes_and_bad_lines(void)
{
    put_file("hunter2", true);
    h_start(&H, "password_file " PW_PATH "\n");
    ASSERT_TRUE(fake_log_contains(PW_PATH ":3:"));
    ASSERT_TRUE(fake_log_contains(PW_PATH ":4:"));
    ASSERT_FALSE(fake_log_contains("plain")); /* never a password in the log */
    tc_free(login("c1", "alice", "secret", 0));
    tc_free(login("c2", "bob", "hunter2", 0));
    tc_free(login("c3", "alice", "wrong", MQTT_CONNACK_BAD_CREDENTIALS));
    tc_free(login("c4", "mallory", "secret", MQTT_CONNACK_BAD_CREDENTIALS));
    tc_free(login("c5", "alice", NULL, MQTT_CONNACK_BAD_CREDENTIALS));
    tc_free(login("c6", "carol", "x", MQTT_CONNACK_BAD_CREDENTIALS));
    tc_free(login("c7", "dave", "plain", MQTT_CONNACK_BAD_CREDENTIALS));
    tc_free(login("c8", NULL, NULL, 0)); /* allow_anonymous true in the base config */
    h_stop(&H);
}

static void test_anonymous_refused(void)
{
    put_file("hunter2", true);
    h_start(&H, "password_file " PW_PATH "\nallow_anonymous false\n");
    tc_free(login("c1", NULL, NULL, MQTT_CONNACK_NOT_AUTHORISED));
    tc_free(login("c2", "alice", "secret", 0));
    h_stop(&H);
}

static void test_cache(void)
{
    put_file("hunter2", true);
    h_start(&H, "password_file " PW_PATH "\n");
    tc_free(login("c1", "alice", "secret", 0));
    ASSERT_EQ_INT(auth_slow_checks(&H.b), 1);
    tc_free(login("c2", "alice", "secret", 0)); /* cached: one HMAC, no PBKDF2 */
    ASSERT_EQ_INT(auth_slow_checks(&H.b), 1);
    tc_free(login("c3", "alice", "wrong", MQTT_CONNACK_BAD_CREDENTIALS));
    tc_free(login("c4", "alice", "wrong", MQTT_CONNACK_BAD_CREDENTIALS));
    ASSERT_EQ_INT(auth_slow_checks(&H.b), 3); /* failures are not cached */
    tc_free(login("c5", "alice", "secret", 0));
    ASSERT_EQ_INT(auth_slow_checks(&H.b), 3);
    h_stop(&H);
}

/* Reload with the config at CONF_PATH; the harness started without a config path. */
static void reload(void)
{
    fake_fs_put(CONF_PATH, H_BASE_CONF "password_file " PW_PATH "\n");
    H.b.config_path = CONF_PATH;
    broker_reload(&H.b);
    h_settle(&H);
}

static void test_reload(void)
{
    put_file("hunter2", true);
    h_start(&H, "password_file " PW_PATH "\n");
    struct tclient *a = login("ca", "alice", "secret", 0);
    struct tclient *b = login("cb", "bob", "hunter2", 0);
    ASSERT_EQ_INT(auth_slow_checks(&H.b), 2);
    put_file("newpass", true); /* bob's line changed, alice's did not */
    reload();
    ASSERT_TRUE(tc_is_closed(b));
    ASSERT_FALSE(tc_is_closed(a));
    tc_free(login("c1", "alice", "secret", 0)); /* cache carried over */
    ASSERT_EQ_INT(auth_slow_checks(&H.b), 2);
    tc_free(login("c2", "bob", "hunter2", MQTT_CONNACK_BAD_CREDENTIALS));
    tc_free(login("c3", "bob", "newpass", 0));

    ASSERT_TRUE(fake_fs_remove(PW_PATH)); /* unreadable: the last good users stay */
    reload();
    ASSERT_TRUE(fake_log_contains("keeping the previous users"));
    ASSERT_FALSE(tc_is_closed(a));
    tc_free(login("c4", "bob", "newpass", 0));

    put_file("newpass", false); /* alice removed */
    reload();
    ASSERT_TRUE(tc_is_closed(a));
    tc_free(login("c5", "alice", "secret", MQTT_CONNACK_BAD_CREDENTIALS));
    tc_free(a);
    tc_free(b);
    h_stop(&H);
}

static void test_unreadable_at_start(void)
{
    struct cfg c;
    cfg_init(&c);
    c.password_file = strdup("/nonexistent/pw");
    struct err_detail d = {{0}, {0}, 0};
    plat_loop *loop = NULL;
    ASSERT_EQ_INT(plat_loop_new(&loop, &d), 0);
    struct broker b;
    broker_init(&b, &c, NULL, false, NULL, 0);
    ASSERT_TRUE(broker_start(&b, loop) < 0);
    ASSERT_TRUE(fake_log_contains("cannot read password_file"));
    broker_cleanup(&b);
    plat_loop_free(loop);
    fake_reset();
}

int main(void)
{
    RUN_TEST(test_connack_codes_and_bad_lines);
    RUN_TEST(test_anonymous_refused);
    RUN_TEST(test_cache);
    RUN_TEST(test_reload);
    RUN_TEST(test_unreadable_at_start);
    return 0;
}
