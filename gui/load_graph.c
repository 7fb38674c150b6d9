/* SPDX-License-Identifier: MIT */
/* MidgeLoadGraph: collects the visible points of a chart from the stats model and hands
 * them to the plain cairo painter. */
#include "gui/load_graph.h"

#include "gui/resources.h"

#include <math.h>

/* The charts: title, unit and up to two series with legend names. */
static const struct chart_def {
    const char *title;
    MidgeUnit unit;
    size_t n;
    MidgeSeries series[MIDGE_GRAPH_MAX_SERIES];
    const char *names[MIDGE_GRAPH_MAX_SERIES];
} charts[] = {
    [MIDGE_CHART_MESSAGES] = {"Messages per second",
                              MIDGE_UNIT_PER_SEC,
                              2,
                              {MIDGE_SERIES_MSGS_RX, MIDGE_SERIES_MSGS_TX},
                              {"Received", "Sent"}},
    [MIDGE_CHART_BYTES] = {"Bytes per second",
                           MIDGE_UNIT_BYTES_SEC,
                           2,
                           {MIDGE_SERIES_BYTES_RX, MIDGE_SERIES_BYTES_TX},
                           {"Received", "Sent"}},
    [MIDGE_CHART_CLIENTS] =
        {"Connected clients", MIDGE_UNIT_COUNT, 1, {MIDGE_SERIES_CLIENTS}, {"Clients"}},
    [MIDGE_CHART_STORE] = {"Subscriptions and retained messages",
                           MIDGE_UNIT_COUNT,
                           2,
                           {MIDGE_SERIES_SUBS, MIDGE_SERIES_RETAINED},
                           {"Subscriptions", "Retained"}},
    [MIDGE_CHART_HEAP] = {"Heap in use", MIDGE_UNIT_BYTES, 1, {MIDGE_SERIES_HEAP}, {"Heap"}},
};

struct _MidgeLoadGraph {
    GtkDrawingArea parent_instance;
    MidgeStatsModel *model;
    MidgeChart chart;
    guint window_s;
    guint paint_count;
    double *buf[MIDGE_GRAPH_MAX_SERIES][2]; /* times and values, MIDGE_STATS_CAPACITY each */
};

G_DEFINE_TYPE(MidgeLoadGraph, midge_load_graph, GTK_TYPE_DRAWING_AREA)

enum { PROP_0, PROP_MODEL, PROP_CHART, PROP_WINDOW, N_PROPS };
static GParamSpec *props[N_PROPS];

GType midge_chart_get_type(void)
{
    static gsize type = 0;
    static const GEnumValue values[] = {
        {MIDGE_CHART_MESSAGES, "MIDGE_CHART_MESSAGES", "messages"},
        {MIDGE_CHART_BYTES, "MIDGE_CHART_BYTES", "bytes"},
        {MIDGE_CHART_CLIENTS, "MIDGE_CHART_CLIENTS", "clients"},
        {MIDGE_CHART_STORE, "MIDGE_CHART_STORE", "store"},
        {MIDGE_CHART_HEAP, "MIDGE_CHART_HEAP", "heap"},
        {0, NULL, NULL},
    };
    if (g_once_init_enter(&type))
        g_once_init_leave(&type, g_enum_register_static("MidgeChart", values));
    return (GType)type;
}

guint midge_load_graph_collect(MidgeLoadGraph *self, double now_s, MidgeGraphData *d)
{
    g_return_val_if_fail(MIDGE_IS_LOAD_GRAPH(self), 0);
    const struct chart_def *c = &charts[self->chart];
    guint visible = 0;
    *d = (MidgeGraphData){.title = c->title,
                          .unit = c->unit,
                          .now_s = now_s,
                          .window_s = self->window_s,
                          .n_series = c->n};
    for (size_t k = 0; k < c->n; k++) {
        MidgeGraphSeries *s = &d->series[k];
        s->name = c->names[k];
        for (int j = 0; j < 3; j++)
            s->rgb[j] = midge_graph_colors[k][j];
        s->t = self->buf[k][0];
        s->v = self->buf[k][1];
        guint n = self->model ? midge_stats_model_n_points(self->model, c->series[k]) : 0;
        for (guint i = 0; i < n; i++) {
            midge_stats_model_get_point(self->model, c->series[k], i, &self->buf[k][0][i],
                                        &self->buf[k][1][i]);
            if (self->buf[k][0][i] >= now_s - self->window_s && !isnan(self->buf[k][1][i]))
                visible++;
        }
        s->n = n;
    }
    return visible;
}

static gboolean midge_load_graph_draw(GtkWidget *widget, cairo_t *cr)
{
    MidgeLoadGraph *self = MIDGE_LOAD_GRAPH(widget);
    MidgeGraphData d;
    midge_load_graph_collect(self, (double)g_get_monotonic_time() / 1e6, &d);
    midge_load_graph_paint(cr, gtk_widget_get_allocated_width(widget),
                           gtk_widget_get_allocated_height(widget), &d);
    self->paint_count++;
    return FALSE;
}

