/* SPDX-License-Identifier: MIT */
/* The broker object and the types its modules share: connections, sessions, listeners.
 * One `struct broker *` is passed explicitly everywhere; there are no mutable globals
 * (apart from the logger, see service/log.c). Everything runs on the loop thread. */
#ifndef MIDGE_SERVICE_BROKER_H
#define MIDGE_SERVICE_BROKER_H

#include "common/buf.h"
#include "common/cfg.h"
#include "common/hmap.h"
#include "common/platform.h"
#include "service/msg.h"
#include "service/stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acl_view;
struct auth;
struct bridge;
struct bridge_set;
struct persist;
struct rstream;
struct conn;
struct ctl_server;
struct log_topic;
struct out_pool;
struct sec_domain;
struct session;
struct sys_tree;
struct tls_conn;
struct tls_ctx;
struct tls_server;

/* An intrusive doubly-linked list link; a node that is in no list points to itself. */
struct link {
    struct link *prev, *next;
};

/* One bound socket of a configured listener (a listener may bind several addresses). */
struct listener {
    struct broker *b;
    plat_sock *sock;
    struct cfg_listener cfg; /* owned copy (strings duplicated) */
    char name[80];           /* "127.0.0.1:1883" for log lines */
    uint64_t n_conns;        /* live connections accepted here */
    bool paused;             /* accept paused after ERR_LIMIT */
    struct tls_ctx *tls;     /* TLS listener's context (service/tls.h); NULL = plain TCP */
    /* Rate limit of TLS failure log lines (conn.c): this second, lines, lines dropped. */
    uint64_t tls_log_sec;
    unsigned tls_log_lines, tls_log_dropped;
    size_t sec_index; /* its security domain: broker.sec[sec_index] (sec.c) */
};

/* State of an outbound QoS 1/2 (or queued QoS 0) message in a session queue. */
enum qstate {
    Q_QUEUED = 0, /* not sent yet */
    Q_WAIT_ACK,   /* PUBLISH sent, awaiting PUBACK (QoS 1) or PUBREC (QoS 2) */
    Q_WAIT_COMP,  /* PUBREL sent, awaiting PUBCOMP */
    Q_DONE,       /* acknowledged; popped once it reaches the head */
};

struct qentry {
    struct msg *m; /* owned reference */
    uint16_t mid;  /* packet id once sent */
    uint8_t qos;   /* delivery QoS */
    uint8_t state; /* enum qstate */
    bool retain;   /* deliver with the retain flag (retained on subscribe) */
};

/* Outbound queue of a session: a ring of entries. The first `sent` entries from the head
 * have been transmitted (some may be Q_DONE, waiting to be popped in order); `active`
 * of them still await an acknowledgement. */
struct outq {
    struct qentry *e;
    size_t head, count, cap;
    size_t sent, active;
    uint64_t queued_bytes; /* payload bytes of entries not yet sent */
};

struct sub_entry {
    char *filter; /* owned, as stored in the tree (mount point applied) */
    uint16_t flen;
    uint8_t options;
};

/* A client session: lives while connected, and beyond for persistent sessions. */
struct session {
    struct broker *b;
    char *client_id; /* owned; the hmap key */
    size_t id_len;
    struct conn *conn;   /* NULL while offline */
    uint32_t expiry_s;   /* MQTT 5 session expiry; UINT32_MAX = never */
    uint32_t sec_index;  /* security domain of its last CONNECT */
    uint16_t next_mid;   /* (the small fields are packed together: sessions of idle */
    uint8_t match_qos;   /*  clients are the bulk of the broker's memory) */
    bool match_readable; /* a fully readable subscription matched (acl.c) */
    bool persistent;     /* 3.x clean session 0 */
    int64_t offline_since_ms;
    struct sub_entry *subs;
    size_t n_subs, cap_subs;
    struct outq q;
    uint16_t *in_qos2; /* inbound QoS 2 packet ids awaiting PUBREL */
    size_t n_in_qos2, cap_in_qos2;
    uint64_t match_gen;      /* dedupe of overlapping subscriptions during one match */
    struct acl_view *acl;    /* owned; this client's compiled ACL (acl.c) */
    char *acl_username;      /* owned; username of its last CONNECT (NULL = none) */
    struct link expiry_link; /* in broker.offline when persistent and offline */
    /* The bridge whose local session this is (borrowed, service/bridge.c; cleared when
     * the bridge is freed); NULL for clients. */
    struct bridge *bridge;
    /* Owned retained streams still being delivered, oldest first (rstream.c). */
    struct rstream *rstreams;
};

