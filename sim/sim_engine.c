/* sim_engine.c - the discrete-event engine: event pool, scheduling, lazy cancellation, run loop. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "sim_alloc.h"
#include "sim_engine.h"

sim_engine *sim_engine_new(const sim_evq_ops *ops, double ticks_per_second)
{
    sim_engine *e = sim_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->ops = ops;
    e->heap = ops == &sim_evq_heap;
    e->ticks_per_second = ticks_per_second;
    sim_pool_init(&e->pool, sizeof(sim_event));
    e->q = ops->create();
    if (!e->q) {
        free(e);
        return NULL;
    }
    return e;
}

struct sim_lane {
    sim_event **ring; /* waiting, in order: ring[head], ... (n of them) */
    size_t head, n, cap;
    sim_event *armed; /* the earliest pending, in the event queue; NULL only when none waits */
    sim_time last;    /* the latest time scheduled */
    struct sim_lane *next;
};

void sim_engine_free(sim_engine *e)
{
    if (!e)
        return;
    for (sim_lane *l = e->lanes, *nx; l; l = nx) {
        nx = l->next;
        free(l->ring);
        free(l);
    }
    e->ops->destroy(e->q);
    sim_pool_free(&e->pool);
    free(e);
}

static inline void pool_put(sim_engine *e, sim_event *ev)
{
    ev->seq = 0; /* stale handles no longer match */
    sim_pool_put(&e->pool, ev);
}

/* Put a scheduled event into the queue: 0, or -1 when out of memory. */
static inline int queue_insert(sim_engine *e, sim_event *ev)
{
    if (e->root_ran) { /* the fused pop and push: one sift instead of two */
        sim_heap_replace_min(e->q, ev);
        e->root_ran = 0;
        return 0;
    }
    return e->heap ? sim_heap_insert(e->q, ev) : e->ops->insert(e->q, ev);
}

/* A new event at t (NULL when out of memory: e->failed is set). */
static inline sim_event *new_event(sim_engine *e, sim_time t, sim_handler fn, void *obj, uint64_t arg)
{
    assert(t >= e->now && "events are never scheduled in the past");
    sim_event *ev = sim_pool_get(&e->pool);
    if (!ev) {
        e->failed = 1;
        return NULL;
    }
    ev->time = t;
    ev->seq = ++e->next_seq; /* starts at 1: seq 0 marks a free event */
    ev->fn = fn;
    ev->obj = obj;
    ev->arg = arg;
    ev->next = NULL;
    ev->lane = NULL;
    ev->cancelled = 0;
    return ev;
}

sim_handle sim_at(sim_engine *e, sim_time t, sim_handler fn, void *obj, uint64_t arg)
{
    sim_handle h = { NULL, 0 };
    sim_event *ev = new_event(e, t, fn, obj, arg);
    if (!ev)
        return h;
    if (queue_insert(e, ev) != 0) {
        pool_put(e, ev);
        e->failed = 1;
        return h;
    }
    e->live++;
    h.ev = ev;
    h.seq = ev->seq;
    return h;
}

sim_lane *sim_lane_new(sim_engine *e)
{
    sim_lane *l = sim_calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->next = e->lanes;
    e->lanes = l;
    return l;
}

/* The lane's earliest event ran or was dropped: the next pending one goes
 * into the queue (the cancelled ones before it are recycled). */
static void lane_advance(sim_engine *e, sim_lane *l)
{
    l->armed = NULL;
    while (l->n > 0) {
        sim_event *ev = l->ring[l->head];
        l->head = l->head + 1 == l->cap ? 0 : l->head + 1;
        l->n--;
        if (ev->cancelled) {
            pool_put(e, ev);
            continue;
        }
        if (queue_insert(e, ev) != 0) {
            e->failed = 1; /* the run ends with SIM_END_NOMEM */
            return;
        }
        l->armed = ev;
        return;
    }
}

