/* SPDX-License-Identifier: MIT */
/* Publication of the $SYS tree from one table of topics (see service/sys_tree.h). */
#include "service/sys_tree.h"

#include "common/mem.h"
#include "common/platform.h"
#include "service/bridge.h"
#include "service/msg.h"
#include "service/route.h"
#include "service/stats.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a topic's payload is formatted from its field of struct stats. */
enum sys_kind {
    SYS_COUNT = 0, /* uint64_t, decimal */
    SYS_UPTIME,    /* uint64_t seconds, "<n> seconds", published every update */
    SYS_LOAD,      /* double, "%.2f" */
};

struct sys_topic {
    const char *name;
    size_t off; /* of the value in struct stats */
    uint8_t kind;
};

#define SYS_PREFIX "$SYS/broker/"
#define COUNT(topic, field)                                        \
    {                                                              \
        SYS_PREFIX topic, offsetof(struct stats, field), SYS_COUNT \
    }
#define LOAD1(topic, fam, w, wname)                                                        \
    {                                                                                      \
        SYS_PREFIX "load/" topic "/" wname, offsetof(struct stats, load[fam][w]), SYS_LOAD \
    }
#define LOAD3(topic, fam)                                                           \
    LOAD1(topic, fam, STATS_WIN_1, "1min"), LOAD1(topic, fam, STATS_WIN_5, "5min"), \
        LOAD1(topic, fam, STATS_WIN_15, "15min")

/* mosquitto 2.0's list in its order, $SYS/broker/version excepted (published once). */
static const struct sys_topic sys_topics[] = {
    {SYS_PREFIX "uptime", offsetof(struct stats, uptime_s), SYS_UPTIME},
    COUNT("clients/total", clients_total),
    COUNT("clients/maximum", clients_max),
    COUNT("clients/connected", clients_connected),
    COUNT("clients/active", clients_connected),
    COUNT("clients/disconnected", clients_disconnected),
    COUNT("clients/inactive", clients_disconnected),
    COUNT("clients/expired", clients_expired),
    COUNT("heap/current", heap_current),
    COUNT("heap/maximum", heap_max),
    COUNT("messages/stored", store_count),
    COUNT("store/messages/count", store_count),
    COUNT("store/messages/bytes", store_bytes),
    COUNT("subscriptions/count", subscriptions),
    COUNT("shared_subscriptions/count", shared_subscriptions),
    COUNT("retained messages/count", retained_count),
    COUNT("messages/received", msgs_received),
    COUNT("messages/sent", msgs_sent),
    COUNT("publish/messages/received", pub_received),
    COUNT("publish/messages/sent", pub_sent),
    COUNT("publish/messages/dropped", pub_dropped),
    COUNT("bytes/received", bytes_received),
    COUNT("bytes/sent", bytes_sent),
    COUNT("publish/bytes/received", pub_bytes_received),
    COUNT("publish/bytes/sent", pub_bytes_sent),
    LOAD3("messages/received", STATS_LOAD_MSGS_RX),
    LOAD3("messages/sent", STATS_LOAD_MSGS_TX),
    LOAD3("publish/received", STATS_LOAD_PUB_RX),
    LOAD3("publish/sent", STATS_LOAD_PUB_TX),
    LOAD3("publish/dropped", STATS_LOAD_PUB_DROP),
    LOAD3("bytes/received", STATS_LOAD_BYTES_RX),
    LOAD3("bytes/sent", STATS_LOAD_BYTES_TX),
    LOAD3("sockets", STATS_LOAD_SOCKETS),
    LOAD3("connections", STATS_LOAD_CONNECTS),
};

#define SYS_N_TOPICS (sizeof sys_topics / sizeof sys_topics[0])
#define SYS_PAYLOAD_MAX 32 /* "18446744073709551615 seconds" fits */

/* Timer and the payload last published for each topic ("" = never published). */
struct sys_tree {
    struct broker *b;
    plat_timer *timer;
    uint32_t interval_s; /* the period the timer is armed with, 0 = disarmed */
    bool version_sent;   /* $SYS/broker/version is published once */
    char last[SYS_N_TOPICS][SYS_PAYLOAD_MAX];
};

size_t sys_tree_topic_count(void)
{
    return SYS_N_TOPICS;
}

