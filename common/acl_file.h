/* SPDX-License-Identifier: MIT */
/* ACL files (mosquitto's `acl_file` format) in memory: a pure parser from file text to
 * rule lists. Lines:
 *
 *     # comment                      (first non-blank character '#'; blank lines too)
 *     topic [ACCESS] FILTER          before any `user` line: anonymous clients
 *     user NAME                      the following topic lines belong to NAME
 *     pattern [ACCESS] FILTER        every client; %c = client id, %u = username
 *
 * ACCESS is read, write, readwrite (the default) or deny. Without an access word the
 * filter is one word; after one it is the rest of the line (it may contain blanks).
 * Every filter must be a valid MQTT subscription filter. Any other first word is an
 * error. Errors and warnings are "file:line: message" details; a file with any error
 * must not be used (dropping one rule could grant what it was meant to deny). Pure: no
 * I/O, no globals.
 */
#ifndef MIDGE_COMMON_ACL_FILE_H
#define MIDGE_COMMON_ACL_FILE_H

#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>

/* Access bits of a rule and of a check. A deny rule has ACL_DENY and no other bit. */
enum {
    ACL_READ = 1u,
    ACL_WRITE = 2u,
    ACL_READWRITE = ACL_READ | ACL_WRITE,
    ACL_DENY = 4u,
};

/* At most this many errors are kept per file (the rest are only counted). */
#define ACL_FILE_MAX_ERRORS 50u

/* One topic or pattern line. */
struct acl_rule {
    char *filter; /* owned, NUL-terminated, valid filter (before %c/%u substitution) */
    size_t len;
    unsigned access;   /* ACL_READ, ACL_WRITE, ACL_READWRITE or ACL_DENY */
    int line;          /* 1-based line in the file */
    bool has_c, has_u; /* pattern mentions %c / %u */
};

/* Rules in file order. */
struct acl_list {
    struct acl_rule *r;
    size_t n, cap;
};

/* The rules of one username (all its `user` blocks merged, in file order). */
struct acl_user {
    char *name; /* owned */
    struct acl_list rules;
};

/* A parsed file. */
struct acl_file {
    struct acl_list anon;   /* topic lines before the first `user` line */
    struct acl_user *users; /* in order of first appearance */
    size_t n_users, cap_users;
    struct acl_list patterns;  /* every pattern line, wherever it appears */
    struct err_detail *errors; /* at most ACL_FILE_MAX_ERRORS */
    size_t n_errors;           /* all errors, also those not kept */
    struct err_detail *warnings;
    size_t n_warnings;
};

/* Prepare an empty file in caller-owned storage. */
void acl_file_init(struct acl_file *f);
/* Free everything *f owns and leave it empty; safe twice. */
void acl_file_cleanup(struct acl_file *f);

/* Parse text (len bytes, borrowed, need not be NUL-terminated; a UTF-8 byte order mark
 * is skipped) into *f, which must be freshly initialised. `name` (borrowed, may be
 * NULL) is the file name in details. Errors: an unknown first word, `user` without a
 * name, `topic`/`pattern` without a filter or with an unknown access word, an access
 * word followed by nothing, an invalid filter or invalid UTF-8. Warnings: a pattern
 * without %c or %u, a topic line containing %c or %u. Returns the number of errors
 * (>= 0); the file may only be used when it is 0. */
int acl_file_parse(struct acl_file *f, const char *name, const char *text, size_t len);

/* The rules of user (NUL-terminated), or NULL when the file has no block for it. */
const struct acl_user *acl_file_find_user(const struct acl_file *f, const char *user);

/* Total number of rules (anonymous, user and pattern lines). */
size_t acl_file_rule_count(const struct acl_file *f);

#endif
