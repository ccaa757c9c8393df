/* sim_pool.h - free-list pools of fixed-size objects, grown in chunks: no allocation per object in steady state. */
#ifndef SIM_POOL_H
#define SIM_POOL_H

#include <stddef.h>
#include <string.h>

/*
 * Designed for objects created and destroyed at event rate (events, jobs,
 * requests): a free object's first pointer-sized bytes hold the link to the
 * next free one (copied with memcpy, so any object type works), chunks are
 * never returned until sim_pool_free(), and getting or putting an object is
 * a few instructions.
 */
typedef struct sim_pool {
    void *free;
    void **chunks;
    size_t n, cap;
    size_t size; /* bytes per object, at least a pointer */
} sim_pool;

/* An empty pool of objects of `size` bytes. */
void sim_pool_init(sim_pool *p, size_t size);

/* Add a chunk of objects to the free list: 0, or -1 when out of memory. */
int sim_pool_grow(sim_pool *p);

/* Free every chunk (every object, in use or not); the pool is empty again. */
void sim_pool_free(sim_pool *p);

/* An object (uninitialised), or NULL when out of memory. */
static inline void *sim_pool_get(sim_pool *p)
{
    if (!p->free && sim_pool_grow(p) != 0)
        return NULL;
    void *o = p->free;
    memcpy(&p->free, o, sizeof p->free);
    return o;
}

static inline void sim_pool_put(sim_pool *p, void *o)
{
    memcpy(o, &p->free, sizeof p->free);
    p->free = o;
}

#endif
