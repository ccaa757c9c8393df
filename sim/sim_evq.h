/* sim_evq.h - the pending-event set: events, and the interface its implementations share. */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stddef.h>
#include <stdint.h>
#include "sim_time.h"

struct sim_engine;

/*
 * A handler receives the engine and the event's inline payload.  Handlers
 * have exactly this type; they cast `obj` themselves (casting function
 * pointers to another type is undefined behaviour).
 */
typedef void (*sim_handler)(struct sim_engine *e, void *obj, uint64_t arg);

/*
 * One scheduled event.  Events live in the engine's pool and are ordered by
 * (time, seq): seq is a counter assigned when the event is scheduled, so the
 * order is total and simultaneous events run in scheduling order.  Nothing
 * is ever ordered by address.
 */
typedef struct sim_event {
    sim_time time;
    uint64_t seq;
    sim_handler fn;
    void *obj;
    uint64_t arg;
    struct sim_event *next; /* calendar bucket chain, or pool free list */
    struct sim_lane *lane;  /* the lane it was scheduled on (sim_engine.h), or NULL */
    int cancelled;          /* lazy cancellation: skipped when popped */
} sim_event;

static inline int sim_event_before(const sim_event *a, const sim_event *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/*
 * The operations every pending-event set provides.  Cancellation is lazy and
 * handled by the engine: a cancelled event stays until it is popped, or
 * until the engine purges them all at once (when they outnumber the live
 * ones: timeouts that almost never fire would otherwise fill the set).
 *
 *   kind            insert       pop_min      purge    memory per event
 *   heap (4-ary)    O(log n)     O(log n)     O(n)     24 bytes of key array
 *   calendar        O(1) avg     O(1) avg     O(n+nb)  one pointer (intrusive)
 *
 * Both give the same pop order, because (time, seq) is a total order.
 */
typedef struct sim_evq sim_evq;

typedef struct sim_evq_ops {
    const char *name;
    sim_evq *(*create)(void);
    void (*destroy)(sim_evq *q);
    int (*insert)(sim_evq *q, sim_event *ev); /* 0, or -1 when out of memory */
    sim_event *(*pop_min)(sim_evq *q);        /* NULL when empty */
    sim_event *(*peek)(sim_evq *q);           /* NULL when empty */
    size_t (*size)(const sim_evq *q);
    /* Remove every cancelled event, handing each to drop(ctx, ev); the
     * order of the others is unchanged.  Cannot fail. */
    void (*purge)(sim_evq *q, void (*drop)(void *ctx, sim_event *ev), void *ctx);
} sim_evq_ops;

extern const sim_evq_ops sim_evq_heap;
extern const sim_evq_ops sim_evq_calendar;

/* The heap's operations, which the engine calls directly when the queue is
 * sim_evq_heap (no table on the hot path), and one more: replace the
 * minimum by ev and restore the order, a pop and an insert in one sift
 * (the engine's fused pop and push: a handler that schedules one event
 * puts it where the event it is running was). */
int sim_heap_insert(sim_evq *q, sim_event *ev);
sim_event *sim_heap_pop(sim_evq *q);
sim_event *sim_heap_min(const sim_evq *q);
void sim_heap_replace_min(sim_evq *q, sim_event *ev);

/* The implementation called `name` ("heap" or "calendar"), or NULL. */
const sim_evq_ops *sim_evq_find(const char *name);

#endif
