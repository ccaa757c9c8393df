/* sim_alloc.h - the engine's allocation functions, with a test hook that makes the Nth allocation fail. */
#ifndef SIM_ALLOC_H
#define SIM_ALLOC_H

#include <stddef.h>

/*
 * The engine (event sets, pools) allocates through these, so that tests can
 * check every allocation failure path: after sim_alloc_fail_at(n), the n-th
 * allocation from then on returns NULL (and so does every later one when
 * `sticky`).  sim_alloc_fail_at(0) turns the hook off (the default).
 * Following SQLite's test_malloc.
 */
void *sim_malloc(size_t n);
void *sim_calloc(size_t count, size_t n);
void *sim_realloc(void *p, size_t n);
void sim_alloc_fail_at(long n, int sticky);

/* Allocations made since the last sim_alloc_fail_at(). */
long sim_alloc_count(void);

#endif
