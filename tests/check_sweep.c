/* check_sweep.c - the experiment statistics: do nominal 95% intervals cover the truth 95% of the time? */
#include <stdio.h>
#include "../models/tb_sweep.h"
#include "tb_test.h"

START_TEST(nominal_95_percent_intervals_cover_mm1_mean_sojourn_about_95_percent_of_the_time)
{
    /* 400 independent experiments of 5 replications each (M/M/1, rho 0.8,
     * 20000 s after a 2000 s warm-up: the relaxation time is about
     * 1/(1 - sqrt 0.8)^2 = 90 s, so the runs are long and nearly unbiased).
     * The number of intervals covering the true 5 s is Binomial(400, 0.95)
     * if the intervals are right: mean 380, sd 4.4.  The test accepts
     * 363..395 (3.9 sd either side), so a correct implementation fails with
     * probability about 1e-4 for a random seed, and never for this fixed one;
     * an interval that ignored the t quantile (z = 1.96 with 4 degrees of
     * freedom) would cover about 88%: 352, outside the band. */
    const char *json =
        "{\"duration\": 22000, \"warmup\": 2000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.8}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}}}}";
    enum { E = 400, R = 5 };
    int covered = 0;
    for (int e = 0; e < E; e++) {
        double x[R], sd, hw;
        for (int r = 0; r < R; r++) {
            tb_model *m = test_model(json, 1000 + (uint64_t)e, (uint64_t)r, "heap");
            test_run(m);
            x[r] = m->classes[0].sojourn.w.mean / m->tps;
            tb_model_free(m);
        }
        double mean = tb_sweep_ci95(x, R, &sd, &hw);
        covered += fabs(mean - 5) <= hw;
    }
    fprintf(stderr, "  coverage of nominal 95%% intervals: %d of %d\n", covered, E);
    ck_assert_int_ge(covered, 363);
    ck_assert_int_le(covered, 395);
}
END_TEST

Suite *sweep_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("intervals");
    tcase_set_tags(tc, "slow");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, nominal_95_percent_intervals_cover_mm1_mean_sojourn_about_95_percent_of_the_time);
    suite_add_tcase(s, tc);
    return s;
}
