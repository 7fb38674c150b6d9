/* SPDX-License-Identifier: MIT */
/* Internals shared by the bridge files (bridge.c: lifecycle, DNS, connect, retry;
 * bridge_proto.c: the MQTT client side and topic remapping). */
#ifndef MIDGE_SERVICE_BRIDGE_PRIV_H
#define MIDGE_SERVICE_BRIDGE_PRIV_H

#include "service/bridge.h"

enum bridge_state {
    BR_STOPPED = 0, /* start_type once after failure, lazy while idle, or shutting down */
    BR_WAITING,     /* restart delay running */
    BR_RESOLVING,   /* DNS on the worker thread */
    BR_CONNECTING,  /* TCP connect in progress */
    BR_TLS,         /* TLS handshake in progress */
    BR_CONNACK,     /* CONNECT sent, awaiting CONNACK */
    BR_UP,          /* CONNACK accepted */
};

/* A DNS lookup handed to a worker thread; written by the worker until it is done. */
struct bridge_resolve {
    char host[256];
    uint16_t port;
    int rc; /* number of addresses or an error */
    struct plat_addr addrs[4];
    struct err_detail d;
    char bind[256]; /* bridge_bind_address, "" = none */
    struct plat_addr bind_addr;
};

/* The remote and local filters of one configured topic. */
struct bridge_topic {
    const struct cfg_bridge_topic *t; /* borrowed from the broker's cfg */
    char *local_filter, *remote_filter;
};

#define BRIDGE_SYS_VALUES 6
#define BRIDGE_SYS_LEN 320

struct bridge {
    struct broker *b;
    const struct cfg_bridge *cfg; /* borrowed from b->cfg (bridges are not reloaded) */
    char *remote_id, *local_id, *state_topic;
    struct bridge_topic *topics;
    struct listener lst; /* stands in for a listener: bridge connections have none */
    enum bridge_state state;
    plat_timer *timer;
    plat_thread *thread;
    struct bridge_resolve *job;
    plat_sock *sock; /* during the TCP connect */
    struct conn *conn;
    struct tls_ctx *tls; /* client TLS context; NULL = plain TCP */
    const char *host;    /* host name of the current attempt (borrowed from cfg) */
    size_t addr_idx;
    char addr_text[300];
    uint64_t next_ms, phase_ms, last_ping_ms, last_activity_ms;
    uint32_t backoff_s;
    bool private_on; /* try_private used for the next CONNECT */
    /* Failback probe of the primary address (bridge_probe.c). */
    plat_thread *probe_thread;
    struct bridge_resolve *probe_job;
    plat_sock *probe_sock;
    uint64_t probe_ms;
    bool stopping;
    uint64_t msgs_out, msgs_in, connects;
    char sys_last[BRIDGE_SYS_VALUES][BRIDGE_SYS_LEN]; /* last $SYS payloads */
};

struct bridge_set {
    struct bridge **v;
    size_t n;
};

/* Worker-thread body of a DNS lookup (a struct bridge_resolve *). */
void bridge__resolve_fn(void *ud);
/* While up on a backup address (round_robin false): probe the primary now and then and
 * switch back once it accepts connections. Called from the bridge's timer. */
void bridge__probe_tick(struct bridge *br, uint64_t now);
/* Stop a running probe (joins its resolver thread). */
void bridge__probe_stop(struct bridge *br);

/* Build and queue the CONNECT for br on c (bridge_proto.c). */
void bridge__send_connect(struct bridge *br, struct conn *c);
/* Publish the state payload ("1"/"0") locally as a retained QoS 1 message. */
void bridge__notify_local(struct bridge *br, bool up);
/* Schedule the next attempt after a failure (restart_timeout, backoff with jitter). */
void bridge__schedule_retry(struct bridge *br, const char *why);
/* The local session of br (found or created, out-direction subscriptions in place). */
struct session *bridge__session(struct bridge *br);

#endif
