/* SPDX-License-Identifier: MIT */
/* In-process GTK tests of midge-admin under Xvfb against a real midge broker: the window
 * and shortcuts, live graph points, adding/removing a listener (checked with
 * mosquitto_pub on the new port), adding/changing/removing a user end to end, the
 * clients page, surviving a broker restart, and screenshots of every page. */
#include "gui/application.h"
#include "gui/clients_page.h"
#include "gui/dashboard_page.h"
#include "gui/listener_dialog.h"
#include "gui/listeners_page.h"
#include "gui/load_graph.h"
#include "gui/main_window.h"
#include "gui/user_dialog.h"
#include "gui/users_page.h"

#include "tests/gui/broker_fixture.h"
#include "tests/gui/test_util.h"

#define CHILD(w, type, id) ((gpointer)gtk_widget_get_template_child(GTK_WIDGET(w), type, id))
#define WIN_CHILD(w, id) CHILD(w, MIDGE_TYPE_MAIN_WINDOW, id)

typedef struct {
    BrokerFixture broker;
    MidgeApplication *app;
    MidgeMainWindow *win;
} Fixture;

static gboolean is_connected(gpointer p)
{
    return midge_control_client_is_connected(midge_application_get_client(p));
}

static void fixture_up(Fixture *f, gboolean authenticated)
{
    broker_fixture_start(&f->broker, authenticated);
    f->app = midge_application_new();
    midge_application_set_socket_path(f->app, f->broker.socket);
    g_assert_true(g_application_register(G_APPLICATION(f->app), NULL, NULL));
    g_application_activate(G_APPLICATION(f->app));
    GList *wins = gtk_application_get_windows(GTK_APPLICATION(f->app));
    g_assert_nonnull(wins);
    f->win = MIDGE_MAIN_WINDOW(wins->data);
    g_assert_true(wait_until(is_connected, f->app, 10000));
}

static void fixture_down(Fixture *f)
{
    gtk_widget_destroy(GTK_WIDGET(f->win));
    g_application_quit(G_APPLICATION(f->app));
    midge_control_client_stop(midge_application_get_client(f->app));
    spin(50);
    g_object_unref(f->app);
    broker_fixture_stop(&f->broker);
}

typedef struct {
    GtkLabel *label;
    const char *text;
} LabelWait;

static gboolean label_has(gpointer p)
{
    LabelWait *w = p;
    return strstr(gtk_label_get_text(w->label), w->text) != NULL;
}

/* Wait until label shows text (a substring); fail the test with the text it shows. */
static void wait_label(gpointer label, const char *text)
{
    LabelWait w = {GTK_LABEL(label), text};
    if (!wait_until(label_has, &w, 10000))
        g_error("label shows \"%s\", expected \"%s\"", gtk_label_get_text(w.label), text);
}

static void show_page(Fixture *f, const char *name)
{
    midge_main_window_show_page(f->win, name);
    g_assert_cmpstr(gtk_stack_get_visible_child_name(WIN_CHILD(f->win, "stack")), ==, name);
}

static int pub(guint16 port, const char *user, const char *password)
{
    char p[8];
    g_snprintf(p, sizeof p, "%u", port);
    const char *argv[] = {"mosquitto_pub",
                          "-h",
                          "127.0.0.1",
                          "-p",
                          p,
                          "-t",
                          "gui/test",
                          "-m",
                          "x",
                          "-q",
                          "1",
                          user ? "-u" : NULL,
                          user,
                          "-P",
                          password,
                          NULL};
    return broker_fixture_run(argv);
}

static gboolean is_mapped(gpointer w)
{
    return gtk_widget_get_mapped(w) && gtk_widget_get_window(w) != NULL;
}

typedef struct {
    GtkStack *stack;
    const char *name;
} PageWait;

static gboolean page_is(gpointer p)
{
    PageWait *w = p;
    return g_strcmp0(gtk_stack_get_visible_child_name(w->stack), w->name) == 0;
}