static void on_model_changed(MidgeStatsModel *model, MidgeLoadGraph *self)
{
    (void)model;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void midge_load_graph_set_model(MidgeLoadGraph *self, MidgeStatsModel *model)
{
    g_return_if_fail(MIDGE_IS_LOAD_GRAPH(self));
    if (self->model == model)
        return;
    if (self->model)
        g_signal_handlers_disconnect_by_data(self->model, self);
    g_set_object(&self->model, model);
    if (model)
        g_signal_connect_object(model, "changed", G_CALLBACK(on_model_changed), self, 0);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_MODEL]);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void midge_load_graph_set_window(MidgeLoadGraph *self, guint seconds)
{
    g_return_if_fail(MIDGE_IS_LOAD_GRAPH(self));
    seconds = MAX(seconds, 10u);
    if (self->window_s == seconds)
        return;
    self->window_s = seconds;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_WINDOW]);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

guint midge_load_graph_get_window(MidgeLoadGraph *self)
{
    g_return_val_if_fail(MIDGE_IS_LOAD_GRAPH(self), 0);
    return self->window_s;
}

guint midge_load_graph_get_paint_count(MidgeLoadGraph *self)
{
    g_return_val_if_fail(MIDGE_IS_LOAD_GRAPH(self), 0);
    return self->paint_count;
}

static void midge_load_graph_set_property(GObject *obj, guint id, const GValue *value,
                                          GParamSpec *pspec)
{
    MidgeLoadGraph *self = MIDGE_LOAD_GRAPH(obj);
    switch (id) {
    case PROP_MODEL:
        midge_load_graph_set_model(self, g_value_get_object(value));
        break;
    case PROP_CHART:
        self->chart = (MidgeChart)g_value_get_enum(value);
        gtk_widget_queue_draw(GTK_WIDGET(self));
        break;
    case PROP_WINDOW:
        midge_load_graph_set_window(self, g_value_get_uint(value));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
    }
}

static void midge_load_graph_get_property(GObject *obj, guint id, GValue *value, GParamSpec *pspec)
{
    MidgeLoadGraph *self = MIDGE_LOAD_GRAPH(obj);
    switch (id) {
    case PROP_MODEL:
        g_value_set_object(value, self->model);
        break;
    case PROP_CHART:
        g_value_set_enum(value, (gint)self->chart);
        break;
    case PROP_WINDOW:
        g_value_set_uint(value, self->window_s);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
    }
}

static void midge_load_graph_dispose(GObject *obj)
{
    MidgeLoadGraph *self = MIDGE_LOAD_GRAPH(obj);
    g_clear_object(&self->model);
    G_OBJECT_CLASS(midge_load_graph_parent_class)->dispose(obj);
}

static void midge_load_graph_finalize(GObject *obj)
{
    MidgeLoadGraph *self = MIDGE_LOAD_GRAPH(obj);
    for (size_t k = 0; k < MIDGE_GRAPH_MAX_SERIES; k++)
        for (size_t j = 0; j < 2; j++)
            g_free(self->buf[k][j]);
    G_OBJECT_CLASS(midge_load_graph_parent_class)->finalize(obj);
}

static void midge_load_graph_class_init(MidgeLoadGraphClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    midge_resources_ensure();
    oc->set_property = midge_load_graph_set_property;
    oc->get_property = midge_load_graph_get_property;
    oc->dispose = midge_load_graph_dispose;
    oc->finalize = midge_load_graph_finalize;
    wc->draw = midge_load_graph_draw;
    props[PROP_MODEL] =
        g_param_spec_object("model", "Model", "The statistics model", MIDGE_TYPE_STATS_MODEL,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_CHART] =
        g_param_spec_enum("chart", "Chart", "What the graph shows", MIDGE_TYPE_CHART,
                          MIDGE_CHART_MESSAGES, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_WINDOW] =
        g_param_spec_uint("window", "Window", "Time window in seconds", 10, 24 * 3600, 60,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(oc, N_PROPS, props);
    gtk_widget_class_set_template_from_resource(wc, "/org/midge/admin/load_graph.ui");
}

static void midge_load_graph_init(MidgeLoadGraph *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->window_s = 60;
    for (size_t k = 0; k < MIDGE_GRAPH_MAX_SERIES; k++)
        for (size_t j = 0; j < 2; j++)
            self->buf[k][j] = g_new0(double, MIDGE_STATS_CAPACITY);
}

GtkWidget *midge_load_graph_new(MidgeStatsModel *model, MidgeChart chart)
{
    return g_object_new(MIDGE_TYPE_LOAD_GRAPH, "model", model, "chart", chart, NULL);
}
