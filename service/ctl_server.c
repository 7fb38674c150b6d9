/* SPDX-License-Identifier: MIT */
/* The control server: endpoint, connections, framing, limits, hello and the dispatch of
 * requests to the operation families (see service/ctl_server.h). */
#include "service/ctl_server.h"

#include "common/mem.h"
#include "service/ctl_internal.h"
#include "service/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWEEP_MS 1000u
#define READ_CHUNK 16384u

/* One row per operation: its handler and the argument names it accepts. */
struct op_row {
    ctl_op_fn fn;
    const char *const *args;
};

static const char *const a_none[] = {NULL};
static const char *const a_hello[] = {"protocol", "client", NULL};
static const char *const a_sub[] = {"interval", NULL};
static const char *const a_unsub[] = {"sub", NULL};
static const char *const a_lst_add[] = {
    "base_version", "port",     "address", "socket_domain", "max_connections",
    "mount_point",  "certfile", "keyfile", "cafile",        NULL};
static const char *const a_lst_set[] = {"base_version", "port", "address", "set", NULL};
static const char *const a_lst_rm[] = {"base_version", "port", "address", NULL};
static const char *const a_user_pw[] = {"base_version", "name", "password", NULL};
static const char *const a_user_rm[] = {"base_version", "name", NULL};
static const char *const a_clients[] = {"limit", NULL};
static const char *const a_kick[] = {"id", NULL};
static const char *const a_put[] = {"base_version", "text", NULL};
static const char *const a_check[] = {"text", "name", NULL};
static const char *const a_log[] = {"lines", NULL};

static const struct op_row ops[CTL_OP_COUNT_] = {
    [CTL_OP_HELLO] = {NULL, a_hello},
    [CTL_OP_STATS_GET] = {ctl_ops_stats_get, a_none},
    [CTL_OP_STATS_SUBSCRIBE] = {ctl_ops_stats_subscribe, a_sub},
    [CTL_OP_STATS_UNSUBSCRIBE] = {ctl_ops_stats_unsubscribe, a_unsub},
    [CTL_OP_LISTENERS_LIST] = {ctl_ops_listeners_list, a_none},
    [CTL_OP_LISTENERS_ADD] = {ctl_ops_listeners_add, a_lst_add},
    [CTL_OP_LISTENERS_SET] = {ctl_ops_listeners_set, a_lst_set},
    [CTL_OP_LISTENERS_REMOVE] = {ctl_ops_listeners_remove, a_lst_rm},
    [CTL_OP_USERS_LIST] = {ctl_ops_users_list, a_none},
    [CTL_OP_USERS_ADD] = {ctl_ops_users_add, a_user_pw},
    [CTL_OP_USERS_PASSWD] = {ctl_ops_users_passwd, a_user_pw},
    [CTL_OP_USERS_REMOVE] = {ctl_ops_users_remove, a_user_rm},
    [CTL_OP_CLIENTS_LIST] = {ctl_ops_clients_list, a_clients},
    [CTL_OP_CLIENTS_KICK] = {ctl_ops_clients_kick, a_kick},
    [CTL_OP_CONFIG_GET] = {ctl_ops_config_get, a_none},
    [CTL_OP_CONFIG_PUT] = {ctl_ops_config_put, a_put},
    [CTL_OP_CONFIG_CHECK] = {ctl_ops_config_check, a_check},
    [CTL_OP_CONFIG_RELOAD] = {ctl_ops_config_reload, a_none},
    [CTL_OP_PERSIST_SAVE] = {ctl_ops_persist_save, a_none},
    [CTL_OP_LOG_GET] = {ctl_ops_log_get, a_log},
};

static void on_client_io(plat_sock *s, unsigned events, void *ud);
static void client_free(struct ctl_client *cl);

/* ---- Output ------------------------------------------------------------------------------ */

/* Write what is buffered; on a hard error the client dies. */
static void flush(struct ctl_client *cl)
{
    while (buf_size(&cl->out) > 0) {
        long n = plat_sock_write(cl->sock, buf_head(&cl->out), buf_size(&cl->out));
        if (n == ERR_AGAIN)
            break;
        if (n < 0) {
            cl->dead = true;
            return;
        }
        buf_consume(&cl->out, (size_t)n);
    }
    if (buf_size(&cl->out) == 0) {
        buf_reset(&cl->out, 65536);
        if (cl->closing) {
            cl->dead = true;
            return;
        }
    }
    bool want = buf_size(&cl->out) > 0;
    if (want != cl->want_write) {
        cl->want_write = want;
        plat_sock_watch(cl->sock, PLAT_EV_READ | (want ? PLAT_EV_WRITE : 0u), on_client_io, cl);
    }
}