enum conn_state {
    CONN_NEW = 0, /* waiting for CONNECT */
    CONN_ACTIVE,  /* CONNECT accepted */
    CONN_CLOSING, /* marked; reaped in the before-sleep hook */
};

struct conn {
    struct broker *b;
    plat_sock *sock;
    struct listener *lst;
    char addr[48];   /* "[8 groups of IPv6]:65535" fits; longer (zone ids) is cut */
    uint8_t state;   /* enum conn_state */
    uint8_t version; /* 3, 4, 5 after CONNECT */
    /* One-bit flags: they share a byte, which keeps idle connections small. */
    bool send_will : 1;   /* will pending: published on any close but DISCONNECT */
    bool want_write : 1;  /* PLAT_EV_WRITE interest registered */
    bool reading : 1;     /* PLAT_EV_READ interest registered */
    bool pw_checked : 1;  /* username and password verified against password_file */
    bool bridge_peer : 1; /* a remote bridge (try_private): its messages are not routed
                           * back to it */
    uint16_t keepalive;
    uint64_t last_rx_ms;
    uint64_t connected_ms;
    struct buf in;  /* partial packet carried over between reads */
    struct buf out; /* encoded packets not yet written */
    struct session *sess;
    struct msg *will;         /* owned; topic already mounted */
    char *username;           /* owned */
    uint32_t acl_denials;     /* SUBSCRIBE denials logged so far (rate limit) */
    uint32_t ka_slot;         /* keepalive wheel slot (< KA_SLOTS) */
    const char *close_reason; /* static text for the disconnect log line */
    struct link all_link;     /* broker.conns or broker.closing */
    struct link flush_link;   /* broker.flush when out has data to write */
    struct link ka_link;      /* keepalive wheel slot */
    struct tls_conn *tls;     /* owned TLS state (service/tls.h); NULL = plain TCP */
    /* Our outgoing bridge connection (service/bridge.h); NULL for clients. */
    struct bridge *bridge;
};

#define KA_SLOTS 1024u
#define KA_TICK_MS 250u

struct broker {
    plat_loop *loop;
    struct cfg cfg;          /* owned current configuration */
    const char *config_path; /* borrowed from argv; NULL = built-in defaults */
    bool verbose;
    uint16_t cli_ports[10];
    size_t n_cli_ports;
    bool allow_anonymous; /* resolved from cfg and local-only mode */

    struct listener **listeners;
    size_t n_listeners;
    struct link conns;   /* live connections */
    struct link closing; /* marked for reaping */
    struct link flush;   /* connections with pending output */
    struct link offline; /* persistent sessions without connection */

    struct hmap sessions; /* client id -> struct session * */
    struct sub_tree *subs;
    struct retain_store *retained;
    uint64_t match_gen;
    struct session **matches; /* scratch for one delivery */
    size_t n_matches, cap_matches;
    uint64_t next_msg_id;

    struct link ka_wheel[KA_SLOTS];
    uint64_t ka_tick; /* last processed tick (mono ms / KA_TICK_MS) */
    plat_timer *ka_timer;
    plat_timer *expiry_timer;
    uint8_t *rbuf; /* shared read buffer */
    size_t rbuf_size;
    uint64_t start_ms;
    struct stats stats;
    struct sys_tree *sys;        /* $SYS publication state (sys_tree.c) */
    struct auth *auth;           /* password_file users and cache (auth.c) */
    struct log_topic *log_topic; /* `log_dest topic` queue (log_topic.c) */
    struct out_pool *out_pool;   /* recycled output-buffer storage (out_pool.c) */
    /* PSK keys of the TLS listeners; NULL when no listener uses TLS (service/tls.h). */
    struct tls_server *tls;

