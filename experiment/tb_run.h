/* tb_run.h - the one way a run is built: scenario, overrides, seed, replication and event queue to a prepared model. */
#ifndef TB_RUN_H
#define TB_RUN_H

#include <stddef.h>
#include <stdint.h>
#include "../models/tb_model.h"
#include "../models/tb_scenario.h"

/*
 * `tailback run`, `validate`, sweep children, `--show-run`, the tests and
 * the benchmarks all build their model here, so that the same inputs can
 * never give two different runs.  The spec's strings are borrowed.
 */
typedef struct tb_run_spec {
    const char *scenario;         /* a path; with text, only the name messages use */
    const char *text;             /* the scenario's JSON in memory instead of the file (tests, */
    size_t len;                   /* benchmarks, fuzzers), len bytes; NULL: read the file */
    const char *const *sets;      /* "PATH=VALUE" overrides, applied in order */
    int nsets;
    int has_seed;                 /* seed overrides the scenario's "seed" */
    uint64_t seed;
    uint64_t replication;
    const char *event_queue;      /* NULL: the scenario's own (default heap) */
} tb_run_spec;

typedef struct tb_run {
    tb_scenario sc;               /* the document as run, overrides applied */
    tb_model *m;                  /* prepared: streams seeded, policies loaded */
    const char *event_queue;      /* the one used (static storage) */
} tb_run;

/* What went wrong when tb_run_prepare() fails: every failure is the
 * inputs' fault (bad input, exit status 2) except running out of memory;
 * failed_set is the index of the override that could not be applied, or
 * -1. */
typedef struct tb_run_failure {
    int nomem;
    int failed_set;
} tb_run_failure;

/* Load, override, build, seed and prepare.  0 with *r filled (free with
 * tb_run_free()), or -1 with a one-line message in err, *r empty and *why
 * (when not NULL) filled. */
int tb_run_prepare(tb_run *r, const tb_run_spec *spec, char *err, size_t n, tb_run_failure *why);

/* The same, stopping after the build: r->m is built and seeded, not
 * prepared (no engine, no policy loaded), for a caller that attaches
 * something first and then calls tb_model_prepare(r->m, ...) itself. */
int tb_run_build(tb_run *r, const tb_run_spec *spec, char *err, size_t n, tb_run_failure *why);

/* The model, handed over (free with tb_model_free()); the rest is freed. */
tb_model *tb_run_take_model(tb_run *r);

void tb_run_free(tb_run *r);

/* The model a run's results came from, rebuilt from the scenario its
 * manifest names (relative to the results folder `dir`) with the
 * manifest's overrides: built, not prepared, so no policy code runs (the
 * report and plot read other people's results).  NULL when the scenario
 * cannot be read or no longer builds; on success *sc holds the document
 * (free both with tb_model_free() and tb_scenario_free()). */
struct cJSON;
tb_model *tb_run_rebuild(const char *dir, const struct cJSON *manifest, tb_scenario *sc);

/* A scenario named on the command line: a path as it is, or the name of a
 * shipped scenario ("mm1", "mm1.json") found in the data directory (its
 * path written into buf).  `arg` itself when nothing is found. */
const char *tb_run_find_scenario(const char *arg, char *buf, size_t n);

/* A file a run depends on and its SHA-256: the scenario, replayed traces,
 * policy scripts and the helper modules they require()d (known once the
 * scripts have loaded). */
typedef struct tb_input {
    char path[4096];
    char sha256[65];
} tb_input;

/* The run's inputs into a new array (free()); their number, or -1 when out
 * of memory. */
int tb_run_inputs(const tb_run *r, tb_input **list);

#endif
