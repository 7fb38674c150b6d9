/* SPDX-License-Identifier: MIT */
/* service/tls.h with OpenSSL 3: library set-up, TLS-PSK keys, and per-connection TLS over
 * memory BIOs (the socket itself is never handed to OpenSSL). */
#include "service/tls_openssl.h"

#include "common/cfg_tls.h"
#include "common/mem.h"
#include "common/platform.h"
#include "common/psk_file.h"
#include "service/log.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PSK files larger than this are certainly a mistake. */
#define MAX_PSK_BYTES (4u * 1024u * 1024u)

struct tls_server {
    struct psk_file psk; /* current keys; replaced as a whole on reload */
};

struct tls_ctx {
    SSL_CTX *ctx; /* reference-counted by OpenSSL: live connections keep theirs */
};

struct tls_conn {
    SSL *ssl;
    BIO *rbio, *wbio;   /* memory BIOs owned by ssl */
    struct buf wire;    /* sealed records not yet written to the socket */
    char *psk_identity; /* the identity the PSK callback accepted, owned */
    bool failed;
    char err[200];
};

int tls_library_init(void)
{
    /* No openssl.cnf, no OPENSSL_CONF: the only TLS settings are midge's own. */
    uint64_t opts = OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_LOAD_SSL_STRINGS |
                    OPENSSL_INIT_LOAD_CRYPTO_STRINGS;
    return OPENSSL_init_ssl(opts, NULL) == 1 ? 0 : ERR_NOTSUP;
}

void tls_openssl__last_error(char *out, size_t outlen)
{
    unsigned long e = ERR_get_error();
    const char *lib = e ? ERR_lib_error_string(e) : NULL;
    const char *why = e ? ERR_reason_error_string(e) : NULL;
    if (why)
        snprintf(out, outlen, "%s%s%s", lib ? lib : "", lib ? ": " : "", why);
    else
        snprintf(out, outlen, "unknown TLS error");
    ERR_clear_error();
}

/* ---- broker-wide state and PSK ------------------------------------------------------ */

int tls_server_new(struct tls_server **out)
{
    int rc = tls_library_init();
    if (rc < 0)
        return rc;
    struct tls_server *s = xcalloc(1, sizeof *s);
    psk_file_init(&s->psk);
    *out = s;
    return 0;
}

void tls_server_free(struct tls_server *s)
{
    if (!s)
        return;
    psk_file_cleanup(&s->psk);
    free(s);
}

int tls_server_load_psk(struct tls_server *s, const char *path, struct err_detail *d)
{
    struct psk_file f;
    psk_file_init(&f);
    if (path) {
        char *data = NULL;
        size_t len = 0;
        struct err_detail rd = {{0}, {0}, 0};
        int rc = plat_file_read_all(path, MAX_PSK_BYTES, &data, &len, &rd);
        if (rc < 0) {
            free(data);
            return err_set(d, rc, NULL, 0, "cannot read psk_file %s: %s", path,
                           rd.msg[0] ? rd.msg : err_str(rc));
        }
        psk_file_parse(&f, path, data, len);
        OPENSSL_cleanse(data, len);
        free(data);
        for (size_t i = 0; i < f.n_errors; i++) {
            char msg[1200];
            log_error("%s", err_detail_format(&f.errors[i], msg, sizeof msg));
        }
    }
    psk_file_cleanup(&s->psk);
    s->psk = f;
    return 0;
}

/* OpenSSL asks for the key of identity; 0 refuses the handshake (unknown identity). */
static unsigned int psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk,
                                  unsigned int max_len)
{
    const struct tls_server *s = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    const struct psk_entry *e =
        identity ? psk_file_find(&s->psk, identity, strlen(identity)) : NULL;
    if (!e || e->key_len > max_len)
        return 0;
    /* Kept here: OpenSSL does not report the identity of a TLS 1.3 PSK handshake. */
    struct tls_conn *t = SSL_get_app_data(ssl);
    free(t->psk_identity);
    t->psk_identity = xstrdup(e->identity);
    memcpy(psk, e->key, e->key_len);
    return (unsigned int)e->key_len;
}

