/* check_theory.c - simulated queues against queueing theory, with tolerances from confidence intervals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "../models/tb_scenario.h"
#include "tb_test.h"

/*
 * Method: R independent replications (same seed, replication numbers
 * 0..R-1, so every stream differs) of a long run after a warm-up.  For
 * each metric the replication means give a Student-t interval at 99.9%;
 * the theoretical value must lie inside it, and the interval must be
 * narrower than `rel` of the value so the check is not loose.  Seeds are
 * fixed, so the outcome is the same on every run; a wrong model misses
 * the interval by many half-widths.
 */
enum { R = 10 };

typedef double (*metric_fn)(const tb_model *m);

static void expect(const char *what, const double *x, double theory, double rel)
{
    test_expect(what, x, R, theory, rel);
}

/* Run R replications of `json`, calling `collect` on each finished model. */
static void replicate(const char *json, void (*collect)(const tb_model *m, int r, double **out),
                      double **out)
{
    for (int r = 0; r < R; r++) {
        tb_model *m = test_model(json, 20261126, (uint64_t)r, r % 2 ? "calendar" : "heap");
        test_run(m);
        collect(m, r, out);
        tb_model_free(m);
    }
}

static double secs(const tb_model *m, double ticks)
{
    return ticks / m->tps;
}

static double node_mean_queue(const tb_model *m, int k)
{
    return sim_tavg_mean(&m->nodes[k].q, m->eng->now);
}

/* ---- M/M/1 ------------------------------------------------------------ */

static void mm1_collect(const tb_model *m, int r, double **out)
{
    const tb_class *c = &m->classes[0];
    out[0][r] = secs(m, c->sojourn.w.mean);
    out[1][r] = node_mean_queue(m, 0);
    out[2][r] = secs(m, sim_hist_quantile(&c->sojourn.h, 0.5));
    out[3][r] = secs(m, sim_hist_quantile(&c->sojourn.h, 0.99));
    out[4][r] = sim_tavg_mean(&m->nodes[0].b, m->eng->now);
}

static void check_mm1(double rho, double duration, double rel)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"duration\": %g, \"warmup\": %g,"
             " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": %g},"
             " \"route\": [\"s\"]}},"
             " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"rate\": 1}}}}",
             duration, duration / 50, rho);
    double a[5][R], *out[5] = { a[0], a[1], a[2], a[3], a[4] };
    replicate(json, mm1_collect, out);
    /* mu = 1: sojourn ~ Exp(1 - rho), Lq = rho^2/(1 - rho) */
    double theta = 1 - rho;
    fprintf(stderr, "M/M/1 rho=%g\n", rho);
    expect("mean sojourn 1/(mu-lambda)", a[0], 1 / theta, rel);
    expect("mean queue length rho^2/(1-rho)", a[1], rho * rho / theta, rel);
    expect("median sojourn ln2/(mu-lambda)", a[2], log(2) / theta, rel);
    /* tail quantiles converge more slowly than means: a wider check */
    expect("p99 sojourn ln100/(mu-lambda)", a[3], log(100) / theta, 2 * rel);
    expect("utilisation rho", a[4], rho, rel);
}

START_TEST(mm1_at_half_load_matches_theory)
{
    check_mm1(0.5, 1e5, 0.04);
}
END_TEST

START_TEST(mm1_at_0_9_load_matches_theory)
{
    check_mm1(0.9, 5e5, 0.06);
}
END_TEST

/* ---- M/M/c: Erlang C -------------------------------------------------- */

static void node_wait_collect(const tb_model *m, int r, double **out)
{
    const tb_node *nd = &m->nodes[0];
    out[0][r] = (double)nd->waited_jobs / (double)nd->wait.w.n;
    out[1][r] = secs(m, nd->wait.w.mean);
    out[2][r] = (double)nd->drops / (double)nd->arrivals;
}

START_TEST(mmc_with_four_workers_matches_erlang_c)
{
    const int c = 4;
    const double lambda = 3.6, mu = 1, a = lambda / mu, rho = a / c;
    /* Erlang C: P(wait) = (a^c/c!)/(1 - rho) / (sum_{k<c} a^k/k! + (a^c/c!)/(1 - rho)) */
    double sum = 0, term = 1;
    for (int k = 0; k < c; k++) {
        sum += term;
        term *= a / (k + 1);
    }
    double top = term / (1 - rho), pwait = top / (sum + top);
    double wq = pwait / (c * mu - lambda);
    const char *json =
        "{\"duration\": 150000, \"warmup\": 2000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 3.6}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"workers\": 4, \"service\": {\"type\": \"exponential\", \"mean\": 1}}}}";
    double x[3][R], *out[3] = { x[0], x[1], x[2] };
    replicate(json, node_wait_collect, out);
    fprintf(stderr, "M/M/4 rho=0.9\n");
    expect("P(wait), Erlang C", x[0], pwait, 0.02);
    expect("mean wait C/(c mu - lambda)", x[1], wq, 0.05);
}
END_TEST

/* ---- the theory written in shipped files -------------------------------- */

/* The number written after `label` in a scenario's comment. */
static double stated(const char *comment, const char *label)
{
    const char *p = strstr(comment, label);
    ck_assert_msg(p != NULL, "the comment no longer says \"%s\"", label);
    return atof(p + strlen(label));
}

static tb_model *shipped(const char *name, char *comment, size_t n)
{
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/scenarios/%s", TB_SOURCE_ROOT, name);
    tb_scenario sc;
    sim_jctx c = { 0 };
    ck_assert_msg(tb_scenario_load(&sc, path, &c) == 0, "%s", c.err);
    const cJSON *cm = cJSON_GetObjectItemCaseSensitive(sc.root, "comment");
    snprintf(comment, n, "%s", cJSON_IsString(cm) ? cm->valuestring : "");
    tb_model *m = tb_scenario_build(&sc, &c);
    snprintf(err, sizeof err, "%s", c.err);
    ck_assert_msg(m != NULL, "%s", err);
    tb_scenario_free(&sc);
    return m;
}

static double rate_of(const tb_model *m, int c)
{
    return m->classes[c].arr.mean_rate;
}

/* Erlang-A (M/M/c+M): the mean queue Lq of the birth-death chain with
 * birth rate lambda and death rate min(n, c) mu + max(n - c, 0) theta
 * (truncated where its terms vanish); P(abandon) = theta Lq / lambda. */
static double erlang_a_lq(double lambda, int c, double mu, double theta)
{
    double p = 1, sum = 1, lq = 0;
    for (int n = 1; n < 2000; n++) {
        p *= lambda / ((n < c ? n : c) * mu + (n > c ? n - c : 0) * theta);
        sum += p;
        lq += (n > c ? n - c : 0) * p;
    }
    return lq / sum;
}

