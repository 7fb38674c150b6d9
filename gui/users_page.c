/* SPDX-License-Identifier: MIT */
/* MidgeUsersPage: user list and the add/passwd/remove flows over the control socket.
 * Passwords live only in the dialog's entries and the request; they are never logged. */
#include "gui/users_page.h"

#include "gui/page_util.h"
#include "gui/resources.h"
#include "gui/user_dialog.h"

struct _MidgeUsersPage {
    GtkBox parent_instance;
    GtkListStore *store;
    GtkTreeView *view;
    GtkWidget *add_button, *passwd_button, *remove_button;
    GtkLabel *count_label, *file_label;
    MidgeControlClient *client;
    MidgeConfigModel *model;
    GCancellable *cancel;
    GtkDialog *dialog; /* the open dialog, if any */
    char *target;      /* the user the dialog changes or removes */
};

G_DEFINE_TYPE(MidgeUsersPage, midge_users_page, GTK_TYPE_BOX)

static guint sig_message;

static void emit_message(MidgeUsersPage *self, GtkMessageType type, const char *text)
{
    g_signal_emit(self, sig_message, 0, (gint)type, text);
}

static void on_users_changed(MidgeConfigModel *model, MidgeUsersPage *self)
{
    GPtrArray *users = midge_config_model_get_users(model);
    gtk_list_store_clear(self->store);
    for (guint i = 0; i < users->len; i++)
        gtk_list_store_insert_with_values(self->store, NULL, -1, 0, g_ptr_array_index(users, i),
                                          -1);
    g_autofree char *count =
        g_strdup_printf(g_dngettext(NULL, "%u user", "%u users", users->len), users->len);
    gtk_label_set_text(self->count_label, count);
}

/* The selected user name (caller frees), or NULL. */
static char *selected(MidgeUsersPage *self)
{
    GtkTreeModel *m;
    GtkTreeIter it;
    char *name = NULL;
    if (gtk_tree_selection_get_selected(gtk_tree_view_get_selection(self->view), &m, &it))
        gtk_tree_model_get(m, &it, 0, &name, -1);
    return name;
}

static void on_list_reply(GObject *src, GAsyncResult *res, gpointer data)
{
    g_autoptr(GError) err = NULL;
    cJSON *result = midge_control_client_call_finish(MIDGE_CONTROL_CLIENT(src), res, &err);
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MidgeUsersPage *self = data;
    if (result && midge_config_model_load_users(self->model, result, &err)) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(result, "password_file");
        g_autofree char *text =
            g_strdup_printf("Password file: %s", cJSON_IsString(f) ? f->valuestring : "?");
        gtk_label_set_text(self->file_label, text);
        gtk_widget_set_sensitive(self->add_button, TRUE);
    } else {
        gtk_label_set_text(self->file_label, err->message);
        if (g_error_matches(err, MIDGE_CONTROL_ERROR, CTL_E_NOT_SUPPORTED))
            gtk_widget_set_sensitive(self->add_button, FALSE); /* no password_file */
        else
            emit_message(self, GTK_MESSAGE_ERROR, err->message);
    }
    cJSON_Delete(result);
}

void midge_users_page_refresh(MidgeUsersPage *self)
{
    g_return_if_fail(MIDGE_IS_USERS_PAGE(self));
    if (self->client)
        midge_control_client_call_async(self->client, CTL_OP_USERS_LIST, NULL, self->cancel,
                                        on_list_reply, self);
}

static void close_dialog(MidgeUsersPage *self)
{
    if (self->dialog)
        gtk_widget_destroy(GTK_WIDGET(self->dialog));
    self->dialog = NULL;
    g_clear_pointer(&self->target, g_free);
}

