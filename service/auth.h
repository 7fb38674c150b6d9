/* SPDX-License-Identifier: MIT */
/* Username/password authentication against `password_file`: loading at start, rereading
 * on reload (the last good user set survives an unreadable file), checking a CONNECT's
 * credentials with a verification cache, and disconnecting clients whose entry went away
 * or changed. Loop thread only. */
#ifndef MIDGE_SERVICE_AUTH_H
#define MIDGE_SERVICE_AUTH_H

#include "common/err.h"
#include "common/mqtt_codec.h"
#include "service/broker.h"

#include <stdbool.h>
#include <stdint.h>

/* Load b->cfg.password_file (if set) at start. Bad lines are logged as "file:line:
 * message" and those users cannot log in. Returns 0, or the read error with *d filled
 * when the file cannot be read (a fatal start error). */
int auth_start(struct broker *b, struct err_detail *d);

/* Reread the password file after a reload replaced b->cfg. If it cannot be read, the
 * last good user set is kept and the error logged. Otherwise connections that were
 * checked against an entry that is now gone or changed are closed. */
void auth_reload(struct broker *b);

/* Decide a CONNECT: 0 (accepted), ERR_PERM (bad username or password) or ERR_AUTH
 * (anonymous access refused). Sets *by_file when the credentials were verified against
 * the password file. */
int auth_connect(struct broker *b, const struct mqtt_connect *p, bool *by_file);

/* Free the user set and wipe the cache key; safe twice. */
void auth_cleanup(struct broker *b);

/* For tests: how many full hash verifications (PBKDF2 or SHA-512) have run. */
uint64_t auth_slow_checks(const struct broker *b);

#endif
