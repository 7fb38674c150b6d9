/* SPDX-License-Identifier: MIT */
/* MidgeClientsPage: table of connected clients from clients.list; clients.kick. */
#include "gui/clients_page.h"

#include "gui/page_util.h"
#include "gui/resources.h"

enum {
    COL_ID,
    COL_ADDR,
    COL_USER,
    COL_PROTO,
    COL_LISTENER,
    COL_SINCE,
    COL_SUBS,
    COL_QUEUED,
    COL_INFLIGHT
};

struct _MidgeClientsPage {
    GtkBox parent_instance;
    GtkListStore *store;
    GtkTreeView *view;
    GtkWidget *kick_button;
    GtkLabel *count_label;
    MidgeControlClient *client;
    GCancellable *cancel;
};

G_DEFINE_TYPE(MidgeClientsPage, midge_clients_page, GTK_TYPE_BOX)

static guint sig_message;

static const char *str_or(const cJSON *o, const char *name, const char *dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

static gint64 num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? (gint64)v->valuedouble : 0;
}

static const char *protocol_name(gint64 level)
{
    return level == 3 ? "MQTT 3.1" : level == 4 ? "MQTT 3.1.1" : level == 5 ? "MQTT 5" : "?";
}

/* Append one client object of a clients.list result. */
static void add_row(MidgeClientsPage *self, const cJSON *c)
{
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(num(c, "connected_since_ms") / 1000);
    g_autofree char *since = t ? g_date_time_format(t, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
    gtk_list_store_insert_with_values(
        self->store, NULL, -1, COL_ID, str_or(c, "id", ""), COL_ADDR, str_or(c, "address", ""),
        COL_USER, str_or(c, "username", "(anonymous)"), COL_PROTO,
        protocol_name(num(c, "protocol")), COL_LISTENER, str_or(c, "listener", ""), COL_SINCE,
        since, COL_SUBS, num(c, "subscriptions"), COL_QUEUED, num(c, "queued"), COL_INFLIGHT,
        num(c, "inflight"), -1);
}

static void on_list_reply(GObject *src, GAsyncResult *res, gpointer data)
{
    g_autoptr(GError) err = NULL;
    cJSON *result = midge_control_client_call_finish(MIDGE_CONTROL_CLIENT(src), res, &err);
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MidgeClientsPage *self = data;
    if (!result) {
        g_signal_emit(self, sig_message, 0, (gint)GTK_MESSAGE_ERROR, err->message);
        return;
    }
    gtk_list_store_clear(self->store);
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(result, "clients"))
    {
        if (cJSON_IsObject(c))
            add_row(self, c);
    }
    gint64 total = num(result, "total");
    g_autofree char *count =
        g_strdup_printf(g_dngettext(NULL, "%" G_GINT64_FORMAT " connected client",
                                    "%" G_GINT64_FORMAT " connected clients", (gulong)total),
                        total);
    gtk_label_set_text(self->count_label, count);
    cJSON_Delete(result);
}

void midge_clients_page_refresh(MidgeClientsPage *self)
{
    g_return_if_fail(MIDGE_IS_CLIENTS_PAGE(self));
    if (self->client)
        midge_control_client_call_async(self->client, CTL_OP_CLIENTS_LIST, NULL, self->cancel,
                                        on_list_reply, self);
}

static void on_kick_reply(GObject *src, GAsyncResult *res, gpointer data)
{
    g_autoptr(GError) err = NULL;
    cJSON *result = midge_control_client_call_finish(MIDGE_CONTROL_CLIENT(src), res, &err);
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MidgeClientsPage *self = data;
    if (!result)
        g_signal_emit(self, sig_message, 0, (gint)GTK_MESSAGE_ERROR, err->message);
    cJSON_Delete(result);
    midge_clients_page_refresh(self);
}

void midge_clients_page_kick_selected(MidgeClientsPage *self)
{
    g_return_if_fail(MIDGE_IS_CLIENTS_PAGE(self));
    GtkTreeModel *m;
    GtkTreeIter it;
    g_autofree char *id = NULL;
    if (!self->client ||
        !gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->view), &m, &it))
        return;
    gtk_tree_model_get(m, &it, COL_ID, &id, -1);
    cJSON *args = ctl_json_object();
    cJSON_AddStringToObject(args, "id", id);
    midge_control_client_call_async(self->client, CTL_OP_CLIENTS_KICK, args, self->cancel,
                                    on_kick_reply, self);
}

