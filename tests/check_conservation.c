/* check_conservation.c - every request and attempt ends in exactly one outcome: shipped scenarios, experiments and random ones. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../models/tb_run.h"
#include "../models/tb_sweep.h"
#include "tb_test.h"

/* The sum of an object's numbers. */
static double sum_of(const cJSON *o)
{
    double s = 0;
    for (const cJSON *it = o ? o->child : NULL; it; it = it->next)
        if (cJSON_IsNumber(it))
            s += it->valuedouble;
    return s;
}

/*
 * What conservation means in summary.json, checked from the document
 * (tb_model_run checks it from the model's own counts, against the live
 * jobs it walks): per class, the outcomes sum to the arrivals, the shares
 * to 1, and (with a client) the attempt outcomes to the attempts.
 */
static void check_summary(const tb_model *m, const char *what)
{
    cJSON *sum = test_summary(m);
    const cJSON *classes = cJSON_GetObjectItemCaseSensitive(sum, "classes");
    for (const cJSON *c = classes ? classes->child : NULL; c; c = c->next) {
        double arrivals = cJSON_GetObjectItemCaseSensitive(c, "arrivals")->valuedouble;
        double ended = sum_of(cJSON_GetObjectItemCaseSensitive(c, "outcomes"));
        ck_assert_msg(ended == arrivals, "%s, class %s: outcomes sum to %.0f, %.0f arrivals", what, c->string, ended,
                      arrivals);
        const cJSON *att = cJSON_GetObjectItemCaseSensitive(c, "attempts");
        if (cJSON_IsNumber(att)) {
            double tried = sum_of(cJSON_GetObjectItemCaseSensitive(c, "attempt_outcomes"));
            ck_assert_msg(tried == att->valuedouble, "%s, class %s: attempt outcomes sum to %.0f, %.0f attempts",
                          what, c->string, tried, att->valuedouble);
        }
        const cJSON *sh = cJSON_GetObjectItemCaseSensitive(c, "shares"),
                    *ok = cJSON_GetObjectItemCaseSensitive(sh, "success");
        if (arrivals > 0) {
            double s = 0;
            static const char *const k[] = { "succeeded", "late", "failed", "rejected", "dropped", "in_flight" };
            for (size_t i = 0; i < sizeof k / sizeof *k; i++)
                s += cJSON_GetObjectItemCaseSensitive(sh, k[i])->valuedouble;
            ck_assert_msg(fabs(s - 1) < 1e-9, "%s, class %s: shares sum to %.17g", what, c->string, s);
        } else {
            ck_assert_msg(cJSON_IsNull(ok), "%s, class %s: a share of no requests is not null", what, c->string);
        }
    }
    cJSON_Delete(sum);
}

/* Run a prepared run (shortened), which must end normally or at its job
 * limit, never with an internal error. */
