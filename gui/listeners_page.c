/* SPDX-License-Identifier: MIT */
/* MidgeListenersPage: listener table and the add/edit/remove flows over the control
 * socket. Handlers only forward to the page's methods. */
#include "gui/listeners_page.h"

#include "gui/listener_dialog.h"
#include "gui/page_util.h"
#include "gui/resources.h"

enum { COL_PORT, COL_ADDRESS, COL_TLS, COL_MAX, COL_MOUNT, COL_CONNS, COL_SOURCE };

struct _MidgeListenersPage {
    GtkBox parent_instance;
    GtkListStore *store;
    GtkTreeView *view;
    GtkWidget *add_button, *edit_button, *remove_button;
    GtkLabel *count_label;
    MidgeControlClient *client;
    MidgeConfigModel *model;
    GCancellable *cancel;       /* cancelled in dispose: late replies find no page */
    GtkDialog *dialog;          /* the open dialog, if any */
    MidgeListenerSpec *editing; /* the listener the dialog edits or removes */
};

G_DEFINE_TYPE(MidgeListenersPage, midge_listeners_page, GTK_TYPE_BOX)

static guint sig_message;

static void emit_message(MidgeListenersPage *self, GtkMessageType type, const char *text)
{
    g_signal_emit(self, sig_message, 0, (gint)type, text);
}

/* Rebuild the table from the model. */
static void on_listeners_changed(MidgeConfigModel *model, MidgeListenersPage *self)
{
    GPtrArray *list = midge_config_model_get_listeners(model);
    gtk_list_store_clear(self->store);
    for (guint i = 0; i < list->len; i++) {
        const MidgeListenerSpec *s = g_ptr_array_index(list, i);
        g_autofree char *max = s->max_connections < 0
                                   ? g_strdup("unlimited")
                                   : g_strdup_printf("%" G_GINT64_FORMAT, s->max_connections);
        gtk_list_store_insert_with_values(self->store, NULL, -1, COL_PORT, s->port, COL_ADDRESS,
                                          s->address ? s->address : "all interfaces", COL_TLS,
                                          midge_listener_spec_has_tls(s) ? "yes" : "no", COL_MAX,
                                          max, COL_MOUNT, s->mount_point ? s->mount_point : "",
                                          COL_CONNS, s->connections, COL_SOURCE,
                                          s->source ? s->source : "built in", -1);
    }
    g_autofree char *count =
        g_strdup_printf(g_dngettext(NULL, "%u listener", "%u listeners", list->len), list->len);
    gtk_label_set_text(self->count_label, count);
}

/* The spec of the selected row (borrowed from the model), or NULL. */
static const MidgeListenerSpec *selected(MidgeListenersPage *self)
{
    GtkTreeModel *m;
    GtkTreeIter it;
    if (!gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->view), &m, &it))
        return NULL;
    g_autoptr(GtkTreePath) path = gtk_tree_model_get_path(m, &it);
    GPtrArray *list = midge_config_model_get_listeners(self->model);
    guint i = (guint)gtk_tree_path_get_indices(path)[0];
    return i < list->len ? g_ptr_array_index(list, i) : NULL;
}

/* Report err from a call (not a cancellation) and re-read after a conflict. */
static void report_error(MidgeListenersPage *self, const GError *err)
{
    emit_message(self, GTK_MESSAGE_ERROR, err->message);
    if (g_error_matches(err, MIDGE_CONTROL_ERROR, CTL_E_CONFLICT))
        midge_listeners_page_refresh(self);
}

static void on_list_reply(GObject *src, GAsyncResult *res, gpointer data)
{
    g_autoptr(GError) err = NULL;
    cJSON *result = midge_control_client_call_finish(MIDGE_CONTROL_CLIENT(src), res, &err);
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MidgeListenersPage *self = data;
    if (!result || !midge_config_model_load_listeners(self->model, result, &err))
        emit_message(self, GTK_MESSAGE_ERROR, err->message);
    cJSON_Delete(result);
}

void midge_listeners_page_refresh(MidgeListenersPage *self)
{
    g_return_if_fail(MIDGE_IS_LISTENERS_PAGE(self));
    if (self->client)
        midge_control_client_call_async(self->client, CTL_OP_LISTENERS_LIST, NULL, self->cancel,
                                        on_list_reply, self);
}

static void close_dialog(MidgeListenersPage *self)
{
    if (self->dialog)
        gtk_widget_destroy(GTK_WIDGET(self->dialog));
    self->dialog = NULL;
    g_clear_pointer(&self->editing, midge_listener_spec_free);
}

