/* SPDX-License-Identifier: MIT */
/* The configuration schema table: one row per mosquitto 2.0 keyword (plus the 1.3 ones
 * midge accepts with a warning) and a sorted name index for lookups (common/cfg_schema.h). */
#include "common/cfg_schema.h"

#include "common/cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Row ids in documentation order. The table is indexed by them, and the sorted name index
 * below refers to rows by id so that it stays readable and checkable. */
enum opt_id {
    O_include_dir,
    O_pid_file,
    O_user,
    O_control_socket,
    O_control_group,
    O_sys_interval,
    O_max_inflight_messages,
    O_max_inflight_bytes,
    O_max_queued_messages,
    O_max_queued_bytes,
    O_queue_qos0_messages,
    O_message_size_limit,
    O_max_packet_size,
    O_max_keepalive,
    O_memory_limit,
    O_retain_available,
    O_set_tcp_nodelay,
    O_spin_wait_us,
    O_upgrade_outgoing_qos,
    O_persistent_client_expiration,
    O_listener,
    O_port,
    O_bind_address,
    O_bind_interface,
    O_max_connections,
    O_max_qos,
    O_maximum_qos,
    O_max_topic_alias,
    O_mount_point,
    O_socket_domain,
    O_use_username_as_clientid,
    O_protocol,
    O_certfile,
    O_keyfile,
    O_cafile,
    O_capath,
    O_ciphers,
    O_ciphers_tls13,
    O_crlfile,
    O_dhparamfile,
    O_require_certificate,
    O_use_identity_as_username,
    O_use_subject_as_username,
    O_tls_version,
    O_tls_engine,
    O_tls_engine_kpass_sha1,
    O_tls_keyform,
    O_psk_hint,
    O_per_listener_settings,
    O_allow_anonymous,
    O_password_file,
    O_acl_file,
    O_psk_file,
    O_allow_zero_length_clientid,
    O_auto_id_prefix,
    O_clientid_prefixes,
    O_check_retain_source,
    O_plugin,
    O_auth_plugin,
    O_plugin_opt,
    O_auth_opt,
    O_auth_plugin_deny_special_chars,
    O_persistence,
    O_retained_persistence,
    O_persistence_file,
    O_persistence_location,
    O_autosave_interval,
    O_autosave_on_changes,
    O_log_dest,
    O_log_type,
    O_log_timestamp,
    O_log_timestamp_format,
    O_log_facility,
    O_connection_messages,
    O_connection,
    O_address,
    O_addresses,
    O_topic,
    O_remote_clientid,
    O_clientid,
    O_remote_username,
    O_username,
    O_remote_password,
    O_password,
    O_local_clientid,
    O_local_username,
    O_local_password,
    O_cleansession,
    O_local_cleansession,
    O_keepalive_interval,
    O_start_type,
    O_restart_timeout,
    O_idle_timeout,
    O_threshold,
    O_round_robin,
    O_try_private,
    O_notifications,
    O_notification_topic,
    O_notifications_local_only,
    O_bridge_protocol_version,
    O_bridge_attempt_unsubscribe,
    O_bridge_outgoing_retain,
    O_bridge_max_packet_size,
    O_bridge_bind_address,
    O_bridge_cafile,
    O_bridge_capath,
    O_bridge_certfile,
    O_bridge_keyfile,
    O_bridge_insecure,
    O_bridge_tls_version,
    O_bridge_identity,
    O_bridge_psk,
    O_bridge_alpn,
    O_bridge_require_ocsp,
    O_http_dir,
    O_websockets_log_level,
    O_websockets_headers_size,
    O_retry_interval,
    O_allow_duplicate_messages,
    O_store_clean_interval,
    O_trace_level,
    O_trace_output,
    O_ffdc_output,
    O_max_log_entries,
    O_COUNT_
};

/* Shorthands that keep each row to a few lines. */
#define G CFG_SCOPE_GLOBAL
#define L CFG_SCOPE_LISTENER
#define B CFG_SCOPE_BRIDGE
#define GF(m) .field = offsetof(struct cfg, m), .field_size = (unsigned)sizeof(((struct cfg *)0)->m)
#define LF(m)                                  \
    .field = offsetof(struct cfg_listener, m), \
    .field_size = (unsigned)sizeof(((struct cfg_listener *)0)->m)
#define BF(m)                                \
    .field = offsetof(struct cfg_bridge, m), \
    .field_size = (unsigned)sizeof(((struct cfg_bridge *)0)->m)
#define SUP(grp, sc, ty) \
    .group = CFG_GROUP_##grp, .scope = sc, .type = CFG_T_##ty, .status = CFG_ST_SUPPORTED
#define SPC(grp, sc, sp)                                                                      \
    .group = CFG_GROUP_##grp, .scope = sc, .type = CFG_T_SPECIAL, .status = CFG_ST_SUPPORTED, \
    .special = CFG_SP_##sp, .field = SIZE_MAX
#define NY(grp, sc, ty)                                                                  \
    .group = CFG_GROUP_##grp, .scope = sc, .type = CFG_T_##ty, .status = CFG_ST_NOT_YET, \
    .field = SIZE_MAX
#define IGN(ty)                                                                            \
    .group = CFG_GROUP_OBSOLETE, .scope = G, .type = CFG_T_##ty, .status = CFG_ST_IGNORED, \
    .field = SIZE_MAX
#define PL(m) .per_listener = true, .listener_field = offsetof(struct cfg_listener, m)
#define ALIAS(canon) .alias_of = canon, .doc = "Deprecated alias of `" canon "`."
#define RANGE(lo, hi) .min = (lo), .max = (hi)
#define U16 RANGE(0, 65535)
#define I32 RANGE(0, INT32_MAX)

static const char *const v_socket_domain[] = {"ipv4", "ipv6", NULL};
static const int64_t c_socket_domain[] = {4, 6};
static const char *const v_protocol[] = {"mqtt", "websockets", NULL};
static const char *const v_tls_version[] = {"tlsv1.3", "tlsv1.2", "tlsv1.1", NULL};
static const int64_t c_tls_version[] = {13, 12, 11};
static const char *const v_tls_keyform[] = {"pem", "engine", NULL};
static const char *const v_start_type[] = {"automatic", "lazy", "once", NULL};
static const char *const v_bridge_proto[] = {"mqttv31", "mqttv311", "mqttv50", NULL};
static const int64_t c_bridge_proto[] = {3, 4, 5};