static void test_window_and_shortcuts(void)
{
    Fixture f;
    fixture_up(&f, FALSE);
    g_assert_true(wait_until(is_mapped, f.win, 10000));
    GtkStack *stack = WIN_CHILD(f.win, "stack");
    g_assert_cmpstr(gtk_window_get_title(GTK_WINDOW(f.win)), ==, "midge Admin");
    g_assert_cmpstr(gtk_stack_get_visible_child_name(stack), ==, "dashboard");
    wait_label(WIN_CHILD(f.win, "status_label"), "Connected to midge");
    /* Ctrl+1..4 through the X server, as a user would press them */
    static const char *const pages[] = {"dashboard", "listeners", "users", "clients"};
    static const guint keys[] = {GDK_KEY_1, GDK_KEY_2, GDK_KEY_3, GDK_KEY_4};
    for (int i = 3; i >= 0; i--) {
        g_assert_true(gtk_test_widget_send_key(GTK_WIDGET(stack), keys[i], GDK_CONTROL_MASK));
        PageWait pw = {stack, pages[i]};
        wait_until(page_is, &pw, 10000);
        g_assert_cmpstr(gtk_stack_get_visible_child_name(stack), ==, pages[i]);
    }
    g_auto(GStrv) quit = gtk_application_get_accels_for_action(GTK_APPLICATION(f.app), "app.quit");
    g_assert_cmpstr(quit[0], ==, "<Primary>q");
    g_auto(GStrv) f5 = gtk_application_get_accels_for_action(GTK_APPLICATION(f.app), "win.refresh");
    g_assert_cmpstr(f5[0], ==, "F5");
    /* F1 / the About button opens the About dialog */
    g_action_group_activate_action(G_ACTION_GROUP(f.app), "about", NULL);
    spin(100);
    GtkWidget *about = NULL;
    GList *tops = gtk_window_list_toplevels();
    for (GList *l = tops; l; l = l->next)
        if (GTK_IS_ABOUT_DIALOG(l->data))
            about = l->data;
    g_list_free(tops);
    g_assert_nonnull(about);
    g_assert_cmpstr(gtk_about_dialog_get_program_name(GTK_ABOUT_DIALOG(about)), ==, "midge Admin");
    gtk_widget_destroy(about);
    /* every header button carries an accessible name */
    static const char *const buttons[][2] = {{"refresh_button", "Refresh"},
                                             {"about_button", "About"}};
    for (size_t i = 0; i < G_N_ELEMENTS(buttons); i++)
        g_assert_cmpstr(
            atk_object_get_name(gtk_widget_get_accessible(WIN_CHILD(f.win, buttons[i][0]))), ==,
            buttons[i][1]);
    fixture_down(&f);
}

typedef struct {
    MidgeLoadGraph *graph;
    guint paints;
} GraphWait;

static gboolean graph_has_points(gpointer p)
{
    GraphWait *w = p;
    MidgeGraphData d;
    return midge_load_graph_collect(w->graph, (double)g_get_monotonic_time() / 1e6, &d) >= 10 &&
           midge_load_graph_get_paint_count(w->graph) > w->paints;
}

/* Pixels of the first series colour in a rendering of widget. */
static int blue_pixels(GtkWidget *widget)
{
    int w = gtk_widget_get_allocated_width(widget), h = gtk_widget_get_allocated_height(widget);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    gtk_widget_draw(widget, cr);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    int n = 0, stride = cairo_image_surface_get_stride(s);
    const guchar *data = cairo_image_surface_get_data(s);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            guint32 px = *(const guint32 *)(const void *)(data + y * stride + 4 * x);
            int r = (px >> 16) & 255, g = (px >> 8) & 255, b = px & 255;
            n += abs(r - 28) < 30 && abs(g - 112) < 30 && abs(b - 214) < 30;
        }
    cairo_surface_destroy(s);
    return n;
}

