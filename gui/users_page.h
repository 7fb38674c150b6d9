/* SPDX-License-Identifier: MIT */
/* MidgeUsersPage: the users of the broker's password file, with add, change password
 * and remove (after confirmation) over the control socket. Signal "message" (gint
 * GtkMessageType, const char *text) as on the other pages. Main loop only. */
#ifndef MIDGE_GUI_USERS_PAGE_H
#define MIDGE_GUI_USERS_PAGE_H

#include "gui/config_model.h"
#include "gui/control_client.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MIDGE_TYPE_USERS_PAGE (midge_users_page_get_type())
G_DECLARE_FINAL_TYPE(MidgeUsersPage, midge_users_page, MIDGE, USERS_PAGE, GtkBox)

/* Use client (borrowed; a reference is taken) for all requests. */
void midge_users_page_set_client(MidgeUsersPage *self, MidgeControlClient *client);

/* Re-read the user list (async). */
void midge_users_page_refresh(MidgeUsersPage *self);

/* Open the add dialog, or the password dialog / removal confirmation for the selection. */
void midge_users_page_add(MidgeUsersPage *self);
void midge_users_page_passwd_selected(MidgeUsersPage *self);
void midge_users_page_remove_selected(MidgeUsersPage *self);

/* Select user name; FALSE if it is not listed. */
gboolean midge_users_page_select(MidgeUsersPage *self, const char *name);

/* The dialog the page has open (borrowed; NULL if none), for tests. */
GtkDialog *midge_users_page_get_dialog(MidgeUsersPage *self);

/* The model behind the list (borrowed). */
MidgeConfigModel *midge_users_page_get_model(MidgeUsersPage *self);

G_END_DECLS

#endif
