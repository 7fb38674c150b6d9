/* SPDX-License-Identifier: MIT */
/* Unit tests for the TLS listener options: parsing into struct cfg_tls, defaults, and the
 * load-time consistency checks of common/cfg_tls (each refused combination with its
 * file:line message). */
#include "common/cfg.h"
#include "common/cfg_parse.h"
#include "common/cfg_tls.h"

#include "tests/assert.h"

#include <stdio.h>
#include <string.h>

static int parse(const char *text, struct cfg *c, char *msg, size_t msglen)
{
    struct err_detail d = {{0}, {0}, 0};
    cfg_init(c);
    int rc = cfg_parse_text("t.conf", text, strlen(text), NULL, c, &d);
    err_detail_format(&d, msg, msglen);
    return rc;
}

static void test_options_parsed(void)
{
    static const char text[] = "psk_file /p\n"
                               "listener 8883\ncertfile /c.pem\nkeyfile /k.pem\ncafile /ca.pem\n"
                               "capath /cadir\ncrlfile /crl.pem\ndhparamfile /dh.pem\n"
                               "ciphers HIGH\nciphers_tls1.3 TLS_AES_256_GCM_SHA384\n"
                               "require_certificate true\nuse_subject_as_username true\n"
                               "tls_version tlsv1.3\n"
                               "listener 8884\npsk_hint hint\nuse_identity_as_username 1\n"
                               "listener 1883\n";
    struct cfg c;
    char msg[1200];
    ASSERT_EQ_INT(parse(text, &c, msg, sizeof msg), 0);
    ASSERT_EQ_INT((int)c.n_listeners, 3);
    const struct cfg_tls *t = &c.listeners[0].tls;
    ASSERT_EQ_STR(c.psk_file, "/p");
    ASSERT_EQ_STR(t->certfile, "/c.pem");
    ASSERT_EQ_STR(t->keyfile, "/k.pem");
    ASSERT_EQ_STR(t->cafile, "/ca.pem");
    ASSERT_EQ_STR(t->capath, "/cadir");
    ASSERT_EQ_STR(t->crlfile, "/crl.pem");
    ASSERT_EQ_STR(t->dhparamfile, "/dh.pem");
    ASSERT_EQ_STR(t->ciphers, "HIGH");
    ASSERT_EQ_STR(t->ciphers_tls13, "TLS_AES_256_GCM_SHA384");
    ASSERT_TRUE(t->require_certificate && t->use_subject_as_username);
    ASSERT_FALSE(t->use_identity_as_username);
    ASSERT_EQ_INT(t->tls_version, 13);
    ASSERT_TRUE(cfg_tls_is_enabled(t));
    t = &c.listeners[1].tls;
    ASSERT_EQ_STR(t->psk_hint, "hint");
    ASSERT_TRUE(t->use_identity_as_username);
    ASSERT_EQ_INT(t->tls_version, 12); /* the default minimum */
    ASSERT_TRUE(cfg_tls_is_enabled(t));
    ASSERT_FALSE(cfg_tls_is_enabled(&c.listeners[2].tls));
    /* A deep copy owns its strings. */
    struct cfg_tls copy;
    cfg_tls_copy(&copy, &c.listeners[0].tls);
    ASSERT_TRUE(copy.certfile != c.listeners[0].tls.certfile);
    ASSERT_EQ_STR(copy.certfile, "/c.pem");
    cfg_tls_cleanup(&copy);
    ASSERT_TRUE(copy.certfile == NULL);
    cfg_tls_cleanup(&copy);
    cfg_cleanup(&c);
}

