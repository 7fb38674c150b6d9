/* SPDX-License-Identifier: MIT */
/* Broker lifecycle: initialisation from a parsed configuration, start (listeners and
 * timers), reload, stop and cleanup. */
#include "service/broker.h"

#include "common/cfg_parse.h"
#include "common/cfg_schema.h"
#include "common/cfg_tls.h"
#include "common/mem.h"
#include "service/bridge.h"
#include "service/sec.h"
#include "service/conn.h"
#include "service/ctl_server.h"
#include "service/log.h"
#include "service/log_topic.h"
#include "service/out_pool.h"
#include "service/persist.h"
#include "service/retain.h"
#include "service/session.h"
#include "service/sub_tree.h"
#include "service/sys_tree.h"
#include "service/tls.h"
#include "service/config_io.h"

#include <stdlib.h>
#include <string.h>

#define READ_BUF_SIZE (64u * 1024u)

/* Anonymous access as mosquitto 2.0 decides it: allowed in local-only mode unless the
 * configuration says otherwise, refused as soon as a listener is configured. */
static bool resolve_anonymous(const struct cfg *c)
{
    if (c->allow_anonymous >= 0)
        return c->allow_anonymous != 0;
    return c->local_only;
}

void broker_init(struct broker *b, struct cfg *c, const char *config_path, bool verbose,
                 const uint16_t *cli_ports, size_t n_cli_ports)
{
    memset(b, 0, sizeof *b);
    b->cfg = *c;
    memset(c, 0, sizeof *c); /* moved: nothing left for the caller to free */
    b->config_path = config_path;
    b->verbose = verbose;
    for (size_t i = 0; i < n_cli_ports && i < 10; i++)
        b->cli_ports[b->n_cli_ports++] = cli_ports[i];
    b->allow_anonymous = resolve_anonymous(&b->cfg);
    link_init(&b->conns);
    link_init(&b->closing);
    link_init(&b->flush);
    link_init(&b->offline);
    for (size_t i = 0; i < KA_SLOTS; i++)
        link_init(&b->ka_wheel[i]);
    uint64_t seed = 0;
    plat_random_bytes(&seed, sizeof seed);
    hmap_init(&b->sessions, seed);
    b->subs = sub_tree_new();
    b->retained = retain_new();
    b->rbuf_size = READ_BUF_SIZE;
    b->rbuf = xmalloc(b->rbuf_size);
    b->out_pool = out_pool_new();
    b->next_msg_id = 1;
}

uint64_t broker_next_msg_id(struct broker *b)
{
    return b->next_msg_id++;
}

static void on_before_sleep(void *ud)
{
    conn_before_sleep(ud);
}

static void on_ka_timer(plat_timer *t, void *ud)
{
    (void)t;
    conn_keepalive_tick(ud);
}

static void on_expiry_timer(plat_timer *t, void *ud)
{
    (void)t;
    session_expire(ud);
}

/* The broker-wide TLS state and psk_file, when any listener uses TLS. */
static int tls_start(struct broker *b)
{
    bool any = false;
    for (size_t i = 0; i < b->cfg.n_listeners; i++)
        any = any || cfg_tls_is_enabled(&b->cfg.listeners[i].tls);
    if (!any)
        return 0;
    struct err_detail d = {{0}, {0}, 0};
    int rc = tls_server_new(&b->tls);
    if (rc == 0)
        rc = tls_server_load_psk(b->tls, b->cfg.psk_file, &d);
    if (rc < 0) {
        char msg[1200];
        log_error("cannot start TLS: %s",
                  d.msg[0] ? err_detail_format(&d, msg, sizeof msg) : err_str(rc));
    }
    return rc;
}

/* Reload: reread psk_file (keeping the old keys if it cannot be read) and every TLS
 * listener's certificate files. */
static void tls_reload(struct broker *b)
{
    if (!b->tls)
        return;
    struct err_detail d = {{0}, {0}, 0};
    if (tls_server_load_psk(b->tls, b->cfg.psk_file, &d) < 0) {
        char msg[1200];
        log_error("reload: keeping the previous PSK keys: %s",
                  err_detail_format(&d, msg, sizeof msg));
    }
    listener_reload_tls(b);
}

int broker_start(struct broker *b, plat_loop *loop)
{
    b->loop = loop;
    b->start_ms = plat_time_mono_ms();
    b->ka_tick = b->start_ms / KA_TICK_MS;
    struct err_detail d = {{0}, {0}, 0};
    int rc = sec_start(b, &d);
    if (rc < 0)
        return rc;
    rc = persist_start(b); /* before any client can connect */
    if (rc < 0)
        return rc;
    rc = tls_start(b);
    if (rc < 0)
        return rc;
    /* The control socket first: once MQTT clients can connect, so can midge-ctl. */
    rc = ctl_server_start(b);
    if (rc < 0)
        return rc;
    rc = listener_open_all(b);
    if (rc < 0)
        return rc;
    plat_loop_set_before_sleep(loop, on_before_sleep, b);
    plat_loop_set_spin(loop, b->cfg.spin_wait_us);
    plat_timer_new(loop, on_ka_timer, b, &b->ka_timer);
    plat_timer_start(b->ka_timer, KA_TICK_MS, KA_TICK_MS);
    plat_timer_new(loop, on_expiry_timer, b, &b->expiry_timer);
    plat_timer_start(b->expiry_timer, 1000, 1000);
    sys_tree_start(b);
    log_topic_start(b);
    rc = bridge_start_all(b);
    if (rc < 0)
        return rc;
    log_notice("midge %s running", MIDGE_VERSION);
    return 0;
}

