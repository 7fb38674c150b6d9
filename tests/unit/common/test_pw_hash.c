/* SPDX-License-Identifier: MIT */
/* Unit tests for common/pw_hash: vectors made by Debian's mosquitto_passwd (2.0.11),
 * computing with a known salt, wrong passwords, and tables of malformed hashes. */
#include "common/pw_hash.h"

#include "tests/assert.h"

#include <string.h>

/* Entries written by `mosquitto_passwd` (Debian 2.0.11-1.2+deb12u2); the comment of each
 * row is the command. */
static const struct {
    const char *hash, *password;
} mosq_vectors[] = {
    /* -c -b f alice 'correct horse' */
    {"$7$101$mioEiMdrfzyK5CDD$IAeiTUpAYjHMI1TyjlkLv7NVkjD7o112uR+EcppWZTL41yG0CFfHisgZjaRKUry"
     "iLUBp8a8I/3b/CmfKAmp+ig==",
     "correct horse"},
    /* -b f bob 'p@ss:w0rd' */
    {"$7$101$3xkFIFd22TTTSRsj$NF3N0jgcNXzM0FpAJ8ArOY9q9P4cARz5AaqpN6n+rGKN8NtseBZ6i8viXK0Zgdl"
     "r8dhAP9zw+HL4R4KXinQShQ==",
     "p@ss:w0rd"},
    /* -H sha512 -b f carol secret */
    {"$6$AgDfIpEwraP+mXKd$lAP0HHJ7h0bj0Iae6Dsyd7NmPAjtbz5X+8ZvsiDYic3E/zXd7y4SrxPT534NNoIvnQ8"
     "ztKCQ9/G2r4xBsgdw7Q==",
     "secret"},
    /* -I 1000 -b f dave '' */
    {"$7$1000$puGzgNFA+SyFVZjw$gZzloM53P71XcQoFnIfCdv0erNGXXE1PtlkzNdIrsv4U/8smeE2h/VKmqfBMAr"
     "l5q9OEhkfANdQxnSId86/D8g==",
     ""},
    /* -b f 'ünï' 'pässwörd' (UTF-8) */
    {"$7$101$voudYY+piM6WnwPk$Qt7De3mutx2yBKpJHYlE9VaIUFdNn6tqZ/Q3iVNwtOMeUveQkwSVG8JOntM9O9Oc"
     "jNr5MhjS8J0G+SyOwF3I7A==",
     "p\xc3\xa4ssw\xc3\xb6rd"},
    /* The upstream mosquitto test suite's user/password entry. */
    {"$6$vZY4TS+/HBxHw38S$vvjVFECzb8dyuu/mruD2QKTfdFn0WmKxbc+1TsdB0L8EdHk3v9JRmfjHd56+VaTnUcSZ"
     "OZ/hzkdvWCtxlX7AUQ==",
     "password"},
};

static void test_mosquitto_vectors_verify(void)
{
    for (size_t i = 0; i < sizeof mosq_vectors / sizeof mosq_vectors[0]; i++) {
        const char *h = mosq_vectors[i].hash, *pw = mosq_vectors[i].password;
        ASSERT_EQ_INT(pw_hash_check(h, strlen(h), pw, strlen(pw), NULL), 0);
        /* A wrong password, a prefix and an extension all fail. */
        ASSERT_EQ_INT(pw_hash_check(h, strlen(h), "wrong", 5, NULL), ERR_AUTH);
        char longer[64];
        snprintf(longer, sizeof longer, "%sx", pw);
        ASSERT_EQ_INT(pw_hash_check(h, strlen(h), longer, strlen(longer), NULL), ERR_AUTH);
        if (pw[0])
            ASSERT_EQ_INT(pw_hash_check(h, strlen(h), pw, strlen(pw) - 1, NULL), ERR_AUTH);
    }
}

static void test_parse_encode_round_trip(void)
{
    for (size_t i = 0; i < sizeof mosq_vectors / sizeof mosq_vectors[0]; i++) {
        const char *h = mosq_vectors[i].hash;
        struct pw_hash ph;
        char out[PW_HASH_ENCODED_MAX];
        ASSERT_EQ_INT(pw_hash_parse(h, strlen(h), &ph, NULL), 0);
        ASSERT_EQ_INT(pw_hash_encode(&ph, out, sizeof out), (int)strlen(h));
        ASSERT_EQ_STR(out, h);
        ASSERT_EQ_INT(pw_hash_encode(&ph, out, strlen(h)), ERR_TOOBIG);
    }
}