START_TEST(the_theory_stated_in_shipped_scenarios_is_what_the_formulas_give)
{
    char comment[4096];
    /* mm1.json: 1/(mu - lambda), rho/(1 - rho) */
    tb_model *m = shipped("mm1.json", comment, sizeof comment);
    double lambda = rate_of(m, 0), mu = 1 / m->nodes[0].service->mean, rho = lambda / mu;
    ck_assert_double_eq_tol(stated(comment, "1/(mu - lambda) = "), 1 / (mu - lambda), 0.005);
    ck_assert_double_eq_tol(stated(comment, "rho/(1 - rho) = "), rho / (1 - rho), 0.005);
    tb_model_free(m);
    /* mmc.json: Erlang C */
    m = shipped("mmc.json", comment, sizeof comment);
    int c = m->nodes[0].workers;
    lambda = rate_of(m, 0);
    mu = 1 / m->nodes[0].service->mean;
    double a = lambda / mu, sum = 0, term = 1;
    for (int k = 0; k < c; k++) {
        sum += term;
        term *= a / (k + 1);
    }
    double top = term / (1 - a / c), pwait = top / (sum + top);
    ck_assert_double_eq_tol(stated(comment, "P(wait) = "), pwait, 0.00006);
    ck_assert_double_eq_tol(stated(comment, "mean wait = "), pwait / (c * mu - lambda), 0.0006);
    tb_model_free(m);
    /* tandem.json: per-station 1/(mu_k - lambda), and their sum */
    m = shipped("tandem.json", comment, sizeof comment);
    lambda = rate_of(m, 0);
    double t[3], total = 0;
    for (int k = 0; k < 3; k++)
        total += t[k] = 1 / (1 / m->nodes[k].service->mean - lambda);
    const char *p = strstr(comment, "= ");
    ck_assert_ptr_nonnull(p);
    double s1, s2, s3;
    ck_assert_int_eq(sscanf(p, "= %lf, %lf and %lf s", &s1, &s2, &s3), 3);
    ck_assert_double_eq_tol(s1, t[0], 0.0005);
    ck_assert_double_eq_tol(s2, t[1], 0.0005);
    ck_assert_double_eq_tol(s3, t[2], 0.0005);
    ck_assert_double_eq_tol(stated(comment, "end to end "), total, 0.0005);
    tb_model_free(m);
    /* callcenter.json: Erlang-A */
    m = shipped("callcenter.json", comment, sizeof comment);
    lambda = rate_of(m, 0);
    mu = 1 / m->nodes[0].service->mean;
    double theta = 1 / m->classes[0].patience->mean, lq = erlang_a_lq(lambda, m->nodes[0].workers, mu, theta);
    ck_assert_double_eq_tol(stated(comment, "Lq = "), lq, 0.0005);
    ck_assert_double_eq_tol(stated(comment, "P(abandon) = theta Lq / lambda = "), theta * lq / lambda, 0.00005);
    tb_model_free(m);
    /* closed.json: the machine-repairman model's X = mu (1 - p0) and R = N/X - Z */
    m = shipped("closed.json", comment, sizeof comment);
    int users = (int)m->classes[0].arr.population;
    double think = m->classes[0].arr.interarrival->mean, sum_p = 0, term_p = 1;
    mu = 1 / m->nodes[0].service->mean;
    for (int k = 0; k <= users; k++) {
        sum_p += term_p;
        term_p *= (double)(users - k) / (mu * think);
    }
    double X = mu * (1 - 1 / sum_p);
    ck_assert_double_eq_tol(stated(comment, "mu (1 - p0) = "), X, 0.00005);
    ck_assert_double_eq_tol(stated(comment, "N/X - Z = "), users / X - think, 0.0005);
    tb_model_free(m);
    /* seed-holiday-rush.json: the baseline loads, from the classes' rates
     * and the services they meet (per worker; blocks: jobs per block) */
    m = shipped("seed-holiday-rush.json", comment, sizeof comment);
    double load[5] = { 0 }; /* G, M, V, W, blocks */
    static const char *const names[] = { "G", "M", "V", "W1" };
    for (int i = 0; i < m->nclasses; i++)
        for (int k = 0; k < 4; k++) {
            int nd = tb_node_index(m, names[k]);
            const sim_dist *d = m->nodes[nd].svc[i].dist ? m->nodes[nd].svc[i].dist : NULL;
            if (!d && k == 3 && m->classes[i].entry >= 0) /* AI jobs reach the workers through S */
                d = m->nodes[nd].service;
            double share = k == 3 ? 1.0 / 8 : 1;
            if (d && (k != 3 || m->classes[i].entry >= 0))
                load[k] += share * rate_of(m, i) * d->mean / m->nodes[nd].workers;
        }
    int b = tb_node_index(m, "B");
    for (int i = 0; i < m->nclasses; i++)
        load[4] += rate_of(m, i) * m->nodes[b].batch_interval->mean / m->nodes[b].batch_max;
    const char *bl = strstr(comment, "Baseline loads: ");
    ck_assert_ptr_nonnull(bl);
    ck_assert_double_eq_tol(stated(bl, "G "), load[0], 0.00501); /* written to 2 decimals */
    ck_assert_double_eq_tol(stated(bl, "M "), load[1], 0.00501); /* written to 2 decimals */
    ck_assert_double_eq_tol(stated(bl, "V "), load[2], 0.00501); /* written to 2 decimals */
    ck_assert_double_eq_tol(stated(bl, "W "), load[3], 0.00501); /* written to 2 decimals */
    ck_assert_double_eq_tol(stated(bl, "blocks "), load[4], 0.00501); /* written to 2 decimals */
    ck_assert_double_eq_tol(stated(comment, "mean "), rate_of(m, 1), 0.005); /* the MMPP's long-run rate */
    tb_model_free(m);
}
END_TEST

/* ---- M/M/1/K ---------------------------------------------------------- */

START_TEST(mm1k_blocking_probability_matches_theory)
{
    const int K = 5;
    const double rho = 0.9;
    /* P_K = (1 - rho) rho^K / (1 - rho^(K+1)) */
    double pk = (1 - rho) * pow(rho, K) / (1 - pow(rho, K + 1));
    const char *json =
        "{\"duration\": 100000, \"warmup\": 1000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.9}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"capacity\": 5, \"service\": {\"type\": \"exponential\", \"rate\": 1}}}}";
    double x[3][R], *out[3] = { x[0], x[1], x[2] };
    replicate(json, node_wait_collect, out);
    fprintf(stderr, "M/M/1/5 rho=0.9\n");
    expect("blocking probability P_K", x[2], pk, 0.04);
}
END_TEST

/* ---- M/G/1: Pollaczek-Khinchine ---------------------------------------- */

static void check_mg1(const char *service, double lambda, double es, double es2, double duration,
                      const char *label, double rel)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"duration\": %g, \"warmup\": %g,"
             " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": %g},"
             " \"route\": [\"s\"]}},"
             " \"nodes\": {\"s\": {\"service\": %s}}}",
             duration, duration / 50, lambda, service);
    double x[3][R], *out[3] = { x[0], x[1], x[2] };
    replicate(json, node_wait_collect, out);
    /* P-K: Wq = lambda E[S^2] / (2 (1 - rho)) */
    double rho = lambda * es;
    fprintf(stderr, "%s rho=%g\n", label, rho);
    expect("mean wait lambda E[S^2]/(2(1-rho))", x[1], lambda * es2 / (2 * (1 - rho)), rel);
}

START_TEST(md1_matches_pollaczek_khinchine)
{
    /* deterministic S = 1: E[S^2] = 1 */
    check_mg1("1.0", 0.8, 1, 1, 2e5, "M/D/1", 0.05);
}
END_TEST

START_TEST(mg1_with_high_variance_service_matches_pollaczek_khinchine)
{
    /* balanced hyperexponential, mean 1, cv 3: E[S^2] = (1 + cv^2) mean^2 = 10 */
    check_mg1("{\"type\": \"hyperexponential\", \"mean\": 1, \"cv\": 3}", 0.7, 1, 10, 1e6,
              "M/H2/1 cv=3", 0.08);
}
END_TEST

/* ---- Jackson tandem ---------------------------------------------------- */

static void tandem_collect(const tb_model *m, int r, double **out)
{
    for (int k = 0; k < 3; k++)
        out[k][r] = secs(m, m->nodes[k].sojourn.w.mean);
    out[3][r] = secs(m, m->classes[0].sojourn.w.mean);
}

