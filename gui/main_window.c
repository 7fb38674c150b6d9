/* SPDX-License-Identifier: MIT */
/* MidgeMainWindow: page stack, info bar and connection status; forwards the control
 * client's state to the pages. */
#include "gui/main_window.h"

#include "gui/clients_page.h"
#include "gui/dashboard_page.h"
#include "gui/listeners_page.h"
#include "gui/resources.h"
#include "gui/users_page.h"

struct _MidgeMainWindow {
    GtkApplicationWindow parent_instance;
    GtkStack *stack;
    GtkInfoBar *info_bar;
    GtkLabel *info_label, *status_label;
    GtkImage *status_icon;
    GtkWidget *refresh_button, *about_button;
    MidgeDashboardPage *dashboard_page;
    MidgeListenersPage *listeners_page;
    MidgeUsersPage *users_page;
    MidgeClientsPage *clients_page;
    MidgeControlClient *client;
};

G_DEFINE_TYPE(MidgeMainWindow, midge_main_window, GTK_TYPE_APPLICATION_WINDOW)

void midge_main_window_show_message(MidgeMainWindow *self, GtkMessageType type, const char *text)
{
    g_return_if_fail(MIDGE_IS_MAIN_WINDOW(self));
    gtk_info_bar_set_message_type(self->info_bar, type);
    gtk_label_set_text(self->info_label, text);
    gtk_widget_show(GTK_WIDGET(self->info_bar));
}

static void on_page_message(GtkWidget *page, gint type, const char *text, MidgeMainWindow *self)
{
    (void)page;
    midge_main_window_show_message(self, (GtkMessageType)type, text);
}

static void on_info_response(GtkInfoBar *bar, gint response, MidgeMainWindow *self)
{
    (void)response;
    (void)self;
    gtk_widget_hide(GTK_WIDGET(bar));
}

/* Re-read the page that is visible now. */
static void refresh_visible(MidgeMainWindow *self)
{
    const char *name = gtk_stack_get_visible_child_name(self->stack);
    if (!name || !midge_control_client_is_connected(self->client))
        return;
    if (g_str_equal(name, "listeners"))
        midge_listeners_page_refresh(self->listeners_page);
    else if (g_str_equal(name, "users"))
        midge_users_page_refresh(self->users_page);
    else if (g_str_equal(name, "clients"))
        midge_clients_page_refresh(self->clients_page);
}

static void on_page_changed(GtkStack *stack, GParamSpec *pspec, MidgeMainWindow *self)
{
    (void)stack;
    (void)pspec;
    if (self->client)
        refresh_visible(self);
}

void midge_main_window_refresh(MidgeMainWindow *self)
{
    g_return_if_fail(MIDGE_IS_MAIN_WINDOW(self));
    if (midge_control_client_is_connected(self->client))
        refresh_visible(self);
    else
        midge_control_client_reconnect_now(self->client);
}

void midge_main_window_show_page(MidgeMainWindow *self, const char *name)
{
    g_return_if_fail(MIDGE_IS_MAIN_WINDOW(self));
    if (gtk_stack_get_child_by_name(self->stack, name))
        gtk_stack_set_visible_child_name(self->stack, name);
}

static void set_status(MidgeMainWindow *self, gboolean online, const char *text)
{
    gtk_label_set_text(self->status_label, text);
    gtk_image_set_from_icon_name(self->status_icon,
                                 online ? "network-transmit-receive-symbolic"
                                        : "network-offline-symbolic",
                                 GTK_ICON_SIZE_MENU);
}

static void on_connected(MidgeControlClient *client, MidgeMainWindow *self)
{
    const char *version = midge_control_client_get_server_version(client);
    g_autofree char *text = g_strdup_printf("Connected to midge %s at %s", version,
                                            midge_control_client_get_path(client));
    set_status(self, TRUE, text);
    midge_dashboard_page_set_version(self->dashboard_page, version);
    gtk_widget_hide(GTK_WIDGET(self->info_bar));
    refresh_visible(self);
}

static void on_disconnected(MidgeControlClient *client, const char *reason, MidgeMainWindow *self)
{
    g_autofree char *text = g_strdup_printf("Not connected to %s: %s (retrying)",
                                            midge_control_client_get_path(client), reason);
    set_status(self, FALSE, text);
}

static void act_page(GSimpleAction *action, GVariant *param, gpointer data)
{
    (void)action;
    midge_main_window_show_page(MIDGE_MAIN_WINDOW(data), g_variant_get_string(param, NULL));
}

static void act_refresh(GSimpleAction *action, GVariant *param, gpointer data)
{
    (void)action;
    (void)param;
    midge_main_window_refresh(MIDGE_MAIN_WINDOW(data));
}

