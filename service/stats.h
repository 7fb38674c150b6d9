/* SPDX-License-Identifier: MIT */
/* The broker's counters and gauges in one structure: monotonic counters only grow,
 * gauges are current values; rates are derived by readers ($SYS, control clients). */
#ifndef MIDGE_SERVICE_STATS_H
#define MIDGE_SERVICE_STATS_H

#include <stdint.h>

struct stats {
    /* counters */
    uint64_t msgs_received;     /* all packets received */
    uint64_t msgs_sent;         /* all packets sent */
    uint64_t pub_received;      /* PUBLISH received */
    uint64_t pub_sent;          /* PUBLISH sent */
    uint64_t pub_dropped;       /* deliveries dropped by queue limits */
    uint64_t pub_bytes_received;
    uint64_t pub_bytes_sent;
    uint64_t bytes_received;
    uint64_t bytes_sent;
    uint64_t connections;       /* accepted sockets */
    uint64_t clients_expired;
    /* gauges */
    uint64_t sockets_open;
    uint64_t clients_connected;  /* sessions with a live, CONNECTed connection */
    uint64_t clients_total;      /* sessions, connected or not */
    uint64_t clients_max;        /* peak of clients_connected */
    uint64_t inflight;           /* outbound QoS 1/2 messages awaiting acknowledgement */
    uint64_t queued;             /* messages queued for delivery */
};

#endif
