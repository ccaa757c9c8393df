/* check_conservation.c - every request and attempt ends in exactly one outcome: shipped scenarios, experiments and random ones. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../experiment/tb_run.h"
#include "../experiment/tb_sweep.h"
#include "gen_scenario.h"
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
            static const char *const k[] = { "succeeded", "late",    "failed",   "rejected",
                                             "dropped",   "abandoned", "in_flight" };
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
            tb_run_spec spec = { .scenario = path, .sets = shorten, .nsets = 2 };
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

/* ---- random small scenarios (tests/gen_scenario.h) --------------------------- */

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

/*
 * Wild scenarios: self-loops, zero and negative services, zero timeouts and
 * backoffs, links anywhere.  The loader refuses some with a message; every
 * one it accepts must run to its end or its job limit, conserve every
 * request, and give the same summary twice from one seed.
 */
START_TEST(wild_scenarios_are_refused_or_run_deterministically)
{
    gen g = { .cap = 4096, .wild = 1 };
    g.buf = malloc(g.cap);
    sim_rng_init(&g.r, 2026, 1, "wild scenarios");
    int ran = 0, refused = 0;
    for (int i = 0; i < 150; i++) {
        random_scenario(&g);
        char *once = NULL;
        for (int rep = 0; rep < 2; rep++) {
            char err[1024];
            tb_model *m = test_model_err(g.buf, err, sizeof err);
            if (m) {
                m->seed = (uint64_t)i;
                if (tb_model_prepare(m, &sim_evq_heap) != 0) {
                    snprintf(err, sizeof err, "%s", m->error);
                    tb_model_free(m);
                    m = NULL;
                }
            }
            if (!m) {
                ck_assert_msg(err[0] && strncmp(err, "tailback: internal", 18) != 0, "wild scenario %d: refused without a reason: %s", i,
                              err);
                refused += rep == 0;
                break;
            }
            tb_run_status st = tb_model_run(m, NULL);
            ck_assert_msg(st == TB_RUN_OK || st == TB_RUN_LIMIT, "wild scenario %d ended with %d: %s\n%s", i, (int)st,
                          m->error, g.buf);
            char what[64];
            snprintf(what, sizeof what, "wild scenario %d", i);
            check_summary(m, what);
            cJSON *sum = test_summary(m);
            char *text = cJSON_PrintUnformatted(sum);
            cJSON_Delete(sum);
            tb_model_free(m);
            if (rep == 0) {
                once = text;
                ran++;
            } else {
                ck_assert_msg(strcmp(once, text) == 0, "wild scenario %d: two summaries from one seed\n%s", i, g.buf);
                free(text);
            }
        }
        free(once);
    }
    fprintf(stderr, "  wild scenarios: %d run twice alike, %d refused by the loader\n", ran, refused);
    ck_assert_int_ge(ran, 30);
    ck_assert_int_ge(refused, 30);
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
    tcase_add_test(tc, wild_scenarios_are_refused_or_run_deterministically);
    suite_add_tcase(s, tc);
    return s;
}
