/* check_dist.c - distribution specs: sample moments against closed forms, and errors naming the JSON path. */
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "../sim/sim_dist.h"
#include "tb_test.h"

static sim_dist *parse(const char *text, char *err)
{
    sim_jctx c = { .file = "d.json" };
    cJSON *j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    sim_dist *d = sim_dist_parse(&c, j, "service", 1);
    cJSON_Delete(j);
    if (err)
        strcpy(err, c.err);
    return d;
}

/* Sample mean and variance of n draws; the mean is checked against `mean`
 * within a 99.9% interval from the analytic variance, the variance within
 * 5% (n is large enough for that at every spec used here). */
static void check_moments(const char *spec, double mean, double var)
{
    enum { N = 400000 };
    sim_dist *d = parse(spec, NULL);
    ck_assert_msg(d != NULL, "rejected %s", spec);
    sim_rng r;
    sim_rng_init(&r, 11, 0, spec);
    double s = 0, s2 = 0;
    for (int i = 0; i < N; i++) {
        double x = sim_dist_sample(d, &r);
        s += x;
        s2 += x * x;
    }
    double m = s / N, v = s2 / N - m * m;
    double tol = 3.29 * sqrt(var / N) + 1e-12;
    ck_assert_msg(fabs(m - mean) <= tol, "%s: mean %.6g, want %.6g +- %.3g", spec, m, mean, tol);
    ck_assert_msg(fabs(v - var) <= 0.05 * var + 1e-12, "%s: variance %.6g, want %.6g", spec, v, var);
    /* The moments the simulator reports agree with the formulas here. */
    ck_assert_double_eq_tol(d->mean, mean, 1e-9 * (1 + mean));
    ck_assert_double_eq_tol(d->var, var, 1e-9 * (1 + var));
    sim_dist_free(d);
}

START_TEST(samples_have_the_moments_of_their_closed_forms)
{
    check_moments("3.5", 3.5, 0);
    check_moments("{\"type\":\"constant\",\"value\":2}", 2, 0);
    check_moments("{\"type\":\"uniform\",\"min\":1,\"max\":4}", 2.5, 9.0 / 12);
    check_moments("{\"type\":\"exponential\",\"rate\":4}", 0.25, 0.0625);
    check_moments("{\"type\":\"exponential\",\"mean\":3}", 3, 9);
    check_moments("{\"type\":\"normal\",\"mean\":10,\"sd\":1.5}", 10, 2.25);
    /* truncated: max(0, X) for X ~ N(1, 1), by numerical integration (2e6
     * midpoints over [0, 12]) outside tailback */
    check_moments("{\"type\":\"normal\",\"mean\":1,\"sd\":1,\"truncate\":true}", 1.08331547058628,
                  0.75108780784290);
    /* lognormal(mu, sigma): mean e^(mu + s^2/2), var (e^(s^2) - 1) e^(2mu + s^2) */
    check_moments("{\"type\":\"lognormal\",\"mu\":0,\"sigma\":0.5}", exp(0.125),
                  (exp(0.25) - 1) * exp(0.25));
    check_moments("{\"type\":\"lognormal\",\"mean\":2,\"cv\":0.5}", 2, 1);
    check_moments("{\"type\":\"gamma\",\"shape\":2,\"scale\":3}", 6, 18);
    check_moments("{\"type\":\"gamma\",\"mean\":1,\"cv\":0.5}", 1, 0.25);
    check_moments("{\"type\":\"erlang\",\"k\":3,\"rate\":2}", 1.5, 0.75);
    check_moments("{\"type\":\"erlang\",\"k\":4,\"mean\":2}", 2, 1);
    /* weibull(scale l, shape k): l G(1 + 1/k), l^2 (G(1 + 2/k) - G(1 + 1/k)^2) */
    check_moments("{\"type\":\"weibull\",\"scale\":2,\"shape\":1.5}", 2 * tgamma(1 + 1 / 1.5),
                  4 * (tgamma(1 + 2 / 1.5) - pow(tgamma(1 + 1 / 1.5), 2)));
    /* pareto(shape a, scale m): a m/(a - 1), m^2 a/((a - 1)^2 (a - 2)) */
    check_moments("{\"type\":\"pareto\",\"shape\":5,\"scale\":1}", 1.25, 5.0 / 48);
    /* bounded Pareto B(k = 1, p = 50, alpha = 1.5): the moments of its density
     * alpha k^alpha x^-(alpha+1) / (1 - (k/p)^alpha), integrated numerically
     * here (midpoints in log x, so the steep start is resolved) rather than
     * from the closed form the code uses */
    {
        const double al = 1.5, k = 1, pmax = 50, norm = al * pow(k, al) / (1 - pow(k / pmax, al));
        double m1 = 0, m2 = 0;
        const int n = 2000000;
        const double h = log(pmax / k) / n;
        for (int i = 0; i < n; i++) {
            double x = k * exp((i + 0.5) * h), f = norm * pow(x, -al - 1) * x * h; /* dx = x d(log x) */
            m1 += x * f;
            m2 += x * x * f;
        }
        check_moments("{\"type\":\"bounded_pareto\",\"shape\":1.5,\"min\":1,\"max\":50}", m1, m2 - m1 * m1);
    }
    /* two phases: mean sum p_i m_i, second moment sum 2 p_i m_i^2 */
    check_moments("{\"type\":\"hyperexponential\",\"p\":[0.25,0.75],\"mean\":[3,1]}", 1.5,
                  2 * (0.25 * 9 + 0.75 * 1) - 2.25);
    check_moments("{\"type\":\"hyperexponential\",\"p\":[0.5,0.5],\"rate\":[1,4]}", 0.625,
                  2 * (0.5 * 1 + 0.5 / 16) - 0.625 * 0.625);
    check_moments("{\"type\":\"hyperexponential\",\"mean\":1,\"cv\":2}", 1, 4);
    check_moments("{\"type\":\"empirical\",\"values\":[1,2,6]}", 3, (4 + 1 + 9) / 3.0);
}
END_TEST