/* Find the row of client id. */
static gboolean find_row(MidgeClientsPage *self, const char *id, GtkTreeIter *it)
{
    GtkTreeModel *m = GTK_TREE_MODEL(self->store);
    for (gboolean ok = gtk_tree_model_get_iter_first(m, it); ok;
         ok = gtk_tree_model_iter_next(m, it)) {
        g_autofree char *v = NULL;
        gtk_tree_model_get(m, it, COL_ID, &v, -1);
        if (g_strcmp0(v, id) == 0)
            return TRUE;
    }
    return FALSE;
}

gboolean midge_clients_page_select(MidgeClientsPage *self, const char *id)
{
    g_return_val_if_fail(MIDGE_IS_CLIENTS_PAGE(self), FALSE);
    GtkTreeIter it;
    if (!find_row(self, id, &it))
        return FALSE;
    gtk_tree_selection_select_iter(gtk_tree_view_get_selection(self->view), &it);
    return TRUE;
}

char *midge_clients_page_dup_address(MidgeClientsPage *self, const char *id)
{
    g_return_val_if_fail(MIDGE_IS_CLIENTS_PAGE(self), NULL);
    GtkTreeIter it;
    char *addr = NULL;
    if (find_row(self, id, &it))
        gtk_tree_model_get(GTK_TREE_MODEL(self->store), &it, COL_ADDR, &addr, -1);
    return addr;
}

guint midge_clients_page_get_count(MidgeClientsPage *self)
{
    g_return_val_if_fail(MIDGE_IS_CLIENTS_PAGE(self), 0);
    return (guint)gtk_tree_model_iter_n_children(GTK_TREE_MODEL(self->store), NULL);
}

static void on_reload_clicked(GtkButton *b, MidgeClientsPage *self)
{
    (void)b;
    midge_clients_page_refresh(self);
}

static void on_kick_clicked(GtkButton *b, MidgeClientsPage *self)
{
    (void)b;
    midge_clients_page_kick_selected(self);
}

static void on_selection_changed(GtkTreeSelection *sel, MidgeClientsPage *self)
{
    gtk_widget_set_sensitive(self->kick_button, gtk_tree_selection_count_selected_rows(sel) > 0);
}

void midge_clients_page_set_client(MidgeClientsPage *self, MidgeControlClient *client)
{
    g_return_if_fail(MIDGE_IS_CLIENTS_PAGE(self));
    g_set_object(&self->client, client);
}

static void midge_clients_page_dispose(GObject *obj)
{
    MidgeClientsPage *self = MIDGE_CLIENTS_PAGE(obj);
    if (self->cancel)
        g_cancellable_cancel(self->cancel);
    g_clear_object(&self->cancel);
    g_clear_object(&self->client);
    G_OBJECT_CLASS(midge_clients_page_parent_class)->dispose(obj);
}

static void midge_clients_page_class_init(MidgeClientsPageClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    midge_resources_ensure();
    G_OBJECT_CLASS(klass)->dispose = midge_clients_page_dispose;
    sig_message = midge_page_message_signal_new(G_TYPE_FROM_CLASS(klass));
    gtk_widget_class_set_template_from_resource(wc, "/org/midge/admin/clients_page.ui");
    gtk_widget_class_bind_template_child(wc, MidgeClientsPage, store);
    gtk_widget_class_bind_template_child(wc, MidgeClientsPage, view);
    gtk_widget_class_bind_template_child(wc, MidgeClientsPage, kick_button);
    gtk_widget_class_bind_template_child(wc, MidgeClientsPage, count_label);
    gtk_widget_class_bind_template_callback(wc, on_reload_clicked);
    gtk_widget_class_bind_template_callback(wc, on_kick_clicked);
    gtk_widget_class_bind_template_callback(wc, on_selection_changed);
}

static void midge_clients_page_init(MidgeClientsPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancel = g_cancellable_new();
}
