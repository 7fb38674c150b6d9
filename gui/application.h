/* SPDX-License-Identifier: MIT */
/* MidgeApplication: the GtkApplication of midge-admin. It owns the control client and
 * the stats model, parses the command line (--socket, test hooks), installs the actions
 * and keyboard shortcuts and opens the main window. Main loop only. */
#ifndef MIDGE_GUI_APPLICATION_H
#define MIDGE_GUI_APPLICATION_H

#include "gui/control_client.h"
#include "gui/stats_model.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MIDGE_TYPE_APPLICATION (midge_application_get_type())
G_DECLARE_FINAL_TYPE(MidgeApplication, midge_application, MIDGE, APPLICATION, GtkApplication)

/* A new application (caller owns it); run it with g_application_run. */
MidgeApplication *midge_application_new(void);

/* Use path (borrowed, copied) as the control socket instead of the default; call before
 * the application starts (tests run the app in-process without a command line). */
void midge_application_set_socket_path(MidgeApplication *self, const char *path);

/* The control client and stats model (borrowed; valid after startup). */
MidgeControlClient *midge_application_get_client(MidgeApplication *self);
MidgeStatsModel *midge_application_get_stats(MidgeApplication *self);

/* The control socket used without --socket: the first of
 * $XDG_RUNTIME_DIR/midge/control.sock and /run/midge/control.sock that exists, else the
 * latter (the broker's rule depends on its user). Caller frees the string. */
char *midge_application_default_socket(void);

G_END_DECLS

#endif
