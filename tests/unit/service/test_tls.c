/* SPDX-License-Identifier: MIT */
/* Unit tests of the TLS transport layer (service/tls.h, OpenSSL build) on the fake
 * platform: certificates are made in memory, files live in the fake file system, and an
 * OpenSSL client on memory BIOs talks to a tls_conn. Covers the handshake, data both
 * ways (also far above one record), identities (CN, subject, PSK), client certificate
 * checks, refused versions, garbage and plain MQTT, sealing before the handshake, and
 * the file errors of tls_ctx_new. */
#include "common/mem.h"
#include "service/tls.h"
#include "tests/assert.h"
#include "tests/fakes/fake_plat.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/service/tls_pki.h"

/* Move bytes both ways until neither side has anything to say. Server plaintext is
 * appended to *plain; returns the last tls_conn_read result that was not data. */
static long pump(struct client *c, struct tls_conn *t, struct buf *plain)
{
    static uint8_t scratch[65536];
    long last = ERR_AGAIN;
    for (int round = 0; round < 64; round++) {
        if (!SSL_is_init_finished(c->ssl))
            SSL_do_handshake(c->ssl);
        bool moved = false;
        char *p = NULL;
        long n = BIO_get_mem_data(c->out, &p);
        if (n > 0) {
            ASSERT_EQ_INT(tls_conn_put(t, (const uint8_t *)p, (size_t)n), 0);
            BIO_reset(c->out);
            moved = true;
        }
        long r;
        while ((r = tls_conn_read(t, scratch, sizeof scratch)) > 0)
            buf_append(plain, scratch, (size_t)r);
        last = r;
        struct buf none;
        buf_init(&none);
        tls_conn_seal(t, &none);
        buf_cleanup(&none);
        struct buf *w = tls_conn_wire(t);
        if (buf_size(w) > 0) {
            BIO_write(c->in, buf_head(w), (int)buf_size(w));
            buf_consume(w, buf_size(w));
            moved = true;
        }
        if (!moved)
            break;
    }
    return last;
}

static struct cfg_listener listener_cfg(void)
{
    struct cfg_listener lc = {.port = 8883, .src_file = "t.conf", .src_line = 7};
    lc.tls.certfile = "/c/server.crt";
    lc.tls.keyfile = "/c/server.key";
    lc.tls.tls_version = 12;
    return lc;
}

static struct tls_server *SRV;

static struct tls_ctx *ctx_ok(const struct cfg_listener *lc)
{
    struct tls_ctx *ctx = NULL;
    struct err_detail d = {{0}, {0}, 0};
    int rc = tls_ctx_new(SRV, lc, &ctx, &d);
    if (rc != 0)
        ASSERT_EQ_STR(d.msg, "");
    return ctx;
}