void ctl_server__send(struct ctl_client *cl, char *frame, size_t len)
{
    if (!cl->dead && buf_size(&cl->out) + len > CTL_MAX_OUT) {
        log_warn("control client %s does not read its replies; closing it", cl->peer);
        cl->dead = true;
    }
    if (!cl->dead)
        buf_append(&cl->out, frame, len);
    free(frame);
    if (!cl->dead)
        flush(cl);
}

void ctl_server__reap(struct ctl_client *cl)
{
    if (cl->dead)
        client_free(cl);
}

static void send_error(struct ctl_client *cl, double id, enum ctl_ecode code, const char *msg,
                       const struct err_detail *d)
{
    size_t len = 0;
    char *f = ctl_build_error(id, code, msg, d ? d->file : NULL, d ? d->line : 0, &len);
    ctl_server__send(cl, f, len);
}

/* ---- Client lifetime ------------------------------------------------------------------- */

static void client_free(struct ctl_client *cl)
{
    struct ctl_server *srv = cl->srv;
    ctl_ops_subs_cleanup(cl);
    plat_sock_close(cl->sock);
    ctl_framer_cleanup(&cl->in);
    buf_cleanup(&cl->out);
    if (cl->prev)
        cl->prev->next = cl->next;
    else
        srv->clients = cl->next;
    if (cl->next)
        cl->next->prev = cl->prev;
    srv->n_clients--;
    log_debug("control client %s disconnected", cl->peer);
    free(cl);
}

/* Answer a refused peer with one error frame and close it. */
static void refuse(plat_sock *s, enum ctl_ecode code, const char *msg)
{
    size_t len = 0;
    char *f = ctl_build_error(-1, code, msg, NULL, 0, &len);
    (void)plat_sock_write(s, f, len); /* best effort: a fresh socket has room */
    free(f);
    plat_sock_close(s);
}

static void accept_one(struct ctl_server *srv, plat_sock *s, const struct plat_ctl_peer *peer)
{
    if (!peer->allowed) {
        log_warn("control socket: refused %s (not root, the broker's user or in the control "
                 "group)",
                 peer->desc);
        refuse(s, CTL_E_PERM, "permission denied: not in the control group");
        return;
    }
    if (srv->n_clients >= CTL_MAX_CLIENTS) {
        log_warn("control socket: refused %s: %d control clients connected", peer->desc,
                 CTL_MAX_CLIENTS);
        refuse(s, CTL_E_LIMIT, "too many control clients");
        return;
    }
    struct ctl_client *cl = xcalloc(1, sizeof *cl);
    cl->srv = srv;
    cl->sock = s;
    ctl_framer_init(&cl->in, CTL_MAX_REQUEST);
    buf_init(&cl->out);
    snprintf(cl->peer, sizeof cl->peer, "%s", peer->desc);
    cl->last_rx_ms = plat_time_mono_ms();
    cl->next = srv->clients;
    if (srv->clients)
        srv->clients->prev = cl;
    srv->clients = cl;
    srv->n_clients++;
    plat_sock_watch(s, PLAT_EV_READ, on_client_io, cl);
    log_info("control client %s connected", cl->peer);
}

static void on_endpoint_ready(void *ud)
{
    struct ctl_server *srv = ud;
    for (int i = 0; i < 16; i++) {
        plat_sock *s = NULL;
        struct plat_ctl_peer peer;
        int rc = plat_ctl_accept(srv->ep, &s, &peer);
        if (rc == ERR_AGAIN)
            return;
        if (rc < 0) {
            log_warn("control socket: accept failed: %s", err_str(rc));
            return;
        }
        accept_one(srv, s, &peer);
    }
}

/* ---- Requests -------------------------------------------------------------------------- */

