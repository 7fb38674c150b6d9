/* SPDX-License-Identifier: MIT */
/* The parsed broker configuration (struct cfg) and its lifetime. Produced by
 * cfg_parse (common/cfg_parse.h) from mosquitto.conf syntax, described option by option
 * by the schema table in common/cfg_schema.h. Pure data: no I/O. */
#ifndef MIDGE_COMMON_CFG_H
#define MIDGE_COMMON_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* log_dest bits (repeatable keyword, OR-ed). */
enum cfg_log_dest {
    CFG_LOG_DEST_STDERR = 1u << 0,
    CFG_LOG_DEST_STDOUT = 1u << 1,
    CFG_LOG_DEST_FILE = 1u << 2,
    CFG_LOG_DEST_SYSLOG = 1u << 3,
    CFG_LOG_DEST_TOPIC = 1u << 4,
};

/* log_type bits (repeatable keyword, OR-ed). */
enum cfg_log_type {
    CFG_LOG_TYPE_ERROR = 1u << 0,
    CFG_LOG_TYPE_WARNING = 1u << 1,
    CFG_LOG_TYPE_NOTICE = 1u << 2,
    CFG_LOG_TYPE_INFO = 1u << 3,
    CFG_LOG_TYPE_DEBUG = 1u << 4,
    CFG_LOG_TYPE_SUBSCRIBE = 1u << 5,
    CFG_LOG_TYPE_UNSUBSCRIBE = 1u << 6,
    CFG_LOG_TYPE_WEBSOCKETS = 1u << 7,
    CFG_LOG_TYPE_ALL = 0xffu,
};

/* TLS options of one listener (common/cfg_tls.h). Strings owned; NULL = not given. */
struct cfg_tls {
    char *certfile, *keyfile, *cafile, *capath, *crlfile, *dhparamfile;
    char *ciphers, *ciphers_tls13, *psk_hint;
    int tls_version; /* minimum: 12 = TLS 1.2 (default), 13, 11 */
    bool require_certificate, use_identity_as_username, use_subject_as_username;
};

/* One `listener` block (or the implicit default listener of `port`/`bind_address`). */
struct cfg_listener {
    uint16_t port;
    char *bind_address;  /* NULL = all interfaces */
    int socket_domain;   /* 0 = both, 4 = IPv4 only, 6 = IPv6 only */
    int max_connections; /* -1 = unlimited */
    char *mount_point;   /* NULL = none */
    char *src_file;      /* where the block started, for messages */
    int src_line;
    struct cfg_tls tls;
    bool use_username_as_clientid; /* client id := username (none: not authorised) */
    /* Security options of this listener, used only with per_listener_settings true. */
    char *password_file;            /* NULL = no password checks */
    char *acl_file;                 /* NULL = every topic allowed */
    char *auto_id_prefix;           /* NULL = "auto-" */
    int allow_anonymous;            /* -1 = not set (false: a listener is configured) */
    int allow_zero_length_clientid; /* -1 = not set (true) */
};

/* Direction bits of a bridge topic. */
enum cfg_bridge_dir {
    CFG_BRIDGE_OUT = 1, /* local -> remote */
    CFG_BRIDGE_IN = 2,  /* remote -> local */
    CFG_BRIDGE_BOTH = 3,
};

/* One `topic` line of a bridge. Prefixes are NULL when not given or given as "". */
struct cfg_bridge_topic {
    char *pattern; /* "" only with both prefixes (maps one topic to another) */
    unsigned dir;  /* enum cfg_bridge_dir */
    uint8_t qos;
    char *local_prefix, *remote_prefix;
};

/* One remote address of a bridge. */
struct cfg_bridge_addr {
    char *host;
    uint16_t port;
};

