/* SPDX-License-Identifier: MIT */
/* MidgeControlClient: GIO async client of the control socket with automatic reconnect.
 * Each connection is a refcounted `struct link`; callbacks of a link the client has
 * dropped (link->self == NULL) only release their reference, so a late completion
 * never touches a newer connection or a disposed client. */
#include "gui/control_client.h"

#include "gui/control_transport.h"

#define READ_CHUNK 65536

struct link {
    gint ref;
    MidgeControlClient *self; /* NULL once dropped */
    GIOStream *conn;
    GCancellable *cancel;
    struct ctl_framer framer;
    GQueue out;          /* GBytes frames not yet written */
    GBytes *cur;         /* the frame being written */
    GHashTable *pending; /* GUINT_TO_POINTER(id) -> GTask */
    char rbuf[READ_CHUNK];
};

struct _MidgeControlClient {
    GObject parent_instance;
    char *path;
    GCancellable *connect_cancel; /* the attempt in progress, or NULL */
    struct link *link;            /* the current connection, or NULL */
    gboolean running, connected;
    guint retry_ms, stats_interval, retry_source;
    guint next_id;
    char *server_version;
};

G_DEFINE_TYPE(MidgeControlClient, midge_control_client, G_TYPE_OBJECT)
G_DEFINE_QUARK(midge - control - error - quark, midge_control_error)

enum { SIG_CONNECTED, SIG_DISCONNECTED, SIG_STATS, N_SIGNALS };
static guint signals[N_SIGNALS];

static void client_connect(MidgeControlClient *self);
static void link_read(struct link *l);
static void link_write_next(struct link *l);

static struct link *link_ref(struct link *l)
{
    g_atomic_int_inc(&l->ref);
    return l;
}

static void link_unref(struct link *l)
{
    if (!g_atomic_int_dec_and_test(&l->ref))
        return;
    g_queue_clear_full(&l->out, (GDestroyNotify)g_bytes_unref);
    g_clear_pointer(&l->cur, g_bytes_unref);
    g_hash_table_unref(l->pending);
    ctl_framer_cleanup(&l->framer);
    g_clear_object(&l->cancel);
    g_clear_object(&l->conn);
    g_free(l);
}

static gboolean link_alive(struct link *l)
{
    return l->self != NULL && !g_cancellable_is_cancelled(l->cancel);
}

static gboolean retry_cb(gpointer data)
{
    MidgeControlClient *self = data;
    self->retry_source = 0;
    client_connect(self);
    return G_SOURCE_REMOVE;
}

static void schedule_retry(MidgeControlClient *self)
{
    if (self->running && !self->retry_source && !self->connect_cancel && !self->link)
        self->retry_source = g_timeout_add(self->retry_ms, retry_cb, self);
}

/* Fail every pending call of l with DISCONNECTED. */
static void link_fail_pending(struct link *l)
{
    GHashTableIter it;
    gpointer task;
    g_hash_table_iter_init(&it, l->pending);
    while (g_hash_table_iter_next(&it, NULL, &task)) {
        g_task_return_new_error(task, MIDGE_CONTROL_ERROR, MIDGE_CONTROL_ERROR_DISCONNECTED,
                                "the connection to the broker was lost");
        g_object_unref(task);
        g_hash_table_iter_remove(&it);
    }
}

/* Drop the current link (if any) for reason, tell listeners, and plan a reconnect. */
static void client_drop_link(MidgeControlClient *self, const char *reason)
{
    struct link *l = self->link;
    gboolean was_connected = self->connected;
    if (l) {
        self->link = NULL;
        l->self = NULL;
        g_cancellable_cancel(l->cancel);
        link_fail_pending(l);
        link_unref(l);
    }
    self->connected = FALSE;
    g_clear_pointer(&self->server_version, g_free);
    if (l || was_connected)
        g_signal_emit(self, signals[SIG_DISCONNECTED], 0, reason);
    schedule_retry(self);
}

static void link_fail(struct link *l, const char *reason)
{
    if (l->self && l->self->link == l)
        client_drop_link(l->self, reason);
}

/* Free a sent frame after overwriting it: requests may carry a password. */
static void frame_wipe_free(gpointer p)
{
    volatile char *c = p;
    while (*c)
        *c++ = 0;
    free(p);
}

static void link_send(struct link *l, char *frame /* consumed, malloc'ed */, size_t len)
{
    g_queue_push_tail(&l->out, g_bytes_new_with_free_func(frame, len, frame_wipe_free, frame));
    if (!l->cur)
        link_write_next(l);
}

