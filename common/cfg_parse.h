/* SPDX-License-Identifier: MIT */
/* Parser for mosquitto.conf syntax into struct cfg, driven entirely by the schema table
 * (common/cfg_schema.h). Pure: file access goes through the caller's struct cfg_io, so
 * the same code serves the broker (platform files), tests (in-memory files) and the
 * admin tools. */
#ifndef MIDGE_COMMON_CFG_PARSE_H
#define MIDGE_COMMON_CFG_PARSE_H

#include "common/cfg.h"
#include "common/err.h"

#include <stddef.h>

/* File access supplied by the caller. Both return 0 or a negative ERR_* code and may put a
 * reason into *d. Ownership: *data and the *names array and each name are malloc'ed and
 * handed to the parser, which frees them. */
struct cfg_io {
    int (*read_file)(void *ud, const char *path, char **data, size_t *len, struct err_detail *d);
    /* Names (not paths) of the files ending in ".conf" in dir, any order. */
    int (*list_dir)(void *ud, const char *dir, char ***names, size_t *count, struct err_detail *d);
    void *ud;
};

/* Parse the file at path (read through io) into *out, which the caller has cfg_init'ed
 * and owns. `include_dir` entries are read in mosquitto's sorted order. On error return
 * ERR_CONFIG (or an io error) with "file:line" and the message in *d; *out then holds a
 * partial result that the caller must still cfg_cleanup. */
int cfg_parse_file(const char *path, const struct cfg_io *io, struct cfg *out,
                   struct err_detail *d);

/* Parse text (len bytes, borrowed, need not be NUL-terminated) as if it were the file
 * `name` (used in messages and to resolve nothing else); include_dir is honoured only
 * when io is non-NULL. Same results as cfg_parse_file. */
int cfg_parse_text(const char *name, const char *text, size_t len, const struct cfg_io *io,
                   struct cfg *out, struct err_detail *d);

#endif
