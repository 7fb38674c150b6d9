/* SPDX-License-Identifier: MIT */
/* Client connections: reading and framing packets, the coalesced output buffer, keepalive
 * supervision and deferred closing. Loop thread only. */
#ifndef MIDGE_SERVICE_CONN_H
#define MIDGE_SERVICE_CONN_H

#include "common/mqtt_codec.h"
#include "service/broker.h"

/* Seconds a new connection may take to send CONNECT. */
#define CONN_CONNECT_TIMEOUT_MS 10000u

/* Accept every pending connection on lst. Called from the listener's read callback. */
void conn_accept_all(struct listener *lst);

/* Adopt the connected socket sock (owned from now on) as a new connection of lst, as
 * if accepted there: the bridge's outgoing connections use this. Returns the connection
 * (owned by the broker, reaped like any other). */
struct conn *conn_adopt(struct listener *lst, plat_sock *sock, const struct plat_addr *peer);

/* Have c's pending output (for example TLS handshake records) written in the next
 * before-sleep flush. */
void conn_flush_soon(struct conn *c);

/* Append the encoding of *p to c's output; it is written in the before-sleep flush,
 * coalesced with everything else produced in this loop iteration. Returns 0,
 * ERR_CLOSED when c is closing (only a refusing CONNACK still goes out), or ERR_TOOBIG
 * (never for broker-generated packets within limits). */
int conn_send(struct conn *c, const struct mqtt_packet *p);
/* Append a PUBLISH of m at qos with packet id mid (0 for QoS 0), the dup and retain
 * flags; the topic is stripped of the listener's mount point. m is borrowed. */
void conn_send_publish(struct conn *c, const struct msg *m, uint8_t qos, uint16_t mid, bool dup,
                       bool retain);
/* Append a PUBACK/PUBREC/PUBREL/PUBCOMP for mid. */
void conn_send_ack(struct conn *c, uint8_t type, uint16_t mid);
/* Bytes waiting in c's output buffer. */
static inline size_t conn_out_pending(const struct conn *c)
{
    return buf_size(&c->out);
}
/* Bytes not yet written to c's socket: the output buffer plus, on TLS, sealed records. */
size_t conn_out_unsent(const struct conn *c);
/* True when c's unsent output passed the slow-consumer limit: QoS 0 deliveries to it are
 * dropped (and counted) until it catches up. */
bool conn_out_is_congested(const struct conn *c);

/* Mark c closing with a static reason for the log line; publishes its will unless it
 * sent DISCONNECT (send_will false); detaches it from its session. The socket is
 * closed and c freed later in the before-sleep hook, never inside a callback. Idempotent. */
void conn_close(struct conn *c, const char *reason);

/* Before-sleep work: write pending output of every connection, then reap closed ones. */
void conn_before_sleep(struct broker *b);
/* Keepalive wheel tick (timer callback body): closes connections whose keepalive (1.5x)
 * or CONNECT timeout passed. Cost is proportional to the connections due, not to all. */
void conn_keepalive_tick(struct broker *b);
/* (Re)file c in the keepalive wheel after its deadline changed (CONNECT accepted). */
void conn_keepalive_arm(struct conn *c);

/* Close every connection immediately (shutdown), publishing wills. */
void conn_close_all(struct broker *b);

#endif