static void test_graph_receives_points(void)
{
    Fixture f;
    fixture_up(&f, FALSE);
    MidgeDashboardPage *dash = WIN_CHILD(f.win, "dashboard_page");
    MidgeLoadGraph *graph = CHILD(dash, MIDGE_TYPE_DASHBOARD_PAGE, "msgs_graph");
    midge_load_graph_set_window(graph, 10); /* a few samples then span a third of it */
    spin(100);
    int before = blue_pixels(GTK_WIDGET(graph));
    GraphWait w = {graph, midge_load_graph_get_paint_count(graph)};
    for (int i = 0; i < 40 && !graph_has_points(&w); i++) {
        g_assert_cmpint(pub(f.broker.port, NULL, NULL), ==, 0);
        spin(300);
    }
    g_assert_true(graph_has_points(&w));
    MidgeStatsModel *stats = midge_application_get_stats(f.app);
    double v;
    g_assert_true(midge_stats_model_get_latest(stats, MIDGE_SERIES_CLIENTS, &v));
    g_assert_true(midge_stats_model_n_points(stats, MIDGE_SERIES_MSGS_RX) >= 2);
    int after = blue_pixels(GTK_WIDGET(graph));
    g_assert_cmpint(after, >, before + 100);
    wait_label(CHILD(dash, MIDGE_TYPE_DASHBOARD_PAGE, "uptime_label"), " s");
    /* the time window selector reaches every graph; history stays */
    midge_dashboard_page_set_window(dash, 600);
    g_assert_cmpuint(midge_load_graph_get_window(graph), ==, 600);
    fixture_down(&f);
}

static gboolean no_dialog(gpointer p)
{
    return midge_listeners_page_get_dialog(p) == NULL;
}

static gboolean dialog_error_shown(gpointer p)
{
    GtkWidget *bar = CHILD(p, MIDGE_TYPE_LISTENER_DIALOG, "error_bar");
    return gtk_widget_get_visible(bar);
}

static void test_listener_add_remove(void)
{
    Fixture f;
    fixture_up(&f, FALSE);
    MidgeListenersPage *page = WIN_CHILD(f.win, "listeners_page");
    show_page(&f, "listeners");
    wait_label(CHILD(page, MIDGE_TYPE_LISTENERS_PAGE, "count_label"), "1 listener");

    /* validation before sending: a mount point with a wildcard never reaches the broker */
    gtk_button_clicked(CHILD(page, MIDGE_TYPE_LISTENERS_PAGE, "add_button"));
    MidgeListenerDialog *d = MIDGE_LISTENER_DIALOG(midge_listeners_page_get_dialog(page));
    guint16 port = broker_fixture_free_port();
    gtk_spin_button_set_value(CHILD(d, MIDGE_TYPE_LISTENER_DIALOG, "port_spin"), port);
    gtk_entry_set_text(CHILD(d, MIDGE_TYPE_LISTENER_DIALOG, "address_entry"), "127.0.0.1");
    gtk_entry_set_text(CHILD(d, MIDGE_TYPE_LISTENER_DIALOG, "mount_entry"), "site/#");
    gtk_dialog_response(GTK_DIALOG(d), GTK_RESPONSE_OK);
    g_assert_true(dialog_error_shown(d));
    g_assert_nonnull(strstr(gtk_label_get_text(CHILD(d, MIDGE_TYPE_LISTENER_DIALOG, "error_label")),
                            "wildcards"));
    g_assert_false(broker_fixture_port_open(port));

    /* fixed: the broker opens the port at once and a real client can publish there */
    gtk_entry_set_text(CHILD(d, MIDGE_TYPE_LISTENER_DIALOG, "mount_entry"), "");
    gtk_dialog_response(GTK_DIALOG(d), GTK_RESPONSE_OK);
    g_assert_true(wait_until(no_dialog, page, 10000));
    wait_label(CHILD(page, MIDGE_TYPE_LISTENERS_PAGE, "count_label"), "2 listeners");
    g_assert_true(broker_fixture_port_open(port));
    g_assert_cmpint(pub(port, NULL, NULL), ==, 0);

    /* a broker error (the listener exists) is shown with the broker's message */
    midge_listeners_page_add(page);
    d = MIDGE_LISTENER_DIALOG(midge_listeners_page_get_dialog(page));
    gtk_spin_button_set_value(CHILD(d, MIDGE_TYPE_LISTENER_DIALOG, "port_spin"), f.broker.port);
    gtk_entry_set_text(CHILD(d, MIDGE_TYPE_LISTENER_DIALOG, "address_entry"), "127.0.0.1");
    gtk_dialog_response(GTK_DIALOG(d), GTK_RESPONSE_OK);
    g_assert_true(wait_until(dialog_error_shown, d, 10000));
    g_test_message("broker said: %s",
                   gtk_label_get_text(CHILD(d, MIDGE_TYPE_LISTENER_DIALOG, "error_label")));
    gtk_dialog_response(GTK_DIALOG(d), GTK_RESPONSE_CANCEL);
    g_assert_null(midge_listeners_page_get_dialog(page));

    /* remove after confirmation: the port closes */
    g_assert_true(midge_listeners_page_select_port(page, port));
    gtk_button_clicked(CHILD(page, MIDGE_TYPE_LISTENERS_PAGE, "remove_button"));
    GtkDialog *confirm = midge_listeners_page_get_dialog(page);
    g_assert_true(GTK_IS_MESSAGE_DIALOG(confirm));
    gtk_dialog_response(confirm, GTK_RESPONSE_ACCEPT);
    g_assert_true(wait_until(no_dialog, page, 10000));
    wait_label(CHILD(page, MIDGE_TYPE_LISTENERS_PAGE, "count_label"), "1 listener");
    g_assert_false(broker_fixture_port_open(port));
    fixture_down(&f);
}

