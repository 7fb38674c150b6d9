/* SPDX-License-Identifier: MIT */
/* Built-in defaults and cleanup of struct cfg (see common/cfg.h). */
#include "common/cfg.h"

#include "common/cfg_tls.h"
#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

/* Every non-string default, as mosquitto 2.0's code (not its man page) sets it. Kept
 * apart from the strings so that cfg_cleanup can restore these without allocating. */
static void set_scalar_defaults(struct cfg *c)
{
    memset(c, 0, sizeof *c);
    c->local_only = true;    /* until the parser sees a listener, port or bind_address */
    c->allow_anonymous = -1; /* unset: the broker decides from local_only */
    c->allow_zero_length_clientid = true;
    c->max_inflight_messages = 20;
    c->max_queued_messages = 1000;
    c->max_queued_bytes = 0;
    c->queue_qos0_messages = false;
    c->upgrade_outgoing_qos = false;
    c->message_size_limit = 0;
    c->max_packet_size = 0;
    c->max_keepalive = 0; /* mosquitto's code: no cap (its man page says 65535) */
    c->retain_available = true;
    /* midge coalesces writes itself; Nagle would only add delayed-ACK stalls. */
    c->set_tcp_nodelay = true;
    c->spin_wait_us = 50;
    c->persistent_client_expiration = 0;
    c->sys_interval = 10;
    c->autosave_interval = 1800;
    c->log_dest = CFG_LOG_DEST_STDERR;
    c->log_type =
        CFG_LOG_TYPE_ERROR | CFG_LOG_TYPE_WARNING | CFG_LOG_TYPE_NOTICE | CFG_LOG_TYPE_INFO;
    c->log_timestamp = true;
    c->connection_messages = true;
}

void cfg_init(struct cfg *c)
{
    set_scalar_defaults(c);
    c->auto_id_prefix = xstrdup("auto-");
    /* mosquitto drops root privileges to this user by default (reference section 6). */
    c->user = xstrdup("mosquitto");
    c->persistence_file = xstrdup("midge.db"); /* mosquitto: mosquitto.db */
}

void cfg_listener_cleanup(struct cfg_listener *li)
{
    free(li->bind_address);
    free(li->mount_point);
    free(li->src_file);
    free(li->password_file);
    free(li->acl_file);
    free(li->auto_id_prefix);
    cfg_tls_cleanup(&li->tls);
    memset(li, 0, sizeof *li);
}

void cfg_cleanup(struct cfg *c)
{
    for (size_t i = 0; i < c->n_listeners; i++)
        cfg_listener_cleanup(&c->listeners[i]);
    free(c->listeners);
    for (size_t i = 0; i < c->n_bridges; i++)
        cfg_bridge_cleanup(&c->bridges[i]);
    free(c->bridges);
    for (size_t i = 0; i < c->n_warnings; i++)
        free(c->warnings[i]);
    free(c->warnings);
    free(c->auto_id_prefix);
    free(c->password_file);
    free(c->acl_file);
    free(c->persistence_file);
    free(c->persistence_location);
    free(c->psk_file);
    free(c->log_file);
    free(c->log_timestamp_format);
    free(c->pid_file);
    free(c->user);
    free(c->control_socket);
    free(c->control_group);
    set_scalar_defaults(c);
}

void cfg_bridge_init(struct cfg_bridge *br, const char *name, size_t len)
{
    memset(br, 0, sizeof *br);
    br->name = xstrndup(name, len);
    br->keepalive_interval = 60;
    br->restart_base_s = 5;
    br->restart_cap_s = 30;
    br->idle_timeout = 60;
    br->threshold = 10;
    br->try_private = true;
    br->notifications = true;
    br->protocol_version = 4;
    br->attempt_unsubscribe = true;
    br->outgoing_retain = true;
    br->tls_version = 12;
}

void cfg_bridge_cleanup(struct cfg_bridge *br)
{
    for (size_t i = 0; i < br->n_addrs; i++)
        free(br->addrs[i].host);
    free(br->addrs);
    for (size_t i = 0; i < br->n_topics; i++) {
        free(br->topics[i].pattern);
        free(br->topics[i].local_prefix);
        free(br->topics[i].remote_prefix);
    }
    free(br->topics);
    free(br->name);
    free(br->src_file);
    free(br->remote_clientid);
    free(br->remote_username);
    free(br->remote_password);
    free(br->local_clientid);
    free(br->notification_topic);
    free(br->cafile);
    free(br->capath);
    free(br->certfile);
    free(br->keyfile);
    free(br->identity);
    free(br->psk);
    free(br->bind_address);
    memset(br, 0, sizeof *br);
}
