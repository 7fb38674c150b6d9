/* SPDX-License-Identifier: MIT */
/* MidgeListenerDialog: moves a MidgeListenerSpec into and out of the form widgets. */
#include "gui/listener_dialog.h"

#include "gui/resources.h"

struct _MidgeListenerDialog {
    GtkDialog parent_instance;
    GtkInfoBar *error_bar;
    GtkLabel *error_label;
    GtkSpinButton *port_spin, *max_spin;
    GtkEntry *address_entry, *mount_entry;
    GtkComboBoxText *family_combo;
    GtkFileChooser *cert_chooser, *key_chooser, *ca_chooser;
    GtkWidget *save_button;
    gboolean edit;
};

G_DEFINE_TYPE(MidgeListenerDialog, midge_listener_dialog, GTK_TYPE_DIALOG)

static char *entry_text(GtkEntry *e)
{
    g_autofree char *t = g_strstrip(g_strdup(gtk_entry_get_text(e)));
    return *t ? g_steal_pointer(&t) : NULL;
}

MidgeListenerSpec *midge_listener_dialog_get_spec(MidgeListenerDialog *self)
{
    g_return_val_if_fail(MIDGE_IS_LISTENER_DIALOG(self), NULL);
    MidgeListenerSpec *s = midge_listener_spec_new();
    gtk_spin_button_update(self->port_spin);
    gtk_spin_button_update(self->max_spin);
    s->port = gtk_spin_button_get_value_as_int(self->port_spin);
    s->max_connections = gtk_spin_button_get_value_as_int(self->max_spin);
    s->address = entry_text(self->address_entry);
    s->mount_point = entry_text(self->mount_entry);
    const char *family = gtk_combo_box_get_active_id(GTK_COMBO_BOX(self->family_combo));
    s->socket_domain = family && !g_str_equal(family, "any") ? g_strdup(family) : NULL;
    s->certfile = gtk_file_chooser_get_filename(self->cert_chooser);
    s->keyfile = gtk_file_chooser_get_filename(self->key_chooser);
    s->cafile = gtk_file_chooser_get_filename(self->ca_chooser);
    return s;
}

static void set_file(GtkFileChooser *chooser, const char *path)
{
    if (path)
        gtk_file_chooser_set_filename(chooser, path);
    else
        gtk_file_chooser_unselect_all(chooser);
}

static void load_spec(MidgeListenerDialog *self, const MidgeListenerSpec *s)
{
    gtk_spin_button_set_value(self->port_spin, (double)s->port);
    gtk_spin_button_set_value(self->max_spin, (double)s->max_connections);
    gtk_entry_set_text(self->address_entry, s->address ? s->address : "");
    gtk_entry_set_text(self->mount_entry, s->mount_point ? s->mount_point : "");
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->family_combo),
                                s->socket_domain ? s->socket_domain : "any");
    set_file(self->cert_chooser, s->certfile);
    set_file(self->key_chooser, s->keyfile);
    set_file(self->ca_chooser, s->cafile);
}

void midge_listener_dialog_set_error(MidgeListenerDialog *self, const char *text)
{
    g_return_if_fail(MIDGE_IS_LISTENER_DIALOG(self));
    gtk_label_set_text(self->error_label, text ? text : "");
    gtk_widget_set_visible(GTK_WIDGET(self->error_bar), text != NULL);
}

void midge_listener_dialog_set_busy(MidgeListenerDialog *self, gboolean busy)
{
    g_return_if_fail(MIDGE_IS_LISTENER_DIALOG(self));
    gtk_widget_set_sensitive(self->save_button, !busy);
}

gboolean midge_listener_dialog_is_edit(MidgeListenerDialog *self)
{
    g_return_val_if_fail(MIDGE_IS_LISTENER_DIALOG(self), FALSE);
    return self->edit;
}

static void on_clear_tls_clicked(GtkButton *button, MidgeListenerDialog *self)
{
    (void)button;
    set_file(self->cert_chooser, NULL);
    set_file(self->key_chooser, NULL);
    set_file(self->ca_chooser, NULL);
}

static void midge_listener_dialog_class_init(MidgeListenerDialogClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    midge_resources_ensure();
    gtk_widget_class_set_template_from_resource(wc, "/org/midge/admin/listener_dialog.ui");
    gtk_widget_class_bind_template_child(wc, MidgeListenerDialog, error_bar);
    gtk_widget_class_bind_template_child(wc, MidgeListenerDialog, error_label);
    gtk_widget_class_bind_template_child(wc, MidgeListenerDialog, port_spin);
    gtk_widget_class_bind_template_child(wc, MidgeListenerDialog, max_spin);
    gtk_widget_class_bind_template_child(wc, MidgeListenerDialog, address_entry);
    gtk_widget_class_bind_template_child(wc, MidgeListenerDialog, mount_entry);
    gtk_widget_class_bind_template_child(wc, MidgeListenerDialog, family_combo);
    gtk_widget_class_bind_template_child(wc, MidgeListenerDialog, cert_chooser);
    gtk_widget_class_bind_template_child(wc, MidgeListenerDialog, key_chooser);
    gtk_widget_class_bind_template_child(wc, MidgeListenerDialog, ca_chooser);
    gtk_widget_class_bind_template_child(wc, MidgeListenerDialog, save_button);
    gtk_widget_class_bind_template_callback(wc, on_clear_tls_clicked);
}

static void midge_listener_dialog_init(MidgeListenerDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

GtkWidget *midge_listener_dialog_new(GtkWindow *parent, const MidgeListenerSpec *initial)
{
    MidgeListenerDialog *self =
        g_object_new(MIDGE_TYPE_LISTENER_DIALOG, "transient-for", parent, NULL);
    if (initial) {
        self->edit = TRUE;
        load_spec(self, initial);
        gtk_widget_set_sensitive(GTK_WIDGET(self->port_spin), FALSE);
        gtk_widget_set_sensitive(GTK_WIDGET(self->address_entry), FALSE);
        g_autofree char *title =
            g_strdup_printf("Edit listener on port %" G_GINT64_FORMAT, initial->port);
        gtk_window_set_title(GTK_WINDOW(self), title);
    }
    return GTK_WIDGET(self);
}
