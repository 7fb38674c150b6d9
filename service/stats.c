/* SPDX-License-Identifier: MIT */
/* Sampling of the broker's gauges and the 1/5/15-minute load averages (see
 * service/stats.h); the counters themselves are incremented where things happen. */
#include "service/stats.h"

#include "common/platform.h"
#include "service/broker.h"
#include "service/retain.h"
#include "service/sub_tree.h"

#include <stddef.h>

/* The window lengths in seconds, indexed by STATS_WIN_*. */
static const double win_seconds[STATS_WIN_N] = {60.0, 300.0, 900.0};

/* e^(-x) for x >= 0 without libm (midge_core links no maths library): halve x until it
 * is small, sum the Taylor series there, then square back. The relative error stays far
 * below what the two published decimals can show. */
static double exp_neg(double x)
{
    if (x > 700.0)
        return 0.0;
    unsigned halvings = 0;
    while (x > 0.125) {
        x /= 2.0;
        halvings++;
    }
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < 12; k++) {
        term *= -x / k;
        sum += term;
    }
    while (halvings-- > 0)
        sum *= sum;
    return sum;
}

uint64_t stats_load_counter(const struct stats *st, enum stats_load f)
{
    switch (f) {
    case STATS_LOAD_MSGS_RX:
        return st->msgs_received;
    case STATS_LOAD_MSGS_TX:
        return st->msgs_sent;
    case STATS_LOAD_PUB_RX:
        return st->pub_received;
    case STATS_LOAD_PUB_TX:
        return st->pub_sent;
    case STATS_LOAD_PUB_DROP:
        return st->pub_dropped;
    case STATS_LOAD_BYTES_RX:
        return st->bytes_received;
    case STATS_LOAD_BYTES_TX:
        return st->bytes_sent;
    case STATS_LOAD_SOCKETS:
        return st->connections;
    case STATS_LOAD_CONNECTS:
        return st->connects;
    case STATS_LOAD_N:
        break;
    }
    return 0;
}

void stats_update_loads(struct stats *st, uint64_t dt_ms)
{
    double dt = (double)dt_ms / 1000.0;
    for (int f = 0; f < STATS_LOAD_N; f++) {
        uint64_t now = stats_load_counter(st, (enum stats_load)f);
        /* A counter never goes down; guard anyway so a bug cannot produce 1.8e19/min. */
        uint64_t delta = now >= st->load_last[f] ? now - st->load_last[f] : 0;
        st->load_last[f] = now;
        if (dt <= 0.0)
            continue;
        double rate = (double)delta / dt * 60.0; /* per minute */
        for (int w = 0; w < STATS_WIN_N; w++) {
            double decay = exp_neg(dt / win_seconds[w]);
            st->load[f][w] = st->load[f][w] * decay + rate * (1.0 - decay);
        }
    }
}

/* Payload bytes still queued (not yet sent) in the sessions' outbound queues: the
 * connected sessions hang off their connections, the offline ones off b->offline. */
static uint64_t queued_bytes(const struct broker *b)
{
    uint64_t sum = 0;
    for (const struct link *l = b->conns.next; l != &b->conns; l = l->next) {
        const struct conn *c = link_entry(l, struct conn, all_link);
        if (c->sess)
            sum += c->sess->q.queued_bytes;
    }
    for (const struct link *l = b->offline.next; l != &b->offline; l = l->next)
        sum += link_entry(l, struct session, expiry_link)->q.queued_bytes;
    return sum;
}

void stats_sample(struct broker *b, uint64_t now_ms)
{
    struct stats *st = &b->stats;
    st->uptime_s = now_ms >= b->start_ms ? (now_ms - b->start_ms) / 1000u : 0;
    st->clients_disconnected =
        st->clients_total >= st->clients_connected ? st->clients_total - st->clients_connected : 0;
    st->subscriptions = sub_tree_count(b->subs);
    st->retained_count = retain_count(b->retained);
    st->retained_bytes = retain_bytes(b->retained);
    st->store_count = st->retained_count + st->queued + st->inflight;
    st->store_bytes = st->retained_bytes + queued_bytes(b);
    st->heap_current = plat_heap_in_use();
    if (st->heap_current > st->heap_max)
        st->heap_max = st->heap_current;
    uint64_t dt = st->sample_ms && now_ms > st->sample_ms ? now_ms - st->sample_ms : 0;
    stats_update_loads(st, dt);
    st->sample_ms = now_ms;
}
