/* SPDX-License-Identifier: MIT */
/* MidgeConfigModel: the broker's listeners and users as last read over the control
 * socket (with the file versions the next edit is based on), and the checks the app runs
 * before sending an edit, driven by common/cfg_schema. Plain GObject, no widgets;
 * main loop only. */
#ifndef MIDGE_GUI_CONFIG_MODEL_H
#define MIDGE_GUI_CONFIG_MODEL_H

#include <cjson/cJSON.h>
#include <glib-object.h>

G_BEGIN_DECLS

#define MIDGE_CONFIG_ERROR (midge_config_error_quark())
GQuark midge_config_error_quark(void);
enum { MIDGE_CONFIG_ERROR_INVALID = 1 };

/* One listener as the dialog edits it and the broker reports it. Strings are owned,
 * NULL when unset. */
typedef struct {
    gint64 port;            /* 1..65535 */
    char *address;          /* bind address; NULL = all interfaces */
    char *socket_domain;    /* NULL (both), "ipv4" or "ipv6" */
    gint64 max_connections; /* -1 = unlimited */
    char *mount_point;
    char *certfile, *keyfile, *cafile; /* TLS; certfile + keyfile turn it on */
    gint64 connections;                /* live connections (read-only, from the broker) */
    char *source;                      /* "file:line" of the block (read-only) */
} MidgeListenerSpec;

/* A zeroed spec with the schema defaults (port 1883, no limit); free with _free. */
MidgeListenerSpec *midge_listener_spec_new(void);
MidgeListenerSpec *midge_listener_spec_copy(const MidgeListenerSpec *s);
void midge_listener_spec_free(MidgeListenerSpec *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MidgeListenerSpec, midge_listener_spec_free)

/* TRUE when the spec turns TLS on (a certificate is set). */
gboolean midge_listener_spec_has_tls(const MidgeListenerSpec *s);

/* Check s against the schema before sending: port and max_connections ranges,
 * socket_domain values, a mount point that is a valid topic without wildcards, and the
 * TLS pairs (certificate and key together; a CA file only with them). Returns FALSE with
 * a MIDGE_CONFIG_ERROR_INVALID message naming the field otherwise. */
gboolean midge_config_validate_listener(const MidgeListenerSpec *s, GError **error);

/* Check a new user's name and password pair: name non-empty valid UTF-8 without ':' or
 * control characters, password non-empty, both entries equal. */
gboolean midge_config_validate_user(const char *name, const char *password, const char *repeat,
                                    GError **error);

/* Password strength from 0 (empty) to 4 (strong): length and character classes. */
guint midge_config_password_strength(const char *password);

/* A short hint for a strength ("Too short", "Weak: ...", "Strong"); static string. */
const char *midge_config_password_hint(guint strength);

#define MIDGE_TYPE_CONFIG_MODEL (midge_config_model_get_type())
G_DECLARE_FINAL_TYPE(MidgeConfigModel, midge_config_model, MIDGE, CONFIG_MODEL, GObject)

/* A new, empty model (caller owns it). Signals: "listeners-changed", "users-changed". */
MidgeConfigModel *midge_config_model_new(void);

/* Replace the listeners with a listeners.list result (borrowed). FALSE with *error when
 * the result lacks the expected members; the model then stays unchanged. */
gboolean midge_config_model_load_listeners(MidgeConfigModel *self, const cJSON *result,
                                           GError **error);

/* Replace the users with a users.list result (borrowed); as above. */
gboolean midge_config_model_load_users(MidgeConfigModel *self, const cJSON *result, GError **error);

/* Store the new file version of an edit's result (borrowed) without reloading. */
void midge_config_model_note_config_version(MidgeConfigModel *self, const cJSON *result);
void midge_config_model_note_users_version(MidgeConfigModel *self, const cJSON *result);

/* The listeners (borrowed array of MidgeListenerSpec *), users (borrowed array of
 * char *) and file versions (borrowed; "" before the first load). */
GPtrArray *midge_config_model_get_listeners(MidgeConfigModel *self);
GPtrArray *midge_config_model_get_users(MidgeConfigModel *self);
const char *midge_config_model_get_config_version(MidgeConfigModel *self);
const char *midge_config_model_get_users_version(MidgeConfigModel *self);

/* Arguments (caller owns them) for listeners.add of s, for listeners.set changing old
 * into s (only the options that differ; NULL when nothing changed), and for
 * listeners.remove of s; all carry the current config version. */
cJSON *midge_config_model_listener_add_args(MidgeConfigModel *self, const MidgeListenerSpec *s);
cJSON *midge_config_model_listener_set_args(MidgeConfigModel *self, const MidgeListenerSpec *old,
                                            const MidgeListenerSpec *s);
cJSON *midge_config_model_listener_remove_args(MidgeConfigModel *self, const MidgeListenerSpec *s);

/* Arguments (caller owns them) for users.add / users.passwd (password borrowed, copied
 * into the JSON only) and users.remove, with the current password-file version. */
cJSON *midge_config_model_user_args(MidgeConfigModel *self, const char *name, const char *password);

G_END_DECLS

#endif