static gboolean no_user_dialog(gpointer p)
{
    return midge_users_page_get_dialog(p) == NULL;
}

/* Wait (up to 60 s: hashing is slow in the sanitizer build) until the users page closed
 * its dialog; on failure report what the dialog shows. */
static void wait_user_dialog_closed(MidgeUsersPage *page)
{
    if (wait_until(no_user_dialog, page, 60000))
        return;
    GtkDialog *d = midge_users_page_get_dialog(page);
    g_error("the dialog stayed open: %s",
            MIDGE_IS_USER_DIALOG(d)
                ? gtk_label_get_text(CHILD(d, MIDGE_TYPE_USER_DIALOG, "error_label"))
                : "(confirmation)");
}

static void fill_user(MidgeUserDialog *d, const char *name, const char *pw, const char *repeat)
{
    if (name)
        gtk_entry_set_text(CHILD(d, MIDGE_TYPE_USER_DIALOG, "name_entry"), name);
    gtk_entry_set_text(CHILD(d, MIDGE_TYPE_USER_DIALOG, "password_entry"), pw);
    gtk_entry_set_text(CHILD(d, MIDGE_TYPE_USER_DIALOG, "repeat_entry"), repeat);
}

static void test_users_end_to_end(void)
{
    Fixture f;
    fixture_up(&f, TRUE);
    guint16 port = f.broker.port;
    MidgeUsersPage *page = WIN_CHILD(f.win, "users_page");
    show_page(&f, "users");
    wait_label(CHILD(page, MIDGE_TYPE_USERS_PAGE, "count_label"), "0 users");
    g_assert_cmpint(pub(port, "erin", "Str0ng-pass!"), !=, 0);

    gtk_button_clicked(CHILD(page, MIDGE_TYPE_USERS_PAGE, "add_button"));
    MidgeUserDialog *d = MIDGE_USER_DIALOG(midge_users_page_get_dialog(page));
    fill_user(d, "erin", "Str0ng-pass!", "Str0ng-pass?");
    g_assert_cmpstr(midge_user_dialog_get_hint(d), ==, "Strong.");
    gtk_dialog_response(GTK_DIALOG(d), GTK_RESPONSE_OK);
    g_assert_nonnull(
        strstr(gtk_label_get_text(CHILD(d, MIDGE_TYPE_USER_DIALOG, "error_label")), "differ"));
    fill_user(d, NULL, "Str0ng-pass!", "Str0ng-pass!");
    gtk_dialog_response(GTK_DIALOG(d), GTK_RESPONSE_OK);
    wait_user_dialog_closed(page);
    wait_label(CHILD(page, MIDGE_TYPE_USERS_PAGE, "count_label"), "1 user");
    g_assert_cmpint(pub(port, "erin", "Str0ng-pass!"), ==, 0);
    g_assert_cmpint(pub(port, "erin", "wrong"), !=, 0);

    /* change the password: only the new one works */
    g_assert_true(midge_users_page_select(page, "erin"));
    gtk_button_clicked(CHILD(page, MIDGE_TYPE_USERS_PAGE, "passwd_button"));
    d = MIDGE_USER_DIALOG(midge_users_page_get_dialog(page));
    fill_user(d, NULL, "An0ther-secret", "An0ther-secret");
    gtk_dialog_response(GTK_DIALOG(d), GTK_RESPONSE_OK);
    wait_user_dialog_closed(page);
    g_assert_cmpint(pub(port, "erin", "An0ther-secret"), ==, 0);
    g_assert_cmpint(pub(port, "erin", "Str0ng-pass!"), !=, 0);

    /* remove after confirmation */
    wait_label(CHILD(page, MIDGE_TYPE_USERS_PAGE, "count_label"), "1 user");
    g_assert_true(midge_users_page_select(page, "erin"));
    gtk_button_clicked(CHILD(page, MIDGE_TYPE_USERS_PAGE, "remove_button"));
    GtkDialog *confirm = midge_users_page_get_dialog(page);
    g_assert_true(GTK_IS_MESSAGE_DIALOG(confirm));
    gtk_dialog_response(confirm, GTK_RESPONSE_ACCEPT);
    wait_user_dialog_closed(page);
    wait_label(CHILD(page, MIDGE_TYPE_USERS_PAGE, "count_label"), "0 users");
    g_assert_cmpint(pub(port, "erin", "An0ther-secret"), !=, 0);
    fixture_down(&f);
}

