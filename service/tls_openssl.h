/* SPDX-License-Identifier: MIT */
/* Internals shared by the OpenSSL implementation files of service/tls.h
 * (tls_openssl.c, tls_openssl_ctx.c); not part of any public contract. */
#ifndef MIDGE_SERVICE_TLS_OPENSSL_H
#define MIDGE_SERVICE_TLS_OPENSSL_H

#include "service/tls.h"

#include <openssl/ssl.h>

/* Write "library: reason" of the oldest queued OpenSSL error into out (or "unknown TLS
 * error") and clear the queue. */
void tls_openssl__last_error(char *out, size_t outlen);

/* Build an SSL_CTX for listener lc (versions, ciphers, resumption, certificates or
 * PSK). Returns 0 with the caller-owned context in *out, or an error with *d filled. */
int tls_openssl__ctx_build(struct tls_server *s, const struct cfg_listener *lc, SSL_CTX **out,
                           struct err_detail *d);

/* Wrap ctx (consumed) as a struct tls_ctx; and the SSL object of a connection. */
struct tls_ctx *tls_openssl__ctx_wrap(SSL_CTX *ctx);
SSL *tls_openssl__conn_ssl(struct tls_conn *t);

/* Turn on TLS-PSK with hint for ctx, looking identities up in s's keys. */
int tls_openssl__ctx_psk(struct tls_server *s, SSL_CTX *ctx, const char *hint,
                         struct err_detail *d);

#endif
