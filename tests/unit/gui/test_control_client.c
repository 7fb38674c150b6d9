/* SPDX-License-Identifier: MIT */
/* MidgeControlClient against a real midge broker (no display): hello and stats events,
 * results and typed broker errors, reconnect after a restart and when the broker starts
 * late, and stop. */
#include "gui/control_client.h"

#include "tests/gui/broker_fixture.h"
#include "tests/gui/test_util.h"

typedef struct {
    MidgeControlClient *client;
    int connected, disconnected, stats;
    MidgeStatsSample last;
    char *reason;
    cJSON *result;
    GError *error;
    gboolean done;
} Ctx;

static void on_connected(MidgeControlClient *c, Ctx *x)
{
    (void)c;
    x->connected++;
}

static void on_disconnected(MidgeControlClient *c, const char *reason, Ctx *x)
{
    (void)c;
    x->disconnected++;
    g_free(x->reason);
    x->reason = g_strdup(reason);
}

static void on_stats(MidgeControlClient *c, const MidgeStatsSample *s, Ctx *x)
{
    (void)c;
    x->stats++;
    x->last = *s;
}

static void ctx_init(Ctx *x, const char *path)
{
    memset(x, 0, sizeof *x);
    x->client = midge_control_client_new(path);
    midge_control_client_set_retry_interval(x->client, 50);
    g_signal_connect(x->client, "connected", G_CALLBACK(on_connected), x);
    g_signal_connect(x->client, "disconnected", G_CALLBACK(on_disconnected), x);
    g_signal_connect(x->client, "stats-received", G_CALLBACK(on_stats), x);
}

static void ctx_cleanup(Ctx *x)
{
    midge_control_client_stop(x->client);
    g_object_unref(x->client);
    g_free(x->reason);
    cJSON_Delete(x->result);
    g_clear_error(&x->error);
}

static gboolean is_connected(gpointer p)
{
    return ((Ctx *)p)->connected > 0 && midge_control_client_is_connected(((Ctx *)p)->client);
}

static gboolean is_disconnected(gpointer p)
{
    return ((Ctx *)p)->disconnected > 0;
}

static gboolean stats_with_sys(gpointer p)
{
    return ((Ctx *)p)->stats >= 2 && ((Ctx *)p)->last.retained > 0;
}

static gboolean two_stats(gpointer p)
{
    return ((Ctx *)p)->stats >= 2;
}

static gboolean call_done(gpointer p)
{
    return ((Ctx *)p)->done;
}

static void on_reply(GObject *src, GAsyncResult *res, gpointer data)
{
    Ctx *x = data;
    cJSON_Delete(x->result);
    g_clear_error(&x->error);
    x->result = midge_control_client_call_finish(MIDGE_CONTROL_CLIENT(src), res, &x->error);
    x->done = TRUE;
}

/* Call op with args (consumed) and wait for the reply. */
static void call(Ctx *x, enum ctl_op op, cJSON *args)
{
    x->done = FALSE;
    midge_control_client_call_async(x->client, op, args, NULL, on_reply, x);
    g_assert_true(wait_until(call_done, x, 10000));
}

static void test_connect_and_stats(void)
{
    BrokerFixture f;
    Ctx x;
    broker_fixture_start(&f, FALSE);
    ctx_init(&x, f.socket);
    midge_control_client_start(x.client);
    g_assert_true(wait_until(is_connected, &x, 10000));
    g_assert_nonnull(midge_control_client_get_server_version(x.client));
    g_assert_cmpstr(midge_control_client_get_path(x.client), ==, f.socket);
    /* stats.get at once, then one event per second */
    /* sys_interval 1: the $SYS topics are retained messages within a second or two */
    g_assert_true(wait_until(stats_with_sys, &x, 10000));
    g_assert_cmpuint(x.last.uptime_s, <, 60);
    g_assert_cmpint(x.disconnected, ==, 0);
    ctx_cleanup(&x);
    broker_fixture_stop(&f);
}

