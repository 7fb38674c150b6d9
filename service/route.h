/* SPDX-License-Identifier: MIT */
/* Message routing: store retained messages and deliver a published message once to each
 * matching session at the right QoS. Loop thread only. */
#ifndef MIDGE_SERVICE_ROUTE_H
#define MIDGE_SERVICE_ROUTE_H

#include "service/broker.h"

/* Route m (borrowed; stored and queued by reference) from a client or a will: update the
 * retained store when m->retain, then deliver to every session with a matching
 * subscription exactly once at the highest granted QoS of its matching filters
 * (MQTT-3.3.5-1), with the retain flag cleared. Returns the number of sessions reached. */
size_t route_publish(struct broker *b, struct msg *m);

/* Deliver the retained messages matching filter f (flen bytes, mount point applied) to s
 * at min(message QoS, granted) with the retain flag set: called after a SUBSCRIBE. The
 * set is streamed as s's output drains (service/rstream.h). */
void route_retained(struct broker *b, struct session *s, const char *f, size_t flen,
                    uint8_t granted);

#endif
