/* SPDX-License-Identifier: MIT */
/* Building a listener's OpenSSL context from its configuration (service/tls.h): the files
 * are read through platform.h and parsed from memory, so every message names the midge
 * option and file at fault. */
#include "service/tls_openssl.h"

#include "common/cfg_tls.h"
#include "common/mem.h"
#include "common/platform.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

/* Certificate, CA and CRL files larger than this are certainly a mistake. */
#define MAX_PEM_BYTES (16u * 1024u * 1024u)
/* Strong TLS 1.2 ciphers only: no anonymous or null ciphers, no static-RSA key exchange
 * (no forward secrecy), no MD5, RC4 or 3DES. PSK ciphers are HIGH and stay in. */
#define DEFAULT_CIPHERS "HIGH:!aNULL:!eNULL:!kRSA:!MD5:!RC4:!3DES"

/* Fill *d with "what path: reason" from the OpenSSL error queue (cleared). */
static int ssl_fail(struct err_detail *d, const char *what, const char *path)
{
    char reason[256];
    tls_openssl__last_error(reason, sizeof reason);
    return err_set(d, ERR_CONFIG, NULL, 0, "%s%s%s: %s", what, path ? " " : "", path ? path : "",
                   reason);
}

/* Read a whole file into a memory BIO; the caller frees both (*data wiped if secret). */
static int read_bio(const char *what, const char *path, char **data, size_t *lenp, BIO **out,
                    struct err_detail *d)
{
    size_t len = 0;
    struct err_detail rd = {{0}, {0}, 0};
    *data = NULL;
    int rc = plat_file_read_all(path, MAX_PEM_BYTES, data, &len, &rd);
    if (rc < 0)
        return err_set(d, rc, NULL, 0, "cannot read %s %s: %s", what, path,
                       rd.msg[0] ? rd.msg : err_str(rc));
    *lenp = len;
    *out = BIO_new_mem_buf(*data, (int)len);
    if (!*out) {
        free(*data);
        *data = NULL;
        return ERR_NOMEM;
    }
    return 0;
}

/* certfile: the server certificate, then any intermediate CA certificates. */
static int load_cert(SSL_CTX *ctx, const char *path, struct err_detail *d)
{
    char *data = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    int rc = read_bio("certfile", path, &data, &len, &bio, d);
    if (rc < 0)
        return rc;
    X509 *cert = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
    rc = 0;
    if (!cert || SSL_CTX_use_certificate(ctx, cert) != 1)
        rc = ssl_fail(d, "cannot use the certificate in certfile", path);
    X509_free(cert);
    SSL_CTX_clear_chain_certs(ctx);
    X509 *ca = NULL;
    while (rc == 0 && (ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
            X509_free(ca);
            rc = ssl_fail(d, "cannot use a chain certificate in certfile", path);
        }
    }
    ERR_clear_error(); /* the end of the file ends the chain loop with an error */
    BIO_free(bio);
    free(data);
    return rc;
}

/* keyfile: an unencrypted PEM key, which must match the certificate. */
static int load_key(SSL_CTX *ctx, const char *path, const char *certfile, struct err_detail *d)
{
    char *data = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    int rc = read_bio("keyfile", path, &data, &len, &bio, d);
    if (rc < 0)
        return rc;
    char empty[1] = "";
    /* A passphrase callback that gives nothing: midge cannot prompt at start-up. */
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, empty);
    rc = 0;
    if (!key)
        rc = ssl_fail(
            d, "cannot read the private key (it must be an unencrypted PEM key) in keyfile", path);
    else if (X509_check_private_key(SSL_CTX_get0_certificate(ctx), key) != 1)
        rc = err_set(d, ERR_CONFIG, NULL, 0,
                     "keyfile %s does not match the certificate in certfile %s", path, certfile);
    else if (SSL_CTX_use_PrivateKey(ctx, key) != 1)
        rc = ssl_fail(d, "cannot use the private key in keyfile", path);
    EVP_PKEY_free(key);
    BIO_free(bio);
    OPENSSL_cleanse(data, len);
    free(data);
    ERR_clear_error();
    return rc;
}

/* cafile: trusted CA certificates for client certificates; their subjects are also
 * announced to clients as acceptable issuers. */