static void run_and_check(tb_run *r, const char *what)
{
    tb_run_status st = tb_model_run(r->m, NULL);
    ck_assert_msg(st == TB_RUN_OK || st == TB_RUN_LIMIT, "%s: run ended with %d: %s", what, (int)st, r->m->error);
    check_summary(r->m, what);
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Every shipped scenario, briefly (a few simulated minutes). */
static const char *const shorten[] = { "duration=240", "warmup=40" };

START_TEST(every_shipped_scenario_accounts_for_every_request)
{
    static const char *const dirs[] = { "scenarios", "papers/metastable-retries", "papers/power-of-d-choices",
                                        "tests/policies" };
    int n = 0;
    for (size_t d = 0; d < sizeof dirs / sizeof *dirs; d++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", TB_SOURCE_ROOT, dirs[d]);
        DIR *dh = opendir(dir);
        ck_assert_ptr_nonnull(dh);
        struct dirent *e;
        while ((e = readdir(dh))) {
            if (!has_suffix(e->d_name, ".json") || strstr(e->d_name, "experiment"))
                continue;
            char path[8192], err[1400];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            tb_run_spec spec = { path, shorten, 2, 0, 0, 0, NULL };
            tb_run r;
            ck_assert_msg(tb_run_prepare(&r, &spec, err, sizeof err, NULL) == 0, "%s", err);
            run_and_check(&r, path);
            tb_run_free(&r);
            n++;
        }
        closedir(dh);
    }
    ck_assert_int_ge(n, 8);
}
END_TEST

/* Replication 0 of every configuration of every shipped experiment
 * (papers in their quick form), briefly. */
START_TEST(every_configuration_of_every_shipped_experiment_accounts_for_every_request)
{
    static const char *const files[] = {
        "scenarios/experiments/mm1-load-sweep.json", "scenarios/experiments/workers-4-vs-5.json",
        "scenarios/experiments/fifo-collapse.json", "papers/metastable-retries/experiment-quick.json",
        "papers/power-of-d-choices/experiment-quick.json", "papers/seed-holiday-rush/experiment-quick.json",
    };
    int n = 0;
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        char path[4096], err[1400];
        snprintf(path, sizeof path, "%s/%s", TB_SOURCE_ROOT, files[f]);
        tb_sweep s;
        sim_jctx c = { 0 };
        ck_assert_msg(tb_sweep_load(&s, path, &c) == 0, "%s", c.err);
        for (int cfg = 0; cfg < s.nconfigs; cfg++) {
            tb_run r;
            char what[4200];
            snprintf(what, sizeof what, "%s, configuration %d", files[f], cfg);
            ck_assert_msg(tb_sweep_prepare(&s, cfg, shorten, 2, &r, err, sizeof err) == 0, "%s: %s", what, err);
            run_and_check(&r, what);
            tb_run_free(&r);
            n++;
        }
        tb_sweep_free(&s);
    }
    ck_assert_int_ge(n, 40);
}
END_TEST

/* ---- random small scenarios ------------------------------------------------- */

typedef struct gen {
    sim_rng r;
    char *buf;
    size_t len, cap;
} gen;

static void out(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(gen *g, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(g->buf + g->len, g->cap - g->len, fmt, ap);
        va_end(ap);
        if ((size_t)k < g->cap - g->len) {
            g->len += (size_t)k;
            return;
        }
        g->cap = 2 * g->cap + (size_t)k;
        g->buf = realloc(g->buf, g->cap);
        ck_assert_ptr_nonnull(g->buf);
    }
}

static double uni(gen *g, double lo, double hi)
{
    return lo + (hi - lo) * sim_rng_u01(&g->r);
}

static int pick(gen *g, int n)
{
    return (int)(sim_rng_u01(&g->r) * n);
}

/* Policies that need no parameters beyond these, at a queue node. */
static const char *const node_policies[] = {
    "\"fifo\"", "\"lifo\"", "\"sjf\"", "\"edf\"", "\"ps\"", "\"red\"", "\"codel\"", "\"drop_stale\"",
    "{\"script\": \"drop_tail\", \"params\": {\"capacity\": 4}}",
    "{\"script\": \"token_bucket\", \"params\": {\"rate\": 2, \"burst\": 3}}",
    "{\"script\": \"aimd\", \"params\": {\"initial\": 3}}",
    "{\"script\": \"priority\", \"params\": {\"preemptive\": true}}",
};

/*
 * A random network of up to 6 nodes: queue nodes (some bounded, some with
 * a policy), delay and batch nodes, a router, a sink; classes with fixed
 * routes or entry points and routing by probabilities (forward, and back
 * only into queue nodes, so no loop takes zero time); clients with
 * timeouts, retries and budgets; links with delays, credits and pause.
 * Offered load is drawn up to 1.6 of capacity, so some overload.
 */
