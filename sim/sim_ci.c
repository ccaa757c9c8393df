/* sim_ci.c - Student t intervals over replications, and pooled quantiles with CDF-inversion, sectioning or jackknife intervals. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "sim_ci.h"

static double t_quantile(double level, int df)
{
    return gsl_cdf_tdist_Pinv(0.5 + level / 2, df);
}

sim_ci sim_ci_mean(const double *x, int n, double level)
{
    sim_ci c = { NAN, NAN, NAN, NAN, n, 0, 0, 0, 0 };
    if (n == 0)
        return c;
    double m = 0, ss = 0;
    for (int i = 0; i < n; i++)
        m += x[i];
    m /= n;
    for (int i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    c.est = m;
    if (n > 1) {
        c.sd = sqrt(ss / (n - 1));
        double hw = t_quantile(level, n - 1) * c.sd / sqrt((double)n);
        c.lo = m - hw;
        c.hi = m + hw;
        c.has_interval = 1;
    }
    return c;
}

/* dst += sign x src, counts only (dst holds at least what is subtracted). */
static int hist_add(sim_hist *dst, const sim_hist *src, int sign)
{
    if (sign > 0)
        return sim_hist_merge(dst, src);
    for (unsigned r = src->lo; r < (unsigned)src->lo + src->nrow; r++) {
        const uint64_t *from = sim_hist_row(src, r);
        uint64_t *to = sim_hist_row(dst, r);
        assert(!from || to); /* dst holds what src has */
        for (int s = 0; from && s < SIM_HIST_SUB; s++)
            to[s] -= from[s];
    }
    dst->n -= src->n; /* min and max keep the pooled range: quantiles are clamped to it only */
    return 0;
}

/* CDF inversion on the square-root scale (see sim_ci.h); theta[0..c->n)
 * holds the replications' own quantiles, whose spread around the
 * estimate is reported as sd. */
static void cdf_interval(const sim_hist *const *ok, const sim_hist *const *cens, int n, const sim_hist *all_ok,
                         const sim_hist *all_cens, double q, double level, double est, const double *theta,
                         sim_ci *c)
{
    double usum = 0, zsum = 0, ss = 0, spread = 0;
    int k = 0, upper = q >= 0.5; /* which side of the estimate is the rare one */
    double *z = malloc((size_t)n * sizeof *z);
    if (!z)
        return;
    for (int i = 0; i < n; i++) {
        uint64_t total = ok[i]->n + (cens ? cens[i]->n : 0);
        if (total == 0)
            continue;
        double F = (double)sim_hist_count_le(ok[i], est) / (double)total, u = upper ? 1 - F : F;
        usum += u;
        zsum += z[k++] = sqrt(u < 0 ? 0 : u);
    }
    double u = usum / k, zm = zsum / k;
    for (int i = 0; i < k; i++)
        ss += (z[i] - zm) * (z[i] - zm);
    for (int i = 0; i < c->n; i++)
        spread += (theta[i] - est) * (theta[i] - est);
    free(z);
    /* the relative half-width of the mean of sqrt(u_r); under the scale
     * model u_r = u W_r it maps to u through the square */
    double hw = zm > 0 ? t_quantile(level, k - 1) * sqrt(ss / (k - 1)) / sqrt((double)k) / zm : 0;
    double ulo = hw < 1 ? u * (1 - hw) * (1 - hw) : 0, uhi = u * (1 + hw) * (1 + hw);
    double qlo = upper ? 1 - uhi : ulo, qhi = upper ? 1 - ulo : uhi;
    qlo = qlo < 0 ? 0 : qlo > 1 ? 1 : qlo;
    qhi = qhi < 0 ? 0 : qhi > 1 ? 1 : qhi;
    sim_cquantile lo = sim_hist_cquantile(all_ok, all_cens, qlo), hi = sim_hist_cquantile(all_ok, all_cens, qhi);
    c->sd = sqrt(spread / (c->n - 1));
    c->lo = lo.censored ? est : lo.value;
    c->hi = hi.censored ? INFINITY : hi.value;
    c->open_above = hi.censored;
    /* the ends are bucket representatives; the quantile they bound may lie
     * anywhere in their bucket (0.39% either way), so the interval runs to
     * the buckets' outer edges: with very many values the sampling interval
     * is narrower than a bucket, and would otherwise miss by that error */
    double a, b;
    if (!lo.censored) {
        sim_hist_bucket_edges(c->lo, &a, &b);
        c->lo = a;
    }
    if (!hi.censored) {
        sim_hist_bucket_edges(c->hi, &a, &b);
        c->hi = b;
    }
    if (c->lo > est) /* the bucket holding the estimate is the interval's floor */
        c->lo = est;
    if (c->hi < est)
        c->hi = est;
    c->has_interval = 1;
}

