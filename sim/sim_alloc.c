/* sim_alloc.c - allocation wrappers with a failure-injection hook for tests. */
#include <stdlib.h>
#include "sim_alloc.h"

/* Test-only state: the engine is single-threaded, and tests set it before a run. */
static long fail_at, count;
static int sticky;

void sim_alloc_fail_at(long n, int stick)
{
    fail_at = n;
    sticky = stick;
    count = 0;
}

long sim_alloc_count(void)
{
    return count;
}

static int should_fail(void)
{
    if (fail_at <= 0)
        return 0;
    count++;
    return count == fail_at || (sticky && count > fail_at);
}

void *sim_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n);
}

void *sim_calloc(size_t c, size_t n)
{
    return should_fail() ? NULL : calloc(c, n);
}

void *sim_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n);
}
