/* SPDX-License-Identifier: MIT */
/* password_file authentication: the user set, its reload and the verification cache. */
#include "service/auth.h"

#include "common/mem.h"
#include "common/pw_file.h"
#include "common/pw_hash.h"
#include "service/conn.h"
#include "service/log.h"

#include <stdlib.h>
#include <string.h>

/* Password files larger than this are certainly a mistake. */
#define MAX_PASSWORD_FILE_BYTES (64u * 1024u * 1024u)
#define AUTH_KEY_LEN 32u

/* One cached successful verification of a password-file line. */
struct auth_cache {
    bool valid;
    uint8_t mac[PW_HASH_MAC_LEN]; /* pw_hash_mac(key, user, password) */
};

struct auth {
    bool active;               /* a user set is loaded (password_file set and read once) */
    struct pw_file f;          /* the last good file */
    struct auth_cache *cache;  /* one per line of f */
    uint8_t key[AUTH_KEY_LEN]; /* random per broker start; never leaves this file */
    uint64_t slow_checks;
};

/* Read and parse path into *f (initialised here); bad lines are logged. */
static int load_file(const char *path, struct pw_file *f, struct err_detail *d)
{
    char *data = NULL;
    size_t len = 0;
    pw_file_init(f);
    int rc = plat_file_read_all(path, MAX_PASSWORD_FILE_BYTES, &data, &len, d);
    if (rc < 0)
        return rc;
    pw_file_parse(f, path, data, len, 0);
    memset(data, 0, len); /* hashes: not secret, but no reason to leave them around */
    free(data);
    for (size_t i = 0; i < f->n_errors; i++) {
        char msg[1200];
        log_error("password file %s (that user cannot log in)",
                  err_detail_format(&f->errors[i], msg, sizeof msg));
    }
    return 0;
}

/* The ENTRY line of user (len bytes, not NUL-terminated), or NULL. */
static const struct pw_line *find_entry(const struct pw_file *f, const char *user)
{
    const struct pw_line *l = pw_file_find(f, user);
    return l && l->kind == PW_LINE_ENTRY ? l : NULL;
}

static void drop_set(struct auth *a)
{
    pw_file_cleanup(&a->f);
    free(a->cache);
    a->cache = NULL;
    a->active = false;
}

int auth_start(struct broker *b, struct err_detail *d)
{
    struct auth *a = xcalloc(1, sizeof *a);
    b->auth = a;
    pw_file_init(&a->f);
    if (plat_random_bytes(a->key, sizeof a->key) < 0)
        return err_set(d, ERR_IO, NULL, 0, "no random bytes for the password cache key");
    const char *path = b->cfg.password_file;
    if (!path)
        return 0;
    int rc = load_file(path, &a->f, d);
    if (rc < 0) {
        char msg[1200];
        log_error("cannot read password_file: %s", err_detail_format(d, msg, sizeof msg));
        return rc;
    }
    a->cache = xcalloc(a->f.n_lines ? a->f.n_lines : 1, sizeof *a->cache);
    a->active = true;
    log_notice("password file %s: %zu line(s), %zu bad", path, a->f.n_lines, a->f.n_errors);
    return 0;
}

/* Whether connection c (checked against the old set) must go with the new set nf. */
static bool conn_is_stale(const struct auth *a, const struct pw_file *nf, const struct conn *c)
{
    if (!c->pw_checked || !c->username)
        return false;
    if (!nf)
        return !c->b->allow_anonymous;
    const struct pw_line *nl = find_entry(nf, c->username);
    const struct pw_line *ol = a->active ? find_entry(&a->f, c->username) : NULL;
    return !nl || !ol || strcmp(nl->secret, ol->secret) != 0;
}

/* Close every connection whose credentials the new set nf (NULL = no file) no longer
 * vouches for. Restarts the scan after each close: a close may publish a will, which can
 * close other connections and so change the list. */
static void close_stale(struct broker *b, const struct pw_file *nf)
{
    size_t closed = 0;
    bool again = true;
    while (again) {
        again = false;
        for (struct link *l = b->conns.next; l != &b->conns; l = l->next) {
            struct conn *c = link_entry(l, struct conn, all_link);
            if (c->state == CONN_ACTIVE && conn_is_stale(b->auth, nf, c)) {
                c->pw_checked = false;
                conn_close(c, "password entry removed or changed");
                closed++;
                again = true;
                break;
            }
        }
    }
    if (closed)
        log_notice("reload: closed %zu connection(s) whose password entry went away or "
                   "changed",
                   closed);
}

