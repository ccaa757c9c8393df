/* sim_heap.c - a 4-ary min-heap pending-event set, keys stored inline for cache locality. */
#include <assert.h>
#include <stdlib.h>
#include "sim_alloc.h"
#include "sim_evq.h"

/*
 * Designed for the common simulation workload: a few to a few million
 * pending events, each popped soon after a handful of inserts.  The key
 * (time, seq) is copied into the heap array next to the event pointer so
 * that sifting compares keys without touching the events themselves; a
 * 4-ary layout halves the depth of a binary heap and keeps the children
 * of a node in one or two cache lines.
 */
typedef struct {
    sim_time time;
    uint64_t seq;
    sim_event *ev;
} heap_entry;

struct sim_evq {
    heap_entry *a;
    size_t n, cap;
};

static inline int entry_before(const heap_entry *x, const heap_entry *y)
{
    return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

static sim_evq *heap_create(void)
{
    sim_evq *q = sim_calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->cap = 64;
    q->a = sim_malloc(q->cap * sizeof *q->a);
    if (!q->a) {
        free(q);
        return NULL;
    }
    return q;
}

static void heap_destroy(sim_evq *q)
{
    if (!q)
        return;
    free(q->a);
    free(q);
}

int sim_heap_insert(sim_evq *q, sim_event *ev)
{
    if (q->n == q->cap) {
        size_t ncap = q->cap * 2;
        heap_entry *na = sim_realloc(q->a, ncap * sizeof *na);
        if (!na)
            return -1;
        q->a = na;
        q->cap = ncap;
    }
    heap_entry x = { ev->time, ev->seq, ev };
    size_t i = q->n++;
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!entry_before(&x, &q->a[p]))
            break;
        q->a[i] = q->a[p];
        i = p;
    }
    q->a[i] = x;
    return 0;
}

/* Put x at a[i] or below, moving smaller children up (the hole at i is
 * free).  Static inline: every pop runs it. */
static inline void sift_down(heap_entry *a, size_t n, size_t i, heap_entry x)
{
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t best = c, end = c + 4 < n ? c + 4 : n;
        for (size_t k = c + 1; k < end; k++)
            if (entry_before(&a[k], &a[best]))
                best = k;
        if (!entry_before(&a[best], &x))
            break;
        a[i] = a[best];
        i = best;
    }
    a[i] = x;
}

sim_event *sim_heap_pop(sim_evq *q)
{
    if (q->n == 0)
        return NULL;
    sim_event *top = q->a[0].ev;
    heap_entry x = q->a[--q->n];
    if (q->n > 0)
        sift_down(q->a, q->n, 0, x);
    return top;
}

/* Keep the live entries, then rebuild the heap bottom-up (Floyd): O(n). */
static void heap_purge(sim_evq *q, void (*drop)(void *ctx, sim_event *ev), void *ctx)
{
    size_t k = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (q->a[i].ev->cancelled)
            drop(ctx, q->a[i].ev);
        else
            q->a[k++] = q->a[i];
    }
    q->n = k;
    for (size_t i = k / 4 + 1; i-- > 0;)
        if (i < k)
            sift_down(q->a, k, i, q->a[i]);
}

sim_event *sim_heap_min(const sim_evq *q)
{
    return q->n ? q->a[0].ev : NULL;
}

void sim_heap_replace_min(sim_evq *q, sim_event *ev)
{
    assert(q->n > 0); /* the engine replaces only a minimum it has run */
    heap_entry x = { ev->time, ev->seq, ev };
    sift_down(q->a, q->n, 0, x);
}

static sim_event *heap_peek(sim_evq *q)
{
    return sim_heap_min(q);
}

static size_t heap_size(const sim_evq *q)
{
    return q->n;
}

const sim_evq_ops sim_evq_heap = {
    "heap", heap_create, heap_destroy, sim_heap_insert, sim_heap_pop, heap_peek, heap_size, heap_purge,
};
