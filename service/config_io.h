/* SPDX-License-Identifier: MIT */
/* Loading the configuration file through the platform's file functions: the bridge
 * between the pure parser in common/ and the file system. */
#ifndef MIDGE_SERVICE_CONFIG_IO_H
#define MIDGE_SERVICE_CONFIG_IO_H

#include "common/cfg.h"
#include "common/err.h"

/* Parse the file at path (and its include_dir files) into *out (cfg_init'ed by the
 * caller, who owns it). Returns 0 or an error with "file:line: message" in *d. BLOCKS. */
int config_io_load(const char *path, struct cfg *out, struct err_detail *d);

/* Parse text (len bytes, borrowed) as if it were the file `name`, resolving include_dir
 * on disk as config_io_load does: for validating a candidate before it is written.
 * Same results as config_io_load. BLOCKS. */
int config_io_parse_text(const char *name, const char *text, size_t len, struct cfg *out,
                         struct err_detail *d);

#endif
