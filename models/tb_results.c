/* tb_results.c - turning a finished model's statistics into summary.json and a terminal table. */
#include <stdlib.h>
#include <string.h>
#include "../sim/sim_stats.h"
#include "../sim/sim_time.h"
#include "../sim/sim_lua.h"
#include "tb_policy.h"
#include "tb_results.h"
#include "tb_version.h"

static cJSON *latency_json(const tb_latency *l, double tps)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "count", (double)l->w.n);
    cJSON_AddNumberToObject(o, "mean", l->w.mean / tps);
    cJSON_AddNumberToObject(o, "sd", sim_welford_sd(&l->w) / tps);
    static const struct {
        const char *key;
        double q;
    } qs[] = { { "p50", 0.5 }, { "p90", 0.9 }, { "p99", 0.99 }, { "p999", 0.999 } };
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++)
        cJSON_AddNumberToObject(o, qs[i].key, sim_hist_quantile(&l->h, qs[i].q) / tps);
    cJSON_AddNumberToObject(o, "max", (double)l->h.max / tps);
    return o;
}

static int time_cmp(const void *a, const void *b)
{
    sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
    return (x > y) - (x < y);
}

static int by_fee(const void *a, const void *b)
{
    const struct tb_fee_lat *x = a, *y = b;
    if (x->fee != y->fee)
        return x->fee < y->fee ? -1 : 1;
    return (x->lat > y->lat) - (x->lat < y->lat); /* equal pairs are identical: the order is total */
}

static int fees_vary(const tb_class *c)
{
    for (size_t i = 1; i < c->nfee_lat; i++)
        if (c->fee_lat[i].fee != c->fee_lat[0].fee)
            return 1;
    return 0;
}

/* Confirmation latency by fee decile: d1 the lowest tenth of the confirmed
 * jobs' fees, d10 the highest; each with its fee range and mean, p50, p99
 * latency (exact order statistics of the decile's latencies). */