    /* persistence (persist.c) */
    struct persist *persist;
    uint64_t persist_changes; /* changes counted for autosave_on_changes */
    struct ctl_server *ctl;   /* control socket (ctl_server.c); NULL when off */

    /* Outgoing bridges (bridge.c). */
    struct bridge_set *bridges;
    /* While a bridge's message is routed: the bridge's own session, which is skipped. */
    struct session *no_local;
    /* Save persistent state now (SIGUSR1 and the control socket's persist.save): 0 or an
     * error with the reason in *d; NULL = this build has no persistence. */
    int (*save)(struct broker *b, struct err_detail *d);

    struct sec_domain *sec; /* security domains: one, or one per listener (sec.c) */
    size_t n_sec;
    bool sec_per_listener; /* per_listener_settings at start */
};

/* Lists ------------------------------------------------------------------------------ */
static inline void link_init(struct link *l)
{
    l->prev = l->next = l;
}
static inline bool link_linked(const struct link *l)
{
    return l->next != l;
}
static inline void link_remove(struct link *l)
{
    l->prev->next = l->next;
    l->next->prev = l->prev;
    link_init(l);
}
static inline void link_push(struct link *head, struct link *l)
{
    l->prev = head->prev;
    l->next = head;
    head->prev->next = l;
    head->prev = l;
}
#define link_entry(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Lifecycle (broker.c) ----------------------------------------------------------------- */

/* Initialise *b (caller-owned storage) with config *c, which is moved into the broker
 * (c is left zeroed: cfg_cleanup on it is a no-op). cli_ports (n <= 10) are -p ports. No sockets are opened. */
void broker_init(struct broker *b, struct cfg *c, const char *config_path, bool verbose,
                 const uint16_t *cli_ports, size_t n_cli_ports);
/* Bind listeners and start timers on loop. Returns 0 or an error already logged. */
int broker_start(struct broker *b, plat_loop *loop);
/* Close listeners and every connection (publishing wills as on an unclean close is NOT
 * done: a clean shutdown suppresses nothing but does not fake disconnects either —
 * mosquitto sends wills at shutdown, and so do we), then stop the loop. */
void broker_stop(struct broker *b);
/* Re-read the configuration file and apply the reloadable options. */
void broker_reload(struct broker *b);
/* Free everything; the loop must not run any more. */
void broker_cleanup(struct broker *b);
/* Allocate the next broker-unique message id. */
uint64_t broker_next_msg_id(struct broker *b);

/* Listeners (listener.c) ---------------------------------------------------------------- */

/* Open every configured listener (or the local-only defaults). Returns 0 or an error
 * (logged with the listener's address). */
int listener_open_all(struct broker *b);
/* Close and free every listener (connections stay). */
void listener_close_all(struct broker *b);
/* Open one more listener (every address of lc, borrowed) while running; when one
 * address fails the others opened for lc are closed again. Returns 0 or the error with
 * the reason in *d. */
int listener_open(struct broker *b, const struct cfg_listener *lc, struct err_detail *d);
/* Whether l is a socket of the listener with port and bind_address (NULL or "" = all
 * interfaces). */
bool listener_matches(const struct listener *l, uint16_t port, const char *bind_address);
/* Close every socket of the listener with port and bind_address, after closing the
 * connections accepted on it (wills are published). Returns the sockets closed. */
size_t listener_close(struct broker *b, uint16_t port, const char *bind_address);
/* Called when a connection of lst closes: resumes a paused accept. */
void listener_conn_closed(struct listener *lst);
/* Reread certificate, key, CA and CRL files of every TLS listener (reload). A listener
 * whose new files do not load keeps its running context; the reason is logged. New
 * connections use the new files, established ones are not affected. */
void listener_reload_tls(struct broker *b);

#endif
