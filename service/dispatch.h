/* SPDX-License-Identifier: MIT */
/* Packet dispatch: decode one framed packet, enforce connection-state rules, call the
 * handler for its family, and map handler errors to MQTT reason codes in one place. */
#ifndef MIDGE_SERVICE_DISPATCH_H
#define MIDGE_SERVICE_DISPATCH_H

#include "common/mqtt_codec.h"
#include "service/broker.h"

/* Handle one complete packet (header h, body of h->remaining bytes, borrowed for the
 * call). Returns 0, or an error after which c has been closed. */
int dispatch_packet(struct conn *c, const struct mqtt_header *h, const uint8_t *body);

/* Handlers (one file per packet family). Each returns 0 or a negative ERR_* code; on
 * error the dispatcher answers (CONNACK code) and closes the connection. */
int handle_connect(struct conn *c, const struct mqtt_connect *p);
int handle_publish(struct conn *c, const struct mqtt_publish *p);
int handle_pub_ack(struct conn *c, uint8_t type, const struct mqtt_ack *p);
int handle_subscribe(struct conn *c, const struct mqtt_subscribe *p);
int handle_unsubscribe(struct conn *c, const struct mqtt_subscribe *p);
int handle_pingreq(struct conn *c);
int handle_disconnect(struct conn *c, const struct mqtt_disconnect *p);

#endif