static void on_edit_reply(GObject *src, GAsyncResult *res, gpointer data)
{
    g_autoptr(GError) err = NULL;
    cJSON *result = midge_control_client_call_finish(MIDGE_CONTROL_CLIENT(src), res, &err);
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MidgeListenersPage *self = data;
    if (result) {
        midge_config_model_note_config_version(self->model, result);
        close_dialog(self);
        emit_message(self, GTK_MESSAGE_INFO, "The broker applied the listener change.");
        midge_listeners_page_refresh(self);
    } else if (MIDGE_IS_LISTENER_DIALOG(self->dialog)) {
        MidgeListenerDialog *d = MIDGE_LISTENER_DIALOG(self->dialog);
        midge_listener_dialog_set_error(d, err->message); /* keep the form for a fix */
        midge_listener_dialog_set_busy(d, FALSE);
        if (g_error_matches(err, MIDGE_CONTROL_ERROR, CTL_E_CONFLICT))
            midge_listeners_page_refresh(self);
    } else {
        close_dialog(self);
        report_error(self, err);
    }
    cJSON_Delete(result);
}

/* Validate the dialog's form and send it as listeners.add or listeners.set. */
static void submit(MidgeListenersPage *self, MidgeListenerDialog *d)
{
    g_autoptr(MidgeListenerSpec) spec = midge_listener_dialog_get_spec(d);
    g_autoptr(GError) err = NULL;
    if (!midge_config_validate_listener(spec, &err)) {
        midge_listener_dialog_set_error(d, err->message);
        return;
    }
    cJSON *args;
    enum ctl_op op = CTL_OP_LISTENERS_ADD;
    if (self->editing) {
        op = CTL_OP_LISTENERS_SET;
        args = midge_config_model_listener_set_args(self->model, self->editing, spec);
        if (!args) {
            close_dialog(self); /* nothing changed */
            return;
        }
    } else {
        args = midge_config_model_listener_add_args(self->model, spec);
    }
    midge_listener_dialog_set_error(d, NULL);
    midge_listener_dialog_set_busy(d, TRUE);
    midge_control_client_call_async(self->client, op, args, self->cancel, on_edit_reply, self);
}

static void on_dialog_response(GtkDialog *dialog, gint response, MidgeListenersPage *self)
{
    if (response == GTK_RESPONSE_OK && MIDGE_IS_LISTENER_DIALOG(dialog))
        submit(self, MIDGE_LISTENER_DIALOG(dialog));
    else if (response == GTK_RESPONSE_ACCEPT && self->editing)
        midge_control_client_call_async(
            self->client, CTL_OP_LISTENERS_REMOVE,
            midge_config_model_listener_remove_args(self->model, self->editing), self->cancel,
            on_edit_reply, self);
    else
        close_dialog(self);
}

static void open_dialog(MidgeListenersPage *self, GtkWidget *dialog)
{
    close_dialog(self);
    self->dialog = GTK_DIALOG(dialog);
    g_signal_connect_object(dialog, "response", G_CALLBACK(on_dialog_response), self, 0);
    gtk_widget_show(dialog);
}

void midge_listeners_page_add(MidgeListenersPage *self)
{
    g_return_if_fail(MIDGE_IS_LISTENERS_PAGE(self));
    open_dialog(self, midge_listener_dialog_new(midge_page_window(GTK_WIDGET(self)), NULL));
}

void midge_listeners_page_edit_selected(MidgeListenersPage *self)
{
    g_return_if_fail(MIDGE_IS_LISTENERS_PAGE(self));
    const MidgeListenerSpec *s = selected(self);
    if (!s)
        return;
    MidgeListenerSpec *copy = midge_listener_spec_copy(s);
    open_dialog(self, midge_listener_dialog_new(midge_page_window(GTK_WIDGET(self)), copy));
    self->editing = copy;
}

void midge_listeners_page_remove_selected(MidgeListenersPage *self)
{
    g_return_if_fail(MIDGE_IS_LISTENERS_PAGE(self));
    const MidgeListenerSpec *s = selected(self);
    if (!s)
        return;
    MidgeListenerSpec *copy = midge_listener_spec_copy(s);
    g_autofree char *q =
        g_strdup_printf("Remove the listener on port %" G_GINT64_FORMAT "?", s->port);
    open_dialog(self, midge_confirm_dialog_new(GTK_WIDGET(self), q,
                                               "The broker stops accepting on it at once, "
                                               "closes its clients and removes it from the "
                                               "configuration file.",
                                               "_Remove"));
    self->editing = copy;
}

