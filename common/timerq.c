/* SPDX-License-Identifier: MIT */
/* Timer queue: binary min-heap by (due, seq) plus the expired list (see common/timerq.h). */
#include "common/timerq.h"

#include "common/mem.h"

#include <stdlib.h>

void timerq_init(struct timerq *q)
{
    q->heap = NULL;
    q->len = q->cap = 0;
    q->seq = 0;
    q->ready_head = q->ready_tail = NULL;
}

void timerq_cleanup(struct timerq *q)
{
    x_clear(&q->heap);
    q->len = q->cap = 0;
    q->ready_head = q->ready_tail = NULL;
}

void timerq_node_init(struct timerq_node *n)
{
    n->due = n->repeat = n->seq = 0;
    n->heap_idx = TIMERQ_NONE;
    n->ready = false;
    n->ready_prev = n->ready_next = NULL;
}

static bool before(const struct timerq_node *a, const struct timerq_node *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_set(struct timerq *q, size_t i, struct timerq_node *n)
{
    q->heap[i] = n;
    n->heap_idx = i;
}

static void sift_up(struct timerq *q, size_t i)
{
    struct timerq_node *n = q->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(n, q->heap[parent]))
            break;
        heap_set(q, i, q->heap[parent]);
        i = parent;
    }
    heap_set(q, i, n);
}

static void sift_down(struct timerq *q, size_t i)
{
    struct timerq_node *n = q->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= q->len)
            break;
        if (child + 1 < q->len && before(q->heap[child + 1], q->heap[child]))
            child++;
        if (!before(q->heap[child], n))
            break;
        heap_set(q, i, q->heap[child]);
        i = child;
    }
    heap_set(q, i, n);
}

static void heap_remove(struct timerq *q, struct timerq_node *n)
{
    size_t i = n->heap_idx;
    struct timerq_node *last = q->heap[--q->len];
    n->heap_idx = TIMERQ_NONE;
    if (last == n)
        return;
    heap_set(q, i, last);
    if (i > 0 && before(last, q->heap[(i - 1) / 2]))
        sift_up(q, i);
    else
        sift_down(q, i);
}

static void ready_unlink(struct timerq *q, struct timerq_node *n)
{
    if (n->ready_prev)
        n->ready_prev->ready_next = n->ready_next;
    else
        q->ready_head = n->ready_next;
    if (n->ready_next)
        n->ready_next->ready_prev = n->ready_prev;
    else
        q->ready_tail = n->ready_prev;
    n->ready_prev = n->ready_next = NULL;
    n->ready = false;
}

static void ready_append(struct timerq *q, struct timerq_node *n)
{
    n->ready = true;
    n->ready_next = NULL;
    n->ready_prev = q->ready_tail;
    if (q->ready_tail)
        q->ready_tail->ready_next = n;
    else
        q->ready_head = n;
    q->ready_tail = n;
}

void timerq_detach(struct timerq *q, struct timerq_node *n)
{
    if (n->heap_idx != TIMERQ_NONE)
        heap_remove(q, n);
    if (n->ready)
        ready_unlink(q, n);
}

bool timerq_is_pending(const struct timerq_node *n)
{
    return n->heap_idx != TIMERQ_NONE || n->ready;
}

/* Push a detached node with its due time set. */
static void heap_push(struct timerq *q, struct timerq_node *n)
{
    if (q->len == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 16;
        q->heap = xrealloc(q->heap, q->cap * sizeof *q->heap);
    }
    n->seq = q->seq++;
    q->heap[q->len] = n;
    n->heap_idx = q->len++;
    sift_up(q, n->heap_idx);
}

void timerq_arm(struct timerq *q, struct timerq_node *n, uint64_t due, uint64_t repeat)
{
    timerq_detach(q, n);
    n->due = due;
    n->repeat = repeat;
    heap_push(q, n);
}

void timerq_expire(struct timerq *q, uint64_t now)
{
    while (q->len > 0 && q->heap[0]->due <= now) {
        struct timerq_node *n = q->heap[0];
        heap_remove(q, n);
        ready_append(q, n);
    }
}

struct timerq_node *timerq_next_ready(struct timerq *q, uint64_t now)
{
    struct timerq_node *n = q->ready_head;
    if (!n)
        return NULL;
    ready_unlink(q, n);
    if (n->repeat) {
        /* Keep the cadence, but skip beats that were missed entirely. */
        uint64_t next = n->due + n->repeat;
        n->due = next > now ? next : now + n->repeat;
        heap_push(q, n);
    }
    return n;
}

int timerq_wait_ms(const struct timerq *q, uint64_t now, int timeout_ms, int max_ms)
{
    if (q->len == 0)
        return timeout_ms;
    uint64_t due = q->heap[0]->due;
    uint64_t left = due > now ? due - now : 0;
    if (left > (uint64_t)max_ms)
        left = (uint64_t)max_ms;
    if (timeout_ms >= 0 && (uint64_t)timeout_ms < left)
        return timeout_ms;
    return (int)left;
}
