/* tb_sweep.h - experiments: a base scenario, what varies, replications; running, resuming and aggregating them. */
#ifndef TB_SWEEP_H
#define TB_SWEEP_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include "../sim/sim_json.h"

/*
 * An experiment file names a scenario, the parameters that vary (crossed,
 * or zipped), policy alternatives, the number of replications and the
 * metrics of interest.  It expands into a plan of independent runs, indexed
 * 0..nruns-1: run i is replication i / nconfigs of configuration
 * i mod nconfigs (replication-major, so adding replications only appends).
 * Replication r of every configuration uses stream keys that include r, and
 * the same seed: alternatives see the same arrivals (common random numbers),
 * so their differences are paired.  Each run writes runs/INDEX.json on its
 * own; aggregation reads them in index order, so the output does not depend
 * on how many ran at once, in what order, or on which machine.
 */
typedef struct tb_sweep {
    char *file, *scenario;            /* as given; resolved scenario path */
    char sha256[65], scenario_sha256[65];
    cJSON *root;
    unsigned long long seed;
    int reps;
    char **fixed;                     /* "PATH=JSON" applied to every run */
    int nfixed;
    int nvary, zip;
    const cJSON **vary;               /* the value arrays, by path */
    char **vpath;
    int npol;
    char **pname;
    const cJSON **pset;               /* objects of PATH: value */
    int nmetrics;
    char **metrics;                   /* paths into summary.json */
    int npoints, nconfigs, nruns;
    double precision;                 /* sequential stopping: target relative half-width, 0 = off */
    int max_reps;
    int target_met;                   /* set by the caller after tb_sweep_more */
} tb_sweep;

/* 0, or -1 with c->err set. */
int tb_sweep_load(tb_sweep *s, const char *file, sim_jctx *c);
void tb_sweep_free(tb_sweep *s);

/* Configuration and replication of run i. */
void tb_sweep_locate(const tb_sweep *s, int i, int *config, int *rep);

/* Simulate run i and write OUT/runs/i.json.  0, or -1 with err. */
int tb_sweep_execute(const tb_sweep *s, int i, const char *out, char *err, size_t n);

/* Print, shell-quoted, the `tailback run` command that repeats run i on its
 * own (scenario, seed, replication, every override); 0, or -1 out of memory. */
int tb_sweep_show_run(const tb_sweep *s, int i, FILE *f);

/* Whether OUT/runs/i.json exists (run i is done). */
int tb_sweep_done(const char *out, int i);

/* plan.csv: one line per run (index, configuration, replication, parameters). */
int tb_sweep_plan(const tb_sweep *s, const char *out, char *err, size_t n);

/* Sequential stopping: after a merge, whether every metric of every
 * configuration has a 95% half-width within `precision` of its mean.  If
 * not and replications may grow, s->reps/nruns are raised (doubled, up to
 * max) and 1 is returned: run the new runs and merge again. */
int tb_sweep_more(tb_sweep *s, const char *out, int *met);

/* Whether every metric of every configuration meets the precision target
 * with the current replications (all of whose runs must be done). */
int tb_sweep_precise(const tb_sweep *s, const char *out);

/* runs.csv, summary.csv (Student-t intervals), comparisons.csv (paired
 * differences against the first alternative), manifest.json.  -1 with err
 * naming the missing runs when some are not done. */
int tb_sweep_merge(const tb_sweep *s, const char *out, char *err, size_t n);

/* Mean of x[0..n), its standard deviation, and the half-width of the 95%
 * Student-t interval summary.csv reports. */
double tb_sweep_ci95(const double *x, int n, double *sd, double *hw);

#endif
