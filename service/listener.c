/* SPDX-License-Identifier: MIT */
/* Listeners: resolve and bind the configured addresses (or the local-only defaults) and
 * hand accepted sockets to the connection layer. */
#include "common/cfg_tls.h"
#include "common/mem.h"
#include "service/broker.h"
#include "service/conn.h"
#include "service/log.h"
#include "service/sec.h"
#include "service/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ADDRS 16
#define BACKLOG 1024

static void on_listener_io(plat_sock *s, unsigned events, void *ud)
{
    (void)s;
    (void)events;
    conn_accept_all(ud);
}

static void copy_listener_cfg(struct cfg_listener *dst, const struct cfg_listener *src)
{
    *dst = *src;
    dst->bind_address = xstrdup(src->bind_address);
    dst->mount_point = xstrdup(src->mount_point);
    dst->src_file = xstrdup(src->src_file);
    cfg_tls_copy(&dst->tls, &src->tls);
    dst->password_file = xstrdup(src->password_file);
    dst->acl_file = xstrdup(src->acl_file);
    dst->auto_id_prefix = xstrdup(src->auto_id_prefix);
}

static void listener_free(struct listener *l)
{
    if (!l)
        return;
    plat_sock_close(l->sock);
    tls_ctx_free(l->tls);
    cfg_listener_cleanup(&l->cfg); /* frees the TLS strings too */
    free(l);
}

static void add_listener(struct broker *b, struct listener *l)
{
    b->listeners = xrealloc(b->listeners, (b->n_listeners + 1) * sizeof *b->listeners);
    b->listeners[b->n_listeners++] = l;
}

/* Bind one resolved address for listener config lc. */
static int bind_one(struct broker *b, const struct cfg_listener *lc, const struct plat_addr *a)
{
    struct listener *l = xcalloc(1, sizeof *l);
    l->b = b;
    copy_listener_cfg(&l->cfg, lc);
    plat_addr_format(a, l->name, sizeof l->name);
    struct err_detail d = {{0}, {0}, 0};
    int rc = cfg_tls_is_enabled(&lc->tls) ? tls_ctx_new(b->tls, lc, &l->tls, &d) : 0;
    if (rc < 0) {
        char msg[1200];
        log_error("cannot start TLS on %s: %s", l->name, err_detail_format(&d, msg, sizeof msg));
        listener_free(l);
        return rc;
    }
    rc = plat_sock_listen(b->loop, a, BACKLOG, &l->sock, &d);
    if (rc < 0) {
        log_error("cannot listen on %s: %s%s%s", l->name, err_str(rc), d.msg[0] ? ": " : "", d.msg);
        listener_free(l);
        return rc;
    }
    plat_sock_watch(l->sock, PLAT_EV_READ, on_listener_io, l);
    add_listener(b, l);
    log_notice("listening on %s%s%s%s", l->name, l->tls ? " (TLS)" : "",
               lc->mount_point ? " mount_point " : "", lc->mount_point ? lc->mount_point : "");
    return 0;
}

/* Resolve and bind every address of one configured listener. */
static int open_listener(struct broker *b, const struct cfg_listener *lc)
{
    struct plat_addr addrs[MAX_ADDRS];
    struct err_detail d = {{0}, {0}, 0};
    enum plat_family fam = lc->socket_domain == 4   ? PLAT_AF_INET
                           : lc->socket_domain == 6 ? PLAT_AF_INET6
                                                    : PLAT_AF_ANY;
    int n = plat_net_resolve(lc->bind_address, lc->port, fam, true, addrs, MAX_ADDRS, &d);
    if (n < 0) {
        log_error("%s:%d: cannot resolve listener address '%s': %s",
                  lc->src_file ? lc->src_file : "(built-in)", lc->src_line,
                  lc->bind_address ? lc->bind_address : "*", d.msg);
        return n;
    }
    for (int i = 0; i < n; i++) {
        int rc = bind_one(b, lc, &addrs[i]);
        /* A wildcard listener on a host without IPv6 must still come up on IPv4. */
        if (rc < 0 && !(rc == ERR_ADDRNOTAVAIL && n > 1))
            return rc;
    }
    return 0;
}