/* The reference's $7$ vector: salt bytes 0..11, 101 iterations (Python hashlib agrees). */
static void test_compute_with_known_salt(void)
{
    static const uint8_t salt[PW_HASH_SALT_LEN] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    struct pw_hash h;
    char out[PW_HASH_ENCODED_MAX];
    ASSERT_EQ_INT(pw_hash_compute(&h, PW_HASH_SHA512_PBKDF2, 101, salt, "password", 8), 0);
    ASSERT_TRUE(pw_hash_encode(&h, out, sizeof out) > 0);
    ASSERT_EQ_STR(out, "$7$101$AAECAwQFBgcICQoL$DEO14ViPofBJRJpN8uZINnuFUWj8eUeWhlyZ2QOQ+5Lg"
                       "iM0kGXMwv2HwhIvlBQTsHkd+uve2/GFOr/KZ8Y/8Hw==");
    ASSERT_TRUE(pw_hash_verify(&h, "password", 8));
    ASSERT_FALSE(pw_hash_verify(&h, "Password", 8));

    /* $6$ with mosquitto's salt gives mosquitto's hash: SHA-512(password || salt). */
    struct pw_hash ref;
    const char *h6 = mosq_vectors[5].hash;
    ASSERT_EQ_INT(pw_hash_parse(h6, strlen(h6), &ref, NULL), 0);
    ASSERT_EQ_INT(pw_hash_compute(&h, PW_HASH_SHA512, 0, ref.salt, "password", 8), 0);
    ASSERT_EQ_MEM(h.hash, sizeof h.hash, ref.hash, sizeof ref.hash);
    ASSERT_EQ_INT(h.iterations, 0);
}

static void test_compute_ranges(void)
{
    static const uint8_t salt[PW_HASH_SALT_LEN] = {0};
    struct pw_hash h;
    ASSERT_EQ_INT(pw_hash_compute(&h, PW_HASH_SHA512_PBKDF2, 0, salt, "x", 1), ERR_RANGE);
    ASSERT_EQ_INT(
        pw_hash_compute(&h, PW_HASH_SHA512_PBKDF2, PW_HASH_MAX_ITERATIONS + 1, salt, "x", 1),
        ERR_RANGE);
    ASSERT_EQ_INT(pw_hash_compute(&h, PW_HASH_SHA512, 0, salt, "x", PW_HASH_PASSWORD_MAX + 1),
                  ERR_RANGE);
    ASSERT_EQ_INT(pw_hash_compute(&h, PW_HASH_SHA512, 0, salt, "", 0), 0);
}

#define SALT16 "AAECAwQFBgcICQoL"
#define HASH88 \
    "DEO14ViPofBJRJpN8uZINnuFUWj8eUeWhlyZ2QOQ+5LgiM0kGXMwv2HwhIvlBQTsHkd+uve2/GFOr/KZ8Y/8Hw=="

