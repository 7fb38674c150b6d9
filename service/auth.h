/* SPDX-License-Identifier: MIT */
/* Username/password authentication against each security domain's `password_file`
 * (service/sec.h): loading at start, rereading on reload (the last good user set
 * survives an unreadable file), checking a CONNECT's credentials with a verification
 * cache, and disconnecting clients whose entry went away or changed or whose anonymous
 * access was withdrawn. Loop thread only. */
#ifndef MIDGE_SERVICE_AUTH_H
#define MIDGE_SERVICE_AUTH_H

#include "common/err.h"
#include "common/mqtt_codec.h"
#include "service/broker.h"

#include <stdbool.h>
#include <stdint.h>

/* Load the password file of every domain in b->sec (if set) at start. Bad lines are
 * logged as "file:line: message" and those users cannot log in. Returns 0, or the read
 * error with *d filled when a file cannot be read (a fatal start error). */
int auth_start(struct broker *b, struct err_detail *d);

/* Reread dom's password file after sec_reload replaced its settings. If it cannot be
 * read, the last good user set is kept and the error logged. Connections of dom that
 * were checked against an entry that is now gone or changed are closed, and so are
 * connections admitted as anonymous when dom no longer allows that (or now has a
 * password file that never verified their username). */
void auth_reload_domain(struct broker *b, struct sec_domain *dom);

/* Reread the password file of every domain (auth_reload_domain for each), for example
 * after the control socket rewrote it. */
void auth_reload(struct broker *b);

/* Load the password file of dom (added after start, for a listener opened through the
 * control socket). Returns 0 or the read error (logged, *d filled); dom's user set is
 * then empty. */
int auth_start_domain(struct sec_domain *dom, struct err_detail *d);

/* Decide a CONNECT arriving in domain dom: 0 (accepted), ERR_PERM (bad username or
 * password) or ERR_AUTH (anonymous access refused). Sets *by_file when the credentials
 * were verified against the password file. */
int auth_connect(struct broker *b, struct sec_domain *dom, const struct mqtt_connect *p,
                 bool *by_file);

/* Free every domain's user set and wipe the cache key; safe twice. */
void auth_cleanup(struct broker *b);

/* For tests: how many full hash verifications (PBKDF2 or SHA-512) have run. */
uint64_t auth_slow_checks(const struct broker *b);

#endif