/* Handshake, then a CONNECT-sized message up and 1 MiB down in one seal. */
static void test_handshake_and_data(void)
{
    struct cfg_listener lc = listener_cfg();
    struct tls_ctx *ctx = ctx_ok(&lc);
    for (int v = 0; v < 2; v++) {
        struct tls_conn *t = NULL;
        ASSERT_EQ_INT(tls_conn_new(ctx, &t), 0);
        struct client c;
        client_init(&c, NULL, v ? TLS1_2_VERSION : 0);
        struct buf plain;
        buf_init(&plain);
        ASSERT_EQ_INT((int)pump(&c, t, &plain), ERR_AGAIN);
        ASSERT_TRUE(SSL_is_init_finished(c.ssl) && tls_conn_is_established(t));
        ASSERT_EQ_INT(SSL_version(c.ssl), v ? TLS1_2_VERSION : TLS1_3_VERSION);
        ASSERT_EQ_INT(SSL_write(c.ssl, "\x10\x0c\x00\x04MQTT", 8), 8);
        pump(&c, t, &plain);
        ASSERT_EQ_MEM(buf_head(&plain), buf_size(&plain), "\x10\x0c\x00\x04MQTT", 8);
        /* Down: everything sealed at once arrives intact. */
        struct buf out;
        buf_init(&out);
        uint8_t *big = buf_reserve(&out, 1u << 20);
        for (size_t i = 0; i < (1u << 20); i++)
            big[i] = (uint8_t)(i * 7u);
        buf_commit(&out, 1u << 20);
        ASSERT_EQ_INT(tls_conn_seal(t, &out), 0);
        ASSERT_EQ_INT((int)buf_size(&out), 0);
        struct buf *w = tls_conn_wire(t);
        ASSERT_TRUE(buf_size(w) > (1u << 20)); /* records add their overhead */
        BIO_write(c.in, buf_head(w), (int)buf_size(w));
        buf_consume(w, buf_size(w));
        static uint8_t got[1u << 20];
        size_t have = 0;
        int n;
        while (have < sizeof got && (n = SSL_read(c.ssl, got + have, (int)(sizeof got - have))) > 0)
            have += (size_t)n;
        ASSERT_EQ_INT((int)have, 1 << 20);
        for (size_t i = 0; i < sizeof got; i += 4099)
            ASSERT_EQ_INT(got[i], (uint8_t)(i * 7u));
        /* A close_notify from the client ends the session cleanly. */
        SSL_shutdown(c.ssl);
        ASSERT_EQ_INT((int)pump(&c, t, &plain), ERR_CLOSED);
        char *name = NULL;
        ASSERT_EQ_INT(tls_conn_peer_name(t, false, &name), ERR_NOTFOUND); /* no cert sent */
        buf_cleanup(&out);
        buf_cleanup(&plain);
        client_cleanup(&c);
        tls_conn_free(t);
    }
    tls_ctx_free(ctx);
}

/* Run one handshake of a client (cert may be NULL) against lc; returns the final
 * tls_conn_read result and the peer names (caller frees) when it succeeded. */
static long handshake(const struct cfg_listener *lc, const struct ident *cert, int max_version,
                      char **cn, char **subject, char *why, size_t whylen)
{
    struct tls_ctx *ctx = ctx_ok(lc);
    struct tls_conn *t = NULL;
    ASSERT_EQ_INT(tls_conn_new(ctx, &t), 0);
    tls_ctx_free(ctx); /* the connection keeps its own reference */
    struct client c;
    client_init(&c, cert, max_version);
    struct buf plain;
    buf_init(&plain);
    long rc = pump(&c, t, &plain);
    if (rc == ERR_AGAIN && SSL_is_init_finished(c.ssl)) {
        /* TLS 1.3 checks the client certificate after the client thinks it is done. */
        SSL_write(c.ssl, "x", 1);
        rc = pump(&c, t, &plain);
    }
    snprintf(why, whylen, "%s", tls_conn_error(t));
    *cn = *subject = NULL;
    if (rc == ERR_AGAIN) {
        tls_conn_peer_name(t, false, cn);
        tls_conn_peer_name(t, true, subject);
    }
    buf_cleanup(&plain);
    client_cleanup(&c);
    tls_conn_free(t);
    return rc;
}

