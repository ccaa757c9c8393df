/* estimators.c - coverage of candidate 95% intervals for the p99 sojourn of an M/M/1, on the same runs in-process. */
/*
 * usage: estimators SETS REPLICATIONS LENGTH
 * For SETS independent sets (seed 5000 + set) of REPLICATIONS runs of an
 * M/M/1 at load 0.8 (mu = 1), LENGTH s after a 500 s warm-up, prints one
 * CSV line per estimator: length,estimator,covered,sets,below,above, where
 * below/above count the intervals that missed the true p99,
 * ln(100)/(mu - lambda), from below or above.  The estimators: the t
 * interval of the replications' own p99s ("averaged"); the pooled
 * histogram's p99 with a sectioning or a jackknife interval
 * (sim/sim_ci.c); a percentile bootstrap over replications; and CDF
 * inversion, an interval for u, the pooled tail fraction beyond the
 * estimate, from the replications' own u_r, mapped through the pooled
 * quantile function, in several forms: the t interval on u_r (what
 * tailback did until the square-root form), corrected by Hall's (1992)
 * transformation or by a bootstrap-t, and t intervals relative to the mean
 * of a power of u_r (the scale model u_r = u W_r): the cube root and the
 * square root, which is what tailback does (sim/sim_ci.c).
 * Built by the Makefile (build/ci-estimators); papers/ci-coverage/run.sh
 * calls it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "../../experiment/tb_run.h"
#include "../../sim/sim_ci.h"

enum { AVG, SECT, JACK, BOOT, LIN, HALL, BOOTT, CUBE, SQRT, NEST };
static const char *const names[NEST] = {
    "p99 averaged over replications", "p99 pooled (sectioning)", "p99 pooled (jackknife)",
    "p99 pooled (bootstrap percentile)", "p99 pooled (CDF inversion)",
    "p99 pooled (CDF inversion with Hall's transformation)", "p99 pooled (CDF inversion with a bootstrap-t)",
    "p99 pooled (CDF inversion on the cube-root scale)",
    "p99 pooled (CDF inversion on the square-root scale)"
};

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Hall's transformation g(T) = T + b T^2 + c T^3 + a (monotone), inverted by bisection. */
static double ginv(double x, double gam, double n)
{
    double a = gam / (6 * sqrt(n)), b = gam / (3 * sqrt(n)), c = gam * gam / (27 * n), lo = -60, hi = 60;
    for (int i = 0; i < 200; i++) {
        double m = (lo + hi) / 2;
        if (m + b * m * m + c * m * m * m + a < x)
            lo = m;
        else
            hi = m;
    }
    return (lo + hi) / 2;
}


/* The interval [lo, hi] of the pooled quantile whose tail beyond it has
 * probability in [ulo, uhi]. */
static void to_x(const sim_hist *all, double ulo, double uhi, double *lo, double *hi)
{
    *lo = sim_hist_quantile(all, fmin(1, fmax(0, 1 - uhi))) / 1e9;
    *hi = sim_hist_quantile(all, fmin(1, fmax(0, 1 - ulo))) / 1e9;
}

/* The t interval of the mean of u_r^k relative to that mean, mapped to u
 * by the scale model u_r = u W_r.  (The logarithm, k -> 0, is undefined:
 * some replications hold nothing beyond a p99.) */
