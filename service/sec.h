/* SPDX-License-Identifier: MIT */
/* Security domains: the set of authentication and authorisation settings (password
 * file, ACL file, anonymous access, client-id rules) that a connection is judged by.
 * There is one domain for the whole broker, or with `per_listener_settings true` one per
 * configured listener (in configuration order). This module builds them from the
 * configuration at start and on reload and hands the files to auth.c and acl.c. Loop
 * thread only. */
#ifndef MIDGE_SERVICE_SEC_H
#define MIDGE_SERVICE_SEC_H

#include "common/err.h"
#include "service/broker.h"

#include <stdbool.h>
#include <stdint.h>

struct acl_file;
struct auth_users;

struct sec_domain {
    char label[96];   /* "the broker" or "listener 1883 127.0.0.1", for log lines */
    bool is_listener; /* a per-listener domain: port and bind identify its listener */
    uint16_t port;
    char *bind;                                      /* owned; NULL = all addresses */
    char *password_file, *acl_file, *auto_id_prefix; /* owned; NULL = none / "" */
    bool allow_anonymous, allow_zero_length_clientid;
    struct auth_users *users; /* password set (auth.c) */
    struct acl_file *acl;     /* owned parsed ACL file (acl.c); NULL = everything allowed */
};

/* Build the domains from b->cfg and load their password and ACL files. Returns 0, or
 * the error of a file that cannot be read or (ACL) has errors, with *d filled and
 * logged: a fatal start error. */
int sec_start(struct broker *b, struct err_detail *d);

/* After a reload parsed the new configuration n (its reloadable global options already
 * copied into b->cfg): take the new security settings, reread every password and ACL
 * file (a broken one keeps its last good state), close connections that are no longer
 * allowed and re-check sessions against changed ACLs. A changed per_listener_settings
 * is refused (logged; everything stays as it was). */
void sec_reload(struct broker *b, const struct cfg *n);

/* Free the domains and what they loaded; safe twice. */
void sec_cleanup(struct broker *b);

/* Security domain index for a listener opened after start from block lc (the control
 * socket's listeners.add/set). Without per_listener_settings: 0. With it: the existing
 * domain of the same port and address, whose settings are replaced by lc's and whose
 * files are reread as on reload; or a new domain from lc. A new domain whose files
 * cannot be loaded refuses every client (never opens up); the error is logged. */
size_t sec_bind_listener(struct broker *b, const struct cfg_listener *lc);

/* The domain a connection of listener lst is judged by (borrowed). */
struct sec_domain *sec_of_listener(const struct listener *lst);

/* The domain at index i (a session's sec_index), or the first one if i is out of
 * range. */
struct sec_domain *sec_get(const struct broker *b, size_t i);

#endif
