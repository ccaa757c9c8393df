/* tb_output.c - running a prepared run and writing its results folder: atomically, partial results marked, nothing half-written. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../models/tb_io.h"
#include "tb_output.h"
#include "tb_results.h"

static void progress(sim_engine *e, void *ctx)
{
    tb_model *m = ctx;
    double now = sim_seconds(e->now, m->tps), end = sim_seconds(m->duration, m->tps);
    fprintf(stderr, "\rtailback: simulated %.6g of %.6g s (%3.0f%%), %llu events\033[K", now, end,
            100 * now / end, (unsigned long long)e->events);
    fflush(stderr);
}

/* Write text into DIR/name; 0, or -1 with the message in err. */
static int put(const char *dir, const char *name, const char *text, char *err, size_t n)
{
    char path[2 * PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!text || tb_write_file(path, text, strlen(text)) != 0) {
        snprintf(err, n, "tailback: %.1200s: cannot write (%s)", path, text ? tb_errno_str() : "out of memory");
        return -1;
    }
    return 0;
}

/* The files written at the end, into the temporary directory `dir`. */
static int write_results(const tb_model *m, const char *dir, const tb_manifest *man, char *err, size_t n)
{
    char *net = tb_results_network_csv(m), *lat = tb_results_latency_csv(m);
    int rc = put(dir, "network.csv", net, err, n) || put(dir, "latency.csv", lat, err, n);
    if (rc == 0) { /* written as it is built: a large network's would not fit in memory twice */
        char path[2 * PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/summary.json", dir);
        FILE *f = fopen(path, "wb");
        int bad = !f || tb_results_write_summary(f, m, man) != 0;
        if (f && fclose(f) != 0)
            bad = 1;
        if (bad) {
            snprintf(err, n, "tailback: %.1200s: cannot write (%s)", path, tb_errno_str());
            rc = -1;
        }
    }
    free(net);
    free(lat);
    return rc ? -1 : 0;
}

/* The streams written while the run goes: the time series, the policies'
 * metrics, the trace.  0, or -1 with the message in err. */
typedef struct streams {
    FILE *ts, *mt;
    tb_stream *tr;
} streams;

static int open_streams(tb_model *m, const char *dir, const char *trace, streams *s, char *err, size_t n)
{
    char path[2 * PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/timeseries.csv", dir);
    if (!(s->ts = fopen(path, "w"))) {
        snprintf(err, n, "tailback: %s: cannot write (%s)", path, tb_errno_str());
        return -1;
    }
    m->ts = s->ts;
    if (m->ndeciders > 0) {
        snprintf(path, sizeof path, "%s/metrics.csv", dir);
        if (!(s->mt = fopen(path, "w"))) {
            snprintf(err, n, "tailback: %s: cannot write (%s)", path, tb_errno_str());
            return -1;
        }
        m->metrics = s->mt;
        fprintf(m->metrics, "time_s,policy,node,name,value\n");
    }
    if (trace) {
        if (!(s->tr = tb_stream_open(trace))) {
            snprintf(err, n, "tailback: %s: cannot write the trace (%s)", trace, tb_errno_str());
            return -1;
        }
        m->trace = s->tr->f;
        fprintf(m->trace, "time_s,event,class,job,node\n");
    }
    return 0;
}

/* Close the time series and metrics: 0, or -1 when a write failed. */
static int close_streams(tb_model *m, streams *s)
{
    int ferr = s->ts && fclose(s->ts) != 0;
    if (s->mt)
        ferr |= fclose(s->mt) != 0;
    s->ts = s->mt = NULL;
    m->ts = m->metrics = NULL;
    return ferr ? -1 : 0;
}

/* What a run's end means for its results: 0 (write them, with the
 * manifest's status in `status`), or -1 (nothing to write; err says why). */
static int judge(const tb_model *m, tb_run_status st, char *status, size_t ns, char *err, size_t n)
{
    double t = sim_seconds(m->eng->now, m->tps);
    switch (st) {
    case TB_RUN_OK:
        snprintf(status, ns, "complete");
        return 0;
    case TB_RUN_INTERRUPTED:
        snprintf(status, ns, "partial: interrupted at simulated time %.9g s", t);
        snprintf(err, n, "tailback: interrupted at simulated time %.6g s; partial results (marked so)", t);
        return 0;
    case TB_RUN_LIMIT:
        snprintf(status, ns, "partial: stopped at the job limit at simulated time %.9g s", t);
        snprintf(err, n, "%s", m->error);
        return 0;
    case TB_RUN_ERROR:
        snprintf(err, n, "%s", m->error);
        return -1;
    case TB_RUN_NOMEM:
        snprintf(err, n, "tailback: out of memory at simulated time %.6g s (%lld jobs in the network); no "
                         "results written", t, m->in_system);
        return -1;
    }
    return -1;
}

int tb_run_write(tb_run *r, const tb_run_output *o, tb_run_status *st, char *err, size_t n)
{
    tb_model *m = r->m;
    tb_outdir od = { 0 };
    streams s = { 0 };
    char status[256], msg[1400] = "";
    int rc = -1;
    *st = TB_RUN_ERROR;
    err[0] = 0;
    if (tb_outdir_open(&od, o->out, msg, sizeof msg) != 0) {
        snprintf(err, n, "tailback: %s", msg);
        return -2;
    }
    if (open_streams(m, od.tmp, o->trace, &s, err, n) != 0)
        goto done;
    if (o->progress) {
        m->eng->progress = progress;
        m->eng->progress_ctx = m;
    }
    *st = tb_model_run(m, o->interrupt);
    if (o->progress && m->eng->events >= 0x100000)
        fprintf(stderr, "\r\033[K");
    if (judge(m, *st, status, sizeof status, err, n) != 0)
        goto done;
    if (close_streams(m, &s) != 0) {
        snprintf(err, n, "tailback: %s: cannot write the time series (%s)", o->out, tb_errno_str());
        goto done;
    }
    /* the manifest names the scenario relative to the results directory
     * (the temporary one is its sibling, so the path is the same) */
    char rel[PATH_MAX];
    tb_manifest man = {
        tb_relpath(o->paths_from_cwd ? "." : od.tmp, r->sc.file, rel, sizeof rel), r->sc.sha256, r->event_queue, o->argv, o->argc,
        (const char *const *)r->sc.sets, r->sc.nsets, status,
    };
    char why[sizeof msg];
    if (write_results(m, od.tmp, &man, why, sizeof why) != 0) {
        snprintf(err, n, "%s", why);
        goto done;
    }
    tb_stream *tr = s.tr;
    s.tr = NULL;
    if (tr && tb_stream_commit(tr) != 0) {
        snprintf(err, n, "tailback: %s: cannot write the trace (%s)", o->trace, tb_errno_str());
        goto done;
    }
    if (tb_outdir_commit(&od, msg, sizeof msg) != 0) {
        snprintf(err, n, "tailback: %s", msg);
        goto done;
    }
    if (*st == TB_RUN_INTERRUPTED) /* the message names where the partial results are */
        snprintf(err + strlen(err), n - strlen(err), " in %s", o->out);
    rc = 0;
done:
    if (rc != 0 && (*st == TB_RUN_OK || *st == TB_RUN_INTERRUPTED || *st == TB_RUN_LIMIT))
        *st = TB_RUN_ERROR; /* the results could not be written */
    close_streams(m, &s);
    tb_stream_abort(s.tr);
    tb_outdir_abort(&od);
    return rc;
}
