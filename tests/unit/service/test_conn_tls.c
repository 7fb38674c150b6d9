/* SPDX-License-Identifier: MIT */
/* TLS through the broker's connection layer on the fake platform (deterministic clock
 * and sockets): CONNECT and a large delivery over a TLS listener (also through a small
 * socket window), use_identity_as_username, a stalled handshake cut at 10 s while a plain
 * client keeps working, the per-listener limit on TLS failure log lines, and certificate
 * reload (a broken new certificate keeps the old one). */
#include "common/mem.h"
#include "tests/assert.h"
#include "tests/unit/service/broker_harness.h"
#include "tests/unit/service/tls_pki.h"

#include <openssl/err.h>

#include <stdio.h>
#include <string.h>

#define TLS_PORT 8883
#define TLS_LISTENER "listener 8883\ncertfile /c/server.crt\nkeyfile /c/server.key\n"

static struct harness H;

/* A TLS client on a fake connection to TLS_PORT. */
struct tlsc {
    struct fake_client *fc;
    struct client cl;
    struct buf plain; /* decrypted bytes from the broker, not yet consumed */
};

static void tlsc_open(struct tlsc *t, const struct ident *cert)
{
    t->fc = fake_connect(TLS_PORT);
    ASSERT_TRUE(t->fc != NULL);
    client_init(&t->cl, cert, 0);
    buf_init(&t->plain);
}

static void tlsc_close(struct tlsc *t)
{
    fake_client_free(t->fc);
    client_cleanup(&t->cl);
    buf_cleanup(&t->plain);
}

/* Move bytes until both sides are quiet; decrypted data collects in t->plain. */
static void tlsc_pump(struct tlsc *t)
{
    static uint8_t scratch[65536];
    for (int round = 0; round < 200; round++) {
        if (!SSL_is_init_finished(t->cl.ssl))
            SSL_do_handshake(t->cl.ssl);
        bool moved = false;
        char *p = NULL;
        long n = BIO_get_mem_data(t->cl.out, &p);
        if (n > 0) {
            fake_client_send(t->fc, p, (size_t)n);
            (void)BIO_reset(t->cl.out);
            moved = true;
        }
        h_settle(&H);
        size_t got;
        while ((got = fake_client_recv(t->fc, scratch, sizeof scratch)) > 0) {
            BIO_write(t->cl.in, scratch, (int)got);
            moved = true;
        }
        int r;
        while (SSL_is_init_finished(t->cl.ssl) &&
               (r = SSL_read(t->cl.ssl, scratch, (int)sizeof scratch)) > 0)
            buf_append(&t->plain, scratch, (size_t)r);
        if (!moved)
            break;
    }
    ERR_clear_error();
}

static void tlsc_send(struct tlsc *t, const void *bytes, size_t len)
{
    ASSERT_EQ_INT(SSL_write(t->cl.ssl, bytes, (int)len), (int)len);
    tlsc_pump(t);
}

/* CONNECT (3.1.1, clean, keepalive 60) with client id; returns the CONNACK code. */
static int tlsc_connect(struct tlsc *t, const char *id)
{
    uint8_t pkt[64];
    size_t n = strlen(id);
    uint8_t head[] = {0x10, (uint8_t)(12 + n), 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60,
                      0,    (uint8_t)n};
    memcpy(pkt, head, sizeof head);
    memcpy(pkt + sizeof head, id, n);
    tlsc_pump(t);
    ASSERT_TRUE(SSL_is_init_finished(t->cl.ssl));
    tlsc_send(t, pkt, sizeof head + n);
    ASSERT_TRUE(buf_size(&t->plain) >= 4);
    ASSERT_EQ_MEM(buf_head(&t->plain), 3, "\x20\x02\x00", 3);
    int rc = buf_head(&t->plain)[3];
    buf_consume(&t->plain, 4);
    return rc;
}

static void test_connect_and_big_delivery(void)
{
    pki_put_files();
    h_start(&H, TLS_LISTENER);
    struct tlsc t;
    tlsc_open(&t, NULL);
    ASSERT_EQ_INT(tlsc_connect(&t, "tls1"), 0);
    /* SUBSCRIBE big/# QoS 0, then PUBLISH 200 000 bytes to big/x: the broker's reply is
     * sealed into records and must arrive intact, also through a 1000-byte window. */
    static const uint8_t sub[] = {0x82, 10, 0, 1, 0, 5, 'b', 'i', 'g', '/', '#', 0};
    tlsc_send(&t, sub, sizeof sub);
    ASSERT_EQ_MEM(buf_head(&t.plain), 5, "\x90\x03\x00\x01\x00", 5);
    buf_consume(&t.plain, 5);
    size_t plen = 200000, tl = 5;
    struct buf pub;
    buf_init(&pub);
    size_t rem = 2 + tl + plen;
    uint8_t hdr[] = {0x30,
                     (uint8_t)(0x80 | (rem & 0x7f)),
                     (uint8_t)(0x80 | ((rem >> 7) & 0x7f)),
                     (uint8_t)(rem >> 14),
                     0,
                     (uint8_t)tl,
                     'b',
                     'i',
                     'g',
                     '/',
                     'x'};
    buf_append(&pub, hdr, sizeof hdr);
    uint8_t *w = buf_reserve(&pub, plen);
    for (size_t i = 0; i < plen; i++)
        w[i] = (uint8_t)(i % 251u);
    buf_commit(&pub, plen);
    fake_client_set_window(t.fc, 1000);
    ASSERT_EQ_INT(SSL_write(t.cl.ssl, buf_head(&pub), (int)buf_size(&pub)), (int)buf_size(&pub));
    tlsc_pump(&t);
    ASSERT_TRUE(buf_size(&t.plain) < plen); /* held back by the window */
    fake_client_set_window(t.fc, FAKE_WINDOW_UNLIMITED);
    h_settle(&H);
    tlsc_pump(&t);
    ASSERT_EQ_MEM(buf_head(&t.plain), buf_size(&t.plain), buf_head(&pub), buf_size(&pub));
    buf_cleanup(&pub);
    tlsc_close(&t);
    h_stop(&H);
}