gboolean midge_listeners_page_select_port(MidgeListenersPage *self, gint64 port)
{
    g_return_val_if_fail(MIDGE_IS_LISTENERS_PAGE(self), FALSE);
    GtkTreeIter it;
    GtkTreeModel *m = GTK_TREE_MODEL(self->store);
    for (gboolean ok = gtk_tree_model_get_iter_first(m, &it); ok;
         ok = gtk_tree_model_iter_next(m, &it)) {
        gint64 p;
        gtk_tree_model_get(m, &it, COL_PORT, &p, -1);
        if (p == port) {
            gtk_tree_selection_select_iter(gtk_tree_view_get_selection(self->view), &it);
            return TRUE;
        }
    }
    return FALSE;
}

static void on_add_clicked(GtkButton *b, MidgeListenersPage *self)
{
    (void)b;
    midge_listeners_page_add(self);
}

static void on_edit_clicked(GtkButton *b, MidgeListenersPage *self)
{
    (void)b;
    midge_listeners_page_edit_selected(self);
}

static void on_remove_clicked(GtkButton *b, MidgeListenersPage *self)
{
    (void)b;
    midge_listeners_page_remove_selected(self);
}

static void on_row_activated(GtkTreeView *v, GtkTreePath *p, GtkTreeViewColumn *c,
                             MidgeListenersPage *self)
{
    (void)v;
    (void)p;
    (void)c;
    midge_listeners_page_edit_selected(self);
}

static void on_selection_changed(GtkTreeSelection *sel, MidgeListenersPage *self)
{
    gboolean any = gtk_tree_selection_count_selected_rows(sel) > 0;
    gtk_widget_set_sensitive(self->edit_button, any);
    gtk_widget_set_sensitive(self->remove_button, any);
}

void midge_listeners_page_set_client(MidgeListenersPage *self, MidgeControlClient *client)
{
    g_return_if_fail(MIDGE_IS_LISTENERS_PAGE(self));
    g_set_object(&self->client, client);
}

GtkDialog *midge_listeners_page_get_dialog(MidgeListenersPage *self)
{
    g_return_val_if_fail(MIDGE_IS_LISTENERS_PAGE(self), NULL);
    return self->dialog;
}

MidgeConfigModel *midge_listeners_page_get_model(MidgeListenersPage *self)
{
    g_return_val_if_fail(MIDGE_IS_LISTENERS_PAGE(self), NULL);
    return self->model;
}

static void midge_listeners_page_dispose(GObject *obj)
{
    MidgeListenersPage *self = MIDGE_LISTENERS_PAGE(obj);
    if (self->cancel)
        g_cancellable_cancel(self->cancel);
    close_dialog(self);
    g_clear_object(&self->cancel);
    g_clear_object(&self->client);
    g_clear_object(&self->model);
    G_OBJECT_CLASS(midge_listeners_page_parent_class)->dispose(obj);
}

static void midge_listeners_page_class_init(MidgeListenersPageClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    midge_resources_ensure();
    G_OBJECT_CLASS(klass)->dispose = midge_listeners_page_dispose;
    sig_message = midge_page_message_signal_new(G_TYPE_FROM_CLASS(klass));
    gtk_widget_class_set_template_from_resource(wc, "/org/midge/admin/listeners_page.ui");
    gtk_widget_class_bind_template_child(wc, MidgeListenersPage, store);
    gtk_widget_class_bind_template_child(wc, MidgeListenersPage, view);
    gtk_widget_class_bind_template_child(wc, MidgeListenersPage, add_button);
    gtk_widget_class_bind_template_child(wc, MidgeListenersPage, edit_button);
    gtk_widget_class_bind_template_child(wc, MidgeListenersPage, remove_button);
    gtk_widget_class_bind_template_child(wc, MidgeListenersPage, count_label);
    gtk_widget_class_bind_template_callback(wc, on_add_clicked);
    gtk_widget_class_bind_template_callback(wc, on_edit_clicked);
    gtk_widget_class_bind_template_callback(wc, on_remove_clicked);
    gtk_widget_class_bind_template_callback(wc, on_row_activated);
    gtk_widget_class_bind_template_callback(wc, on_selection_changed);
}

static void midge_listeners_page_init(MidgeListenersPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancel = g_cancellable_new();
    self->model = midge_config_model_new();
    g_signal_connect_object(self->model, "listeners-changed", G_CALLBACK(on_listeners_changed),
                            self, 0);
}
