/* tb_results.c - turning a finished model's statistics into summary.json and a terminal table. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../sim/sim_stats.h"
#include "../sim/sim_time.h"
#include "../sim/sim_lua.h"
#include "../models/tb_policy.h"
#include "tb_results.h"
#include "tb_version.h"
#include "tb_build.h"
#include <sys/utsname.h>
#include <gsl/gsl_version.h>

/* A number, or null where there is nothing to measure (`ok` false): a
 * statistic of no observations is never written as 0. */
static void num_or_null(cJSON *o, const char *key, int ok, double v)
{
    if (ok && isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static const struct {
    const char *key;
    double q;
} quantiles[] = { { "p50", 0.5 }, { "p90", 0.9 }, { "p99", 0.99 }, { "p999", 0.999 } };
#define NQUANTILES (sizeof quantiles / sizeof *quantiles)

/* count, mean, sd, p50..p999, max of a tally; every statistic but the count
 * is null when there are no observations (sd when fewer than two). */
static cJSON *latency_json(const tb_latency *l, double tps, const char *population)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    int n = l->w.n > 0;
    cJSON_AddStringToObject(o, "population", population);
    cJSON_AddNumberToObject(o, "count", (double)l->w.n);
    num_or_null(o, "mean", n, l->w.mean / tps);
    num_or_null(o, "sd", l->w.n > 1, sim_welford_sd(&l->w) / tps);
    for (size_t i = 0; i < NQUANTILES; i++)
        num_or_null(o, quantiles[i].key, n, sim_hist_quantile(&l->h, quantiles[i].q) / tps);
    num_or_null(o, "max", n, (double)l->h.max / tps);
    return o;
}

void tb_results_add_cquantile(cJSON *o, const char *key, sim_cquantile q, double scale)
{
    if (q.empty) {
        cJSON_AddNullToObject(o, key);
    } else if (q.censored) {
        cJSON *c = cJSON_AddObjectToObject(o, key);
        cJSON_AddBoolToObject(c, "censored", 1);
        cJSON_AddNumberToObject(c, "at_least", q.value * scale);
    } else {
        cJSON_AddNumberToObject(o, key, q.value * scale);
    }
}

/* Latency over all requests: those that succeeded exactly, the others
 * censored (see sim_hist_cquantile). */
static cJSON *all_requests_json(const sim_hist *ok, const sim_hist *cens, double tps)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "population", "all requests; those that did not succeed are censored");
    cJSON_AddNumberToObject(o, "count", (double)(ok->n + cens->n));
    cJSON_AddNumberToObject(o, "censored", (double)cens->n);
    for (size_t i = 0; i < NQUANTILES; i++)
        tb_results_add_cquantile(o, quantiles[i].key, sim_hist_cquantile(ok, cens, quantiles[i].q), 1 / tps);
    return o;
}

static int by_fee(const void *a, const void *b)
{
    const struct tb_fee_lat *x = a, *y = b;
    if (x->fee != y->fee)
        return x->fee < y->fee ? -1 : 1;
    return (x->lat > y->lat) - (x->lat < y->lat); /* equal pairs are identical: the order is total */
}

/* Whether fees can differ between jobs: decided by the class, not by the
 * run, so that summary.json's shape never depends on what happened. */
static int fees_vary(const tb_class *c)
{
    return c->priority && c->priority->kind != SIM_DIST_CONSTANT;
}

/* Confirmation latency by fee decile: d1 the lowest tenth of the confirmed
 * jobs' fees, d10 the highest; each with its fee range and mean, p50, p99
 * latency (exact order statistics of the decile's latencies). */
