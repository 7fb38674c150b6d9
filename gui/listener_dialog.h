/* SPDX-License-Identifier: MIT */
/* MidgeListenerDialog: the form to add or edit one listener (port, address, family,
 * connection limit, mount point, TLS files) with an info bar for errors. It only reads
 * and writes its widgets; the listeners page validates and sends. Main loop only. */
#ifndef MIDGE_GUI_LISTENER_DIALOG_H
#define MIDGE_GUI_LISTENER_DIALOG_H

#include "gui/config_model.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MIDGE_TYPE_LISTENER_DIALOG (midge_listener_dialog_get_type())
G_DECLARE_FINAL_TYPE(MidgeListenerDialog, midge_listener_dialog, MIDGE, LISTENER_DIALOG, GtkDialog)

/* A new dialog over parent (may be NULL). With initial (borrowed) it edits that listener
 * (port and address are then fixed, as they identify it); without, it adds one. */
GtkWidget *midge_listener_dialog_new(GtkWindow *parent, const MidgeListenerSpec *initial);

/* The form's current content as a new spec (caller frees). */
MidgeListenerSpec *midge_listener_dialog_get_spec(MidgeListenerDialog *self);

/* Show text (borrowed) in the dialog's info bar; NULL hides it. */
void midge_listener_dialog_set_error(MidgeListenerDialog *self, const char *text);

/* While busy the Save button is insensitive (a request is on its way). */
void midge_listener_dialog_set_busy(MidgeListenerDialog *self, gboolean busy);

/* TRUE when the dialog edits an existing listener. */
gboolean midge_listener_dialog_is_edit(MidgeListenerDialog *self);

G_END_DECLS

#endif
