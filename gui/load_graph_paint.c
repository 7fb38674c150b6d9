/* SPDX-License-Identifier: MIT */
/* Plain cairo painting of a load graph (see load_graph_paint.h). */
#include "gui/load_graph_paint.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>

const double midge_graph_colors[MIDGE_GRAPH_MAX_SERIES][3] = {
    {0.11, 0.44, 0.84}, /* blue */
    {0.90, 0.38, 0.00}, /* orange */
};

/* Layout of the plot area inside the widget, in pixels. */
enum { MARGIN_LEFT = 70, MARGIN_RIGHT = 12, MARGIN_TOP = 30, MARGIN_BOTTOM = 24 };

double midge_load_graph_nice_step(double range, int max_ticks)
{
    double raw = range / (max_ticks > 0 ? max_ticks : 1);
    double mag = pow(10.0, floor(log10(raw)));
    static const double mults[] = {1, 2, 5, 10};
    for (size_t i = 0; i < G_N_ELEMENTS(mults); i++)
        if (mults[i] * mag >= raw * (1 - 1e-9))
            return mults[i] * mag;
    return 10 * mag;
}

static const char *unit_suffix(MidgeUnit u)
{
    switch (u) {
    case MIDGE_UNIT_PER_SEC:
        return "msg/s";
    case MIDGE_UNIT_BYTES_SEC:
        return "B/s";
    case MIDGE_UNIT_BYTES:
        return "B";
    case MIDGE_UNIT_COUNT:
        break;
    }
    return "";
}

void midge_load_graph_format_value(double v, MidgeUnit u, char *buf, size_t len)
{
    static const char *const prefix[] = {"", "k", "M", "G", "T"};
    size_t p = 0;
    while (fabs(v) >= 1000 && p + 1 < G_N_ELEMENTS(prefix)) {
        v /= 1000;
        p++;
    }
    /* one decimal below 10 unless the value is whole, so ticks read "2.5k" and "20k" */
    int decimals = (fabs(v) < 10 && fabs(v - round(v)) > 0.05) ? 1 : 0;
    if (u == MIDGE_UNIT_BYTES || u == MIDGE_UNIT_BYTES_SEC)
        snprintf(buf, len, "%.*f %s%s", decimals, v, prefix[p], unit_suffix(u));
    else if (u == MIDGE_UNIT_PER_SEC)
        snprintf(buf, len, "%.*f%s %s", decimals, v, prefix[p], unit_suffix(u));
    else
        snprintf(buf, len, "%.*f%s", decimals, v, prefix[p]);
}

double midge_load_graph_time_step(double window_s)
{
    static const double steps[] = {5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200};
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++)
        if (window_s / steps[i] <= 6.0)
            return steps[i];
    return window_s / 6;
}

void midge_load_graph_format_age(double ago, char *buf, size_t len)
{
    if (ago < 0.5)
        snprintf(buf, len, "now");
    else if (ago < 120)
        snprintf(buf, len, "-%.0f s", ago);
    else if (ago < 7200)
        snprintf(buf, len, "-%.0f min", ago / 60);
    else
        snprintf(buf, len, "-%.0f h", ago / 3600);
}

/* The largest visible value of all series, at least min_top. */
static double visible_max(const MidgeGraphData *d, double t0)
{
    double top = 0;
    for (size_t s = 0; s < d->n_series; s++)
        for (size_t i = 0; i < d->series[s].n; i++)
            if (d->series[s].t[i] >= t0 && !isnan(d->series[s].v[i]) && d->series[s].v[i] > top)
                top = d->series[s].v[i];
    return top;
}

static void paint_text(cairo_t *cr, double x, double y, const char *text, double align)
{
    cairo_text_extents_t ext;
    cairo_text_extents(cr, text, &ext);
    cairo_move_to(cr, x - ext.x_advance * align, y);
    cairo_show_text(cr, text);
}

/* Horizontal grid lines and value labels; returns the top of the value axis. */
static double paint_value_axis(cairo_t *cr, const MidgeGraphData *d, double px, double py,
                               double pw, double ph, double t0)
{
    double top = visible_max(d, t0);
    if (top <= 0)
        top = 1;
    double step = midge_load_graph_nice_step(top, 4);
    if (d->unit != MIDGE_UNIT_PER_SEC && d->unit != MIDGE_UNIT_BYTES_SEC && step < 1)
        step = 1; /* counts and sizes have no fractions */
    double ymax = ceil(top / step - 1e-9) * step;
    char label[32];
    cairo_set_line_width(cr, 1);
    for (double y = 0; y <= ymax + step / 2; y += step) {
        double yy = round(py + ph - y / ymax * ph) + 0.5;
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
        cairo_move_to(cr, px, yy);
        cairo_line_to(cr, px + pw, yy);
        cairo_stroke(cr);
        midge_load_graph_format_value(y, d->unit, label, sizeof label);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        paint_text(cr, px - 6, yy + 4, label, 1.0);
    }
    return ymax;
}

