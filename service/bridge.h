/* SPDX-License-Identifier: MIT */
/* Bridges: for every `connection` block an MQTT client inside the broker's loop that
 * connects to a remote broker, carries the configured topics both ways (with prefix
 * remapping), queues QoS 1/2 messages in a local persistent session while the remote is
 * unreachable, reconnects with restart_timeout, and publishes its state. Also the server
 * side of bridging: remote bridges that announce themselves (try_private). Loop thread
 * only. */
#ifndef MIDGE_SERVICE_BRIDGE_H
#define MIDGE_SERVICE_BRIDGE_H

#include "common/mqtt_codec.h"
#include "service/broker.h"

/* Create a bridge for every configured connection block and start the automatic ones
 * (DNS runs on a worker thread). Returns 0; problems are logged per bridge. */
int bridge_start_all(struct broker *b);
/* Stop every bridge: timers stop, connections close (the remote publishes the will),
 * no reconnects. Call before the broker closes its connections. */
void bridge_stop_all(struct broker *b);
/* Free the bridges after their connections were reaped; joins pending resolver threads. */
void bridge_cleanup_all(struct broker *b);

/* Check the bridges of c before start (c borrowed): their TLS files load and, when
 * resolve (for `midge -t`; BLOCKS on DNS), every address resolves. Returns 0 or
 * ERR_CONFIG with *d naming the bridge block's file:line. */
int bridge_config_check(const struct cfg *c, bool resolve, struct err_detail *d);

/* Handle one packet from the remote on bridge connection c (h, body borrowed). Returns
 * 0 or an error after which c has been closed. */
int bridge_dispatch(struct conn *c, const struct mqtt_header *h, const uint8_t *body);
/* Whether m (borrowed), sent at qos with its topic remapped for the outgoing direction,
 * fits br's bridge_max_packet_size (always true without one). Called when a message is
 * delivered to the bridge's local session, so a message too large for the remote is
 * dropped there (counted) and never holds up the QoS 1/2 window. */
bool bridge_fits(const struct bridge *br, const struct msg *m, uint8_t qos);
/* Send m (borrowed) to the remote on bridge connection c with the topic remapped for the
 * outgoing direction; counts it as forwarded. */
void bridge_send_publish(struct conn *c, const struct msg *m, uint8_t qos, uint16_t mid, bool dup,
                         bool retain);
/* Bridge connection c is closing (called from conn_close after the session was
 * detached): publish the local "0" state and schedule the reconnect. */
void bridge_conn_closed(struct conn *c);

/* Server side: a CONNECT whose protocol level has bit 0x80 set (a remote bridge using
 * try_private) and was refused by the decoder as ERR_NOTSUP. Decodes it without the bit,
 * marks c as a bridge peer (its messages are not sent back to it) and handles it as a
 * normal CONNECT. Returns ERR_NOTSUP when the level is not 0x83/0x84, else
 * handle_connect's result. */
int bridge_peer_decode(struct conn *c, const struct mqtt_header *h, const uint8_t *body,
                       struct mqtt_packet *out);
/* Whether c (a bridge peer or our own bridge) may publish to $SYS topic t (len bytes):
 * only $SYS/broker/connection/+/state. */
bool bridge_may_publish_sys(const struct conn *c, const uint8_t *t, size_t len);

/* A snapshot of one bridge for $SYS and the control socket. Strings borrowed. */
struct bridge_info {
    const char *name;
    const char *state;   /* "connected", "connecting", "resolving", "waiting", "stopped" */
    const char *address; /* "host:port" in use or last tried; "" before the first try */
    uint64_t msgs_out;   /* PUBLISH forwarded to the remote */
    uint64_t msgs_in;    /* PUBLISH received from the remote */
    uint64_t queued;     /* messages waiting in the local session */
    uint64_t connects;   /* successful connections */
};
/* Publish the changed $SYS/broker/bridge/<name>/{state,address,messages/sent,
 * messages/received,messages/queued,connects} values (retained); returns the count. */
size_t bridge_sys_publish(struct broker *b);

/* Number of bridges, and the snapshot of bridge i (< count) into *out. */
size_t bridge_count(const struct broker *b);
void bridge_info_get(const struct broker *b, size_t i, struct bridge_info *out);

#endif