sim_handle sim_lane_at(sim_engine *e, sim_lane *l, sim_time t, sim_handler fn, void *obj, uint64_t arg)
{
    sim_handle h = { NULL, 0 };
    assert(t >= l->last && "a lane's times never decrease");
    assert(l->armed || l->n == 0);
    sim_event *ev = new_event(e, t, fn, obj, arg);
    if (!ev)
        return h;
    ev->lane = l;
    if (!l->armed) {
        if (queue_insert(e, ev) != 0) {
            pool_put(e, ev);
            e->failed = 1;
            return h;
        }
        l->armed = ev;
    } else {
        if (l->n == l->cap) { /* grow the ring, unwrapping it */
            size_t ncap = l->cap ? 2 * l->cap : 64;
            sim_event **nr = sim_malloc(ncap * sizeof *nr);
            if (!nr) {
                pool_put(e, ev);
                e->failed = 1;
                return h;
            }
            for (size_t i = 0; i < l->n; i++)
                nr[i] = l->ring[(l->head + i) % l->cap];
            free(l->ring);
            l->ring = nr;
            l->head = 0;
            l->cap = ncap;
        }
        l->ring[(l->head + l->n++) % l->cap] = ev;
    }
    l->last = t;
    e->live++;
    h.ev = ev;
    h.seq = ev->seq;
    return h;
}

int sim_pending(const sim_engine *e, sim_handle h)
{
    (void)e;
    return h.ev && h.ev->seq == h.seq && !h.ev->cancelled;
}

static void drop_event(void *ctx, sim_event *ev)
{
    if (ev->lane) /* its lane's earliest: the next one goes in after the purge */
        ev->lane->armed = NULL;
    pool_put(ctx, ev);
}

void sim_cancel(sim_engine *e, sim_handle h)
{
    if (!sim_pending(e, h))
        return;
    h.ev->cancelled = 1;
    e->live--;
    if (h.ev->lane && h.ev != h.ev->lane->armed)
        return; /* waiting in its lane, not in the queue: dropped when it comes to the front */
    /* purge when the dead outnumber the live: each would otherwise cost a
     * pop of its own, and a queue mostly of dead timeouts is slow to sift */
    if (++e->dead > 1024 && e->dead > e->live && e->ops->purge) {
        if (e->root_ran) { /* the running event is no longer pending: out first */
            sim_heap_pop(e->q);
            e->root_ran = 0;
        }
        e->ops->purge(e->q, drop_event, e);
        e->dead = 0;
        for (sim_lane *l = e->lanes; l; l = l->next)
            if (!l->armed)
                lane_advance(e, l);
    }
}

/* The run loop.  On the heap the minimum stays in place while its handler
 * runs, so that the handler's first sim_at replaces it (root_ran, the fused
 * pop and push); if the handler schedules nothing it is popped after.  The
 * pop order is the same as popping first, since (time, seq) orders the set
 * totally.  Other queues pop first. */
enum sim_run_end sim_run(sim_engine *e, sim_time until)
{
    const sim_evq_ops *ops = e->ops;
    const int heap = e->heap;
    e->stop = 0;
    for (;;) {
        assert(!e->root_ran);
        if (e->failed)
            return SIM_END_NOMEM;
        if (e->interrupt && *e->interrupt)
            return SIM_END_INTERRUPT;
        sim_event *ev = heap ? sim_heap_min(e->q) : ops->pop_min(e->q);
        if (!ev)
            return SIM_END_EMPTY;
        if (ev->cancelled) {
            sim_lane *lane = ev->lane;
            if (heap)
                sim_heap_pop(e->q);
            e->dead--;
            pool_put(e, ev);
            if (lane)
                lane_advance(e, lane);
            continue;
        }
        if (ev->time > until) {
            /* it keeps its place (popped: put back unchanged, its seq keeps its order) */
            if (!heap && ops->insert(e->q, ev) != 0)
                return SIM_END_NOMEM;
            e->now = until;
            return SIM_END_TIME;
        }
        e->now = ev->time;
        e->live--;
        sim_handler fn = ev->fn;
        void *obj = ev->obj;
        uint64_t arg = ev->arg;
        sim_lane *lane = ev->lane;
        pool_put(e, ev); /* before the call, so the handler can reuse it */
        e->root_ran = heap;
        if (lane) /* its successor goes into the queue (on the heap, in its place) */
            lane_advance(e, lane);
        fn(e, obj, arg);
        if (e->root_ran) {
            sim_heap_pop(e->q);
            e->root_ran = 0;
        }
        e->events++;
        if (e->progress && (e->events & 0xFFFFF) == 0)
            e->progress(e, e->progress_ctx);
        if (e->stop)
            return SIM_END_STOP;
    }
}

const sim_evq_ops *sim_evq_find(const char *name)
{
    static const sim_evq_ops *const all[] = { &sim_evq_heap, &sim_evq_calendar };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}