static void on_written(GObject *src, GAsyncResult *res, gpointer data)
{
    struct link *l = data;
    g_autoptr(GError) err = NULL;
    gboolean ok = g_output_stream_write_all_finish(G_OUTPUT_STREAM(src), res, NULL, &err);
    g_clear_pointer(&l->cur, g_bytes_unref);
    if (link_alive(l)) {
        if (ok)
            link_write_next(l);
        else
            link_fail(l, err->message);
    }
    link_unref(l);
}

static void link_write_next(struct link *l)
{
    l->cur = g_queue_pop_head(&l->out);
    if (!l->cur)
        return;
    gsize len;
    const void *data = g_bytes_get_data(l->cur, &len);
    g_output_stream_write_all_async(g_io_stream_get_output_stream(l->conn), data, len,
                                    G_PRIORITY_DEFAULT, l->cancel, on_written, link_ref(l));
}

/* Send op on l and remember task (owned by the table) for the reply. */
static void link_call(struct link *l, enum ctl_op op, cJSON *args, GTask *task)
{
    MidgeControlClient *self = l->self;
    guint id = ++self->next_id;
    size_t len;
    char *frame = ctl_build_request(id, op, args, &len);
    g_hash_table_insert(l->pending, GUINT_TO_POINTER(id), task);
    link_send(l, frame, len);
}

gboolean midge_control_parse_stats(const cJSON *data, double mono_s, MidgeStatsSample *out)
{
    static const struct {
        const char *key;
        size_t off;
    } fields[] = {
        {"publish/messages/received", G_STRUCT_OFFSET(MidgeStatsSample, msgs_received)},
        {"publish/messages/sent", G_STRUCT_OFFSET(MidgeStatsSample, msgs_sent)},
        {"bytes/received", G_STRUCT_OFFSET(MidgeStatsSample, bytes_received)},
        {"bytes/sent", G_STRUCT_OFFSET(MidgeStatsSample, bytes_sent)},
        {"clients/connected", G_STRUCT_OFFSET(MidgeStatsSample, clients_connected)},
        {"clients/total", G_STRUCT_OFFSET(MidgeStatsSample, clients_total)},
        {"subscriptions/count", G_STRUCT_OFFSET(MidgeStatsSample, subscriptions)},
        {"retained messages/count", G_STRUCT_OFFSET(MidgeStatsSample, retained)},
        {"heap/current", G_STRUCT_OFFSET(MidgeStatsSample, heap)},
        {"uptime", G_STRUCT_OFFSET(MidgeStatsSample, uptime_s)},
    };
    const cJSON *stats = cJSON_GetObjectItemCaseSensitive(data, "stats");
    if (!cJSON_IsObject(stats))
        return FALSE;
    *out = (MidgeStatsSample){.mono_s = mono_s};
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(stats, fields[i].key);
        double d = cJSON_IsNumber(v) ? v->valuedouble : 0;
        G_STRUCT_MEMBER(guint64, out, fields[i].off) = d > 0 ? (guint64)d : 0;
    }
    return TRUE;
}

static void emit_stats(MidgeControlClient *self, const cJSON *data)
{
    MidgeStatsSample s;
    if (midge_control_parse_stats(data, (double)g_get_monotonic_time() / 1e6, &s))
        g_signal_emit(self, signals[SIG_STATS], 0, &s);
}

/* Complete the call that reply r answers. */
static void link_complete(struct link *l, const struct ctl_reply *r)
{
    gpointer key = GUINT_TO_POINTER((guint)r->id);
    GTask *task = g_hash_table_lookup(l->pending, key);
    if (!task) {
        g_debug("reply to unknown request id %.0f ignored", r->id);
        return;
    }
    g_hash_table_steal(l->pending, key);
    if (r->kind == CTL_REPLY_RESULT)
        g_task_return_pointer(task, cJSON_Duplicate(r->result, 1), (GDestroyNotify)cJSON_Delete);
    else if (r->file && r->line > 0)
        g_task_return_new_error(task, MIDGE_CONTROL_ERROR, (gint)r->code, "%s:%d: %s", r->file,
                                r->line, r->message ? r->message : "");
    else
        g_task_return_new_error(task, MIDGE_CONTROL_ERROR, (gint)r->code, "%s",
                                r->message ? r->message : r->code_name);
    g_object_unref(task);
}