static cJSON *hello_result(void)
{
    cJSON *r = ctl_json_object();
    ctl_json_add_u64(r, "protocol", CTL_PROTO_VERSION);
    ctl_json_add_str(r, "server", "midge");
    ctl_json_add_str(r, "version", MIDGE_VERSION);
    ctl_json_add_u64(r, "max_request", CTL_MAX_REQUEST);
    cJSON *names = ctl_json_array();
    for (int i = 0; i < CTL_OP_COUNT_; i++)
        cJSON_AddItemToArray(names, cJSON_CreateString(ctl_op_name((enum ctl_op)i)));
    cJSON_AddItemToObject(r, "ops", names);
    return r;
}

/* Whether the hello's "protocol" (a number or an array of numbers) names ours. */
static bool hello_speaks_ours(const cJSON *args)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(args, "protocol");
    if (cJSON_IsNumber(p))
        return p->valuedouble == CTL_PROTO_VERSION;
    for (const cJSON *v = cJSON_IsArray(p) ? p->child : NULL; v; v = v->next)
        if (cJSON_IsNumber(v) && v->valuedouble == CTL_PROTO_VERSION)
            return true;
    return false;
}

static void do_hello(struct ctl_client *cl, const struct ctl_request *r)
{
    if (!hello_speaks_ours(r->args)) {
        send_error(cl, r->id, CTL_E_VERSION, "this broker speaks control protocol 1 only", NULL);
        cl->closing = true;
        flush(cl);
        return;
    }
    cl->hello = true;
    size_t len = 0;
    char *f = ctl_build_result(r->id, hello_result(), &len);
    ctl_server__send(cl, f, len);
}

static void run_op(struct ctl_client *cl, const struct ctl_request *r)
{
    const struct op_row *row = &ops[r->op];
    struct err_detail d = {{0}, {0}, 0};
    if (ctl_args_check(r->args, row->args, &d) < 0) {
        send_error(cl, r->id, CTL_E_INVALID, d.msg, NULL);
        return;
    }
    if (r->op == CTL_OP_HELLO) {
        do_hello(cl, r);
        return;
    }
    if (!cl->hello) {
        send_error(cl, r->id, CTL_E_HELLO_REQUIRED, "send hello first", NULL);
        return;
    }
    cJSON *result = NULL;
    int rc = row->fn(cl, r->args, &result, &d);
    if (rc < 0) {
        cJSON_Delete(result);
        send_error(cl, r->id, ctl_ecode_from_err(rc), d.msg[0] ? d.msg : err_str(rc), &d);
        return;
    }
    size_t len = 0;
    char *f = ctl_build_result(r->id, result, &len);
    ctl_server__send(cl, f, len);
}

static void handle_frame(struct ctl_client *cl, const char *line, size_t len)
{
    struct ctl_request r;
    struct err_detail d = {{0}, {0}, 0};
    int rc = ctl_request_parse(line, len, &r, &d);
    if (rc == ERR_NOTSUP)
        send_error(cl, r.id, CTL_E_UNKNOWN_OP, d.msg, NULL);
    else if (rc < 0)
        send_error(cl, r.has_id ? r.id : -1, CTL_E_MALFORMED, d.msg, NULL);
    else
        run_op(cl, &r);
    ctl_request_cleanup(&r);
}

/* Read what is available and answer every complete request. */
static void read_requests(struct ctl_client *cl)
{
    char chunk[READ_CHUNK];
    for (int rounds = 0; rounds < 16 && !cl->dead && !cl->closing; rounds++) {
        long n = plat_sock_read(cl->sock, chunk, sizeof chunk);
        if (n == ERR_AGAIN)
            break;
        if (n < 0) {
            cl->dead = true;
            break;
        }
        cl->last_rx_ms = plat_time_mono_ms();
        if (ctl_framer_feed(&cl->in, chunk, (size_t)n) < 0) {
            send_error(cl, -1, CTL_E_TOO_BIG, "request larger than 262144 bytes", NULL);
            cl->closing = true;
            break;
        }
        char *line = NULL;
        size_t len = 0;
        int got;
        while (!cl->dead && !cl->closing && (got = ctl_framer_next(&cl->in, &line, &len)) != 0) {
            if (got < 0) {
                send_error(cl, -1, CTL_E_TOO_BIG, "request larger than 262144 bytes", NULL);
                cl->closing = true;
                break;
            }
            handle_frame(cl, line, len);
            memset(line, 0, len); /* requests may carry passwords */
        }
        cl->partial_since_ms = ctl_framer_pending(&cl->in) ? cl->last_rx_ms : 0;
    }
}