static const struct cfg_option rows[O_COUNT_] = {
    /* General and limits */
    [O_include_dir] =
        {.name = "include_dir",
         SPC(GENERAL, G, INCLUDE_DIR),
         .reloadable = true,
         .repeatable = true,
         .arg_text = "DIR",
         .doc = "Reads every file whose name ends in `.conf` in DIR as if it were part of "
                "the main file, in mosquitto's order (case-insensitive first, then upper "
                "before lower case). Allowed only in the main file; may be repeated."},
    [O_pid_file] = {.name = "pid_file",
                    SUP(GENERAL, G, PATH),
                    GF(pid_file),
                    .doc = "Writes the broker's process id to this file once the listeners are "
                           "bound (after -d has detached) and removes it on a clean exit. A pid "
                           "file naming a running process stops the start; a stale one is "
                           "replaced."},
    [O_user] = {.name = "user",
                SUP(GENERAL, G, STRING),
                GF(user),
                .default_text = "mosquitto",
                .doc = "When started as root, the broker binds its listeners and opens its files, "
                       "then switches to this user, its primary group and its supplementary "
                       "groups. A user that does not exist stops the start (the default "
                       "`mosquitto` falls back to `midge`); `root` keeps root. No effect when "
                       "not started as root, or on Windows."},
    [O_control_socket] =
        {.name = "control_socket",
         SUP(GENERAL, G, PATH),
         GF(control_socket),
         .arg_text = "PATH | none",
         .doc = "Where the local control socket for `midge-ctl` and the admin app is created "
                "(docs/control-protocol.md); `none` turns it off. Default: "
                "`/run/midge/control.sock` for root and system users, else "
                "`$XDG_RUNTIME_DIR/midge/control.sock`. The directory must belong to the "
                "broker's user; it is made mode 0750 and the socket 0660. Windows: a named "
                "pipe `\\\\.\\pipe\\NAME`, default `\\\\.\\pipe\\midge-control` "
                "(docs/windows.md)."},
    [O_control_group] =
        {.name = "control_group",
         SUP(GENERAL, G, STRING),
         GF(control_group),
         .arg_text = "NAME",
         .doc = "The group that owns the control socket and whose members may use it, "
                "besides root and the broker's own user. Default: the broker's primary "
                "group (Windows: a local group admitted besides SYSTEM and Administrators; "
                "default none)."},
    [O_sys_interval] = {.name = "sys_interval",
                        SUP(GENERAL, G, INT),
                        GF(sys_interval),
                        .reloadable = true,
                        U16,
                        .default_text = "10",
                        .doc = "Seconds between updates of the `$SYS` topics; 0 turns `$SYS` off."},
    [O_max_inflight_messages] =
        {.name = "max_inflight_messages",
         SUP(GENERAL, G, INT),
         GF(max_inflight_messages),
         .reloadable = true,
         U16,
         .default_text = "20",
         .doc = "Outgoing QoS 1 and 2 messages per client that may await acknowledgement; "
                "0 means no limit, 1 guarantees in-order delivery."},
    [O_max_inflight_bytes] =
        {.name = "max_inflight_bytes",
         NY(GENERAL, G, INT),
         .reloadable = true,
         RANGE(0, INT64_MAX),
         .default_text = "0",
         .doc = "Bytes of outgoing QoS 1 and 2 messages in flight per client; 0 means no "
                "limit."},
    [O_max_queued_messages] =
        {.name = "max_queued_messages",
         SUP(GENERAL, G, INT),
         GF(max_queued_messages),
         .reloadable = true,
         I32,
         .default_text = "1000",
         .doc = "Messages queued per client beyond those in flight; later ones are "
                "dropped. 0 means no limit."},
    [O_max_queued_bytes] =
        {.name = "max_queued_bytes",
         SUP(GENERAL, G, INT),
         GF(max_queued_bytes),
         .reloadable = true,
         RANGE(0, INT64_MAX),
         .default_text = "0",
         .doc = "Bytes queued per client beyond those in flight; whichever queue limit is "
                "reached first applies. 0 means no limit."},
    [O_queue_qos0_messages] =
        {.name = "queue_qos0_messages",
         SUP(GENERAL, G, BOOL),
         GF(queue_qos0_messages),
         .reloadable = true,
         .default_text = "false",
         .doc = "Also queues QoS 0 messages for disconnected clients with persistent "
                "sessions (not standard MQTT); they count towards `max_queued_messages`."},
    [O_message_size_limit] =
        {.name = "message_size_limit",
         SUP(GENERAL, G, INT),
         GF(message_size_limit),
         .reloadable = true,
         RANGE(0, 268435455),
         .default_text = "0",
         .doc = "Largest PUBLISH payload in bytes the broker forwards; larger messages are "
                "dropped once their QoS flow completes. 0 means no limit."},
    [O_max_packet_size] = {.name = "max_packet_size",
                           SUP(GENERAL, G, INT),
                           GF(max_packet_size),
                           .reloadable = true,
                           RANGE(20, 268435460),
                           .zero_ok = true,
                           .default_text = "0",
                           .doc = "Largest MQTT packet in bytes a client may send; a larger packet "
                                  "disconnects it. Announced to MQTT 5 clients. 0 means no limit."},
    [O_max_keepalive] =
        {.name = "max_keepalive",
         SUP(GENERAL, G, INT),
         GF(max_keepalive),
         .reloadable = true,
         U16,
         .default_text = "0",
         .doc = "Largest keepalive in seconds a client may use: MQTT 5 clients asking for "
                "more are told this value, MQTT 3 clients are refused. 0 means no cap."},
    [O_memory_limit] = {.name = "memory_limit",
                        NY(GENERAL, G, INT),
                        .reloadable = true,
                        RANGE(0, INT64_MAX),
                        .default_text = "0",
                        .doc = "Upper bound of the broker's heap in bytes; 0 means no limit."},
    [O_retain_available] = {.name = "retain_available",
                            SUP(GENERAL, G, BOOL),
                            GF(retain_available),
                            .reloadable = true,
                            .default_text = "true",
                            .doc =
                                "When false, retained messages are not supported and a client that "
                                "publishes one is disconnected. Announced to MQTT 5 clients."},
    [O_set_tcp_nodelay] =
        {.name = "set_tcp_nodelay",
         SUP(GENERAL, G, BOOL),
         GF(set_tcp_nodelay),
         .reloadable = true,
         .default_text = "true",
         .doc = "Turns off Nagle's algorithm on client sockets. midge already gathers "
                "each loop turn's packets into one write, so Nagle only adds delay: the "
                "default is true (mosquitto: false). Applies to new connections."},
    [O_spin_wait_us] =
        {.name = "spin_wait_us",
         SUP(GENERAL, G, INT),
         GF(spin_wait_us),
         .reloadable = true,
         RANGE(0, 1000),
         .default_text = "50",
         .doc = "midge only. Microseconds the event loop keeps polling before it sleeps, "
                "while traffic is dense (the last wait was shorter than this). Under "
                "load it saves a sleep and a wake-up per event, which raises connection "
                "rates and cuts round-trip times; with sparse traffic it does not spin, "
                "so an idle broker uses no CPU. 0 turns it off; ignored on one CPU. See "
                "docs/performance.md."},
    [O_upgrade_outgoing_qos] =
        {.name = "upgrade_outgoing_qos",
         SUP(GENERAL, G, BOOL),
         GF(upgrade_outgoing_qos),
         .reloadable = true,
         .default_text = "false",
         .doc = "Delivers messages at the subscription's QoS even when they were "
                "published at a lower one (not standard MQTT)."},
    [O_persistent_client_expiration] =
        {.name = "persistent_client_expiration",
         SUP(GENERAL, G, DURATION),
         GF(persistent_client_expiration),
         .reloadable = true,
         RANGE(1, 3153600000),
         .default_text = "never",
         .arg_text = "N{h|d|w|m|y}",
         .doc = "Removes the persistent sessions of clients disconnected for longer than "
                "this (h hours, d days, w weeks, m 30 days, y 365 days)."},

    /* Listeners */
    [O_listener] =
        {.name = "listener",
         SPC(LISTENER, G, LISTENER),
         .repeatable = true,
         RANGE(1, 65535),
         .arg_text = "PORT [ADDRESS] (PORT 1 to 65535)",
         .doc = "Starts a listener block on PORT, bound to ADDRESS or to all addresses; the "
                "listener options that follow apply to it. Any listener turns off "
                "local-only mode. Unix sockets (port 0 and a path) are not supported yet."},
    [O_port] = {.name = "port",
                SPC(LISTENER, L, PORT),
                RANGE(1, 65535),
                .default_text = "1883",
                .arg_text = "PORT (1 to 65535)",
                .doc = "Deprecated: port of the default listener, which is created by this "
                       "option or `bind_address`. Turns off local-only mode."},
    [O_bind_address] = {.name = "bind_address",
                        SPC(LISTENER, L, BIND_ADDRESS),
                        .arg_text = "ADDRESS",
                        .doc = "Deprecated: address the default listener binds to instead of all "
                               "addresses. Turns off local-only mode."},
    [O_bind_interface] =
        {.name = "bind_interface",
         NY(LISTENER, L, STRING),
         .doc = "Binds the listener to the named network interface (not on Windows)."},
    [O_max_connections] =
        {.name = "max_connections",
         SUP(LISTENER, L, INT),
         LF(max_connections),
         RANGE(-1, INT32_MAX),
         .default_text = "-1",
         .doc = "Most simultaneous client connections this listener accepts; -1 means no "
                "limit."},
    [O_max_qos] = {.name = "max_qos",
                   NY(LISTENER, L, INT),
                   RANGE(0, 2),
                   .default_text = "2",
                   .doc = "Highest QoS clients of this listener may use; announced to MQTT 5 "
                          "clients."},
    [O_maximum_qos] = {.name = "maximum_qos", NY(LISTENER, L, INT), RANGE(0, 2), ALIAS("max_qos")},
    [O_max_topic_alias] =
        {.name = "max_topic_alias",
         NY(LISTENER, L, INT),
         U16,
         .default_text = "10",
         .doc = "Topic aliases an MQTT 5 client of this listener may create; 0 disables "
                "them."},
    [O_mount_point] =
        {.name = "mount_point",
         SPC(LISTENER, L, MOUNT_POINT),
         .arg_text = "PREFIX",
         .doc = "Topic prefix added to every topic of this listener's clients and removed "
                "on delivery, which keeps them apart from other listeners. Needs a "
                "preceding `listener`; no wildcards."},
    [O_socket_domain] = {.name = "socket_domain",
                         SUP(LISTENER, L, ENUM),
                         LF(socket_domain),
                         .enum_values = v_socket_domain,
                         .enum_codes = c_socket_domain,
                         .doc =
                             "Restricts the listener to IPv4 or IPv6; without it both are used."},
    [O_use_username_as_clientid] =
        {.name = "use_username_as_clientid",
         SUP(LISTENER, L, BOOL),
         LF(use_username_as_clientid),
         .default_text = "false",
         .doc = "Replaces each client's id by its username after authentication, so a "
                "user can hold only one session; a client without a username is refused "
                "with CONNACK 5 (not authorised)."},
    [O_protocol] = {.name = "protocol",
                    NY(LISTENER, L, ENUM),
                    .enum_values = v_protocol,
                    .default_text = "mqtt",
                    .doc = "Protocol of the listener: plain MQTT or MQTT over WebSockets."},

    /* TLS */
    [O_certfile] =
        {.name = "certfile",
         SUP(TLS, L, PATH),
         LF(tls.certfile),
         .doc = "PEM file with the server certificate, optionally followed by its intermediate "
                "CA certificates. With `keyfile` it turns TLS on for the listener. Reread on "
                "reload: a renewed certificate applies to new connections, a broken one is "
                "logged and the old one kept."},
    [O_keyfile] = {.name = "keyfile",
                   SUP(TLS, L, PATH),
                   LF(tls.keyfile),
                   .doc = "PEM private key of `certfile` (unencrypted; keep it readable only by "
                          "the broker). Checked against the certificate at start and reload."},
    [O_cafile] = {.name = "cafile",
                  SUP(TLS, L, PATH),
                  LF(tls.cafile),
                  .doc = "PEM bundle of the CA certificates that client certificates are "
                         "verified against. Without `cafile` or `capath` client certificates "
                         "are not requested."},
    [O_capath] = {.name = "capath",
                  SUP(TLS, L, PATH),
                  LF(tls.capath),
                  .doc = "Directory of trusted CA certificates named by subject hash (prepare "
                         "it with `openssl rehash DIR`); used like `cafile`."},
    [O_ciphers] = {.name = "ciphers",
                   SUP(TLS, L, STRING),
                   LF(tls.ciphers),
                   .default_text = "HIGH:!aNULL:!eNULL:!kRSA:!MD5:!RC4:!3DES",
                   .doc = "OpenSSL cipher list for TLS 1.2 (and 1.1). The default keeps only "
                          "strong ciphers with forward secrecy (and PSK ciphers); the server's "
                          "order is preferred."},
    [O_ciphers_tls13] = {.name = "ciphers_tls1.3",
                         SUP(TLS, L, STRING),
                         LF(tls.ciphers_tls13),
                         .default_text = "OpenSSL's default",
                         .doc = "TLS 1.3 cipher suites, colon-separated (for example "
                                "`TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256`)."},
    [O_crlfile] = {.name = "crlfile",
                   SUP(TLS, L, PATH),
                   LF(tls.crlfile),
                   .doc = "PEM certificate revocation list of the client CA: revoked client "
                          "certificates fail the handshake. Needs `cafile` or `capath`; reread "
                          "on reload."},
    [O_dhparamfile] = {.name = "dhparamfile",
                       SUP(TLS, L, PATH),
                       LF(tls.dhparamfile),
                       .doc = "PEM Diffie-Hellman parameters for DHE ciphers; without it "
                              "OpenSSL picks built-in parameters that match the key size."},
    [O_require_certificate] = {.name = "require_certificate",
                               SUP(TLS, L, BOOL),
                               LF(tls.require_certificate),
                               .default_text = "false",
                               .doc = "Clients must present a certificate that verifies against "
                                      "`cafile`/`capath`; others fail the handshake. When false, "
                                      "a certificate is optional but still verified if sent."},
    [O_use_identity_as_username] =
        {.name = "use_identity_as_username",
         SUP(TLS, L, BOOL),
         LF(tls.use_identity_as_username),
         .default_text = "false",
         .doc = "The client certificate's common name (or the PSK identity) becomes the "
                "username; the password file is not consulted and a client without one is "
                "refused with CONNACK 4."},
    [O_use_subject_as_username] =
        {.name = "use_subject_as_username",
         SUP(TLS, L, BOOL),
         LF(tls.use_subject_as_username),
         .default_text = "false",
         .doc = "Like `use_identity_as_username` but the whole certificate subject becomes the "
                "username, in RFC 2253 form (`CN=alice,O=Example,C=GB`)."},
    [O_tls_version] = {.name = "tls_version",
                       SUP(TLS, L, ENUM),
                       LF(tls.tls_version),
                       .enum_values = v_tls_version,
                       .enum_codes = c_tls_version,
                       .default_text = "tlsv1.2",
                       .doc = "Oldest TLS version the listener accepts (newer ones are always "
                              "allowed). TLS 1.1 also needs `ciphers ...:@SECLEVEL=0` with "
                              "OpenSSL 3 and is not recommended."},
    [O_tls_engine] = {.name = "tls_engine",
                      NY(TLS, L, STRING),
                      .doc = "OpenSSL engine that holds the key (for example a TPM)."},
    [O_tls_engine_kpass_sha1] = {.name = "tls_engine_kpass_sha1",
                                 NY(TLS, L, STRING),
                                 .doc = "Hex SHA-1 of the engine key's password."},
    [O_tls_keyform] = {.name = "tls_keyform",
                       NY(TLS, L, ENUM),
                       .enum_values = v_tls_keyform,
                       .default_text = "pem",
                       .doc = "Form of `keyfile`: a PEM file or an engine key handle."},
    [O_psk_hint] = {.name = "psk_hint",
                    SUP(TLS, L, STRING),
                    LF(tls.psk_hint),
                    .doc = "Turns on TLS-PSK for the listener (instead of a certificate) and is "
                           "sent to clients as the hint. Identities and keys come from "
                           "`psk_file`."},

    /* Security */
    [O_per_listener_settings] =
        {.name = "per_listener_settings",
         SPC(SECURITY, G, PER_LISTENER),
         .default_text = "false",
         .arg_text = "true|false",
         .doc = "When true, `password_file`, `acl_file`, `allow_anonymous`, "
                "`allow_zero_length_clientid` and `auto_id_prefix` apply to the listener "
                "block they appear in (before any `listener`: to the default listener) "
                "instead of to the whole broker. Must come before all of those options. "
                "Changing it needs a restart."},
    [O_allow_anonymous] =
        {.name = "allow_anonymous",
         SUP(SECURITY, G, BOOL),
         GF(allow_anonymous),
         PL(allow_anonymous),
         .reloadable = true,
         .default_text = "false (true in local-only mode)",
         .doc = "Whether clients may connect without a username. Unset, it is true only "
                "in local-only mode (no listener configured). Per listener with "
                "`per_listener_settings`. A reload that turns it off disconnects the "
                "anonymous clients."},
    [O_password_file] =
        {.name = "password_file",
         SUP(SECURITY, G, PATH),
         GF(password_file),
         PL(password_file),
         .reloadable = true,
         .doc = "File of usernames and password hashes (mosquitto_passwd or midge-passwd "
                "format) that clients with a username are checked against. A reload "
                "rereads it and disconnects clients whose entry went away or changed; an "
                "unreadable file keeps the previous users. Per listener with "
                "`per_listener_settings`."},
    [O_acl_file] = {.name = "acl_file",
                    SUP(SECURITY, G, PATH),
                    GF(acl_file),
                    PL(acl_file),
                    .reloadable = true,
                    .doc =
                        "Access-control file (mosquitto format: `user`, `topic`, `pattern` lines; "
                        "see docs/security.md) that says which topics each client may read and "
                        "write; without it every topic is allowed. A file with any error is "
                        "refused with file:line: at start-up the broker does not start, on reload "
                        "the previous rules stay. Per listener with `per_listener_settings`."},
    [O_psk_file] = {.name = "psk_file",
                    SUP(SECURITY, G, PATH),
                    GF(psk_file),
                    .reloadable = true,
                    .doc = "File of `identity:hexkey` lines (hex digits only, no `0x`) for the "
                           "TLS-PSK listeners. Bad lines are reported with file:line and "
                           "skipped; a reload rereads it, an unreadable file keeps the old keys. "
                           "Always global in midge, also with `per_listener_settings`."},
    [O_allow_zero_length_clientid] =
        {.name = "allow_zero_length_clientid",
         SUP(SECURITY, G, BOOL),
         GF(allow_zero_length_clientid),
         PL(allow_zero_length_clientid),
         .reloadable = true,
         .default_text = "true",
         .doc = "MQTT 3.1.1 and 5 clients may send an empty client id and receive a "
                "generated one. Per listener with `per_listener_settings`."},
    [O_auto_id_prefix] = {.name = "auto_id_prefix",
                          SUP(SECURITY, G, STRING),
                          GF(auto_id_prefix),
                          PL(auto_id_prefix),
                          .reloadable = true,
                          .default_text = "auto-",
                          .doc = "Prefix of generated client ids. Per listener with "
                                 "`per_listener_settings`."},
    [O_clientid_prefixes] =
        {.name = "clientid_prefixes",
         NY(SECURITY, G, STRING),
         .reloadable = true,
         .doc = "Deprecated: only client ids starting with this prefix may connect."},
    [O_check_retain_source] =
        {.name = "check_retain_source",
         NY(SECURITY, G, BOOL),
         .default_text = "false",
         .doc = "Checks that a retained message's publisher may still write to its topic "
                "before sending it to a new subscriber."},
    [O_plugin] = {.name = "plugin",
                  NY(SECURITY, G, PATH),
                  .repeatable = true,
                  .doc = "Loads an authentication or access-control plugin."},
    [O_auth_plugin] = {.name = "auth_plugin",
                       NY(SECURITY, G, PATH),
                       .repeatable = true,
                       ALIAS("plugin")},
    [O_plugin_opt] = {.name = "plugin_opt_*",
                      NY(SECURITY, G, STRING),
                      .prefix = true,
                      .repeatable = true,
                      .doc = "Option passed to the most recent plugin."},
    [O_auth_opt] = {.name = "auth_opt_*",
                    NY(SECURITY, G, STRING),
                    .prefix = true,
                    .repeatable = true,
                    ALIAS("plugin_opt_*")},
    [O_auth_plugin_deny_special_chars] =
        {.name = "auth_plugin_deny_special_chars",
         NY(SECURITY, G, BOOL),
         .default_text = "true",
         .doc = "Refuses access checks for clients whose username or id contains `+` or "
                "`#`."},

    /* Persistence */
    [O_persistence] =
        {.name = "persistence",
         SUP(PERSISTENCE, G, BOOL),
         GF(persistence),
         .reloadable = true,
         .default_text = "false",
         .doc = "Saves retained messages and persistent sessions (subscriptions, queued and "
                "in-flight messages) to the persistence file and restores them at start-up. "
                "See docs/persistence.md."},
    [O_retained_persistence] = {.name = "retained_persistence",
                                SUP(PERSISTENCE, G, BOOL),
                                GF(persistence),
                                .reloadable = true,
                                ALIAS("persistence")},
    [O_persistence_file] = {.name = "persistence_file",
                            SUP(PERSISTENCE, G, STRING),
                            GF(persistence_file),
                            .reloadable = true,
                            .default_text = "midge.db",
                            .doc = "File name of the persistence database (mosquitto: "
                                   "`mosquitto.db`, whose format midge does not read)."},
    [O_persistence_location] = {.name = "persistence_location",
                                SUP(PERSISTENCE, G, PATH),
                                GF(persistence_location),
                                .reloadable = true,
                                .doc = "Directory of the persistence database; default: the "
                                       "broker's working directory."},
    [O_autosave_interval] = {.name = "autosave_interval",
                             SUP(PERSISTENCE, G, INT),
                             GF(autosave_interval),
                             .reloadable = true,
                             I32,
                             .default_text = "1800",
                             .doc = "Seconds between automatic saves, or with "
                                    "`autosave_on_changes` the number of changes; 0 saves "
                                    "only at shutdown and on SIGUSR1."},
    [O_autosave_on_changes] = {.name = "autosave_on_changes",
                               SUP(PERSISTENCE, G, BOOL),
                               GF(autosave_on_changes),
                               .reloadable = true,
                               .default_text = "false",
                               .doc = "Counts `autosave_interval` in changes (persistent "
                                      "client connects, subscription changes, retained "
                                      "messages set, messages queued or sent) instead of "
                                      "seconds."},

    /* Logging */
    [O_log_dest] = {.name = "log_dest",
                    SPC(LOGGING, G, LOG_DEST),
                    .reloadable = true,
                    .repeatable = true,
                    .default_text = "stderr",
                    .arg_text = "stdout|stderr|syslog|topic|file PATH|none",
                    .doc = "Where log lines go. Repeat it for several destinations; the first one "
                           "replaces the default, `none` clears the list, and only one `file` is "
                           "allowed. `topic` publishes to `$SYS/broker/log/...`."},
    [O_log_type] = {.name = "log_type",
                    SPC(LOGGING, G, LOG_TYPE),
                    .reloadable = true,
                    .repeatable = true,
                    .default_text = "error, warning, notice, information",
                    .arg_text = "error|warning|notice|information|debug|subscribe|unsubscribe|"
                                "websockets|all|none",
                    .doc =
                        "Which kinds of message are logged. Repeat it for several kinds; the first "
                        "one replaces the default and `none` clears the list."},
    [O_log_timestamp] = {.name = "log_timestamp",
                         SUP(LOGGING, G, BOOL),
                         GF(log_timestamp),
                         .reloadable = true,
                         .default_text = "true",
                         .doc = "Starts each log line with a timestamp."},
    [O_log_timestamp_format] =
        {.name = "log_timestamp_format",
         SUP(LOGGING, G, STRING),
         GF(log_timestamp_format),
         .reloadable = true,
         .arg_text = "STRFTIME-FORMAT",
         .doc = "strftime format of the timestamp; without it, seconds since the epoch."},
    [O_log_facility] = {.name = "log_facility",
                        NY(LOGGING, G, INT),
                        RANGE(0, 7),
                        .doc = "Syslog facility local0 to local7 instead of daemon."},
    [O_connection_messages] = {.name = "connection_messages",
                               SUP(LOGGING, G, BOOL),
                               GF(connection_messages),
                               .reloadable = true,
                               .default_text = "true",
                               .doc = "Logs a line for every client connect and disconnect."},

    /* Bridges */
    [O_connection] = {.name = "connection",
                      SPC(BRIDGE, G, CONNECTION),
                      .repeatable = true,
                      .arg_text = "NAME",
                      .doc =
                          "Starts a bridge block to another broker; the bridge options that follow "
                          "apply to it."},
    [O_address] = {.name = "address",
                   SPC(BRIDGE, B, ADDRESS),
                   .arg_text = "HOST[:PORT] ...",
                   .doc = "Remote broker or brokers of the bridge."},
    [O_addresses] = {.name = "addresses",
                     SPC(BRIDGE, B, ADDRESS),
                     .arg_text = "HOST[:PORT] ...",
                     .doc = "Same as `address`."},
    [O_topic] = {.name = "topic",
                 SPC(BRIDGE, B, TOPIC),
                 .repeatable = true,
                 .arg_text = "PATTERN [in|out|both [QOS [LOCAL-PREFIX [REMOTE-PREFIX]]]]",
                 .doc = "Topic the bridge carries, its direction, QoS and prefix remapping."},
    [O_remote_clientid] = {.name = "remote_clientid",
                           SUP(BRIDGE, B, STRING),
                           BF(remote_clientid),
                           .doc = "Client id of the bridge on the remote broker."},
    [O_clientid] = {.name = "clientid", NY(BRIDGE, B, STRING), ALIAS("remote_clientid")},
    [O_remote_username] = {.name = "remote_username",
                           SUP(BRIDGE, B, STRING),
                           BF(remote_username),
                           .doc = "Username of the bridge on the remote broker."},
    [O_username] = {.name = "username", NY(BRIDGE, B, STRING), ALIAS("remote_username")},
    [O_remote_password] = {.name = "remote_password",
                           SUP(BRIDGE, B, STRING),
                           BF(remote_password),
                           .doc = "Password of the bridge on the remote broker."},
    [O_password] = {.name = "password", NY(BRIDGE, B, STRING), ALIAS("remote_password")},
    [O_local_clientid] = {.name = "local_clientid",
                          SUP(BRIDGE, B, STRING),
                          BF(local_clientid),
                          .doc = "Client id of the bridge's session in this broker."},
    [O_local_username] = {.name = "local_username",
                          NY(BRIDGE, B, STRING),
                          .doc = "Username of the bridge in this broker."},
    [O_local_password] = {.name = "local_password",
                          NY(BRIDGE, B, STRING),
                          .doc = "Password of the bridge in this broker."},
    [O_cleansession] = {.name = "cleansession",
                        SUP(BRIDGE, B, BOOL),
                        BF(cleansession),
                        .default_text = "false",
                        .doc = "Uses a clean session towards the remote broker."},
    [O_local_cleansession] =
        {.name = "local_cleansession",
         NY(BRIDGE, B, BOOL),
         .doc = "Clean-session setting for the local side; defaults to `cleansession`."},
    [O_keepalive_interval] = {.name = "keepalive_interval",
                              SUP(BRIDGE, B, INT),
                              BF(keepalive_interval),
                              RANGE(5, 65535),
                              .default_text = "60",
                              .doc = "Keepalive in seconds towards the remote broker."},
    [O_start_type] = {.name = "start_type",
                      SUP(BRIDGE, B, ENUM),
                      BF(start_type),
                      .enum_values = v_start_type,
                      .default_text = "automatic",
                      .doc =
                          "When the bridge connects: always, when enough messages are queued, or "
                          "once without restarts."},
    [O_restart_timeout] = {.name = "restart_timeout",
                           SPC(BRIDGE, B, RESTART_TIMEOUT),
                           .arg_text = "SECONDS | BASE CAP",
                           .doc = "Fixed delay, or jittered back-off range, before reconnecting."},
    [O_idle_timeout] = {.name = "idle_timeout",
                        SUP(BRIDGE, B, INT),
                        BF(idle_timeout),
                        I32,
                        .default_text = "60",
                        .doc = "Idle seconds before a lazy bridge disconnects."},
    [O_threshold] = {.name = "threshold",
                     SUP(BRIDGE, B, INT),
                     BF(threshold),
                     I32,
                     .default_text = "10",
                     .doc = "Queued messages that start a lazy bridge."},
    [O_round_robin] =
        {.name = "round_robin",
         SUP(BRIDGE, B, BOOL),
         BF(round_robin),
         .default_text = "false",
         .doc = "Rotates through the addresses on failure instead of preferring the first."},
    [O_try_private] = {.name = "try_private",
                       SUP(BRIDGE, B, BOOL),
                       BF(try_private),
                       .default_text = "true",
                       .doc = "Tells the remote broker that this connection is a bridge."},
    [O_notifications] = {.name = "notifications",
                         SUP(BRIDGE, B, BOOL),
                         BF(notifications),
                         .default_text = "true",
                         .doc = "Publishes the bridge's connection state."},
    [O_notification_topic] = {.name = "notification_topic",
                              SUP(BRIDGE, B, STRING),
                              BF(notification_topic),
                              .doc = "Topic of the connection-state messages."},
    [O_notifications_local_only] = {.name = "notifications_local_only",
                                    SUP(BRIDGE, B, BOOL),
                                    BF(notifications_local_only),
                                    .default_text = "false",
                                    .doc = "Publishes the connection state only in this broker."},
    [O_bridge_protocol_version] = {.name = "bridge_protocol_version",
                                   SUP(BRIDGE, B, ENUM),
                                   BF(protocol_version),
                                   .enum_values = v_bridge_proto,
                                   .enum_codes = c_bridge_proto,
                                   .default_text = "mqttv311",
                                   .doc = "MQTT version spoken to the remote broker."},
    [O_bridge_attempt_unsubscribe] =
        {.name = "bridge_attempt_unsubscribe",
         SUP(BRIDGE, B, BOOL),
         BF(attempt_unsubscribe),
         .default_text = "true",
         .doc = "Unsubscribes from out-only topics on the remote broker when connecting."},
    [O_bridge_outgoing_retain] =
        {.name = "bridge_outgoing_retain",
         SUP(BRIDGE, B, BOOL),
         BF(outgoing_retain),
         .default_text = "true",
         .doc = "Keeps the retain flag on messages sent to the remote broker."},
    [O_bridge_max_packet_size] =
        {.name = "bridge_max_packet_size",
         SUP(BRIDGE, B, INT),
         BF(max_packet_size),

         RANGE(0, 268435460),
         .zero_ok = true,
         .default_text = "0",
         .doc = "Largest packet sent to the remote broker (after topic remapping); a "
                "larger message is not forwarded and counts as dropped. 0 means no limit."},
    [O_bridge_bind_address] = {.name = "bridge_bind_address",
                               SUP(BRIDGE, B, STRING),
                               BF(bind_address),
                               .doc = "Local address of the bridge's outgoing connection."},
    [O_bridge_cafile] = {.name = "bridge_cafile",
                         SUP(BRIDGE, B, PATH),
                         BF(cafile),
                         .doc =
                             "CA certificates for the remote broker's certificate; turns TLS on."},
    [O_bridge_capath] = {.name = "bridge_capath",
                         SUP(BRIDGE, B, PATH),
                         BF(capath),
                         .doc =
                             "Directory of CA certificates for the remote broker's certificate."},
    [O_bridge_certfile] = {.name = "bridge_certfile",
                           SUP(BRIDGE, B, PATH),
                           BF(certfile),
                           .doc = "Client certificate of the bridge."},
    [O_bridge_keyfile] = {.name = "bridge_keyfile",
                          SUP(BRIDGE, B, PATH),
                          BF(keyfile),
                          .doc = "Private key of the bridge's client certificate."},
    [O_bridge_insecure] =
        {.name = "bridge_insecure",
         SUP(BRIDGE, B, BOOL),
         BF(insecure),
         .default_text = "false",
         .doc = "Skips checking the remote broker's host name against its certificate."},
    [O_bridge_tls_version] = {.name = "bridge_tls_version",
                              SUP(BRIDGE, B, ENUM),
                              BF(tls_version),
                              .enum_values = v_tls_version,
                              .enum_codes = c_tls_version,
                              .default_text = "tlsv1.2",
                              .doc = "TLS version used towards the remote broker."},
    [O_bridge_identity] = {.name = "bridge_identity",
                           SUP(BRIDGE, B, STRING),
                           BF(identity),
                           .doc = "TLS-PSK identity of the bridge."},
    [O_bridge_psk] = {.name = "bridge_psk",
                      SUP(BRIDGE, B, STRING),
                      BF(psk),
                      .doc = "TLS-PSK key of the bridge, in hex."},
    [O_bridge_alpn] = {.name = "bridge_alpn",
                       NY(BRIDGE, B, STRING),
                       .doc = "ALPN protocol offered to the remote broker."},
    [O_bridge_require_ocsp] = {.name = "bridge_require_ocsp",
                               NY(BRIDGE, B, BOOL),
                               .default_text = "false",
                               .doc = "Requires a stapled OCSP response from the remote broker."},

    /* WebSockets */
    [O_http_dir] = {.name = "http_dir",
                    NY(WEBSOCKETS, L, PATH),
                    .doc = "Directory of static files served over HTTP by a WebSockets listener."},
    [O_websockets_log_level] = {.name = "websockets_log_level",
                                NY(WEBSOCKETS, G, INT),
                                I32,
                                .default_text = "0",
                                .doc = "Log level bit mask of the WebSockets library."},
    [O_websockets_headers_size] = {.name = "websockets_headers_size",
                                   NY(WEBSOCKETS, G, INT),
                                   U16,
                                   .default_text = "1024",
                                   .doc = "Size of the WebSockets HTTP header buffer."},

    /* Accepted with a warning */
    [O_retry_interval] =
        {.name = "retry_interval",
         IGN(INT),
         .doc = "mosquitto 1.3's resend interval. mosquitto 2.0 and midge ignore it."},
    [O_allow_duplicate_messages] =
        {.name = "allow_duplicate_messages",
         IGN(BOOL),
         .doc = "Deprecated mosquitto option about duplicates on overlapping "
                "subscriptions; midge ignores it."},
    [O_store_clean_interval] =
        {.name = "store_clean_interval",
         IGN(INT),
         .doc = "mosquitto 1.3 option, rejected by mosquitto 2.0; midge ignores it."},
    [O_trace_level] = {.name = "trace_level",
                       IGN(STRING),
                       .doc = "RSMB compatibility option of mosquitto 1.3; midge ignores it."},
    [O_trace_output] = {.name = "trace_output",
                        IGN(STRING),
                        .doc = "RSMB compatibility option of mosquitto 1.3; midge ignores it."},
    [O_ffdc_output] = {.name = "ffdc_output",
                       IGN(STRING),
                       .doc = "RSMB compatibility option of mosquitto 1.3; midge ignores it."},
    [O_max_log_entries] = {.name = "max_log_entries",
                           IGN(INT),
                           .doc = "RSMB compatibility option of mosquitto 1.3; midge ignores it."},
};

