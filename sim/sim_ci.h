/* sim_ci.h - confidence intervals over independent replications: Student t for means, sectioning and jackknife for pooled quantiles. */
#ifndef SIM_CI_H
#define SIM_CI_H

#include "sim_hist.h"

/*
 * Replications are independent runs; every interval here is a two-sided
 * Student t interval over them, at confidence `level` (0.95 for 95%).
 *
 * A mean over replications is the mean of the per-replication values.
 *
 * A quantile is not: each replication's own quantile, from a few thousand
 * correlated observations, is biased (low, for a right tail), and the mean
 * of biased estimates converges to the wrong value, so its interval covers
 * less and less often as replications are added.  Instead the point
 * estimate is the quantile of the pooled histogram (all replications
 * merged, whose bias shrinks with the total), and the interval comes from
 * the spread of the replications around it:
 *   - sectioning (Asmussen and Glynn, Stochastic Simulation, 2007, III.5a):
 *     half-width t S / sqrt(R), S^2 = sum (theta_r - theta)^2 / (R - 1),
 *     with theta_r replication r's own estimate and theta the pooled one;
 *   - the jackknife (ibid., III.5b; Efron and Stein 1981): leave-one-out
 *     pooled estimates theta_(-r), pseudo-values R theta - (R - 1) theta_(-r),
 *     whose mean and t interval also remove the first-order bias.
 *   - CDF inversion (the default): an interval for the pooled empirical CDF
 *     at the estimate, F(theta) = q, from the spread of each replication's
 *     own u_r, the fraction of its observations beyond theta on the rare
 *     side (above it for q >= 0.5), mapped back through the pooled quantile
 *     function.  This is the replication version of the quantile interval
 *     from Bahadur's representation (Serfling, Approximation Theorems of
 *     Mathematical Statistics, 1980, 2.5-2.6; Asmussen and Glynn, III.4a)
 *     and needs no density estimate.  The u_r are far from normal: a tail
 *     beyond a p99 comes in a few clusters (one long busy period makes
 *     dozens of its observations), so most replications hold little of it
 *     and one holds much, and a t interval on u_r themselves misses low
 *     (in a set whose tail is light by chance, their spread is small too).
 *     So the t interval is taken on sqrt(u_r), where such counts are
 *     nearly symmetric (Anscombe, Biometrika 35, 1948), relative to their
 *     mean: with the scale model u_r = u W_r, that gives u's interval
 *     [u (1 - h)^2, u (1 + h)^2], h = t s_z / (sqrt(R) mean(z)), z_r =
 *     sqrt(u_r), which is mapped to quantile levels and through the pooled
 *     quantile function.  Its ends are then widened to the outer edges of
 *     the histogram buckets they fall in (0.39% either way at most): a
 *     quantile read from a bucket may lie anywhere in it, and with some
 *     10^5 values per replication or more the sampling interval alone is
 *     narrower than a bucket (papers/central-vs-partitioned found exact
 *     values just outside it before this).
 * papers/ci-coverage measures how often each covers the true value: for an
 * M/M/1 at rho 0.8 with 10 replications of about 3600 completions, the mean
 * of the replications' own p99 covers about 81% of the time, sectioning
 * 87%, the jackknife 88%, CDF inversion on u_r 92%, and on sqrt(u_r) 95%
 * (almost every miss lies below the truth).
 * Quantiles may be censored (sim_hist_cquantile): a censored pooled
 * estimate is a lower bound and has no interval.
 */
typedef struct sim_ci {
    double est;        /* the point estimate */
    double sd;         /* of the per-replication values (means), or S (quantiles) */
    double lo, hi;     /* the interval, when has_interval */
    int n;             /* replications with a value */
    int has_interval;  /* n >= 2 and the estimate is not censored */
    int open_above;    /* the interval's upper end falls among censored observations: hi is +inf */
    int censored;      /* a quantile falling among censored observations: est is a lower bound */
    int some_censored; /* some replications' own quantiles were censored (their lower bounds were used) */
} sim_ci;

enum sim_ci_method { SIM_CI_CDF, SIM_CI_SECTIONING, SIM_CI_JACKKNIFE };

/* The t interval of the mean of x[0..n).  n = 0 gives est NaN. */
sim_ci sim_ci_mean(const double *x, int n, double level);

/* The q-quantile of n replications' pooled histograms (ok[i] exact values,
 * cens[i] censored ones; cens may be NULL) with its interval.  -1 when out
 * of memory. */
int sim_ci_quantile(const sim_hist *const *ok, const sim_hist *const *cens, int n, double q, double level,
                    enum sim_ci_method method, sim_ci *out);

#endif
