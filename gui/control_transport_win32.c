/* SPDX-License-Identifier: MIT */
/* The control endpoint on Windows: the broker's named pipe (docs/windows.md, "Control
 * socket on Windows"), opened on a worker thread of GTask (CreateFileW may wait for a free
 * pipe instance) and wrapped in GIO's Win32 streams, which use overlapped I/O so that a
 * pending read does not block writes. Built by MSYS2 only; not compiled on the Linux
 * build machine (see gui/control_transport.h). */
#include "gui/control_transport.h"

#include <gio/gwin32inputstream.h>
#include <gio/gwin32outputstream.h>
#include <windows.h>

#define PIPE_WAIT_MS 5000

char *midge_control_transport_default_path(void)
{
    return g_strdup("\\\\.\\pipe\\midge-control");
}

/* Read and write-data only (not GENERIC_WRITE, which includes creating pipe instances,
 * a right the broker's DACL does not grant to its control group), identification only:
 * the broker may check who we are but not act as us. */
static HANDLE open_pipe(const wchar_t *name, DWORD *err)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        HANDLE h = CreateFileW(
            name, GENERIC_READ | FILE_WRITE_DATA, 0, NULL, OPEN_EXISTING,
            FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
        if (h != INVALID_HANDLE_VALUE)
            return h;
        *err = GetLastError();
        if (*err != ERROR_PIPE_BUSY || !WaitNamedPipeW(name, PIPE_WAIT_MS))
            break;
    }
    return INVALID_HANDLE_VALUE;
}

static void connect_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
    (void)src;
    (void)cancel;
    g_autofree wchar_t *name = g_utf8_to_utf16(data, -1, NULL, NULL, NULL);
    DWORD err = ERROR_INVALID_NAME;
    HANDLE h = name ? open_pipe(name, &err) : INVALID_HANDLE_VALUE;
    if (h == INVALID_HANDLE_VALUE) {
        g_autofree char *msg = g_win32_error_message((gint)err);
        g_task_return_new_error(task, G_IO_ERROR, g_io_error_from_win32_error((gint)err), "%s: %s",
                                (const char *)data, msg);
        return;
    }
    /* The output stream owns the handle; both streams live as long as the IO stream. */
    g_autoptr(GInputStream) in = g_win32_input_stream_new(h, FALSE);
    g_autoptr(GOutputStream) out = g_win32_output_stream_new(h, TRUE);
    g_task_return_pointer(task, g_simple_io_stream_new(in, out), g_object_unref);
}

void midge_control_transport_connect_async(const char *path, GCancellable *cancellable,
                                           GAsyncReadyCallback cb, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, cb, user_data);
    g_task_set_task_data(task, g_strdup(path), g_free);
    g_task_run_in_thread(task, connect_thread);
    g_object_unref(task);
}

GIOStream *midge_control_transport_connect_finish(GAsyncResult *res, GError **error)
{
    return g_task_propagate_pointer(G_TASK(res), error);
}
