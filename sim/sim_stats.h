/* sim_stats.h - bounded-memory statistics: Welford tallies and time-weighted averages. */
#ifndef SIM_STATS_H
#define SIM_STATS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "sim_time.h"

/* Mean and variance of observations by Welford's update, which stays
 * accurate where the naive sum of squares cancels catastrophically. */
typedef struct sim_welford {
    uint64_t n;
    double mean, m2;
} sim_welford;

static inline void sim_welford_add(sim_welford *w, double x)
{
    double d = x - w->mean;
    w->mean += d / (double)++w->n;
    w->m2 += d * (x - w->mean);
}

static inline double sim_welford_var(const sim_welford *w)
{
    return w->n > 1 ? w->m2 / (double)(w->n - 1) : 0;
}

static inline double sim_welford_sd(const sim_welford *w)
{
    return sqrt(sim_welford_var(w));
}

/* MSER-5 (White, 1997; Franklin and White, 2008): the warm-up to delete
 * from an output series x[0..n).  Averages batches of 5 observations Z_j
 * (k = n/5 of them) and returns 5 d, where d <= k/2 minimises
 *     MSER(d) = sum_{j > d} (Z_j - mean_{j > d} Z)^2 / (k - d)^2,
 * the squared standard error of the truncated mean: deleting more data
 * pays only while it removes bias faster than it adds variance. */
size_t sim_mser5(const double *x, size_t n);

/* The k-th smallest of v[0..n) (0-based, k < n), moving v's elements so
 * that v[k] holds it, those before it are no larger and those after no
 * smaller: an exact order statistic in O(n) on average, where sorting
 * costs O(n log n).  Median-of-three pivots; after 2 log2(n) + 8 rounds
 * without an answer the rest is sorted, so it is never quadratic. */
sim_time sim_select_time(sim_time *v, size_t n, size_t k);

/* Combine b into a (Chan et al.'s parallel formula). */
void sim_welford_merge(sim_welford *a, const sim_welford *b);

/*
 * Time-weighted average of a piecewise-constant quantity (queue length,
 * busy workers): the integral of value dt, advanced at every change.  The
 * average covers [start, now]; resetting at the end of warm-up moves start
 * (and remembers the integral so far as base) so that it covers only the
 * measured period, like every other statistic.  Windowed averages for time
 * series take differences of sim_tavg_integral() at window boundaries.
 */
typedef struct sim_tavg {
    double integral, base;
    double value;
    sim_time last, start;
} sim_tavg;

static inline void sim_tavg_set(sim_tavg *a, sim_time now, double value)
{
    if (value == a->value) /* nothing changes: the integral catches up at the next change */
        return;
    a->integral += a->value * (double)(now - a->last);
    a->last = now;
    a->value = value;
}

/* Integral of value dt from time 0 to now. */
static inline double sim_tavg_integral(const sim_tavg *a, sim_time now)
{
    return a->integral + a->value * (double)(now - a->last);
}

static inline double sim_tavg_mean(const sim_tavg *a, sim_time now)
{
    return now > a->start ? (sim_tavg_integral(a, now) - a->base) / (double)(now - a->start)
                          : a->value;
}

static inline void sim_tavg_reset(sim_tavg *a, sim_time now)
{
    a->base = sim_tavg_integral(a, now);
    a->start = now;
}

#endif