int tls_openssl__ctx_psk(struct tls_server *s, SSL_CTX *ctx, const char *hint, struct err_detail *d)
{
    if (SSL_CTX_use_psk_identity_hint(ctx, hint) != 1) {
        char why[256];
        tls_openssl__last_error(why, sizeof why);
        return err_set(d, ERR_CONFIG, NULL, 0, "cannot use psk_hint: %s", why);
    }
    /* The broker-wide state outlives every context, so a reload of psk_file is seen by
     * handshakes of contexts made earlier. */
    SSL_CTX_set_app_data(ctx, s);
    SSL_CTX_set_psk_server_callback(ctx, psk_server_cb);
    /* No resumption: a resumed session would not run the callback, so its identity
     * (a possible username) would be unknown. PSK handshakes are cheap anyway. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return 0;
}

/* ---- listener contexts ------------------------------------------------------------- */

int tls_ctx_new(struct tls_server *s, const struct cfg_listener *lc, struct tls_ctx **out,
                struct err_detail *d)
{
    SSL_CTX *ctx = NULL;
    struct err_detail inner = {{0}, {0}, 0};
    int rc = tls_openssl__ctx_build(s, lc, &ctx, &inner);
    if (rc < 0)
        return err_set(d, rc, lc->src_file ? lc->src_file : "(config)", lc->src_line,
                       "listener on port %u: %s", lc->port, inner.msg);
    struct tls_ctx *t = xcalloc(1, sizeof *t);
    t->ctx = ctx;
    *out = t;
    return 0;
}

struct tls_ctx *tls_openssl__ctx_wrap(SSL_CTX *ctx)
{
    struct tls_ctx *t = xcalloc(1, sizeof *t);
    t->ctx = ctx;
    return t;
}

SSL *tls_openssl__conn_ssl(struct tls_conn *t)
{
    return t->ssl;
}

void tls_ctx_free(struct tls_ctx *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ctx);
    free(ctx);
}

int tls_config_check(const struct cfg *c, struct err_detail *d)
{
    struct tls_server *s = NULL;
    int rc = 0;
    for (size_t i = 0; i < c->n_listeners && rc == 0; i++) {
        if (!cfg_tls_is_enabled(&c->listeners[i].tls))
            continue;
        if (!s && (rc = tls_server_new(&s)) == 0)
            rc = tls_server_load_psk(s, c->psk_file, d);
        struct tls_ctx *ctx = NULL;
        if (rc == 0)
            rc = tls_ctx_new(s, &c->listeners[i], &ctx, d);
        tls_ctx_free(ctx);
    }
    tls_server_free(s);
    return rc;
}

/* ---- connections ------------------------------------------------------------------- */

int tls_conn_new(struct tls_ctx *ctx, struct tls_conn **out)
{
    SSL *ssl = SSL_new(ctx->ctx);
    BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());
    if (!ssl || !r || !w) {
        SSL_free(ssl);
        BIO_free(r);
        BIO_free(w);
        ERR_clear_error();
        return ERR_NOMEM;
    }
    /* An empty read BIO means "try again later", not end of file. */
    BIO_set_mem_eof_return(r, -1);
    SSL_set_bio(ssl, r, w);
    SSL_set_accept_state(ssl);
    struct tls_conn *t = xcalloc(1, sizeof *t);
    SSL_set_app_data(ssl, t);
    t->ssl = ssl;
    t->rbio = r;
    t->wbio = w;
    buf_init(&t->wire);
    *out = t;
    return 0;
}

void tls_conn_free(struct tls_conn *t)
{
    if (!t)
        return;
    SSL_free(t->ssl); /* frees both BIOs */
    free(t->psk_identity);
    buf_cleanup(&t->wire);
    free(t);
}

int tls_conn_put(struct tls_conn *t, const uint8_t *data, size_t n)
{
    if (n > INT32_MAX || BIO_write(t->rbio, data, (int)n) != (int)n) {
        ERR_clear_error();
        return ERR_NOMEM;
    }
    return 0;
}