/* Exact-name rows sorted bytewise by name (strcmp order), for bsearch. The unit test
 * checks the order and that with prefix_rows every row appears exactly once. */
static const unsigned char by_name[] = {
    O_acl_file,
    O_address,
    O_addresses,
    O_allow_anonymous,
    O_allow_duplicate_messages,
    O_allow_zero_length_clientid,
    O_auth_plugin,
    O_auth_plugin_deny_special_chars,
    O_auto_id_prefix,
    O_autosave_interval,
    O_autosave_on_changes,
    O_bind_address,
    O_bind_interface,
    O_bridge_alpn,
    O_bridge_attempt_unsubscribe,
    O_bridge_bind_address,
    O_bridge_cafile,
    O_bridge_capath,
    O_bridge_certfile,
    O_bridge_identity,
    O_bridge_insecure,
    O_bridge_keyfile,
    O_bridge_max_packet_size,
    O_bridge_outgoing_retain,
    O_bridge_protocol_version,
    O_bridge_psk,
    O_bridge_require_ocsp,
    O_bridge_tls_version,
    O_cafile,
    O_capath,
    O_certfile,
    O_check_retain_source,
    O_ciphers,
    O_ciphers_tls13,
    O_cleansession,
    O_clientid,
    O_clientid_prefixes,
    O_connection,
    O_connection_messages,
    O_control_group,
    O_control_socket,
    O_crlfile,
    O_dhparamfile,
    O_ffdc_output,
    O_http_dir,
    O_idle_timeout,
    O_include_dir,
    O_keepalive_interval,
    O_keyfile,
    O_listener,
    O_local_cleansession,
    O_local_clientid,
    O_local_password,
    O_local_username,
    O_log_dest,
    O_log_facility,
    O_log_timestamp,
    O_log_timestamp_format,
    O_log_type,
    O_max_connections,
    O_max_inflight_bytes,
    O_max_inflight_messages,
    O_max_keepalive,
    O_max_log_entries,
    O_max_packet_size,
    O_max_qos,
    O_max_queued_bytes,
    O_max_queued_messages,
    O_max_topic_alias,
    O_maximum_qos,
    O_memory_limit,
    O_message_size_limit,
    O_mount_point,
    O_notification_topic,
    O_notifications,
    O_notifications_local_only,
    O_password,
    O_password_file,
    O_per_listener_settings,
    O_persistence,
    O_persistence_file,
    O_persistence_location,
    O_persistent_client_expiration,
    O_pid_file,
    O_plugin,
    O_port,
    O_protocol,
    O_psk_file,
    O_psk_hint,
    O_queue_qos0_messages,
    O_remote_clientid,
    O_remote_password,
    O_remote_username,
    O_require_certificate,
    O_restart_timeout,
    O_retain_available,
    O_retained_persistence,
    O_retry_interval,
    O_round_robin,
    O_set_tcp_nodelay,
    O_socket_domain,
    O_spin_wait_us,
    O_start_type,
    O_store_clean_interval,
    O_sys_interval,
    O_threshold,
    O_tls_engine,
    O_tls_engine_kpass_sha1,
    O_tls_keyform,
    O_tls_version,
    O_topic,
    O_trace_level,
    O_trace_output,
    O_try_private,
    O_upgrade_outgoing_qos,
    O_use_identity_as_username,
    O_use_subject_as_username,
    O_use_username_as_clientid,
    O_user,
    O_username,
    O_websockets_headers_size,
    O_websockets_log_level,
};