static const struct {
    const char *text;
    int want;
} bad_hashes[] = {
    {"", ERR_INVAL},
    {"password", ERR_INVAL},
    {"plain$7$text", ERR_INVAL},
    {"$", ERR_NOTSUP},
    {"$5$" SALT16 "$" HASH88, ERR_NOTSUP},
    {"$77$101$" SALT16 "$" HASH88, ERR_NOTSUP},
    {"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", ERR_NOTSUP},
    {"$7$", ERR_MALFORMED},
    {"$7$101$" SALT16, ERR_MALFORMED},
    {"$7$101$" SALT16 "$" HASH88 "$", ERR_MALFORMED},
    {"$7$$" SALT16 "$" HASH88, ERR_MALFORMED},
    {"$7$-1$" SALT16 "$" HASH88, ERR_MALFORMED},
    {"$7$+1$" SALT16 "$" HASH88, ERR_MALFORMED},
    {"$7$0101$" SALT16 "$" HASH88, ERR_MALFORMED},
    {"$7$1x$" SALT16 "$" HASH88, ERR_MALFORMED},
    {"$7$99999999999$" SALT16 "$" HASH88, ERR_MALFORMED},
    {"$7$0$" SALT16 "$" HASH88, ERR_RANGE},
    {"$7$10000001$" SALT16 "$" HASH88, ERR_RANGE},
    {"$7$101$AAECAwQFBgcICQo$" HASH88, ERR_MALFORMED},      /* salt 15 chars */
    {"$7$101$AAECAwQFBgcICQoLAA==$" HASH88, ERR_MALFORMED}, /* salt 13 bytes */
    {"$7$101$AAECAwQFBgcICQo*$" HASH88, ERR_MALFORMED},     /* not base64 */
    {"$7$101$AAECAwQF BgcICQoL$" HASH88, ERR_MALFORMED},    /* blank inside */
    {"$7$101$" SALT16 "$" HASH88 "AAAA", ERR_MALFORMED},    /* hash too long */
    {"$7$101$" SALT16 "$DEO14ViPofBJRJpN8uZINnuFUWj8eUeWhlyZ2QOQ+5LgiM0kGXMwv2HwhIvlBQTsHkd+"
     "uve2/GFOr/KZ8Y/8Hw",
     ERR_MALFORMED}, /* padding missing */
    {"$7$101$" SALT16 "$DEO14ViPofBJRJpN8uZINnuFUWj8eUeWhlyZ2QOQ+5LgiM0kGXMwv2HwhIvlBQTsHkd+"
     "uve2/GFOr/KZ8Y/8Hx==",
     ERR_MALFORMED}, /* non-zero trailing bits */
    {"$7$101$" SALT16 "$DEO14ViPofBJRJpN8uZINnuFUWj8eUeWhlyZ2QOQ+5LgiM0kGXMwv2HwhIvlBQTsHkd+"
     "uve2/GFOr/KZ8Y/8H===",
     ERR_MALFORMED}, /* three padding characters */
    {"$6$" SALT16, ERR_MALFORMED},
    {"$6$101$" SALT16 "$" HASH88, ERR_MALFORMED},
    {"$6$" SALT16 "$", ERR_MALFORMED},
};

static void test_malformed_table(void)
{
    for (size_t i = 0; i < sizeof bad_hashes / sizeof bad_hashes[0]; i++) {
        struct pw_hash h;
        struct err_detail d = {0};
        const char *t = bad_hashes[i].text;
        int rc = pw_hash_parse(t, strlen(t), &h, &d);
        if (rc != bad_hashes[i].want)
            fprintf(stderr, "row %zu: '%s'\n", i, t);
        ASSERT_EQ_INT(rc, bad_hashes[i].want);
        ASSERT_TRUE(d.msg[0] != '\0');
        ASSERT_TRUE(strstr(d.msg, "AAEC") == NULL); /* messages never echo the hash */
        ASSERT_EQ_INT(pw_hash_check(t, strlen(t), "password", 8, NULL), bad_hashes[i].want);
    }
    /* The length is honoured: a valid prefix of a longer buffer parses. */
    const char *h = mosq_vectors[2].hash;
    struct pw_hash ph;
    char buf[200];
    snprintf(buf, sizeof buf, "%s:trailing", h);
    ASSERT_EQ_INT(pw_hash_parse(buf, strlen(h), &ph, NULL), 0);
    ASSERT_TRUE(pw_hash_is_hashed("$", 1));
    ASSERT_FALSE(pw_hash_is_hashed("x$", 2));
    ASSERT_FALSE(pw_hash_is_hashed("", 0));
}

/* A hash made with the default iteration count verifies and records that count. */
static void test_default_iterations(void)
{
    static const uint8_t salt[PW_HASH_SALT_LEN] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2};
    struct pw_hash h, back;
    char out[PW_HASH_ENCODED_MAX];
    ASSERT_EQ_INT(
        pw_hash_compute(&h, PW_HASH_SHA512_PBKDF2, PW_HASH_DEFAULT_ITERATIONS, salt, "hunter2", 7),
        0);
    int n = pw_hash_encode(&h, out, sizeof out);
    ASSERT_TRUE(n > 0);
    ASSERT_TRUE(strncmp(out, "$7$100000$", 10) == 0);
    ASSERT_EQ_INT(pw_hash_parse(out, (size_t)n, &back, NULL), 0);
    ASSERT_EQ_INT(back.iterations, PW_HASH_DEFAULT_ITERATIONS);
    ASSERT_TRUE(pw_hash_verify(&back, "hunter2", 7));
    ASSERT_FALSE(pw_hash_verify(&back, "hunter3", 7));
}

int main(void)
{
    RUN_TEST(test_mosquitto_vectors_verify);
    RUN_TEST(test_parse_encode_round_trip);
    RUN_TEST(test_compute_with_known_salt);
    RUN_TEST(test_compute_ranges);
    RUN_TEST(test_malformed_table);
    RUN_TEST(test_default_iterations);
    return 0;
}
