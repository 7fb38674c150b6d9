/* SPDX-License-Identifier: MIT */
/* Persistence lifecycle and scheduling: load at start-up, autosave by time or by change
 * count, saves on request and at shutdown, one background save at a time (see
 * service/persist.h). */
#include "service/persist.h"

#include "common/mem.h"
#include "service/log.h"
#include "service/persist_priv.h"

#include <stdlib.h>

/* How often a running save is checked for completion, and how many retained messages
 * one slice of a snapshot takes (about a millisecond of loop time). */
#define POLL_MS 10u
#define SLICE_MS 1u
#define SLICE_MSGS 8192u

struct persist {
    plat_timer *tick; /* every second: autosave due? */
    plat_timer *poll; /* while a save runs: next snapshot slice, or finished? */
    plat_thread *thread;
    struct persist_job *job;
    bool pending;          /* another save was requested while one ran */
    bool enabled;          /* cfg.persistence as last seen */
    uint64_t last_save_ms; /* monotonic start of the last save */
    uint64_t changes_at_save;
    uint64_t started_ms;
    uint64_t slices;
};

/* Log the outcome of a finished job. */
static void job_report(const struct persist_job *j, uint64_t ms)
{
    if (j->rc < 0) {
        log_error("persistence: saving %s failed: %s; the previous file is unchanged", j->path,
                  j->d.msg[0] ? j->d.msg : err_str(j->rc));
        return;
    }
    log_info("persistence: saved %zu retained messages and %zu sessions to %s (%zu bytes, "
             "%llu ms)",
             j->n_retained, j->n_sessions, j->path, j->bytes, (unsigned long long)ms);
}

/* End the running save: abandon a snapshot still being taken, or join the worker
 * (blocking if it is not finished) and report. */
static void job_finish(struct broker *b)
{
    struct persist *p = b->persist;
    plat_timer_stop(p->poll);
    if (p->thread) {
        plat_thread_join(p->thread);
        p->thread = NULL;
        job_report(p->job, plat_time_mono_ms() - p->started_ms);
    }
    persist__job_free(b, p->job);
    p->job = NULL;
}

/* Start a save: the snapshot is taken in slices from the poll timer, so the loop
 * serves clients in between. A save already running makes this one pending. */
static void save_start(struct broker *b)
{
    struct persist *p = b->persist;
    if (p->job) {
        p->pending = true;
        return;
    }
    char *path = persist__path(&b->cfg);
    p->job = persist__job_new(b, path);
    free(path);
    p->started_ms = p->last_save_ms = plat_time_mono_ms();
    p->changes_at_save = b->persist_changes;
    p->slices = 0;
    plat_timer_start(p->poll, 0, SLICE_MS);
}

/* One slice of the snapshot; after the last one, hand the job to a worker thread. */
static void snapshot_slice(struct broker *b)
{
    struct persist *p = b->persist;
    p->slices++;
    if (!persist__snapshot_step(b, p->job, SLICE_MSGS))
        return;
    persist__snapshot_finish(b, p->job);
    log_debug("persistence: snapshot of %zu retained messages in %llu slices, %llu ms",
              p->job->n_retained, (unsigned long long)p->slices,
              (unsigned long long)(plat_time_mono_ms() - p->started_ms));
    struct err_detail d = {{0}, {0}, 0};
    int rc = plat_thread_start(persist__job_run, p->job, &p->thread, &d);
    if (rc < 0) {
        /* No thread: save inline rather than not at all. */
        log_warn("persistence: no worker thread (%s), saving synchronously",
                 d.msg[0] ? d.msg : err_str(rc));
        persist__job_run(p->job);
        job_report(p->job, plat_time_mono_ms() - p->started_ms);
        job_finish(b);
        return;
    }
    plat_timer_start(p->poll, POLL_MS, POLL_MS);
}

static void on_poll(plat_timer *t, void *ud)
{
    (void)t;
    struct broker *b = ud;
    struct persist *p = b->persist;
    if (!p->job)
        return;
    if (!p->thread) {
        snapshot_slice(b);
        return;
    }
    if (!plat_thread_is_done(p->thread))
        return;
    job_finish(b);
    if (p->pending && b->cfg.persistence) {
        p->pending = false;
        save_start(b);
    }
}

/* Whether autosave is due: autosave_interval seconds since the last save, or (with
 * autosave_on_changes) that many counted changes. 0 turns autosave off. */
static bool autosave_due(const struct broker *b, uint64_t now)
{
    const struct persist *p = b->persist;
    uint64_t n = b->cfg.autosave_interval;
    if (n == 0)
        return false;
    if (b->cfg.autosave_on_changes)
        return b->persist_changes - p->changes_at_save >= n;
    return now - p->last_save_ms >= n * 1000u;
}

static void on_tick(plat_timer *t, void *ud)
{
    (void)t;
    struct broker *b = ud;
    if (b->cfg.persistence && !b->persist->job && autosave_due(b, plat_time_mono_ms()))
        save_start(b);
}

int persist_start(struct broker *b)
{
    struct persist *p = xcalloc(1, sizeof *p);
    b->persist = p;
    plat_timer_new(b->loop, on_tick, b, &p->tick);
    plat_timer_new(b->loop, on_poll, b, &p->poll);
    plat_timer_start(p->tick, 1000, 1000);
    p->enabled = b->cfg.persistence;
    p->last_save_ms = plat_time_mono_ms();
    if (!p->enabled)
        return 0;
    char *path = persist__path(&b->cfg);
    struct err_detail d = {{0}, {0}, 0};
    int n = plat_file_remove_stale_temps(path, &d);
    if (n > 0)
        log_notice("persistence: removed %d temporary file(s) of an interrupted save", n);
    else if (n < 0)
        log_warn("persistence: cannot check for temporary files: %s", d.msg);
    int rc = persist__load(b, path);
    free(path);
    p->changes_at_save = b->persist_changes;
    return rc;
}

void persist_reconfigure(struct broker *b)
{
    struct persist *p = b->persist;
    if (!p || p->enabled == b->cfg.persistence)
        return;
    p->enabled = b->cfg.persistence;
    if (p->enabled) {
        /* Count the autosave interval from now; the running state is not replaced by
         * the file's (that happens at the next start only). */
        p->last_save_ms = plat_time_mono_ms();
        p->changes_at_save = b->persist_changes;
        log_notice("persistence turned on: saving from now on, nothing was loaded");
    } else {
        log_notice("persistence turned off: no more saves (the file is kept)");
    }
}

void persist_request_save(struct broker *b)
{
    if (!b->persist || !b->cfg.persistence) {
        log_notice("save requested, but persistence is off");
        return;
    }
    log_notice("persistence: save requested");
    save_start(b);
}

void persist_shutdown(struct broker *b)
{
    struct persist *p = b->persist;
    if (!p)
        return;
    if (p->job)
        job_finish(b); /* a snapshot in progress is abandoned: the final one follows */
    p->pending = false;
    if (!b->cfg.persistence)
        return;
    uint64_t t0 = plat_time_mono_ms();
    char *path = persist__path(&b->cfg);
    struct persist_job *j = persist__snapshot(b, path);
    free(path);
    persist__job_run(j);
    job_report(j, plat_time_mono_ms() - t0);
    persist__job_free(b, j);
}

void persist_cleanup(struct broker *b)
{
    struct persist *p = b->persist;
    if (!p)
        return;
    if (p->job)
        job_finish(b);
    plat_timer_free(p->tick);
    plat_timer_free(p->poll);
    free(p);
    b->persist = NULL;
}