/* Publish one retained QoS 0 message from the broker itself. */
static void publish(struct broker *b, const char *topic, const char *payload)
{
    struct msg *m =
        msg_new(topic, strlen(topic), payload, strlen(payload), 0, true, broker_next_msg_id(b));
    route_publish(b, m);
    msg_unref(m);
}

/* Format topic t's value from the snapshot st into out (SYS_PAYLOAD_MAX bytes). */
static void format_value(const struct sys_topic *t, const struct stats *st, char *out)
{
    const char *field = (const char *)st + t->off;
    uint64_t u = 0;
    double d = 0.0;
    switch (t->kind) {
    case SYS_COUNT:
        memcpy(&u, field, sizeof u);
        snprintf(out, SYS_PAYLOAD_MAX, "%" PRIu64, u);
        break;
    case SYS_UPTIME:
        memcpy(&u, field, sizeof u);
        snprintf(out, SYS_PAYLOAD_MAX, "%" PRIu64 " seconds", u);
        break;
    default:
        memcpy(&d, field, sizeof d);
        snprintf(out, SYS_PAYLOAD_MAX, "%.2f", d);
        break;
    }
}

size_t sys_tree_values(const struct stats *st, struct sys_value *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < SYS_N_TOPICS && n < max; i++, n++) {
        const struct sys_topic *t = &sys_topics[i];
        const char *field = (const char *)st + t->off;
        memset(&out[n], 0, sizeof out[n]);
        out[n].name = t->name + strlen(SYS_PREFIX);
        out[n].is_float = t->kind == SYS_LOAD;
        if (out[n].is_float)
            memcpy(&out[n].d, field, sizeof out[n].d);
        else
            memcpy(&out[n].u, field, sizeof out[n].u);
    }
    return n;
}

size_t sys_tree_update(struct broker *b)
{
    struct sys_tree *sys = b->sys;
    stats_sample(b, plat_time_mono_ms());
    /* Copy first: the publications below move the counters they are reporting. */
    struct stats snap = b->stats;
    size_t n = 0;
    for (size_t i = 0; i < SYS_N_TOPICS; i++) {
        const struct sys_topic *t = &sys_topics[i];
        char payload[SYS_PAYLOAD_MAX];
        format_value(t, &snap, payload);
        if (t->kind != SYS_UPTIME && strcmp(payload, sys->last[i]) == 0)
            continue;
        memcpy(sys->last[i], payload, sizeof payload);
        publish(b, t->name, payload);
        n++;
    }
    return n + bridge_sys_publish(b);
}

/* Arm the timer for the configured interval (or disarm it). The version is published
 * with the first update, one interval after $SYS becomes enabled: every publication,
 * the first included, then falls on the interval grid. */
static void arm(struct sys_tree *sys)
{
    struct broker *b = sys->b;
    uint32_t was = sys->interval_s;
    sys->interval_s = b->cfg.sys_interval;
    if (sys->interval_s == 0) {
        plat_timer_stop(sys->timer);
        return;
    }
    /* Exactly every interval (mosquitto's strict comparison made it interval + 1 s). */
    uint64_t period = (uint64_t)sys->interval_s * 1000u;
    plat_timer_start(sys->timer, period, period);
    /* A baseline sample, so that the first update's load averages cover its interval. */
    if (was == 0)
        stats_sample(b, plat_time_mono_ms());
}

static void on_sys_timer(plat_timer *t, void *ud)
{
    (void)t;
    struct broker *b = ud;
    if (!b->sys->version_sent) {
        publish(b, SYS_PREFIX "version", "midge version " MIDGE_VERSION);
        b->sys->version_sent = true;
    }
    sys_tree_update(b);
}

void sys_tree_start(struct broker *b)
{
    struct sys_tree *sys = xcalloc(1, sizeof *sys);
    sys->b = b;
    plat_timer_new(b->loop, on_sys_timer, b, &sys->timer);
    b->sys = sys;
    arm(sys);
}

void sys_tree_reconfigure(struct broker *b)
{
    if (b->sys && b->sys->interval_s != b->cfg.sys_interval)
        arm(b->sys);
}

void sys_tree_stop(struct broker *b)
{
    if (!b->sys)
        return;
    plat_timer_free(b->sys->timer);
    free(b->sys);
    b->sys = NULL;
}