static void scale_interval(const double *u, int R, double k, double t, double *ulo, double *uhi)
{
    double w[64], m = 0, ss = 0, mu = 0;
    for (int r = 0; r < R; r++) {
        mu += u[r] / R;
        m += (w[r] = pow(u[r], k)) / R;
    }
    for (int r = 0; r < R; r++)
        ss += (w[r] - m) * (w[r] - m) / (R - 1);
    double h = m > 0 ? t * sqrt(ss / R) / m : 0;
    *ulo = h < 1 ? mu * pow(1 - h, 1 / k) : 0;
    *uhi = mu * pow(1 + h, 1 / k);
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    int E = atoi(argv[1]), R = atoi(argv[2]);
    if (R < 2 || R > 64)
        return 2;
    double len = atof(argv[3]), truth = log(100) / 0.2, t = gsl_cdf_tdist_Pinv(0.975, R - 1);
    char path[] = "/tmp/ci-estimators-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        return 1;
    fprintf(f, "{\"duration\": %.17g, \"warmup\": 500, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", "
               "\"rate\": 0.8}, \"route\": [\"s\"]}}, \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", "
               "\"mean\": 1}}}}", len + 500);
    fclose(f);
    int cov[NEST] = { 0 }, below[NEST] = { 0 }, above[NEST] = { 0 };
    tb_run *runs = calloc((size_t)R, sizeof *runs);
    const sim_hist **ok = calloc((size_t)R, sizeof *ok);
    double *own = calloc((size_t)R, sizeof *own), *u = calloc((size_t)R, sizeof *u), boot[400];
    srand(1);
    for (int e = 0; e < E; e++) {
        for (int r = 0; r < R; r++) {
            char err[1024];
            tb_run_spec spec = { .scenario = path, .has_seed = 1, .seed = 5000 + (uint64_t)e, .replication = (uint64_t)r, .event_queue = "heap" };
            if (tb_run_prepare(&runs[r], &spec, err, sizeof err, NULL) != 0 || tb_model_run(runs[r].m, NULL) != TB_RUN_OK) {
                fprintf(stderr, "estimators: %s\n", err);
                return 1;
            }
            ok[r] = &runs[r].m->classes[0].sojourn.h;
            own[r] = sim_hist_quantile(ok[r], 0.99) / 1e9;
        }
        double lo[NEST], hi[NEST];
        sim_ci c = sim_ci_mean(own, R, 0.95);
        lo[AVG] = c.lo, hi[AVG] = c.hi;
        static const enum sim_ci_method m[3] = { SIM_CI_SECTIONING, SIM_CI_JACKKNIFE, SIM_CI_CDF };
        static const int slot[3] = { SECT, JACK, SQRT };
        for (int k = 0; k < 3; k++) {
            sim_ci_quantile(ok, NULL, R, 0.99, 0.95, m[k], &c);
            lo[slot[k]] = c.lo / 1e9, hi[slot[k]] = c.hi / 1e9;
        }
        sim_hist all;
        sim_hist_init(&all);
        for (int r = 0; r < R; r++)
            sim_hist_merge(&all, ok[r]);
        for (int b = 0; b < 400; b++) { /* resample replications */
            sim_hist h;
            sim_hist_init(&h);
            for (int r = 0; r < R; r++)
                sim_hist_merge(&h, ok[rand() % R]);
            boot[b] = sim_hist_quantile(&h, 0.99) / 1e9;
            sim_hist_free(&h);
        }
        qsort(boot, 400, sizeof *boot, cmp);
        lo[BOOT] = boot[10], hi[BOOT] = boot[389];
        /* u[r]: replication r's fraction beyond the pooled estimate */
        double est = sim_hist_quantile(&all, 0.99), mean = 0, s2 = 0, m3 = 0;
        for (int r = 0; r < R; r++)
            mean += (u[r] = 1 - (double)sim_hist_count_le(ok[r], est) / (double)ok[r]->n) / R;
        for (int r = 0; r < R; r++) {
            s2 += pow(u[r] - mean, 2) / (R - 1);
            m3 += pow(u[r] - mean, 3) / R;
        }
        double s = sqrt(s2), gam = s > 0 ? m3 / pow(s, 3) : 0;
        to_x(&all, mean - t * s / sqrt(R), mean + t * s / sqrt(R), &lo[LIN], &hi[LIN]);
        to_x(&all, mean - s / sqrt(R) * ginv(t, gam, R), mean - s / sqrt(R) * ginv(-t, gam, R), &lo[HALL], &hi[HALL]);
        double T[1000];
        int nb = 0;
        for (int b = 0; b < 1000; b++) { /* studentized resamples of the replications */
            double ub[64], mb = 0, sb = 0;
            for (int r = 0; r < R; r++)
                mb += (ub[r] = u[rand() % R]) / R;
            for (int r = 0; r < R; r++)
                sb += (ub[r] - mb) * (ub[r] - mb) / (R - 1);
            if (sb > 0)
                T[nb++] = (mb - mean) / sqrt(sb / R);
        }
        qsort(T, (size_t)nb, sizeof *T, cmp);
        to_x(&all, mean - T[(int)(0.975 * nb) - 1] * s / sqrt(R), mean - T[(int)(0.025 * nb)] * s / sqrt(R), &lo[BOOTT], &hi[BOOTT]);
        double ulo, uhi;
        scale_interval(u, R, 1.0 / 3, t, &ulo, &uhi);
        to_x(&all, ulo, uhi, &lo[CUBE], &hi[CUBE]);
        sim_hist_free(&all);
        for (int k = 0; k < NEST; k++) {
            cov[k] += lo[k] <= truth && truth <= hi[k];
            below[k] += hi[k] < truth;
            above[k] += lo[k] > truth;
        }
        for (int r = 0; r < R; r++)
            tb_run_free(&runs[r]);
    }
    for (int k = 0; k < NEST; k++)
        printf("%.0f,%s,%d,%d,%d,%d\n", len, names[k], cov[k], E, below[k], above[k]);
    remove(path);
    free(runs);
    free(ok);
    free(own);
    free(u);
    return 0;
}
