/* SPDX-License-Identifier: MIT */
/* The TLS options of a listener (struct cfg_tls in common/cfg.h): ownership helpers and
 * the load-time consistency checks shared by the parser, `midge -t` and the admin app.
 * Pure: no I/O (whether the files can be read is checked by the broker's TLS layer). */
#ifndef MIDGE_COMMON_CFG_TLS_H
#define MIDGE_COMMON_CFG_TLS_H

#include "common/cfg.h"
#include "common/err.h"

#include <stdbool.h>

/* Free the strings of *t and set them to NULL (scalars are left alone); safe twice. */
void cfg_tls_cleanup(struct cfg_tls *t);

/* Deep copy of *src into *dst (caller-owned storage; dst's old strings are not freed). */
void cfg_tls_copy(struct cfg_tls *dst, const struct cfg_tls *src);

/* True when the listener speaks TLS: it has a certificate (`certfile`) or TLS-PSK
 * (`psk_hint`). */
bool cfg_tls_is_enabled(const struct cfg_tls *t);

/* Check every listener's TLS options for combinations that cannot work or that would
 * silently leave a listener without the protection the user asked for: certfile without
 * keyfile (or the reverse), psk_hint with certfile, psk_hint without a global psk_file,
 * TLS options on a listener that has no TLS, require_certificate or crlfile without a CA,
 * and use_identity_as_username together with use_subject_as_username. Returns 0 or
 * ERR_CONFIG with *d naming the listener's file:line. */
int cfg_tls_validate(const struct cfg *c, struct err_detail *d);

#endif