/* Carry the cache entries of unchanged lines from the old set into a new cache for nf. */
static struct auth_cache *carry_cache(const struct auth *a, const struct pw_file *nf)
{
    struct auth_cache *nc = xcalloc(nf->n_lines ? nf->n_lines : 1, sizeof *nc);
    if (!a->active)
        return nc;
    for (size_t i = 0; i < nf->n_lines; i++) {
        const struct pw_line *nl = &nf->lines[i];
        const struct pw_line *ol = nl->kind == PW_LINE_ENTRY ? find_entry(&a->f, nl->user) : NULL;
        if (ol && strcmp(ol->secret, nl->secret) == 0)
            nc[i] = a->cache[ol - a->f.lines];
    }
    return nc;
}

void auth_reload(struct broker *b)
{
    struct auth *a = b->auth;
    const char *path = b->cfg.password_file;
    if (!path) {
        if (a->active) {
            close_stale(b, NULL);
            drop_set(a);
            log_notice("reload: password_file removed; usernames are no longer checked");
        }
        return;
    }
    struct pw_file nf;
    struct err_detail d = {{0}, {0}, 0};
    if (load_file(path, &nf, &d) < 0) {
        char msg[1200];
        log_error("reload: cannot read password_file, keeping the previous users: %s",
                  err_detail_format(&d, msg, sizeof msg));
        pw_file_cleanup(&nf);
        return;
    }
    close_stale(b, &nf);
    struct auth_cache *nc = carry_cache(a, &nf);
    drop_set(a);
    a->f = nf;
    a->cache = nc;
    a->active = true;
    log_notice("reload: password file %s: %zu line(s), %zu bad", path, nf.n_lines, nf.n_errors);
}

/* Verify password against user's entry l, through the cache. */
static bool verify(struct auth *a, const struct pw_line *l, const struct mqtt_connect *p)
{
    const char *pw = (const char *)p->password.p;
    size_t pwlen = p->password.len;
    struct auth_cache *slot = &a->cache[l - a->f.lines];
    uint8_t mac[PW_HASH_MAC_LEN];
    bool have_mac =
        pw_hash_mac(a->key, sizeof a->key, l->user, strlen(l->user), pw, pwlen, mac) == 0;
    if (have_mac && slot->valid && pw_hash_equal(slot->mac, mac, sizeof mac))
        return true;
    /* TODO(issue 3): a $7$ check costs ~75 ms at 100000 iterations and runs on the loop
     * thread; move it to a worker so that a CONNECT flood cannot stall the broker. */
    a->slow_checks++;
    if (!pw_hash_verify(&l->hash, pw, pwlen))
        return false; /* failures are never cached */
    if (have_mac) {
        memcpy(slot->mac, mac, sizeof mac);
        slot->valid = true;
    }
    return true;
}

int auth_connect(struct broker *b, const struct mqtt_connect *p, bool *by_file)
{
    struct auth *a = b->auth;
    *by_file = false;
    /* No username, or no password file to check one against: anonymous access decides
     * (a username without a file proves nothing). */
    if (!p->has_username || !a || !a->active)
        return b->allow_anonymous ? 0 : ERR_AUTH;
    size_t ulen = p->username.len;
    if (!p->has_password || memchr(p->username.p, 0, ulen))
        return ERR_PERM;
    char *user = xstrndup((const char *)p->username.p, ulen);
    const struct pw_line *l = find_entry(&a->f, user);
    free(user);
    if (!l || !verify(a, l, p))
        return ERR_PERM;
    *by_file = true;
    return 0;
}

void auth_cleanup(struct broker *b)
{
    struct auth *a = b->auth;
    if (!a)
        return;
    drop_set(a);
    memset(a->key, 0, sizeof a->key);
    free(a);
    b->auth = NULL;
}

uint64_t auth_slow_checks(const struct broker *b)
{
    return b->auth ? b->auth->slow_checks : 0;
}