static cJSON *by_fee_json(const tb_class *c, double tps)
{
    size_t n = c->nfee_lat;
    struct tb_fee_lat *v = malloc(n * sizeof *v);
    sim_time *lat = malloc(n * sizeof *lat);
    cJSON *o = cJSON_CreateObject();
    if (!v || !lat || !o) {
        free(v);
        free(lat);
        return o;
    }
    memcpy(v, c->fee_lat, n * sizeof *v);
    qsort(v, n, sizeof *v, by_fee);
    for (size_t d = 0; d < 10; d++) {
        size_t lo = d * n / 10, hi = (d + 1) * n / 10, k = hi - lo;
        double sum = 0;
        for (size_t i = 0; i < k; i++) {
            lat[i] = v[lo + i].lat;
            sum += (double)lat[i];
        }
        qsort(lat, k, sizeof *lat, time_cmp);
        char key[8];
        snprintf(key, sizeof key, "d%zu", d + 1);
        cJSON *e = cJSON_AddObjectToObject(o, key);
        cJSON_AddNumberToObject(e, "fee_min", v[lo].fee);
        cJSON_AddNumberToObject(e, "fee_max", v[hi - 1].fee);
        cJSON_AddNumberToObject(e, "count", (double)k);
        cJSON_AddNumberToObject(e, "mean", sum / (double)k / tps);
        cJSON_AddNumberToObject(e, "p50", (double)lat[(k - 1) / 2] / tps);
        cJSON_AddNumberToObject(e, "p99", (double)lat[(size_t)(0.99 * (double)(k - 1))] / tps);
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

cJSON *tb_results_summary(const tb_model *m, const tb_manifest *man)
{
    double tps = m->tps, T = tb_model_measured_seconds(m);
    sim_time now = m->eng->now;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;

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
    for (int i = 0; i < m->npolicies; i++) {
        const tb_policy *p = &m->policies[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(pols, o);
        cJSON_AddStringToObject(o, "name", p->name);
        cJSON_AddStringToObject(o, "script", p->shown);
        cJSON_AddStringToObject(o, "script_sha256", p->sha256);
        if (sim_lua_modules(p->lua) > 0) { /* require()d helpers: name -> SHA-256 */
            cJSON *mods = cJSON_AddObjectToObject(o, "modules_sha256");
            for (int k = 0; k < sim_lua_modules(p->lua); k++) {
                const char *sha, *name = sim_lua_module(p->lua, k, &sha);
                cJSON_AddStringToObject(mods, name, sha);
            }
        }
        cJSON_AddItemToObject(o, "params", p->params ? cJSON_Duplicate(p->params, 1) : cJSON_CreateObject());
        cJSON *at = cJSON_AddArrayToObject(o, "nodes");
        for (int k = 0; k < m->nnodes; k++)
            if (m->nodes[k].policy == p)
                cJSON_AddItemToArray(at, cJSON_CreateString(m->nodes[k].name));
    }
    cJSON_AddItemToObject(mf, "command", strings(man->argv, man->argc));
    cJSON_AddStringToObject(mf, "status", man->status);

    cJSON *run = cJSON_AddObjectToObject(root, "run");
    cJSON_AddNumberToObject(run, "duration", sim_seconds(m->duration, tps));
    cJSON_AddNumberToObject(run, "warmup", sim_seconds(m->warmup, tps));
    cJSON_AddNumberToObject(run, "end_time", sim_seconds(now, tps));
    cJSON_AddNumberToObject(run, "measured", T);
    cJSON_AddNumberToObject(run, "events", (double)m->eng->events);
    cJSON_AddNumberToObject(run, "in_system_at_end", (double)m->in_system);
    /* MSER-5 over the windows' mean number of jobs in the network, from time 0 */
    size_t w = sim_mser5(m->win_jobs, m->nwin);
    cJSON_AddNumberToObject(run, "mser5_warmup", (double)w * sim_seconds(m->window, tps));

    cJSON *net = cJSON_AddObjectToObject(root, "network");
    double blast, spread, rec;
    int surges = tb_model_recovery(m, &blast, &spread, &rec);
    cJSON_AddNumberToObject(net, "hot_factor", m->hot_factor);
    cJSON_AddNumberToObject(net, "blast_radius", blast);
    cJSON_AddNumberToObject(net, "mean_spread", spread);
    if (surges) {
        cJSON_AddNumberToObject(net, "surge_start", sim_seconds(m->surge_start, tps));
        cJSON_AddNumberToObject(net, "surge_end", sim_seconds(m->surge_end, tps));
        cJSON_AddBoolToObject(net, "recovered", rec >= 0);
        if (rec >= 0)
            cJSON_AddNumberToObject(net, "recovery_time", rec);
        else
            cJSON_AddNullToObject(net, "recovery_time");
    }

    cJSON *classes = cJSON_AddObjectToObject(root, "classes");
    for (int i = 0; i < m->nclasses; i++) {
        const tb_class *c = &m->classes[i];
        cJSON *o = cJSON_AddObjectToObject(classes, c->name);
        cJSON_AddNumberToObject(o, "arrivals", (double)c->arrivals);
        cJSON_AddNumberToObject(o, "completions", (double)c->completions);
        cJSON_AddNumberToObject(o, "drops", (double)c->drops);
        cJSON_AddNumberToObject(o, "rejections", (double)c->rejects);
        cJSON_AddNumberToObject(o, "throughput", T > 0 ? (double)c->completions / T : 0);
        if (c->slo != SIM_TIME_MAX) {
            cJSON_AddNumberToObject(o, "slo", sim_seconds(c->slo, tps));
            cJSON_AddNumberToObject(o, "goodput", (double)c->goodput);
            cJSON_AddNumberToObject(o, "goodput_rate", T > 0 ? (double)c->goodput / T : 0);
        }
        if (c->client) {
            cJSON_AddNumberToObject(o, "attempts", (double)c->attempts);
            cJSON_AddNumberToObject(o, "timeouts", (double)c->timeouts);
            cJSON_AddNumberToObject(o, "retries", (double)c->retries);
            cJSON_AddNumberToObject(o, "failed", (double)c->failed);
            cJSON_AddNumberToObject(o, "late_completions", (double)c->late);
            cJSON_AddNumberToObject(o, "wasted_work", c->wasted / tps);
        }
        cJSON_AddItemToObject(o, "wait", latency_json(&c->wait, tps));
        cJSON_AddItemToObject(o, "sojourn", latency_json(&c->sojourn, tps));
        if (c->confirmations > 0)
            cJSON_AddItemToObject(o, "confirmation", latency_json(&c->confirm, tps));
        if (c->confirmations > 0 && c->nfee_lat >= 10 && fees_vary(c))
            cJSON_AddItemToObject(o, "confirmation_by_fee", by_fee_json(c, tps));
        if (m->has_surge) {
            cJSON *sg = cJSON_AddObjectToObject(o, "surge");
            double b = sim_hist_quantile(&c->soj_before.h, 0.99) / tps;
            double d = sim_hist_quantile(&c->soj_during.h, 0.99) / tps;
            cJSON_AddNumberToObject(sg, "count_before", (double)c->soj_before.w.n);
            cJSON_AddNumberToObject(sg, "count_during", (double)c->soj_during.w.n);
            cJSON_AddNumberToObject(sg, "p99_before", b);
            cJSON_AddNumberToObject(sg, "p99_during", d);
            if (c->soj_before.w.n > 0 && c->soj_during.w.n > 0 && b > 0)
                cJSON_AddNumberToObject(sg, "isolation", d / b);
            else
                cJSON_AddNullToObject(sg, "isolation");
        }
    }

    cJSON *nodes = cJSON_AddObjectToObject(root, "nodes");
    static const char *const kinds[] = { "queue", "delay", "sink", "router", "batch" };
    for (int k = 0; k < m->nnodes; k++) {
        const tb_node *nd = &m->nodes[k];
        cJSON *o = cJSON_AddObjectToObject(nodes, nd->name);
        double busy = sim_tavg_mean(&nd->b, now), q = sim_tavg_mean(&nd->q, now);
        cJSON_AddStringToObject(o, "kind", kinds[nd->kind]);
        if (nd->kind == TB_NODE_QUEUE)
            cJSON_AddNumberToObject(o, "workers", nd->workers);
        cJSON_AddNumberToObject(o, "arrivals", (double)nd->arrivals);
        cJSON_AddNumberToObject(o, "completions", (double)nd->completions);
        cJSON_AddNumberToObject(o, "drops", (double)nd->drops);
        cJSON_AddNumberToObject(o, "rejections", (double)nd->rejects);
        cJSON_AddNumberToObject(o, "drop_fraction",
                                nd->arrivals ? (double)nd->drops / (double)nd->arrivals : 0);
        cJSON_AddNumberToObject(o, "throughput", T > 0 ? (double)nd->completions / T : 0);
        if (nd->kind == TB_NODE_SINK || nd->kind == TB_NODE_ROUTER)
            continue;
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
        if (nd->kind == TB_NODE_QUEUE) /* busy over paid workers */
            cJSON_AddNumberToObject(o, "utilisation",
                                    sim_tavg_mean(&nd->wk, now) > 0 ? busy / sim_tavg_mean(&nd->wk, now) : 0);
        cJSON_AddNumberToObject(o, "mean_queue_length", q);
        cJSON_AddNumberToObject(o, "mean_in_node", q + busy);
        cJSON_AddNumberToObject(o, "wait_probability",
                                nd->wait.w.n ? (double)nd->waited_jobs / (double)nd->wait.w.n : 0);
        cJSON_AddItemToObject(o, "wait", latency_json(&nd->wait, tps));
        cJSON_AddItemToObject(o, "sojourn", latency_json(&nd->sojourn, tps));
    }

    cJSON *links = cJSON_AddArrayToObject(root, "links");
    for (int l = 0; l < m->nlinks; l++) {
        const tb_link *ln = &m->links[l];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(links, o);
        cJSON_AddStringToObject(o, "from", m->nodes[ln->from].name);
        cJSON_AddStringToObject(o, "to", m->nodes[ln->to].name);
        cJSON_AddNumberToObject(o, "carried", (double)ln->carried);
        cJSON_AddNumberToObject(o, "utilisation", T > 0 ? sim_seconds(ln->busy, tps) / T : 0);
        if (ln->window > 0 || ln->xoff > 0)
            cJSON_AddNumberToObject(o, "stalled_time", sim_tavg_mean(&ln->stalled, now) * T);
        cJSON_AddItemToObject(o, "transit", latency_json(&ln->transit, tps));
    }
    return root;
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
        for (int k = 1; k <= 199; k++) /* 0.005 .. 0.995, then the tail */
            fprintf(f, "%s,%.6g,%.9g\n", m->classes[i].name, k / 200.0,
                    sim_hist_quantile(h, k / 200.0) / m->tps);
        static const double tail[] = { 0.996, 0.997, 0.998, 0.999, 0.9995, 0.9999 };
        for (size_t k = 0; k < sizeof tail / sizeof *tail; k++)
            fprintf(f, "%s,%.6g,%.9g\n", m->classes[i].name, tail[k], sim_hist_quantile(h, tail[k]) / m->tps);
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

void tb_results_table(FILE *out, const tb_model *m)
{
    double T = tb_model_measured_seconds(m), tps = m->tps;
    fprintf(out, "%-16s %12s %12s %12s %10s %10s %8s\n", "class", "throughput/s", "mean sojourn",
            "p99 sojourn", "drops", "rejected", "lost %");
    for (int i = 0; i < m->nclasses; i++) {
        const tb_class *c = &m->classes[i];
        double lost = (double)(c->drops + c->rejects), offered = (double)c->completions + lost;
        fprintf(out, "%-16s %12.4g %11.4gs %11.4gs %10llu %10llu %7.3g%%\n", c->name,
                T > 0 ? (double)c->completions / T : 0, c->sojourn.w.mean / tps,
                sim_hist_quantile(&c->sojourn.h, 0.99) / tps, (unsigned long long)c->drops,
                (unsigned long long)c->rejects, offered > 0 ? 100.0 * lost / offered : 0);
    }
    fprintf(out, "%-16s %12s %12s %12s\n", "node", "utilisation", "mean queue", "mean wait");
    for (int k = 0; k < m->nnodes; k++) {
        const tb_node *nd = &m->nodes[k];
        if (nd->kind == TB_NODE_SINK || nd->kind == TB_NODE_ROUTER)
            continue;
        double busy = sim_tavg_mean(&nd->b, m->eng->now);
        double paid = sim_tavg_mean(&nd->wk, m->eng->now);
        if (nd->kind == TB_NODE_QUEUE)
            fprintf(out, "%-16s %12.4g", nd->name, paid > 0 ? busy / paid : 0);
        else
            fprintf(out, "%-16s %12s", nd->name, "-");
        fprintf(out, " %12.4g %11.4gs\n", sim_tavg_mean(&nd->q, m->eng->now),
                nd->wait.w.mean / tps);
    }
}