/* Rows whose name is a prefix ("plugin_opt_*"); tried only when the exact lookup fails. */
static const unsigned char prefix_rows[] = {O_plugin_opt, O_auth_opt};

_Static_assert(sizeof by_name + sizeof prefix_rows == O_COUNT_,
               "every schema row must be in the name index exactly once");
_Static_assert(O_COUNT_ <= 255, "the name index stores row ids in unsigned char");

const struct cfg_option *cfg_schema_table(size_t *count)
{
    *count = O_COUNT_;
    return rows;
}

/* The lookup key of cfg_schema_find: a counted name that need not be NUL-terminated. */
struct name_key {
    const char *name;
    size_t len;
};

/* bsearch comparator: counted key against the row named by an index entry, in strcmp
 * order (a key that is a proper prefix of a row name sorts first). */
static int cmp_key_row(const void *k, const void *e)
{
    const struct name_key *key = k;
    const char *row = rows[*(const unsigned char *)e].name;
    size_t rlen = strlen(row);
    int c = memcmp(key->name, row, key->len < rlen ? key->len : rlen);
    if (c != 0)
        return c;
    return (key->len > rlen) - (key->len < rlen);
}

const struct cfg_option *cfg_schema_find(const char *name, size_t len)
{
    struct name_key key = {name, len};
    const unsigned char *hit = bsearch(&key, by_name, sizeof by_name, 1, cmp_key_row);
    if (hit)
        return &rows[*hit];
    for (size_t i = 0; i < sizeof prefix_rows; i++) {
        const struct cfg_option *o = &rows[prefix_rows[i]];
        size_t plen = strlen(o->name) - 1; /* without the '*' */
        if (len > plen && memcmp(name, o->name, plen) == 0)
            return o;
    }
    return NULL;
}