static void random_scenario(gen *g)
{
    int nn = 2 + pick(g, 5), nc = 1 + pick(g, 3), kind[8], npdecl = 0;
    char pdecl[8][160];
    g->len = 0;
    out(g, "{\"duration\": %.0f, \"warmup\": %.0f, \"window\": 5, \"limits\": {\"jobs\": 5000},\n \"nodes\": {",
        uni(g, 50, 200), uni(g, 0, 20));
    for (int k = 0; k < nn; k++) {
        /* 0 queue, 1 delay, 2 batch, 3 router, 4 sink; node 0 is a queue, the last may be a sink */
        kind[k] = k == 0 ? 0 : k == nn - 1 && pick(g, 3) == 0 ? 4 : pick(g, 10) < 6 ? 0 : 1 + pick(g, 3);
        out(g, "%s\"n%d\": {", k ? ", " : "", k);
        static const char *const kinds[] = { "queue", "delay", "batch", "router", "sink" };
        out(g, "\"kind\": \"%s\"", kinds[kind[k]]);
        if (kind[k] == 0) {
            out(g, ", \"workers\": %d, \"service\": {\"type\": \"exponential\", \"mean\": %.3f}", 1 + pick(g, 3),
                uni(g, 0.05, 1));
            if (pick(g, 3) == 0)
                out(g, ", \"capacity\": %d", 1 + pick(g, 10));
            if (pick(g, 3) == 0) {
                const char *pol = node_policies[pick(g, (int)(sizeof node_policies / sizeof *node_policies))];
                if (pol[0] == '{') { /* an instance with parameters, declared under "policies" */
                    out(g, ", \"policy\": \"p%d\"", k);
                    snprintf(pdecl[npdecl++], sizeof pdecl[0], "\"p%d\": %s", k, pol);
                } else {
                    out(g, ", \"policy\": %s", pol);
                }
            }
            else if (pick(g, 4) == 0)
                out(g, ", \"per_class_queues\": true");
        } else if (kind[k] == 1) {
            out(g, ", \"service\": {\"type\": \"uniform\", \"min\": 0.1, \"max\": %.2f}", uni(g, 0.2, 3));
        } else if (kind[k] == 2) {
            out(g, ", \"batch\": {\"interval\": %.2f, \"size\": %d}, \"service\": 0.05", uni(g, 0.2, 2), 1 + pick(g, 20));
        }
        if (kind[k] == 3 || (kind[k] != 4 && pick(g, 2))) { /* onward: later nodes, exit, or back into a queue */
            out(g, ", \"next\": [");
            int targets = 1 + pick(g, 2);
            double left = 1;
            for (int t = 0; t < targets; t++) {
                int to = k + 1 + pick(g, nn - k);
                if (kind[k] != 3 && pick(g, 5) == 0 && kind[0] == 0)
                    to = 0; /* feedback into the first queue, which takes time */
                double p = t == targets - 1 ? left : uni(g, 0, left);
                left -= p;
                if (to >= nn || (kind[k] == 3 && to <= k))
                    out(g, "%s{\"node\": \"exit\", \"p\": %.17g}", t ? ", " : "", p);
                else
                    out(g, "%s{\"node\": \"n%d\", \"p\": %.17g}", t ? ", " : "", to, p);
            }
            out(g, "]");
        }
        out(g, "}");
    }
    out(g, "},\n \"classes\": {");
    for (int c = 0; c < nc; c++) {
        out(g, "%s\"c%d\": {\"arrival\": {\"process\": \"poisson\", \"rate\": %.3f}", c ? ", " : "", c,
            uni(g, 0.3, 1.6) / nc);
        if (pick(g, 2)) { /* a fixed route through queue and delay nodes */
            out(g, ", \"route\": [\"n0\"");
            for (int k = 1; k < nn; k++)
                if ((kind[k] == 0 || kind[k] == 1) && pick(g, 2))
                    out(g, ", \"n%d\"", k);
            out(g, "]");
        } else {
            out(g, ", \"entry\": \"n0\"");
        }
        if (pick(g, 2))
            out(g, ", \"priority\": {\"type\": \"uniform\", \"min\": 0, \"max\": 1}, \"deadline\": %.2f",
                uni(g, 1, 10));
        if (pick(g, 3))
            out(g, ", \"slo\": %.2f", uni(g, 0.5, 10));
        if (pick(g, 2)) {
            out(g, ", \"client\": {\"timeout\": %.2f, \"retries\": %d, \"backoff\": {\"base\": 0.1, \"cap\": 1}",
                uni(g, 0.5, 10), pick(g, 4));
            if (pick(g, 3) == 0)
                out(g, ", \"budget\": {\"kind\": \"%s\", \"ratio\": 0.1, \"max\": 5}", pick(g, 2) ? "token" : "grpc");
            out(g, "}");
        }
        if (pick(g, 4) == 0)
            out(g, ", \"confirmations\": 2");
        out(g, "}");
    }
    out(g, "}");
    /* links between queue nodes and what follows them: delays, credits, pause */
    out(g, ",\n \"links\": [");
    int nl = 0;
    for (int k = 0; k < nn; k++)
        for (int t = k + 1; t < nn; t++)
            if (pick(g, 3) == 0) {
                out(g, "%s{\"from\": \"n%d\", \"to\": \"n%d\", \"delay\": %.3f", nl++ ? ", " : "", k, t, uni(g, 0, 0.2));
                if (kind[k] == 0 && pick(g, 3) == 0)
                    out(g, ", \"credits\": %d%s", 1 + pick(g, 5), pick(g, 2) ? ", \"per_class\": true" : "");
                else if (kind[k] == 0 && pick(g, 4) == 0)
                    out(g, ", \"pause\": {\"xoff\": %d, \"xon\": 1}", 2 + pick(g, 5));
                out(g, "}");
            }
    out(g, "],\n \"policies\": {");
    for (int i = 0; i < npdecl; i++)
        out(g, "%s%s", i ? ", " : "", pdecl[i]);
    out(g, "}}\n");
}

