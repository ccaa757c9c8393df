/* tb_output.h - running a prepared run and writing its results folder: atomically, partial results marked, nothing half-written. */
#ifndef TB_OUTPUT_H
#define TB_OUTPUT_H

#include <stddef.h>
#include "tb_run.h"

/* Where and how `tailback run` writes; the strings are borrowed. */
typedef struct tb_run_output {
    const char *out;              /* the results directory */
    const char *trace;            /* a per-job event trace file, or NULL */
    const char *const *argv;      /* the command line, for the manifest */
    int argc;
    volatile int *interrupt;      /* non-zero stops the run (a signal handler sets it); may be NULL */
    int progress;                 /* a progress line on stderr (the caller checks it is a terminal) */
    int paths_from_cwd;           /* the manifest names files from the current directory, not from
                                   * out (which is temporary: `run --out -`) */
} tb_run_output;

/*
 * Run r (prepared) to its end and write summary.json, timeseries.csv,
 * network.csv, latency.csv (and metrics.csv with policies, the trace when
 * asked) into o->out, which appears as a whole or not at all.
 *   0   results written; *st is TB_RUN_OK, or TB_RUN_INTERRUPTED or
 *       TB_RUN_LIMIT with the results marked partial in the manifest (and
 *       for these, err says why);
 *  -1   nothing written: the run failed (a policy error, out of memory) or
 *       a file could not be written; err says which;
 *  -2   o->out cannot be used as a results directory (err says why).
 */
int tb_run_write(tb_run *r, const tb_run_output *o, tb_run_status *st, char *err, size_t n);

#endif
