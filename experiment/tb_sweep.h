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
 * own, with a fingerprint of everything that determines it; a run is reused
 * only while its fingerprint and its input files still match, so editing
 * the scenario, a policy or the experiment and running again reruns exactly
 * what changed.  Aggregation reads the runs in index order, so the output
 * does not depend on how many ran at once, in what order, or where.
 *
 * Ownership: the strings and cJSON pointers of a tb_sweep point into its
 * own `root` document or are its own copies; tb_sweep_free() releases all
 * of them.  Callers only read the fields.
 */
typedef struct tb_sweep {
    char *file, *scenario;            /* as given; resolved scenario path */
    char sha256[65], scenario_sha256[65];
    char identity[4096];              /* which experiment owns an output directory */
    char scenario_evq[16];            /* the scenario's own event_queue */
    cJSON *root;
    unsigned long long seed;          /* the top level "seed" (default 1) */
    int seed_in_sets;                 /* "seed" is set or varied: each configuration's scenario seed */
    int reps;
    char **fixed;                     /* "PATH=JSON" applied to every run */
    char **fixed_origin;              /* where each comes from in the experiment ("set.PATH") */
    int nfixed;
    int nvary, zip;
    const cJSON **vary;               /* the value arrays, by path */
    char **vpath;
    int npol;
    char **pname;
    int baseline;                     /* the alternative comparisons.csv subtracts ("baseline"; default 0) */
    int compare_all;                  /* "compare": "all": every pair, not only against the baseline */
    const cJSON **pset;               /* objects of PATH: value */
    int nmetrics;
    char **metrics;                   /* paths into summary.json: the outcome metrics of every
                                       * class first, then the experiment's own */
    int *metric_index;                /* each one's index in the experiment's "metrics", -1 for implicit */
    char **implicit;                  /* owned: the outcome metrics */
    int nimplicit;
    int npoints, nconfigs, nruns;
    double precision;                 /* sequential stopping: target relative half-width, 0 = off */
    int max_reps;
    int target_met;                   /* set by the caller after tb_sweep_more */
} tb_sweep;

/* Parse the experiment (or a sweep's manifest.json, which embeds it).  0,
 * or -1 with c->err set; free with tb_sweep_free() either way. */
int tb_sweep_load(tb_sweep *s, const char *file, sim_jctx *c);
void tb_sweep_free(tb_sweep *s);

/* Every mistake an experiment can hold that shows before running: each
 * configuration is built and prepared and every metric is looked up in the
 * summary it would produce.  0, or -1 with one line "FILE: PATH: ..." in
 * err (nothing is simulated). */
int tb_sweep_check(const tb_sweep *s, char *err, size_t n);

/* Claim OUT for this experiment: refuse (-1, err) when it holds another
 * experiment's runs, unless `force`, which discards them. */
int tb_sweep_claim(const tb_sweep *s, const char *out, int force, char *err, size_t n);

/* Prepare run i exactly as tb_sweep_execute() would, with `extra`
 * overrides applied after the experiment's own (NULL, 0 for none): for
 * tests and harnesses.  0 with *r filled (tb_run_free()), or -1 with err. */
struct tb_run;
int tb_sweep_prepare(const tb_sweep *s, int i, const char *const *extra, int nextra, struct tb_run *r, char *err,
                     size_t n);

/* Configuration and replication of run i. */
void tb_sweep_locate(const tb_sweep *s, int i, int *config, int *rep);

/* Simulate run i and write OUT/runs/i.json.  0, or -1 with err; when
 * *interrupt becomes non-zero (may be NULL) the run stops and nothing is
 * written. */
int tb_sweep_execute(const tb_sweep *s, int i, const char *out, char *err, size_t n, volatile int *interrupt);

/* The seed run i uses. */
unsigned long long tb_sweep_seed_of(const tb_sweep *s, int i);

/* Print, shell-quoted, the `tailback run` command that repeats run i on its
 * own (scenario, seed, replication, event queue, every override); 0, or -1
 * out of memory. */
int tb_sweep_show_run(const tb_sweep *s, int i, FILE *f);

/* Whether run i is done and current: OUT/runs/i.json exists and its
 * fingerprint and input files match what run i would be now. */
int tb_sweep_current(const tb_sweep *s, const char *out, int i);

/* plan.csv: one line per run (index, configuration, replication, seed, parameters). */
int tb_sweep_plan(const tb_sweep *s, const char *out, char *err, size_t n);

/* Sequential stopping: after a merge, whether every metric of every
 * configuration has a 95% half-width within `precision` of its estimate.
 * If not and replications may grow, s->reps/nruns are raised (doubled, up
 * to max) and 1 is returned: run the new runs and merge again. */
int tb_sweep_more(tb_sweep *s, const char *out, int *met);

/* Whether every metric of every configuration meets the precision target
 * with the current replications (all of whose runs must be done). */
int tb_sweep_precise(const tb_sweep *s, const char *out);

/* Merging alone with a precision target: raise s->reps/nruns to the most
 * replications the finished runs in `out` provide, and set s->target_met
 * to whether they meet the target. */
void tb_sweep_settle(tb_sweep *s, const char *out);

/* `tailback validate EXPERIMENT`: load and check it (tb_sweep_check), say
 * so on stdout or name the mistake on stderr.  An exit status: 0 or 2. */
int tb_sweep_validate(const char *file);

/* runs.csv, summary.csv, comparisons.csv (paired differences against the
 * first alternative), warmup.csv, manifest.json.  -1 with err naming the
 * missing or stale runs when some are not current.  Warnings (a warm-up
 * shorter than MSER-5 suggests) go to `warn` when not NULL. */
int tb_sweep_merge(const tb_sweep *s, const char *out, char *err, size_t n, FILE *warn);

/* Mean of x[0..n), its standard deviation, and the half-width of the 95%
 * Student-t interval (0 for n < 2; the merge writes no interval then). */
double tb_sweep_ci95(const double *x, int n, double *sd, double *hw);

/* Whether `file` is an experiment (a JSON object naming a "scenario") rather
 * than a scenario; 0 when it cannot be read. */
int tb_sweep_is_experiment(const char *file);

#endif