static const GActionEntry win_actions[] = {
    {"page", act_page, "s", NULL, NULL, {0}},
    {"refresh", act_refresh, NULL, NULL, NULL, {0}},
};

gboolean midge_main_window_save_screenshot(MidgeMainWindow *self, const char *path, GError **error)
{
    g_return_val_if_fail(MIDGE_IS_MAIN_WINDOW(self), FALSE);
    GdkWindow *gw = gtk_widget_get_window(GTK_WIDGET(self));
    if (!gw || !gtk_widget_get_mapped(GTK_WIDGET(self))) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window is not shown");
        return FALSE;
    }
    /* read back from the server: gtk_widget_draw misses GtkTreeView's header windows */
    g_autoptr(GdkPixbuf) pb =
        gdk_pixbuf_get_from_window(gw, 0, 0, gdk_window_get_width(gw), gdk_window_get_height(gw));
    if (!pb) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read the window");
        return FALSE;
    }
    return gdk_pixbuf_save(pb, path, "png", error, NULL);
}

static void midge_main_window_dispose(GObject *obj)
{
    MidgeMainWindow *self = MIDGE_MAIN_WINDOW(obj);
    g_clear_object(&self->client);
    G_OBJECT_CLASS(midge_main_window_parent_class)->dispose(obj);
}

static void midge_main_window_class_init(MidgeMainWindowClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    midge_resources_ensure();
    g_type_ensure(MIDGE_TYPE_DASHBOARD_PAGE);
    g_type_ensure(MIDGE_TYPE_LISTENERS_PAGE);
    g_type_ensure(MIDGE_TYPE_USERS_PAGE);
    g_type_ensure(MIDGE_TYPE_CLIENTS_PAGE);
    G_OBJECT_CLASS(klass)->dispose = midge_main_window_dispose;
    gtk_widget_class_set_template_from_resource(wc, "/org/midge/admin/main_window.ui");
    gtk_widget_class_bind_template_child(wc, MidgeMainWindow, stack);
    gtk_widget_class_bind_template_child(wc, MidgeMainWindow, info_bar);
    gtk_widget_class_bind_template_child(wc, MidgeMainWindow, info_label);
    gtk_widget_class_bind_template_child(wc, MidgeMainWindow, status_label);
    gtk_widget_class_bind_template_child(wc, MidgeMainWindow, status_icon);
    gtk_widget_class_bind_template_child(wc, MidgeMainWindow, refresh_button);
    gtk_widget_class_bind_template_child(wc, MidgeMainWindow, about_button);
    gtk_widget_class_bind_template_child(wc, MidgeMainWindow, dashboard_page);
    gtk_widget_class_bind_template_child(wc, MidgeMainWindow, listeners_page);
    gtk_widget_class_bind_template_child(wc, MidgeMainWindow, users_page);
    gtk_widget_class_bind_template_child(wc, MidgeMainWindow, clients_page);
    gtk_widget_class_bind_template_callback(wc, on_info_response);
    gtk_widget_class_bind_template_callback(wc, on_page_changed);
}

static void midge_main_window_init(MidgeMainWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions, G_N_ELEMENTS(win_actions),
                                    self);
    g_signal_connect(self->listeners_page, "message", G_CALLBACK(on_page_message), self);
    g_signal_connect(self->users_page, "message", G_CALLBACK(on_page_message), self);
    g_signal_connect(self->clients_page, "message", G_CALLBACK(on_page_message), self);
}

/* Attach the application's client and model; the pages get them too. */
static void attach(MidgeMainWindow *self, MidgeApplication *app)
{
    MidgeControlClient *client = midge_application_get_client(app);
    self->client = g_object_ref(client);
    midge_dashboard_page_set_model(self->dashboard_page, midge_application_get_stats(app));
    midge_listeners_page_set_client(self->listeners_page, client);
    midge_users_page_set_client(self->users_page, client);
    midge_clients_page_set_client(self->clients_page, client);
    g_signal_connect_object(client, "connected", G_CALLBACK(on_connected), self, 0);
    g_signal_connect_object(client, "disconnected", G_CALLBACK(on_disconnected), self, 0);
    if (midge_control_client_is_connected(client))
        on_connected(client, self);
}

GtkWidget *midge_main_window_new(MidgeApplication *app)
{
    g_return_val_if_fail(MIDGE_IS_APPLICATION(app), NULL);
    MidgeMainWindow *self = g_object_new(MIDGE_TYPE_MAIN_WINDOW, "application", app, NULL);
    attach(self, app);
    return GTK_WIDGET(self);
}
