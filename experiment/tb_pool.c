/* tb_pool.c - an experiment's runs in child processes: at most j at once, signals passed on, every child reaped, none outliving the sweep. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <string.h>
#include "../models/tb_io.h"
#include "tb_pool.h"
#include "tb_verdict.h"

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
    if (tty && todo > 0) /* at once: the first run may take a while to end */
        fprintf(stderr, "\rtailback sweep: 0/%d runs, %d at once\033[K", todo, jobs < todo ? jobs : todo);
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
            fprintf(stderr, "\rtailback sweep: %d/%d runs, %.1f s elapsed, ~%.1f s left\033[K", done, todo, el,
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

/* ---- the sweep command's flow -------------------------------------------------- */

/* --show-run I: the command that repeats run I alone. */
static int sweep_show(const tb_sweep *s, const char *show)
{
    char *end;
    long i = strtol(show, &end, 10);
    if (*end || !*show || i < 0 || i >= s->nruns) {
        fprintf(stderr, "tailback sweep: --show-run: expected a run index 0..%d, found \"%s\"\n", s->nruns - 1,
                show);
        return 2;
    }
    return tb_sweep_show_run(s, (int)i, stdout) == 0 ? 0 : 1;
}

/* --run-index I or I-J into [*lo, *hi]: 0, or -1 with the message printed. */
static int parse_range(const tb_sweep *s, const char *range, int *lo, int *hi)
{
    char *end;
    long l = strtol(range, &end, 10), h = l; /* checked as longs: no overflow in the casts */
    int digits = end != range;
    if (*end == '-') {
        const char *b = end + 1;
        h = strtol(b, &end, 10);
        digits &= end != b;
    }
    if (*end || !digits || l < 0 || h < l || h >= s->nruns) {
        fprintf(stderr, "tailback sweep: --run-index: expected I or I-J within 0..%d, found \"%s\"\n",
                s->nruns - 1, range);
        return -1;
    }
    *lo = (int)l;
    *hi = (int)h;
    return 0;
}

/* The runs (a slice with --run-index), then, with a precision target, more
 * replications until it is met.  0, 1 when runs failed, or
 * 128 + *interrupt; *merge_next says whether to merge now. */
static int sweep_runs(tb_sweep *s, const tb_sweep_request *o, const char *out, volatile int *interrupt,
                      int *merge_next)
{
    int lo = 0, hi = s->nruns - 1, rc = 0;
    *merge_next = 0;
    if (o->range && parse_range(s, o->range, &lo, &hi) != 0)
        return 2;
    int todo = 0;
    for (int i = lo; i <= hi; i++)
        todo += !tb_sweep_current(s, out, i);
    printf("tailback sweep: %d runs to do of %d, %d at once\n", todo, hi - lo + 1, o->jobs);
    if (o->range) { /* a cluster task's log says where it ran; the results never do */
        char host[256] = "?";
        gethostname(host, sizeof host - 1);
        const char *job = getenv("SLURM_ARRAY_JOB_ID"), *task = getenv("SLURM_ARRAY_TASK_ID");
        fprintf(stderr, "tailback sweep: runs %d-%d on host %s%s%s%s%s\n", lo, hi, host, job ? ", Slurm job " : "",
                job ? job : "", task ? ", array task " : "", task ? task : "");
    }
    fflush(stdout);
    int stopped, failed = tb_pool_execute(s, out, lo, hi, o->jobs, interrupt, &stopped);
    if (stopped) {
        fprintf(stderr, "tailback sweep: interrupted; finished runs are kept in %s/runs, run the "
                        "same command again to finish\n", out);
        return 128 + *interrupt;
    }
    if (failed) {
        fprintf(stderr, "tailback sweep: %d run(s) failed; the others are kept in %s/runs\n", failed, out);
        rc = 1;
    }
    if (o->range) /* one slice of a plan: merging is a separate step */
        return rc;
    if (failed && s->precision > 0)
        s->target_met = 1; /* not judged: the merge reports the failed runs */
    else if (s->precision > 0) { /* sequential stopping: more replications until precise enough */
        tb_pool_until_precise(s, out, o->jobs, interrupt, &stopped);
        if (stopped) {
            fprintf(stderr, "tailback sweep: interrupted; finished runs are kept in %s/runs\n", out);
            return 128 + *interrupt;
        }
    }
    if (s->precision > 0 && !s->target_met)
        fprintf(stderr, "tailback sweep: after %d replications (the maximum) some metrics are still "
                        "less precise than %.3g relative half-width; see summary.csv\n",
                s->reps, s->precision);
    *merge_next = 1;
    return rc;
}

/* The experiment, checked; then --show-run, --plan, the runs, the merge. */
int tb_pool_sweep(tb_sweep *s, const tb_sweep_request *o, volatile int *interrupt)
{
    char cerr[1400], dir[4096 + 8], err[640];
    const char *out = o->out;
    if (o->plan && o->merge) {
        fprintf(stderr, "tailback sweep: --plan and --merge exclude each other (plan first, run, then merge)\n");
        return 2;
    }
    if (tb_sweep_check(s, cerr, sizeof cerr) != 0) { /* every mistake the experiment holds, before any run */
        fprintf(stderr, "%s\n", cerr);
        return 2;
    }
    if (o->show) /* no output directory needed: print the command and stop */
        return sweep_show(s, o->show);
    snprintf(dir, sizeof dir, "%s/runs", out);
    if (tb_mkdirs(dir, NULL) != 0) {
        fprintf(stderr, "tailback sweep: %s: cannot create (%s)\n", dir, tb_errno_str());
        return 1;
    }
    if (tb_sweep_claim(s, out, o->force, err, sizeof err) != 0) {
        fprintf(stderr, "tailback sweep: %s\n", err);
        return 2;
    }
    if (o->plan) {
        if (tb_sweep_plan(s, out, err, sizeof err) != 0) {
            fprintf(stderr, "tailback sweep: %s\n", err);
            return 1;
        }
        printf("%s/plan.csv: %d runs (%d configurations x %d replications)\n", out, s->nruns, s->nconfigs,
               s->reps);
        return 0;
    }
    int rc = 0, merge_next = 1;
    if (!o->merge)
        rc = sweep_runs(s, o, out, interrupt, &merge_next);
    else if (s->precision > 0)
        tb_sweep_settle(s, out);
    if (!merge_next)
        return rc;
    if (tb_sweep_merge(s, out, err, sizeof err, stderr) != 0) {
        fprintf(stderr, "tailback sweep: %s\n", err);
        return 1;
    }
    /* again at the end: a run of a sweep killed just before this one began
     * may have been still dying (its temporaries then had a live owner) */
    tb_remove_stale(out);
    snprintf(dir, sizeof dir, "%s/runs", out);
    tb_remove_stale(dir);
    printf("%s: %d runs; runs.csv, summary.csv%s, manifest.json\n", out, s->nruns,
           s->npol > 1 ? ", comparisons.csv" : "");
    if (rc == 0) { /* the verdict the report opens with, from the files just written */
        fputc('\n', stdout);
        tb_verdict_text(stdout, out);
    }
    return rc;
}
