/* SPDX-License-Identifier: MIT */
/* Password files ("username:hash" lines) in memory: parse, edit and serialise.
 *
 * The format is mosquitto 2.0's: one `username:password-field` per line, lines whose
 * first non-blank character is '#' and blank lines are comments, and blanks around the
 * username and the password field are ignored. Every line is kept, in order, so that a
 * parse/serialise round trip preserves comments and even bad lines; only the entries a
 * caller adds, replaces or deletes change. Bad lines are reported as "file:line: message"
 * details, and the good users are kept. Pure: no I/O, no globals; the messages never
 * contain a password or a hash.
 */
#ifndef MIDGE_COMMON_PW_FILE_H
#define MIDGE_COMMON_PW_FILE_H

#include "common/err.h"
#include "common/pw_hash.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest username (an MQTT string). */
#define PW_FILE_USER_MAX 65535u

enum pw_line_kind {
    PW_LINE_OTHER, /* comment or blank line */
    PW_LINE_ENTRY, /* a user with a valid hash */
    PW_LINE_PLAIN, /* a user with a plain-text password (see PW_FILE_PLAIN_OK) */
    PW_LINE_BAD,   /* reported as an error; kept verbatim but never matches a user */
};

/* One line. `user` is set for ENTRY and PLAIN lines and for BAD lines whose username was
 * readable; `secret` only for ENTRY and PLAIN lines: the trimmed password field (a hash
 * for ENTRY, the plain password for PLAIN). */
struct pw_line {
    enum pw_line_kind kind;
    char *text;          /* the line as written, without its newline */
    char *user;          /* NULL for OTHER lines and unreadable usernames */
    char *secret;        /* NULL unless ENTRY or PLAIN */
    struct pw_hash hash; /* decoded hash of an ENTRY line */
};

/* A parsed file. `errors` holds one detail per bad line (file, line number, message). */
struct pw_file {
    struct pw_line *lines;
    size_t n_lines, cap_lines;
    struct err_detail *errors;
    size_t n_errors;
};

/* Flags for pw_file_parse. */
enum {
    /* Accept plain-text passwords as PLAIN lines instead of reporting them (for
     * midge-passwd -U, which converts them). */
    PW_FILE_PLAIN_OK = 1,
};

/* Prepare an empty file in caller-owned storage. */
void pw_file_init(struct pw_file *f);
/* Free everything *f owns (passwords are wiped first) and leave it empty; safe twice. */
void pw_file_cleanup(struct pw_file *f);

/* Parse text (len bytes, borrowed; need not be NUL-terminated) into *f, which must be
 * freshly initialised. `name` (borrowed, may be NULL) is the file name used in error
 * details. Bad lines become PW_LINE_BAD and add one entry to f->errors each: no ':',
 * empty or invalid username, a password field that is plain text (unless
 * PW_FILE_PLAIN_OK), malformed or of an unknown type, and a repeated username (the first
 * one wins). Returns the number of bad lines (>= 0). */
int pw_file_parse(struct pw_file *f, const char *name, const char *text, size_t len,
                  unsigned flags);

/* True if user (NUL-terminated) may be written to a password file: 1..PW_FILE_USER_MAX
 * bytes of valid UTF-8, no ':', no control characters, no blank at either end. */
bool pw_file_user_is_valid(const char *user);

/* Return the ENTRY or PLAIN line of user (borrowed from *f), or NULL if there is none. */
const struct pw_line *pw_file_find(const struct pw_file *f, const char *user);

/* Give user the encoded hash (both borrowed and copied; user may be a line's own user
 * string): the user's first line, even a bad one, is rewritten in place and every other
 * line of the user removed, or a new line is appended. Returns 0, ERR_INVAL for an
 * invalid username, or the pw_hash_parse error if hash is not valid. */
int pw_file_set(struct pw_file *f, const char *user, const char *hash);

/* Remove every line of user, bad ones included (user may point into *f). Returns 0, or
 * ERR_NOTFOUND if the user has no line. */
int pw_file_delete(struct pw_file *f, const char *user);

/* Serialise every line, each followed by "\n". Returns a caller-owned NUL-terminated
 * string (free()) and stores its length in *len. */
char *pw_file_serialise(const struct pw_file *f, size_t *len);

#endif