static const struct {
    const char *text;
    const char *error;
} bad[] = {
    {"listener 1\nlistener 8883\ncertfile /c", "t.conf:2: listener on port 8883: 'certfile' "
                                               "is given without 'keyfile'"},
    {"listener 8883\nkeyfile /k", "t.conf:1: listener on port 8883: 'keyfile' is given "
                                  "without 'certfile'"},
    {"psk_file /p\nlistener 8883\ncertfile /c\nkeyfile /k\npsk_hint h",
     "t.conf:2: listener on port 8883: 'psk_hint' (TLS-PSK) and 'certfile' cannot be "
     "combined on one listener"},
    {"listener 8883\npsk_hint h",
     "t.conf:1: listener on port 8883: 'psk_hint' needs a 'psk_file' with the PSK "
     "identities and keys"},
    {"listener 8883\ncafile /ca", "t.conf:1: listener on port 8883: 'cafile' has no effect "
                                  "without 'certfile' and 'keyfile' (or 'psk_hint'); the "
                                  "listener would accept plain connections"},
    {"listener 8883\nrequire_certificate true", "'require_certificate' has no effect"},
    {"listener 8883\nciphers_tls1.3 x", "'ciphers_tls1.3' has no effect"},
    {"listener 8883\nuse_identity_as_username true", "'use_identity_as_username' has no"},
    {"psk_file /p\nlistener 8883\npsk_hint h\ncafile /ca",
     "t.conf:2: listener on port 8883: 'cafile' needs a certificate listener; TLS-PSK "
     "listeners use no certificates"},
    {"psk_file /p\nlistener 8883\npsk_hint h\nuse_subject_as_username true",
     "'use_subject_as_username' needs a certificate listener"},
    {"listener 8883\ncertfile /c\nkeyfile /k\nrequire_certificate true",
     "'require_certificate' and 'crlfile' need 'cafile' or 'capath'"},
    {"listener 8883\ncertfile /c\nkeyfile /k\ncrlfile /crl", "need 'cafile' or 'capath'"},
    {"listener 8883\ncertfile /c\nkeyfile /k\nuse_subject_as_username true",
     "'use_identity_as_username' and 'use_subject_as_username' need 'cafile' or 'capath'"},
    {"listener 8883\ncertfile /c\nkeyfile /k\ncafile /ca\nuse_identity_as_username true\n"
     "use_subject_as_username true",
     "'use_identity_as_username' and 'use_subject_as_username' exclude each other"},
    {"port 1883\ncertfile /c", "t.conf:1: listener on port 1883: 'certfile' is given without"},
    {"listener 8883\ntls_version tlsv1.0", "t.conf:2: 'tls_version' must be one of tlsv1.3, "
                                           "tlsv1.2, tlsv1.1, not 'tlsv1.0'"},
    {"listener 8883\ncertfile /a\ncertfile /b", "t.conf:3: duplicate 'certfile' value"},
};

static void test_bad_combinations(void)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cfg c;
        char msg[1200];
        ASSERT_EQ_INT(parse(bad[i].text, &c, msg, sizeof msg), ERR_CONFIG);
        if (!strstr(msg, bad[i].error))
            ASSERT_EQ_STR(msg, bad[i].error);
        cfg_cleanup(&c);
    }
}

/* TLS on a capath-only listener and on the implicit default listener are fine. */
static void test_good_combinations(void)
{
    static const char *const good[] = {
        "listener 8883\ncertfile /c\nkeyfile /k\ncapath /d\nrequire_certificate true\n"
        "crlfile /crl\n",
        "port 8883\ncertfile /c\nkeyfile /k\n",
        "psk_file /p\nlistener 8883\npsk_hint h\nciphers PSK\ntls_version tlsv1.2\n",
        "listener 1883\ntls_version tlsv1.3\n", /* the default-like value is harmless */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct cfg c;
        char msg[1200];
        int rc = parse(good[i], &c, msg, sizeof msg);
        if (rc != 0)
            ASSERT_EQ_STR(msg, "");
        cfg_cleanup(&c);
    }
}

int main(void)
{
    RUN_TEST(test_options_parsed);
    RUN_TEST(test_bad_combinations);
    RUN_TEST(test_good_combinations);
    return 0;
}
