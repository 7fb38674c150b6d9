/* SPDX-License-Identifier: MIT */
/* Unit tests for MidgeConfigModel: listener and user validation from the schema,
 * password strength, loading list results, and the edit arguments it builds. */
#include "gui/config_model.h"

#include "tests/assert.h"

static gboolean valid(const MidgeListenerSpec *s, const char *want_in_message)
{
    GError *err = NULL;
    gboolean ok = midge_config_validate_listener(s, &err);
    if (!ok && want_in_message && !strstr(err->message, want_in_message))
        TEST_FAIL_("message \"%s\" lacks \"%s\"", err->message, want_in_message);
    g_clear_error(&err);
    return ok;
}

static void test_validate_listener(void)
{
    MidgeListenerSpec *s = midge_listener_spec_new();
    ASSERT_TRUE(valid(s, NULL));
    s->port = 0;
    ASSERT_FALSE(valid(s, "1 to 65535"));
    s->port = 65536;
    ASSERT_FALSE(valid(s, "port"));
    s->port = 65535;
    ASSERT_TRUE(valid(s, NULL));
    s->max_connections = -2;
    ASSERT_FALSE(valid(s, "Max connections"));
    s->max_connections = 10;
    s->socket_domain = g_strdup("ipx");
    ASSERT_FALSE(valid(s, "ipv4"));
    g_free(s->socket_domain);
    s->socket_domain = g_strdup("ipv6");
    ASSERT_TRUE(valid(s, NULL));
    s->mount_point = g_strdup("site/#");
    ASSERT_FALSE(valid(s, "wildcard"));
    g_free(s->mount_point);
    s->mount_point = g_strdup("site/a/");
    ASSERT_TRUE(valid(s, NULL));
    s->address = g_strdup("127.0.0.1 #x");
    ASSERT_FALSE(valid(s, "address"));
    g_clear_pointer(&s->address, g_free);
    /* TLS files come in pairs; a CA file needs them */
    s->certfile = g_strdup("/etc/ssl/server.pem");
    ASSERT_FALSE(valid(s, "private key"));
    s->keyfile = g_strdup("/etc/ssl/server.key");
    ASSERT_TRUE(valid(s, NULL));
    ASSERT_TRUE(midge_listener_spec_has_tls(s));
    g_clear_pointer(&s->certfile, g_free);
    ASSERT_FALSE(valid(s, "certificate"));
    g_clear_pointer(&s->keyfile, g_free);
    s->cafile = g_strdup("/etc/ssl/ca.pem");
    ASSERT_FALSE(valid(s, "CA file"));
    midge_listener_spec_free(s);
    midge_listener_spec_free(NULL);
}

static void test_validate_user(void)
{
    GError *err = NULL;
    ASSERT_TRUE(midge_config_validate_user("erin", "s3cret!", "s3cret!", NULL));
    ASSERT_FALSE(midge_config_validate_user("", "x", "x", NULL));
    ASSERT_FALSE(midge_config_validate_user("a:b", "x", "x", NULL));
    ASSERT_FALSE(midge_config_validate_user("a\tb", "x", "x", NULL));
    ASSERT_FALSE(midge_config_validate_user("erin", "", "", NULL));
    ASSERT_FALSE(midge_config_validate_user("erin", "one", "two", &err));
    ASSERT_TRUE(strstr(err->message, "differ") != NULL);
    g_clear_error(&err);
    ASSERT_TRUE(midge_config_validate_user("jürgen", "x", "x", NULL));
}

static void test_password_strength(void)
{
    ASSERT_EQ_INT(midge_config_password_strength(""), 0);
    ASSERT_EQ_INT(midge_config_password_strength("abc"), 1);
    ASSERT_EQ_INT(midge_config_password_strength("abcdefgh"), 2);
    ASSERT_EQ_INT(midge_config_password_strength("abcDEF12"), 3);
    ASSERT_EQ_INT(midge_config_password_strength("abcDEF12!xyz"), 4);
    ASSERT_EQ_INT(midge_config_password_strength("correcthorsebattery1"), 4);
    ASSERT_EQ_STR(midge_config_password_hint(4), "Strong.");
    ASSERT_TRUE(strstr(midge_config_password_hint(1), "Too short") != NULL);
}

static void on_changed(MidgeConfigModel *m, int *n)
{
    (void)m;
    (*n)++;
}

