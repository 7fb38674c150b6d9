/* SPDX-License-Identifier: MIT */
/* service/tls.h for builds without a TLS library: nothing can be created, so no
 * connection ever has TLS state and the other functions are never reached. */
#include "service/tls.h"

#include "common/cfg_tls.h"

int tls_library_init(void)
{
    return ERR_NOTSUP;
}

int tls_server_new(struct tls_server **out)
{
    *out = NULL;
    return ERR_NOTSUP;
}

void tls_server_free(struct tls_server *s)
{
    (void)s;
}

int tls_server_load_psk(struct tls_server *s, const char *path, struct err_detail *d)
{
    (void)s;
    (void)path;
    return err_set(d, ERR_NOTSUP, NULL, 0, "this midge is built without TLS");
}

int tls_ctx_new(struct tls_server *s, const struct cfg_listener *lc, struct tls_ctx **out,
                struct err_detail *d)
{
    (void)s;
    *out = NULL;
    return err_set(d, ERR_NOTSUP, lc->src_file ? lc->src_file : "(config)", lc->src_line,
                   "listener on port %u: this midge is built without TLS", lc->port);
}

void tls_ctx_free(struct tls_ctx *ctx)
{
    (void)ctx;
}

int tls_config_check(const struct cfg *c, struct err_detail *d)
{
    for (size_t i = 0; i < c->n_listeners; i++) {
        if (cfg_tls_is_enabled(&c->listeners[i].tls))
            return tls_ctx_new(NULL, &c->listeners[i], &(struct tls_ctx *){NULL}, d);
    }
    return 0;
}

int tls_conn_new(struct tls_ctx *ctx, struct tls_conn **out)
{
    (void)ctx;
    *out = NULL;
    return ERR_NOTSUP;
}

void tls_conn_free(struct tls_conn *t)
{
    (void)t;
}

int tls_conn_put(struct tls_conn *t, const uint8_t *data, size_t n)
{
    (void)t;
    (void)data;
    (void)n;
    return ERR_NOTSUP;
}

long tls_conn_read(struct tls_conn *t, uint8_t *out, size_t cap)
{
    (void)t;
    (void)out;
    (void)cap;
    return ERR_NOTSUP;
}

int tls_conn_seal(struct tls_conn *t, struct buf *plain)
{
    (void)t;
    (void)plain;
    return ERR_NOTSUP;
}

struct buf *tls_conn_wire(struct tls_conn *t)
{
    (void)t;
    PANIC("TLS connection in a build without TLS");
}

bool tls_conn_has_output(const struct tls_conn *t)
{
    (void)t;
    return false;
}

bool tls_conn_is_established(const struct tls_conn *t)
{
    (void)t;
    return false;
}

const char *tls_conn_error(const struct tls_conn *t)
{
    (void)t;
    return "";
}

int tls_client_ctx_new(const struct cfg_bridge *br, struct tls_ctx **out, struct err_detail *d)
{
    *out = NULL;
    return err_set(d, ERR_NOTSUP, br->src_file, br->src_line,
                   "bridge '%s': this build of midge has no TLS", br->name);
}

int tls_client_conn_new(struct tls_ctx *ctx, const char *host, bool check_host,
                        struct tls_conn **out)
{
    (void)ctx;
    (void)host;
    (void)check_host;
    *out = NULL;
    return ERR_NOTSUP;
}

int tls_conn_peer_name(const struct tls_conn *t, bool subject, char **out)
{
    (void)t;
    (void)subject;
    *out = NULL;
    return ERR_NOTFOUND;
}
