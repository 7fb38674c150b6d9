/* SPDX-License-Identifier: MIT */
/* MidgeStatsModel: ring buffers of (time, value) points per dashboard series, with rates
 * derived from the broker's monotonic counters. */
#include "gui/stats_model.h"

#include <math.h>

struct point {
    double t, v;
};

/* A fixed-capacity ring: head is the index of the oldest point. */
struct ring {
    struct point p[MIDGE_STATS_CAPACITY];
    guint head, n;
};

struct _MidgeStatsModel {
    GObject parent_instance;
    struct ring *rings; /* MIDGE_SERIES_N rings; too big for the instance struct */
    MidgeStatsSample last;
    gboolean have_last; /* a previous snapshot exists to derive rates from */
    gboolean ever;      /* at least one snapshot was pushed */
};

G_DEFINE_TYPE(MidgeStatsModel, midge_stats_model, G_TYPE_OBJECT)

enum { SIG_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const struct {
    const char *name;
    MidgeUnit unit;
} series_info[MIDGE_SERIES_N] = {
    [MIDGE_SERIES_MSGS_RX] = {"Messages received", MIDGE_UNIT_PER_SEC},
    [MIDGE_SERIES_MSGS_TX] = {"Messages sent", MIDGE_UNIT_PER_SEC},
    [MIDGE_SERIES_BYTES_RX] = {"Bytes received", MIDGE_UNIT_BYTES_SEC},
    [MIDGE_SERIES_BYTES_TX] = {"Bytes sent", MIDGE_UNIT_BYTES_SEC},
    [MIDGE_SERIES_CLIENTS] = {"Connected clients", MIDGE_UNIT_COUNT},
    [MIDGE_SERIES_SUBS] = {"Subscriptions", MIDGE_UNIT_COUNT},
    [MIDGE_SERIES_RETAINED] = {"Retained messages", MIDGE_UNIT_COUNT},
    [MIDGE_SERIES_HEAP] = {"Heap", MIDGE_UNIT_BYTES},
};

static void ring_push(struct ring *r, double t, double v)
{
    guint idx = (r->head + r->n) % MIDGE_STATS_CAPACITY;
    r->p[idx].t = t;
    r->p[idx].v = v;
    if (r->n < MIDGE_STATS_CAPACITY)
        r->n++;
    else
        r->head = (r->head + 1) % MIDGE_STATS_CAPACITY;
}

static void midge_stats_model_finalize(GObject *obj)
{
    g_free(MIDGE_STATS_MODEL(obj)->rings);
    G_OBJECT_CLASS(midge_stats_model_parent_class)->finalize(obj);
}

static void midge_stats_model_class_init(MidgeStatsModelClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = midge_stats_model_finalize;
    /* Emitted after every push; the graphs redraw on it. */
    signals[SIG_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void midge_stats_model_init(MidgeStatsModel *self)
{
    self->rings = g_new0(struct ring, MIDGE_SERIES_N);
}

MidgeStatsModel *midge_stats_model_new(void)
{
    return g_object_new(MIDGE_TYPE_STATS_MODEL, NULL);
}

/* The rate of one counter between two snapshots dt seconds apart; NaN after a reset. */
static double rate(guint64 prev, guint64 cur, double dt)
{
    if (cur < prev || dt <= 0)
        return NAN;
    return (double)(cur - prev) / dt;
}

void midge_stats_model_push(MidgeStatsModel *self, const MidgeStatsSample *s)
{
    g_return_if_fail(MIDGE_IS_STATS_MODEL(self));
    g_return_if_fail(s != NULL);
    double t = s->mono_s;
    if (self->have_last) {
        double dt = t - self->last.mono_s;
        ring_push(&self->rings[MIDGE_SERIES_MSGS_RX], t,
                  rate(self->last.msgs_received, s->msgs_received, dt));
        ring_push(&self->rings[MIDGE_SERIES_MSGS_TX], t,
                  rate(self->last.msgs_sent, s->msgs_sent, dt));
        ring_push(&self->rings[MIDGE_SERIES_BYTES_RX], t,
                  rate(self->last.bytes_received, s->bytes_received, dt));
        ring_push(&self->rings[MIDGE_SERIES_BYTES_TX], t,
                  rate(self->last.bytes_sent, s->bytes_sent, dt));
    }
    ring_push(&self->rings[MIDGE_SERIES_CLIENTS], t, (double)s->clients_connected);
    ring_push(&self->rings[MIDGE_SERIES_SUBS], t, (double)s->subscriptions);
    ring_push(&self->rings[MIDGE_SERIES_RETAINED], t, (double)s->retained);
    ring_push(&self->rings[MIDGE_SERIES_HEAP], t, (double)s->heap);
    self->last = *s;
    self->have_last = TRUE;
    self->ever = TRUE;
    g_signal_emit(self, signals[SIG_CHANGED], 0);
}

void midge_stats_model_break(MidgeStatsModel *self)
{
    g_return_if_fail(MIDGE_IS_STATS_MODEL(self));
    self->have_last = FALSE;
}

guint midge_stats_model_n_points(MidgeStatsModel *self, MidgeSeries series)
{
    g_return_val_if_fail(MIDGE_IS_STATS_MODEL(self), 0);
    g_return_val_if_fail(series < MIDGE_SERIES_N, 0);
    return self->rings[series].n;
}

gboolean midge_stats_model_get_point(MidgeStatsModel *self, MidgeSeries series, guint i, double *t,
                                     double *v)
{
    g_return_val_if_fail(MIDGE_IS_STATS_MODEL(self), FALSE);
    g_return_val_if_fail(series < MIDGE_SERIES_N, FALSE);
    const struct ring *r = &self->rings[series];
    if (i >= r->n)
        return FALSE;
    const struct point *p = &r->p[(r->head + i) % MIDGE_STATS_CAPACITY];
    if (t)
        *t = p->t;
    if (v)
        *v = p->v;
    return TRUE;
}

gboolean midge_stats_model_get_latest(MidgeStatsModel *self, MidgeSeries series, double *v)
{
    g_return_val_if_fail(MIDGE_IS_STATS_MODEL(self), FALSE);
    g_return_val_if_fail(series < MIDGE_SERIES_N, FALSE);
    const struct ring *r = &self->rings[series];
    for (guint i = r->n; i > 0; i--) {
        double x = r->p[(r->head + i - 1) % MIDGE_STATS_CAPACITY].v;
        if (!isnan(x)) {
            *v = x;
            return TRUE;
        }
    }
    return FALSE;
}

const MidgeStatsSample *midge_stats_model_get_last_sample(MidgeStatsModel *self)
{
    g_return_val_if_fail(MIDGE_IS_STATS_MODEL(self), NULL);
    return self->ever ? &self->last : NULL;
}

const char *midge_series_name(MidgeSeries series)
{
    g_return_val_if_fail(series < MIDGE_SERIES_N, "");
    return series_info[series].name;
}

MidgeUnit midge_series_unit(MidgeSeries series)
{
    g_return_val_if_fail(series < MIDGE_SERIES_N, MIDGE_UNIT_COUNT);
    return series_info[series].unit;
}