static void test_load_and_args(void)
{
    MidgeConfigModel *m = midge_config_model_new();
    int changed = 0;
    g_signal_connect(m, "listeners-changed", G_CALLBACK(on_changed), &changed);
    cJSON *r = cJSON_Parse(
        "{\"version\":\"v1\",\"listeners\":[{\"port\":1883,\"address\":null,"
        "\"socket_domain\":\"any\",\"max_connections\":-1,\"mount_point\":null,\"tls\":null,"
        "\"connections\":3,\"source\":\"/etc/midge.conf:4\"},{\"port\":8883,\"address\":"
        "\"::1\",\"socket_domain\":\"ipv6\",\"max_connections\":5,\"mount_point\":\"m/\","
        "\"tls\":{\"certfile\":\"c.pem\",\"keyfile\":\"k.pem\",\"cafile\":null}}]}");
    ASSERT_TRUE(midge_config_model_load_listeners(m, r, NULL));
    cJSON_Delete(r);
    ASSERT_EQ_INT(changed, 1);
    ASSERT_EQ_STR(midge_config_model_get_config_version(m), "v1");
    GPtrArray *l = midge_config_model_get_listeners(m);
    ASSERT_EQ_INT(l->len, 2);
    const MidgeListenerSpec *a = g_ptr_array_index(l, 0), *b = g_ptr_array_index(l, 1);
    ASSERT_TRUE(a->address == NULL && a->socket_domain == NULL);
    ASSERT_EQ_INT(a->connections, 3);
    ASSERT_EQ_STR(b->socket_domain, "ipv6");
    ASSERT_EQ_STR(b->certfile, "c.pem");
    ASSERT_TRUE(b->cafile == NULL);
    /* a malformed result leaves the model alone */
    r = cJSON_Parse("{\"version\":\"v2\"}");
    ASSERT_FALSE(midge_config_model_load_listeners(m, r, NULL));
    cJSON_Delete(r);
    ASSERT_EQ_INT(l->len, 2);
    ASSERT_EQ_STR(midge_config_model_get_config_version(m), "v1");

    cJSON *args = midge_config_model_listener_add_args(m, b);
    char *text = cJSON_PrintUnformatted(args);
    ASSERT_EQ_STR(text, "{\"base_version\":\"v1\",\"port\":8883,\"address\":\"::1\","
                        "\"socket_domain\":\"ipv6\",\"max_connections\":5,\"mount_point\":"
                        "\"m/\",\"certfile\":\"c.pem\",\"keyfile\":\"k.pem\"}");
    free(text);
    cJSON_Delete(args);

    MidgeListenerSpec *c = midge_listener_spec_copy(b);
    ASSERT_TRUE(midge_config_model_listener_set_args(m, b, c) == NULL); /* no change */
    c->max_connections = -1;
    g_clear_pointer(&c->mount_point, g_free);
    args = midge_config_model_listener_set_args(m, b, c);
    text = cJSON_PrintUnformatted(args);
    ASSERT_EQ_STR(text, "{\"base_version\":\"v1\",\"port\":8883,\"address\":\"::1\",\"set\":"
                        "{\"max_connections\":-1,\"mount_point\":null}}");
    free(text);
    cJSON_Delete(args);
    midge_listener_spec_free(c);

    r = cJSON_Parse("{\"version\":\"u1\",\"password_file\":\"/p\",\"users\":[\"alice\",\"bob\"]}");
    ASSERT_TRUE(midge_config_model_load_users(m, r, NULL));
    cJSON_Delete(r);
    ASSERT_EQ_INT(midge_config_model_get_users(m)->len, 2);
    args = midge_config_model_user_args(m, "carol", "pw");
    text = cJSON_PrintUnformatted(args);
    ASSERT_EQ_STR(text, "{\"base_version\":\"u1\",\"name\":\"carol\",\"password\":\"pw\"}");
    free(text);
    cJSON_Delete(args);
    r = cJSON_Parse("{\"version\":\"u2\"}");
    midge_config_model_note_users_version(m, r);
    cJSON_Delete(r);
    ASSERT_EQ_STR(midge_config_model_get_users_version(m), "u2");
    g_object_unref(m);
}

int main(void)
{
    RUN_TEST(test_validate_listener);
    RUN_TEST(test_validate_user);
    RUN_TEST(test_password_strength);
    RUN_TEST(test_load_and_args);
    return 0;
}