static cJSON *by_fee_json(const tb_class *c, double tps)
{
    size_t n = c->nfee_lat;
    struct tb_fee_lat *v = malloc((n ? n : 1) * sizeof *v);
    sim_time *lat = malloc((n ? n : 1) * sizeof *lat);
    cJSON *o = cJSON_CreateObject();
    if (!v || !lat || !o) {
        free(v);
        free(lat);
        return o;
    }
    if (n) { /* (no confirmation recorded: every decile empty) */
        memcpy(v, c->fee_lat, n * sizeof *v);
        qsort(v, n, sizeof *v, by_fee);
    }
    for (size_t d = 0; d < 10; d++) {
        size_t lo = d * n / 10, hi = (d + 1) * n / 10, k = hi - lo;
        double sum = 0;
        for (size_t i = 0; i < k; i++) {
            lat[i] = v[lo + i].lat;
            sum += (double)lat[i];
        }
        /* two exact order statistics by selection, not a sort: the p99's
         * first, then the median among the values at or below it */
        size_t i99 = k ? (size_t)(0.99 * (double)(k - 1)) : 0, i50 = k ? (k - 1) / 2 : 0;
        sim_time p99 = k ? sim_select_time(lat, k, i99) : 0, p50 = k ? sim_select_time(lat, i99 + 1, i50) : 0;
        char key[8];
        snprintf(key, sizeof key, "d%zu", d + 1);
        cJSON *e = cJSON_AddObjectToObject(o, key);
        num_or_null(e, "fee_min", k > 0, k ? v[lo].fee : 0);
        num_or_null(e, "fee_max", k > 0, k ? v[hi - 1].fee : 0);
        cJSON_AddNumberToObject(e, "count", (double)k);
        num_or_null(e, "mean", k > 0, k ? sum / (double)k / tps : 0);
        num_or_null(e, "p50", k > 0, (double)p50 / tps);
        num_or_null(e, "p99", k > 0, (double)p99 / tps);
    }
    free(v);
    free(lat);
    return o;
}

