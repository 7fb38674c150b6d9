/* SPDX-License-Identifier: MIT */
/* Test PKI for the TLS unit tests: keys and certificates made in memory with OpenSSL,
 * their PEM files in the fake file system, and an OpenSSL client on memory BIOs. */
#ifndef MIDGE_TESTS_UNIT_SERVICE_TLS_PKI_H
#define MIDGE_TESTS_UNIT_SERVICE_TLS_PKI_H

#include <openssl/ssl.h>

/* A key and its certificate (owned). */
struct ident {
    EVP_PKEY *key;
    X509 *cert;
};

/* A client: SSL over memory BIOs, trusting CA, optionally with a certificate. */
struct client {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *in, *out; /* in: bytes from the server; out: bytes to the server */
};

/* The test CA, the server (CN localhost), alice (CN alice, O Example) signed by CA, and
 * an unrelated CA with a client "alice" of its own. Made by pki_make. */
extern struct ident CA, SERVER, ALICE, OTHER_CA, STRANGER;
/* The identity the client's PSK callback offers (NULL: no PSK). */
extern const char *client_psk_identity;

/* A P-256 key and a certificate for cn (O=Example) signed by issuer, or a self-signed CA
 * when issuer is NULL. */
struct ident pki_ident(const char *cn, const struct ident *issuer, long serial);
void pki_ident_free(struct ident *id);
/* Store the PEM of cert and/or key at path in the fake file system. */
void pki_put_pem(const char *path, X509 *cert, EVP_PKEY *key);
/* Make the identities above and put their files (pki_put_files). */
void pki_make(void);
/* /c/ca.crt, /c/server.crt, /c/server.key, /c/alice.key, /c/garbage.pem and the PSK file
 * /c/psk (sensor1 with key 00112233..eeff) in the fake file system. */
void pki_put_files(void);
/* A client trusting CA, with cert (may be NULL) and a highest version (0 = any). */
void client_init(struct client *c, const struct ident *cert, int max_version);
void client_cleanup(struct client *c);

#endif