static void test_identity_as_username(void)
{
    pki_put_files();
    h_start(&H, "allow_anonymous false\n" TLS_LISTENER
                "cafile /c/ca.crt\nuse_identity_as_username true\n");
    struct tlsc t;
    tlsc_open(&t, &ALICE);
    ASSERT_EQ_INT(tlsc_connect(&t, "a1"), 0);
    ASSERT_TRUE(fake_log_contains("username 'alice'"));
    tlsc_close(&t);
    tlsc_open(&t, NULL);
    ASSERT_EQ_INT(tlsc_connect(&t, "a2"), 4);
    tlsc_close(&t);
    h_stop(&H);
}

static void test_stall_and_log_limit(void)
{
    pki_put_files();
    h_start(&H, TLS_LISTENER);
    struct fake_client *stalled = fake_connect(TLS_PORT);
    /* 30 plain MQTT clients on the TLS port within one (fake) second: 20 log lines. */
    static const uint8_t plain[] = "\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00";
    struct fake_client *bad[30];
    for (size_t i = 0; i < 30; i++) {
        bad[i] = fake_connect(TLS_PORT);
        fake_client_send(bad[i], plain, 14);
    }
    h_settle(&H);
    for (size_t i = 0; i < 30; i++) {
        ASSERT_TRUE(fake_client_is_closed(bad[i]));
        fake_client_free(bad[i]);
    }
    ASSERT_EQ_INT((int)fake_log_count_matching("TLS handshake failed: SSL routines: wrong version"),
                  20);
    /* A plain client is served meanwhile, and the stall is cut at 10 s. */
    struct tclient *c = tc_connect(&H, "plain", true, false);
    h_run_for(&H, 9000);
    ASSERT_FALSE(fake_client_is_closed(stalled));
    h_run_for(&H, 1500);
    ASSERT_TRUE(fake_client_is_closed(stalled));
    ASSERT_TRUE(fake_log_contains("TLS handshake failed: not completed within 10 s"));
    ASSERT_TRUE(fake_log_contains("10 more TLS failures were not logged"));
    ASSERT_FALSE(tc_is_closed(c));
    fake_client_free(stalled);
    tc_free(c);
    h_stop(&H);
}

/* The serial of the certificate a new client is served. */
static long served_serial(void)
{
    struct tlsc t;
    tlsc_open(&t, NULL);
    tlsc_pump(&t);
    X509 *x = SSL_get0_peer_certificate(t.cl.ssl);
    ASSERT_TRUE(x != NULL);
    long s = ASN1_INTEGER_get(X509_get0_serialNumber(x));
    tlsc_close(&t);
    return s;
}

static void test_certificate_reload(void)
{
    pki_put_files();
    h_start(&H, TLS_LISTENER);
    ASSERT_EQ_INT((int)served_serial(), 2);
    struct tlsc old;
    tlsc_open(&old, NULL);
    ASSERT_EQ_INT(tlsc_connect(&old, "old"), 0);
    struct ident renewed = pki_ident("localhost", &CA, 77);
    pki_put_pem("/c/server.crt", renewed.cert, NULL);
    pki_put_pem("/c/server.key", NULL, renewed.key);
    listener_reload_tls(&H.b);
    ASSERT_TRUE(fake_log_contains("reread its TLS certificate and key"));
    ASSERT_EQ_INT((int)served_serial(), 77);
    /* A certificate whose key was not renewed with it keeps the running one. */
    pki_put_pem("/c/server.crt", SERVER.cert, NULL);
    listener_reload_tls(&H.b);
    ASSERT_TRUE(fake_log_contains("keeps its running certificate"));
    ASSERT_TRUE(fake_log_contains("does not match the certificate in certfile /c/server.crt"));
    ASSERT_EQ_INT((int)served_serial(), 77);
    /* The connection made before the renewal still works (PINGREQ, PINGRESP). */
    tlsc_send(&old, "\xc0\x00", 2);
    ASSERT_EQ_MEM(buf_head(&old.plain), buf_size(&old.plain), "\xd0\x00", 2);
    tlsc_close(&old);
    pki_ident_free(&renewed);
    h_stop(&H);
}

int main(void)
{
    fake_reset();
    pki_make();
    RUN_TEST(test_connect_and_big_delivery);
    RUN_TEST(test_identity_as_username);
    RUN_TEST(test_stall_and_log_limit);
    RUN_TEST(test_certificate_reload);
    struct ident *all[] = {&CA, &SERVER, &ALICE, &OTHER_CA, &STRANGER};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        pki_ident_free(all[i]);
    return 0;
}