static void on_edit_reply(GObject *src, GAsyncResult *res, gpointer data)
{
    g_autoptr(GError) err = NULL;
    cJSON *result = midge_control_client_call_finish(MIDGE_CONTROL_CLIENT(src), res, &err);
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MidgeUsersPage *self = data;
    if (result) {
        midge_config_model_note_users_version(self->model, result);
        close_dialog(self);
        emit_message(self, GTK_MESSAGE_INFO, "The broker applied the user change.");
        midge_users_page_refresh(self);
    } else if (MIDGE_IS_USER_DIALOG(self->dialog)) {
        midge_user_dialog_set_error(MIDGE_USER_DIALOG(self->dialog), err->message);
        midge_user_dialog_set_busy(MIDGE_USER_DIALOG(self->dialog), FALSE);
    } else {
        close_dialog(self);
        emit_message(self, GTK_MESSAGE_ERROR, err->message);
    }
    if (g_error_matches(err, MIDGE_CONTROL_ERROR, CTL_E_CONFLICT))
        midge_users_page_refresh(self);
    cJSON_Delete(result);
}

/* Validate the dialog and send users.add (no target) or users.passwd. */
static void submit(MidgeUsersPage *self, MidgeUserDialog *d)
{
    g_autoptr(GError) err = NULL;
    const char *name = self->target ? self->target : midge_user_dialog_get_name(d);
    const char *pw = midge_user_dialog_get_password(d);
    if (!midge_config_validate_user(name, pw, midge_user_dialog_get_repeat(d), &err)) {
        midge_user_dialog_set_error(d, err->message);
        return;
    }
    midge_user_dialog_set_error(d, NULL);
    midge_user_dialog_set_busy(d, TRUE);
    midge_control_client_call_async(
        self->client, self->target ? CTL_OP_USERS_PASSWD : CTL_OP_USERS_ADD,
        midge_config_model_user_args(self->model, name, pw), self->cancel, on_edit_reply, self);
}

static void on_dialog_response(GtkDialog *dialog, gint response, MidgeUsersPage *self)
{
    if (response == GTK_RESPONSE_OK && MIDGE_IS_USER_DIALOG(dialog))
        submit(self, MIDGE_USER_DIALOG(dialog));
    else if (response == GTK_RESPONSE_ACCEPT && self->target)
        midge_control_client_call_async(
            self->client, CTL_OP_USERS_REMOVE,
            midge_config_model_user_args(self->model, self->target, NULL), self->cancel,
            on_edit_reply, self);
    else
        close_dialog(self);
}

static void open_dialog(MidgeUsersPage *self, GtkWidget *dialog, char *target /* taken */)
{
    close_dialog(self);
    self->dialog = GTK_DIALOG(dialog);
    self->target = target;
    g_signal_connect_object(dialog, "response", G_CALLBACK(on_dialog_response), self, 0);
    gtk_widget_show(dialog);
}

void midge_users_page_add(MidgeUsersPage *self)
{
    g_return_if_fail(MIDGE_IS_USERS_PAGE(self));
    open_dialog(self, midge_user_dialog_new(midge_page_window(GTK_WIDGET(self)), NULL), NULL);
}

void midge_users_page_passwd_selected(MidgeUsersPage *self)
{
    g_return_if_fail(MIDGE_IS_USERS_PAGE(self));
    char *name = selected(self);
    if (name)
        open_dialog(self, midge_user_dialog_new(midge_page_window(GTK_WIDGET(self)), name), name);
}

void midge_users_page_remove_selected(MidgeUsersPage *self)
{
    g_return_if_fail(MIDGE_IS_USERS_PAGE(self));
    char *name = selected(self);
    if (!name)
        return;
    g_autofree char *q = g_strdup_printf("Remove the user %s?", name);
    open_dialog(self,
                midge_confirm_dialog_new(GTK_WIDGET(self), q,
                                         "The user is deleted from the password file and "
                                         "every client logged in as this user is "
                                         "disconnected.",
                                         "_Remove"),
                name);
}

