/* sim_dist.h - probability distributions built from JSON specs and sampled through GSL. */
#ifndef SIM_DIST_H
#define SIM_DIST_H

#include <stddef.h>
#include "sim_json.h"
#include "sim_rng.h"

/*
 * A spec is either a bare number (a constant) or an object with "type":
 *   constant {value}            uniform {min, max}
 *   exponential {rate | mean}   normal {mean, sd, truncate}  (truncate: negative draws become 0)
 *   lognormal {mu, sigma | mean, cv}
 *   gamma {shape, scale | mean, cv}
 *   erlang {k, rate | mean}     (rate is each phase's; mean is the total)
 *   weibull {shape, scale}      pareto {shape, scale}  (scale = minimum)
 *   bounded_pareto {shape, min, max}  (Harchol-Balter's B(k, p, alpha): density
 *                               proportional to x^-(shape+1) on [min, max])
 *   hyperexponential {p[], rate[] | p[], mean[] | mean, cv}  (cv >= 1, balanced means)
 *   empirical {values[]}        (each value equally likely)
 * Values are in the caller's unit (seconds for times).
 */
typedef enum {
    SIM_DIST_CONSTANT,
    SIM_DIST_UNIFORM,
    SIM_DIST_EXPONENTIAL,
    SIM_DIST_NORMAL,
    SIM_DIST_LOGNORMAL,
    SIM_DIST_GAMMA,
    SIM_DIST_ERLANG,
    SIM_DIST_WEIBULL,
    SIM_DIST_PARETO,
    SIM_DIST_BOUNDED_PARETO,
    SIM_DIST_HYPEREXP,
    SIM_DIST_EMPIRICAL,
} sim_dist_kind;

typedef struct sim_dist {
    sim_dist_kind kind;
    double a, b;   /* the kind's two parameters, in GSL's convention */
    double c;      /* bounded Pareto: the maximum (a = shape, b = minimum) */
    size_t n;      /* hyperexponential phases / empirical values */
    double *cum;   /* hyperexponential: cumulative phase probabilities */
    double *v;     /* hyperexponential: phase means; empirical: values */
    double mean, var; /* exact moments (var may be infinite) */
    int rectified;    /* normal: draws below 0 become 0 (moments are those of max(0, X)) */
} sim_dist;

/* Parse a spec; returns a new distribution (free with sim_dist_free(); NULL
 * is a no-op), or NULL with the error in c->err.  `nonneg` (times, sizes)
 * rejects specs that can produce negative values, and a normal negative
 * with probability over 1e-6 unless it has "truncate": true. */
sim_dist *sim_dist_parse(sim_jctx *c, const cJSON *spec, const char *path, int nonneg);

/* A distribution of times in seconds, parsed as above (non-negative), that
 * the run's tick of 1/tps seconds can represent: samples are rounded to
 * whole ticks, and a spec whose mean that would move by more than 0.1% is
 * an error naming the path and a tick small enough. */
sim_dist *sim_dist_parse_time(sim_jctx *c, const cJSON *spec, const char *path, double tps);

/* The relative change of d's mean when its samples are rounded to the
 * nearest multiple of `tick` (signed; 0 when the mean is 0 or infinite).
 * Computed exactly for constant and empirical distributions, else by the
 * midpoint rule over 20000 points of the quantile function. */
double sim_dist_tick_bias(const sim_dist *d, double tick);
sim_dist *sim_dist_constant(double value);
sim_dist *sim_dist_exponential(double mean);
void sim_dist_free(sim_dist *d);

double sim_dist_sample_draw(const sim_dist *d, sim_rng *r);
static inline double sim_dist_sample(const sim_dist *d, sim_rng *r)
{
    /* a constant (job sizes, timeouts, link delays by default) without a call */
    return d->kind == SIM_DIST_CONSTANT ? d->a : sim_dist_sample_draw(d, r);
}

/* One Exp(1) variate (ziggurat). */
double sim_exp1(sim_rng *r);

#endif
