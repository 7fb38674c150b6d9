/* SPDX-License-Identifier: MIT */
/* MidgeConfigModel: listeners and users read from the broker, edit arguments, and the
 * schema-driven checks run before an edit is sent. */
#include "gui/config_model.h"

#include "common/cfg_schema.h"
#include "common/ctl_proto.h"
#include "common/mqtt_topic.h"
#include "common/utf8.h"

#include <string.h>

struct _MidgeConfigModel {
    GObject parent_instance;
    GPtrArray *listeners; /* MidgeListenerSpec * */
    GPtrArray *users;     /* char * */
    char *config_version, *users_version;
};

G_DEFINE_TYPE(MidgeConfigModel, midge_config_model, G_TYPE_OBJECT)
G_DEFINE_QUARK(midge - config - error - quark, midge_config_error)

enum { SIG_LISTENERS, SIG_USERS, N_SIGNALS };
static guint signals[N_SIGNALS];

MidgeListenerSpec *midge_listener_spec_new(void)
{
    MidgeListenerSpec *s = g_new0(MidgeListenerSpec, 1);
    s->port = 1883;
    s->max_connections = -1;
    return s;
}

MidgeListenerSpec *midge_listener_spec_copy(const MidgeListenerSpec *s)
{
    MidgeListenerSpec *c = g_memdup2(s, sizeof *s);
    c->address = g_strdup(s->address);
    c->socket_domain = g_strdup(s->socket_domain);
    c->mount_point = g_strdup(s->mount_point);
    c->certfile = g_strdup(s->certfile);
    c->keyfile = g_strdup(s->keyfile);
    c->cafile = g_strdup(s->cafile);
    c->source = g_strdup(s->source);
    return c;
}

void midge_listener_spec_free(MidgeListenerSpec *s)
{
    if (!s)
        return;
    g_free(s->address);
    g_free(s->socket_domain);
    g_free(s->mount_point);
    g_free(s->certfile);
    g_free(s->keyfile);
    g_free(s->cafile);
    g_free(s->source);
    g_free(s);
}

gboolean midge_listener_spec_has_tls(const MidgeListenerSpec *s)
{
    return s->certfile && *s->certfile;
}

static gboolean is_set(const char *s)
{
    return s && *s;
}

/* Check v against the INT row called name; the message uses the schema's wording. */
static gboolean check_int(const char *name, const char *label, gint64 v, GError **error)
{
    const struct cfg_option *o = cfg_schema_find(name, strlen(name));
    if (!o || (v >= o->min && v <= o->max) || (o->zero_ok && v == 0))
        return TRUE;
    char values[128];
    cfg_schema_values_text(o, values, sizeof values);
    g_set_error(error, MIDGE_CONFIG_ERROR, MIDGE_CONFIG_ERROR_INVALID, "%s must be %s.", label,
                values);
    return FALSE;
}

static gboolean check_enum(const char *name, const char *label, const char *v, GError **error)
{
    const struct cfg_option *o = cfg_schema_find(name, strlen(name));
    if (!is_set(v) || !o || !o->enum_values)
        return TRUE;
    for (const char *const *e = o->enum_values; *e; e++)
        if (g_str_equal(*e, v))
            return TRUE;
    char values[128];
    cfg_schema_values_text(o, values, sizeof values);
    g_set_error(error, MIDGE_CONFIG_ERROR, MIDGE_CONFIG_ERROR_INVALID, "%s must be %s.", label,
                values);
    return FALSE;
}

static gboolean fail(GError **error, const char *msg)
{
    g_set_error_literal(error, MIDGE_CONFIG_ERROR, MIDGE_CONFIG_ERROR_INVALID, msg);
    return FALSE;
}

