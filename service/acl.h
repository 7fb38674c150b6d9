/* SPDX-License-Identifier: MIT */
/* Authorisation: each security domain's `acl_file` (common/acl_file.h) compiled into a
 * per-client view, and the checks the broker makes with it: WRITE on every PUBLISH and
 * on the will (at CONNECT and when it is sent), READ when a SUBSCRIBE is decided and at
 * delivery (live and retained). Without an acl_file every topic is allowed and no check
 * costs anything. Loop thread only.
 *
 * Matching follows mosquitto 2.0: the client's own rules (its `user` block, or the
 * anonymous block for clients without a username) are tried first, then the patterns
 * with %c/%u replaced; within each list deny rules come first; the first rule whose
 * filter matches the topic decides when it denies or has the needed access bit; a
 * topic starting with '$' is only matched by rules starting with '$'; patterns never
 * apply to a client whose username or client id contains '+' or '#'; nothing matched
 * means denied.
 *
 * Cost at delivery: a SUBSCRIBE classifies its filter once. A filter that only readable
 * topics can match (the common case) is stored without ACL_SUB_CHECK and its deliveries
 * are never checked; only a partly readable filter's deliveries walk the client's
 * compiled rules. */
#ifndef MIDGE_SERVICE_ACL_H
#define MIDGE_SERVICE_ACL_H

#include "common/acl_file.h"
#include "common/err.h"
#include "service/broker.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bit 7 of a stored subscription options byte (reserved in every MQTT version, so it
 * never comes from a client): the filter is only partly readable, so every message it
 * matches is checked for READ before delivery. */
#define ACL_SUB_CHECK 0x80u

/* How much of a subscription filter a client may read. */
enum acl_reach {
    ACL_REACH_NONE,    /* no topic it matches is readable: refused (SUBACK 0x80) */
    ACL_REACH_PARTIAL, /* some may be: granted, each delivery checked */
    ACL_REACH_FULL,    /* every topic it matches is readable: granted, never checked */
};

struct acl_view;

/* Compile the rules of file f (borrowed; NULL = no acl_file, everything allowed) for a
 * client with client_id and username (NUL-terminated, borrowed; username NULL for
 * anonymous clients). The view owns copies of everything it needs. */
struct acl_view *acl_view_new(const struct acl_file *f, const char *client_id,
                              const char *username);
/* Free v; NULL is a no-op. */
void acl_view_free(struct acl_view *v);
/* Whether v allows access (ACL_READ or ACL_WRITE) to topic name t (len bytes). A NULL
 * view or one without a file allows everything. */
bool acl_view_allows(const struct acl_view *v, const char *t, size_t len, unsigned access);
/* Classify subscription filter f (flen bytes, valid) for READ under v. Conservative:
 * FULL only when provably every matching topic is readable, NONE only when provably
 * none is. */
enum acl_reach acl_view_reach(const struct acl_view *v, const char *f, size_t flen);

/* True for topics no client may publish to whatever the ACL says: `$SYS` and its
 * subtree (the broker's own) and `$share/...` (shared-subscription syntax, never a
 * topic name). */
bool acl_topic_is_reserved(const char *t, size_t len);

/* Load the acl_file of every domain at start. A file that cannot be read or has any
 * error is fatal: every error is logged as file:line and *d holds the first. */
int acl_start(struct broker *b, struct err_detail *d);
/* Reread dom's acl_file after sec_reload replaced its settings. A file that cannot be
 * read or has errors keeps the previous rules (logged with file:line). Otherwise every
 * session of dom, connected or offline, gets a view of the new rules: subscriptions that
 * can no longer match anything readable are removed, the others reclassified, and
 * queued messages it may no longer read are dropped (messages already sent and awaiting
 * acknowledgement complete). */
void acl_reload_domain(struct broker *b, struct sec_domain *dom);
/* Load dom's acl_file (a domain added after start). On failure (logged, *d filled) dom
 * gets an empty rule set, which denies every topic. */
int acl_start_domain(struct sec_domain *dom, struct err_detail *d);
/* Free every domain's parsed file; safe twice. */
void acl_cleanup(struct broker *b);

/* The view for a client connecting in domain dom (the caller owns it). */
struct acl_view *acl_view_for(const struct sec_domain *dom, const char *client_id,
                              const char *username);
/* Give session s a view of domain sec_index's rules for its client id and username
 * (borrowed, copied; NULL = anonymous), and re-check a resumed session's subscriptions
 * and queued messages as a reload would. Called at CONNECT and by reloads. */
void acl_session_bind(struct session *s, size_t sec_index, const char *username);
/* Free s's view (session teardown). */
void acl_session_cleanup(struct session *s);
/* READ / WRITE checks of session s for topic t (len bytes, mount point applied). */
bool acl_session_may_read(const struct session *s, const char *t, size_t len);
bool acl_session_may_write(const struct session *s, const char *t, size_t len);

#endif