typedef struct {
    MidgeClientsPage *page;
    const char *id;
    char *address; /* the connection's address when it was kicked */
} ClientWait;

static gboolean client_listed(gpointer p)
{
    ClientWait *w = p;
    return midge_clients_page_select(w->page, w->id);
}

/* The kicked connection is gone: the id is not listed, or listed from a new address
 * (mosquitto_sub reconnects by itself). */
static gboolean client_gone(gpointer p)
{
    ClientWait *w = p;
    midge_clients_page_refresh(w->page);
    spin(100);
    g_autofree char *now = midge_clients_page_dup_address(w->page, w->id);
    return g_strcmp0(now, w->address) != 0;
}

static GSubprocess *start_subscriber(guint16 port, const char *id)
{
    char p[8];
    g_snprintf(p, sizeof p, "%u", port);
    g_autoptr(GError) err = NULL;
    GSubprocess *sub = g_subprocess_new(
        G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err,
        "mosquitto_sub", "-h", "127.0.0.1", "-p", p, "-i", id, "-t", "gui/#", "-q", "1", NULL);
    g_assert_no_error(err);
    return sub;
}

static void test_clients_kick(void)
{
    Fixture f;
    fixture_up(&f, FALSE);
    GSubprocess *sub = start_subscriber(f.broker.port, "gui-watcher");
    MidgeClientsPage *page = WIN_CHILD(f.win, "clients_page");
    show_page(&f, "clients");
    ClientWait w = {page, "gui-watcher", NULL};
    for (int i = 0; i < 50 && !client_listed(&w); i++) {
        midge_clients_page_refresh(page);
        spin(100);
    }
    g_assert_true(client_listed(&w));
    wait_label(CHILD(page, MIDGE_TYPE_CLIENTS_PAGE, "count_label"), "1 connected client");
    w.address = midge_clients_page_dup_address(page, "gui-watcher");
    g_assert_nonnull(w.address);
    gtk_button_clicked(CHILD(page, MIDGE_TYPE_CLIENTS_PAGE, "kick_button"));
    g_assert_true(wait_until(client_gone, &w, 10000));
    g_free(w.address);
    g_subprocess_force_exit(sub);
    g_subprocess_wait(sub, NULL, NULL);
    g_object_unref(sub);
    fixture_down(&f);
}