static cJSON *strings(const char *const *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

cJSON *tb_results_build_json(void)
{
    cJSON *b = cJSON_CreateObject();
    struct utsname u;
    char platform[200] = "unknown";
    if (uname(&u) == 0)
        snprintf(platform, sizeof platform, "%s %s", u.sysname, u.machine);
    cJSON_AddStringToObject(b, "commit", TB_GIT_COMMIT);
    cJSON_AddBoolToObject(b, "dirty", TB_GIT_DIRTY);
    cJSON_AddStringToObject(b, "platform", platform);
#ifdef __VERSION__
    cJSON_AddStringToObject(b, "compiler", __VERSION__);
#endif
    cJSON_AddStringToObject(b, "gsl", gsl_version);
    cJSON_AddStringToObject(b, "lua", sim_lua_release());
    cJSON_AddStringToObject(b, "cjson", cJSON_Version());
    return b;
}

static void manifest_json(cJSON *root, const tb_model *m, const tb_manifest *man)
{
    cJSON *mf = cJSON_AddObjectToObject(root, "manifest");
    cJSON_AddStringToObject(mf, "tool", "tailback");
    cJSON_AddStringToObject(mf, "version", TB_VERSION);
    cJSON_AddStringToObject(mf, "scenario", man->scenario);
    cJSON_AddStringToObject(mf, "scenario_sha256", man->sha256);
    cJSON_AddNumberToObject(mf, "seed", (double)m->seed);
    cJSON_AddNumberToObject(mf, "replication", (double)m->replication);
    cJSON_AddStringToObject(mf, "generator", "xoshiro256** streams keyed by (seed, replication, name)");
    cJSON_AddStringToObject(mf, "event_queue", man->event_queue);
    cJSON_AddItemToObject(mf, "overrides", strings(man->sets, man->nsets));
    cJSON *pols = cJSON_AddArrayToObject(mf, "policies");
    for (int i = 0; i < m->ndeciders; i++) {
        const tb_decider *d = m->deciders[i];
        const tb_policy *p = tb_policy_of(d); /* a Lua policy: its script, hash, modules, params */
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(pols, o);
        cJSON_AddStringToObject(o, "name", d->name);
        cJSON_AddStringToObject(o, "script", d->shown);
        if (p)
            cJSON_AddStringToObject(o, "script_sha256", p->sha256);
        if (p && sim_lua_modules(p->lua) > 0) { /* require()d helpers: name -> SHA-256 */
            cJSON *mods = cJSON_AddObjectToObject(o, "modules_sha256");
            for (int k = 0; k < sim_lua_modules(p->lua); k++) {
                const char *sha, *name = sim_lua_module(p->lua, k, &sha);
                cJSON_AddStringToObject(mods, name, sha);
            }
        }
        cJSON_AddItemToObject(o, "params", p && p->params ? cJSON_Duplicate(p->params, 1) : cJSON_CreateObject());
        cJSON *at = cJSON_AddArrayToObject(o, "nodes");
        for (int k = 0; k < m->nnodes; k++)
            if (m->nodes[k].decider == d)
                cJSON_AddItemToArray(at, cJSON_CreateString(m->nodes[k].name));
    }
    cJSON_AddItemToObject(mf, "command", strings(man->argv, man->argc));
    cJSON_AddStringToObject(mf, "status", man->status);
    cJSON_AddItemToObject(mf, "build", tb_results_build_json());
}

static void run_json(cJSON *root, const tb_model *m)
{
    double tps = m->tps;
    cJSON *run = cJSON_AddObjectToObject(root, "run");
    cJSON_AddNumberToObject(run, "duration", sim_seconds(m->duration, tps));
    cJSON_AddNumberToObject(run, "warmup", sim_seconds(m->warmup, tps));
    cJSON_AddNumberToObject(run, "end_time", sim_seconds(m->eng->now, tps));
    cJSON_AddNumberToObject(run, "measured", tb_model_measured_seconds(m));
    cJSON_AddNumberToObject(run, "events", (double)m->eng->events);
    cJSON_AddNumberToObject(run, "in_system_at_end", (double)m->in_system);
    /* MSER-5 over the mean number of jobs in the network in TB_MSER_POINTS
     * spans from time 0: the warm-up it would delete, beside the one used */
    size_t batches = m->nmser / 5;
    cJSON_AddNumberToObject(run, "mser5_batches", (double)batches);
    num_or_null(run, "mser5_warmup", batches >= TB_MSER_MIN_BATCHES,
                (double)sim_mser5(m->mser, m->nmser) * sim_seconds(m->mser_dt, tps));
}

static void network_json(cJSON *root, const tb_model *m)
{
    double tps = m->tps, blast, spread, rec, horizon;
    cJSON *net = cJSON_AddObjectToObject(root, "network");
    int surges = tb_model_recovery(m, &blast, &spread, &rec, &horizon);
    cJSON_AddNumberToObject(net, "hot_factor", m->hot_factor);
    cJSON_AddNumberToObject(net, "blast_radius", blast);
    cJSON_AddNumberToObject(net, "mean_spread", spread);
    if (surges) {
        cJSON_AddNumberToObject(net, "surge_start", sim_seconds(m->surge_start, tps));
        cJSON_AddNumberToObject(net, "surge_end", sim_seconds(m->surge_end, tps));
        cJSON_AddBoolToObject(net, "recovered", rec >= 0);
        num_or_null(net, "recovery_time", rec >= 0, rec);
        /* "not recovered" means: not within this many seconds after the surge */
        num_or_null(net, "not_recovered_within", rec < 0, horizon);
    }
}

/* Jobs can renege (a class has a patience) or balk (a node has "balk"). */
static int impatient(const tb_model *m)
{
    for (int i = 0; i < m->nclasses; i++)
        if (m->classes[i].patience)
            return 1;
    return 0;
}

static int balking(const tb_model *m)
{
    for (int k = 0; k < m->nnodes; k++)
        if (m->nodes[k].balk)
            return 1;
    return 0;
}

static const char *const outcome_names[TB_NOUT] = { "succeeded", "late", "failed", "rejected", "dropped",
                                                    "abandoned" };
static const char *const attempt_names[TB_NATT] = { "completed", "orphaned", "rejected", "dropped", "abandoned" };

/* Requests by outcome, as counts and as shares of the arrivals. */
static void outcomes_json(cJSON *o, const tb_class *c)
{
    double n = (double)c->arrivals;
    cJSON *out = cJSON_AddObjectToObject(o, "outcomes"), *sh = cJSON_AddObjectToObject(o, "shares");
    for (int k = 0; k < TB_NOUT; k++) {
        cJSON_AddNumberToObject(out, outcome_names[k], (double)c->out[k]);
        num_or_null(sh, outcome_names[k], n > 0, (double)c->out[k] / n);
    }
    cJSON_AddNumberToObject(out, "in_flight", (double)c->in_flight);
    num_or_null(sh, "in_flight", n > 0, (double)c->in_flight / n);
    num_or_null(sh, "success", n > 0, (double)c->completions / n);
    num_or_null(sh, "lost", n > 0, 1 - (double)c->completions / n);
}

/* Surge isolation over all requests created before the surge span (after
 * the warm-up) and during it: how many, the share and rate that succeeded
 * within the SLO, and the all-requests p99 of each; isolation is the ratio
 * of the p99s, so rejecting or failing requests of a class counts against
 * it. */
static void surge_json(cJSON *o, const tb_model *m, const tb_class *c)
{
    double tps = m->tps;
    cJSON *sg = cJSON_AddObjectToObject(o, "surge");
    sim_time t0 = m->measure_start > m->surge_start ? m->surge_start : m->measure_start;
    double len[2] = { sim_seconds(m->surge_start - t0, tps), sim_seconds(m->surge_end - m->surge_start, tps) };
    static const char *const when[2] = { "before", "during" };
    sim_cquantile p99[2];
    double rate[2];
    for (int g = 0; g < 2; g++) {
        char key[40];
        double n = (double)c->sg_n[g];
        snprintf(key, sizeof key, "requests_%s", when[g]);
        cJSON_AddNumberToObject(sg, key, n);
        snprintf(key, sizeof key, "success_share_%s", when[g]);
        num_or_null(sg, key, n > 0, (double)(c->sg_ok[g].w.n) / n);
        rate[g] = len[g] > 0 ? (double)c->sg_good[g] / len[g] : NAN;
        snprintf(key, sizeof key, "goodput_rate_%s", when[g]);
        num_or_null(sg, key, len[g] > 0, rate[g]);
        p99[g] = sim_hist_cquantile(&c->sg_ok[g].h, &c->sg_cens[g], 0.99);
        snprintf(key, sizeof key, "p99_%s", when[g]);
        tb_results_add_cquantile(sg, key, p99[g], 1 / tps);
    }
    num_or_null(sg, "goodput_ratio", rate[0] > 0, rate[1] / rate[0]);
    if (p99[0].empty || p99[0].censored || p99[1].empty || !(p99[0].value > 0)) {
        cJSON_AddNullToObject(sg, "isolation"); /* no baseline to compare with */
    } else {
        sim_cquantile r = { p99[1].value / p99[0].value, p99[1].censored, 0 };
        tb_results_add_cquantile(sg, "isolation", r, 1);
    }
}

static void class_json(cJSON *classes, const tb_model *m, const tb_class *c)
{
    double tps = m->tps, T = tb_model_measured_seconds(m);
    cJSON *o = cJSON_AddObjectToObject(classes, c->name);
    if (c->arr.kind == TB_ARR_CLOSED) { /* what the class is: the rest is what the network made of it */
        cJSON_AddNumberToObject(o, "population", (double)c->arr.population);
        cJSON_AddNumberToObject(o, "think_mean", c->arr.interarrival->mean);
    }
    cJSON_AddNumberToObject(o, "arrivals", (double)c->arrivals);
    num_or_null(o, "offered_rate", T > 0, (double)c->arrivals / T);
    outcomes_json(o, c);
    cJSON_AddNumberToObject(o, "completions", (double)c->completions);
    /* successes per second while measuring, whenever they arrived */
    num_or_null(o, "throughput", T > 0, (double)c->departed / T);
    if (c->slo != SIM_TIME_MAX) {
        cJSON_AddNumberToObject(o, "slo", sim_seconds(c->slo, tps));
        cJSON_AddNumberToObject(o, "goodput", (double)c->out[TB_OUT_SUCCEEDED]);
        num_or_null(o, "goodput_rate", T > 0, (double)c->out[TB_OUT_SUCCEEDED] / T);
    }
    if (c->client) {
        cJSON_AddNumberToObject(o, "attempts", (double)c->attempts);
        cJSON *ao = cJSON_AddObjectToObject(o, "attempt_outcomes");
        for (int k = 0; k < TB_NATT; k++)
            cJSON_AddNumberToObject(ao, attempt_names[k], (double)c->att_out[k]);
        cJSON_AddNumberToObject(ao, "in_flight", (double)c->att_in_flight);
        cJSON_AddNumberToObject(o, "timeouts", (double)c->timeouts);
        cJSON_AddNumberToObject(o, "retries", (double)c->retries);
        if (c->client->throttle_k > 0)
            cJSON_AddNumberToObject(o, "throttled", (double)c->client->throttled);
        cJSON_AddNumberToObject(o, "wasted_work", c->wasted / tps);
    }
    cJSON_AddItemToObject(o, "latency", all_requests_json(&c->sojourn.h, &c->cens, tps));
    cJSON_AddItemToObject(o, "sojourn", latency_json(&c->sojourn, tps, "succeeded requests"));
    cJSON_AddItemToObject(o, "wait", latency_json(&c->wait, tps, "succeeded requests"));
    /* slowdown: time in the network / service needed, of the jobs that completed for a waiting client */
    cJSON *sd = cJSON_AddObjectToObject(o, "slowdown");
    int nsd = c->slowdown_h.n > 0;
    cJSON_AddStringToObject(sd, "population", "completed jobs");
    cJSON_AddNumberToObject(sd, "count", (double)c->slowdown_h.n);
    num_or_null(sd, "mean", nsd, c->slowdown_sum / (double)c->slowdown_h.n);
    num_or_null(sd, "p50", nsd, sim_hist_quantile(&c->slowdown_h, 0.5) / TB_SLOWDOWN_SCALE);
    num_or_null(sd, "p99", nsd, sim_hist_quantile(&c->slowdown_h, 0.99) / TB_SLOWDOWN_SCALE);
    if (c->confirmations > 0)
        cJSON_AddItemToObject(o, "confirmation", latency_json(&c->confirm, tps, "confirmed jobs"));
    if (c->confirmations > 0 && fees_vary(c))
        cJSON_AddItemToObject(o, "confirmation_by_fee", by_fee_json(c, tps));
    if (m->has_surge)
        surge_json(o, m, c);
}

static void node_json(cJSON *nodes, const tb_model *m, const tb_node *nd)
{
    static const char *const kinds[] = { "queue", "delay", "sink", "router", "batch" };
    double tps = m->tps, T = tb_model_measured_seconds(m);
    sim_time now = m->eng->now;
    cJSON *o = cJSON_AddObjectToObject(nodes, nd->name);
    double busy = sim_tavg_mean(&nd->b, now), q = sim_tavg_mean(&nd->q, now);
    cJSON_AddStringToObject(o, "kind", kinds[nd->kind]);
    if (nd->kind == TB_NODE_QUEUE)
        cJSON_AddNumberToObject(o, "workers", nd->workers);
    cJSON_AddNumberToObject(o, "arrivals", (double)nd->arrivals);
    cJSON_AddNumberToObject(o, "completions", (double)nd->completions);
    cJSON_AddNumberToObject(o, "drops", (double)nd->drops);
    cJSON_AddNumberToObject(o, "rejections", (double)nd->rejects);
    if (nd->kind != TB_NODE_SINK) /* a "balk" list or a policy's admit() may balk a job */
        cJSON_AddNumberToObject(o, "balked", (double)nd->balked);
    if (impatient(m))
        cJSON_AddNumberToObject(o, "reneged", (double)nd->reneged);
    if (nd->fail.up || nd->fail.at) { /* failures: how often, how long down, what was lost */
        sim_time down = nd->fail.time;
        if (nd->fail.down > 0)
            down += now - (nd->fail.since > m->measure_start ? nd->fail.since : m->measure_start);
        cJSON_AddNumberToObject(o, "failures", (double)nd->fail.count);
        cJSON_AddNumberToObject(o, "down_seconds", sim_seconds(down, m->tps));
        num_or_null(o, "availability", T > 0, 1 - sim_seconds(down, m->tps) / T);
        cJSON_AddNumberToObject(o, "lost_in_failures", (double)nd->lost_fail);
    }
    if (nd->fork) { /* fan-out: copies sent, cancelled, wasted; fork-to-join against fork-to-task */
        const tb_fork *f = nd->fork;
        cJSON *fo = cJSON_AddObjectToObject(o, "fork");
        cJSON_AddNumberToObject(fo, "forks", (double)f->forks);
        cJSON_AddNumberToObject(fo, "tasks_sent", (double)f->sent);
        cJSON_AddNumberToObject(fo, "tasks_cancelled", (double)f->cancelled);
        cJSON_AddNumberToObject(fo, "joined", (double)f->joined);
        cJSON_AddNumberToObject(fo, "failed", (double)f->failed);
        num_or_null(fo, "extra_load", f->forks > 0, (double)f->sent / (double)f->forks);
        cJSON_AddNumberToObject(fo, "wasted_work", f->wasted / tps);
        cJSON_AddItemToObject(fo, "join", latency_json(&f->join, tps, "joined jobs, fork to join"));
        cJSON_AddItemToObject(fo, "task", latency_json(&f->task, tps, "completed tasks, fork to completion"));
        double pj = f->join.w.n ? sim_hist_quantile(&f->join.h, 0.99) : 0,
               pt = f->task.w.n ? sim_hist_quantile(&f->task.h, 0.99) : 0;
        num_or_null(fo, "tail_amplification", pj > 0 && pt > 0, pj / pt);
    }
    num_or_null(o, "drop_fraction", nd->arrivals > 0, (double)nd->drops / (double)nd->arrivals);
    num_or_null(o, "throughput", T > 0, (double)nd->completions / T);
    if (nd->kind == TB_NODE_SINK || nd->kind == TB_NODE_ROUTER)
        return;
    cJSON_AddNumberToObject(o, "mean_busy", busy);
    if (nd->kind == TB_NODE_QUEUE) {
        double wk = sim_tavg_mean(&nd->wk, now);
        cJSON_AddNumberToObject(o, "mean_workers", wk);
        cJSON_AddNumberToObject(o, "worker_seconds", wk * T);
    }
    if (nd->kind == TB_NODE_BATCH)
        cJSON_AddNumberToObject(o, "batches", (double)nd->batch_no);
    if (nd->gated) /* waiting with free workers, held back by backpressure */
        cJSON_AddNumberToObject(o, "blocked_time", sim_tavg_mean(&nd->blk, now) * T);
    if (nd->kind == TB_NODE_QUEUE) { /* busy over paid workers */
        double paid = sim_tavg_mean(&nd->wk, now);
        num_or_null(o, "utilisation", paid > 0, busy / paid);
    }
    cJSON_AddNumberToObject(o, "mean_queue_length", q);
    cJSON_AddNumberToObject(o, "mean_in_node", q + busy);
    num_or_null(o, "wait_probability", nd->wait.w.n > 0, (double)nd->waited_jobs / (double)nd->wait.w.n);
    cJSON_AddItemToObject(o, "wait", latency_json(&nd->wait, tps, "jobs that started service here"));
    cJSON_AddItemToObject(o, "sojourn", latency_json(&nd->sojourn, tps, "jobs served here"));
    if (nd->unloaded > 0) {
        num_or_null(o, "hot_baseline", nd->baseline > 0, nd->baseline / tps);
        cJSON_AddNumberToObject(o, "hot_threshold", tb_node_hot_threshold(m, nd) / tps);
    }
}

static void link_json(cJSON *links, const tb_model *m, const tb_link *ln)
{
    double tps = m->tps, T = tb_model_measured_seconds(m);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(links, o);
    cJSON_AddStringToObject(o, "from", m->nodes[ln->from].name);
    cJSON_AddStringToObject(o, "to", m->nodes[ln->to].name);
    cJSON_AddNumberToObject(o, "carried", (double)ln->carried);
    if (ln->fail.up || ln->fail.at) {
        sim_time down = ln->fail.time;
        if (ln->fail.down > 0)
            down += m->eng->now - (ln->fail.since > m->measure_start ? ln->fail.since : m->measure_start);
        cJSON_AddNumberToObject(o, "failures", (double)ln->fail.count);
        cJSON_AddNumberToObject(o, "down_seconds", sim_seconds(down, m->tps));
        cJSON_AddNumberToObject(o, "lost", (double)ln->lost);
    }
    num_or_null(o, "utilisation", T > 0, sim_seconds(ln->busy, tps) / T);
    if (ln->window > 0 || ln->xoff > 0)
        cJSON_AddNumberToObject(o, "stalled_time", sim_tavg_mean(&ln->stalled, m->eng->now) * T);
    cJSON_AddItemToObject(o, "transit", latency_json(&ln->transit, tps, "jobs carried"));
}

/* The summary up to its "nodes": the manifest, the run, the network, the classes. */
static cJSON *summary_head(const tb_model *m, const tb_manifest *man)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    manifest_json(root, m, man);
    run_json(root, m);
    network_json(root, m);
    cJSON *classes = cJSON_AddObjectToObject(root, "classes");
    for (int i = 0; i < m->nclasses; i++)
        class_json(classes, m, &m->classes[i]);
    return root;
}