static int load_cafile(SSL_CTX *ctx, const char *path, struct err_detail *d)
{
    char *data = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    int rc = read_bio("cafile", path, &data, &len, &bio, d);
    if (rc < 0)
        return rc;
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
    X509 *ca = NULL;
    int n = 0;
    while ((ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        X509_STORE_add_cert(store, ca);
        X509_NAME *nm = X509_NAME_dup(X509_get_subject_name(ca));
        if (names && nm)
            sk_X509_NAME_push(names, nm);
        X509_free(ca);
        n++;
    }
    ERR_clear_error();
    if (n == 0) {
        rc = err_set(d, ERR_CONFIG, NULL, 0, "cafile %s holds no PEM certificate", path);
        sk_X509_NAME_pop_free(names, X509_NAME_free);
    } else if (names) {
        SSL_CTX_set_client_CA_list(ctx, names); /* takes ownership */
    }
    BIO_free(bio);
    free(data);
    return rc;
}

/* crlfile: every CRL in the file; client certificates are then checked against them. */
static int load_crl(SSL_CTX *ctx, const char *path, struct err_detail *d)
{
    char *data = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    int rc = read_bio("crlfile", path, &data, &len, &bio, d);
    if (rc < 0)
        return rc;
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    X509_CRL *crl = NULL;
    int n = 0;
    while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
        X509_STORE_add_crl(store, crl);
        X509_CRL_free(crl);
        n++;
    }
    ERR_clear_error();
    if (n == 0)
        rc = err_set(d, ERR_CONFIG, NULL, 0, "crlfile %s holds no PEM CRL", path);
    else
        X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    BIO_free(bio);
    free(data);
    return rc;
}

/* dhparamfile: fixed DH parameters instead of OpenSSL's automatic choice. */
static int load_dh(SSL_CTX *ctx, const char *path, struct err_detail *d)
{
    char *data = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    int rc = read_bio("dhparamfile", path, &data, &len, &bio, d);
    if (rc < 0)
        return rc;
    EVP_PKEY *dh = PEM_read_bio_Parameters(bio, NULL);
    if (!dh || SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
        EVP_PKEY_free(dh);
        rc = ssl_fail(d, "cannot use the DH parameters in dhparamfile", path);
    }
    BIO_free(bio);
    free(data);
    return rc;
}

/* Versions, ciphers, options and session resumption. */
static int set_protocol(SSL_CTX *ctx, const struct cfg_tls *t, struct err_detail *d)
{
    int min = t->tls_version == 13   ? TLS1_3_VERSION
              : t->tls_version == 11 ? TLS1_1_VERSION
                                     : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(ctx, min);
    /* Server cipher order; no renegotiation (a CPU-exhaustion vector), no compression. */
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_NO_COMPRESSION);
    /* Idle connections give their read/write record buffers back. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_cipher_list(ctx, t->ciphers ? t->ciphers : DEFAULT_CIPHERS) != 1)
        return ssl_fail(d, "invalid 'ciphers' list", t->ciphers);
    if (t->ciphers_tls13 && SSL_CTX_set_ciphersuites(ctx, t->ciphers_tls13) != 1)
        return ssl_fail(d, "invalid 'ciphers_tls1.3' list", t->ciphers_tls13);
    /* Resumption: a server-side session cache (TLS 1.2 ids) and tickets (TLS 1.2 and
     * 1.3). The id context binds resumed sessions to this broker's client checks. */
    static const unsigned char sid[] = "midge";
    SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_timeout(ctx, 7200);
    return 0;
}

/* Certificate, key, client verification and DH parameters of a certificate listener. */
static int set_certificates(SSL_CTX *ctx, const struct cfg_tls *t, struct err_detail *d)
{
    int rc = load_cert(ctx, t->certfile, d);
    if (rc == 0)
        rc = load_key(ctx, t->keyfile, t->certfile, d);
    if (rc == 0 && t->cafile)
        rc = load_cafile(ctx, t->cafile, d);
    if (rc == 0 && t->capath && SSL_CTX_load_verify_dir(ctx, t->capath) != 1)
        rc = ssl_fail(d, "cannot use capath", t->capath);
    if (rc == 0 && t->crlfile)
        rc = load_crl(ctx, t->crlfile, d);
    if (rc == 0 && t->dhparamfile)
        rc = load_dh(ctx, t->dhparamfile, d);
    else if (rc == 0)
        SSL_CTX_set_dh_auto(ctx, 1);
    if (rc < 0)
        return rc;
    if (t->cafile || t->capath) {
        int mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
        if (t->require_certificate)
            mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        SSL_CTX_set_verify(ctx, mode, NULL);
    }
    return 0;
}

int tls_openssl__ctx_build(struct tls_server *s, const struct cfg_listener *lc, SSL_CTX **out,
                           struct err_detail *d)
{
    const struct cfg_tls *t = &lc->tls;
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return ssl_fail(d, "cannot create a TLS context", NULL);
    int rc = set_protocol(ctx, t, d);
    if (rc == 0 && t->certfile)
        rc = set_certificates(ctx, t, d);
    if (rc == 0 && t->psk_hint)
        rc = tls_openssl__ctx_psk(s, ctx, t->psk_hint, d);
    if (rc < 0) {
        SSL_CTX_free(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}
