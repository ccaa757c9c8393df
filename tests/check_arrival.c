/* check_arrival.c - arrival processes: MMPP, rate profiles by thinning, surges and traces against their formulas. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_cdf.h>
#include "tb_test.h"

typedef struct {
    double *t;
    size_t n, cap;
} arrivals;

static void on_arrive(void *ctx, const tb_model *m, const tb_job *j, const tb_node *nd, int ev)
{
    (void)nd;
    arrivals *a = ctx;
    if (ev != TB_OBS_ARRIVE || j->arrived != j->created)
        return;
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 4096;
        a->t = realloc(a->t, a->cap * sizeof *a->t);
    }
    a->t[a->n++] = (double)m->eng->now / m->tps;
}

/* Arrival times (seconds) of a class whose route is one delay node. */
static arrivals run_arrivals(const char *arrival, double duration, uint64_t rep)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"duration\": %g, \"classes\": {\"c\": {\"arrival\": %s, \"route\": [\"d\"]}},"
             " \"nodes\": {\"d\": {\"kind\": \"delay\", \"service\": 0.001}}}",
             duration, arrival);
    arrivals a = { NULL, 0, 0 };
    tb_model *m = test_model(json, 77, rep, "heap");
    m->observe = on_arrive;
    m->observe_ctx = &a;
    test_run(m);
    tb_model_free(m);
    return a;
}

/* Pearson chi-square of counts in [edge[i], edge[i+1]) against expected. */
static double chi2_p(const arrivals *a, const double *edge, const double *expect, int k)
{
    double chi2 = 0;
    for (int i = 0; i < k; i++) {
        double o = 0;
        for (size_t j = 0; j < a->n; j++)
            o += a->t[j] >= edge[i] && a->t[j] < edge[i + 1];
        chi2 += (o - expect[i]) * (o - expect[i]) / expect[i];
    }
    return gsl_cdf_chisq_Q(chi2, k);
}

START_TEST(mmpp_rate_is_the_stationary_mix_of_its_phase_rates)
{
    /* phases at 2/s and 12/s, mean sojourns 20 s and 5 s (visited in turn):
     * pi = (20, 5)/25, so the long-run rate is 0.8 x 2 + 0.2 x 12 = 4/s.  The
     * same chain as a generator (leave 0 at 1/20, leave 1 at 1/5) too. */
    static const char *const specs[] = {
        "{\"process\": \"mmpp\", \"rates\": [2, 12], \"sojourn\": [20, 5]}",
        "{\"process\": \"mmpp\", \"rates\": [2, 12], \"generator\": [[0, 0.05], [0.2, 0]]}",
    };
    for (int s = 0; s < 2; s++) {
        enum { R = 10 };
        double x[R];
        for (int r = 0; r < R; r++) {
            arrivals a = run_arrivals(specs[s], 50000, (uint64_t)r);
            x[r] = (double)a.n / 50000;
            free(a.t);
        }
        fprintf(stderr, "MMPP (%s)\n", s ? "generator" : "sojourns");
        test_expect("arrival rate sum pi_i lambda_i", x, R, 4, 0.03);
    }
}
END_TEST

START_TEST(mmpp_is_burstier_than_poisson)
{
    /* Counts in 10 s windows: Poisson has variance = mean; an MMPP with the
     * same mean rate has a much larger variance (index of dispersion > 1). */
    arrivals a = run_arrivals("{\"process\": \"mmpp\", \"rates\": [2, 12], \"sojourn\": [20, 5]}", 20000, 0);
    arrivals b = run_arrivals("{\"process\": \"poisson\", \"rate\": 4}", 20000, 0);
    double disp[2];
    for (int k = 0; k < 2; k++) {
        arrivals *x = k ? &b : &a;
        double cnt[2000] = { 0 };
        for (size_t j = 0; j < x->n; j++)
            cnt[(int)(x->t[j] / 10)]++;
        double mean = 0, var = 0;
        for (int i = 0; i < 2000; i++)
            mean += cnt[i] / 2000;
        for (int i = 0; i < 2000; i++)
            var += (cnt[i] - mean) * (cnt[i] - mean) / 1999;
        disp[k] = var / mean;
    }
    ck_assert_double_gt(disp[0], 3);
    ck_assert_double_lt(fabs(disp[1] - 1), 0.15);
    free(a.t);
    free(b.t);
}
END_TEST

