/* SPDX-License-Identifier: MIT */
/* MidgeLoadGraph: a GtkDrawingArea that plots one chart (one or two series) of a
 * MidgeStatsModel over a selectable time window. It owns no timer: it redraws when the
 * model emits "changed". Main loop only. */
#ifndef MIDGE_GUI_LOAD_GRAPH_H
#define MIDGE_GUI_LOAD_GRAPH_H

#include "gui/load_graph_paint.h"
#include "gui/stats_model.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What a graph shows (the "chart" property). */
typedef enum {
    MIDGE_CHART_MESSAGES, /* messages received and sent per second */
    MIDGE_CHART_BYTES,    /* bytes received and sent per second */
    MIDGE_CHART_CLIENTS,  /* connected clients */
    MIDGE_CHART_STORE,    /* subscriptions and retained messages */
    MIDGE_CHART_HEAP,     /* heap in use */
} MidgeChart;

#define MIDGE_TYPE_CHART (midge_chart_get_type())
GType midge_chart_get_type(void);

#define MIDGE_TYPE_LOAD_GRAPH (midge_load_graph_get_type())
G_DECLARE_FINAL_TYPE(MidgeLoadGraph, midge_load_graph, MIDGE, LOAD_GRAPH, GtkDrawingArea)

/* A new graph of chart over model (borrowed; the graph takes its own reference). */
GtkWidget *midge_load_graph_new(MidgeStatsModel *model, MidgeChart chart);

/* Set the model (a new reference is taken; NULL detaches) and redraw. */
void midge_load_graph_set_model(MidgeLoadGraph *self, MidgeStatsModel *model);

/* Set the time window in seconds (e.g. 60, 600, 3600; at least 10) and redraw. */
void midge_load_graph_set_window(MidgeLoadGraph *self, guint seconds);
guint midge_load_graph_get_window(MidgeLoadGraph *self);

/* Fill *d with the chart's data at monotonic time now_s: the arrays in *d point into
 * storage owned by the graph and stay valid until the next call or the graph's end.
 * The draw handler uses it; tests call it to check what would be painted. Returns the
 * number of non-gap points inside the window over all series. */
guint midge_load_graph_collect(MidgeLoadGraph *self, double now_s, MidgeGraphData *d);

/* Number of times the graph was painted (for tests waiting on a redraw). */
guint midge_load_graph_get_paint_count(MidgeLoadGraph *self);

G_END_DECLS

#endif
