/* SPDX-License-Identifier: MIT */
/* The broker's counters and gauges in one structure: monotonic counters only grow,
 * gauges are current values; the sampled block (gauges read from other modules, and the
 * $SYS load averages) is refreshed by stats_sample, so that one copy of the structure is
 * a consistent snapshot for $SYS and control clients. */
#ifndef MIDGE_SERVICE_STATS_H
#define MIDGE_SERVICE_STATS_H

#include <stdint.h>

struct broker;

/* The families of the $SYS load averages, in the order of mosquitto's topic list. */
enum stats_load {
    STATS_LOAD_MSGS_RX = 0, /* msgs_received */
    STATS_LOAD_MSGS_TX,     /* msgs_sent */
    STATS_LOAD_PUB_RX,      /* pub_received */
    STATS_LOAD_PUB_TX,      /* pub_sent */
    STATS_LOAD_PUB_DROP,    /* pub_dropped */
    STATS_LOAD_BYTES_RX,    /* bytes_received */
    STATS_LOAD_BYTES_TX,    /* bytes_sent */
    STATS_LOAD_SOCKETS,     /* connections (accepted sockets) */
    STATS_LOAD_CONNECTS,    /* connects (CONNECTs completed) */
    STATS_LOAD_N
};

/* The averaging windows: 1, 5 and 15 minutes. */
enum { STATS_WIN_1 = 0, STATS_WIN_5, STATS_WIN_15, STATS_WIN_N };

struct stats {
    /* counters */
    uint64_t msgs_received; /* all packets received */
    uint64_t msgs_sent;     /* all packets sent */
    uint64_t pub_received;  /* PUBLISH received */
    uint64_t pub_sent;      /* PUBLISH sent */
    uint64_t pub_dropped;   /* deliveries dropped by queue limits */
    uint64_t pub_bytes_received;
    uint64_t pub_bytes_sent;
    uint64_t bytes_received;
    uint64_t bytes_sent;
    uint64_t connections; /* accepted sockets */
    uint64_t clients_expired;
    /* gauges */
    uint64_t sockets_open;
    uint64_t clients_connected; /* sessions with a live, CONNECTed connection */
    uint64_t clients_total;     /* sessions, connected or not */
    uint64_t clients_max;       /* peak of clients_connected */
    uint64_t inflight;          /* outbound QoS 1/2 messages awaiting acknowledgement */
    uint64_t queued;            /* messages queued for delivery */
    /* sampled by stats_sample (valid as of sample_ms) */
    uint64_t sample_ms;                     /* monotonic time of the last sample, 0 = never */
    uint64_t uptime_s;                      /* seconds since broker_start */
    uint64_t clients_disconnected;          /* clients_total - clients_connected */
    uint64_t connects;                      /* CONNECTs accepted (session_attach) */
    uint64_t subscriptions;                 /* (session, filter) pairs in the subscription tree */
    uint64_t shared_subscriptions;          /* 0: midge has no shared subscriptions yet */
    uint64_t retained_count;                /* retained messages ($SYS ones included) */
    uint64_t retained_bytes;                /* their payload bytes */
    uint64_t store_count;                   /* retained + queued + in-flight messages */
    uint64_t store_bytes;                   /* retained payload + queued (unsent) payload bytes */
    uint64_t heap_current;                  /* plat_heap_in_use() at the sample */
    uint64_t heap_max;                      /* highest heap_current sampled */
    uint64_t load_last[STATS_LOAD_N];       /* counter values at the last sample */
    double load[STATS_LOAD_N][STATS_WIN_N]; /* per-minute rate averages */
};

/* Refresh the sampled block of b->stats at monotonic time now_ms: read the gauges of
 * the subscription tree, the retained store, the session queues and the heap, then fold
 * the counter increases since the previous sample into the load averages. The first
 * sample only records the counters (averages stay 0). Loop thread only. */
void stats_sample(struct broker *b, uint64_t now_ms);

/* Fold the counter increases since the previous sample (dt_ms ago, > 0) into the load
 * averages of st: each window's average decays by e^(-dt/T) and takes the remaining
 * weight from the current rate per minute, as mosquitto and the Unix load do. Pure. */
void stats_update_loads(struct stats *st, uint64_t dt_ms);

/* The current value of the counter behind load family f. Pure. */
uint64_t stats_load_counter(const struct stats *st, enum stats_load f);

#endif