START_TEST(tandem_of_three_mm1_matches_jackson)
{
    const double lambda = 1, mu[3] = { 2, 1.25, 4 };
    const char *json =
        "{\"duration\": 200000, \"warmup\": 2000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1},"
        " \"route\": [\"a\", \"b\", \"c\"]}},"
        " \"nodes\": {\"a\": {\"service\": {\"type\": \"exponential\", \"rate\": 2}},"
        "             \"b\": {\"service\": {\"type\": \"exponential\", \"rate\": 1.25}},"
        "             \"c\": {\"service\": {\"type\": \"exponential\", \"rate\": 4}}}}";
    double x[4][R], *out[4] = { x[0], x[1], x[2], x[3] };
    replicate(json, tandem_collect, out);
    fprintf(stderr, "Jackson tandem lambda=1, mu=2,1.25,4\n");
    double total = 0;
    static const char *names[3] = { "station 1 sojourn 1/(mu1-lambda)", "station 2 sojourn 1/(mu2-lambda)",
                                     "station 3 sojourn 1/(mu3-lambda)" };
    for (int k = 0; k < 3; k++) {
        expect(names[k], x[k], 1 / (mu[k] - lambda), 0.05);
        total += 1 / (mu[k] - lambda);
    }
    expect("end-to-end sojourn (sum)", x[3], total, 0.05);
}
END_TEST

/* ---- Probabilistic routing with feedback (Jackson) -------------------------- */

static void feedback_collect(const tb_model *m, int r, double **out)
{
    out[0][r] = secs(m, m->nodes[0].sojourn.w.mean);
    out[1][r] = secs(m, m->classes[0].sojourn.w.mean);
}

START_TEST(feedback_loop_matches_jackson_traffic_equations)
{
    /* Arrivals 0.5/s to s; after service, back to s with p = 0.3. The
     * effective rate is 0.5/0.7, so s is M/M/1 with rho = 0.5/0.7/1.25; the
     * number of visits is geometric with mean 1/0.7. */
    const double lambda = 0.5, p = 0.3, mu = 1.25, eff = lambda / (1 - p);
    const char *json =
        "{\"duration\": 200000, \"warmup\": 2000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.5}, \"entry\": \"s\"}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"rate\": 1.25},"
        "   \"next\": [{\"node\": \"s\", \"p\": 0.3}, {\"node\": \"exit\", \"p\": 0.7}]}}}";
    double x[2][R], *out[2] = { x[0], x[1] };
    replicate(json, feedback_collect, out);
    fprintf(stderr, "M/M/1 with feedback p=0.3\n");
    expect("per-visit sojourn 1/(mu - lambda/(1-p))", x[0], 1 / (mu - eff), 0.03);
    expect("end-to-end sojourn visits x per-visit", x[1], 1 / (1 - p) / (mu - eff), 0.03);
}
END_TEST

/* ---- Infinite server ----------------------------------------------------- */

static void delay_collect(const tb_model *m, int r, double **out)
{
    out[0][r] = sim_tavg_mean(&m->nodes[0].b, m->eng->now);
    out[1][r] = secs(m, m->nodes[0].wait.w.mean);
}

START_TEST(infinite_server_node_has_mean_occupancy_lambda_times_mean_service)
{
    /* M/G/inf: mean number in service = lambda E[S] for any service law. */
    const char *json =
        "{\"duration\": 20000, \"warmup\": 100,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 5}, \"route\": [\"d\"]}},"
        " \"nodes\": {\"d\": {\"kind\": \"delay\", \"service\": {\"type\": \"uniform\", \"min\": 1, \"max\": 3}}}}";
    double x[2][R], *out[2] = { x[0], x[1] };
    replicate(json, delay_collect, out);
    fprintf(stderr, "M/G/inf\n");
    expect("mean number in service lambda E[S]", x[0], 5 * 2, 0.02);
    for (int r = 0; r < R; r++)
        ck_assert_double_eq(x[1][r], 0); /* nobody waits */
}
END_TEST

/* ---- Routing by probabilities --------------------------------------------- */

START_TEST(routing_by_next_follows_its_probabilities)
{
    /* One router fans out to 40 nodes with p_i proportional to i + 1 (the
     * binary search over cumulative probabilities must hit every entry,
     * the first and the last included, at its own rate).  Pearson's
     * chi-square over the visit counts, 39 degrees of freedom, is compared
     * with its 0.999 quantile (GSL); one seed, so the outcome is fixed. */
    enum { K = 40 };
    char json[16384];
    size_t n = (size_t)snprintf(json, sizeof json,
                                "{\"duration\": 20000, \"classes\": {\"c\": {\"arrival\": {\"process\": "
                                "\"poisson\", \"rate\": 10}, \"entry\": \"r\"}}, \"nodes\": {\"r\": {\"kind\": "
                                "\"delay\", \"service\": {\"type\": \"constant\", \"value\": 0.001}, \"next\": [");
    double total = K * (K + 1) / 2.0, p[K];
    for (int i = 0; i < K; i++) {
        p[i] = (i + 1) / total;
        n += (size_t)snprintf(json + n, sizeof json - n, "%s{\"node\": \"d%d\", \"p\": %.17g}", i ? ", " : "", i, p[i]);
    }
    n += (size_t)snprintf(json + n, sizeof json - n, "]}");
    for (int i = 0; i < K; i++)
        n += (size_t)snprintf(json + n, sizeof json - n,
                              ", \"d%d\": {\"kind\": \"delay\", \"service\": {\"type\": \"constant\", \"value\": "
                              "0.001}}", i);
    snprintf(json + n, sizeof json - n, "}}");
    tb_model *m = test_model(json, 7, 0, "heap");
    test_run(m);
    double visits = 0, chi2 = 0, count[K];
    for (int i = 0; i < K; i++) {
        char name[16];
        snprintf(name, sizeof name, "d%d", i);
        count[i] = (double)m->nodes[tb_node_index(m, name)].arrivals;
        visits += count[i];
    }
    for (int i = 0; i < K; i++)
        chi2 += (count[i] - visits * p[i]) * (count[i] - visits * p[i]) / (visits * p[i]);
    double crit = gsl_cdf_chisq_Qinv(0.001, K - 1);
    fprintf(stderr, "routing over %d entries: %.0f visits, chi-square %.1f (0.999 quantile %.1f)\n", K, visits, chi2, crit);
    ck_assert_double_gt(visits, 150000);
    ck_assert_double_lt(chi2, crit);
    tb_model_free(m);
}
END_TEST

/* A fixed route through groups ("route": ["W", "X"]): each job visits one
 * member of W and then one of X, uniformly and independently.  Poisson
 * splitting and Burke's theorem make every member an M/M/1 fed by Poisson
 * arrivals: W's four at lambda/4 = 0.5 with mu = 1 (sojourn 2 s), X's two
 * at 1 with mu = 2 (sojourn 1 s), end to end 3 s.  The members' visit
 * counts are uniform (chi-square, 3 and 1 degrees of freedom). */
static void group_route_collect(const tb_model *m, int r, double **out)
{
    out[0][r] = secs(m, m->classes[0].sojourn.w.mean);
    out[1][r] = secs(m, m->nodes[tb_node_index(m, "W3")].sojourn.w.mean);
    out[2][r] = secs(m, m->nodes[tb_node_index(m, "X2")].sojourn.w.mean);
    double chi2[2] = { 0, 0 };
    for (int g = 0; g < 2; g++) {
        int first = tb_node_index(m, g ? "X1" : "W1"), n = g ? 2 : 4;
        double total = 0;
        for (int k = 0; k < n; k++)
            total += (double)m->nodes[first + k].arrivals;
        for (int k = 0; k < n; k++) {
            double d = (double)m->nodes[first + k].arrivals - total / n;
            chi2[g] += d * d / (total / n);
        }
        ck_assert_msg(chi2[g] < gsl_cdf_chisq_Qinv(0.001, n - 1), "replication %d: group %s chi-square %.2f", r,
                      g ? "X" : "W", chi2[g]);
    }
}

