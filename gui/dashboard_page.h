/* SPDX-License-Identifier: MIT */
/* MidgeDashboardPage: cards (version, uptime, clients) and the load graphs of a
 * MidgeStatsModel with a time window selector. Main loop only. */
#ifndef MIDGE_GUI_DASHBOARD_PAGE_H
#define MIDGE_GUI_DASHBOARD_PAGE_H

#include "gui/stats_model.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MIDGE_TYPE_DASHBOARD_PAGE (midge_dashboard_page_get_type())
G_DECLARE_FINAL_TYPE(MidgeDashboardPage, midge_dashboard_page, MIDGE, DASHBOARD_PAGE, GtkBox)

/* A new page without a model. */
GtkWidget *midge_dashboard_page_new(void);

/* Show model (borrowed; the page and its graphs take references). The cards follow the
 * model's last sample. */
void midge_dashboard_page_set_model(MidgeDashboardPage *self, MidgeStatsModel *model);

/* Show the broker's version string (borrowed, copied); NULL shows a dash. */
void midge_dashboard_page_set_version(MidgeDashboardPage *self, const char *version);

/* Set every graph's time window (seconds: 60, 600 or 3600) and the selector. */
void midge_dashboard_page_set_window(MidgeDashboardPage *self, guint seconds);

/* Format an uptime in seconds as "3 d 4 h", "2 h 5 min", "12 min 3 s" or "9 s" into buf. */
void midge_dashboard_format_uptime(guint64 seconds, char *buf, gsize len);

G_END_DECLS

#endif
