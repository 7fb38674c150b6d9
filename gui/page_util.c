/* SPDX-License-Identifier: MIT */
/* Helpers shared by the pages (see page_util.h). */
#include "gui/page_util.h"

guint midge_page_message_signal_new(GType type)
{
    return g_signal_new("message", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                        G_TYPE_INT, G_TYPE_STRING);
}

GtkWindow *midge_page_window(GtkWidget *widget)
{
    GtkWidget *top = gtk_widget_get_toplevel(widget);
    return GTK_IS_WINDOW(top) ? GTK_WINDOW(top) : NULL;
}

GtkWidget *midge_confirm_dialog_new(GtkWidget *page, const char *primary, const char *secondary,
                                    const char *action)
{
    GtkWidget *d = gtk_message_dialog_new(midge_page_window(page), GTK_DIALOG_MODAL,
                                          GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s", primary);
    gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(d), "%s", secondary);
    gtk_dialog_add_button(GTK_DIALOG(d), "_Cancel", GTK_RESPONSE_CANCEL);
    GtkWidget *b = gtk_dialog_add_button(GTK_DIALOG(d), action, GTK_RESPONSE_ACCEPT);
    gtk_style_context_add_class(gtk_widget_get_style_context(b), "destructive-action");
    g_autoptr(GString) name = g_string_new(action);
    g_string_replace(name, "_", "", 0); /* the mnemonic marker is not part of the name */
    atk_object_set_name(gtk_widget_get_accessible(b), name->str);
    gtk_dialog_set_default_response(GTK_DIALOG(d), GTK_RESPONSE_CANCEL);
    return d;
}
