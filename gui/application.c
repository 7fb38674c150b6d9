/* SPDX-License-Identifier: MIT */
/* MidgeApplication: command line, actions, shortcuts, the About dialog and the wiring of
 * control client -> stats model. */
#include "gui/application.h"

#include "gui/control_transport.h"
#include "gui/main_window.h"

struct _MidgeApplication {
    GtkApplication parent_instance;
    MidgeControlClient *client;
    MidgeStatsModel *stats;
    char *socket_path;     /* --socket */
    char *screenshot_file; /* --screenshot: save the window and quit (tests, docs) */
    char *start_page;      /* --page */
    gint screenshot_delay; /* --screenshot-delay, ms */
};

G_DEFINE_TYPE(MidgeApplication, midge_application, GTK_TYPE_APPLICATION)

static const GOptionEntry options[] = {
    {"socket", 's', 0, G_OPTION_ARG_FILENAME, NULL, "Control socket of the broker", "PATH"},
    {"page", 'p', 0, G_OPTION_ARG_STRING, NULL,
     "Page to show first: dashboard, listeners, users or clients", "NAME"},
    {"screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
     "Save a PNG of the window after the delay, then quit", "FILE"},
    {"screenshot-delay", 0, 0, G_OPTION_ARG_INT, NULL, "Delay before --screenshot (ms)", "MS"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

char *midge_application_default_socket(void)
{
    return midge_control_transport_default_path();
}

static gint on_local_options(GApplication *app, GVariantDict *opts, gpointer data)
{
    (void)data;
    MidgeApplication *self = MIDGE_APPLICATION(app);
    g_variant_dict_lookup(opts, "socket", "^ay", &self->socket_path);
    g_variant_dict_lookup(opts, "page", "s", &self->start_page);
    g_variant_dict_lookup(opts, "screenshot", "^ay", &self->screenshot_file);
    g_variant_dict_lookup(opts, "screenshot-delay", "i", &self->screenshot_delay);
    return -1; /* go on with startup and activate */
}

static void on_stats(MidgeControlClient *client, const MidgeStatsSample *s, MidgeApplication *self)
{
    (void)client;
    midge_stats_model_push(self->stats, s);
}

static void on_disconnected(MidgeControlClient *client, const char *reason, MidgeApplication *self)
{
    (void)client;
    (void)reason;
    midge_stats_model_break(self->stats); /* a new broker starts its counters from 0 */
}

static void act_quit(GSimpleAction *a, GVariant *p, gpointer app)
{
    (void)a;
    (void)p;
    g_application_quit(G_APPLICATION(app));
}

static void act_about(GSimpleAction *a, GVariant *p, gpointer app)
{
    (void)a;
    (void)p;
    static const char *authors[] = {"The midge developers", NULL};
    gtk_show_about_dialog(gtk_application_get_active_window(GTK_APPLICATION(app)), "program-name",
                          "midge Admin", "version", MIDGE_VERSION, "comments",
                          "Monitor and configure the local midge MQTT broker.", "logo-icon-name",
                          "midge-admin", "license-type", GTK_LICENSE_MIT_X11, "authors", authors,
                          "website", "https://github.com/midge-mqtt/midge", NULL);
}

static const GActionEntry app_actions[] = {
    {"quit", act_quit, NULL, NULL, NULL, {0}},
    {"about", act_about, NULL, NULL, NULL, {0}},
};

static void set_accels(GtkApplication *app)
{
    static const char *const quit[] = {"<Control>q", NULL}, *const refresh[] = {"F5", NULL},
                             *const about[] = {"F1", NULL};
    static const char *const pages[] = {"dashboard", "listeners", "users", "clients"};
    gtk_application_set_accels_for_action(app, "app.quit", quit);
    gtk_application_set_accels_for_action(app, "app.about", about);
    gtk_application_set_accels_for_action(app, "win.refresh", refresh);
    for (guint i = 0; i < G_N_ELEMENTS(pages); i++) {
        char action[48], key[16];
        g_snprintf(action, sizeof action, "win.page::%s", pages[i]);
        g_snprintf(key, sizeof key, "<Control>%u", i + 1);
        const char *const keys[] = {key, NULL};
        gtk_application_set_accels_for_action(app, action, keys);
    }
}

static void midge_application_startup(GApplication *app)
{
    MidgeApplication *self = MIDGE_APPLICATION(app);
    G_APPLICATION_CLASS(midge_application_parent_class)->startup(app);
    g_autofree char *path =
        self->socket_path ? g_strdup(self->socket_path) : midge_application_default_socket();
    self->client = midge_control_client_new(path);
    self->stats = midge_stats_model_new();
    g_signal_connect_object(self->client, "stats-received", G_CALLBACK(on_stats), self, 0);
    g_signal_connect_object(self->client, "disconnected", G_CALLBACK(on_disconnected), self, 0);
    g_action_map_add_action_entries(G_ACTION_MAP(app), app_actions, G_N_ELEMENTS(app_actions), app);
    set_accels(GTK_APPLICATION(app));
    gtk_window_set_default_icon_name("midge-admin");
}

static gboolean take_screenshot(gpointer data)
{
    MidgeApplication *self = data;
    GtkWindow *win = gtk_application_get_active_window(GTK_APPLICATION(self));
    g_autoptr(GError) err = NULL;
    if (win &&
        !midge_main_window_save_screenshot(MIDGE_MAIN_WINDOW(win), self->screenshot_file, &err))
        g_printerr("midge-admin: %s\n", err->message);
    g_application_quit(G_APPLICATION(self));
    return G_SOURCE_REMOVE;
}

static void midge_application_activate(GApplication *app)
{
    MidgeApplication *self = MIDGE_APPLICATION(app);
    GtkWindow *win = gtk_application_get_active_window(GTK_APPLICATION(app));
    if (!win) {
        win = GTK_WINDOW(midge_main_window_new(self));
        if (self->start_page)
            midge_main_window_show_page(MIDGE_MAIN_WINDOW(win), self->start_page);
        midge_control_client_start(self->client);
    }
    gtk_window_present(win);
    if (self->screenshot_file)
        g_timeout_add((guint)MAX(self->screenshot_delay, 300), take_screenshot, self);
}

static void midge_application_shutdown(GApplication *app)
{
    MidgeApplication *self = MIDGE_APPLICATION(app);
    if (self->client)
        midge_control_client_stop(self->client);
    G_APPLICATION_CLASS(midge_application_parent_class)->shutdown(app);
}

static void midge_application_finalize(GObject *obj)
{
    MidgeApplication *self = MIDGE_APPLICATION(obj);
    g_clear_object(&self->client);
    g_clear_object(&self->stats);
    g_free(self->socket_path);
    g_free(self->screenshot_file);
    g_free(self->start_page);
    G_OBJECT_CLASS(midge_application_parent_class)->finalize(obj);
}

static void midge_application_class_init(MidgeApplicationClass *klass)
{
    GApplicationClass *ac = G_APPLICATION_CLASS(klass);
    ac->startup = midge_application_startup;
    ac->activate = midge_application_activate;
    ac->shutdown = midge_application_shutdown;
    G_OBJECT_CLASS(klass)->finalize = midge_application_finalize;
}

static void midge_application_init(MidgeApplication *self)
{
    g_application_add_main_option_entries(G_APPLICATION(self), options);
    g_signal_connect(self, "handle-local-options", G_CALLBACK(on_local_options), NULL);
}

MidgeApplication *midge_application_new(void)
{
    return g_object_new(MIDGE_TYPE_APPLICATION, "application-id", "org.midge.Admin", "flags",
                        G_APPLICATION_NON_UNIQUE, NULL);
}

void midge_application_set_socket_path(MidgeApplication *self, const char *path)
{
    g_return_if_fail(MIDGE_IS_APPLICATION(self));
    g_free(self->socket_path);
    self->socket_path = g_strdup(path);
}

MidgeControlClient *midge_application_get_client(MidgeApplication *self)
{
    g_return_val_if_fail(MIDGE_IS_APPLICATION(self), NULL);
    return self->client;
}

MidgeStatsModel *midge_application_get_stats(MidgeApplication *self)
{
    g_return_val_if_fail(MIDGE_IS_APPLICATION(self), NULL);
    return self->stats;
}