static void on_client_io(plat_sock *s, unsigned events, void *ud)
{
    (void)s;
    struct ctl_client *cl = ud;
    if (events & (PLAT_EV_READ | PLAT_EV_HUP | PLAT_EV_ERROR))
        read_requests(cl);
    if (!cl->dead)
        flush(cl);
    if (cl->dead)
        client_free(cl);
}

/* ---- Timers, log ring, lifecycle ---------------------------------------------------------- */

static bool has_subs(const struct ctl_client *cl)
{
    for (size_t i = 0; i < CTL_MAX_SUBS; i++)
        if (cl->subs[i].timer)
            return true;
    return false;
}

static void on_sweep(plat_timer *t, void *ud)
{
    (void)t;
    struct ctl_server *srv = ud;
    uint64_t now = plat_time_mono_ms();
    struct ctl_client *next = NULL;
    for (struct ctl_client *cl = srv->clients; cl; cl = next) {
        next = cl->next;
        bool idle = !has_subs(cl) && now - cl->last_rx_ms >= CTL_IDLE_MS;
        bool half = cl->partial_since_ms && now - cl->partial_since_ms >= CTL_PARTIAL_MS;
        if (!idle && !half)
            continue;
        log_info("control client %s: %s; closing", cl->peer,
                 half ? "request left half-sent" : "idle");
        client_free(cl);
    }
}

static void log_tap(void *ud, enum log_class cls, const char *line)
{
    struct ctl_server *srv = ud;
    size_t slot = (srv->ring_head + srv->ring_count) % CTL_LOG_RING;
    if (srv->ring_count == CTL_LOG_RING) {
        slot = srv->ring_head;
        srv->ring_head = (srv->ring_head + 1) % CTL_LOG_RING;
        free(srv->ring[slot].text);
    } else {
        srv->ring_count++;
    }
    srv->ring[slot].time_ms = plat_time_wall_ms();
    srv->ring[slot].cls = (int)cls;
    srv->ring[slot].text = xstrdup(line);
}

/* The endpoint path for b (into out), or "" when the endpoint is off. */
static int endpoint_path(const struct broker *b, char *out, size_t outlen, struct err_detail *d)
{
    const char *p = b->cfg.control_socket;
    if (p && strcmp(p, "none") == 0) {
        out[0] = '\0';
        return 0;
    }
    if (!p)
        return plat_ctl_default_path(out, outlen, d);
    if ((size_t)snprintf(out, outlen, "%s", p) >= outlen)
        return err_set(d, ERR_TOOBIG, NULL, 0, "control_socket path too long");
    return 0;
}

int ctl_server_start(struct broker *b)
{
    char path[512];
    struct err_detail d = {{0}, {0}, 0};
    int rc = endpoint_path(b, path, sizeof path, &d);
    if (rc == 0 && !path[0]) {
        log_notice("control socket disabled (control_socket none)");
        return 0;
    }
    struct ctl_server *srv = xcalloc(1, sizeof *srv);
    srv->b = b;
    if (rc == 0)
        rc = plat_ctl_listen(b->loop, path, b->cfg.control_group, &srv->ep, &d);
    if (rc < 0) {
        free(srv);
        bool explicit = b->cfg.control_socket || b->cfg.control_group;
        if (explicit)
            log_error("control socket: %s", d.msg);
        else
            log_warn("control socket not available: %s (set control_socket to choose a "
                     "path, or none)",
                     d.msg);
        return explicit ? rc : 0;
    }
    plat_ctl_watch(srv->ep, on_endpoint_ready, srv);
    plat_timer_new(b->loop, on_sweep, srv, &srv->sweep);
    plat_timer_start(srv->sweep, SWEEP_MS, SWEEP_MS);
    log_set_tap(log_tap, srv);
    b->ctl = srv;
    log_notice("control socket %s", path);
    return 0;
}

void ctl_server_stop(struct broker *b)
{
    struct ctl_server *srv = b->ctl;
    if (!srv)
        return;
    log_set_tap(NULL, NULL);
    while (srv->clients)
        client_free(srv->clients);
    plat_timer_free(srv->sweep);
    plat_ctl_close(srv->ep);
    for (size_t i = 0; i < srv->ring_count; i++)
        free(srv->ring[(srv->ring_head + i) % CTL_LOG_RING].text);
    free(srv);
    b->ctl = NULL;
}

size_t ctl_server_client_count(const struct broker *b)
{
    return b->ctl ? b->ctl->n_clients : 0;
}