START_TEST(surge_multiplies_the_rate_with_its_ramps)
{
    /* Poisson 10/s, x3 from 100 to 200 s with 20 s ramps: expected counts
     * are 10 x the integral of the multiplier over each piece:
     * [0,100) 1000, [100,120) ramp 1->3: 400, [120,200) 2400,
     * [200,220) ramp 3->1: 400, [220,400) 1800. */
    arrivals a = run_arrivals("{\"process\": \"poisson\", \"rate\": 10, \"surges\": "
                              "[{\"start\": 100, \"end\": 200, \"factor\": 3, \"ramp\": 20}]}", 400, 0);
    static const double edge[] = { 0, 100, 120, 200, 220, 400 }, expect[] = { 1000, 400, 2400, 400, 1800 };
    double p = chi2_p(&a, edge, expect, 5);
    ck_assert_msg(p > 0.001, "chi-square p = %g", p);
    /* a surge without its ramps would be rejected */
    static const double flat[] = { 1000, 200, 2400, 600, 1800 };
    ck_assert_double_lt(chi2_p(&a, edge, flat, 5), 1e-6);
    free(a.t);
}
END_TEST

START_TEST(thinned_linear_profile_has_the_expected_count_in_every_segment)
{
    /* rate 5 -> 20 over [0, 50], 20 until 100, 20 -> 0 over [100, 150],
     * 0 -> 10 over [150, 200], then 10: in 5-second bins the expected count
     * is the integral of the rate, (r(a) + r(b))/2 x 5.  One chi-square over
     * 60 bins of a 300 s run, repeated over 5 seeds (sum: 300 dof). */
    const char *spec = "{\"process\": \"profile\", \"shape\": \"linear\", \"points\": "
                       "[[0, 5], [50, 20], [100, 20], [150, 0], [200, 10]]}";
    enum { BINS = 60 };
    double edge[BINS + 1], expect[BINS], stepwise[BINS];
    static const double pt[][2] = { { 0, 5 }, { 50, 20 }, { 100, 20 }, { 150, 0 }, { 200, 10 } };
    for (int i = 0; i <= BINS; i++)
        edge[i] = 5.0 * i;
    for (int i = 0; i < BINS; i++) {
        double r[2];
        for (int e = 0; e < 2; e++) {
            double t = edge[i + e];
            r[e] = t >= 200 ? 10 : 0;
            for (int k = 0; k < 4; k++)
                if (t >= pt[k][0] && t <= pt[k + 1][0])
                    r[e] = pt[k][1] + (pt[k + 1][1] - pt[k][1]) * (t - pt[k][0]) / (pt[k + 1][0] - pt[k][0]);
        }
        expect[i] = (r[0] + r[1]) / 2 * 5;
        /* the mistake thinning avoids: holding each point's rate until the
         * next point (changing the process only at breakpoints) */
        double held = 10;
        for (int k = 0; k < 5; k++)
            if (edge[i] >= pt[k][0])
                held = pt[k][1];
        stepwise[i] = held * 5;
    }
    double total = 0, wrong = 0;
    for (int s = 0; s < 5; s++) {
        arrivals a = run_arrivals(spec, 300, (uint64_t)s);
        for (int i = 0; i < BINS; i++) {
            double o = 0;
            for (size_t j = 0; j < a.n; j++)
                o += a.t[j] >= edge[i] && a.t[j] < edge[i + 1];
            if (expect[i] > 0)
                total += (o - expect[i]) * (o - expect[i]) / expect[i];
            if (stepwise[i] > 1e-6)
                wrong += (o - stepwise[i]) * (o - stepwise[i]) / stepwise[i];
        }
        free(a.t);
    }
    double p = gsl_cdf_chisq_Q(total, 5 * (BINS - 1));
    ck_assert_msg(p > 0.001, "chi-square %.1f on %d dof, p = %g", total, 5 * (BINS - 1), p);
    ck_assert_double_lt(gsl_cdf_chisq_Q(wrong, 5 * (BINS - 1)), 1e-6); /* the test has power */
}
END_TEST

START_TEST(step_profile_holds_each_rate_until_the_next_point)
{
    arrivals a = run_arrivals("{\"process\": \"profile\", \"shape\": \"step\", \"points\": "
                              "[[0, 4], [100, 30], [150, 0], [200, 8]]}", 300, 0);
    static const double edge[] = { 0, 100, 150, 200, 300 }, expect[] = { 400, 1500, 1e-9, 800 };
    double o = 0;
    for (size_t j = 0; j < a.n; j++)
        o += a.t[j] >= 150 && a.t[j] < 200;
    ck_assert_double_eq(o, 0); /* rate 0: none at all */
    static const double e3[] = { 0, 100, 150 }, x3[] = { 400, 1500 };
    ck_assert_double_gt(chi2_p(&a, e3, x3, 2), 0.001);
    (void)edge;
    (void)expect;
    free(a.t);
}
END_TEST

