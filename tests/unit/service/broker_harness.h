/* SPDX-License-Identifier: MIT */
/* Test harness for the service on the fake platform: a broker started from config text
 * on a fake loop, and MQTT test clients that exchange real encoded packets with it
 * through in-memory sockets. Every helper asserts (and aborts the test) on surprises. */
#ifndef MIDGE_TESTS_UNIT_SERVICE_BROKER_HARNESS_H
#define MIDGE_TESTS_UNIT_SERVICE_BROKER_HARNESS_H

#include "common/mqtt_codec.h"
#include "service/broker.h"
#include "tests/fakes/fake_plat.h"

#include <stdbool.h>
#include <stdint.h>

/* The port of the default configuration. */
#define H_PORT 1883
/* The configuration every test starts from; tests append their own lines. */
#define H_BASE_CONF "listener 1883\nallow_anonymous true\n"

struct harness {
    plat_loop *loop;
    struct broker b;
};

/* One test client: the fake connection plus the last packet received from the broker. */
struct tclient {
    struct harness *h;
    struct fake_client *fc;
    uint8_t version;
    uint8_t *body; /* owned copy of the last packet's body; pkt points into it */
    struct mqtt_packet pkt;
};

/* Parse H_BASE_CONF + extra (may be NULL) and start the broker on a new fake loop; the
 * logger logs everything into the fake log. */
void h_start(struct harness *h, const char *extra);
/* Tear the broker down, free the loop and reset the fake platform. */
void h_stop(struct harness *h);
/* Run the loop until nothing more happens. */
void h_settle(struct harness *h);
/* Let ms of fake time pass (timers fire at every beat). */
void h_run_for(struct harness *h, uint64_t ms);

/* Open a connection (accepted by the broker, no CONNECT yet); free with tc_free. */
struct tclient *tc_open(struct harness *h);
/* Free the client record (the fake connection is freed too). */
void tc_free(struct tclient *c);
/* Send raw bytes, or the encoding of *p at the client's version, then settle. */
void tc_send_raw(struct tclient *c, const void *bytes, size_t len);
void tc_send(struct tclient *c, const struct mqtt_packet *p);
/* Send CONNECT (3.1.1) with client id (NULL = empty), clean session and keepalive. */
void tc_send_connect(struct tclient *c, const char *id, bool clean, uint16_t keepalive);
/* tc_open + CONNECT + expect CONNACK 0 with the given session-present flag. */
struct tclient *tc_connect(struct harness *h, const char *id, bool clean, bool present);
/* Decode the next packet the broker wrote into c->pkt; false when none is complete. */
bool tc_next(struct tclient *c);
/* Expect the next packet to be of type; returns &c->pkt (valid until the next tc_next). */
const struct mqtt_packet *tc_expect(struct tclient *c, uint8_t type);
/* Expect that the broker wrote nothing more. */
void tc_expect_nothing(struct tclient *c);
/* Expect a CONNACK with return code rc and session-present flag sp. */
void tc_expect_connack(struct tclient *c, uint8_t rc, bool sp);
/* SUBSCRIBE to filter at qos (packet id 1) and expect SUBACK granting `granted`. */
void tc_subscribe(struct tclient *c, const char *filter, uint8_t qos, uint8_t granted);
/* Send PUBLISH of payload (text) to topic. */
void tc_publish(struct tclient *c, const char *topic, const char *payload, uint8_t qos,
                uint16_t mid, bool retain);
/* Expect a PUBLISH with these fields; returns its packet id. */
uint16_t tc_expect_publish(struct tclient *c, const char *topic, const char *payload, uint8_t qos,
                           bool retain, bool dup);
/* Send an acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP) for mid. */
void tc_ack(struct tclient *c, uint8_t type, uint16_t mid);
/* Expect an acknowledgement of type for mid. */
void tc_expect_ack(struct tclient *c, uint8_t type, uint16_t mid);
/* Send DISCONNECT and expect the broker to close. */
void tc_disconnect(struct tclient *c);
/* True once the broker closed the connection. */
bool tc_is_closed(const struct tclient *c);

#endif
