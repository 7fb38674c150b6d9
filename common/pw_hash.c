/* SPDX-License-Identifier: MIT */
/* Password hashes in mosquitto's $6$ and $7$ formats, on top of OpenSSL's libcrypto. */
#include "common/pw_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of one base64 character, or -1 if it is not in the standard alphabet. */
static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Encode n bytes as padded base64 into out (which has room for 4*ceil(n/3)+1 bytes). */
static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

/* Decode padded base64 (len chars) into exactly want bytes. Strict: no whitespace,
 * padding only at the end, unused bits zero, so every value has one spelling. Returns
 * true on success. */
static bool b64_decode_exact(const char *s, size_t len, uint8_t *out, size_t want)
{
    if (len == 0 || len % 4 != 0 || len / 4 * 3 < want || len / 4 * 3 > want + 2)
        return false;
    size_t pad = len / 4 * 3 - want;
    for (size_t i = 0; i < pad; i++)
        if (s[len - 1 - i] != '=')
            return false;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++) {
            bool in_pad = i + k >= len - pad;
            int c = in_pad ? 0 : b64_value(s[i + k]);
            if (c < 0)
                return false;
            v = v << 6 | (uint32_t)c;
        }
        for (int k = 2; k >= 0; k--) {
            uint8_t byte = (uint8_t)(v >> (8 * k));
            if (o < want)
                out[o++] = byte;
            else if (byte != 0)
                return false; /* non-canonical trailing bits */
        }
    }
    return true;
}

bool pw_hash_is_hashed(const char *s, size_t len)
{
    return len > 0 && s[0] == '$';
}

/* Parse a decimal iteration count (no sign, no leading zero) of len chars. */
static int parse_iterations(const char *s, size_t len, unsigned *out, struct err_detail *d)
{
    if (len == 0 || len > 10 || (s[0] == '0' && len > 1))
        return err_set(d, ERR_MALFORMED, NULL, 0, "bad $7$ iteration count");
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return err_set(d, ERR_MALFORMED, NULL, 0, "bad $7$ iteration count");
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v < 1 || v > PW_HASH_MAX_ITERATIONS)
        return err_set(d, ERR_RANGE, NULL, 0, "$7$ iteration count must be 1..%u",
                       PW_HASH_MAX_ITERATIONS);
    *out = (unsigned)v;
    return 0;
}

/* Split s at '$' into at most max fields (the leading '$' already skipped). Returns the
 * number of fields, or max+1 if there are more. */
static size_t split_fields(const char *s, size_t len, const char **f, size_t *flen, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '$')
            continue;
        if (n == max)
            return max + 1;
        f[n] = s + start;
        flen[n] = i - start;
        n++;
        start = i + 1;
    }
    return n;
}

int pw_hash_parse(const char *s, size_t len, struct pw_hash *out, struct err_detail *d)
{
    if (!pw_hash_is_hashed(s, len))
        return err_set(d, ERR_INVAL, NULL, 0, "password is not hashed (plain text)");
    const char *f[5];
    size_t fl[5];
    size_t n = split_fields(s + 1, len - 1, f, fl, 4);
    memset(out, 0, sizeof *out);
    bool is6 = fl[0] == 1 && f[0][0] == '6', is7 = fl[0] == 1 && f[0][0] == '7';
    if (!is6 && !is7)
        return err_set(d, ERR_NOTSUP, NULL, 0, "unknown password hash type");
    if ((is6 && n != 3) || (is7 && n != 4))
        return err_set(d, ERR_MALFORMED, NULL, 0, "wrong number of '$' fields in hash");
    size_t salt_i = 1;
    out->type = is6 ? PW_HASH_SHA512 : PW_HASH_SHA512_PBKDF2;
    if (is7) {
        int rc = parse_iterations(f[1], fl[1], &out->iterations, d);
        if (rc < 0)
            return rc;
        salt_i = 2;
    }
    if (!b64_decode_exact(f[salt_i], fl[salt_i], out->salt, PW_HASH_SALT_LEN))
        return err_set(d, ERR_MALFORMED, NULL, 0, "salt is not %d bytes of base64",
                       PW_HASH_SALT_LEN);
    if (!b64_decode_exact(f[salt_i + 1], fl[salt_i + 1], out->hash, PW_HASH_LEN))
        return err_set(d, ERR_MALFORMED, NULL, 0, "hash is not %d bytes of base64", PW_HASH_LEN);
    return 0;
}