START_TEST(a_fixed_route_through_groups_splits_evenly_and_matches_jackson)
{
    const char *json =
        "{\"duration\": 20000, \"warmup\": 400,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 2}, \"route\": [\"W\", \"X\"]}},"
        " \"nodes\": {\"W\": {\"count\": 4, \"service\": {\"type\": \"exponential\", \"mean\": 1}},"
        "             \"X\": {\"count\": 2, \"service\": {\"type\": \"exponential\", \"mean\": 0.5}}}}";
    double a[3][R], *out[3] = { a[0], a[1], a[2] };
    replicate(json, group_route_collect, out);
    fprintf(stderr, "route through groups W (4) and X (2)\n");
    expect("W member sojourn 1/(mu - lambda/4)", a[1], 2, 0.05);
    expect("X member sojourn 1/(mu - lambda/2)", a[2], 1, 0.05);
    expect("end-to-end sojourn (sum)", a[0], 3, 0.05);
}
END_TEST

/* A closed population (the machine-repairman model M/M/1//N): N users
 * think Exp(mean Z), then wait for one exponential server of rate mu.  The
 * number at the server is a birth-death chain with
 *     p_k = p_0 N!/(N-k)! (1/(mu Z))^k,  k = 0..N,
 * throughput X = mu (1 - p_0), and the response time law gives the mean
 * response R = N/X - Z.  N = 10, Z = 8, mu = 1: the server is busy 88%. */
static void closed_collect(const tb_model *m, int r, double **out)
{
    const tb_class *c = &m->classes[0];
    double T = tb_model_measured_seconds(m);
    out[0][r] = (double)c->departed / T;
    out[1][r] = secs(m, c->sojourn.w.mean);
    out[2][r] = sim_tavg_mean(&m->nodes[0].b, m->eng->now);
}

START_TEST(a_closed_population_matches_the_machine_repairman_model)
{
    enum { N = 10 };
    const double Z = 8, mu = 1;
    const char *json =
        "{\"duration\": 20000, \"warmup\": 400,"
        " \"classes\": {\"users\": {\"arrival\": {\"process\": \"closed\", \"population\": 10,"
        "   \"think\": {\"type\": \"exponential\", \"mean\": 8}}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}}}}";
    double sum = 0, term = 1; /* term_k = N!/(N-k)! (1/(mu Z))^k */
    for (int k = 0; k <= N; k++) {
        sum += term;
        term *= (double)(N - k) / (mu * Z);
    }
    double p0 = 1 / sum, X = mu * (1 - p0), Rt = N / X - Z;
    double a[3][R], *out[3] = { a[0], a[1], a[2] };
    replicate(json, closed_collect, out);
    fprintf(stderr, "closed population N=10, Z=8 s, mu=1 (M/M/1//N)\n");
    expect("throughput mu (1 - p0)", a[0], X, 0.02);
    expect("mean response N/X - Z", a[1], Rt, 0.05);
    expect("utilisation 1 - p0", a[2], 1 - p0, 0.02);
}
END_TEST

/* ---- impatience: M/M/c+M (Erlang-A) and balking ------------------------ */

/* M/M/c+M, the Erlang-A model (Palm 1943; Garnett, Mandelbaum and Reiman,
 * M&SOM 2002): Poisson arrivals at lambda, c exponential servers of rate
 * mu, and each waiting job leaves after an exponential patience of rate
 * theta.  The number present is a birth-death chain with birth rate lambda
 * and death rate min(n, c) mu + max(n - c, 0) theta; from its stationary
 * law, the mean queue Lq and (by Little's law on the abandonment flow)
 * P(abandon) = theta Lq / lambda.  lambda 4, c 3, mu 1, theta 0.5: offered
 * 133% of capacity, a third give up. */
static void erlang_a_collect(const tb_model *m, int r, double **out)
{
    const tb_class *c = &m->classes[0];
    out[0][r] = (double)c->out[TB_OUT_ABANDONED] / (double)c->arrivals;
    out[1][r] = node_mean_queue(m, 0);
    out[2][r] = (double)m->nodes[0].reneged / (double)c->arrivals;
}

START_TEST(mmc_with_exponential_patience_matches_erlang_a)
{
    const double lambda = 4, mu = 1, theta = 0.5;
    double lq = erlang_a_lq(lambda, 3, mu, theta);
    double pab = theta * lq / lambda;
    const char *json =
        "{\"duration\": 20000, \"warmup\": 500,"
        " \"classes\": {\"calls\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 4}, \"route\": [\"agents\"],"
        "   \"patience\": {\"type\": \"exponential\", \"mean\": 2}}},"
        " \"nodes\": {\"agents\": {\"workers\": 3, \"service\": {\"type\": \"exponential\", \"mean\": 1}}}}";
    double a[3][R], *out[3] = { a[0], a[1], a[2] };
    replicate(json, erlang_a_collect, out);
    fprintf(stderr, "M/M/3+M lambda=4 mu=1 theta=0.5 (Erlang-A)\n");
    expect("P(abandon) = theta Lq / lambda", a[0], pab, 0.03);
    expect("mean queue Lq", a[1], lq, 0.04);
    expect("reneged at the node / arrivals", a[2], pab, 0.03);
}
END_TEST

/* M/M/1 with balking: a job that finds n present joins with probability
 * 1 - b_n, so the chain has birth rate lambda (1 - b_n) and death rate mu;
 * the share that balks is sum_n p_n b_n (PASTA) and L = sum_n n p_n.
 * b = 0, 0.2, 0.5, 0.8, then 1 (nobody joins 4 or more). */
static void balk_collect(const tb_model *m, int r, double **out)
{
    const tb_class *c = &m->classes[0];
    out[0][r] = (double)c->out[TB_OUT_ABANDONED] / (double)c->arrivals;
    out[1][r] = node_mean_queue(m, 0) + sim_tavg_mean(&m->nodes[0].b, m->eng->now);
}

/* Balking decided by a policy (admit() returns "balk" when the server is
 * busy): an M/M/1/1 whose blocked customers abandon, so the share that
 * balks is Erlang's loss B(1, a) = a / (1 + a), a = lambda / mu. */
static void balk_share_collect(const tb_model *m, int r, double **out)
{
    const tb_class *c = &m->classes[0];
    out[0][r] = (double)c->out[TB_OUT_ABANDONED] / (double)c->arrivals;
}

START_TEST(balking_decided_by_a_policy_matches_erlangs_loss_formula)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"duration\": 20000, \"warmup\": 100,"
             " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.8}, \"route\": [\"s\"]}},"
             " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1},"
             "   \"policy\": \"%s/tests/policies/balk_when_busy.lua\"}}}", TB_SOURCE_ROOT);
    double a[1][R], *out[1] = { a[0] };
    replicate(json, balk_share_collect, out);
    fprintf(stderr, "M/M/1 whose policy balks customers who find it busy, a = 0.8\n");
    expect("balking share B(1, a) = a / (1 + a)", a[0], 0.8 / 1.8, 0.02);
}
END_TEST

START_TEST(mm1_with_balking_matches_its_birth_death_chain)
{
    const double lambda = 1.5, mu = 1, b[5] = { 0, 0.2, 0.5, 0.8, 1 };
    double p[5], sum = 0, balk = 0, L = 0;
    p[0] = 1;
    for (int n = 1; n < 5; n++)
        p[n] = p[n - 1] * lambda * (1 - b[n - 1]) / mu;
    for (int n = 0; n < 5; n++)
        sum += p[n];
    for (int n = 0; n < 5; n++) {
        balk += b[n] * p[n] / sum;
        L += n * p[n] / sum;
    }
    const char *json =
        "{\"duration\": 20000, \"warmup\": 200,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1.5}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"balk\": [0, 0.2, 0.5, 0.8, 1]}}}";
    double a[2][R], *out[2] = { a[0], a[1] };
    replicate(json, balk_collect, out);
    fprintf(stderr, "M/M/1 with balking b = 0, .2, .5, .8, 1\n");
    expect("balking share sum p_n b_n", a[0], balk, 0.03);
    expect("mean number present", a[1], L, 0.03);
}
END_TEST

