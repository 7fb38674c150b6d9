/* SPDX-License-Identifier: MIT */
/* The control endpoint on POSIX: a Unix domain socket reached with GSocketClient and
 * GUnixSocketAddress (see gui/control_transport.h). */
#include "gui/control_transport.h"

#include <gio/gunixsocketaddress.h>

char *midge_control_transport_default_path(void)
{
    const char *xdg = g_getenv("XDG_RUNTIME_DIR");
    if (xdg && *xdg) {
        char *p = g_build_filename(xdg, "midge", "control.sock", NULL);
        if (g_file_test(p, G_FILE_TEST_EXISTS))
            return p;
        g_free(p);
    }
    return g_strdup("/run/midge/control.sock");
}

static void on_connected(GObject *src, GAsyncResult *res, gpointer data)
{
    g_autoptr(GTask) task = data;
    GError *err = NULL;
    GSocketConnection *conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(src), res, &err);
    if (conn)
        g_task_return_pointer(task, conn, g_object_unref);
    else
        g_task_return_error(task, err);
}

void midge_control_transport_connect_async(const char *path, GCancellable *cancellable,
                                           GAsyncReadyCallback cb, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, cb, user_data);
    g_autoptr(GSocketClient) sc = g_socket_client_new();
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_socket_client_connect_async(sc, G_SOCKET_CONNECTABLE(addr), cancellable, on_connected, task);
}

GIOStream *midge_control_transport_connect_finish(GAsyncResult *res, GError **error)
{
    return g_task_propagate_pointer(G_TASK(res), error);
}
