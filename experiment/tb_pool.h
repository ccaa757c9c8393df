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

/* Pass a signal on to the runs in flight.  Async-signal-safe: for the
 * caller's handler, so that a signal landing just before the pool blocks
 * in wait() still reaches them. */
void tb_pool_signal(int sig);

#endif
