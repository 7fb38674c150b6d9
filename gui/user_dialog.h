/* SPDX-License-Identifier: MIT */
/* MidgeUserDialog: the form to add a user (name, password twice) or change a user's
 * password, with a strength hint and an info bar for errors. The users page validates
 * and sends. Main loop only. */
#ifndef MIDGE_GUI_USER_DIALOG_H
#define MIDGE_GUI_USER_DIALOG_H

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MIDGE_TYPE_USER_DIALOG (midge_user_dialog_get_type())
G_DECLARE_FINAL_TYPE(MidgeUserDialog, midge_user_dialog, MIDGE, USER_DIALOG, GtkDialog)

/* A new dialog over parent (may be NULL). With name (borrowed) it changes that user's
 * password; with NULL it adds a user. */
GtkWidget *midge_user_dialog_new(GtkWindow *parent, const char *name);

/* The entries' current text (borrowed from the widgets). */
const char *midge_user_dialog_get_name(MidgeUserDialog *self);
const char *midge_user_dialog_get_password(MidgeUserDialog *self);
const char *midge_user_dialog_get_repeat(MidgeUserDialog *self);

/* Show text (borrowed) in the info bar; NULL hides it. */
void midge_user_dialog_set_error(MidgeUserDialog *self, const char *text);

/* While busy the OK button is insensitive. */
void midge_user_dialog_set_busy(MidgeUserDialog *self, gboolean busy);

/* The strength hint shown now (borrowed), for tests. */
const char *midge_user_dialog_get_hint(MidgeUserDialog *self);

G_END_DECLS

#endif
