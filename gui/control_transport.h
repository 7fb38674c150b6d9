/* SPDX-License-Identifier: MIT */
/* How the admin app reaches the broker's control endpoint: the one platform-specific
 * piece of gui/, kept behind this header with one implementation file per platform that
 * CMake selects (control_transport_unix.c: a Unix socket through GUnixSocketAddress;
 * control_transport_win32.c: the named pipe \\.\pipe\midge-control through GIO's Win32
 * streams), so that no gui/ function carries a platform #if. Main loop only. */
#ifndef MIDGE_GUI_CONTROL_TRANSPORT_H
#define MIDGE_GUI_CONTROL_TRANSPORT_H

#include <gio/gio.h>

G_BEGIN_DECLS

/* The broker's default endpoint (POSIX: $XDG_RUNTIME_DIR/midge/control.sock when it
 * exists, else /run/midge/control.sock; Windows: \\.\pipe\midge-control). Caller owns the
 * string (g_free). */
char *midge_control_transport_default_path(void);

/* Start connecting to the endpoint at path (borrowed; copied). cb runs on the main loop
 * with the result; it is never called from inside this call. */
void midge_control_transport_connect_async(const char *path, GCancellable *cancellable,
                                           GAsyncReadyCallback cb, gpointer user_data);

/* The connected stream (caller owns it), or NULL with *error set (G_IO_ERROR_CANCELLED
 * after a cancel). */
GIOStream *midge_control_transport_connect_finish(GAsyncResult *res, GError **error);

G_END_DECLS

#endif
