/* SPDX-License-Identifier: MIT */
/* Control operations on the password file: list names, add, change a password, remove.
 * The same common/pw_file and common/pw_hash code as midge-passwd; written atomically
 * (mode 0600) and applied at once through the broker's password reload, which closes
 * the connections of removed or changed users. */
#include "common/cfg_write.h"
#include "common/mem.h"
#include "common/pw_file.h"
#include "common/pw_hash.h"
#include "service/auth.h"
#include "service/ctl_internal.h"
#include "service/log.h"

#include <stdlib.h>
#include <string.h>

#define PASSWORD_FILE_MODE 0600

/* The password file in memory with the version it was read at. */
struct uedit {
    const char *path;
    char version[65];
    struct pw_file f;
};

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

/* Read and parse the password file, checking base (NULL = no check). A missing file
 * is an empty one (version ""). */
static int uedit_begin(struct uedit *u, const struct broker *b, const char *base,
                       struct err_detail *d)
{
    memset(u, 0, sizeof *u);
    pw_file_init(&u->f);
    u->path = b->cfg.password_file;
    if (!u->path)
        return err_set(d, ERR_NOTSUP, NULL, 0, "no password_file is configured");
    char *text = NULL;
    size_t len = 0;
    int rc = ctl_files_read_checked(u->path, base, true, &text, &len, u->version, d);
    if (rc < 0)
        return rc;
    pw_file_parse(&u->f, u->path, text ? text : "", len, 0);
    if (text)
        wipe(text, len);
    free(text);
    return 0;
}

/* Serialise, write atomically, reload the broker's users; result = new version. */
static int uedit_commit(struct uedit *u, struct broker *b, cJSON **result, struct err_detail *d)
{
    size_t len = 0;
    char *text = pw_file_serialise(&u->f, &len);
    char version[65];
    cfg_doc_version(text, len, version);
    int rc = plat_file_write_atomic(u->path, text, len, PASSWORD_FILE_MODE, d);
    wipe(text, len);
    free(text);
    if (rc < 0)
        return rc;
    auth_reload(b);
    *result = ctl_json_object();
    ctl_json_add_str(*result, "version", version);
    return 0;
}

int ctl_ops_users_list(struct ctl_client *cl, const cJSON *args, cJSON **result,
                       struct err_detail *d)
{
    (void)args;
    struct uedit u;
    int rc = uedit_begin(&u, cl->srv->b, NULL, d);
    if (rc == 0) {
        cJSON *users = ctl_json_array();
        for (size_t i = 0; i < u.f.n_lines; i++) {
            const struct pw_line *l = &u.f.lines[i];
            if ((l->kind == PW_LINE_ENTRY || l->kind == PW_LINE_PLAIN) && l->user)
                cJSON_AddItemToArray(users, cJSON_CreateString(l->user));
        }
        *result = ctl_json_object();
        ctl_json_add_str(*result, "version", u.version);
        ctl_json_add_str(*result, "password_file", u.path);
        cJSON_AddItemToObject(*result, "users", users);
    }
    pw_file_cleanup(&u.f);
    return rc;
}

/* Hash password with a fresh salt and the default scheme into out. */
static int make_hash(const char *password, char out[PW_HASH_ENCODED_MAX], struct err_detail *d)
{
    size_t len = strlen(password);
    if (len == 0 || len > PW_HASH_PASSWORD_MAX)
        return err_set(d, ERR_INVAL, NULL, 0, "the password must be 1 to %u bytes",
                       PW_HASH_PASSWORD_MAX);
    uint8_t salt[PW_HASH_SALT_LEN];
    struct pw_hash h;
    int rc = plat_random_bytes(salt, sizeof salt);
    if (rc == 0)
        rc = pw_hash_compute(&h, PW_HASH_SHA512_PBKDF2, PW_HASH_DEFAULT_ITERATIONS, salt, password,
                             len);
    if (rc == 0 && pw_hash_encode(&h, out, PW_HASH_ENCODED_MAX) < 0)
        rc = ERR_INVAL;
    wipe(&h, sizeof h);
    return rc < 0 ? err_set(d, rc, NULL, 0, "could not hash the password") : 0;
}

/* users.add (must_exist false) and users.passwd (must_exist true). */
static int set_password(struct ctl_client *cl, const cJSON *args, bool must_exist, cJSON **result,
                        struct err_detail *d)
{
    const char *base = NULL, *name = NULL, *password = NULL;
    int rc = ctl_arg_str(args, "base_version", true, &base, d);
    if (rc >= 0)
        rc = ctl_arg_str(args, "name", true, &name, d);
    if (rc >= 0)
        rc = ctl_arg_str(args, "password", true, &password, d);
    if (rc < 0)
        return rc;
    if (!pw_file_user_is_valid(name))
        return err_set(d, ERR_INVAL, NULL, 0,
                       "invalid username: 1 to 65535 bytes of UTF-8 without ':', control "
                       "characters or blanks at either end");
    struct uedit u;
    char hash[PW_HASH_ENCODED_MAX];
    rc = uedit_begin(&u, cl->srv->b, base, d);
    bool exists = rc == 0 && pw_file_find(&u.f, name) != NULL;
    if (rc == 0 && exists && !must_exist)
        rc = err_set(d, ERR_EXISTS, NULL, 0, "user '%.200s' already exists", name);
    if (rc == 0 && !exists && must_exist)
        rc = err_set(d, ERR_NOTFOUND, NULL, 0, "no user '%.200s'", name);
    if (rc == 0)
        rc = make_hash(password, hash, d);
    /* The request's copy of the password is not needed any more. */
    wipe((char *)password, strlen(password));
    if (rc == 0)
        rc = pw_file_set(&u.f, name, hash);
    wipe(hash, sizeof hash);
    if (rc == 0)
        rc = uedit_commit(&u, cl->srv->b, result, d);
    if (rc == 0)
        log_notice("control socket: %s user '%s' in %s (by %s)",
                   must_exist ? "changed the password of" : "added", name, u.path, cl->peer);
    pw_file_cleanup(&u.f);
    return rc;
}

int ctl_ops_users_add(struct ctl_client *cl, const cJSON *args, cJSON **result,
                      struct err_detail *d)
{
    return set_password(cl, args, false, result, d);
}

int ctl_ops_users_passwd(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d)
{
    return set_password(cl, args, true, result, d);
}

int ctl_ops_users_remove(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d)
{
    const char *base = NULL, *name = NULL;
    int rc = ctl_arg_str(args, "base_version", true, &base, d);
    if (rc >= 0)
        rc = ctl_arg_str(args, "name", true, &name, d);
    if (rc < 0)
        return rc;
    struct uedit u;
    rc = uedit_begin(&u, cl->srv->b, base, d);
    if (rc == 0 && pw_file_delete(&u.f, name) < 0)
        rc = err_set(d, ERR_NOTFOUND, NULL, 0, "no user '%.200s'", name);
    if (rc == 0)
        rc = uedit_commit(&u, cl->srv->b, result, d);
    if (rc == 0)
        log_notice("control socket: removed user '%s' from %s (by %s)", name, u.path, cl->peer);
    pw_file_cleanup(&u.f);
    return rc;
}
