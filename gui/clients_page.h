/* SPDX-License-Identifier: MIT */
/* MidgeClientsPage: the broker's connected clients with a disconnect action. Signal
 * "message" (gint GtkMessageType, const char *text) as on the other pages. Main loop
 * only. */
#ifndef MIDGE_GUI_CLIENTS_PAGE_H
#define MIDGE_GUI_CLIENTS_PAGE_H

#include "gui/control_client.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MIDGE_TYPE_CLIENTS_PAGE (midge_clients_page_get_type())
G_DECLARE_FINAL_TYPE(MidgeClientsPage, midge_clients_page, MIDGE, CLIENTS_PAGE, GtkBox)

/* Use client (borrowed; a reference is taken) for all requests. */
void midge_clients_page_set_client(MidgeClientsPage *self, MidgeControlClient *client);

/* Re-read the client list (async). */
void midge_clients_page_refresh(MidgeClientsPage *self);

/* Disconnect the selected client (clients.kick), then re-read the list. */
void midge_clients_page_kick_selected(MidgeClientsPage *self);

/* Select the client with id; FALSE if it is not listed. */
gboolean midge_clients_page_select(MidgeClientsPage *self, const char *id);

/* The address column of client id (caller frees), or NULL if it is not listed. */
char *midge_clients_page_dup_address(MidgeClientsPage *self, const char *id);

/* Number of rows shown. */
guint midge_clients_page_get_count(MidgeClientsPage *self);

G_END_DECLS

#endif
