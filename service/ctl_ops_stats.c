/* SPDX-License-Identifier: MIT */
/* Control operations that read the running broker: stats (snapshot and subscription),
 * recent log lines, and the connected clients (list and kick). */
#include "common/mem.h"
#include "service/conn.h"
#include "service/ctl_internal.h"
#include "service/log.h"
#include "service/sys_tree.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SYS_VALUES 128

cJSON *ctl_ops_stats_snapshot(struct broker *b)
{
    stats_sample(b, plat_time_mono_ms());
    const struct stats *st = &b->stats;
    struct sys_value v[MAX_SYS_VALUES];
    size_t n = sys_tree_values(st, v, MAX_SYS_VALUES);
    cJSON *stats = ctl_json_object();
    for (size_t i = 0; i < n; i++) {
        if (v[i].is_float)
            cJSON_AddNumberToObject(stats, v[i].name, floor(v[i].d * 100.0 + 0.5) / 100.0);
        else
            ctl_json_add_u64(stats, v[i].name, v[i].u);
    }
    ctl_json_add_str(stats, "version", "midge version " MIDGE_VERSION);
    ctl_json_add_u64(stats, "sockets/open", st->sockets_open);
    ctl_json_add_u64(stats, "messages/inflight", st->inflight);
    ctl_json_add_u64(stats, "messages/queued", st->queued);
    cJSON *r = ctl_json_object();
    ctl_json_add_u64(r, "time_ms", (uint64_t)plat_time_wall_ms());
    cJSON_AddItemToObject(r, "stats", stats);
    cJSON_AddItemToObject(r, "bridges", bridge_ctl_json(b));
    return r;
}

int ctl_ops_stats_get(struct ctl_client *cl, const cJSON *args, cJSON **result,
                      struct err_detail *d)
{
    (void)args;
    (void)d;
    *result = ctl_ops_stats_snapshot(cl->srv->b);
    return 0;
}

static void on_sub_timer(plat_timer *t, void *ud)
{
    (void)t;
    struct ctl_sub *sub = ud;
    struct ctl_client *cl = sub->cl;
    size_t len = 0;
    char *f = ctl_build_event("stats", (double)sub->id, ctl_ops_stats_snapshot(cl->srv->b), &len);
    ctl_server__send(cl, f, len);
    ctl_server__reap(cl);
}

int ctl_ops_stats_subscribe(struct ctl_client *cl, const cJSON *args, cJSON **result,
                            struct err_detail *d)
{
    int64_t interval = 0;
    int rc = ctl_arg_int(args, "interval", true, 1, 3600, &interval, d);
    if (rc < 0)
        return rc;
    struct ctl_sub *sub = NULL;
    for (size_t i = 0; i < CTL_MAX_SUBS && !sub; i++)
        if (!cl->subs[i].timer)
            sub = &cl->subs[i];
    if (!sub)
        return err_set(d, ERR_LIMIT, NULL, 0, "at most %d subscriptions per connection",
                       CTL_MAX_SUBS);
    sub->cl = cl;
    sub->id = ++cl->srv->next_sub_id;
    sub->interval_s = (uint32_t)interval;
    plat_timer_new(cl->srv->b->loop, on_sub_timer, sub, &sub->timer);
    plat_timer_start(sub->timer, (uint64_t)interval * 1000u, (uint64_t)interval * 1000u);
    *result = ctl_json_object();
    ctl_json_add_u64(*result, "sub", sub->id);
    ctl_json_add_u64(*result, "interval", (uint64_t)interval);
    return 0;
}

int ctl_ops_stats_unsubscribe(struct ctl_client *cl, const cJSON *args, cJSON **result,
                              struct err_detail *d)
{
    (void)result;
    int64_t id = 0;
    int rc = ctl_arg_int(args, "sub", true, 0, INT64_MAX / 2, &id, d);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < CTL_MAX_SUBS; i++) {
        if (cl->subs[i].timer && cl->subs[i].id == (uint64_t)id) {
            plat_timer_free(cl->subs[i].timer);
            memset(&cl->subs[i], 0, sizeof cl->subs[i]);
            return 0;
        }
    }
    return err_set(d, ERR_NOTFOUND, NULL, 0, "no subscription %lld on this connection",
                   (long long)id);
}

void ctl_ops_subs_cleanup(struct ctl_client *cl)
{
    for (size_t i = 0; i < CTL_MAX_SUBS; i++) {
        plat_timer_free(cl->subs[i].timer);
        memset(&cl->subs[i], 0, sizeof cl->subs[i]);
    }
}

