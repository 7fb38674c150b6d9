/* SPDX-License-Identifier: MIT */
/* MidgeControlClient: the admin app's connection to the broker's control socket
 * (docs/control-protocol.md). GIO async over a Unix socket with common/ctl_proto framing;
 * it says hello, subscribes to stats events, matches replies to calls by id and
 * reconnects by itself after the broker went away. Never blocks; main loop only. */
#ifndef MIDGE_GUI_CONTROL_CLIENT_H
#define MIDGE_GUI_CONTROL_CLIENT_H

#include "common/ctl_proto.h"
#include "gui/stats_model.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/* Error domain of failed calls. Codes below 1000 are the broker's enum ctl_ecode. */
#define MIDGE_CONTROL_ERROR (midge_control_error_quark())
GQuark midge_control_error_quark(void);
enum {
    MIDGE_CONTROL_ERROR_DISCONNECTED = 1000, /* not connected, or the connection was lost */
    MIDGE_CONTROL_ERROR_PROTOCOL,            /* the broker sent something unexpected */
};

#define MIDGE_TYPE_CONTROL_CLIENT (midge_control_client_get_type())
G_DECLARE_FINAL_TYPE(MidgeControlClient, midge_control_client, MIDGE, CONTROL_CLIENT, GObject)

/* A client for the socket at path (borrowed, copied). It does nothing until started. */
MidgeControlClient *midge_control_client_new(const char *path);

/* Connect now and keep reconnecting (every retry interval) until stopped. Signals:
 * "connected" () after a successful hello; "disconnected" (const char *reason) when a
 * connection attempt failed or an established connection ended; "stats-received"
 * (const MidgeStatsSample *, borrowed) for each stats reply or event. */
void midge_control_client_start(MidgeControlClient *self);

/* Close the connection, fail pending calls and stop reconnecting. */
void midge_control_client_stop(MidgeControlClient *self);

/* Reconnect immediately if disconnected (F5), otherwise do nothing. */
void midge_control_client_reconnect_now(MidgeControlClient *self);

/* TRUE between "connected" and "disconnected". */
gboolean midge_control_client_is_connected(MidgeControlClient *self);

/* The socket path (borrowed). */
const char *midge_control_client_get_path(MidgeControlClient *self);

/* The broker's version from hello (borrowed), NULL when not connected. */
const char *midge_control_client_get_server_version(MidgeControlClient *self);

/* Delay between connection attempts in milliseconds (default 1000; tests shorten it). */
void midge_control_client_set_retry_interval(MidgeControlClient *self, guint ms);

/* Seconds between stats events requested after hello (default 1). */
void midge_control_client_set_stats_interval(MidgeControlClient *self, guint seconds);

/* Send op with args (consumed; NULL = none). The callback runs on the main loop once the
 * reply arrived or the call failed; call _finish there. Fails with DISCONNECTED when not
 * connected or when the connection drops before the reply. */
void midge_control_client_call_async(MidgeControlClient *self, enum ctl_op op, cJSON *args,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);

/* The result object of a successful call (caller owns it: cJSON_Delete), or NULL with
 * *error set: MIDGE_CONTROL_ERROR with the broker's code and message ("file:line: message"
 * for configuration errors), or DISCONNECTED. */
cJSON *midge_control_client_call_finish(MidgeControlClient *self, GAsyncResult *result,
                                        GError **error);

/* Parse a stats.get result or stats event data (borrowed) into *out, stamped with
 * mono_s. Missing counters read as 0. Returns FALSE when data has no "stats" object. */
gboolean midge_control_parse_stats(const cJSON *data, double mono_s, MidgeStatsSample *out);

G_END_DECLS

#endif
