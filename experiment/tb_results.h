/* tb_results.h - a run's results: summary.json (with its manifest) and the table printed after a run. */
#ifndef TB_RESULTS_H
#define TB_RESULTS_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include "../models/tb_model.h"

/* What reproduces a run; recorded verbatim in summary.json. */
typedef struct tb_manifest {
    const char *scenario;    /* the file as given */
    const char *sha256;      /* of its bytes */
    const char *event_queue;
    const char *const *argv; /* the command line */
    int argc;
    const char *const *sets; /* overrides, in order */
    int nsets;
    const char *status;      /* "complete", or why not */
} tb_manifest;

/* How this binary was built: git commit (when built from a checkout, with
 * "dirty" when the tree had changes), platform, compiler and the versions
 * of GSL, Lua and cJSON.  A new object (NULL out of memory). */
cJSON *tb_results_build_json(void);

/* The summary document; free with cJSON_Delete().  NULL when out of memory.
 * Times are in seconds. */
cJSON *tb_results_summary(const tb_model *m, const tb_manifest *man);

/* Write the summary to f as cJSON_Print() prints that document, and a
 * newline, building one node's or link's part at a time (the whole tree of
 * a 10^6-node network takes gigabytes).  0, or -1 when out of memory. */
int tb_results_write_summary(FILE *f, const tb_model *m, const tb_manifest *man);

/* network.csv: per window, time_s,spread,goodput_rate (spread = fraction
 * of hot nodes).  A new string (free()), or NULL when out of memory. */
char *tb_results_network_csv(const tb_model *m);

/* latency.csv: per class, the sojourn distribution as quantiles
 * (class,quantile,seconds), fine in the tail, for CDF plots. */
char *tb_results_latency_csv(const tb_model *m);

/* Add a quantile that may be censored to object o under key: a number
 * (value x scale), null when empty, or {"censored": true, "at_least": x}
 * when it falls among the censored observations (a lower bound). */
void tb_results_add_cquantile(cJSON *o, const char *key, sim_cquantile q, double scale);

/* Whether `path` (a summary.json path) is a quantile of a histogram of the
 * model: then *ok and *cens (NULL when the population has no censored
 * part) are that histogram, in ticks, and *q the quantile, so that
 * replications can be pooled (sim_ci_quantile).  Quantiles of
 * classes.C.{latency,sojourn,wait,confirmation}, classes.C.surge.p99_*,
 * nodes.N.{wait,sojourn}. */
int tb_results_quantile_source(const tb_model *m, const char *path, const sim_hist **ok, const sim_hist **cens,
                               double *q);

/* A short human-readable table: per class throughput, mean and p99 sojourn, drops. */
void tb_results_table(FILE *out, const tb_model *m);

#endif