static gboolean is_disconnected(gpointer p)
{
    return !is_connected(p);
}

static void test_broker_restart(void)
{
    Fixture f;
    fixture_up(&f, FALSE);
    MidgeStatsModel *stats = midge_application_get_stats(f.app);
    GtkLabel *status = WIN_CHILD(f.win, "status_label");
    wait_label(status, "Connected to midge");
    broker_fixture_kill(&f.broker);
    g_assert_true(wait_until(is_disconnected, f.app, 10000));
    wait_label(status, "Not connected");
    broker_fixture_restart(&f.broker);
    g_assert_true(wait_until(is_connected, f.app, 10000));
    wait_label(status, "Connected to midge");
    /* stats flow again from the new broker */
    guint n = midge_stats_model_n_points(stats, MIDGE_SERIES_CLIENTS);
    for (int i = 0; i < 100 && midge_stats_model_n_points(stats, MIDGE_SERIES_CLIENTS) < n + 2; i++)
        spin(100);
    g_assert_cmpuint(midge_stats_model_n_points(stats, MIDGE_SERIES_CLIENTS), >=, n + 2);
    /* the pages work against the new broker */
    show_page(&f, "listeners");
    wait_label(CHILD(WIN_CHILD(f.win, "listeners_page"), MIDGE_TYPE_LISTENERS_PAGE, "count_label"),
               "1 listener");
    fixture_down(&f);
}

static gboolean feed_publisher(gpointer p)
{
    GOutputStream *in = g_subprocess_get_stdin_pipe(p);
    g_output_stream_write_all(in, "tick tock\ntick tock\ntick\n", 25, NULL, NULL, NULL);
    return G_SOURCE_CONTINUE;
}

typedef struct {
    gboolean done;
    GError *error;
    cJSON *result;
} CallWait;

static void on_setup_reply(GObject *src, GAsyncResult *res, gpointer data)
{
    CallWait *w = data;
    w->result = midge_control_client_call_finish(MIDGE_CONTROL_CLIENT(src), res, &w->error);
    w->done = TRUE;
}

static gboolean call_done(gpointer p)
{
    return ((CallWait *)p)->done;
}

/* Send one request straight to the broker (test setup), wait for success and return the
 * result (caller deletes it). */
static cJSON *setup_call(Fixture *f, enum ctl_op op, const char *json_args)
{
    CallWait w = {FALSE, NULL, NULL};
    midge_control_client_call_async(midge_application_get_client(f->app), op,
                                    json_args ? cJSON_Parse(json_args) : NULL, NULL, on_setup_reply,
                                    &w);
    g_assert_true(wait_until(call_done, &w, 60000));
    g_assert_no_error(w.error);
    return w.result;
}

/* The "version" of a list operation's result, read now (caller frees). */
static char *file_version(Fixture *f, enum ctl_op list_op)
{
    cJSON *r = setup_call(f, list_op, NULL);
    char *v = g_strdup(cJSON_GetObjectItemCaseSensitive(r, "version")->valuestring);
    cJSON_Delete(r);
    return v;
}

/* Users and a second listener, so that the pages have something to show. */
static void populate(Fixture *f)
{
    static const char *const users[] = {"alice", "bob", "sensor-gateway", "dashboard"};
    for (size_t i = 0; i < G_N_ELEMENTS(users); i++) {
        g_autofree char *v = file_version(f, CTL_OP_USERS_LIST);
        g_autofree char *args = g_strdup_printf(
            "{\"base_version\":\"%s\",\"name\":\"%s\",\"password\":\"Secret-%zu-pw\"}", v, users[i],
            i);
        cJSON_Delete(setup_call(f, CTL_OP_USERS_ADD, args));
    }
    g_autofree char *v = file_version(f, CTL_OP_LISTENERS_LIST);
    g_autofree char *args =
        g_strdup_printf("{\"base_version\":\"%s\",\"port\":%u,\"address\":\"127.0.0.1\","
                        "\"max_connections\":500,\"mount_point\":\"site1/\"}",
                        v, broker_fixture_free_port());
    cJSON_Delete(setup_call(f, CTL_OP_LISTENERS_ADD, args));
}