cJSON *tb_results_summary(const tb_model *m, const tb_manifest *man)
{
    cJSON *root = summary_head(m, man);
    if (!root)
        return NULL;
    cJSON *nodes = cJSON_AddObjectToObject(root, "nodes");
    for (int k = 0; k < m->nnodes; k++)
        node_json(nodes, m, &m->nodes[k]);
    cJSON *links = cJSON_AddArrayToObject(root, "links");
    for (int l = 0; l < m->nlinks; l++)
        link_json(links, m, &m->links[l]);
    return root;
}

int tb_results_write_summary(FILE *f, const tb_model *m, const tb_manifest *man)
{
    cJSON *root = summary_head(m, man);
    if (!root)
        return -1;
    /* the head: everything before "nodes", without its closing brace */
    char *head = cJSON_Print(root);
    cJSON_Delete(root);
    if (!head)
        return -1;
    size_t hl = strlen(head);
    assert(hl >= 2 && head[hl - 1] == '}' && head[hl - 2] == '\n');
    fwrite(head, 1, hl - 2, f);
    free(head);
    fputs(",\n\t\"nodes\":\t{\n", f); /* at least one node: the loader requires it */
    for (int k = 0; k < m->nnodes; k++) {
        cJSON *one = cJSON_CreateObject();
        if (!one)
            return -1;
        node_json(one, m, &m->nodes[k]);
        fprintf(f, "\t\t\"%s\":\t", m->nodes[k].name); /* names are plain: nothing to escape */
        int rc = sim_jprint(f, one->child, 2);
        cJSON_Delete(one);
        if (rc)
            return -1;
        fputs(k + 1 < m->nnodes ? ",\n" : "\n", f);
    }
    fputs("\t},\n\t\"links\":\t[", f);
    for (int l = 0; l < m->nlinks; l++) {
        cJSON *one = cJSON_CreateArray();
        if (!one)
            return -1;
        link_json(one, m, &m->links[l]);
        fputs(l ? ", " : "", f);
        int rc = sim_jprint(f, one->child, 2);
        cJSON_Delete(one);
        if (rc)
            return -1;
    }
    fputs("]\n}\n", f);
    return ferror(f) ? -1 : 0;
}