/* ---- speed that varies: a birth-death chain, and breakdowns ------------- */

/* M/M/1 whose speed depends on the jobs present (s_n = 1, 1.5, 1.8, then
 * 2): with exponential service the number present is a birth-death chain
 * with birth rate lambda and death rate mu s_n, so p_n is proportional to
 * prod_{k<=n} lambda / (mu s_k); L = sum n p_n, the mean sojourn L/lambda
 * (Little), and the busy fraction 1 - p_0. */
static void speed_collect(const tb_model *m, int r, double **out)
{
    const tb_node *nd = &m->nodes[0];
    out[0][r] = node_mean_queue(m, 0) + sim_tavg_mean(&nd->b, m->eng->now);
    out[1][r] = secs(m, nd->sojourn.w.mean);
    out[2][r] = sim_tavg_mean(&nd->b, m->eng->now);
}

START_TEST(a_queue_whose_speed_depends_on_its_jobs_matches_its_birth_death_chain)
{
    const double lambda = 1.2, mu = 1, sp[4] = { 1, 1.5, 1.8, 2 };
    double p = 1, sum = 1, L = 0;
    for (int n = 1; n < 3000; n++) {
        p *= lambda / (mu * sp[(n < 4 ? n : 4) - 1]);
        sum += p;
        L += n * p;
    }
    L /= sum;
    const char *json =
        "{\"duration\": 20000, \"warmup\": 500,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1.2}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"speed\": [1, 1.5, 1.8, 2]}}}";
    double a[3][R], *out[3] = { a[0], a[1], a[2] };
    replicate(json, speed_collect, out);
    fprintf(stderr, "M/M/1 with speed 1, 1.5, 1.8, 2 by jobs present\n");
    expect("mean number present L", a[0], L, 0.04);
    expect("mean sojourn L / lambda", a[1], L / lambda, 0.04);
    expect("busy fraction 1 - p0", a[2], 1 - 1 / sum, 0.02);
}
END_TEST

/*
 * M/M/1 with server breakdowns: the server fails after an exponential up
 * time (rate alpha, whether busy or not) and is repaired after an
 * exponential down time (rate beta); no service while down.  The state
 * (n, up or down) is a continuous-time Markov chain (a quasi-birth-death
 * process: Avi-Itzhak and Naor, Oper. Res. 1963; Mitrani and Avi-Itzhak,
 * 1968).  Its stationary law is computed here by uniformised power
 * iteration on the chain truncated at N = 400 jobs (the mass beyond is
 * below 1e-30).  With "jobs": "resume" a job in service waits through the
 * repair; with "lost", a failure takes it (n -> n - 1 as the server goes
 * down), and losses / arrivals = alpha P(up, n >= 1) / lambda.
 */
enum { BD_N = 400 };
static void breakdown_chain(double lambda, double mu, double alpha, double beta, int lost, double *L,
                            double *pdown, double *plost)
{
    static double pi[2][BD_N], nx[2][BD_N];
    double unif = lambda + mu + alpha + beta;
    for (int n = 0; n < BD_N; n++)
        pi[0][n] = pi[1][n] = 1.0 / (2 * BD_N);
    for (int it = 0; it < 200000; it++) {
        for (int n = 0; n < BD_N; n++)
            nx[0][n] = nx[1][n] = 0;
        for (int n = 0; n < BD_N; n++)
            for (int u = 0; u < 2; u++) { /* u = 1 up, 0 down */
                double x = pi[u][n] / unif, out = 0;
                if (n + 1 < BD_N) {
                    nx[u][n + 1] += x * lambda;
                    out += lambda;
                }
                if (u == 1 && n > 0) {
                    nx[1][n - 1] += x * mu;
                    out += mu;
                }
                if (u == 1) {
                    nx[0][lost && n > 0 ? n - 1 : n] += x * alpha;
                    out += alpha;
                } else {
                    nx[1][n] += x * beta;
                    out += beta;
                }
                nx[u][n] += pi[u][n] - x * out;
            }
        double diff = 0;
        for (int n = 0; n < BD_N; n++)
            for (int u = 0; u < 2; u++) {
                diff += fabs(nx[u][n] - pi[u][n]);
                pi[u][n] = nx[u][n];
            }
        if (diff < 1e-14)
            break;
    }
    *L = *pdown = *plost = 0;
    for (int n = 0; n < BD_N; n++) {
        *L += n * (pi[0][n] + pi[1][n]);
        *pdown += pi[0][n];
        if (n > 0)
            *plost += alpha * pi[1][n] / lambda;
    }
}

static void breakdown_collect(const tb_model *m, int r, double **out)
{
    const tb_node *nd = &m->nodes[0];
    const tb_class *c = &m->classes[0];
    double T = tb_model_measured_seconds(m);
    sim_time down = nd->fail.time;
    if (nd->fail.down > 0)
        down += m->eng->now - (nd->fail.since > m->measure_start ? nd->fail.since : m->measure_start);
    out[0][r] = node_mean_queue(m, 0) + sim_tavg_mean(&nd->b, m->eng->now);
    out[1][r] = secs(m, (double)down) / T;
    out[2][r] = (double)nd->lost_fail / (double)c->arrivals;
}

static void check_breakdowns(const char *jobs, int lost, double rel_l)
{
    const double lambda = 0.5, mu = 1, alpha = 1.0 / 20, beta = 1.0 / 2;
    double L, pdown, plost;
    breakdown_chain(lambda, mu, alpha, beta, lost, &L, &pdown, &plost);
    char json[1024];
    snprintf(json, sizeof json,
             "{\"duration\": 40000, \"warmup\": 500,"
             " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.5}, \"route\": [\"s\"]}},"
             " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"failures\": {"
             "  \"up\": {\"type\": \"exponential\", \"mean\": 20}, \"down\": {\"type\": \"exponential\", \"mean\": 2},"
             "  \"jobs\": \"%s\"}}}}", jobs);
    double a[3][R], *out[3] = { a[0], a[1], a[2] };
    replicate(json, breakdown_collect, out);
    fprintf(stderr, "M/M/1 with breakdowns (up 20 s, down 2 s, jobs %s)\n", jobs);
    expect("mean number present L (the CTMC)", a[0], L, rel_l);
    expect("fraction of time down", a[1], pdown, 0.05);
    if (lost)
        expect("lost in failures / arrivals", a[2], plost, 0.06);
    else
        for (int r = 0; r < R; r++)
            ck_assert_double_eq(a[2][r], 0);
}

START_TEST(mm1_with_breakdowns_and_resumed_jobs_matches_its_markov_chain)
{
    check_breakdowns("resume", 0, 0.05);
}
END_TEST

START_TEST(mm1_with_breakdowns_that_lose_the_job_in_service_matches_its_markov_chain)
{
    check_breakdowns("lost", 1, 0.05);
}
END_TEST

/* The three fates of a job in service, exactly: one user (a closed
 * population of 1, think 1 s) sends a job needing 10 s at t = 1; the node
 * is down from t = 5 to 7.  Resumed, the job ends at 13 (12 s: 10 of
 * service, 2 of repair); restarted, it begins again at 7 and ends at 17
 * (16 s); lost, its request ends dropped at t = 5 and the node counts it
 * lost.  The runs stop before the user's next request is answered. */
