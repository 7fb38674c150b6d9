/* SPDX-License-Identifier: MIT */
/* Private glue between persist.c (lifecycle and scheduling), persist_save.c (snapshot
 * and encoding) and persist_load.c (restore). Nothing else includes this header except
 * the persistence tests and benchmark. */
#ifndef MIDGE_SERVICE_PERSIST_PRIV_H
#define MIDGE_SERVICE_PERSIST_PRIV_H

#include "common/buf.h"
#include "service/broker.h"

/* Everything one save needs, detached from the live broker: references to the retained
 * and queued messages (immutable, so a worker may read them while the loop runs on) and
 * the session records already encoded on the loop thread. */
struct persist_job {
    char *path;            /* owned: the file to replace */
    struct msg **retained; /* owned references ($SYS excluded) */
    size_t n_retained, cap_retained;
    struct msg **queued; /* owned references, one per queue entry (may repeat) */
    size_t n_queued, cap_queued;
    struct buf sessions; /* SESSION/SUB/QENTRY/INQOS2 records */
    uint64_t n_session_recs;
    size_t n_sessions;
    bool scanning; /* the retained scan of the store belongs to this job */
    char **ids;    /* owned: client ids of the persistent sessions to save */
    size_t n_ids, cap_ids, next_id;
    uint64_t next_msg_id;
    int64_t saved_at_ms; /* wall clock of the snapshot */
    /* Results, written by the worker, read by the loop after the join: */
    int rc;
    struct err_detail d;
    size_t bytes;
};

/* A snapshot in slices (loop thread): _job_new starts a job for path (copied), the
 * retained store's scan and the list of persistent sessions; each _snapshot_step takes
 * references to at most max more retained messages, or then encodes sessions worth
 * about max/4 subscriptions and queue entries (records reference messages by id, no
 * payload copies), and returns true once everything is taken; _snapshot_finish records
 * the broker state, and the job is ready for persist__job_run. Changes between slices
 * are fine: each retained topic and each session is saved as it was when its turn came;
 * sessions and topics that appear during the snapshot wait for the next save. */
struct persist_job *persist__job_new(struct broker *b, const char *path);
bool persist__snapshot_step(struct broker *b, struct persist_job *j, size_t max);
void persist__snapshot_finish(struct broker *b, struct persist_job *j);
/* The whole snapshot at once (shutdown, tests, benchmark). */
struct persist_job *persist__snapshot(struct broker *b, const char *path);
/* Encode the job into the file format and replace job->path atomically (mode 0600);
 * store the outcome in job->rc, job->d and job->bytes. Runs on a worker thread (or
 * inline at shutdown); touches no broker state. */
void persist__job_run(void *job);
/* Encode the job into out (appended); used by persist__job_run and the tests. Any
 * thread. */
void persist__encode(struct persist_job *j, struct buf *out);
/* Drop the job's references, stop its scan if it still runs, and free it (loop
 * thread); NULL is a no-op. */
void persist__job_free(struct broker *b, struct persist_job *j);
/* Restore b from the file at path. Returns 0 (also for a missing file) or an error
 * already logged. Loop thread, before any client connects. */
int persist__load(struct broker *b, const char *path);
/* The file path from the configuration (persistence_location joined with
 * persistence_file); caller frees. */
char *persist__path(const struct cfg *c);

#endif