int sim_ci_quantile(const sim_hist *const *ok, const sim_hist *const *cens, int n, double q, double level,
                    enum sim_ci_method method, sim_ci *out)
{
    sim_ci c = { NAN, NAN, NAN, NAN, 0, 0, 0, 0, 0 };
    sim_hist all_ok, all_cens, empty;
    sim_hist_init(&all_ok);
    sim_hist_init(&all_cens);
    sim_hist_init(&empty);
    double *theta = malloc((size_t)(n ? n : 1) * sizeof *theta);
    int rc = theta ? 0 : -1;
    for (int i = 0; i < n && rc == 0; i++)
        rc = sim_hist_merge(&all_ok, ok[i]) | (cens ? sim_hist_merge(&all_cens, cens[i]) : 0);
    if (rc == 0) {
        sim_cquantile p = sim_hist_cquantile(&all_ok, &all_cens, q);
        for (int i = 0; i < n; i++) { /* replications with observations */
            sim_cquantile t = sim_hist_cquantile(ok[i], cens ? cens[i] : &empty, q);
            if (t.empty)
                continue;
            if (method == SIM_CI_JACKKNIFE) { /* pooled without replication i */
                hist_add(&all_ok, ok[i], -1);
                if (cens)
                    hist_add(&all_cens, cens[i], -1);
                sim_cquantile l = sim_hist_cquantile(&all_ok, &all_cens, q);
                hist_add(&all_ok, ok[i], 1);
                if (cens)
                    hist_add(&all_cens, cens[i], 1);
                c.some_censored |= l.censored;
                t.value = l.empty ? p.value : l.value; /* pseudo-values below */
            }
            c.some_censored |= t.censored;
            theta[c.n++] = t.value;
        }
        if (!p.empty) {
            c.est = p.value;
            c.censored = p.censored;
        }
        if (c.n >= 2 && !p.empty && !p.censored) {
            double ss = 0, R = c.n;
            if (method == SIM_CI_CDF) {
                cdf_interval(ok, cens, n, &all_ok, &all_cens, q, level, p.value, theta, &c);
            } else if (method == SIM_CI_JACKKNIFE) {
                double mean = 0;
                for (int i = 0; i < c.n; i++) {
                    theta[i] = R * p.value - (R - 1) * theta[i];
                    mean += theta[i] / R;
                }
                for (int i = 0; i < c.n; i++)
                    ss += (theta[i] - mean) * (theta[i] - mean);
                c.est = mean;
            } else {
                for (int i = 0; i < c.n; i++)
                    ss += (theta[i] - p.value) * (theta[i] - p.value);
            }
            if (method != SIM_CI_CDF) {
                c.sd = sqrt(ss / (R - 1));
                double hw = t_quantile(level, c.n - 1) * c.sd / sqrt(R);
                c.lo = c.est - hw;
                c.hi = c.est + hw;
                c.has_interval = 1;
            }
        }
    }
    sim_hist_free(&all_ok);
    sim_hist_free(&all_cens);
    free(theta);
    *out = c;
    return rc;
}
