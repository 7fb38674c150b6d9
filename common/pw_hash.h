/* SPDX-License-Identifier: MIT */
/* Password hashes in mosquitto 2.0's formats: parse, compute, encode and verify.
 *
 * Two formats are understood (base64 is the standard alphabet with '=' padding):
 *   $6$<salt>$<hash>               hash = SHA-512(password || salt)
 *   $7$<iterations>$<salt>$<hash>  hash = PBKDF2-HMAC-SHA512(password, salt, iterations)
 * The salt is always 12 bytes and the hash 64 bytes. This module is pure: the caller
 * supplies the salt (from plat_random_bytes), nothing is logged, and comparisons of hash
 * bytes are constant-time. All functions are safe from any thread.
 */
#ifndef MIDGE_COMMON_PW_HASH_H
#define MIDGE_COMMON_PW_HASH_H

#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PW_HASH_SALT_LEN 12
#define PW_HASH_LEN 64
/* Default PBKDF2 iterations for new $7$ hashes (mosquitto uses 101). See docs/security.md
 * for the trade-off between offline guessing cost and CONNECT cost. */
#define PW_HASH_DEFAULT_ITERATIONS 100000u
/* Upper bound accepted when parsing or creating $7$ hashes, so that one file entry cannot
 * make a CONNECT take minutes of CPU. */
#define PW_HASH_MAX_ITERATIONS 10000000u
/* Room for the longest encoded hash plus its NUL terminator. */
#define PW_HASH_ENCODED_MAX 128
/* Longest password accepted (an MQTT binary field). */
#define PW_HASH_PASSWORD_MAX 65535u

enum pw_hash_type {
    PW_HASH_SHA512 = 6,        /* $6$: one SHA-512 round; for 1.6-and-older brokers */
    PW_HASH_SHA512_PBKDF2 = 7, /* $7$: PBKDF2-HMAC-SHA512, the default */
};

/* One decoded hash. `iterations` is 0 for PW_HASH_SHA512. */
struct pw_hash {
    enum pw_hash_type type;
    unsigned iterations;
    uint8_t salt[PW_HASH_SALT_LEN];
    uint8_t hash[PW_HASH_LEN];
};

/* True if the text (len bytes, borrowed) looks like a hash of some type, i.e. starts with
 * '$'. Plain-text passwords in a mosquitto file never do in practice. */
bool pw_hash_is_hashed(const char *s, size_t len);

/* Decode the encoded hash s (len bytes, borrowed, no NUL needed) into *out. Returns 0, or
 * a typed failure with a message in *d (which never contains the hash text):
 *   ERR_INVAL      plain text (does not start with '$');
 *   ERR_NOTSUP     unknown type ("$argon2id$...", "$5$...");
 *   ERR_MALFORMED  a known type whose fields are wrong (bad base64, wrong lengths);
 *   ERR_RANGE      $7$ iterations are 0 or above PW_HASH_MAX_ITERATIONS. */
int pw_hash_parse(const char *s, size_t len, struct pw_hash *out, struct err_detail *d);

/* Compute a new hash of password (pwlen bytes, borrowed) into *out with the given type,
 * iterations (ignored for $6$) and salt (PW_HASH_SALT_LEN bytes supplied by the caller).
 * Returns 0, ERR_RANGE (iterations or password length out of range) or ERR_NOMEM. */
int pw_hash_compute(struct pw_hash *out, enum pw_hash_type type, unsigned iterations,
                    const uint8_t *salt, const char *password, size_t pwlen);

/* Write the text form of *h into out (outlen bytes; PW_HASH_ENCODED_MAX is enough),
 * NUL-terminated. Returns the length written (excluding the NUL) or ERR_TOOBIG. */
int pw_hash_encode(const struct pw_hash *h, char *out, size_t outlen);

/* Return true if password (pwlen bytes, borrowed) matches *h. The final comparison is
 * constant-time. A failure to compute (out of memory) counts as no match. */
bool pw_hash_verify(const struct pw_hash *h, const char *password, size_t pwlen);

/* Parse the encoded hash s (len bytes) and check password against it. Returns 0 on a
 * match, ERR_AUTH on a mismatch, or the pw_hash_parse error (with *d filled). */
int pw_hash_check(const char *s, size_t len, const char *password, size_t pwlen,
                  struct err_detail *d);

/* Length of a pw_hash_mac result. */
#define PW_HASH_MAC_LEN 32

/* HMAC-SHA256 under key (keylen bytes) of a || 0x00 || b (alen and blen bytes, borrowed)
 * into out. Used by the broker's verification cache, so that a CONNECT with credentials
 * that already passed costs one HMAC instead of a PBKDF2 run. Returns 0 or ERR_NOMEM. */
int pw_hash_mac(const uint8_t *key, size_t keylen, const void *a, size_t alen, const void *b,
                size_t blen, uint8_t out[PW_HASH_MAC_LEN]);

/* Constant-time comparison of n bytes; true when equal. */
bool pw_hash_equal(const void *a, const void *b, size_t n);

#endif
