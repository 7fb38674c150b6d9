/* SPDX-License-Identifier: MIT */
/* Failback to the primary address (round_robin false): while a bridge is connected to a
 * backup address, a TCP probe of the first address runs every few seconds (DNS on a
 * worker thread, non-blocking connect); once the primary accepts, the bridge reconnects
 * there. */
#include "service/bridge_priv.h"

#include "common/mem.h"
#include "service/conn.h"
#include "service/log.h"

#include <stdio.h>
#include <stdlib.h>

#define PROBE_INTERVAL_MS 5000u
#define PROBE_TIMEOUT_MS 5000u

static void probe_reset(struct bridge *br)
{
    plat_sock_close(br->probe_sock);
    br->probe_sock = NULL;
    br->probe_ms = plat_time_mono_ms();
}

static void on_probe(plat_sock *s, unsigned events, void *ud)
{
    (void)events;
    struct bridge *br = ud;
    int rc = plat_sock_connect_result(s);
    probe_reset(br);
    if (rc < 0 || !br->conn)
        return;
    log_notice("bridge=%s the primary address %s:%u is reachable again: switching back",
               br->cfg->name, br->cfg->addrs[0].host, br->cfg->addrs[0].port);
    conn_close(br->conn, "switching back to the primary address");
    br->addr_idx = 0; /* the close scheduled the next address: go to the primary now */
    br->next_ms = plat_time_mono_ms();
}

/* The probe's DNS lookup finished: start the TCP probe. */
static void probe_resolved(struct bridge *br)
{
    plat_thread_join(br->probe_thread);
    br->probe_thread = NULL;
    struct bridge_resolve *j = br->probe_job;
    br->probe_job = NULL;
    struct err_detail d = {{0}, {0}, 0};
    if (j->rc > 0 &&
        plat_sock_connect_from(br->b->loop, &j->addrs[0], j->bind[0] ? &j->bind_addr : NULL,
                               &br->probe_sock, &d) == 0)
        plat_sock_watch(br->probe_sock, PLAT_EV_WRITE, on_probe, br);
    br->probe_ms = plat_time_mono_ms();
    free(j);
}

void bridge__probe_tick(struct bridge *br, uint64_t now)
{
    const struct cfg_bridge *cfg = br->cfg;
    if (br->probe_thread) {
        if (plat_thread_is_done(br->probe_thread))
            probe_resolved(br);
        return;
    }
    if (br->probe_sock) {
        if (now - br->probe_ms >= PROBE_TIMEOUT_MS)
            probe_reset(br);
        return;
    }
    if (cfg->round_robin || cfg->n_addrs < 2 || br->addr_idx % cfg->n_addrs == 0 ||
        now - br->probe_ms < PROBE_INTERVAL_MS)
        return;
    struct bridge_resolve *j = xcalloc(1, sizeof *j);
    snprintf(j->host, sizeof j->host, "%s", cfg->addrs[0].host);
    j->port = cfg->addrs[0].port;
    if (cfg->bind_address)
        snprintf(j->bind, sizeof j->bind, "%s", cfg->bind_address);
    struct err_detail d = {{0}, {0}, 0};
    br->probe_ms = now;
    if (plat_thread_start(bridge__resolve_fn, j, &br->probe_thread, &d) < 0) {
        free(j);
        return;
    }
    br->probe_job = j;
}

void bridge__probe_stop(struct bridge *br)
{
    if (br->probe_thread) {
        plat_thread_join(br->probe_thread);
        br->probe_thread = NULL;
    }
    free(br->probe_job);
    br->probe_job = NULL;
    plat_sock_close(br->probe_sock);
    br->probe_sock = NULL;
}
