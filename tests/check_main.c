/* check_main.c - runs every Check suite; CK_RUN_SUITE / CK_EXCLUDE_TAGS=slow select. */
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "../experiment/tb_results.h"
#include "../experiment/tb_run.h"
#include "../models/tb_scenario.h"
#include "tb_test.h"

/* Both through the one pipeline that `tailback run` uses (experiment/tb_run.h). */
tb_model *test_model_err(const char *json, char *err, size_t errlen)
{
    tb_run r;
    char msg[1400];
    tb_run_spec spec = { .scenario = "test.json", .text = json, .len = strlen(json) };
    if (tb_run_build(&r, &spec, msg, sizeof msg, NULL) != 0) {
        if (err)
            snprintf(err, errlen, "%s", msg);
        return NULL;
    }
    return tb_run_take_model(&r);
}

tb_model *test_model(const char *json, uint64_t seed, uint64_t replication, const char *evq)
{
    tb_run r;
    char err[1400];
    tb_run_spec spec = { .scenario = "test.json", .text = json, .len = strlen(json), .has_seed = 1,
                         .seed = seed, .replication = replication, .event_queue = evq };
    ck_assert_msg(tb_run_prepare(&r, &spec, err, sizeof err, NULL) == 0, "scenario rejected: %s", err);
    return tb_run_take_model(&r);
}

double test_mean_hw(const double *x, int n, double level, double *hw)
{
    double mean = 0, ss = 0;
    for (int i = 0; i < n; i++)
        mean += x[i] / n;
    for (int i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    double sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
    *hw = gsl_cdf_tdist_Pinv(1 - (1 - level) / 2, n - 1) * sd / sqrt((double)n);
    return mean;
}

void test_expect(const char *what, const double *x, int n, double theory, double rel)
{
    double hw, mean = test_mean_hw(x, n, 0.999, &hw);
    fprintf(stderr, "  %-44s theory %-10.6g simulated %.6g +- %.3g\n", what, theory, mean, hw);
    ck_assert_msg(fabs(mean - theory) <= hw, "%s: simulated %.6g +- %.3g (99.9%%), theory %.6g",
                  what, mean, hw, theory);
    ck_assert_msg(hw <= rel * fabs(theory), "%s: interval +- %.3g too wide for a %.0f%% check",
                  what, hw, 100 * rel);
}

cJSON *test_summary(const tb_model *m)
{
    const tb_manifest man = { "test", "", "heap", NULL, 0, NULL, 0, "complete" };
    cJSON *sum = tb_results_summary(m, &man);
    ck_assert_msg(sum != NULL, "summary.json: out of memory");
    return sum;
}

double test_jnum(const cJSON *doc, const char *path)
{
    char seg[128];
    const cJSON *cur = doc;
    for (const char *p = path; *p && cur;) {
        size_t k = strcspn(p, ".");
        snprintf(seg, sizeof seg, "%.*s", (int)k, p);
        cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
        p += k + (p[k] == '.');
    }
    ck_assert_msg(cJSON_IsNumber(cur), "summary.json has no number at %s", path);
    return cur->valuedouble;
}

void test_run(tb_model *m)
{
    tb_run_status st = tb_model_run(m, NULL);
    ck_assert_msg(st == TB_RUN_OK, "run failed (%d): %s", (int)st, m->error);
}

int main(void)
{
    /* shipped policies are found in the source tree */
    setenv("TAILBACK_DATA", TB_SOURCE_ROOT, 0);
    SRunner *sr = srunner_create(engine_suite());
    srunner_add_suite(sr, rng_suite());
    srunner_add_suite(sr, dist_suite());
    srunner_add_suite(sr, stats_suite());
    srunner_add_suite(sr, scenario_suite());
    srunner_add_suite(sr, theory_suite());
    srunner_add_suite(sr, policy_suite());
    srunner_add_suite(sr, arrival_suite());
    srunner_add_suite(sr, client_suite());
    srunner_add_suite(sr, pool_suite());
    srunner_add_suite(sr, backpressure_suite());
    srunner_add_suite(sr, overload_suite());
    srunner_add_suite(sr, sweep_suite());
    srunner_add_suite(sr, csv_suite());
    srunner_add_suite(sr, expr_suite());
    srunner_add_suite(sr, conservation_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