static tb_model *one_job_outage(const char *jobs, double duration)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"duration\": %g, \"warmup\": 0,"
             " \"classes\": {\"u\": {\"arrival\": {\"process\": \"closed\", \"population\": 1, \"think\": 1},"
             "   \"route\": [\"s\"]}},"
             " \"nodes\": {\"s\": {\"service\": 10, \"failures\": {\"at\": [[5, 2]], \"jobs\": \"%s\"}}}}",
             duration, jobs);
    tb_model *m = test_model(json, 1, 0, "heap");
    test_run(m);
    return m;
}

START_TEST(a_failure_resumes_restarts_or_loses_the_job_in_service_at_the_exact_times)
{
    tb_model *m = one_job_outage("resume", 13.5);
    ck_assert_uint_eq(m->classes[0].completions, 1);
    ck_assert_double_eq_tol(secs(m, m->classes[0].sojourn.w.mean), 12, 1e-6);
    tb_model_free(m);
    m = one_job_outage("restart", 17.5);
    ck_assert_uint_eq(m->classes[0].completions, 1);
    ck_assert_double_eq_tol(secs(m, m->classes[0].sojourn.w.mean), 16, 1e-6);
    tb_model_free(m);
    m = one_job_outage("lost", 5.5);
    ck_assert_uint_eq(m->classes[0].completions, 0);
    ck_assert_uint_eq(m->classes[0].out[TB_OUT_DROPPED], 1);
    ck_assert_uint_eq(m->nodes[0].lost_fail, 1);
    ck_assert_uint_eq(m->nodes[0].fail.count, 1);
    tb_model_free(m);
}
END_TEST

/* Schedules: a single-worker node whose speed doubles at t = 100 s is,
 * after the warm-up, an M/M/1 with mu = 2 (mean sojourn 1/(2 - lambda));
 * one whose workers go from 1 to 2 at t = 100 s is an M/M/2 (Erlang C
 * wait C(2, a) / (2 mu - lambda) plus the service 1/mu). */
static void sojourn_collect(const tb_model *m, int r, double **out)
{
    out[0][r] = secs(m, m->nodes[0].sojourn.w.mean);
}

START_TEST(speed_and_worker_schedules_give_the_queues_they_describe)
{
    const double lambda = 1.2;
    const char *fast =
        "{\"duration\": 20000, \"warmup\": 300,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1.2}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"capacity\": 1000,"
        "   \"speed_schedule\": [[0, 1], [100, 2]]}}}";
    const char *two =
        "{\"duration\": 20000, \"warmup\": 300,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1.2}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"capacity\": 1000,"
        "   \"workers_schedule\": [[100, 2]]}}}";
    double a[1][R], *out[1] = { a[0] };
    replicate(fast, sojourn_collect, out);
    fprintf(stderr, "speed 1 then 2 from t = 100 s, lambda 1.2\n");
    expect("M/M/1 mu = 2 sojourn 1/(2 - lambda)", a[0], 1 / (2 - lambda), 0.04);
    double A = lambda, c2 = (A * A / 2) / (1 - A / 2), C = c2 / (1 + A + c2); /* Erlang C, 2 servers */
    replicate(two, sojourn_collect, out);
    fprintf(stderr, "workers 1 then 2 from t = 100 s, lambda 1.2\n");
    expect("M/M/2 sojourn C/(2 mu - lambda) + 1/mu", a[0], C / (2 - lambda) + 1, 0.04);
}
END_TEST

/* ---- size-aware scheduling: SRPT, LAS, SITA ----------------------------- */

/* Simpson's rule with n (even) intervals. */
static double simpson(double (*f)(double x, const void *ctx), const void *ctx, double a, double b, int n)
{
    double h = (b - a) / n, sum = f(a, ctx) + f(b, ctx);
    for (int i = 1; i < n; i++)
        sum += (i % 2 ? 4 : 2) * f(a + i * h, ctx);
    return sum * h / 3;
}

/* A two-phase hyperexponential (an exponential when p[1] = 0): its
 * density, tail and partial moments int_0^x t^k dF(t), k = 1, 2. */
typedef struct h2 {
    double p[2], r[2], lambda;
} h2;

static double h2_pdf(const h2 *d, double x)
{
    return d->p[0] * d->r[0] * exp(-d->r[0] * x) + d->p[1] * d->r[1] * exp(-d->r[1] * x);
}

static double h2_tail(const h2 *d, double x)
{
    return d->p[0] * exp(-d->r[0] * x) + d->p[1] * exp(-d->r[1] * x);
}

static double h2_m1(const h2 *d, double x)
{
    double s = 0;
    for (int i = 0; i < 2; i++)
        s += d->p[i] * (1 - exp(-d->r[i] * x) * (1 + d->r[i] * x)) / d->r[i];
    return s;
}

static double h2_m2(const h2 *d, double x)
{
    double s = 0;
    for (int i = 0; i < 2; i++) {
        double rx = d->r[i] * x;
        s += d->p[i] * (2 - exp(-rx) * (rx * rx + 2 * rx + 2)) / (d->r[i] * d->r[i]);
    }
    return s;
}

/* SRPT (Schrage and Miller 1966): a job of size x waits
 *   lambda (m2(x) + x^2 (1 - F(x))) / (2 (1 - rho_x)^2),  rho_x = lambda m1(x),
 * and then takes int_0^x dt / (1 - rho_t) (residence, with preemptions). */
static double srpt_residence(double t, const void *ctx)
{
    const h2 *d = ctx;
    return 1 / (1 - d->lambda * h2_m1(d, t));
}

static double srpt_T(double x, const void *ctx)
{
    const h2 *d = ctx;
    double rx = d->lambda * h2_m1(d, x);
    double wait = d->lambda * (h2_m2(d, x) + x * x * h2_tail(d, x)) / (2 * (1 - rx) * (1 - rx));
    return (wait + (x > 0 ? simpson(srpt_residence, ctx, 0, x, 64) : 0)) * h2_pdf(d, x);
}

/* LAS / foreground-background (Kleinrock 1976, vol. 2, 4.6): with the
 * truncated moments mbar_k(x) = E[min(S, x)^k] and rhobar_x = lambda mbar_1(x),
 *   T(x) = lambda mbar_2(x) / (2 (1 - rhobar_x)^2) + x / (1 - rhobar_x). */
static double las_T(double x, const void *ctx)
{
    const h2 *d = ctx;
    double tail = h2_tail(d, x), rb = d->lambda * (h2_m1(d, x) + x * tail);
    double m2 = h2_m2(d, x) + x * x * tail;
    return (d->lambda * m2 / (2 * (1 - rb) * (1 - rb)) + x / (1 - rb)) * h2_pdf(d, x);
}

static void class_sojourn_collect(const tb_model *m, int r, double **out)
{
    out[0][r] = secs(m, m->classes[0].sojourn.w.mean);
}

START_TEST(srpt_matches_schrage_and_miller)
{
    h2 d = { { 1, 0 }, { 1, 1 }, 0.7 }; /* exponential sizes, rho 0.7 */
    double T = simpson(srpt_T, &d, 0, 40, 2000);
    const char *json =
        "{\"duration\": 80000, \"warmup\": 500,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.7}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"policy\": \"srpt\"}}}";
    double a[1][R], *out[1] = { a[0] };
    replicate(json, class_sojourn_collect, out);
    fprintf(stderr, "M/M/1 rho 0.7 under SRPT (FCFS: 3.333)\n");
    expect("mean response (Schrage-Miller)", a[0], T, 0.04);
}
END_TEST

