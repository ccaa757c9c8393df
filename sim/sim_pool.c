/* sim_pool.c - chunk growth and release for the free-list pools. */
#include <stdlib.h>
#include "sim_alloc.h"
#include "sim_pool.h"

#define SIM_POOL_CHUNK 1024

void sim_pool_init(sim_pool *p, size_t size)
{
    memset(p, 0, sizeof *p);
    p->size = size < sizeof(void *) ? sizeof(void *) : size;
}

int sim_pool_grow(sim_pool *p)
{
    if (p->n == p->cap) {
        size_t ncap = p->cap ? 2 * p->cap : 16;
        void **nc = sim_realloc(p->chunks, ncap * sizeof *nc);
        if (!nc)
            return -1;
        p->chunks = nc;
        p->cap = ncap;
    }
    char *c = sim_calloc(SIM_POOL_CHUNK, p->size);
    if (!c)
        return -1;
    p->chunks[p->n++] = c;
    for (size_t i = 0; i < SIM_POOL_CHUNK; i++)
        sim_pool_put(p, c + i * p->size);
    return 0;
}

void sim_pool_free(sim_pool *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->chunks[i]);
    free(p->chunks);
    sim_pool_init(p, p->size);
}
