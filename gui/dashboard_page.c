/* SPDX-License-Identifier: MIT */
/* MidgeDashboardPage: cards and load graphs over the shared MidgeStatsModel. */
#include "gui/dashboard_page.h"

#include "gui/load_graph.h"
#include "gui/resources.h"

#include <stdio.h>

#define N_GRAPHS 5

struct _MidgeDashboardPage {
    GtkBox parent_instance;
    GtkLabel *version_label, *uptime_label, *connected_label, *total_label;
    GtkComboBoxText *window_combo;
    MidgeLoadGraph *msgs_graph, *bytes_graph, *clients_graph, *store_graph, *heap_graph;
    MidgeStatsModel *model;
};

G_DEFINE_TYPE(MidgeDashboardPage, midge_dashboard_page, GTK_TYPE_BOX)

static MidgeLoadGraph **graphs(MidgeDashboardPage *self, MidgeLoadGraph **out)
{
    out[0] = self->msgs_graph;
    out[1] = self->bytes_graph;
    out[2] = self->clients_graph;
    out[3] = self->store_graph;
    out[4] = self->heap_graph;
    return out;
}

void midge_dashboard_format_uptime(guint64 s, char *buf, gsize len)
{
    guint64 d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
    if (d)
        snprintf(buf, len, "%" G_GUINT64_FORMAT " d %" G_GUINT64_FORMAT " h", d, h);
    else if (h)
        snprintf(buf, len, "%" G_GUINT64_FORMAT " h %" G_GUINT64_FORMAT " min", h, m);
    else if (m)
        snprintf(buf, len, "%" G_GUINT64_FORMAT " min %" G_GUINT64_FORMAT " s", m, sec);
    else
        snprintf(buf, len, "%" G_GUINT64_FORMAT " s", sec);
}

static void set_number(GtkLabel *label, guint64 v)
{
    char text[32];
    snprintf(text, sizeof text, "%" G_GUINT64_FORMAT, v);
    gtk_label_set_text(label, text);
}

static void on_model_changed(MidgeStatsModel *model, MidgeDashboardPage *self)
{
    const MidgeStatsSample *s = midge_stats_model_get_last_sample(model);
    char text[48];
    if (!s)
        return;
    midge_dashboard_format_uptime(s->uptime_s, text, sizeof text);
    gtk_label_set_text(self->uptime_label, text);
    set_number(self->connected_label, s->clients_connected);
    set_number(self->total_label, s->clients_total);
}

void midge_dashboard_page_set_model(MidgeDashboardPage *self, MidgeStatsModel *model)
{
    g_return_if_fail(MIDGE_IS_DASHBOARD_PAGE(self));
    MidgeLoadGraph *g[N_GRAPHS];
    if (self->model)
        g_signal_handlers_disconnect_by_data(self->model, self);
    g_set_object(&self->model, model);
    graphs(self, g);
    for (size_t i = 0; i < N_GRAPHS; i++)
        midge_load_graph_set_model(g[i], model);
    if (model) {
        g_signal_connect_object(model, "changed", G_CALLBACK(on_model_changed), self, 0);
        on_model_changed(model, self);
    }
}

void midge_dashboard_page_set_version(MidgeDashboardPage *self, const char *version)
{
    g_return_if_fail(MIDGE_IS_DASHBOARD_PAGE(self));
    gtk_label_set_text(self->version_label, version && *version ? version : "–");
}

void midge_dashboard_page_set_window(MidgeDashboardPage *self, guint seconds)
{
    g_return_if_fail(MIDGE_IS_DASHBOARD_PAGE(self));
    char id[16];
    MidgeLoadGraph *g[N_GRAPHS];
    graphs(self, g);
    for (size_t i = 0; i < N_GRAPHS; i++)
        midge_load_graph_set_window(g[i], seconds);
    snprintf(id, sizeof id, "%u", seconds);
    gtk_combo_box_set_active_id(GTK_COMBO_BOX(self->window_combo), id);
}

static void on_window_changed(GtkComboBox *combo, MidgeDashboardPage *self)
{
    const char *id = gtk_combo_box_get_active_id(combo);
    if (id)
        midge_dashboard_page_set_window(self, (guint)g_ascii_strtoull(id, NULL, 10));
}

static void midge_dashboard_page_dispose(GObject *obj)
{
    MidgeDashboardPage *self = MIDGE_DASHBOARD_PAGE(obj);
    g_clear_object(&self->model);
    G_OBJECT_CLASS(midge_dashboard_page_parent_class)->dispose(obj);
}

static void midge_dashboard_page_class_init(MidgeDashboardPageClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    midge_resources_ensure();
    g_type_ensure(MIDGE_TYPE_LOAD_GRAPH);
    G_OBJECT_CLASS(klass)->dispose = midge_dashboard_page_dispose;
    gtk_widget_class_set_template_from_resource(wc, "/org/midge/admin/dashboard_page.ui");
    gtk_widget_class_bind_template_child(wc, MidgeDashboardPage, version_label);
    gtk_widget_class_bind_template_child(wc, MidgeDashboardPage, uptime_label);
    gtk_widget_class_bind_template_child(wc, MidgeDashboardPage, connected_label);
    gtk_widget_class_bind_template_child(wc, MidgeDashboardPage, total_label);
    gtk_widget_class_bind_template_child(wc, MidgeDashboardPage, window_combo);
    gtk_widget_class_bind_template_child(wc, MidgeDashboardPage, msgs_graph);
    gtk_widget_class_bind_template_child(wc, MidgeDashboardPage, bytes_graph);
    gtk_widget_class_bind_template_child(wc, MidgeDashboardPage, clients_graph);
    gtk_widget_class_bind_template_child(wc, MidgeDashboardPage, store_graph);
    gtk_widget_class_bind_template_child(wc, MidgeDashboardPage, heap_graph);
    gtk_widget_class_bind_template_callback(wc, on_window_changed);
}

static void midge_dashboard_page_init(MidgeDashboardPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

GtkWidget *midge_dashboard_page_new(void)
{
    return g_object_new(MIDGE_TYPE_DASHBOARD_PAGE, NULL);
}
