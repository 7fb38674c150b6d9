/* SPDX-License-Identifier: MIT */
/* The test PKI of the TLS unit tests (see tls_pki.h). */
#include "tests/unit/service/tls_pki.h"

#include "tests/assert.h"
#include "tests/fakes/fake_plat.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <string.h>

/* A P-256 key and a certificate for subject cn (plus O=Example) signed by issuer, or
 * self-signed CA when issuer is NULL. */
struct ident pki_ident(const char *cn, const struct ident *issuer, long serial)
{
    struct ident id = {EVP_EC_gen("P-256"), X509_new()};
    ASSERT_TRUE(id.key && id.cert);
    X509_set_version(id.cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(id.cert), serial);
    X509_gmtime_adj(X509_getm_notBefore(id.cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(id.cert), 3600);
    X509_set_pubkey(id.cert, id.key);
    X509_NAME *n = X509_get_subject_name(id.cert);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Example", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(id.cert, issuer ? X509_get_subject_name(issuer->cert) : n);
    if (!issuer) {
        X509_EXTENSION *e =
            X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
        X509_add_ext(id.cert, e, -1);
        X509_EXTENSION_free(e);
    }
    ASSERT_TRUE(X509_sign(id.cert, issuer ? issuer->key : id.key, EVP_sha256()) > 0);
    return id;
}

void pki_ident_free(struct ident *id)
{
    EVP_PKEY_free(id->key);
    X509_free(id->cert);
}

/* Store the PEM of cert and/or key in the fake file system at path. */
void pki_put_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (cert)
        PEM_write_bio_X509(b, cert);
    if (key)
        PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    fake_fs_put_bytes(path, p, (size_t)n);
    BIO_free(b);
}

struct ident CA, SERVER, ALICE, OTHER_CA, STRANGER;
const char *client_psk_identity;

void pki_make(void)
{
    CA = pki_ident("test CA", NULL, 1);
    SERVER = pki_ident("localhost", &CA, 2);
    ALICE = pki_ident("alice", &CA, 3);
    OTHER_CA = pki_ident("other CA", NULL, 4);
    STRANGER = pki_ident("alice", &OTHER_CA, 5);
    pki_put_files();
}

void pki_put_files(void)
{
    pki_put_pem("/c/ca.crt", CA.cert, NULL);
    pki_put_pem("/c/server.crt", SERVER.cert, NULL);
    pki_put_pem("/c/server.key", NULL, SERVER.key);
    pki_put_pem("/c/alice.key", NULL, ALICE.key);
    fake_fs_put("/c/garbage.pem", "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n");
    fake_fs_put("/c/psk", "sensor1:00112233445566778899aabbccddeeff\n");
}

static unsigned int client_psk_cb(SSL *ssl, const char *hint, char *identity,
                                  unsigned int max_identity, unsigned char *psk,
                                  unsigned int max_psk)
{
    (void)ssl;
    (void)hint;
    ASSERT_TRUE(max_psk >= 16 && max_identity > strlen(client_psk_identity));
    snprintf(identity, max_identity, "%s", client_psk_identity);
    memcpy(psk, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
    return 16;
}

void client_init(struct client *c, const struct ident *cert, int max_version)
{
    c->ctx = SSL_CTX_new(TLS_client_method());
    X509_STORE_add_cert(SSL_CTX_get_cert_store(c->ctx), CA.cert);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    if (max_version)
        SSL_CTX_set_max_proto_version(c->ctx, max_version);
    if (cert) {
        SSL_CTX_use_certificate(c->ctx, cert->cert);
        SSL_CTX_use_PrivateKey(c->ctx, cert->key);
    }
    if (client_psk_identity)
        SSL_CTX_set_psk_client_callback(c->ctx, client_psk_cb);
    c->ssl = SSL_new(c->ctx);
    c->in = BIO_new(BIO_s_mem());
    c->out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(c->in, -1);
    SSL_set_bio(c->ssl, c->in, c->out);
    SSL_set_connect_state(c->ssl);
}

void client_cleanup(struct client *c)
{
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    ERR_clear_error();
}