static void test_results_and_errors(void)
{
    BrokerFixture f;
    Ctx x;
    broker_fixture_start(&f, FALSE);
    ctx_init(&x, f.socket);
    midge_control_client_start(x.client);
    g_assert_true(wait_until(is_connected, &x, 10000));
    call(&x, CTL_OP_LISTENERS_LIST, NULL);
    g_assert_no_error(x.error);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(x.result, "listeners");
    g_assert_cmpint(cJSON_GetArraySize(list), ==, 1);
    g_assert_cmpint(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0), "port")->valueint,
                    ==, f.port);
    /* a typed error with the broker's message */
    cJSON *args = ctl_json_object();
    cJSON_AddStringToObject(args, "base_version", "");
    cJSON_AddStringToObject(args, "name", "nobody");
    call(&x, CTL_OP_USERS_REMOVE, args);
    g_assert_null(x.result);
    g_assert_true(x.error->code == CTL_E_NOT_FOUND || x.error->code == CTL_E_CONFLICT);
    g_assert_cmpstr(x.error->message, !=, "");
    /* an unknown argument is refused as invalid */
    args = ctl_json_object();
    cJSON_AddNumberToObject(args, "bogus", 1);
    call(&x, CTL_OP_CLIENTS_LIST, args);
    g_assert_error(x.error, MIDGE_CONTROL_ERROR, CTL_E_INVALID);
    ctx_cleanup(&x);
    broker_fixture_stop(&f);
}

static void test_reconnect_after_restart(void)
{
    BrokerFixture f;
    Ctx x;
    broker_fixture_start(&f, FALSE);
    ctx_init(&x, f.socket);
    midge_control_client_start(x.client);
    g_assert_true(wait_until(is_connected, &x, 10000));
    broker_fixture_kill(&f);
    g_assert_true(wait_until(is_disconnected, &x, 10000));
    g_assert_false(midge_control_client_is_connected(x.client));
    g_assert_null(midge_control_client_get_server_version(x.client));
    /* calls fail at once while disconnected */
    call(&x, CTL_OP_CLIENTS_LIST, NULL);
    g_assert_error(x.error, MIDGE_CONTROL_ERROR, MIDGE_CONTROL_ERROR_DISCONNECTED);
    x.connected = 0;
    x.stats = 0;
    broker_fixture_restart(&f);
    g_assert_true(wait_until(is_connected, &x, 10000));
    g_assert_true(wait_until(two_stats, &x, 10000));
    call(&x, CTL_OP_CLIENTS_LIST, NULL);
    g_assert_no_error(x.error);
    ctx_cleanup(&x);
    broker_fixture_stop(&f);
}

static void test_broker_starts_late(void)
{
    BrokerFixture f;
    Ctx x;
    broker_fixture_start(&f, FALSE);
    broker_fixture_kill(&f);
    ctx_init(&x, f.socket);
    midge_control_client_start(x.client);
    g_assert_true(wait_until(is_disconnected, &x, 10000));
    g_assert_nonnull(x.reason);
    g_assert_cmpint(x.connected, ==, 0);
    broker_fixture_restart(&f);
    g_assert_true(wait_until(is_connected, &x, 10000));
    ctx_cleanup(&x);
    broker_fixture_stop(&f);
}

static void test_stop(void)
{
    BrokerFixture f;
    Ctx x;
    broker_fixture_start(&f, FALSE);
    ctx_init(&x, f.socket);
    midge_control_client_start(x.client);
    g_assert_true(wait_until(is_connected, &x, 10000));
    midge_control_client_stop(x.client);
    g_assert_cmpint(x.disconnected, ==, 1);
    g_assert_cmpstr(x.reason, ==, "stopped");
    spin(300); /* no reconnect after stop */
    g_assert_cmpint(x.connected, ==, 1);
    g_assert_false(midge_control_client_is_connected(x.client));
    ctx_cleanup(&x);
    broker_fixture_stop(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    quiet_debug();
    g_test_add_func("/control-client/connect-and-stats", test_connect_and_stats);
    g_test_add_func("/control-client/results-and-errors", test_results_and_errors);
    g_test_add_func("/control-client/reconnect-after-restart", test_reconnect_after_restart);
    g_test_add_func("/control-client/broker-starts-late", test_broker_starts_late);
    g_test_add_func("/control-client/stop", test_stop);
    return g_test_run();
}