/* One `connection` block (common/cfg_parse_bridge.c). Strings owned; NULL = not given. */
struct cfg_bridge {
    char *name;
    char *src_file; /* where the block started, for messages */
    int src_line;
    struct cfg_bridge_addr *addrs;
    size_t n_addrs;
    struct cfg_bridge_topic *topics;
    size_t n_topics;
    char *remote_clientid; /* NULL = "<hostname>.<name>" (filled in by the broker) */
    char *remote_username, *remote_password;
    char *local_clientid; /* NULL = "local.<remote_clientid>" */
    bool cleansession;
    uint16_t keepalive_interval;
    int start_type;          /* 0 automatic, 1 lazy, 2 once */
    uint32_t restart_base_s; /* restart_timeout: constant delay, or backoff base */
    uint32_t restart_cap_s;  /* 0 = constant delay; else jittered backoff up to this */
    uint32_t idle_timeout;   /* seconds, lazy bridges */
    uint32_t threshold;      /* queued messages that start a lazy bridge */
    bool round_robin, try_private, notifications, notifications_local_only;
    char *notification_topic; /* NULL = $SYS/broker/connection/<remote_clientid>/state */
    int protocol_version;     /* 3 (mqttv31) or 4 (mqttv311) */
    bool attempt_unsubscribe, outgoing_retain;
    uint32_t max_packet_size; /* bridge_max_packet_size: largest packet to the remote; 0 = none */
    /* TLS to the remote: on when a CA (file or path) or a PSK is given. */
    char *cafile, *capath, *certfile, *keyfile;
    char *identity, *psk; /* TLS-PSK identity and hex key */
    bool insecure;        /* skip the host name check of the remote's certificate */
    int tls_version;      /* minimum: 12 (default), 13 or 11 */
    char *bind_address;   /* local address of the outgoing socket; NULL = any */
};

/* The whole configuration. Strings are owned by the struct (cfg_cleanup frees them). */
struct cfg {
    struct cfg_listener *listeners;
    size_t n_listeners;
    bool local_only; /* no listener configured: 127.0.0.1 + ::1, anonymous allowed */

    struct cfg_bridge *bridges; /* `connection` blocks, in file order */
    size_t n_bridges;

    /* security (with per_listener_settings the listener's fields are used instead) */
    bool per_listener_settings;
    int allow_anonymous;            /* -1 = not set (default depends on local_only), 0, 1 */
    int allow_zero_length_clientid; /* 0 or 1 (int like the listener's field) */
    char *auto_id_prefix;
    char *password_file; /* NULL = no password checks */
    char *acl_file;      /* NULL = every topic allowed */
    char *psk_file;      /* TLS-PSK identities and keys; NULL = none (always global) */

    /* limits and delivery */
    uint32_t max_inflight_messages; /* 0 = unlimited */
    uint32_t max_queued_messages;   /* 0 = unlimited */
    uint64_t max_queued_bytes;      /* 0 = unlimited */
    bool queue_qos0_messages;
    bool upgrade_outgoing_qos;
    uint32_t message_size_limit; /* 0 = none */
    uint32_t max_packet_size;    /* 0 = none */
    uint16_t max_keepalive;      /* 0 = no cap */
    bool retain_available;
    bool set_tcp_nodelay;
    uint32_t spin_wait_us; /* event-loop polling before a sleep; 0 = never (spinwait.h) */
    int64_t persistent_client_expiration; /* seconds, 0 = never */
    uint32_t sys_interval;                /* seconds, 0 = no $SYS */

    /* persistence */
    bool persistence;
    char *persistence_file;     /* default "midge.db"; NULL = the same */
    char *persistence_location; /* NULL = the working directory */
    uint32_t autosave_interval; /* seconds (or changes); 0 = only at shutdown / on demand */
    bool autosave_on_changes;

    /* logging */
    unsigned log_dest; /* cfg_log_dest bits; default STDERR */
    char *log_file;    /* with CFG_LOG_DEST_FILE */
    unsigned log_type; /* cfg_log_type bits */
    bool log_timestamp;
    char *log_timestamp_format; /* NULL = epoch seconds */
    bool connection_messages;

    /* process */
    char *pid_file;
    char *user;
    char *control_socket; /* NULL = the platform default; "none" = no control socket */
    char *control_group;  /* NULL = the broker's primary group */

    /* Warnings found while parsing (deprecated keywords accepted and ignored, ...), as
     * "file:line: text" strings owned by the struct, for the caller to log. */
    char **warnings;
    size_t n_warnings;
};

/* Fill *c with the built-in defaults (mosquitto 2.0's meanings; no listeners). The
 * default strings (auto_id_prefix "auto-", user "mosquitto") are malloc'ed and owned by
 * *c like every other string, so a later cfg_cleanup must follow. */
void cfg_init(struct cfg *c);
/* Free the strings of one listener block and reset it to zeros; safe twice. */
void cfg_listener_cleanup(struct cfg_listener *li);
/* Free everything *c owns and leave it as after cfg_init except that the string fields
 * are NULL (so that nothing is left allocated); safe to call twice. */
void cfg_cleanup(struct cfg *c);
/* Defaults of a new bridge block (as mosquitto 2.0); name is copied. */
void cfg_bridge_init(struct cfg_bridge *br, const char *name, size_t len);
/* Free what br owns. */
void cfg_bridge_cleanup(struct cfg_bridge *br);

#endif
