/* sim_engine.h - the discrete-event engine: clock, event pool, scheduling and the run loop. */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "sim_evq.h"
#include "sim_pool.h"

/*
 * The engine knows events and handlers, nothing about what they model.
 * It is single-threaded; parallelism lives across runs.
 */
typedef struct sim_engine {
    sim_time now;
    double ticks_per_second;
    uint64_t next_seq;
    uint64_t events;     /* handlers run so far */
    size_t live;         /* scheduled, not yet run or cancelled */
    size_t dead;         /* cancelled, still in the queue */
    int stop;            /* set by a handler to end sim_run after it returns */
    int failed;          /* set when scheduling ran out of memory */
    volatile int *interrupt; /* if set and non-zero, sim_run returns early */
    const sim_evq_ops *ops;
    sim_evq *q;
    int heap;            /* ops is sim_evq_heap: called directly */
    int root_ran;        /* heap only, inside a handler: the heap's minimum is the event
                          * running, already recycled; the next insert takes its place */
    sim_pool pool; /* events, recycled */
    struct sim_lane *lanes; /* every lane, for freeing and after a purge */
    void (*progress)(struct sim_engine *e, void *ctx); /* called every 2^20 events */
    void *progress_ctx;
    void *user; /* the model's context, for handlers */
} sim_engine;

/* A handle that stays safe to cancel after its event has run and been recycled. */
typedef struct {
    sim_event *ev;
    uint64_t seq;
} sim_handle;

/* Returns a new engine using the given queue implementation; free with
 * sim_engine_free() (NULL is a no-op).  NULL when out of memory. */
sim_engine *sim_engine_new(const sim_evq_ops *ops, double ticks_per_second);
void sim_engine_free(sim_engine *e);

/* Schedule fn(e, obj, arg) at absolute time t >= now.  Returns a handle; on
 * allocation failure the handle's ev is NULL and e->failed is set. */
sim_handle sim_at(sim_engine *e, sim_time t, sim_handler fn, void *obj, uint64_t arg);

static inline sim_handle sim_after(sim_engine *e, sim_time delay, sim_handler fn,
                                   void *obj, uint64_t arg)
{
    return sim_at(e, e->now + delay, fn, obj, arg);
}

/*
 * A lane: events whose times never decrease in the order they are
 * scheduled, such as timers of one fixed delay or arrivals over a FIFO link.
 * They wait in that order, and only the earliest pending one is in the
 * event queue: a lane of ten thousand running timeouts costs the queue one
 * entry, and cancelling one that is not the earliest costs nothing more
 * (it is dropped when it comes to the front).  The order of events is the
 * same as with sim_at: (time, seq), seq assigned when scheduled.  Lanes
 * belong to the engine (freed with it); NULL when out of memory.
 */
typedef struct sim_lane sim_lane;
sim_lane *sim_lane_new(sim_engine *e);

/* sim_at on lane l: t must be >= now and >= the time of the lane's
 * previous event.  The handle is sim_at's. */
sim_handle sim_lane_at(sim_engine *e, sim_lane *l, sim_time t, sim_handler fn, void *obj, uint64_t arg);

/* Cancel a pending event; a no-op if it already ran or was cancelled.  Lazy:
 * the event stays in the queue until popped, then is skipped. */
void sim_cancel(sim_engine *e, sim_handle h);

/* Whether the handle's event is still pending. */
int sim_pending(const sim_engine *e, sim_handle h);

/* How sim_run ended. */
enum sim_run_end { SIM_END_TIME, SIM_END_EMPTY, SIM_END_STOP, SIM_END_INTERRUPT, SIM_END_NOMEM };

/* Run events in (time, seq) order until the next one is later than `until`
 * (the clock is then set to `until`), the set empties, a handler sets
 * e->stop, or *e->interrupt becomes non-zero. */
enum sim_run_end sim_run(sim_engine *e, sim_time until);

#endif
