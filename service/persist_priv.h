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
    uint64_t next_msg_id;
    int64_t saved_at_ms; /* wall clock of the snapshot */
    /* Results, written by the worker, read by the loop after the join: */
    int rc;
    struct err_detail d;
    size_t bytes;
};

/* Take a snapshot of b's persistent state for path (copied). Loop thread; costs one
 * reference per retained message and queue entry plus the session records. */
struct persist_job *persist__snapshot(struct broker *b, const char *path);
/* Encode the job into the file format and replace job->path atomically (mode 0600);
 * store the outcome in job->rc, job->d and job->bytes. Runs on a worker thread (or
 * inline at shutdown); touches no broker state. */
void persist__job_run(void *job);
/* Encode the job into out (appended); used by persist__job_run and the tests. Any
 * thread. */
void persist__encode(struct persist_job *j, struct buf *out);
/* Drop the job's references and free it (loop thread); NULL is a no-op. */
void persist__job_free(struct persist_job *j);
/* Restore b from the file at path. Returns 0 (also for a missing file) or an error
 * already logged. Loop thread, before any client connects. */
int persist__load(struct broker *b, const char *path);
/* The file path from the configuration (persistence_location joined with
 * persistence_file); caller frees. */
char *persist__path(const struct cfg *c);

#endif
