/* SPDX-License-Identifier: MIT */
/* Client sessions: lookup by client id, subscriptions, the outbound queue with its
 * in-flight window and QoS 1/2 state machines, inbound QoS 2 packet ids, and expiry of
 * offline persistent sessions. Loop thread only. */
#ifndef MIDGE_SERVICE_SESSION_H
#define MIDGE_SERVICE_SESSION_H

#include "service/broker.h"

/* Session for client id (len bytes, borrowed) or NULL. O(1). */
struct session *session_find(struct broker *b, const char *id, size_t len);
/* Create and register a new offline session for id (copied); the broker owns it. */
struct session *session_new(struct broker *b, const char *id, size_t len, bool persistent);
/* Remove every subscription, drop queued messages, unregister and free s. s must have
 * no connection. */
void session_destroy(struct session *s);
/* Bind connection c to s (s must be offline) and count it as connected. */
void session_attach(struct session *s, struct conn *c);
/* The connection went away: a clean session is destroyed, a persistent one waits
 * (queueing messages) until it reconnects or expires. */
void session_detach(struct session *s);
/* After CONNACK on a resumed session: re-send unacknowledged PUBLISH (DUP set) and
 * PUBREL packets in their original order, then send what is queued. */
void session_resume(struct session *s);

/* Deliver m (borrowed; the queue takes its own reference) to s at delivery qos with the
 * retain flag `retain`. QoS 0 to a connected client is encoded at once (no allocation);
 * everything else is queued within the configured limits (overflow is dropped and
 * counted). */
void session_deliver(struct session *s, struct msg *m, uint8_t qos, bool retain);
/* Send queued messages while the in-flight window has room. */
void session_pump(struct session *s);
/* Handle PUBACK, PUBREC or PUBCOMP for packet id mid. Returns 0, or ERR_NOTFOUND when no
 * message in flight has that id in the matching state (not a protocol error). */
int session_ack(struct session *s, uint8_t type, uint16_t mid);

/* Drop every queued, not yet sent message of s for which keep(s, m) is false (sent
 * messages awaiting acknowledgement stay). Returns the number dropped. */
size_t session_queue_filter(struct session *s,
                            bool (*keep)(struct session *s, const struct msg *m));

/* Add or replace the subscription to filter f (flen bytes, valid, mount point applied).
 * Returns true if it replaced an existing one. */
bool session_sub_add(struct session *s, const char *f, size_t flen, uint8_t options);
/* Remove the subscription to exactly f; returns 0 or ERR_NOTFOUND. */
int session_sub_remove(struct session *s, const char *f, size_t flen);

/* Inbound QoS 2 packet ids held between PUBLISH and PUBREL (exactly-once). */
bool session_qos2_has(const struct session *s, uint16_t mid);
void session_qos2_add(struct session *s, uint16_t mid);
void session_qos2_del(struct session *s, uint16_t mid);

/* Expire offline persistent sessions older than persistent_client_expiration. */
void session_expire(struct broker *b);

#endif
