/* check_main.c - runs every Check suite; CK_RUN_SUITE / CK_EXCLUDE_TAGS=slow select. */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "../models/tb_scenario.h"
#include "tb_test.h"

tb_model *test_model_err(const char *json, char *err, size_t errlen)
{
    tb_scenario sc;
    sim_jctx c = { 0 };
    tb_model *m = NULL;
    if (tb_scenario_parse(&sc, "test.json", json, strlen(json), &c) == 0) {
        m = tb_scenario_build(&sc, &c);
        tb_scenario_free(&sc);
    }
    if (!m && err)
        snprintf(err, errlen, "%s", c.err);
    return m;
}

tb_model *test_model(const char *json, uint64_t seed, uint64_t replication, const char *evq)
{
    char err[512];
    tb_model *m = test_model_err(json, err, sizeof err);
    ck_assert_msg(m != NULL, "scenario rejected: %s", err);
    m->seed = seed;
    m->replication = replication;
    ck_assert_int_eq(tb_model_prepare(m, sim_evq_find(evq)), 0);
    return m;
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

int main(void)
{
    SRunner *sr = srunner_create(engine_suite());
    srunner_add_suite(sr, rng_suite());
    srunner_add_suite(sr, dist_suite());
    srunner_add_suite(sr, stats_suite());
    srunner_add_suite(sr, scenario_suite());
    srunner_add_suite(sr, theory_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
