/* SPDX-License-Identifier: MIT */
/* MidgeStatsModel: fixed-size ring buffers of dashboard series, fed with snapshots of the
 * broker's monotonic counters and gauges; rates are derived here from counter deltas.
 * Plain GObject (no widgets), so it is tested without a display. Main loop only. */
#ifndef MIDGE_GUI_STATS_MODEL_H
#define MIDGE_GUI_STATS_MODEL_H

#include <glib-object.h>

G_BEGIN_DECLS

/* The series the dashboard plots. The first four are rates derived from counters. */
typedef enum {
    MIDGE_SERIES_MSGS_RX,  /* messages received per second */
    MIDGE_SERIES_MSGS_TX,  /* messages sent per second */
    MIDGE_SERIES_BYTES_RX, /* bytes received per second */
    MIDGE_SERIES_BYTES_TX, /* bytes sent per second */
    MIDGE_SERIES_CLIENTS,  /* connected clients */
    MIDGE_SERIES_SUBS,     /* subscriptions */
    MIDGE_SERIES_RETAINED, /* retained messages */
    MIDGE_SERIES_HEAP,     /* heap in use, bytes */
    MIDGE_SERIES_N
} MidgeSeries;

/* The unit of a series value, used for axis labels. */
typedef enum {
    MIDGE_UNIT_PER_SEC,   /* "msg/s" */
    MIDGE_UNIT_BYTES_SEC, /* "B/s" */
    MIDGE_UNIT_COUNT,     /* plain count */
    MIDGE_UNIT_BYTES,     /* "B" */
} MidgeUnit;

/* One snapshot as read from the broker. mono_s is the client's monotonic time in
 * seconds when the snapshot arrived. Counters only grow while one broker runs. */
typedef struct {
    double mono_s;
    guint64 msgs_received, msgs_sent, bytes_received, bytes_sent;            /* counters */
    guint64 clients_connected, clients_total, subscriptions, retained, heap; /* gauges */
    guint64 uptime_s;
} MidgeStatsSample;

/* Capacity of each ring buffer: one hour at one sample per second. */
#define MIDGE_STATS_CAPACITY 3600u

#define MIDGE_TYPE_STATS_MODEL (midge_stats_model_get_type())
G_DECLARE_FINAL_TYPE(MidgeStatsModel, midge_stats_model, MIDGE, STATS_MODEL, GObject)

/* A new, empty model (caller owns the reference). */
MidgeStatsModel *midge_stats_model_new(void);

/* Append one snapshot (borrowed): gauges become points at once; counter series get the
 * rate since the previous snapshot. After a counter went backwards (the broker
 * restarted) or time did not advance, the rate series get a NaN gap instead of a rate.
 * Older points drop out when a buffer is full. Emits "changed". */
void midge_stats_model_push(MidgeStatsModel *self, const MidgeStatsSample *s);

/* Forget the previous snapshot, so the next push starts new rates (used on reconnect);
 * the history stays. Does not emit "changed". */
void midge_stats_model_break(MidgeStatsModel *self);

/* Number of points held for series (<= MIDGE_STATS_CAPACITY). */
guint midge_stats_model_n_points(MidgeStatsModel *self, MidgeSeries series);

/* Point i of series, 0 = oldest: stores its time (mono seconds) and value (NaN = gap).
 * Returns FALSE if i is out of range. */
gboolean midge_stats_model_get_point(MidgeStatsModel *self, MidgeSeries series, guint i, double *t,
                                     double *v);

/* The newest non-gap value of series in *v; FALSE if there is none. */
gboolean midge_stats_model_get_latest(MidgeStatsModel *self, MidgeSeries series, double *v);

/* The last snapshot pushed (borrowed, valid until the next push), NULL before the first. */
const MidgeStatsSample *midge_stats_model_get_last_sample(MidgeStatsModel *self);

/* Static display name ("Messages received") and unit of a series. */
const char *midge_series_name(MidgeSeries series);
MidgeUnit midge_series_unit(MidgeSeries series);

G_END_DECLS

#endif