gboolean midge_users_page_select(MidgeUsersPage *self, const char *name)
{
    g_return_val_if_fail(MIDGE_IS_USERS_PAGE(self), FALSE);
    GtkTreeIter it;
    GtkTreeModel *m = GTK_TREE_MODEL(self->store);
    for (gboolean ok = gtk_tree_model_get_iter_first(m, &it); ok;
         ok = gtk_tree_model_iter_next(m, &it)) {
        g_autofree char *n = NULL;
        gtk_tree_model_get(m, &it, 0, &n, -1);
        if (g_strcmp0(n, name) == 0) {
            gtk_tree_selection_select_iter(gtk_tree_view_get_selection(self->view), &it);
            return TRUE;
        }
    }
    return FALSE;
}

static void on_add_clicked(GtkButton *b, MidgeUsersPage *self)
{
    (void)b;
    midge_users_page_add(self);
}

static void on_passwd_clicked(GtkButton *b, MidgeUsersPage *self)
{
    (void)b;
    midge_users_page_passwd_selected(self);
}

static void on_remove_clicked(GtkButton *b, MidgeUsersPage *self)
{
    (void)b;
    midge_users_page_remove_selected(self);
}

static void on_selection_changed(GtkTreeSelection *sel, MidgeUsersPage *self)
{
    gboolean any = gtk_tree_selection_count_selected_rows(sel) > 0;
    gtk_widget_set_sensitive(self->passwd_button, any);
    gtk_widget_set_sensitive(self->remove_button, any);
}

void midge_users_page_set_client(MidgeUsersPage *self, MidgeControlClient *client)
{
    g_return_if_fail(MIDGE_IS_USERS_PAGE(self));
    g_set_object(&self->client, client);
}

GtkDialog *midge_users_page_get_dialog(MidgeUsersPage *self)
{
    g_return_val_if_fail(MIDGE_IS_USERS_PAGE(self), NULL);
    return self->dialog;
}

MidgeConfigModel *midge_users_page_get_model(MidgeUsersPage *self)
{
    g_return_val_if_fail(MIDGE_IS_USERS_PAGE(self), NULL);
    return self->model;
}

static void midge_users_page_dispose(GObject *obj)
{
    MidgeUsersPage *self = MIDGE_USERS_PAGE(obj);
    if (self->cancel)
        g_cancellable_cancel(self->cancel);
    close_dialog(self);
    g_clear_object(&self->cancel);
    g_clear_object(&self->client);
    g_clear_object(&self->model);
    G_OBJECT_CLASS(midge_users_page_parent_class)->dispose(obj);
}

static void midge_users_page_class_init(MidgeUsersPageClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    midge_resources_ensure();
    G_OBJECT_CLASS(klass)->dispose = midge_users_page_dispose;
    sig_message = midge_page_message_signal_new(G_TYPE_FROM_CLASS(klass));
    gtk_widget_class_set_template_from_resource(wc, "/org/midge/admin/users_page.ui");
    gtk_widget_class_bind_template_child(wc, MidgeUsersPage, store);
    gtk_widget_class_bind_template_child(wc, MidgeUsersPage, view);
    gtk_widget_class_bind_template_child(wc, MidgeUsersPage, add_button);
    gtk_widget_class_bind_template_child(wc, MidgeUsersPage, passwd_button);
    gtk_widget_class_bind_template_child(wc, MidgeUsersPage, remove_button);
    gtk_widget_class_bind_template_child(wc, MidgeUsersPage, count_label);
    gtk_widget_class_bind_template_child(wc, MidgeUsersPage, file_label);
    gtk_widget_class_bind_template_callback(wc, on_add_clicked);
    gtk_widget_class_bind_template_callback(wc, on_passwd_clicked);
    gtk_widget_class_bind_template_callback(wc, on_remove_clicked);
    gtk_widget_class_bind_template_callback(wc, on_selection_changed);
}

static void midge_users_page_init(MidgeUsersPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancel = g_cancellable_new();
    self->model = midge_config_model_new();
    g_signal_connect_object(self->model, "users-changed", G_CALLBACK(on_users_changed), self, 0);
}