void broker_stop(struct broker *b)
{
    log_notice("midge shutting down");
    ctl_server_stop(b);
    bridge_stop_all(b);
    /* Connections first: closing publishes wills and reaping updates their listener,
     * so the listeners must outlive them. */
    conn_close_all(b);
    conn_before_sleep(b);
    persist_shutdown(b); /* after the close: wills are published, sessions offline */
    listener_close_all(b);
    plat_loop_stop(b->loop);
}

/* Whether schema row o names a global value that a reload may replace in place. */
static bool is_reloadable_field(const struct cfg_option *o)
{
    return o->reloadable && o->status == CFG_ST_SUPPORTED && o->scope == CFG_SCOPE_GLOBAL &&
           o->type != CFG_T_SPECIAL && o->field != SIZE_MAX && !o->alias_of;
}

/* Copy every reloadable global option from n into the running configuration, driven by
 * the schema table (the same rows the parser and the docs use), and log what changed.
 * Strings are swapped so that cfg_cleanup(n) frees the old values. Listener options,
 * `user` and `pid_file` are not reloadable: they keep their running values. */
static void apply_reloadable(struct broker *b, struct cfg *n)
{
    size_t count = 0;
    const struct cfg_option *t = cfg_schema_table(&count);
    for (size_t i = 0; i < count; i++) {
        const struct cfg_option *o = &t[i];
        if (!is_reloadable_field(o))
            continue;
        char *cur = (char *)&b->cfg + o->field;
        char *next = (char *)n + o->field;
        if (o->type == CFG_T_STRING || o->type == CFG_T_PATH) {
            char **a = (char **)(void *)cur, **z = (char **)(void *)next;
            if ((*a == NULL) != (*z == NULL) || (*a && strcmp(*a, *z) != 0))
                log_notice("reload: %s changed", o->name);
            char *tmp = *a;
            *a = *z;
            *z = tmp;
        } else if (memcmp(cur, next, o->field_size) != 0) {
            log_notice("reload: %s changed", o->name);
            memcpy(cur, next, o->field_size);
        }
    }
    b->allow_anonymous = resolve_anonymous(&b->cfg);
}

void broker_reload(struct broker *b)
{
    if (!b->config_path) {
        log_notice("reload requested: no configuration file, nothing to do");
        return;
    }
    struct cfg n;
    struct err_detail d = {{0}, {0}, 0};
    cfg_init(&n);
    char msg[1200];
    int rc = config_io_load(b->config_path, &n, &d);
    if (rc < 0) {
        log_error("reload failed, keeping the running configuration: %s",
                  err_detail_format(&d, msg, sizeof msg));
        cfg_cleanup(&n);
        log_reopen(); /* log rotation still works while the file is being edited */
        return;
    }
    /* A log file that cannot be reopened (for example in a directory the unprivileged
     * user may not write) must not block the rest of the reload. */
    if (log_configure(&n, b->verbose, &d) < 0)
        log_warn("reload: cannot reopen the log, it stays on the old file: %s",
                 err_detail_format(&d, msg, sizeof msg));
    apply_reloadable(b, &n);
    plat_loop_set_spin(b->loop, b->cfg.spin_wait_us);
    sys_tree_reconfigure(b);
    persist_reconfigure(b);
    sec_reload(b, &n);
    tls_reload(b);
    cfg_cleanup(&n);
    log_notice("configuration reloaded from %s", b->config_path);
}

void broker_cleanup(struct broker *b)
{
    ctl_server_stop(b);
    conn_close_all(b); /* before the listeners that the connections point to */
    conn_before_sleep(b);
    bridge_cleanup_all(b); /* after its connections were reaped */
    listener_close_all(b);
    while (link_linked(&b->offline)) {
        struct session *s = link_entry(b->offline.next, struct session, expiry_link);
        session_destroy(s);
    }
    persist_cleanup(b);
    plat_timer_free(b->ka_timer);
    plat_timer_free(b->expiry_timer);
    sys_tree_stop(b);
    log_topic_stop(b);
    sec_cleanup(b);
    tls_server_free(b->tls); /* after the listeners and connections that use it */
    b->tls = NULL;
    sub_tree_free(b->subs);
    retain_free(b->retained);
    hmap_cleanup(&b->sessions);
    free(b->matches);
    free(b->rbuf);
    out_pool_free(b->out_pool);
    b->out_pool = NULL;
    cfg_cleanup(&b->cfg);
}
