/* SPDX-License-Identifier: MIT */
/* Retained streams: the retained messages matching a new subscription, delivered in
 * slices as the subscriber's socket drains instead of all encoded at SUBSCRIBE time.
 * Loop thread only.
 *
 * A stream takes a snapshot of references to the matching retained messages and
 * encodes them a slice at a time while the connection's unsent output is below
 * RSTREAM_LOW_WATER, so the first bytes go out at once and a slow subscriber costs
 * 8 bytes per pending message, not its encoded PUBLISH. Semantics:
 *  - every message of the snapshot is delivered once per SUBSCRIBE, with the retain
 *    flag, at min(message QoS, granted) (or granted with upgrade_outgoing_qos), if the
 *    ACL lets s read it when it is encoded (so a reload during the stream applies);
 *  - a message replaced or cleared after the SUBSCRIBE is skipped: the subscription
 *    already exists, so the subscriber got the new value (or the clearing) live;
 *  - a second SUBSCRIBE of the same filter restarts its stream, UNSUBSCRIBE cancels it;
 *    streams of different (even overlapping) filters are independent, oldest first;
 *  - QoS 1/2 copies go through the session queue and window; the stream waits while the
 *    queue holds unsent entries, so it never fills the queue past the window;
 *  - when the connection goes away (disconnect, takeover, kick) the streams are freed; a
 *    persistent session first gets their rest as offline deliveries (QoS 1/2 queued
 *    within the queue limits, QoS 0 as queue_qos0_messages says), as before streaming. */
#ifndef MIDGE_SERVICE_RSTREAM_H
#define MIDGE_SERVICE_RSTREAM_H

#include "service/broker.h"

/* Streams fill a connection's output up to this many unsent bytes per turn. */
#define RSTREAM_LOW_WATER (256u * 1024u)
/* Messages one stream step delivers at most (bounds the time spent per turn). */
#define RSTREAM_SLICE 4096u

/* Start delivering the retained messages matching filter f (flen bytes, mounted) to the
 * connected session s at granted QoS, replacing a stream of s for the same filter. The
 * first slice is delivered at once; a set that fits in it needs no stream at all. */
void rstream_start(struct broker *b, struct session *s, const char *f, size_t flen,
                   uint8_t granted);
/* Cancel s's stream for filter f, if any (UNSUBSCRIBE). */
void rstream_cancel(struct session *s, const char *f, size_t flen);
/* True when s is connected and has a stream that can deliver now (it is not waiting
 * for the QoS 1/2 window). */
bool rstream_ready(const struct session *s);
/* Deliver from s's streams, oldest first, while the connection's unsent output is below
 * RSTREAM_LOW_WATER, at most RSTREAM_SLICE messages. Finished streams are freed. Returns
 * the number of messages delivered or skipped. */
size_t rstream_fill(struct session *s);
/* Snapshot entries of s still to deliver, over all its streams. */
size_t rstream_pending(const struct session *s);
/* s lost its connection (s->conn already NULL): a persistent session gets the rest of
 * its streams as offline deliveries; then every stream of s is freed. */
void rstream_detach(struct session *s);
/* Free every stream of s without delivering (session destroyed). */
void rstream_free_all(struct session *s);

#endif
