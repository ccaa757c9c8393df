/* tb_pool.c - an experiment's runs in child processes: at most j at once, signals passed on, every child reaped, none outliving the sweep. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../models/tb_io.h"
#include "tb_pool.h"

/* The runs in flight, which tb_pool_signal passes a signal on to. */
static pid_t *volatile children;
static volatile int nchildren;

void tb_pool_signal(int sig)
{
    pid_t *c = children;
    if (c)
        for (int k = 0; k < nchildren; k++)
            if (c[k] > 0)
                kill(c[k], sig);
}

static double now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* progress display only */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int tb_pool_execute(const tb_sweep *s, const char *out, int lo, int hi, int jobs, volatile int *interrupt,
                    int *stopped)
{
    int failed = 0, running = 0, next = lo, done = 0, todo = 0;
    for (int i = lo; i <= hi; i++)
        todo += !tb_sweep_current(s, out, i);
    int tty = isatty(2);
    double t0 = now_wall();
    pid_t *pid = calloc((size_t)jobs, sizeof *pid);
    int *which = calloc((size_t)jobs, sizeof *which);
    *stopped = 0;
    pid_t parent = getpid();
    nchildren = jobs;
    children = pid;
    while (pid && which) {
        while (running < jobs && next <= hi && !*interrupt) {
            int i = next++;
            if (tb_sweep_current(s, out, i))
                continue;
            fflush(NULL);
            pid_t p = fork();
            if (p == 0) {
                children = NULL; /* a run has no children to pass a signal on to */
                /* a run dies with the sweep, even one killed with SIGKILL */
                prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (getppid() != parent)
                    _exit(128 + SIGTERM);
                char err[1400];
                int rc = tb_sweep_execute(s, i, out, err, sizeof err, interrupt);
                if (*interrupt)
                    _exit(128 + *interrupt); /* nothing written: the run is redone next time */
                if (rc != 0) {
                    int config, rep;
                    tb_sweep_locate(s, i, &config, &rep);
                    fprintf(stderr, "tailback sweep: run %d (configuration %d, replication %d, seed %llu) "
                                    "failed: %s\n", i, config, rep, tb_sweep_seed_of(s, i), err);
                }
                _exit(rc ? 1 : 0);
            }
            if (p < 0) {
                fprintf(stderr, "tailback sweep: cannot start a process (%s)\n", tb_errno_str());
                failed++;
                continue;
            }
            for (int k = 0; k < jobs; k++)
                if (!pid[k]) {
                    pid[k] = p;
                    which[k] = i;
                    break;
                }
            running++;
            if (*interrupt) /* the signal came between fork() and the line above */
                kill(p, *interrupt);
        }
        if (running == 0)
            break;
        int status;
        pid_t p = wait(&status);
        if (p < 0)
            continue; /* EINTR: the signal handler ran; loop to reap */
        for (int k = 0; k < jobs; k++)
            if (pid[k] == p)
                pid[k] = 0;
        running--;
        done++;
        if (!*interrupt && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
            failed++;
        if (tty) {
            double el = now_wall() - t0;
            fprintf(stderr, "\rtailback sweep: %d/%d runs, %.1f s elapsed, ~%.1f s left   ", done, todo, el,
                    el / done * (todo - done));
        }
    }
    if (tty && done)
        fprintf(stderr, "\r\033[K");
    *stopped = *interrupt != 0;
    children = NULL;
    free(pid);
    free(which);
    return failed;
}

int tb_pool_until_precise(tb_sweep *s, const char *out, int jobs, volatile int *interrupt, int *stopped)
{
    int met = 1, failed = 0;
    *stopped = 0;
    while (!failed && tb_sweep_more(s, out, &met)) {
        failed = tb_pool_execute(s, out, 0, s->nruns - 1, jobs, interrupt, stopped);
        if (*stopped)
            return failed;
    }
    s->target_met = met;
    return failed;
}
