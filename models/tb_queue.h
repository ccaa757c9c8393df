/* tb_queue.h - a node's waiting jobs: a FIFO list, or a binary heap by (rank, arrival) when a policy ranks them. */
#ifndef TB_QUEUE_H
#define TB_QUEUE_H

#include <assert.h>
#include <stdlib.h>
#include "tb_model.h"

/*
 * Static inline: every arrival and every start of service passes here.
 * Invariant: q->n counts the jobs held; a FIFO (q->heap == NULL) links
 * them head to tail through next (and back through qprev); a heap keeps
 * q->heap[0..n) ordered so that no job is before its parent (job_before:
 * rank, then sequence), and each job's qpos is its index there.  The back
 * links and positions let a job leave from anywhere (q_remove: a job
 * whose patience ran out) in O(1) or O(log n).
 *
 * (-fanalyzer reports NULL dereferences in and after q_pop/q_peek, and the
 * heap array as leaked: every caller takes from a queue it knows to hold a
 * job (pop_from asserts it), and the array is the queue's, freed with the
 * model.)
 */

static inline int job_before(const tb_job *a, const tb_job *b)
{
    return a->rank < b->rank || (a->rank == b->rank && a->qseq < b->qseq);
}

/* Ranked queues only; FIFO pushes are inlined where they happen. */
static inline int heap_push(tb_queue *q, tb_job *j)
{
    if (q->n == q->cap) {
        size_t ncap = q->cap ? 2 * q->cap : 64;
        tb_job **nh = realloc(q->heap, ncap * sizeof *nh);
        if (!nh)
            return -1;
        q->heap = nh;
        q->cap = ncap;
    }
    size_t i = q->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!job_before(j, q->heap[p]))
            break;
        q->heap[i] = q->heap[p];
        q->heap[i]->qpos = i;
        i = p;
    }
    q->heap[i] = j;
    j->qpos = i;
    return 0;
}

static inline int q_push(tb_queue *q, tb_job *j)
{
    if (q->ranked)
        return heap_push(q, j);
    j->next = NULL;
    j->qprev = q->tail;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    q->n++;
    return 0;
}

static inline tb_job *q_peek(const tb_queue *q)
{
    return q->ranked ? (q->n ? q->heap[0] : NULL) : q->head;
}

/* Put x at hole i or below (children that come before it move up). */
static inline void heap_sift_down(tb_queue *q, size_t i, tb_job *x)
{
    size_t n = q->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && job_before(q->heap[c + 1], q->heap[c]))
            c++;
        if (!job_before(q->heap[c], x))
            break;
        q->heap[i] = q->heap[c];
        q->heap[i]->qpos = i;
        i = c;
    }
    q->heap[i] = x;
    x->qpos = i;
}

static inline tb_job *heap_pop(tb_queue *q)
{
    tb_job *top = q->heap[0], *x = q->heap[--q->n];
    if (q->n > 0)
        heap_sift_down(q, 0, x);
    return top;
}

static inline tb_job *q_pop(tb_queue *q)
{
    if (q->n == 0)
        return NULL;
    if (q->ranked)
        return heap_pop(q);
    tb_job *j = q->head;
    q->head = j->next;
    if (q->head)
        q->head->qprev = NULL;
    else
        q->tail = NULL;
    q->n--;
    return j;
}

/* Take j, which q holds, out of it wherever it is. */
static inline void q_remove(tb_queue *q, tb_job *j)
{
    assert(q->n > 0);
    if (!q->ranked) {
        if (j->qprev)
            j->qprev->next = j->next;
        else
            q->head = j->next;
        if (j->next)
            j->next->qprev = j->qprev;
        else
            q->tail = j->qprev;
        j->qprev = NULL; /* (so that it no longer looks queued) */
        q->n--;
        return;
    }
    size_t i = j->qpos;
    assert(i < q->n && q->heap[i] == j);
    tb_job *x = q->heap[--q->n];
    if (i == q->n)
        return; /* it was the last */
    while (i > 0 && job_before(x, q->heap[(i - 1) / 2])) { /* up, if x comes before the hole's parent */
        size_t p = (i - 1) / 2;
        q->heap[i] = q->heap[p];
        q->heap[i]->qpos = i;
        i = p;
    }
    heap_sift_down(q, i, x);
}

#endif