const char *cfg_schema_type_name(enum cfg_type t)
{
    static const char *const names[] = {
        [CFG_T_BOOL] = "boolean",    [CFG_T_INT] = "integer",       [CFG_T_STRING] = "string",
        [CFG_T_PATH] = "path",       [CFG_T_DURATION] = "duration", [CFG_T_ENUM] = "choice",
        [CFG_T_SPECIAL] = "special",
    };
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

const char *cfg_schema_group_name(enum cfg_group g)
{
    static const char *const names[CFG_GROUP_COUNT_] = {
        [CFG_GROUP_GENERAL] = "General and limits",
        [CFG_GROUP_LISTENER] = "Listeners",
        [CFG_GROUP_TLS] = "TLS",
        [CFG_GROUP_SECURITY] = "Security",
        [CFG_GROUP_PERSISTENCE] = "Persistence",
        [CFG_GROUP_LOGGING] = "Logging",
        [CFG_GROUP_BRIDGE] = "Bridges",
        [CFG_GROUP_WEBSOCKETS] = "WebSockets",
        [CFG_GROUP_OBSOLETE] = "Obsolete options accepted with a warning",
    };
    return (unsigned)g < CFG_GROUP_COUNT_ ? names[g] : "?";
}

/* "one of a, b, c" from a NULL-terminated list. */
static void enum_text(const char *const *v, char *out, size_t outlen)
{
    size_t n = (size_t)snprintf(out, outlen, "one of ");
    for (size_t i = 0; v && v[i] && n < outlen; i++)
        n += (size_t)snprintf(out + n, outlen - n, "%s%s", i ? ", " : "", v[i]);
}

const char *cfg_schema_values_text(const struct cfg_option *o, char *out, size_t outlen)
{
    if (outlen == 0)
        return out;
    switch (o->type) {
    case CFG_T_BOOL:
        snprintf(out, outlen, "true, false, 1 or 0");
        break;
    case CFG_T_INT:
        snprintf(out, outlen, "%san integer from %lld to %lld", o->zero_ok ? "0 or " : "",
                 (long long)o->min, (long long)o->max);
        break;
    case CFG_T_DURATION:
        snprintf(out, outlen, "a number followed by h, d, w, m or y (1h to 100y)");
        break;
    case CFG_T_ENUM:
        enum_text(o->enum_values, out, outlen);
        break;
    case CFG_T_STRING:
    case CFG_T_PATH:
        snprintf(out, outlen, "a non-empty UTF-8 %s of at most 65535 bytes",
                 o->type == CFG_T_PATH ? "path" : "string");
        break;
    case CFG_T_SPECIAL:
        snprintf(out, outlen, "%s", o->arg_text ? o->arg_text : "see the description");
        break;
    }
    return out;
}