static void link_handle_frame(struct link *l, const char *line, size_t len)
{
    struct ctl_reply r = {0};
    struct err_detail d = {0};
    if (ctl_reply_parse(line, len, &r, &d) < 0) {
        link_fail(l, d.msg[0] ? d.msg : "malformed reply from the broker");
    } else if (r.kind == CTL_REPLY_EVENT) {
        if (r.event && g_str_equal(r.event, "stats"))
            emit_stats(l->self, r.data);
    } else {
        link_complete(l, &r);
    }
    ctl_reply_cleanup(&r);
}

static void on_read(GObject *src, GAsyncResult *res, gpointer data)
{
    struct link *l = data;
    g_autoptr(GError) err = NULL;
    gssize n = g_input_stream_read_finish(G_INPUT_STREAM(src), res, &err);
    if (!link_alive(l)) {
        link_unref(l);
        return;
    }
    if (n <= 0) {
        link_fail(l, n == 0 ? "the broker closed the connection" : err->message);
    } else if (ctl_framer_feed(&l->framer, l->rbuf, (size_t)n) < 0) {
        link_fail(l, "reply frame too big");
    } else {
        char *line;
        size_t len;
        while (link_alive(l) && ctl_framer_next(&l->framer, &line, &len) == 1)
            link_handle_frame(l, line, len);
        if (link_alive(l))
            link_read(l);
    }
    link_unref(l);
}

static void link_read(struct link *l)
{
    g_input_stream_read_async(g_io_stream_get_input_stream(l->conn), l->rbuf, sizeof l->rbuf,
                              G_PRIORITY_DEFAULT, l->cancel, on_read, link_ref(l));
}

static void on_stats_reply(GObject *src, GAsyncResult *res, gpointer data)
{
    (void)data;
    MidgeControlClient *self = MIDGE_CONTROL_CLIENT(src);
    cJSON *result = g_task_propagate_pointer(G_TASK(res), NULL);
    if (result)
        emit_stats(self, result);
    cJSON_Delete(result);
}

static void on_subscribed(GObject *src, GAsyncResult *res, gpointer data)
{
    (void)src;
    (void)data;
    g_autoptr(GError) err = NULL;
    cJSON_Delete(g_task_propagate_pointer(G_TASK(res), &err));
    if (err && !g_error_matches(err, MIDGE_CONTROL_ERROR, MIDGE_CONTROL_ERROR_DISCONNECTED))
        g_message("stats subscription refused: %s", err->message);
}

static void on_hello(GObject *src, GAsyncResult *res, gpointer data)
{
    MidgeControlClient *self = MIDGE_CONTROL_CLIENT(src);
    struct link *l = data;
    g_autoptr(GError) err = NULL;
    cJSON *result = g_task_propagate_pointer(G_TASK(res), &err);
    if (self->link == l && l->self) {
        if (!result) {
            link_fail(l, err->message);
        } else {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(result, "version");
            self->server_version = g_strdup(cJSON_IsString(v) ? v->valuestring : "?");
            self->connected = TRUE;
            g_signal_emit(self, signals[SIG_CONNECTED], 0);
            if (self->link == l) {
                link_call(l, CTL_OP_STATS_GET, NULL, g_task_new(self, NULL, on_stats_reply, NULL));
                cJSON *args = ctl_json_object();
                cJSON_AddNumberToObject(args, "interval", self->stats_interval);
                link_call(l, CTL_OP_STATS_SUBSCRIBE, args,
                          g_task_new(self, NULL, on_subscribed, NULL));
            }
        }
    }
    cJSON_Delete(result);
    link_unref(l);
}

static void on_connected(GObject *src, GAsyncResult *res, gpointer data)
{
    g_autoptr(GError) err = NULL;
    (void)src;
    GIOStream *conn = midge_control_transport_connect_finish(res, &err);
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* stopped or disposed: self may be gone */
    MidgeControlClient *self = data;
    g_clear_object(&self->connect_cancel);
    if (!conn) {
        g_signal_emit(self, signals[SIG_DISCONNECTED], 0, err->message);
        schedule_retry(self);
        return;
    }
    struct link *l = g_new0(struct link, 1);
    l->ref = 1;
    l->self = self;
    l->conn = conn;
    l->cancel = g_cancellable_new();
    l->pending = g_hash_table_new(g_direct_hash, g_direct_equal);
    ctl_framer_init(&l->framer, CTL_MAX_REPLY);
    self->link = l;
    link_read(l);
    cJSON *args = ctl_json_object();
    cJSON_AddNumberToObject(args, "protocol", CTL_PROTO_VERSION);
    cJSON_AddStringToObject(args, "client", "midge-admin");
    link_call(l, CTL_OP_HELLO, args, g_task_new(self, NULL, on_hello, link_ref(l)));
}