START_TEST(las_matches_the_foreground_background_formula)
{
    /* sizes: 0.9 Exp(mean 0.5) + 0.1 Exp(mean 5.5), mean 1, E[S^2] 6.5 (FCFS: 8.58 s) */
    h2 d = { { 0.9, 0.1 }, { 2, 1 / 5.5 }, 0.7 };
    double T = simpson(las_T, &d, 0, 300, 30000);
    const char *json =
        "{\"duration\": 160000, \"warmup\": 500,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.7}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"hyperexponential\", \"p\": [0.9, 0.1],"
        "   \"rate\": [2, 0.18181818181818182]}, \"policy\": \"p\"}},"
        " \"policies\": {\"p\": {\"script\": \"las\", \"params\": {\"quantum\": 0.02}}}}";
    double a[1][R], *out[1] = { a[0] };
    replicate(json, class_sojourn_collect, out);
    fprintf(stderr, "M/H2/1 rho 0.7 under LAS, quantum 0.02 s\n");
    expect("mean response (Kleinrock's FB)", a[0], T, 0.07);
}
END_TEST

/* SITA against random assignment (Harchol-Balter, Crovella and Murta
 * 1999): Poisson arrivals at lambda to two FCFS servers, lognormal sizes
 * (mean 1, cv 2: sigma^2 = ln 5), service = size.  Random: each server is
 * an M/G/1 with lambda/2 (Pollaczek-Khinchine).  SITA with cutoff c: sizes
 * below c go to server 1, an M/G/1 with lambda F(c) and the truncated law
 * (partial moments E[S^k; S < c] = e^(k mu + k^2 sigma^2/2) Phi((ln c - mu
 * - k sigma^2)/sigma)), the rest to server 2.  c = 1.3 balances the loads
 * roughly; SITA's mean response is far below random's. */
static double lognormal_partial(double mu, double s2, int k, double c)
{
    double s = sqrt(s2);
    return exp(k * mu + k * k * s2 / 2) * 0.5 * erfc(-((log(c) - mu - k * s2) / s) / sqrt(2));
}

static double mg1_response(double lambda, double es, double es2)
{
    return lambda * es2 / (2 * (1 - lambda * es)) + es;
}

START_TEST(sita_beats_random_assignment_as_theory_says)
{
    const double lambda = 1, s2 = log(5), mu = -s2 / 2, cut = 1.3;
    double es2 = exp(2 * mu + 2 * s2);
    double rnd = mg1_response(lambda / 2, 1, es2);
    double F = lognormal_partial(mu, s2, 0, cut), a1 = lognormal_partial(mu, s2, 1, cut),
           b1 = lognormal_partial(mu, s2, 2, cut);
    double l1 = lambda * F, l2 = lambda * (1 - F);
    double sita = (l1 * mg1_response(l1, a1 / F, b1 / F) + l2 * mg1_response(l2, (1 - a1) / (1 - F),
                                                                            (es2 - b1) / (1 - F))) / lambda;
    static const char *const fmt =
        "{\"duration\": 160000, \"warmup\": 1000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"entry\": \"d\","
        "   \"size\": {\"type\": \"lognormal\", \"mean\": 1, \"cv\": 2}}},"
        " \"nodes\": {\"d\": {\"kind\": \"router\", \"policy\": \"p\", \"balance\": [\"W\"]},"
        "   \"W\": {\"count\": 2, \"service_by_size\": 1}},"
        " \"policies\": {\"p\": %s}}";
    char json[1024];
    double a[1][R], *out[1] = { a[0] };
    snprintf(json, sizeof json, fmt, "{\"script\": \"sita\", \"params\": {\"cutoffs\": [1.3]}}");
    replicate(json, class_sojourn_collect, out);
    fprintf(stderr, "two servers, lognormal sizes (mean 1, cv 2), lambda 1\n");
    expect("SITA (cutoff 1.3) mean response", a[0], sita, 0.05);
    double hw_s, m_s = test_mean_hw(a[0], R, 0.999, &hw_s), hw_r;
    snprintf(json, sizeof json, fmt, "\"random\"");
    replicate(json, class_sojourn_collect, out);
    expect("random assignment mean response", a[0], rnd, 0.07);
    double m_r = test_mean_hw(a[0], R, 0.999, &hw_r);
    ck_assert_double_lt(sita, 0.8 * rnd);           /* the theory: SITA's advantage is large here */
    ck_assert_double_lt(m_s + hw_s, m_r - hw_r);    /* and the simulation shows it beyond both intervals */
}
END_TEST

/* ---- fan-out and join, redundancy --------------------------------------- */

/* Fork-join of two M/M/1 servers (every job splits into one task per
 * server and leaves when both are done): Nelson and Tantawi (IEEE Trans.
 * Computers 37(6), 1988; exact for two servers, Flatto and Hahn 1984)
 *     E[T] = (12 - rho) / 8 * 1 / (mu - lambda). */
START_TEST(fork_join_of_two_servers_matches_nelson_and_tantawi)
{
    const double lambda = 0.5, mu = 1, rho = lambda / mu;
    const char *json =
        "{\"duration\": 40000, \"warmup\": 500,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.5}, \"entry\": \"f\"}},"
        " \"nodes\": {\"f\": {\"kind\": \"router\", \"fork\": {\"to\": [\"S\"]}},"
        "   \"S\": {\"count\": 2, \"service\": {\"type\": \"exponential\", \"mean\": 1}}}}";
    double a[1][R], *out[1] = { a[0] };
    replicate(json, class_sojourn_collect, out);
    fprintf(stderr, "fork-join over two M/M/1, rho 0.5\n");
    expect("mean response (12 - rho)/8 / (mu - lambda)", a[0], (12 - rho) / 8 / (mu - lambda), 0.04);
}
END_TEST

/* Full redundancy with cancellation on completion: every job is copied to
 * both exponential FCFS servers and leaves with the first copy done, the
 * other cancelled.  Both servers then always work on the same job, at
 * total rate 2 mu: an M/M/1 with rate 2 mu (Gardner et al., SIGMETRICS
 * 2015), E[T] = 1 / (2 mu - lambda), and each job's wasted work is what
 * the losing copy received: half the busy time. */
static void redundancy_collect(const tb_model *m, int r, double **out)
{
    const tb_fork *f = m->nodes[0].fork;
    out[0][r] = secs(m, m->classes[0].sojourn.w.mean);
    out[1][r] = (double)f->sent / (double)f->forks;
}

START_TEST(full_redundancy_with_cancellation_is_an_mm1_at_twice_the_rate)
{
    const double lambda = 1.2, mu = 1;
    const char *json =
        "{\"duration\": 40000, \"warmup\": 500,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1.2}, \"entry\": \"f\"}},"
        " \"nodes\": {\"f\": {\"kind\": \"router\", \"fork\": {\"to\": [\"S\"], \"join\": \"first\"}},"
        "   \"S\": {\"count\": 2, \"service\": {\"type\": \"exponential\", \"mean\": 1}}}}";
    double a[2][R], *out[2] = { a[0], a[1] };
    replicate(json, redundancy_collect, out);
    fprintf(stderr, "redundancy-2 with cancellation, lambda 1.2, mu 1\n");
    expect("mean response 1 / (2 mu - lambda)", a[0], 1 / (2 * mu - lambda), 0.04);
    for (int r = 0; r < R; r++)
        ck_assert_double_eq_tol(a[1][r], 2, 0.002); /* two copies of (almost) every job that forked */
}
END_TEST

/* The number of copies decided per job by a policy: fanout() = 1 makes the
 * fork send each job to one uniformly chosen server of two, so each is an
 * M/M/1 with lambda/2: E[T] = 1 / (mu - lambda/2), one copy per job. */
