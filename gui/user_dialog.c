/* SPDX-License-Identifier: MIT */
/* MidgeUserDialog: user form with a live password strength hint. */
#include "gui/user_dialog.h"

#include "gui/config_model.h"
#include "gui/resources.h"

struct _MidgeUserDialog {
    GtkDialog parent_instance;
    GtkInfoBar *error_bar;
    GtkLabel *error_label, *hint_label;
    GtkEntry *name_entry, *password_entry, *repeat_entry;
    GtkLevelBar *strength_bar;
    GtkWidget *ok_button;
};

G_DEFINE_TYPE(MidgeUserDialog, midge_user_dialog, GTK_TYPE_DIALOG)

const char *midge_user_dialog_get_name(MidgeUserDialog *self)
{
    g_return_val_if_fail(MIDGE_IS_USER_DIALOG(self), NULL);
    return gtk_entry_get_text(self->name_entry);
}

const char *midge_user_dialog_get_password(MidgeUserDialog *self)
{
    g_return_val_if_fail(MIDGE_IS_USER_DIALOG(self), NULL);
    return gtk_entry_get_text(self->password_entry);
}

const char *midge_user_dialog_get_repeat(MidgeUserDialog *self)
{
    g_return_val_if_fail(MIDGE_IS_USER_DIALOG(self), NULL);
    return gtk_entry_get_text(self->repeat_entry);
}

const char *midge_user_dialog_get_hint(MidgeUserDialog *self)
{
    g_return_val_if_fail(MIDGE_IS_USER_DIALOG(self), NULL);
    return gtk_label_get_text(self->hint_label);
}

void midge_user_dialog_set_error(MidgeUserDialog *self, const char *text)
{
    g_return_if_fail(MIDGE_IS_USER_DIALOG(self));
    gtk_label_set_text(self->error_label, text ? text : "");
    gtk_widget_set_visible(GTK_WIDGET(self->error_bar), text != NULL);
}

void midge_user_dialog_set_busy(MidgeUserDialog *self, gboolean busy)
{
    g_return_if_fail(MIDGE_IS_USER_DIALOG(self));
    gtk_widget_set_sensitive(self->ok_button, !busy);
}

static void on_password_changed(GtkEntry *entry, MidgeUserDialog *self)
{
    guint strength = midge_config_password_strength(gtk_entry_get_text(entry));
    gtk_level_bar_set_value(self->strength_bar, strength);
    gtk_label_set_text(self->hint_label, midge_config_password_hint(strength));
}

static void midge_user_dialog_class_init(MidgeUserDialogClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    midge_resources_ensure();
    gtk_widget_class_set_template_from_resource(wc, "/org/midge/admin/user_dialog.ui");
    gtk_widget_class_bind_template_child(wc, MidgeUserDialog, error_bar);
    gtk_widget_class_bind_template_child(wc, MidgeUserDialog, error_label);
    gtk_widget_class_bind_template_child(wc, MidgeUserDialog, hint_label);
    gtk_widget_class_bind_template_child(wc, MidgeUserDialog, name_entry);
    gtk_widget_class_bind_template_child(wc, MidgeUserDialog, password_entry);
    gtk_widget_class_bind_template_child(wc, MidgeUserDialog, repeat_entry);
    gtk_widget_class_bind_template_child(wc, MidgeUserDialog, strength_bar);
    gtk_widget_class_bind_template_child(wc, MidgeUserDialog, ok_button);
    gtk_widget_class_bind_template_callback(wc, on_password_changed);
}

static void midge_user_dialog_init(MidgeUserDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

GtkWidget *midge_user_dialog_new(GtkWindow *parent, const char *name)
{
    MidgeUserDialog *self = g_object_new(MIDGE_TYPE_USER_DIALOG, "transient-for", parent, NULL);
    if (name) {
        gtk_entry_set_text(self->name_entry, name);
        gtk_widget_set_sensitive(GTK_WIDGET(self->name_entry), FALSE);
        g_autofree char *title = g_strdup_printf("Change the password of %s", name);
        gtk_window_set_title(GTK_WINDOW(self), title);
        gtk_button_set_label(GTK_BUTTON(self->ok_button), "_Change password");
        gtk_widget_grab_focus(GTK_WIDGET(self->password_entry));
    }
    return GTK_WIDGET(self);
}
