/* SPDX-License-Identifier: MIT */
/* The load graph's painting as plain cairo: axes with units and tick labels, a legend
 * with the current values, and up to two series lines. No GTK, so tests render it on an
 * image surface without a display. */
#ifndef MIDGE_GUI_LOAD_GRAPH_PAINT_H
#define MIDGE_GUI_LOAD_GRAPH_PAINT_H

#include "gui/stats_model.h"

#include <cairo.h>
#include <stddef.h>

#define MIDGE_GRAPH_MAX_SERIES 2

/* One line of the graph: parallel arrays of times (mono seconds) and values (NaN = gap),
 * oldest first, all borrowed. */
typedef struct {
    const char *name;
    double rgb[3];
    const double *t, *v;
    size_t n;
} MidgeGraphSeries;

/* Everything one paint needs (borrowed). The time axis spans [now_s - window_s, now_s]. */
typedef struct {
    const char *title;
    MidgeUnit unit;
    double now_s, window_s;
    size_t n_series;
    MidgeGraphSeries series[MIDGE_GRAPH_MAX_SERIES];
} MidgeGraphData;

/* The line colours of series 0 and 1 (RGB in 0..1), exact so tests can count pixels. */
extern const double midge_graph_colors[MIDGE_GRAPH_MAX_SERIES][3];

/* Paint the whole graph into cr on a width x height area at the origin. Any thread. */
void midge_load_graph_paint(cairo_t *cr, int width, int height, const MidgeGraphData *d);

/* The "nice" tick step (1, 2 or 5 times a power of ten) that splits [0, range] into at
 * most max_ticks intervals; range > 0, max_ticks >= 1. */
double midge_load_graph_nice_step(double range, int max_ticks);

/* Format v with unit u for a label ("0", "250 B/s", "1.5 kB/s", "12 msg/s", "3.2 MB")
 * into buf (size len, always NUL-terminated). */
void midge_load_graph_format_value(double v, MidgeUnit u, char *buf, size_t len);

/* Format a time-axis label for a point `ago` seconds before now ("now", "-30 s",
 * "-5 min", "-1 h") into buf. */
void midge_load_graph_format_age(double ago, char *buf, size_t len);

/* The time-axis tick spacing in seconds for a window of window_s seconds. */
double midge_load_graph_time_step(double window_s);

#endif