/* Record why the session failed; further reads and seals fail at once. */
static long fail(struct tls_conn *t, int ssl_err)
{
    t->failed = true;
    if (ssl_err == SSL_ERROR_SSL) {
        long v = SSL_get_verify_result(t->ssl);
        tls_openssl__last_error(t->err, sizeof t->err);
        if (v != X509_V_OK) {
            size_t n = strlen(t->err);
            snprintf(t->err + n, sizeof t->err - n, " (%s)", X509_verify_cert_error_string(v));
        }
    } else {
        snprintf(t->err, sizeof t->err, "TLS error %d", ssl_err);
        ERR_clear_error();
    }
    return ERR_PROTOCOL;
}

long tls_conn_read(struct tls_conn *t, uint8_t *out, size_t cap)
{
    if (t->failed)
        return ERR_PROTOCOL;
    ERR_clear_error();
    int n = SSL_read(t->ssl, out, cap > INT32_MAX ? INT32_MAX : (int)cap);
    if (n > 0)
        return n;
    int e = SSL_get_error(t->ssl, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return ERR_AGAIN;
    if (e == SSL_ERROR_ZERO_RETURN)
        return ERR_CLOSED;
    return fail(t, e);
}

/* Move every pending record from the write BIO to the wire buffer. */
static void drain(struct tls_conn *t)
{
    size_t pending;
    while ((pending = BIO_ctrl_pending(t->wbio)) > 0) {
        int chunk = pending > 65536 ? 65536 : (int)pending;
        uint8_t *w = buf_reserve(&t->wire, (size_t)chunk);
        int n = BIO_read(t->wbio, w, chunk);
        if (n <= 0)
            break;
        buf_commit(&t->wire, (size_t)n);
    }
}

int tls_conn_seal(struct tls_conn *t, struct buf *plain)
{
    int rc = 0;
    size_t n = buf_size(plain);
    if (n > 0 && (t->failed || !SSL_is_init_finished(t->ssl))) {
        rc = ERR_PROTOCOL; /* nothing may go out in clear text or on a failed session */
    } else if (n > 0) {
        ERR_clear_error();
        /* A memory BIO never blocks, so SSL_write takes everything at once. */
        int w = SSL_write(t->ssl, buf_head(plain), n > INT32_MAX ? INT32_MAX : (int)n);
        if (w <= 0 || (size_t)w != n)
            rc = (int)fail(t, SSL_get_error(t->ssl, w));
    }
    buf_reset(plain, 16384);
    drain(t);
    return rc;
}

struct buf *tls_conn_wire(struct tls_conn *t)
{
    return &t->wire;
}

bool tls_conn_has_output(const struct tls_conn *t)
{
    return BIO_ctrl_pending(t->wbio) > 0;
}

bool tls_conn_is_established(const struct tls_conn *t)
{
    return SSL_is_init_finished(t->ssl) == 1;
}

const char *tls_conn_error(const struct tls_conn *t)
{
    return t->err;
}

/* The common name of name as a caller-owned UTF-8 string, or NULL. */
static char *common_name(X509_NAME *name)
{
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    ASN1_STRING *v = i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)) : NULL;
    unsigned char *utf8 = NULL;
    int n = v ? ASN1_STRING_to_UTF8(&utf8, v) : -1;
    char *out = n > 0 && !memchr(utf8, '\0', (size_t)n) ? xstrndup((char *)utf8, (size_t)n) : NULL;
    OPENSSL_free(utf8);
    return out;
}

/* The RFC 2253 form of name as a caller-owned string, or NULL. */
static char *subject_text(X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b && X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
        char *p = NULL;
        long n = BIO_get_mem_data(b, &p);
        if (n > 0)
            out = xstrndup(p, (size_t)n);
    }
    BIO_free(b);
    return out;
}

int tls_conn_peer_name(const struct tls_conn *t, bool subject, char **out)
{
    if (t->psk_identity) {
        *out = xstrdup(t->psk_identity);
        return 0;
    }
    X509 *cert = SSL_get0_peer_certificate(t->ssl);
    if (!cert || SSL_get_verify_result(t->ssl) != X509_V_OK)
        return ERR_NOTFOUND;
    X509_NAME *name = X509_get_subject_name(cert);
    *out = subject ? subject_text(name) : common_name(name);
    ERR_clear_error();
    return *out ? 0 : ERR_NOTFOUND;
}
