/* sim_hist.h - a log-bucketed histogram of non-negative integers with relative error below 0.4%. */
#ifndef SIM_HIST_H
#define SIM_HIST_H

#include <stddef.h>
#include <stdint.h>

/*
 * Log-linear buckets in the manner of HdrHistogram: values below 128 are
 * counted exactly; above, each power of two [2^e, 2^(e+1)) is cut into 128
 * equal buckets, so a bucket is at most 1/128 of its lower bound wide and
 * its midpoint is within 1/256 (0.39%) of any value in it.  Rows of 128
 * counters are allocated the first time a value lands in them (and a
 * table of pointers to the rows from the lowest used to the highest), so a
 * histogram of latencies that span a few decades costs a few kilobytes and
 * recording is O(1) with no allocation in steady state.  Histograms with
 * the same layout merge by adding counts (replications, classes).
 */
#define SIM_HIST_SUB_BITS 7
#define SIM_HIST_SUB (1 << SIM_HIST_SUB_BITS)
#define SIM_HIST_ROWS (64 - SIM_HIST_SUB_BITS + 1)

typedef struct sim_hist {
    uint64_t **row;      /* rows lo .. lo + nrow - 1 (each NULL until used), or NULL */
    uint64_t n;
    int64_t min, max;
    unsigned char lo, nrow; /* a table of the rows between the lowest and highest used:
                             * a few pointers where all 58 cost 464 bytes per histogram */
    int failed; /* a row could not be allocated; counts are incomplete */
} sim_hist;

/* Row r's counters, or NULL when nothing has landed in it. */
static inline uint64_t *sim_hist_row(const sim_hist *h, unsigned r)
{
    unsigned i = r - h->lo; /* below lo wraps to a large number */
    return i < h->nrow ? h->row[i] : NULL;
}

void sim_hist_init(sim_hist *h);
void sim_hist_free(sim_hist *h); /* frees the rows; the struct is the caller's */
void sim_hist_reset(sim_hist *h);
void sim_hist_add_slow(sim_hist *h, int64_t v, unsigned r, unsigned s);

/* Record v (negative values count as 0). */
static inline void sim_hist_add(sim_hist *h, int64_t v)
{
    if (v < 0)
        v = 0;
    uint64_t u = (uint64_t)v;
    unsigned r, s;
    if (u < SIM_HIST_SUB) {
        r = 0;
        s = (unsigned)u;
    } else {
        unsigned e = 63u - (unsigned)__builtin_clzll(u);
        r = e - SIM_HIST_SUB_BITS + 1;
        s = (unsigned)(u >> (e - SIM_HIST_SUB_BITS)) & (SIM_HIST_SUB - 1);
    }
    uint64_t *row = sim_hist_row(h, r);
    if (!row) {
        sim_hist_add_slow(h, v, r, s);
        return;
    }
    row[s]++;
    if (h->n++ == 0) {
        h->min = h->max = v;
    } else {
        if (v < h->min)
            h->min = v;
        if (v > h->max)
            h->max = v;
    }
}

/* Nearest-rank quantile: the representative of the bucket holding the
 * ceil(q n)-th smallest value (q in [0, 1]), clamped to [min, max].
 * 0 when empty (callers report an empty histogram as null). */
double sim_hist_quantile(const sim_hist *h, double q);

/* sim_hist_quantile at each of q[0..n) (ascending), in one walk over the
 * buckets instead of one per quantile: the same values. */
void sim_hist_quantiles(const sim_hist *h, const double *q, size_t n, double *out);

/* The range of values recorded in the same bucket as v (v >= 0): [*lo, *hi].
 * Exact below 128; above, a bucket is 1/128 of its power of two wide. */
void sim_hist_bucket_edges(double v, double *lo, double *hi);

/* How many recorded values lie in buckets up to and including v's. */
uint64_t sim_hist_count_le(const sim_hist *h, double v);

/* The representative of the bucket holding the k-th smallest value
 * (1 <= k <= n), clamped to [min, max]. */
double sim_hist_at_rank(const sim_hist *h, uint64_t k);

/*
 * A quantile over a population of which `ok` holds the exact values and
 * `cens` lower bounds (right-censored observations: requests that did not
 * succeed, recorded at the time they ended or at the end of the run).
 * Ranked conservatively, every censored observation after every exact
 * one: with N observations in all and k = ceil(q N), if k <= |ok| the
 * quantile is ok's k-th smallest value, which is exact when every censored
 * observation is a failure (it will never succeed) and an upper bound
 * otherwise; else it is censored, and cens's (k - |ok|)-th smallest value
 * is a lower bound of it: at least k - |ok| requests lasted that long
 * without succeeding.  So no share of failures can make a quantile look
 * smaller.  `empty` is set when there are no observations at all.
 */
typedef struct sim_cquantile {
    double value;
    int censored, empty;
} sim_cquantile;
sim_cquantile sim_hist_cquantile(const sim_hist *ok, const sim_hist *cens, double q);

/* Add src's counts into dst; -1 on allocation failure. */
int sim_hist_merge(sim_hist *dst, const sim_hist *src);

/* The histogram as JSON, {"n", "min", "max", "b": [bucket, count, ...]}
 * (non-empty buckets only, in order), so that runs written apart can be
 * merged exactly; NULL when out of memory.  sim_hist_from_json() reads it
 * into an empty histogram: 0, or -1 when the document is not one. */
struct cJSON;
struct cJSON *sim_hist_to_json(const sim_hist *h);
int sim_hist_from_json(sim_hist *h, const struct cJSON *o);

#endif