START_TEST(a_fanout_hook_that_sends_one_copy_splits_the_load_like_random_routing)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"duration\": 40000, \"warmup\": 500,"
             " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1.2}, \"entry\": \"f\"}},"
             " \"nodes\": {\"f\": {\"kind\": \"router\", \"policy\": \"%s/tests/policies/fanout_one.lua\","
             "   \"fork\": {\"to\": [\"S\"]}}, \"S\": {\"count\": 2, \"service\": {\"type\": \"exponential\", \"mean\": 1}}}}",
             TB_SOURCE_ROOT);
    double a[2][R], *out[2] = { a[0], a[1] };
    replicate(json, redundancy_collect, out);
    fprintf(stderr, "fork with fanout() = 1 over two M/M/1, lambda 1.2\n");
    expect("mean response 1 / (mu - lambda/2)", a[0], 1 / (1 - 0.6), 0.04);
    for (int r = 0; r < R; r++)
        ck_assert_double_eq(a[1][r], 1);
}
END_TEST


/* Client-side adaptive throttling (Beyer et al., Site Reliability
 * Engineering, 2016, ch. 21): a client refuses an attempt locally with
 * probability max(0, (requests - K accepts) / (requests + 1)).  At its
 * fixed point p = 1 - K A / R (A accepts and R requests per second, R
 * large), so the attempts it does send, (1 - p) R, are K times the
 * accepts: against an overloaded server (one slot, 10/s offered to 2/s of
 * service, a full slot answers at once) sent / accepted = K. */
static void throttle_collect(const tb_model *m, int r, double **out)
{
    const tb_class *c = &m->classes[0];
    double sent = (double)(c->attempts - c->client->throttled);
    out[0][r] = sent / (double)c->att_out[TB_ATT_COMPLETED];
}

START_TEST(adaptive_throttling_sends_k_times_what_is_accepted)
{
    for (int k2 = 0; k2 < 2; k2++) {
        double K = k2 ? 1.5 : 2;
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"duration\": 3000, \"warmup\": 300,"
                 " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 10}, \"route\": [\"s\"],"
                 "   \"client\": {\"retries\": 0, \"throttle\": {\"k\": %g, \"window\": 60}}}},"
                 " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 0.5}, \"capacity\": 1}}}", K);
        double a[1][R], *out[1] = { a[0] };
        replicate(json, throttle_collect, out);
        fprintf(stderr, "adaptive throttle K = %g against a server that accepts 2/s of 10/s\n", K);
        expect("attempts sent / accepted = K", a[0], K, 0.03);
    }
}
END_TEST

/* A closed network of two queues: N users think (exponential, Z), then
 * visit an application server (one worker, exponential, S1) and a
 * database (one worker, exponential, S2) in turn.  A product-form network,
 * solved exactly by mean-value analysis (Reiser and Lavenberg, JACM 1980):
 * for n = 1..N, R_k(n) = S_k (1 + Q_k(n - 1)), X(n) = n / (Z + sum R_k(n)),
 * Q_k(n) = X(n) R_k(n). */
static void closed_net_collect(const tb_model *m, int r, double **out)
{
    const tb_class *c = &m->classes[0];
    double T = tb_model_measured_seconds(m);
    out[0][r] = (double)c->departed / T;
    out[1][r] = secs(m, c->sojourn.w.mean);
    out[2][r] = node_mean_queue(m, 1) + sim_tavg_mean(&m->nodes[1].b, m->eng->now);
}

START_TEST(a_closed_network_of_two_queues_matches_exact_mean_value_analysis)
{
    enum { N = 12 };
    const double Z = 5, S[2] = { 0.4, 0.6 };
    double Q[2] = { 0, 0 }, X = 0, Rt = 0;
    for (int n = 1; n <= N; n++) {
        double Rk[2];
        Rt = 0;
        for (int k = 0; k < 2; k++)
            Rt += Rk[k] = S[k] * (1 + Q[k]);
        X = n / (Z + Rt);
        for (int k = 0; k < 2; k++)
            Q[k] = X * Rk[k];
    }
    const char *json =
        "{\"duration\": 20000, \"warmup\": 400,"
        " \"classes\": {\"users\": {\"arrival\": {\"process\": \"closed\", \"population\": 12,"
        "   \"think\": {\"type\": \"exponential\", \"mean\": 5}}, \"route\": [\"app\", \"db\"]}},"
        " \"nodes\": {\"app\": {\"service\": {\"type\": \"exponential\", \"mean\": 0.4}},"
        "   \"db\": {\"service\": {\"type\": \"exponential\", \"mean\": 0.6}}}}";
    double a[3][R], *out[3] = { a[0], a[1], a[2] };
    replicate(json, closed_net_collect, out);
    fprintf(stderr, "closed network: 12 users, think 5 s, app 0.4 s, db 0.6 s (exact MVA)\n");
    expect("throughput X(N)", a[0], X, 0.02);
    expect("response time sum R_k(N)", a[1], Rt, 0.04);
    expect("jobs at the database Q_db(N)", a[2], Q[1], 0.05);
}
END_TEST

Suite *theory_suite(void)
{
    Suite *s = suite_create("theory");
    TCase *tc = tcase_create("queues");
    tcase_set_tags(tc, "slow");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, mm1_at_half_load_matches_theory);
    tcase_add_test(tc, a_closed_population_matches_the_machine_repairman_model);
    tcase_add_test(tc, a_closed_network_of_two_queues_matches_exact_mean_value_analysis);
    tcase_add_test(tc, mmc_with_exponential_patience_matches_erlang_a);
    tcase_add_test(tc, mm1_with_balking_matches_its_birth_death_chain);
    tcase_add_test(tc, balking_decided_by_a_policy_matches_erlangs_loss_formula);
    tcase_add_test(tc, a_queue_whose_speed_depends_on_its_jobs_matches_its_birth_death_chain);
    tcase_add_test(tc, mm1_with_breakdowns_and_resumed_jobs_matches_its_markov_chain);
    tcase_add_test(tc, mm1_with_breakdowns_that_lose_the_job_in_service_matches_its_markov_chain);
    tcase_add_test(tc, a_failure_resumes_restarts_or_loses_the_job_in_service_at_the_exact_times);
    tcase_add_test(tc, speed_and_worker_schedules_give_the_queues_they_describe);
    tcase_add_test(tc, srpt_matches_schrage_and_miller);
    tcase_add_test(tc, adaptive_throttling_sends_k_times_what_is_accepted);
    tcase_add_test(tc, fork_join_of_two_servers_matches_nelson_and_tantawi);
    tcase_add_test(tc, full_redundancy_with_cancellation_is_an_mm1_at_twice_the_rate);
    tcase_add_test(tc, a_fanout_hook_that_sends_one_copy_splits_the_load_like_random_routing);
    tcase_add_test(tc, las_matches_the_foreground_background_formula);
    tcase_add_test(tc, sita_beats_random_assignment_as_theory_says);
    tcase_add_test(tc, a_fixed_route_through_groups_splits_evenly_and_matches_jackson);
    tcase_add_test(tc, mm1_at_0_9_load_matches_theory);
    tcase_add_test(tc, mmc_with_four_workers_matches_erlang_c);
    tcase_add_test(tc, the_theory_stated_in_shipped_scenarios_is_what_the_formulas_give);
    tcase_add_test(tc, mm1k_blocking_probability_matches_theory);
    tcase_add_test(tc, md1_matches_pollaczek_khinchine);
    tcase_add_test(tc, mg1_with_high_variance_service_matches_pollaczek_khinchine);
    tcase_add_test(tc, tandem_of_three_mm1_matches_jackson);
    tcase_add_test(tc, feedback_loop_matches_jackson_traffic_equations);
    tcase_add_test(tc, infinite_server_node_has_mean_occupancy_lambda_times_mean_service);
    tcase_add_test(tc, routing_by_next_follows_its_probabilities);
    suite_add_tcase(s, tc);
    return s;
}
