/* SPDX-License-Identifier: MIT */
/* The $SYS tree: every sys_interval seconds the broker publishes its statistics (see
 * docs/sys-topics.md) as retained QoS 0 messages under $SYS/broker/, each topic only when
 * its payload changed (uptime always). Loop thread only. */
#ifndef MIDGE_SERVICE_SYS_TREE_H
#define MIDGE_SERVICE_SYS_TREE_H

#include "service/broker.h"

#include <stddef.h>

/* Create b->sys (owned by the broker, freed by sys_tree_stop) and, when
 * b->cfg.sys_interval > 0, arm the timer that publishes an update every sys_interval
 * seconds exactly, the first one interval after start together with
 * $SYS/broker/version. Called by broker_start after the loop is set. */
void sys_tree_start(struct broker *b);

/* Apply a changed b->cfg.sys_interval after a reload: re-arm the timer with the new
 * period (the next update comes one new period later), or disarm it for 0. Nothing
 * happens when the interval did not change. */
void sys_tree_reconfigure(struct broker *b);

/* Sample the statistics (stats_sample) and publish each topic whose payload changed
 * since its last publication, uptime every time. Run by the timer; tests call it too.
 * Returns the number of messages published. */
size_t sys_tree_update(struct broker *b);

/* Stop the timer and free b->sys; safe when sys_tree_start never ran. The retained
 * messages already published stay in the retained store. */
void sys_tree_stop(struct broker *b);

/* One $SYS value for the control socket's stats snapshot. */
struct sys_value {
    const char *name; /* the topic without "$SYS/broker/" (static) */
    bool is_float;    /* load averages */
    uint64_t u;       /* counters, gauges, uptime (seconds) */
    double d;         /* load averages, per minute */
};

/* Fill out (room for max) with the value of every topic of the table taken from st, in
 * the table's order; returns the number stored. Pure. */
size_t sys_tree_values(const struct stats *st, struct sys_value *out, size_t max);

/* The number of topics sys_tree_update knows (version excluded): for tests. */
size_t sys_tree_topic_count(void);

#endif
