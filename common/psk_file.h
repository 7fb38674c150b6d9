/* SPDX-License-Identifier: MIT */
/* TLS-PSK key files (`psk_file`): `identity:hexkey` lines parsed into identities and key
 * bytes.
 *
 * The format is mosquitto's: one `identity:key` per line, where the key is written as hex
 * digits only (no `0x`); blank lines and lines whose first non-blank character is '#' are
 * comments, and blanks around identity and key are ignored. An odd number of digits reads
 * as if a leading 0 were written; leading zero bytes are kept. Bad lines are reported as
 * "file:line: message" details and skipped; the good entries are kept. Pure: no I/O, no
 * globals; messages never contain a key.
 */
#ifndef MIDGE_COMMON_PSK_FILE_H
#define MIDGE_COMMON_PSK_FILE_H

#include "common/err.h"

#include <stddef.h>
#include <stdint.h>

/* Longest identity (OpenSSL's PSK_MAX_IDENTITY_LEN) and key (PSK_MAX_PSK_LEN) in bytes. */
#define PSK_FILE_IDENTITY_MAX 256u
#define PSK_FILE_KEY_MAX 512u

struct psk_entry {
    char *identity; /* NUL-terminated, owned */
    uint8_t *key;   /* key_len bytes, owned; wiped on cleanup */
    size_t key_len;
};

struct psk_file {
    struct psk_entry *entries;
    size_t n_entries, cap_entries;
    struct err_detail *errors; /* one per bad line */
    size_t n_errors;
};

/* Prepare an empty file in caller-owned storage. */
void psk_file_init(struct psk_file *f);
/* Wipe the keys, free everything *f owns and leave it empty; safe twice. */
void psk_file_cleanup(struct psk_file *f);

/* Parse text (len bytes, borrowed; need not be NUL-terminated) into *f, which must be
 * freshly initialised. name (borrowed, may be NULL) is used in error details. Bad lines:
 * no ':', an empty, too long or control-character identity, an empty, too long or non-hex
 * key, and a repeated identity (the first one wins). Returns the number of bad lines. */
int psk_file_parse(struct psk_file *f, const char *name, const char *text, size_t len);

/* The entry for identity (len bytes, need not be NUL-terminated), borrowed from *f, or
 * NULL when there is none. */
const struct psk_entry *psk_file_find(const struct psk_file *f, const char *identity, size_t len);

#endif