static void network_rows(FILE *f, const tb_model *m)
{
    fprintf(f, "time_s,spread,goodput_rate\n");
    for (size_t i = 0; i < m->nwin; i++)
        fprintf(f, "%.9g,%.9g,%.9g\n", sim_seconds(m->win_t[i], m->tps), m->win_spread[i],
                m->win_goodput[i]);
}

static void latency_rows(FILE *f, const tb_model *m)
{
    fprintf(f, "class,quantile,seconds\n");
    for (int i = 0; i < m->nclasses; i++) {
        const sim_hist *h = &m->classes[i].sojourn.h;
        if (h->n == 0)
            continue;
        double q[205], v[205]; /* 0.005 .. 0.995, then the tail: one walk over the buckets */
        static const double tail[] = { 0.996, 0.997, 0.998, 0.999, 0.9995, 0.9999 };
        size_t nq = 0;
        for (int k = 1; k <= 199; k++)
            q[nq++] = k / 200.0;
        for (size_t k = 0; k < sizeof tail / sizeof *tail; k++)
            q[nq++] = tail[k];
        sim_hist_quantiles(h, q, nq, v);
        for (size_t k = 0; k < nq; k++)
            fprintf(f, "%s,%.6g,%.9g\n", m->classes[i].name, q[k], v[k] / m->tps);
    }
}

