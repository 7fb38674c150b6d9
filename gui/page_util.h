/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the pages: the "message" signal they all emit, the
 * confirmation dialog before a removal, and the parent window of a page. */
#ifndef MIDGE_GUI_PAGE_UTIL_H
#define MIDGE_GUI_PAGE_UTIL_H

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Define the signal "message" (gint GtkMessageType, const char *text) on type; returns
 * its id. Call from class_init. */
guint midge_page_message_signal_new(GType type);

/* A modal question over page's window with Cancel and a destructive action button that
 * answers GTK_RESPONSE_ACCEPT. primary and secondary are borrowed. Not shown yet. */
GtkWidget *midge_confirm_dialog_new(GtkWidget *page, const char *primary, const char *secondary,
                                    const char *action);

/* The toplevel window of widget, or NULL while it is not in one. */
GtkWindow *midge_page_window(GtkWidget *widget);

G_END_DECLS

#endif