static void test_client_certificates(void)
{
    struct cfg_listener lc = listener_cfg();
    lc.tls.cafile = "/c/ca.crt";
    char *cn, *subject, why[200];
    ASSERT_EQ_INT((int)handshake(&lc, &ALICE, 0, &cn, &subject, why, sizeof why), ERR_AGAIN);
    ASSERT_EQ_STR(cn, "alice");
    ASSERT_EQ_STR(subject, "CN=alice,O=Example");
    free(cn);
    free(subject);
    /* Optional certificate: none is fine, a wrong one is not. */
    ASSERT_EQ_INT((int)handshake(&lc, NULL, 0, &cn, &subject, why, sizeof why), ERR_AGAIN);
    ASSERT_TRUE(cn == NULL && subject == NULL);
    ASSERT_EQ_INT((int)handshake(&lc, &STRANGER, 0, &cn, &subject, why, sizeof why), ERR_PROTOCOL);
    ASSERT_TRUE(strstr(why, "certificate") != NULL);
    lc.tls.require_certificate = true;
    for (int v = 0; v < 2; v++) {
        int max = v ? TLS1_2_VERSION : 0;
        ASSERT_EQ_INT((int)handshake(&lc, NULL, max, &cn, &subject, why, sizeof why), ERR_PROTOCOL);
        ASSERT_TRUE(strstr(why, "certificate") != NULL);
        ASSERT_EQ_INT((int)handshake(&lc, &ALICE, max, &cn, &subject, why, sizeof why), ERR_AGAIN);
        free(cn);
        free(subject);
    }
}

static void test_versions_and_bad_input(void)
{
    struct cfg_listener lc = listener_cfg();
    lc.tls.tls_version = 13;
    char *cn, *subject, why[200];
    ASSERT_EQ_INT((int)handshake(&lc, NULL, TLS1_2_VERSION, &cn, &subject, why, sizeof why),
                  ERR_PROTOCOL);
    ASSERT_TRUE(strstr(why, "unsupported protocol") != NULL);
    ASSERT_EQ_INT((int)handshake(&lc, NULL, 0, &cn, &subject, why, sizeof why), ERR_AGAIN);
    /* Plain MQTT and garbage fail at once, and stay failed. */
    lc.tls.tls_version = 12;
    struct tls_ctx *ctx = ctx_ok(&lc);
    static const uint8_t mqtt[] = "\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00";
    uint8_t out[256];
    for (int i = 0; i < 2; i++) {
        struct tls_conn *t = NULL;
        ASSERT_EQ_INT(tls_conn_new(ctx, &t), 0);
        uint8_t junk[300];
        for (size_t k = 0; k < sizeof junk; k++)
            junk[k] = (uint8_t)(k * 37u + 11u);
        ASSERT_EQ_INT(i ? tls_conn_put(t, junk, sizeof junk) : tls_conn_put(t, mqtt, 14), 0);
        ASSERT_EQ_INT((int)tls_conn_read(t, out, sizeof out), ERR_PROTOCOL);
        ASSERT_TRUE(tls_conn_error(t)[0] != '\0');
        if (i == 0)
            ASSERT_TRUE(strstr(tls_conn_error(t), "wrong version number") != NULL);
        ASSERT_EQ_INT((int)tls_conn_read(t, out, sizeof out), ERR_PROTOCOL);
        tls_conn_free(t);
    }
    /* Nothing is sealed in clear text before the handshake. */
    struct tls_conn *t = NULL;
    ASSERT_EQ_INT(tls_conn_new(ctx, &t), 0);
    struct buf early;
    buf_init(&early);
    buf_append(&early, "\x20\x02\x00\x00", 4);
    ASSERT_EQ_INT(tls_conn_seal(t, &early), ERR_PROTOCOL);
    ASSERT_EQ_INT((int)buf_size(&early), 0);
    ASSERT_EQ_INT((int)buf_size(tls_conn_wire(t)), 0);
    buf_cleanup(&early);
    tls_conn_free(t);
    tls_ctx_free(ctx);
}