static gboolean check_tls(const MidgeListenerSpec *s, GError **error)
{
    if (is_set(s->certfile) != is_set(s->keyfile))
        return fail(error, is_set(s->certfile)
                               ? "A TLS certificate needs its private key file as well."
                               : "A TLS private key needs its certificate file as well.");
    if (is_set(s->cafile) && !is_set(s->certfile))
        return fail(error, "A CA file is only used with a TLS certificate and key.");
    return TRUE;
}

gboolean midge_config_validate_listener(const MidgeListenerSpec *s, GError **error)
{
    g_return_val_if_fail(s != NULL, FALSE);
    if (!check_int("listener", "The port", s->port, error) ||
        !check_int("max_connections", "Max connections", s->max_connections, error) ||
        !check_enum("socket_domain", "The address family", s->socket_domain, error))
        return FALSE;
    if (is_set(s->address) && (strchr(s->address, ' ') || strchr(s->address, '#')))
        return fail(error, "The bind address must be one host name or IP address.");
    if (is_set(s->mount_point) &&
        (!mqtt_topic_is_valid_name(s->mount_point, strlen(s->mount_point)) ||
         !utf8_is_valid_mqtt((const uint8_t *)s->mount_point, strlen(s->mount_point))))
        return fail(error, "The mount point must be a topic prefix without + or # wildcards.");
    return check_tls(s, error);
}

gboolean midge_config_validate_user(const char *name, const char *password, const char *repeat,
                                    GError **error)
{
    if (!is_set(name))
        return fail(error, "Enter a user name.");
    if (!g_utf8_validate(name, -1, NULL) || strlen(name) > 65535)
        return fail(error, "The user name must be valid UTF-8 text.");
    for (const char *p = name; *p; p++)
        if (*p == ':' || (unsigned char)*p < 0x20 || *p == 0x7f)
            return fail(error, "The user name must not contain ':' or control characters.");
    if (!is_set(password))
        return fail(error, "Enter a password.");
    if (g_strcmp0(password, repeat) != 0)
        return fail(error, "The two passwords differ.");
    return TRUE;
}

guint midge_config_password_strength(const char *pw)
{
    if (!is_set(pw))
        return 0;
    gboolean lower = FALSE, upper = FALSE, digit = FALSE, other = FALSE;
    for (const char *p = pw; *p; p++) {
        lower |= g_ascii_islower(*p);
        upper |= g_ascii_isupper(*p);
        digit |= g_ascii_isdigit(*p);
        other |= !g_ascii_isalnum(*p);
    }
    guint classes = (guint)lower + (guint)upper + (guint)digit + (guint)other;
    glong len = g_utf8_strlen(pw, -1);
    if (len < 8)
        return 1;
    if (len >= 16 && classes >= 2)
        return 4;
    if (len >= 12 && classes >= 3)
        return 4;
    return classes >= 3 ? 3 : 2;
}

const char *midge_config_password_hint(guint strength)
{
    static const char *const hints[] = {
        "Enter a password.",
        "Too short: use at least 8 characters, better 12 or more.",
        "Weak: mix upper and lower case, digits and symbols, or make it longer.",
        "Fair: 12 or more characters would make it strong.",
        "Strong.",
    };
    return hints[MIN(strength, G_N_ELEMENTS(hints) - 1)];
}

/* ---- the model ------------------------------------------------------------------------- */

static char *json_dup_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) && *v->valuestring ? g_strdup(v->valuestring) : NULL;
}

static gint64 json_int(const cJSON *obj, const char *name, gint64 dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNumber(v) ? (gint64)v->valuedouble : dflt;
}

static MidgeListenerSpec *spec_from_json(const cJSON *o)
{
    MidgeListenerSpec *s = midge_listener_spec_new();
    s->port = json_int(o, "port", 0);
    s->address = json_dup_str(o, "address");
    s->socket_domain = json_dup_str(o, "socket_domain");
    if (g_strcmp0(s->socket_domain, "any") == 0)
        g_clear_pointer(&s->socket_domain, g_free);
    s->max_connections = json_int(o, "max_connections", -1);
    s->mount_point = json_dup_str(o, "mount_point");
    s->connections = json_int(o, "connections", 0);
    s->source = json_dup_str(o, "source");
    const cJSON *tls = cJSON_GetObjectItemCaseSensitive(o, "tls");
    if (cJSON_IsObject(tls)) {
        s->certfile = json_dup_str(tls, "certfile");
        s->keyfile = json_dup_str(tls, "keyfile");
        s->cafile = json_dup_str(tls, "cafile");
    }
    return s;
}

