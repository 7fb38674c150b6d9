/* SPDX-License-Identifier: MIT */
/* Helpers for the admin app's g_test programs: spin the main loop until a condition
 * holds, and keep GLib's debug chatter out of the test output. */
#ifndef MIDGE_TESTS_GUI_TEST_UTIL_H
#define MIDGE_TESTS_GUI_TEST_UTIL_H

#include <glib.h>

static gboolean test_util_tick(gpointer p)
{
    (void)p;
    return G_SOURCE_CONTINUE;
}

/* Iterate the default main context until cond(data) is TRUE or timeout_ms passed; the
 * result of the last check. A 10 ms timer keeps the blocking iteration from sleeping. */
static G_GNUC_UNUSED gboolean wait_until(gboolean (*cond)(gpointer), gpointer data,
                                         guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    guint tick = g_timeout_add(10, test_util_tick, NULL);
    gboolean ok;
    while (!(ok = cond(data)) && g_get_monotonic_time() < end)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(tick);
    return ok;
}

static gboolean test_util_false(gpointer p)
{
    (void)p;
    return FALSE;
}

/* Let the main loop run for ms milliseconds (redraws, timers). */
static G_GNUC_UNUSED void spin(guint ms)
{
    wait_until(test_util_false, NULL, ms);
}

static void test_util_drop_debug(const gchar *domain, GLogLevelFlags level, const gchar *msg,
                                 gpointer data)
{
    if (level & G_LOG_LEVEL_DEBUG)
        return;
    g_log_default_handler(domain, level, msg, data);
}

/* Install a default log handler that drops debug messages (g_test prints them all). */
static G_GNUC_UNUSED void quiet_debug(void)
{
    g_log_set_default_handler(test_util_drop_debug, NULL);
}

#endif
