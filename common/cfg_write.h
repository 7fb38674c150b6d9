/* SPDX-License-Identifier: MIT */
/* The round-trip configuration writer: a config file held as its lines, classified with
 * the schema table (blank, comment, option, unknown keyword), edited line by line and
 * rendered back byte for byte except where an edit touched it. Comments, order, blank
 * lines, line endings and keywords the edit does not name survive unchanged. Pure: the
 * caller reads and writes the file. Not thread-safe on one document. */
#ifndef MIDGE_COMMON_CFG_WRITE_H
#define MIDGE_COMMON_CFG_WRITE_H

#include "common/cfg_schema.h"
#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cfg_doc_kind {
    CFG_DOC_BLANK,   /* empty or only blanks */
    CFG_DOC_COMMENT, /* first non-blank character is '#' */
    CFG_DOC_OPTION,  /* a keyword the schema knows (opt set) */
    CFG_DOC_UNKNOWN, /* a keyword the schema does not know: kept as it is */
};

struct cfg_doc_line {
    char *text;      /* owned, without the line ending */
    const char *eol; /* "\n", "\r\n" or "" (last line without one); static */
    enum cfg_doc_kind kind;
    const struct cfg_option *opt; /* CFG_DOC_OPTION: the row (canonical for an alias) */
    size_t key_off, key_len;      /* the keyword within text */
    size_t val_off, val_len;      /* the value within text, blanks trimmed */
};

/* A configuration file as editable lines. */
struct cfg_doc {
    struct cfg_doc_line *lines;
    size_t n, cap;
    const char *eol; /* ending for inserted lines: the file's first one, else "\n" */
};

/* A key and value for cfg_doc_listener_add; value NULL is skipped. */
struct cfg_doc_kv {
    const char *key;
    const char *value;
};

/* Split text (len bytes, borrowed) into *doc (caller-owned storage, released with
 * cfg_doc_cleanup). Never fails: anything that is not blank or a comment is an option
 * or unknown line; validity is the parser's business. */
void cfg_doc_parse(struct cfg_doc *doc, const char *text, size_t len);
/* Free the lines; safe to call twice. */
void cfg_doc_cleanup(struct cfg_doc *doc);
/* Render the document; returns a malloc'ed, NUL-terminated text owned by the caller and
 * its length in *len. An unedited document renders to exactly the bytes it was parsed
 * from. */
char *cfg_doc_render(const struct cfg_doc *doc, size_t *len);

/* Index of the `listener PORT [ADDRESS]` line of the block for port and address (NULL or
 * "" = the block without an address), or ERR_NOTFOUND. */
long cfg_doc_find_listener(const struct cfg_doc *doc, uint16_t port, const char *address);
/* One past the last line of the block that starts at line `start`: the block runs to the
 * next `listener` line or the end. */
size_t cfg_doc_block_end(const struct cfg_doc *doc, size_t start);
/* Value of listener-scoped option key in the block at line start (borrowed, *len bytes),
 * or NULL when the block does not set it. */
const char *cfg_doc_block_get(const struct cfg_doc *doc, size_t start, const char *key,
                              size_t *len);

/* Set (value non-NULL) or remove (value NULL) the listener-scoped option key in the
 * block of port/address. An existing line is rewritten in place (its indentation kept);
 * a new one goes after the block's last option line. Returns 0, ERR_NOTFOUND (no such
 * block), ERR_INVAL (key is not a listener option of the schema, or value contains a
 * line break or control character, or is empty). */
int cfg_doc_listener_set(struct cfg_doc *doc, uint16_t port, const char *address, const char *key,
                         const char *value, struct err_detail *d);
/* Append a new block `listener PORT [ADDRESS]` with the options in kv (n entries) at the
 * end, separated from the previous text by one blank line. Returns 0, ERR_EXISTS (a
 * block for port/address exists) or ERR_INVAL as cfg_doc_listener_set. */
int cfg_doc_listener_add(struct cfg_doc *doc, uint16_t port, const char *address,
                         const struct cfg_doc_kv *kv, size_t n, struct err_detail *d);
/* Delete the `listener` line of the block and its listener-scoped option lines; blank,
 * comment, global and unknown lines in its range stay. Returns 0 or ERR_NOTFOUND. */
int cfg_doc_listener_remove(struct cfg_doc *doc, uint16_t port, const char *address,
                            struct err_detail *d);

/* The version of a file's contents as the control protocol uses it: lowercase hex
 * SHA-256 of the len bytes at data into out (65 bytes, terminated); "" for data NULL
 * (a missing file). Returns out. */
const char *cfg_doc_version(const void *data, size_t len, char out[65]);

#endif
