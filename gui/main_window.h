/* SPDX-License-Identifier: MIT */
/* MidgeMainWindow: header bar with the page switcher, an info bar for broker messages,
 * the stack of pages (Dashboard, Listeners, Users, Clients) and the connection status.
 * Main loop only. */
#ifndef MIDGE_GUI_MAIN_WINDOW_H
#define MIDGE_GUI_MAIN_WINDOW_H

#include "gui/application.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MIDGE_TYPE_MAIN_WINDOW (midge_main_window_get_type())
G_DECLARE_FINAL_TYPE(MidgeMainWindow, midge_main_window, MIDGE, MAIN_WINDOW, GtkApplicationWindow)

/* A new window of app (borrowed) showing app's client and stats model. */
GtkWidget *midge_main_window_new(MidgeApplication *app);

/* Switch to page name ("dashboard", "listeners", "users", "clients"); unknown names are
 * ignored. */
void midge_main_window_show_page(MidgeMainWindow *self, const char *name);

/* Show text (borrowed) in the info bar with type (GTK_MESSAGE_ERROR, ...). */
void midge_main_window_show_message(MidgeMainWindow *self, GtkMessageType type, const char *text);

/* Re-read the visible page from the broker, or reconnect now when disconnected (F5). */
void midge_main_window_refresh(MidgeMainWindow *self);

/* Save what the X server shows of the window as PNG at path. Returns FALSE with *error
 * set when the window is not mapped or the file cannot be written. */
gboolean midge_main_window_save_screenshot(MidgeMainWindow *self, const char *path, GError **error);

G_END_DECLS

#endif
