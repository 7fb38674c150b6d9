/* SPDX-License-Identifier: MIT */
/* MidgeListenersPage: the broker's listeners in a table, with add/edit dialogs and
 * removal after confirmation; edits go to the broker over the control socket, which
 * applies them live. Signal "message" (gint GtkMessageType, const char *text) reports
 * results and broker errors for the window's info bar. Main loop only. */
#ifndef MIDGE_GUI_LISTENERS_PAGE_H
#define MIDGE_GUI_LISTENERS_PAGE_H

#include "gui/config_model.h"
#include "gui/control_client.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MIDGE_TYPE_LISTENERS_PAGE (midge_listeners_page_get_type())
G_DECLARE_FINAL_TYPE(MidgeListenersPage, midge_listeners_page, MIDGE, LISTENERS_PAGE, GtkBox)

/* Use client (borrowed; a reference is taken) for all requests. */
void midge_listeners_page_set_client(MidgeListenersPage *self, MidgeControlClient *client);

/* Re-read the listener list (async). */
void midge_listeners_page_refresh(MidgeListenersPage *self);

/* Open the add dialog, or the edit dialog / removal confirmation for the selected row. */
void midge_listeners_page_add(MidgeListenersPage *self);
void midge_listeners_page_edit_selected(MidgeListenersPage *self);
void midge_listeners_page_remove_selected(MidgeListenersPage *self);

/* Select the listener on port (first match); FALSE if none. */
gboolean midge_listeners_page_select_port(MidgeListenersPage *self, gint64 port);

/* The dialog the page has open (borrowed; NULL if none), for tests. */
GtkDialog *midge_listeners_page_get_dialog(MidgeListenersPage *self);

/* The model behind the table (borrowed). */
MidgeConfigModel *midge_listeners_page_get_model(MidgeListenersPage *self);

G_END_DECLS

#endif