/* The local-only listeners of mosquitto 2.0: 127.0.0.1 and ::1 on each port. */
static int open_local_only(struct broker *b)
{
    uint16_t def = 1883;
    const uint16_t *ports = b->n_cli_ports ? b->cli_ports : &def;
    size_t nports = b->n_cli_ports ? b->n_cli_ports : 1;
    static const char *const hosts[] = {"127.0.0.1", "::1"};
    int opened = 0;
    for (size_t i = 0; i < nports; i++) {
        for (size_t h = 0; h < 2; h++) {
            struct cfg_listener lc = {
                .port = ports[i], .bind_address = (char *)hosts[h], .max_connections = -1};
            if (open_listener(b, &lc) == 0)
                opened++;
        }
    }
    if (opened == 0)
        return ERR_IO;
    return 0;
}

int listener_open_all(struct broker *b)
{
    if (b->cfg.local_only) {
        log_notice("no listener configured: local-only mode (loopback, anonymous allowed)");
        return open_local_only(b);
    }
    if (b->n_cli_ports)
        log_warn("-p is ignored because the configuration defines listeners");
    for (size_t i = 0; i < b->cfg.n_listeners; i++) {
        size_t first = b->n_listeners;
        int rc = open_listener(b, &b->cfg.listeners[i]);
        if (rc < 0)
            return rc;
        /* With per_listener_settings each configured listener is its own security
         * domain (service/sec.c), in configuration order. */
        for (size_t j = first; j < b->n_listeners; j++)
            b->listeners[j]->sec_index = b->cfg.per_listener_settings ? i : 0;
    }
    return 0;
}

int listener_open(struct broker *b, const struct cfg_listener *lc, struct err_detail *d)
{
    size_t before = b->n_listeners;
    int rc = open_listener(b, lc);
    if (rc == 0) {
        size_t idx = sec_bind_listener(b, lc);
        for (size_t j = before; j < b->n_listeners; j++)
            b->listeners[j]->sec_index = idx;
        return 0;
    }
    while (b->n_listeners > before)
        listener_free(b->listeners[--b->n_listeners]);
    return err_set(d, rc, NULL, 0, "cannot open a listener on port %u%s%s: %s", (unsigned)lc->port,
                   lc->bind_address ? " address " : "", lc->bind_address ? lc->bind_address : "",
                   err_str(rc));
}

bool listener_matches(const struct listener *l, uint16_t port, const char *bind_address)
{
    const char *a = l->cfg.bind_address;
    if (bind_address && !bind_address[0])
        bind_address = NULL;
    return l->cfg.port == port && (a == NULL) == (bind_address == NULL) &&
           (!a || strcmp(a, bind_address) == 0);
}

size_t listener_close(struct broker *b, uint16_t port, const char *bind_address)
{
    size_t closed = 0;
    /* Restart after each close: publishing a will can close other connections. */
    bool again = true;
    while (again) {
        again = false;
        for (struct link *k = b->conns.next; k != &b->conns && !again; k = k->next) {
            struct conn *c = link_entry(k, struct conn, all_link);
            if (c->lst && listener_matches(c->lst, port, bind_address)) {
                conn_close(c, "listener removed");
                again = true;
            }
        }
    }
    /* Reap now: a closing connection still points to its listener. */
    conn_before_sleep(b);
    for (size_t i = b->n_listeners; i > 0; i--) {
        struct listener *l = b->listeners[i - 1];
        if (!listener_matches(l, port, bind_address))
            continue;
        log_notice("stopped listening on %s", l->name);
        listener_free(l);
        memmove(&b->listeners[i - 1], &b->listeners[i], (b->n_listeners - i) * sizeof l);
        b->n_listeners--;
        closed++;
    }
    return closed;
}

void listener_close_all(struct broker *b)
{
    for (size_t i = 0; i < b->n_listeners; i++)
        listener_free(b->listeners[i]);
    x_clear(&b->listeners);
    b->n_listeners = 0;
}

void listener_conn_closed(struct listener *lst)
{
    if (lst->paused) {
        lst->paused = false;
        plat_sock_watch(lst->sock, PLAT_EV_READ, on_listener_io, lst);
    }
}

void listener_reload_tls(struct broker *b)
{
    for (size_t i = 0; i < b->n_listeners; i++) {
        struct listener *l = b->listeners[i];
        if (!l->tls)
            continue;
        struct tls_ctx *fresh = NULL;
        struct err_detail d = {{0}, {0}, 0};
        if (tls_ctx_new(b->tls, &l->cfg, &fresh, &d) < 0) {
            char msg[1200];
            log_error("reload: listener %s keeps its running certificate: %s", l->name,
                      err_detail_format(&d, msg, sizeof msg));
            continue;
        }
        tls_ctx_free(l->tls); /* live connections hold their own reference */
        l->tls = fresh;
        log_notice("reload: listener %s reread its TLS certificate and key", l->name);
    }
}