/* What `rows` writes, as one malloc'd string (NULL out of memory). */
static char *to_string(const tb_model *m, void (*rows)(FILE *, const tb_model *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    rows(f, m);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

char *tb_results_network_csv(const tb_model *m) { return to_string(m, network_rows); }

char *tb_results_latency_csv(const tb_model *m) { return to_string(m, latency_rows); }

int tb_results_quantile_source(const tb_model *m, const char *path, const sim_hist **ok, const sim_hist **cens,
                               double *q)
{
    char seg[4][128];
    int n = 0;
    for (const char *p = path; n < 4 && *p;) {
        size_t k = strcspn(p, ".");
        if (k >= sizeof seg[0])
            return 0;
        memcpy(seg[n], p, k);
        seg[n++][k] = 0;
        p += k + (p[k] == '.');
        if (n == 4 && *p)
            return 0; /* deeper than any quantile */
    }
    if (n != 4)
        return 0;
    *cens = NULL;
    *q = -1;
    for (size_t i = 0; i < NQUANTILES; i++)
        if (strcmp(seg[3], quantiles[i].key) == 0)
            *q = quantiles[i].q;
    if (strcmp(seg[0], "classes") == 0) {
        int ci = tb_class_index(m, seg[1]);
        if (ci < 0)
            return 0;
        const tb_class *c = &m->classes[ci];
        if (strcmp(seg[2], "surge") == 0 && m->has_surge &&
            (strcmp(seg[3], "p99_before") == 0 || strcmp(seg[3], "p99_during") == 0)) {
            int g = strcmp(seg[3], "p99_during") == 0;
            *ok = &c->sg_ok[g].h;
            *cens = &c->sg_cens[g];
            *q = 0.99;
            return 1;
        }
        if (*q < 0)
            return 0;
        if (strcmp(seg[2], "latency") == 0) {
            *ok = &c->sojourn.h;
            *cens = &c->cens;
        } else if (strcmp(seg[2], "sojourn") == 0) {
            *ok = &c->sojourn.h;
        } else if (strcmp(seg[2], "wait") == 0) {
            *ok = &c->wait.h;
        } else if (strcmp(seg[2], "confirmation") == 0 && c->confirmations > 0) {
            *ok = &c->confirm.h;
        } else {
            return 0;
        }
        return 1;
    }
    if (strcmp(seg[0], "nodes") == 0 && *q >= 0) {
        int k = tb_node_index(m, seg[1]);
        if (k < 0 || m->nodes[k].kind == TB_NODE_SINK || m->nodes[k].kind == TB_NODE_ROUTER)
            return 0;
        if (strcmp(seg[2], "wait") == 0)
            *ok = &m->nodes[k].wait.h;
        else if (strcmp(seg[2], "sojourn") == 0)
            *ok = &m->nodes[k].sojourn.h;
        else
            return 0;
        return 1;
    }
    return 0;
}

/* A share of the arrivals as a table cell: never rounds a non-zero share
 * to 0% or a shortfall to 100%. */
static const char *share(char *buf, size_t n, uint64_t k, uint64_t of)
{
    double p = 100.0 * (double)k / (double)of;
    if (of == 0)
        snprintf(buf, n, "-");
    else if (k == 0)
        snprintf(buf, n, "0%%");
    else if (k == of)
        snprintf(buf, n, "100%%");
    else if (p < 0.1)
        snprintf(buf, n, "<0.1%%");
    else if (p > 99.9)
        snprintf(buf, n, ">99.9%%");
    else
        snprintf(buf, n, "%.1f%%", p);
    return buf;
}

/* A latency cell in seconds: "-" with no observations, ">=X s (censored)"
 * when the quantile falls among requests that did not succeed. */
static const char *seconds_cell(char *buf, size_t n, sim_cquantile q, double tps)
{
    if (q.empty)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%s%.4gs%s", q.censored ? ">=" : "", q.value / tps, q.censored ? " (censored)" : "");
    return buf;
}

void tb_results_table(FILE *out, const tb_model *m)
{
    double T = tb_model_measured_seconds(m), tps = m->tps;
    char b[10][32];
    int imp = impatient(m) || balking(m); /* the abandoned column, where jobs can abandon */
    fprintf(out, "%-14s %10s %7s %7s %8s %7s ", "class", "offered/s", "ok", "failed", "rejected", "dropped");
    if (imp)
        fprintf(out, "%9s ", "abandoned");
    fprintf(out, "%9s | %-22s %-22s | %s\n", "in flight", "p50, all requests", "p99, all requests", "p99 of ok");
    for (int i = 0; i < m->nclasses; i++) {
        const tb_class *c = &m->classes[i];
        uint64_t n = c->arrivals;
        sim_cquantile empty = { 0, 0, 1 };
        sim_cquantile ok99 = c->sojourn.h.n ? (sim_cquantile){ sim_hist_quantile(&c->sojourn.h, 0.99), 0, 0 } : empty;
        if (T > 0)
            snprintf(b[0], sizeof b[0], "%.4g", (double)n / T);
        else
            snprintf(b[0], sizeof b[0], "-");
        fprintf(out, "%-14s %10s %7s %7s %8s %7s ", c->name, b[0], share(b[1], sizeof b[1], c->completions, n),
                share(b[2], sizeof b[2], c->out[TB_OUT_FAILED], n), share(b[3], sizeof b[3], c->out[TB_OUT_REJECTED], n),
                share(b[4], sizeof b[4], c->out[TB_OUT_DROPPED], n));
        if (imp)
            fprintf(out, "%9s ", share(b[9], sizeof b[9], c->out[TB_OUT_ABANDONED], n));
        fprintf(out, "%9s | %-22s %-22s | %s\n", share(b[5], sizeof b[5], c->in_flight, n),
                seconds_cell(b[6], sizeof b[6], sim_hist_cquantile(&c->sojourn.h, &c->cens, 0.5), tps),
                seconds_cell(b[7], sizeof b[7], sim_hist_cquantile(&c->sojourn.h, &c->cens, 0.99), tps),
                seconds_cell(b[8], sizeof b[8], ok99, tps));
    }
    fprintf(out, "(shares of the requests that arrived after the warm-up; ok = succeeded, late ones included; "
                 "a censored\n percentile falls among requests that did not succeed: at least that long)\n");
    fprintf(out, "%-14s %12s %12s %12s\n", "node", "utilisation", "mean queue", "mean wait");
    for (int k = 0; k < m->nnodes; k++) {
        const tb_node *nd = &m->nodes[k];
        if (nd->kind == TB_NODE_SINK || nd->kind == TB_NODE_ROUTER)
            continue;
        double busy = sim_tavg_mean(&nd->b, m->eng->now);
        double paid = sim_tavg_mean(&nd->wk, m->eng->now);
        if (nd->kind == TB_NODE_QUEUE && paid > 0)
            snprintf(b[0], sizeof b[0], "%.4g", busy / paid);
        else
            snprintf(b[0], sizeof b[0], "-");
        if (nd->wait.w.n > 0)
            snprintf(b[1], sizeof b[1], "%.4gs", nd->wait.w.mean / tps);
        else
            snprintf(b[1], sizeof b[1], "-");
        fprintf(out, "%-14s %12s %12.4g %12s\n", nd->name, b[0], sim_tavg_mean(&nd->q, m->eng->now), b[1]);
    }
}