START_TEST(bad_specs_name_their_path_and_what_was_expected)
{
    static const struct {
        const char *spec, *want;
    } cases[] = {
        { "{\"type\":\"exponential\",\"rate\":-1}", "d.json: service.rate: expected a number > 0, found -1" },
        { "{\"type\":\"exponential\",\"rate\":1,\"mean\":1}", "d.json: service: expected exactly one of \"rate\" or \"mean\", found both" },
        { "{\"type\":\"exponential\",\"rat\":1}", "d.json: service.rat: unknown field; did you mean \"rate\"? (expected one of: type, rate, mean)" },
        { "{\"type\":\"gaussian\"}", "d.json: service.type: expected one of constant, uniform" },
        { "{\"rate\":1}", "d.json: service.type: expected a distribution type" },
        { "\"fast\"", "d.json: service: expected a distribution (a number, or an object with \"type\"), found \"fast\"" },
        { "{\"type\":\"uniform\",\"min\":3,\"max\":2}", "d.json: service.max: expected a number >= 3, found 2" },
        { "{\"type\":\"hyperexponential\",\"p\":[0.5,0.4],\"rate\":[1,2]}", "d.json: service.p: expected probabilities summing to 1, found a sum of 0.9" },
        { "{\"type\":\"hyperexponential\",\"mean\":1,\"cv\":0.5}", "d.json: service.cv: expected a number >= 1, found 0.5" },
        { "{\"type\":\"empirical\",\"values\":[1,\"x\"]}", "d.json: service.values[1]: expected a number, found \"x\"" },
        { "{\"type\":\"erlang\",\"k\":2.5,\"rate\":1}", "d.json: service.k: expected an integer in [1, 1000000], found 2.5" },
        { "-2", "d.json: service: expected a distribution of non-negative values" },
        { "{\"type\":\"normal\",\"mean\":-1,\"sd\":0.5}", "d.json: service: expected a distribution of non-negative values, found a normal (mean -1, sd 0.5) that is negative with probability 0.977: add \"truncate\": true" },
        { "{\"type\":\"normal\",\"mean\":1,\"sd\":0.25}", "d.json: service: expected a distribution of non-negative values, found a normal (mean 1, sd 0.25) that is negative with probability 3.17e-05" },
        { "{\"type\":\"normal\",\"mean\":1,\"sd\":1,\"truncate\":1}", "d.json: service.truncate: expected true or false, found 1" },
        { "{\"type\":\"bounded_pareto\",\"shape\":1.1,\"min\":5,\"max\":5}", "d.json: service.max: expected a maximum above the minimum 5, found 5" },
        { "{\"type\":\"bounded_pareto\",\"shape\":0,\"min\":1,\"max\":5}", "d.json: service.shape: expected a number > 0, found 0" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[512];
        sim_dist *d = parse(cases[i].spec, err);
        ck_assert_msg(d == NULL, "accepted %s", cases[i].spec);
        ck_assert_msg(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0,
                      "for %s\n got: %s\nwant: %s", cases[i].spec, err, cases[i].want);
    }
}
END_TEST

START_TEST(ziggurat_exponentials_follow_the_exponential_law_including_the_tail)
{
    /* 100 equiprobable bins of Exp(1), bin = floor(100 F(x)), F = 1 - e^-x,
     * and separately the mass beyond the ziggurat's base edge R = 7.697,
     * where the tail algorithm takes over: P(X > R) = e^-R. */
    enum { BINS = 100, N = 2000000 };
    sim_dist *d = parse("{\"type\":\"exponential\",\"mean\":1}", NULL);
    sim_rng r;
    sim_rng_init(&r, 17, 0, "zig");
    static double count[BINS];
    double tail = 0, deep = 0, negative = 0;
    for (int i = 0; i < N; i++) {
        double x = sim_dist_sample(d, &r);
        negative += x < 0;
        int b = (int)(BINS * -expm1(-x));
        count[b < BINS ? b : BINS - 1]++;
        tail += x > 7.69711747013104972;
        deep += x > 10;
    }
    ck_assert_double_eq(negative, 0);
    double chi2 = 0, e = (double)N / BINS;
    for (int b = 0; b < BINS; b++)
        chi2 += (count[b] - e) * (count[b] - e) / e;
    ck_assert_msg(gsl_cdf_chisq_Q(chi2, BINS - 1) > 0.001, "chi2 = %g", chi2);
    double pt = exp(-7.69711747013104972), sd = sqrt(N * pt * (1 - pt));
    ck_assert_msg(fabs(tail - N * pt) < 3.3 * sd, "tail count %g, want %g +- %g", tail, N * pt, 3.3 * sd);
    double pd = exp(-10.0), sdd = sqrt(N * pd);
    ck_assert_msg(fabs(deep - N * pd) < 3.3 * sdd + 1, "count beyond 10: %g, want %g", deep, N * pd);
    sim_dist_free(d);
}
END_TEST

START_TEST(rounding_to_the_tick_moves_the_mean_as_the_closed_forms_say)
{
    /* X exponential with mean m, rounded to the nearest multiple of h:
     * E[round(X/h)] h = h sum_{k>=1} P(X >= (k - 1/2) h)
     *                 = h e^(-h/2m) / (1 - e^(-h/m)),
     * so the relative change of the mean is (h/m) / (2 sinh(h/2m)) - 1. */
    static const double ratio[] = { 0.01, 0.1, 1, 2.5 };
    for (size_t i = 0; i < sizeof ratio / sizeof *ratio; i++) {
        sim_dist *d = sim_dist_exponential(1);
        double r = ratio[i], want = r / (2 * sinh(r / 2)) - 1, got = sim_dist_tick_bias(d, r);
        ck_assert_msg(fabs(got - want) < 1e-4 * (1 + fabs(want)), "h/m = %g: %.8f, want %.8f", r, got, want);
        sim_dist_free(d);
    }
    /* a constant: exact */
    sim_dist *c = sim_dist_constant(0.4);
    ck_assert_double_eq(sim_dist_tick_bias(c, 1), -1);
    ck_assert_double_eq_tol(sim_dist_tick_bias(c, 0.3), -0.25, 1e-12); /* 0.4 -> 0.3 round(1.33) = 0.3 */
    sim_dist_free(c);
    /* uniform(0, 1) at h = 1: samples round to 0 below 0.5 and 1 above: mean 0.5 either way */
    char err[512];
    sim_dist *u = parse("{\"type\": \"uniform\", \"min\": 0, \"max\": 1}", err);
    ck_assert_double_lt(fabs(sim_dist_tick_bias(u, 1)), 1e-4);
    ck_assert_double_lt(fabs(sim_dist_tick_bias(u, 0.1)), 1e-4);
    sim_dist_free(u);
    /* Erlang-943 with mean 1 (sd 0.033) at h = 0.5: every sample within 7
     * sd rounds to 1, so the mean does not move.  GSL's inverse fails to
     * converge at one of the points used (u = 0.952825), which must not
     * abort the process or poison the answer. */
    sim_dist *e = parse("{\"type\": \"erlang\", \"k\": 943, \"mean\": 1}", err);
    ck_assert_ptr_nonnull(e);
    double b = sim_dist_tick_bias(e, 0.5);
    ck_assert_msg(fabs(b) < 1e-6, "Erlang-943 at h = 0.5: bias %g", b);
    sim_dist_free(e);
    /* a mean no tick can represent is refused with the smallest tick named */
    sim_jctx c2 = { 0 };
    cJSON *spec = cJSON_Parse("{\"type\": \"erlang\", \"k\": 943, \"rate\": 1e81}");
    ck_assert_ptr_null(sim_dist_parse_time(&c2, spec, "s", 1e9));
    ck_assert_msg(strstr(c2.err, "smallest tick is 1e-12 s"), "%s", c2.err);
    cJSON_Delete(spec);
}
END_TEST

Suite *dist_suite(void)
{
    Suite *s = suite_create("dist");
    TCase *tc = tcase_create("specs");
    tcase_set_tags(tc, "core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, samples_have_the_moments_of_their_closed_forms);
    tcase_add_test(tc, bad_specs_name_their_path_and_what_was_expected);
    tcase_add_test(tc, ziggurat_exponentials_follow_the_exponential_law_including_the_tail);
    tcase_add_test(tc, rounding_to_the_tick_moves_the_mean_as_the_closed_forms_say);
    suite_add_tcase(s, tc);
    return s;
}