static const char *class_name(int cls)
{
    static const char *const names[] = {
        [LOG_ERROR] = "error",
        [LOG_WARNING] = "warning",
        [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",
        [LOG_DEBUG] = "debug",
        [LOG_SUBSCRIBE] = "subscribe",
        [LOG_UNSUBSCRIBE] = "unsubscribe",
    };
    return cls >= 0 && (size_t)cls < sizeof names / sizeof names[0] ? names[cls] : "info";
}

int ctl_ops_log_get(struct ctl_client *cl, const cJSON *args, cJSON **result, struct err_detail *d)
{
    int64_t want = 100;
    int rc = ctl_arg_int(args, "lines", false, 1, CTL_LOG_RING, &want, d);
    if (rc < 0)
        return rc;
    const struct ctl_server *srv = cl->srv;
    size_t n = srv->ring_count < (size_t)want ? srv->ring_count : (size_t)want;
    cJSON *lines = ctl_json_array();
    for (size_t i = srv->ring_count - n; i < srv->ring_count; i++) {
        const struct ctl_log_entry *e = &srv->ring[(srv->ring_head + i) % CTL_LOG_RING];
        cJSON *o = ctl_json_object();
        ctl_json_add_u64(o, "time_ms", (uint64_t)e->time_ms);
        ctl_json_add_str(o, "level", class_name(e->cls));
        ctl_json_add_str(o, "text", e->text);
        cJSON_AddItemToArray(lines, o);
    }
    *result = ctl_json_object();
    cJSON_AddItemToObject(*result, "lines", lines);
    return 0;
}

/* ---- Clients ----------------------------------------------------------------------------- */

static cJSON *client_object(const struct conn *c, int64_t wall_now, uint64_t mono_now)
{
    const struct session *s = c->sess;
    cJSON *o = ctl_json_object();
    ctl_json_add_str(o, "id", s ? s->client_id : "");
    ctl_json_add_str(o, "address", c->addr);
    ctl_json_add_str(o, "username", c->username);
    ctl_json_add_u64(o, "protocol", c->version);
    ctl_json_add_str(o, "listener", c->lst ? c->lst->name : "");
    uint64_t age = mono_now > c->connected_ms ? mono_now - c->connected_ms : 0;
    ctl_json_add_u64(o, "connected_since_ms", (uint64_t)(wall_now - (int64_t)age));
    ctl_json_add_u64(o, "subscriptions", s ? s->n_subs : 0);
    ctl_json_add_u64(o, "queued", s ? s->q.count - s->q.sent : 0);
    ctl_json_add_u64(o, "inflight", s ? s->q.active : 0);
    return o;
}

int ctl_ops_clients_list(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d)
{
    int64_t limit = 10000;
    int rc = ctl_arg_int(args, "limit", false, 1, 100000, &limit, d);
    if (rc < 0)
        return rc;
    struct broker *b = cl->srv->b;
    int64_t wall = plat_time_wall_ms();
    uint64_t mono = plat_time_mono_ms();
    cJSON *list = ctl_json_array();
    uint64_t total = 0;
    for (struct link *l = b->conns.next; l != &b->conns; l = l->next) {
        const struct conn *c = link_entry(l, struct conn, all_link);
        if (c->state != CONN_ACTIVE)
            continue;
        if (total++ < (uint64_t)limit)
            cJSON_AddItemToArray(list, client_object(c, wall, mono));
    }
    *result = ctl_json_object();
    ctl_json_add_u64(*result, "total", total);
    cJSON_AddItemToObject(*result, "clients", list);
    return 0;
}

int ctl_ops_clients_kick(struct ctl_client *cl, const cJSON *args, cJSON **result,
                         struct err_detail *d)
{
    (void)result;
    const char *id = NULL;
    int rc = ctl_arg_str(args, "id", true, &id, d);
    if (rc < 0)
        return rc;
    struct broker *b = cl->srv->b;
    struct session *s = hmap_get(&b->sessions, id, strlen(id));
    if (!s || !s->conn || s->conn->state != CONN_ACTIVE)
        return err_set(d, ERR_NOTFOUND, NULL, 0, "no connected client '%.200s'", id);
    log_notice("client=%s addr=%s disconnected by the control socket (%s)", s->client_id,
               s->conn->addr, cl->peer);
    conn_close(s->conn, "kicked by the control socket");
    return 0;
}
