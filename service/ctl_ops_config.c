/* SPDX-License-Identifier: MIT */
/* Control operations on the configuration as a whole (get, put, check, reload), saving
 * persistence, and the versioned file access the editing operations share. */
#include "common/cfg.h"
#include "common/cfg_write.h"
#include "common/mem.h"
#include "service/bridge.h"
#include "service/config_io.h"
#include "service/ctl_internal.h"
#include "service/log.h"
#include "service/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_BYTES (16u * 1024u * 1024u)
#define CONFIG_MODE 0640

int ctl_files_read_checked(const char *path, const char *base, bool missing_ok, char **text,
                           size_t *len, char version[65], struct err_detail *d)
{
    *text = NULL;
    *len = 0;
    int rc = plat_file_read_all(path, MAX_FILE_BYTES, text, len, d);
    if (rc == ERR_NOTFOUND && missing_ok) {
        rc = 0;
        *text = NULL;
        *len = 0;
    }
    if (rc < 0)
        return rc;
    cfg_doc_version(*text ? *text : NULL, *len, version);
    if (base && strcmp(base, version) != 0) {
        x_clear(text);
        *len = 0;
        return err_set(d, ERR_CONFLICT, NULL, 0,
                       "%s changed since version %.16s...; nothing was written (read it again "
                       "and retry)",
                       path, base[0] ? base : "(missing)");
    }
    return 0;
}

int ctl_files_validate(const char *path, const char *text, size_t len, struct cfg *out,
                       struct err_detail *d)
{
    cfg_init(out);
    int rc = config_io_parse_text(path, text, len, out, d);
    /* As `midge -t`: certificates and keys must load, not only parse. */
    if (rc == 0 && tls_config_check(out, d) < 0)
        rc = ERR_CONFIG;
    if (rc == 0 && bridge_config_check(out, false, d) < 0)
        rc = ERR_CONFIG;
    return rc;
}

cJSON *ctl_files_warnings(const struct cfg *c)
{
    cJSON *w = ctl_json_array();
    for (size_t i = 0; i < c->n_warnings; i++)
        cJSON_AddItemToArray(w, cJSON_CreateString(c->warnings[i]));
    return w;
}

static int need_config(const struct broker *b, struct err_detail *d)
{
    if (!b->config_path)
        return err_set(d, ERR_NOTSUP, NULL, 0, "the broker runs without a configuration file (-c)");
    return 0;
}

int ctl_ops_config_get(struct ctl_client *cl, const cJSON *args, cJSON **result,
                       struct err_detail *d)
{
    (void)args;
    const struct broker *b = cl->srv->b;
    int rc = need_config(b, d);
    char *text = NULL;
    size_t len = 0;
    char version[65];
    if (rc == 0)
        rc = ctl_files_read_checked(b->config_path, NULL, false, &text, &len, version, d);
    if (rc < 0)
        return rc;
    *result = ctl_json_object();
    ctl_json_add_str(*result, "path", b->config_path);
    ctl_json_add_str(*result, "version", version);
    ctl_json_add_str(*result, "text", text);
    free(text);
    return 0;
}

/* Validate the file as it is now, then run the broker's reload (SIGHUP semantics). */
static int reload_checked(struct broker *b, cJSON **warnings, struct err_detail *d)
{
    struct cfg n;
    cfg_init(&n);
    int rc = config_io_load(b->config_path, &n, d);
    if (rc == 0) {
        *warnings = ctl_files_warnings(&n);
        broker_reload(b);
    }
    cfg_cleanup(&n);
    return rc < 0 ? ERR_CONFIG : 0;
}

int ctl_ops_config_put(struct ctl_client *cl, const cJSON *args, cJSON **result,
                       struct err_detail *d)
{
    struct broker *b = cl->srv->b;
    const char *base = NULL, *text = NULL;
    int rc = need_config(b, d);
    if (rc == 0)
        rc = ctl_arg_str(args, "base_version", true, &base, d);
    if (rc >= 0)
        rc = ctl_arg_str(args, "text", true, &text, d);
    if (rc < 0)
        return rc;
    char *old = NULL;
    size_t old_len = 0;
    char version[65];
    rc = ctl_files_read_checked(b->config_path, base, false, &old, &old_len, version, d);
    free(old);
    if (rc < 0)
        return rc;
    struct cfg n;
    rc = ctl_files_validate(b->config_path, text, strlen(text), &n, d);
    cfg_cleanup(&n);
    if (rc < 0)
        return ERR_CONFIG;
    rc = plat_file_write_atomic(b->config_path, text, strlen(text), CONFIG_MODE, d);
    if (rc < 0)
        return rc;
    log_notice("control socket: %s rewritten by %s", b->config_path, cl->peer);
    cJSON *warnings = NULL;
    rc = reload_checked(b, &warnings, d);
    if (rc < 0)
        return rc;
    *result = ctl_json_object();
    ctl_json_add_str(*result, "version", cfg_doc_version(text, strlen(text), version));
    cJSON_AddItemToObject(*result, "warnings", warnings);
    return 0;
}

int ctl_ops_config_check(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d)
{
    (void)cl;
    const char *text = NULL, *name = NULL;
    int rc = ctl_arg_str(args, "text", true, &text, d);
    if (rc >= 0)
        rc = ctl_arg_str(args, "name", false, &name, d);
    if (rc < 0)
        return rc;
    struct cfg n;
    rc = ctl_files_validate(name ? name : "candidate.conf", text, strlen(text), &n, d);
    if (rc == 0) {
        *result = ctl_json_object();
        cJSON_AddItemToObject(*result, "valid", cJSON_CreateTrue());
        cJSON_AddItemToObject(*result, "warnings", ctl_files_warnings(&n));
    }
    cfg_cleanup(&n);
    return rc < 0 ? ERR_CONFIG : 0;
}

int ctl_ops_config_reload(struct ctl_client *cl, const cJSON *args, cJSON **result,
                          struct err_detail *d)
{
    (void)args;
    struct broker *b = cl->srv->b;
    int rc = need_config(b, d);
    cJSON *warnings = NULL;
    if (rc == 0)
        rc = reload_checked(b, &warnings, d);
    if (rc < 0)
        return rc;
    log_notice("control socket: reload requested by %s", cl->peer);
    *result = ctl_json_object();
    cJSON_AddItemToObject(*result, "warnings", warnings);
    return 0;
}

int ctl_ops_persist_save(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d)
{
    (void)args;
    (void)result;
    struct broker *b = cl->srv->b;
    if (!b->save)
        return err_set(d, ERR_NOTSUP, NULL, 0, "persistence is not enabled in this build");
    return b->save(b, d);
}