static void set_version(char **slot, const cJSON *result)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(result, "version");
    if (cJSON_IsString(v)) {
        g_free(*slot);
        *slot = g_strdup(v->valuestring);
    }
}

gboolean midge_config_model_load_listeners(MidgeConfigModel *self, const cJSON *result,
                                           GError **error)
{
    g_return_val_if_fail(MIDGE_IS_CONFIG_MODEL(self), FALSE);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(result, "listeners");
    if (!cJSON_IsArray(list))
        return fail(error, "The broker's listener list is malformed.");
    g_ptr_array_set_size(self->listeners, 0);
    const cJSON *o;
    cJSON_ArrayForEach(o, list)
    {
        if (cJSON_IsObject(o))
            g_ptr_array_add(self->listeners, spec_from_json(o));
    }
    set_version(&self->config_version, result);
    g_signal_emit(self, signals[SIG_LISTENERS], 0);
    return TRUE;
}

gboolean midge_config_model_load_users(MidgeConfigModel *self, const cJSON *result, GError **error)
{
    g_return_val_if_fail(MIDGE_IS_CONFIG_MODEL(self), FALSE);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(result, "users");
    if (!cJSON_IsArray(list))
        return fail(error, "The broker's user list is malformed.");
    g_ptr_array_set_size(self->users, 0);
    const cJSON *o;
    cJSON_ArrayForEach(o, list)
    {
        if (cJSON_IsString(o))
            g_ptr_array_add(self->users, g_strdup(o->valuestring));
    }
    set_version(&self->users_version, result);
    g_signal_emit(self, signals[SIG_USERS], 0);
    return TRUE;
}

void midge_config_model_note_config_version(MidgeConfigModel *self, const cJSON *result)
{
    g_return_if_fail(MIDGE_IS_CONFIG_MODEL(self));
    set_version(&self->config_version, result);
}

void midge_config_model_note_users_version(MidgeConfigModel *self, const cJSON *result)
{
    g_return_if_fail(MIDGE_IS_CONFIG_MODEL(self));
    set_version(&self->users_version, result);
}

GPtrArray *midge_config_model_get_listeners(MidgeConfigModel *self)
{
    g_return_val_if_fail(MIDGE_IS_CONFIG_MODEL(self), NULL);
    return self->listeners;
}

GPtrArray *midge_config_model_get_users(MidgeConfigModel *self)
{
    g_return_val_if_fail(MIDGE_IS_CONFIG_MODEL(self), NULL);
    return self->users;
}

const char *midge_config_model_get_config_version(MidgeConfigModel *self)
{
    g_return_val_if_fail(MIDGE_IS_CONFIG_MODEL(self), NULL);
    return self->config_version;
}

const char *midge_config_model_get_users_version(MidgeConfigModel *self)
{
    g_return_val_if_fail(MIDGE_IS_CONFIG_MODEL(self), NULL);
    return self->users_version;
}

/* {"base_version": V, "port": P[, "address": A]}: selects a listener. */
static cJSON *listener_key(MidgeConfigModel *self, const MidgeListenerSpec *s)
{
    cJSON *a = ctl_json_object();
    cJSON_AddStringToObject(a, "base_version", self->config_version);
    cJSON_AddNumberToObject(a, "port", (double)s->port);
    if (is_set(s->address))
        cJSON_AddStringToObject(a, "address", s->address);
    return a;
}

static void add_opt_str(cJSON *a, const char *name, const char *v)
{
    if (is_set(v))
        cJSON_AddStringToObject(a, name, v);
}