static void paint_time_axis(cairo_t *cr, const MidgeGraphData *d, double px, double py, double pw,
                            double ph)
{
    double step = midge_load_graph_time_step(d->window_s);
    char label[32];
    for (double ago = 0; ago <= d->window_s + 1e-6; ago += step) {
        double xx = round(px + pw - ago / d->window_s * pw) + 0.5;
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
        cairo_move_to(cr, xx, py);
        cairo_line_to(cr, xx, py + ph);
        cairo_stroke(cr);
        midge_load_graph_format_age(ago, label, sizeof label);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        paint_text(cr, xx, py + ph + 15, label, ago == 0 ? 1.0 : 0.5);
    }
}

static void paint_series(cairo_t *cr, const MidgeGraphSeries *s, double px, double py, double pw,
                         double ph, double t0, double window_s, double ymax)
{
    gboolean pen_down = FALSE;
    cairo_set_source_rgb(cr, s->rgb[0], s->rgb[1], s->rgb[2]);
    cairo_set_line_width(cr, 2);
    for (size_t i = 0; i < s->n; i++) {
        if (s->t[i] < t0 || isnan(s->v[i])) {
            pen_down = FALSE;
            continue;
        }
        double x = px + (s->t[i] - t0) / window_s * pw;
        double y = py + ph - s->v[i] / ymax * ph;
        if (pen_down)
            cairo_line_to(cr, x, y);
        else
            cairo_move_to(cr, x, y);
        pen_down = TRUE;
    }
    cairo_stroke(cr);
}

/* The newest non-gap value of s, or NaN. */
static double series_current(const MidgeGraphSeries *s)
{
    for (size_t i = s->n; i > 0; i--)
        if (!isnan(s->v[i - 1]))
            return s->v[i - 1];
    return NAN;
}

/* Title on the left, legend entries (swatch, name, current value) to the right. */
static void paint_header(cairo_t *cr, const MidgeGraphData *d, int width)
{
    char value[32], text[96];
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_set_font_size(cr, 13);
    paint_text(cr, MARGIN_LEFT, 18, d->title ? d->title : "", 0);
    cairo_set_font_size(cr, 11);
    double x = width - MARGIN_RIGHT;
    for (size_t k = d->n_series; k > 0; k--) {
        const MidgeGraphSeries *s = &d->series[k - 1];
        double cur = series_current(s);
        if (isnan(cur))
            snprintf(value, sizeof value, "–");
        else
            midge_load_graph_format_value(cur, d->unit, value, sizeof value);
        snprintf(text, sizeof text, "%s: %s", s->name, value);
        cairo_text_extents_t ext;
        cairo_text_extents(cr, text, &ext);
        x -= ext.x_advance;
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_move_to(cr, x, 18);
        cairo_show_text(cr, text);
        cairo_set_source_rgb(cr, s->rgb[0], s->rgb[1], s->rgb[2]);
        cairo_rectangle(cr, x - 14, 9, 10, 10);
        cairo_fill(cr);
        x -= 28;
    }
}

void midge_load_graph_paint(cairo_t *cr, int width, int height, const MidgeGraphData *d)
{
    double px = MARGIN_LEFT, py = MARGIN_TOP;
    double pw = width - MARGIN_LEFT - MARGIN_RIGHT, ph = height - MARGIN_TOP - MARGIN_BOTTOM;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 0, 0, width, height);
    cairo_fill(cr);
    cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    paint_header(cr, d, width);
    if (pw > 10 && ph > 10 && d->window_s > 0) {
        double t0 = d->now_s - d->window_s;
        cairo_set_font_size(cr, 10);
        double ymax = paint_value_axis(cr, d, px, py, pw, ph, t0);
        paint_time_axis(cr, d, px, py, pw, ph);
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        cairo_set_line_width(cr, 1);
        cairo_rectangle(cr, px + 0.5, py + 0.5, pw, ph);
        cairo_stroke(cr);
        cairo_save(cr);
        cairo_rectangle(cr, px, py, pw, ph);
        cairo_clip(cr);
        for (size_t s = 0; s < d->n_series; s++)
            paint_series(cr, &d->series[s], px, py, pw, ph, t0, d->window_s, ymax);
        cairo_restore(cr);
    }
    cairo_restore(cr);
}