START_TEST(trace_replays_recorded_times_scaled)
{
    char dir[] = "/tmp/tbtraceXXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], json[1024];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "time_s,size\n0.5,10\n1.25,20\n1.25,30\n4,40\n");
    fclose(f);
    snprintf(json, sizeof json,
             "{\"duration\": 100, \"classes\": {\"c\": {\"arrival\": {\"process\": \"trace\", \"file\": \"%s\", \"scale\": 2},"
             " \"route\": [\"d\"]}}, \"nodes\": {\"d\": {\"kind\": \"delay\", \"service\": 0.001}}}",
             path);
    arrivals a = { NULL, 0, 0 };
    tb_model *m = test_model(json, 1, 0, "heap");
    m->observe = on_arrive;
    m->observe_ctx = &a;
    test_run(m);
    ck_assert_uint_eq(a.n, 4);
    static const double want[] = { 1, 2.5, 2.5, 8 };
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq_tol(a.t[i], want[i], 1e-9);
    ck_assert_uint_eq(m->classes[0].completions, 4);
    tb_model_free(m);
    free(a.t);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* A trace is read strictly: anything but a time, an optional size and
 * blanks is an error naming the line and column. */
START_TEST(trace_lines_are_parsed_strictly)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        { "0.5\n1.5xyz\n", "t.csv line 2, column 4: expected ',' and a size, or the end of the line, found \"xyz\"" },
        { "time_s,size\n0.5,10\n1,2,3\n", "t.csv line 3, column 4: expected the end of the line, found \",3\"" },
        { "0.5,x\n", "t.csv line 1, column 5: expected a size >= 0 in the second column, found \"x\"" },
        { "0.5\n  inf\n", "t.csv line 2, column 3: expected a time in seconds, found \"inf\"" },
        { "0.5\n1e999\n", "t.csv line 2, column 1: expected a time in seconds, found \"1e999\"" },
        { "0.5\n0.25\n", "t.csv line 2: expected times >= 0 in non-decreasing order, found 0.25" },
        { "0.5\n1\0" "2\n", "t.csv line 2: expected text, found a NUL byte" },
    };
    char dir[] = "/tmp/tbtraceXXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], json[1024], err[1024];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    snprintf(json, sizeof json,
             "{\"duration\": 100, \"classes\": {\"c\": {\"arrival\": {\"process\": \"trace\", \"file\": \"%s\"},"
             " \"route\": [\"d\"]}}, \"nodes\": {\"d\": {\"kind\": \"delay\", \"service\": 0.001}}}",
             path);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        FILE *f = fopen(path, "w");
        size_t len = strlen(cases[i].text);
        if (strstr(cases[i].want, "NUL"))
            len = 8; /* the text runs past its embedded NUL */
        fwrite(cases[i].text, 1, len, f);
        fclose(f);
        tb_model *m = test_model_err(json, err, sizeof err);
        ck_assert_msg(m == NULL, "case %zu accepted", i);
        ck_assert_msg(strstr(err, cases[i].want) != NULL, "case %zu\n got: %s\nwant: %s", i, err, cases[i].want);
    }
    /* blanks around the fields, a CR at the end and a header are fine */
    FILE *f = fopen(path, "w");
    fprintf(f, "time_s,size\r\n 0.5 , 10 \r\n\t1.25,20\r\n");
    fclose(f);
    tb_model *m = test_model_err(json, err, sizeof err);
    ck_assert_msg(m != NULL, "refused: %s", err);
    tb_model_free(m);
    unlink(path);
    rmdir(dir);
}
END_TEST

Suite *arrival_suite(void)
{
    Suite *s = suite_create("arrival");
    TCase *tc = tcase_create("processes");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mmpp_rate_is_the_stationary_mix_of_its_phase_rates);
    tcase_add_test(tc, mmpp_is_burstier_than_poisson);
    tcase_add_test(tc, surge_multiplies_the_rate_with_its_ramps);
    tcase_add_test(tc, thinned_linear_profile_has_the_expected_count_in_every_segment);
    tcase_add_test(tc, step_profile_holds_each_rate_until_the_next_point);
    tcase_add_test(tc, trace_replays_recorded_times_scaled);
    tcase_add_test(tc, trace_lines_are_parsed_strictly);
    suite_add_tcase(s, tc);
    return s;
}
