/* SPDX-License-Identifier: MIT */
/* Private glue between the control server (ctl_server.c) and its operation families
 * (ctl_ops_*.c): the client and server records and the handler signature. */
#ifndef MIDGE_SERVICE_CTL_INTERNAL_H
#define MIDGE_SERVICE_CTL_INTERNAL_H

#include "common/buf.h"
#include "common/ctl_proto.h"
#include "common/platform.h"
#include "service/broker.h"

#include <stdbool.h>
#include <stdint.h>

#define CTL_MAX_CLIENTS 16
#define CTL_IDLE_MS (300u * 1000u)
#define CTL_PARTIAL_MS (30u * 1000u)
#define CTL_MAX_OUT (32u << 20)
#define CTL_MAX_SUBS 4
#define CTL_LOG_RING 1000

struct ctl_server;
struct ctl_client;

/* One stats subscription of a client. */
struct ctl_sub {
    struct ctl_client *cl;
    plat_timer *timer; /* NULL = slot free */
    uint64_t id;
    uint32_t interval_s;
};

struct ctl_client {
    struct ctl_server *srv;
    plat_sock *sock;
    struct ctl_framer in;
    struct buf out;
    char peer[96];
    bool hello;      /* hello completed */
    bool closing;    /* close once the output is written (or at once when it cannot be) */
    bool dead;       /* freed at the end of the current callback */
    bool want_write; /* PLAT_EV_WRITE interest registered */
    uint64_t last_rx_ms;
    uint64_t partial_since_ms; /* 0 = at a frame boundary */
    struct ctl_sub subs[CTL_MAX_SUBS];
    struct ctl_client *prev, *next;
};

/* One remembered log line. */
struct ctl_log_entry {
    int64_t time_ms;
    int cls; /* enum log_class */
    char *text;
};

struct ctl_server {
    struct broker *b;
    plat_ctl *ep;
    plat_timer *sweep; /* idle and half-sent request checks */
    struct ctl_client *clients;
    size_t n_clients;
    uint64_t next_sub_id;
    struct ctl_log_entry ring[CTL_LOG_RING];
    size_t ring_head, ring_count;
};

/* A handler: read args (validated against the op's allowed names already), put a
 * result object (owned; NULL = {}) into *result, or return an ERR_* code with the
 * reason in *d (file and line for configuration errors). */
typedef int (*ctl_op_fn)(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d);

/* Operation families. */
int ctl_ops_stats_get(struct ctl_client *cl, const cJSON *args, cJSON **result,
                      struct err_detail *d);
int ctl_ops_stats_subscribe(struct ctl_client *cl, const cJSON *args, cJSON **result,
                            struct err_detail *d);
int ctl_ops_stats_unsubscribe(struct ctl_client *cl, const cJSON *args, cJSON **result,
                              struct err_detail *d);
int ctl_ops_log_get(struct ctl_client *cl, const cJSON *args, cJSON **result, struct err_detail *d);
int ctl_ops_clients_list(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d);
int ctl_ops_clients_kick(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d);
int ctl_ops_listeners_list(struct ctl_client *cl, const cJSON *args, cJSON **result,
                           struct err_detail *d);
int ctl_ops_listeners_add(struct ctl_client *cl, const cJSON *args, cJSON **result,
                          struct err_detail *d);
int ctl_ops_listeners_set(struct ctl_client *cl, const cJSON *args, cJSON **result,
                          struct err_detail *d);
int ctl_ops_listeners_remove(struct ctl_client *cl, const cJSON *args, cJSON **result,
                             struct err_detail *d);
int ctl_ops_users_list(struct ctl_client *cl, const cJSON *args, cJSON **result,
                       struct err_detail *d);
int ctl_ops_users_add(struct ctl_client *cl, const cJSON *args, cJSON **result,
                      struct err_detail *d);
int ctl_ops_users_passwd(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d);
int ctl_ops_users_remove(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d);
int ctl_ops_config_get(struct ctl_client *cl, const cJSON *args, cJSON **result,
                       struct err_detail *d);
int ctl_ops_config_put(struct ctl_client *cl, const cJSON *args, cJSON **result,
                       struct err_detail *d);
int ctl_ops_config_check(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d);
int ctl_ops_config_reload(struct ctl_client *cl, const cJSON *args, cJSON **result,
                          struct err_detail *d);
int ctl_ops_persist_save(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d);

/* The stats object of stats.get and of stats events (caller owns the result). */
cJSON *ctl_ops_stats_snapshot(struct broker *b);
/* The `bridges` array of the stats snapshot (service/bridge_sys.c); caller owns it. */
cJSON *bridge_ctl_json(struct broker *b);
/* Stop and free every subscription of cl. */
void ctl_ops_subs_cleanup(struct ctl_client *cl);
/* Queue an encoded frame (consumed) on cl and start writing it; on a write error or an
 * output backlog past CTL_MAX_OUT the client is marked dead. */
void ctl_server__send(struct ctl_client *cl, char *frame, size_t len);
/* Free cl if it was marked dead (from a timer callback, after ctl_server__send). */
void ctl_server__reap(struct ctl_client *cl);

/* Shared by the file-editing families (ctl_ops_files.c): read path whole, check that its
 * version equals base (NULL = no check), and return the text (caller-owned; NULL for
 * a missing file when missing_ok) with its version. Returns 0, ERR_CONFLICT, or the
 * read error. BLOCKS (file system). */
int ctl_files_read_checked(const char *path, const char *base, bool missing_ok, char **text,
                           size_t *len, char version[65], struct err_detail *d);
/* Parse text as the main config file named path (include_dir resolved on disk) into
 * *out (cfg_init'ed here; the caller always cfg_cleanup's it). */
int ctl_files_validate(const char *path, const char *text, size_t len, struct cfg *out,
                       struct err_detail *d);
/* A JSON array of the warnings of c. */
cJSON *ctl_files_warnings(const struct cfg *c);

#endif