static void save_page(Fixture *f, const char *name, const char *dir)
{
    show_page(f, name);
    spin(600);
    g_autofree char *file = g_strdup_printf("%s.png", name);
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autoptr(GError) err = NULL;
    g_assert_true(midge_main_window_save_screenshot(f->win, path, &err));
    g_assert_no_error(err);
    g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file(path, &err);
    g_assert_no_error(err);
    g_assert_cmpint(gdk_pixbuf_get_width(pb), >=, 800);
    g_test_message("saved %s", path);
}

/* The add-listener dialog as the X server shows it. */
static void save_listener_dialog(Fixture *f, const char *dir)
{
    MidgeListenersPage *lp = WIN_CHILD(f->win, "listeners_page");
    midge_listeners_page_add(lp);
    GtkDialog *d = midge_listeners_page_get_dialog(lp);
    g_assert_true(wait_until(is_mapped, d, 10000));
    spin(500);
    GdkWindow *gw = gtk_widget_get_window(GTK_WIDGET(d));
    g_autoptr(GdkPixbuf) pb =
        gdk_pixbuf_get_from_window(gw, 0, 0, gdk_window_get_width(gw), gdk_window_get_height(gw));
    g_assert_nonnull(pb);
    g_autofree char *path = g_build_filename(dir, "listener-dialog.png", NULL);
    g_assert_true(gdk_pixbuf_save(pb, path, "png", NULL, NULL));
    gtk_dialog_response(d, GTK_RESPONSE_CANCEL);
}

static void test_screenshots(void)
{
    const char *dir = g_getenv("GUI_TEST_ARTIFACTS");
    g_assert_nonnull(dir);
    g_mkdir_with_parents(dir, 0755);
    Fixture f;
    fixture_up(&f, FALSE);
    gtk_window_resize(GTK_WINDOW(f.win), 1100, 700);
    char p[8];
    g_snprintf(p, sizeof p, "%u", f.broker.port);
    g_autoptr(GError) err = NULL;
    GSubprocess *sub = start_subscriber(f.broker.port, "sensor-hall-1");
    GSubprocess *sub2 = start_subscriber(f.broker.port, "dashboard-display");
    GSubprocess *feed =
        g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                             G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                         &err, "mosquitto_pub", "-h", "127.0.0.1", "-p", p, "-i", "gui-feeder",
                         "-t", "gui/load", "-l", NULL);
    g_assert_no_error(err);
    populate(&f);
    guint timer = g_timeout_add(100, feed_publisher, feed);
    spin(8000); /* eight samples of live traffic */
    save_page(&f, "dashboard", dir);
    save_page(&f, "listeners", dir);
    save_listener_dialog(&f, dir);
    save_page(&f, "users", dir);
    save_page(&f, "clients", dir);
    g_source_remove(timer);
    g_subprocess_force_exit(feed);
    g_subprocess_force_exit(sub);
    g_subprocess_force_exit(sub2);
    g_subprocess_wait(feed, NULL, NULL);
    g_subprocess_wait(sub, NULL, NULL);
    g_subprocess_wait(sub2, NULL, NULL);
    g_object_unref(feed);
    g_object_unref(sub);
    g_object_unref(sub2);
    fixture_down(&f);
}

int main(int argc, char **argv)
{
    gtk_test_init(&argc, &argv, NULL);
    quiet_debug();
    g_test_add_func("/admin/window-and-shortcuts", test_window_and_shortcuts);
    g_test_add_func("/admin/graph-receives-points", test_graph_receives_points);
    g_test_add_func("/admin/listener-add-remove", test_listener_add_remove);
    g_test_add_func("/admin/users-end-to-end", test_users_end_to_end);
    g_test_add_func("/admin/clients-kick", test_clients_kick);
    g_test_add_func("/admin/broker-restart", test_broker_restart);
    g_test_add_func("/admin/screenshots", test_screenshots);
    return g_test_run();
}