static void test_psk(void)
{
    struct err_detail d = {{0}, {0}, 0};
    ASSERT_EQ_INT(tls_server_load_psk(SRV, "/c/psk", &d), 0);
    struct cfg_listener lc = {.port = 8884, .src_file = "t.conf", .src_line = 9};
    lc.tls.psk_hint = "hint";
    lc.tls.tls_version = 12;
    char *cn, *subject, why[200];
    for (int v = 0; v < 2; v++) {
        client_psk_identity = "sensor1";
        ASSERT_EQ_INT(
            (int)handshake(&lc, NULL, v ? TLS1_2_VERSION : 0, &cn, &subject, why, sizeof why),
            ERR_AGAIN);
        ASSERT_EQ_STR(cn, "sensor1");
        free(cn);
        free(subject);
        client_psk_identity = "nobody";
        ASSERT_EQ_INT(
            (int)handshake(&lc, NULL, v ? TLS1_2_VERSION : 0, &cn, &subject, why, sizeof why),
            ERR_PROTOCOL);
    }
    client_psk_identity = NULL;
    /* An unreadable file keeps the keys. */
    ASSERT_EQ_INT(tls_server_load_psk(SRV, "/c/missing", &d), ERR_NOTFOUND);
    ASSERT_TRUE(strstr(d.msg, "cannot read psk_file /c/missing") != NULL);
    client_psk_identity = "sensor1";
    ASSERT_EQ_INT((int)handshake(&lc, NULL, 0, &cn, &subject, why, sizeof why), ERR_AGAIN);
    free(cn);
    free(subject);
    client_psk_identity = NULL;
}

static void expect_ctx_error(const struct cfg_listener *lc, const char *want)
{
    struct tls_ctx *ctx = NULL;
    struct err_detail d = {{0}, {0}, 0};
    ASSERT_TRUE(tls_ctx_new(SRV, lc, &ctx, &d) < 0);
    ASSERT_TRUE(ctx == NULL);
    char msg[1200];
    err_detail_format(&d, msg, sizeof msg);
    if (!strstr(msg, want))
        ASSERT_EQ_STR(msg, want);
}

static void test_ctx_errors(void)
{
    struct cfg_listener lc = listener_cfg();
    lc.tls.keyfile = "/c/alice.key";
    expect_ctx_error(&lc, "t.conf:7: listener on port 8883: keyfile /c/alice.key does not match "
                          "the certificate in certfile /c/server.crt");
    lc = listener_cfg();
    lc.tls.keyfile = "/c/none.key";
    expect_ctx_error(&lc, "t.conf:7: listener on port 8883: cannot read keyfile /c/none.key");
    lc = listener_cfg();
    lc.tls.certfile = "/c/garbage.pem";
    expect_ctx_error(&lc, "cannot use the certificate in certfile /c/garbage.pem");
    lc = listener_cfg();
    lc.tls.cafile = "/c/server.key";
    expect_ctx_error(&lc, "cafile /c/server.key holds no PEM certificate");
    lc = listener_cfg();
    lc.tls.cafile = "/c/ca.crt";
    lc.tls.crlfile = "/c/ca.crt";
    expect_ctx_error(&lc, "crlfile /c/ca.crt holds no PEM CRL");
    lc = listener_cfg();
    lc.tls.ciphers = "NOT-A-CIPHER";
    expect_ctx_error(&lc, "invalid 'ciphers' list NOT-A-CIPHER");
    lc = listener_cfg();
    lc.tls.ciphers_tls13 = "TLS_NOPE";
    expect_ctx_error(&lc, "invalid 'ciphers_tls1.3' list TLS_NOPE");
    lc = listener_cfg();
    lc.tls.dhparamfile = "/c/ca.crt";
    expect_ctx_error(&lc, "cannot use the DH parameters in dhparamfile /c/ca.crt");
}

int main(void)
{
    fake_reset();
    ASSERT_EQ_INT(tls_library_init(), 0);
    ASSERT_EQ_INT(tls_server_new(&SRV), 0);
    pki_make();
    RUN_TEST(test_handshake_and_data);
    RUN_TEST(test_client_certificates);
    RUN_TEST(test_versions_and_bad_input);
    RUN_TEST(test_psk);
    RUN_TEST(test_ctx_errors);
    tls_server_free(SRV);
    struct ident *all[] = {&CA, &SERVER, &ALICE, &OTHER_CA, &STRANGER};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        pki_ident_free(all[i]);
    return 0;
}