cJSON *midge_config_model_listener_add_args(MidgeConfigModel *self, const MidgeListenerSpec *s)
{
    g_return_val_if_fail(MIDGE_IS_CONFIG_MODEL(self), NULL);
    cJSON *a = listener_key(self, s);
    add_opt_str(a, "socket_domain", s->socket_domain);
    if (s->max_connections != -1)
        cJSON_AddNumberToObject(a, "max_connections", (double)s->max_connections);
    add_opt_str(a, "mount_point", s->mount_point);
    add_opt_str(a, "certfile", s->certfile);
    add_opt_str(a, "keyfile", s->keyfile);
    add_opt_str(a, "cafile", s->cafile);
    return a;
}

/* Put name into set when the string option changed: its new value, or null to remove. */
static void diff_str(cJSON *set, const char *name, const char *old, const char *now)
{
    if (g_strcmp0(is_set(old) ? old : NULL, is_set(now) ? now : NULL) == 0)
        return;
    if (is_set(now))
        cJSON_AddStringToObject(set, name, now);
    else
        cJSON_AddNullToObject(set, name);
}

cJSON *midge_config_model_listener_set_args(MidgeConfigModel *self, const MidgeListenerSpec *old,
                                            const MidgeListenerSpec *s)
{
    g_return_val_if_fail(MIDGE_IS_CONFIG_MODEL(self), NULL);
    cJSON *set = ctl_json_object();
    if (old->max_connections != s->max_connections)
        cJSON_AddNumberToObject(set, "max_connections", (double)s->max_connections);
    diff_str(set, "mount_point", old->mount_point, s->mount_point);
    diff_str(set, "socket_domain", old->socket_domain, s->socket_domain);
    diff_str(set, "certfile", old->certfile, s->certfile);
    diff_str(set, "keyfile", old->keyfile, s->keyfile);
    diff_str(set, "cafile", old->cafile, s->cafile);
    if (!set->child) {
        cJSON_Delete(set);
        return NULL;
    }
    cJSON *a = listener_key(self, old);
    cJSON_AddItemToObject(a, "set", set);
    return a;
}

cJSON *midge_config_model_listener_remove_args(MidgeConfigModel *self, const MidgeListenerSpec *s)
{
    g_return_val_if_fail(MIDGE_IS_CONFIG_MODEL(self), NULL);
    return listener_key(self, s);
}

cJSON *midge_config_model_user_args(MidgeConfigModel *self, const char *name, const char *password)
{
    g_return_val_if_fail(MIDGE_IS_CONFIG_MODEL(self), NULL);
    cJSON *a = ctl_json_object();
    cJSON_AddStringToObject(a, "base_version", self->users_version);
    cJSON_AddStringToObject(a, "name", name);
    if (password)
        cJSON_AddStringToObject(a, "password", password);
    return a;
}

static void midge_config_model_finalize(GObject *obj)
{
    MidgeConfigModel *self = MIDGE_CONFIG_MODEL(obj);
    g_ptr_array_unref(self->listeners);
    g_ptr_array_unref(self->users);
    g_free(self->config_version);
    g_free(self->users_version);
    G_OBJECT_CLASS(midge_config_model_parent_class)->finalize(obj);
}

static void midge_config_model_class_init(MidgeConfigModelClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = midge_config_model_finalize;
    signals[SIG_LISTENERS] = g_signal_new("listeners-changed", G_TYPE_FROM_CLASS(klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIG_USERS] = g_signal_new("users-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void midge_config_model_init(MidgeConfigModel *self)
{
    self->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)midge_listener_spec_free);
    self->users = g_ptr_array_new_with_free_func(g_free);
    self->config_version = g_strdup("");
    self->users_version = g_strdup("");
}

MidgeConfigModel *midge_config_model_new(void)
{
    return g_object_new(MIDGE_TYPE_CONFIG_MODEL, NULL);
}
