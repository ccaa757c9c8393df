/* tb_pool.h - an experiment's runs in child processes: at most j at once, signals passed on, every child reaped, none outliving the sweep. */
#ifndef TB_POOL_H
#define TB_POOL_H

#include "tb_sweep.h"

/*
 * Run plan indices [lo, hi] that are not yet current, up to `jobs` at
 * once, each in a process of its own (a crash or an error in one run
 * leaves the others alone; its message goes to stderr).  A child dies with
 * the sweep, even one killed with SIGKILL (PR_SET_PDEATHSIG).  *interrupt
 * (set by the caller's signal handler, which calls tb_pool_signal) stops
 * starting runs; the ones in flight stop too and are redone next time.
 * Returns how many runs failed; *stopped is 1 when interrupted.
 */
int tb_pool_execute(const tb_sweep *s, const char *out, int lo, int hi, int jobs, volatile int *interrupt,
                    int *stopped);

/* Sequential stopping: more replications (tb_sweep_more) until every
 * metric is as precise as the experiment asks or its maximum is reached;
 * sets s->target_met.  Returns how many runs failed; *stopped as above. */
int tb_pool_until_precise(tb_sweep *s, const char *out, int jobs, volatile int *interrupt, int *stopped);

/* What `tailback sweep` was asked to do; the strings are borrowed. */
typedef struct tb_sweep_request {
    const char *out;   /* the output directory */
    const char *range; /* --run-index I or I-J, or NULL: every run */
    const char *show;  /* --show-run I, or NULL */
    int jobs, plan, merge, force;
} tb_sweep_request;

/*
 * The sweep command's flow: check the experiment; then print one run's
 * command (show), or write the plan (plan), or run what is missing (a
 * slice with range), with sequential stopping, and merge (merge: only
 * that).  Messages go to stderr, the summary line to stdout.  An exit
 * status: 0, 1 (runs or files failed), 2 (bad input), 128 + the signal.
 */
int tb_pool_sweep(tb_sweep *s, const tb_sweep_request *q, volatile int *interrupt);

/* Pass a signal on to the runs in flight.  Async-signal-safe: for the
 * caller's handler, so that a signal landing just before the pool blocks
 * in wait() still reaches them. */
void tb_pool_signal(int sig);

#endif