static void client_connect(MidgeControlClient *self)
{
    if (!self->running || self->link || self->connect_cancel)
        return;
    self->connect_cancel = g_cancellable_new();
    midge_control_transport_connect_async(self->path, self->connect_cancel, on_connected, self);
}

void midge_control_client_start(MidgeControlClient *self)
{
    g_return_if_fail(MIDGE_IS_CONTROL_CLIENT(self));
    self->running = TRUE;
    client_connect(self);
}

void midge_control_client_stop(MidgeControlClient *self)
{
    g_return_if_fail(MIDGE_IS_CONTROL_CLIENT(self));
    self->running = FALSE;
    g_clear_handle_id(&self->retry_source, g_source_remove);
    if (self->connect_cancel) {
        g_cancellable_cancel(self->connect_cancel);
        g_clear_object(&self->connect_cancel);
    }
    client_drop_link(self, "stopped");
}

void midge_control_client_reconnect_now(MidgeControlClient *self)
{
    g_return_if_fail(MIDGE_IS_CONTROL_CLIENT(self));
    if (!self->running || self->link || self->connect_cancel)
        return;
    g_clear_handle_id(&self->retry_source, g_source_remove);
    client_connect(self);
}

void midge_control_client_call_async(MidgeControlClient *self, enum ctl_op op, cJSON *args,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
    g_return_if_fail(MIDGE_IS_CONTROL_CLIENT(self));
    GTask *task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(task, midge_control_client_call_async);
    if (!self->connected || !self->link) {
        cJSON_Delete(args);
        g_task_return_new_error(task, MIDGE_CONTROL_ERROR, MIDGE_CONTROL_ERROR_DISCONNECTED,
                                "not connected to the broker");
        g_object_unref(task);
        return;
    }
    link_call(self->link, op, args, task);
}

cJSON *midge_control_client_call_finish(MidgeControlClient *self, GAsyncResult *result,
                                        GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

gboolean midge_control_client_is_connected(MidgeControlClient *self)
{
    g_return_val_if_fail(MIDGE_IS_CONTROL_CLIENT(self), FALSE);
    return self->connected;
}

const char *midge_control_client_get_path(MidgeControlClient *self)
{
    g_return_val_if_fail(MIDGE_IS_CONTROL_CLIENT(self), NULL);
    return self->path;
}

const char *midge_control_client_get_server_version(MidgeControlClient *self)
{
    g_return_val_if_fail(MIDGE_IS_CONTROL_CLIENT(self), NULL);
    return self->server_version;
}

void midge_control_client_set_retry_interval(MidgeControlClient *self, guint ms)
{
    g_return_if_fail(MIDGE_IS_CONTROL_CLIENT(self));
    self->retry_ms = MAX(ms, 10u);
}

void midge_control_client_set_stats_interval(MidgeControlClient *self, guint seconds)
{
    g_return_if_fail(MIDGE_IS_CONTROL_CLIENT(self));
    self->stats_interval = CLAMP(seconds, 1u, 3600u);
}

static void midge_control_client_dispose(GObject *obj)
{
    MidgeControlClient *self = MIDGE_CONTROL_CLIENT(obj);
    if (self->running || self->link || self->connect_cancel)
        midge_control_client_stop(self);
    G_OBJECT_CLASS(midge_control_client_parent_class)->dispose(obj);
}

static void midge_control_client_finalize(GObject *obj)
{
    MidgeControlClient *self = MIDGE_CONTROL_CLIENT(obj);
    g_free(self->path);
    g_free(self->server_version);
    G_OBJECT_CLASS(midge_control_client_parent_class)->finalize(obj);
}

static void midge_control_client_class_init(MidgeControlClientClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->dispose = midge_control_client_dispose;
    oc->finalize = midge_control_client_finalize;
    signals[SIG_CONNECTED] = g_signal_new("connected", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIG_DISCONNECTED] =
        g_signal_new("disconnected", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
    signals[SIG_STATS] = g_signal_new("stats-received", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void midge_control_client_init(MidgeControlClient *self)
{
    self->retry_ms = 1000;
    self->stats_interval = 1;
}

MidgeControlClient *midge_control_client_new(const char *path)
{
    g_return_val_if_fail(path != NULL, NULL);
    MidgeControlClient *self = g_object_new(MIDGE_TYPE_CONTROL_CLIENT, NULL);
    self->path = g_strdup(path);
    return self;
}
