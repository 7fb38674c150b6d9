/* SPDX-License-Identifier: MIT */
/* password_file authentication: each security domain's user set, its reload and the
 * verification cache. */
#include "service/auth.h"

#include "common/mem.h"
#include "common/pw_file.h"
#include "common/pw_hash.h"
#include "service/conn.h"
#include "service/log.h"
#include "service/sec.h"

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

/* The loaded password set of one security domain. */
struct auth_users {
    bool active;              /* a user set is loaded (password_file set and read once) */
    struct pw_file f;         /* the last good file */
    struct auth_cache *cache; /* one per line of f */
};

struct auth {
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

static void drop_set(struct auth_users *a)
{
    pw_file_cleanup(&a->f);
    free(a->cache);
    a->cache = NULL;
    a->active = false;
}

int auth_start_domain(struct sec_domain *dom, struct err_detail *d)
{
    struct auth_users *a = xcalloc(1, sizeof *a);
    dom->users = a;
    pw_file_init(&a->f);
    const char *path = dom->password_file;
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

int auth_start(struct broker *b, struct err_detail *d)
{
    struct auth *a = xcalloc(1, sizeof *a);
    b->auth = a;
    if (plat_random_bytes(a->key, sizeof a->key) < 0)
        return err_set(d, ERR_IO, NULL, 0, "no random bytes for the password cache key");
    for (size_t i = 0; i < b->n_sec; i++) {
        int rc = auth_start_domain(&b->sec[i], d);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Whether connection c (checked against the old set a) must go with the new set nf
 * (NULL = no password file) and dom's new settings. */
static bool conn_is_stale(const struct sec_domain *dom, const struct auth_users *a,
                          const struct pw_file *nf, const struct conn *c)
{
    const struct cfg_tls *t = &c->lst->cfg.tls;
    if (t->use_identity_as_username || t->use_subject_as_username)
        return false; /* the TLS handshake proved the username, not this file */
    if (c->pw_checked && c->username) {
        if (!nf)
            return !dom->allow_anonymous;
        const struct pw_line *nl = find_entry(nf, c->username);
        const struct pw_line *ol = a->active ? find_entry(&a->f, c->username) : NULL;
        return !nl || !ol || strcmp(nl->secret, ol->secret) != 0;
    }
    /* Admitted as anonymous (a username without a password file proves nothing). */
    if (!dom->allow_anonymous)
        return true;
    return c->username && nf; /* a password file now exists that never checked it */
}

/* Close every connection of dom that the new set nf (NULL = no file) and dom's settings
 * no longer admit. Restarts the scan after each close: a close may publish a will, which
 * can close other connections and so change the list. */
static void close_stale(struct broker *b, struct sec_domain *dom, const struct pw_file *nf)
{
    size_t closed = 0;
    bool again = true;
    while (again) {
        again = false;
        for (struct link *l = b->conns.next; l != &b->conns; l = l->next) {
            struct conn *c = link_entry(l, struct conn, all_link);
            if (c->state == CONN_ACTIVE && !c->bridge && sec_of_listener(c->lst) == dom &&
                conn_is_stale(dom, dom->users, nf, c)) {
                c->pw_checked = false;
                conn_close(c, "credentials or anonymous access no longer valid");
                closed++;
                again = true;
                break;
            }
        }
    }
    if (closed)
        log_notice("reload: %s: closed %zu connection(s) whose password entry went away or "
                   "changed or whose anonymous access was withdrawn",
                   dom->label, closed);
}

/* Carry the cache entries of unchanged lines from the old set into a new cache for nf. */
static struct auth_cache *carry_cache(const struct auth_users *a, const struct pw_file *nf)
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

void auth_reload_domain(struct broker *b, struct sec_domain *dom)
{
    struct auth_users *a = dom->users;
    const char *path = dom->password_file;
    if (!path) {
        close_stale(b, dom, NULL);
        if (a->active) {
            drop_set(a);
            log_notice("reload: %s: password_file removed; usernames are no longer checked",
                       dom->label);
        }
        return;
    }
    struct pw_file nf;
    struct err_detail d = {{0}, {0}, 0};
    if (load_file(path, &nf, &d) < 0) {
        char msg[1200];
        log_error("reload: %s: cannot read password_file, keeping the previous users: %s",
                  dom->label, err_detail_format(&d, msg, sizeof msg));
        pw_file_cleanup(&nf);
        /* Still apply a withdrawn allow_anonymous against the users we keep. */
        close_stale(b, dom, a->active ? &a->f : NULL);
        return;
    }
    close_stale(b, dom, &nf);
    struct auth_cache *nc = carry_cache(a, &nf);
    drop_set(a);
    a->f = nf;
    a->cache = nc;
    a->active = true;
    log_notice("reload: password file %s: %zu line(s), %zu bad", path, nf.n_lines, nf.n_errors);
}

void auth_reload(struct broker *b)
{
    for (size_t i = 0; i < b->n_sec; i++)
        auth_reload_domain(b, &b->sec[i]);
}

/* Verify password against user's entry l, through the cache. */
static bool verify(struct auth *a, struct auth_users *u, const struct pw_line *l,
                   const struct mqtt_connect *p)
{
    const char *pw = (const char *)p->password.p;
    size_t pwlen = p->password.len;
    struct auth_cache *slot = &u->cache[l - u->f.lines];
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

int auth_connect(struct broker *b, struct sec_domain *dom, const struct mqtt_connect *p,
                 bool *by_file)
{
    struct auth_users *u = dom->users;
    *by_file = false;
    /* No username, or no password file to check one against: anonymous access decides
     * (a username without a file proves nothing). */
    if (!p->has_username || !u || !u->active)
        return dom->allow_anonymous ? 0 : ERR_AUTH;
    size_t ulen = p->username.len;
    if (!p->has_password || memchr(p->username.p, 0, ulen))
        return ERR_PERM;
    char *user = xstrndup((const char *)p->username.p, ulen);
    const struct pw_line *l = find_entry(&u->f, user);
    free(user);
    if (!l || !verify(b->auth, u, l, p))
        return ERR_PERM;
    *by_file = true;
    return 0;
}

void auth_cleanup(struct broker *b)
{
    for (size_t i = 0; i < b->n_sec; i++) {
        struct auth_users *u = b->sec[i].users;
        if (u) {
            drop_set(u);
            free(u);
            b->sec[i].users = NULL;
        }
    }
    struct auth *a = b->auth;
    if (!a)
        return;
    memset(a->key, 0, sizeof a->key);
    free(a);
    b->auth = NULL;
}

uint64_t auth_slow_checks(const struct broker *b)
{
    return b->auth ? b->auth->slow_checks : 0;
}
