/* SPDX-License-Identifier: MIT */
/* The client side of service/tls.h with OpenSSL 3, for bridges: a context from a
 * bridge's CA, client certificate or PSK, and connections that check the remote's
 * certificate and host name. */
#include "service/tls_openssl.h"

#include "common/mem.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same strong TLS 1.2 ciphers as the listeners (tls_openssl_ctx.c). */
#define CLIENT_CIPHERS "HIGH:!aNULL:!eNULL:!kRSA:!MD5:!RC4:!3DES"

/* PSK identity and key of the bridge, kept with its SSL_CTX (ex_data slot 0). */
struct client_psk {
    char *identity;
    unsigned char key[256];
    unsigned key_len;
};

/* The ex_data slot of struct client_psk; its free callback runs when the SSL_CTX goes. */
static int psk_index = -1;

static int ctx_fail(const struct cfg_bridge *br, struct err_detail *d, const char *what,
                    const char *path)
{
    char reason[256];
    tls_openssl__last_error(reason, sizeof reason);
    return err_set(d, ERR_CONFIG, br->src_file, br->src_line, "bridge '%.100s': %s%s%.300s: %s",
                   br->name, what, path ? " " : "", path ? path : "", reason);
}

static unsigned int psk_client_cb(SSL *ssl, const char *hint, char *identity,
                                  unsigned int max_identity_len, unsigned char *psk,
                                  unsigned int max_psk_len)
{
    (void)hint;
    const struct client_psk *p = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), psk_index);
    if (!p || strlen(p->identity) + 1 > max_identity_len || p->key_len > max_psk_len)
        return 0;
    memcpy(identity, p->identity, strlen(p->identity) + 1);
    memcpy(psk, p->key, p->key_len);
    return p->key_len;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
}

static void psk_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    struct client_psk *p = ptr;
    if (!p)
        return;
    OPENSSL_cleanse(p->key, sizeof p->key);
    free(p->identity);
    free(p);
}

static int set_psk(SSL_CTX *ctx, const struct cfg_bridge *br, struct err_detail *d)
{
    size_t n = strlen(br->psk) / 2;
    if (n > sizeof((struct client_psk *)0)->key)
        return err_set(d, ERR_CONFIG, br->src_file, br->src_line,
                       "bridge '%.100s': 'bridge_psk' is longer than 256 bytes", br->name);
    if (psk_index < 0)
        psk_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, psk_free);
    struct client_psk *p = xcalloc(1, sizeof *p);
    p->identity = xstrdup(br->identity);
    for (size_t i = 0; i < n; i++)
        p->key[i] = (unsigned char)(hexval(br->psk[2 * i]) << 4 | hexval(br->psk[2 * i + 1]));
    p->key_len = (unsigned)n;
    SSL_CTX_set_ex_data(ctx, psk_index, p);
    SSL_CTX_set_psk_client_callback(ctx, psk_client_cb);
    return 0;
}

static int set_trust(SSL_CTX *ctx, const struct cfg_bridge *br, struct err_detail *d)
{
    if (br->cafile && SSL_CTX_load_verify_file(ctx, br->cafile) != 1)
        return ctx_fail(br, d, "cannot load bridge_cafile", br->cafile);
    if (br->capath && SSL_CTX_load_verify_dir(ctx, br->capath) != 1)
        return ctx_fail(br, d, "cannot use bridge_capath", br->capath);
    if (br->certfile && SSL_CTX_use_certificate_chain_file(ctx, br->certfile) != 1)
        return ctx_fail(br, d, "cannot load bridge_certfile", br->certfile);
    if (br->keyfile && SSL_CTX_use_PrivateKey_file(ctx, br->keyfile, SSL_FILETYPE_PEM) != 1)
        return ctx_fail(br, d, "cannot load bridge_keyfile", br->keyfile);
    if (br->keyfile && SSL_CTX_check_private_key(ctx) != 1)
        return ctx_fail(br, d, "bridge_keyfile does not match bridge_certfile", br->keyfile);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return 0;
}

int tls_client_ctx_new(const struct cfg_bridge *br, struct tls_ctx **out, struct err_detail *d)
{
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return ctx_fail(br, d, "cannot create a TLS context", NULL);
    int min = br->tls_version == 13   ? TLS1_3_VERSION
              : br->tls_version == 11 ? TLS1_1_VERSION
                                      : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(ctx, min);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    int rc = SSL_CTX_set_cipher_list(ctx, CLIENT_CIPHERS) == 1
                 ? 0
                 : ctx_fail(br, d, "cannot set the cipher list", NULL);
    if (rc == 0)
        rc = br->psk ? set_psk(ctx, br, d) : set_trust(ctx, br, d);
    if (rc < 0) {
        SSL_CTX_free(ctx);
        return rc;
    }
    *out = tls_openssl__ctx_wrap(ctx);
    return 0;
}

int tls_client_conn_new(struct tls_ctx *ctx, const char *host, bool check_host,
                        struct tls_conn **out)
{
    struct tls_conn *t = NULL;
    int rc = tls_conn_new(ctx, &t);
    if (rc < 0)
        return rc;
    SSL *ssl = tls_openssl__conn_ssl(t);
    SSL_set_connect_state(ssl);
    /* SNI only for names; a numeric address is not a valid server name. */
    if (!strchr(host, ':') && strspn(host, "0123456789.") != strlen(host))
        SSL_set_tlsext_host_name(ssl, host);
    if (check_host) {
        /* Names and IP addresses both work: OpenSSL checks DNS or IP subject alt names. */
        X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
        if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1)
            SSL_set1_host(ssl, host);
        ERR_clear_error();
    }
    *out = t;
    return 0;
}