START_TEST(random_small_scenarios_account_for_every_request)
{
    gen g = { .cap = 4096 };
    g.buf = malloc(g.cap);
    sim_rng_init(&g.r, 2026, 0, "random scenarios");
    int ran = 0, refused = 0;
    for (int i = 0; i < 300; i++) {
        random_scenario(&g);
        char err[1024];
        tb_model *m = test_model_err(g.buf, err, sizeof err);
        if (!m && getenv("TB_SHOW_REFUSED"))
            fprintf(stderr, "refused: %s\n", err);
        if (!m) { /* a combination the loader refuses (say, a class that reaches a node without a
                   * service for it): refused is fine, accepted must conserve */
            refused++;
            continue;
        }
        m->seed = (uint64_t)i;
        if (tb_model_prepare(m, sim_evq_find(i % 2 ? "heap" : "calendar")) != 0) {
            refused++;
            tb_model_free(m);
            continue;
        }
        tb_run_status st = tb_model_run(m, NULL);
        ck_assert_msg(st == TB_RUN_OK || st == TB_RUN_LIMIT, "random scenario %d ended with %d: %s\n%s", i, (int)st,
                      m->error, g.buf);
        char what[64];
        snprintf(what, sizeof what, "random scenario %d", i);
        check_summary(m, what);
        tb_model_free(m);
        ran++;
    }
    fprintf(stderr, "  random scenarios: %d run and accounted for, %d refused by the loader\n", ran, refused);
    ck_assert_int_ge(ran, 200);
    free(g.buf);
}
END_TEST

Suite *conservation_suite(void)
{
    Suite *s = suite_create("conservation");
    TCase *tc = tcase_create("outcomes");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, every_shipped_scenario_accounts_for_every_request);
    tcase_add_test(tc, every_configuration_of_every_shipped_experiment_accounts_for_every_request);
    tcase_add_test(tc, random_small_scenarios_account_for_every_request);
    suite_add_tcase(s, tc);
    return s;
}