/* SHA-512 over the password bytes followed by the raw salt bytes (mosquitto's $6$). */
static int compute_sha512(struct pw_hash *h, const char *password, size_t pwlen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return ERR_NOMEM;
    unsigned outlen = 0;
    int ok = EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, password, pwlen) == 1 &&
             EVP_DigestUpdate(ctx, h->salt, sizeof h->salt) == 1 &&
             EVP_DigestFinal_ex(ctx, h->hash, &outlen) == 1 && outlen == PW_HASH_LEN;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : ERR_NOMEM;
}

static int compute_pbkdf2(struct pw_hash *h, const char *password, size_t pwlen)
{
    /* pwlen <= PW_HASH_PASSWORD_MAX and iterations <= PW_HASH_MAX_ITERATIONS (checked by
     * the callers), so both fit in an int. */
    int ok = PKCS5_PBKDF2_HMAC(password, (int)pwlen, h->salt, (int)sizeof h->salt,
                               (int)h->iterations, EVP_sha512(), PW_HASH_LEN, h->hash);
    return ok == 1 ? 0 : ERR_NOMEM;
}

int pw_hash_compute(struct pw_hash *out, enum pw_hash_type type, unsigned iterations,
                    const uint8_t *salt, const char *password, size_t pwlen)
{
    if (pwlen > PW_HASH_PASSWORD_MAX)
        return ERR_RANGE;
    memset(out, 0, sizeof *out);
    out->type = type;
    memcpy(out->salt, salt, PW_HASH_SALT_LEN);
    if (type == PW_HASH_SHA512)
        return compute_sha512(out, password, pwlen);
    if (type != PW_HASH_SHA512_PBKDF2)
        return ERR_INVAL;
    if (iterations < 1 || iterations > PW_HASH_MAX_ITERATIONS)
        return ERR_RANGE;
    out->iterations = iterations;
    return compute_pbkdf2(out, password, pwlen);
}

int pw_hash_encode(const struct pw_hash *h, char *out, size_t outlen)
{
    char salt[PW_HASH_SALT_LEN / 3 * 4 + 4], hash[(PW_HASH_LEN + 2) / 3 * 4 + 1];
    b64_encode(h->salt, sizeof h->salt, salt);
    b64_encode(h->hash, sizeof h->hash, hash);
    int n;
    if (h->type == PW_HASH_SHA512)
        n = snprintf(out, outlen, "$6$%s$%s", salt, hash);
    else
        n = snprintf(out, outlen, "$7$%u$%s$%s", h->iterations, salt, hash);
    if (n < 0 || (size_t)n >= outlen)
        return ERR_TOOBIG;
    return n;
}

bool pw_hash_verify(const struct pw_hash *h, const char *password, size_t pwlen)
{
    struct pw_hash mine;
    if (pw_hash_compute(&mine, h->type, h->iterations, h->salt, password, pwlen) < 0)
        return false;
    bool same = CRYPTO_memcmp(mine.hash, h->hash, PW_HASH_LEN) == 0;
    OPENSSL_cleanse(&mine, sizeof mine);
    return same;
}

int pw_hash_check(const char *s, size_t len, const char *password, size_t pwlen,
                  struct err_detail *d)
{
    struct pw_hash h;
    int rc = pw_hash_parse(s, len, &h, d);
    if (rc < 0)
        return rc;
    return pw_hash_verify(&h, password, pwlen) ? 0 : ERR_AUTH;
}

int pw_hash_mac(const uint8_t *key, size_t keylen, const void *a, size_t alen, const void *b,
                size_t blen, uint8_t out[PW_HASH_MAC_LEN])
{
    size_t n = alen + 1 + blen;
    uint8_t *msg = malloc(n);
    if (!msg)
        return ERR_NOMEM;
    if (alen)
        memcpy(msg, a, alen);
    msg[alen] = 0;
    if (blen)
        memcpy(msg + alen + 1, b, blen);
    unsigned outlen = 0;
    bool ok = HMAC(EVP_sha256(), key, (int)keylen, msg, n, out, &outlen) != NULL &&
              outlen == PW_HASH_MAC_LEN;
    OPENSSL_cleanse(msg, n); /* it holds a password */
    free(msg);
    return ok ? 0 : ERR_NOMEM;
}

bool pw_hash_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
