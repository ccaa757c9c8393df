/* check_policy.c - the shipped Lua policies: theory where it exists, else each policy's defining property. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../models/tb_io.h"
#include "../models/tb_policy.h"
#include "tb_test.h"

enum { R = 10 };

static tb_model *model(const char *json, uint64_t rep)
{
    return test_model(json, 20261126, rep, rep % 2 ? "calendar" : "heap");
}

/* ---- FIFO in Lua is the built-in FIFO ---------------------------------- */

static void assert_same_latency(const tb_latency *a, const tb_latency *b)
{
    ck_assert_uint_eq(a->w.n, b->w.n);
    ck_assert(a->w.mean == b->w.mean && a->w.m2 == b->w.m2);
    for (double q = 0; q <= 1; q += 0.05)
        ck_assert(sim_hist_quantile(&a->h, q) == sim_hist_quantile(&b->h, q));
}

START_TEST(fifo_lua_gives_exactly_the_builtin_results)
{
#define FIFO_FMT \
        "{\"duration\": 20000, \"warmup\": 100," \
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.9}, \"route\": [\"a\", \"b\"]}}," \
        " \"nodes\": {\"a\": {\"workers\": 2, \"service\": {\"type\": \"lognormal\", \"mean\": 1.5, \"cv\": 2}%s}," \
        "             \"b\": {\"service\": {\"type\": \"exponential\", \"mean\": 0.8}%s}}}"
    char plain[1024], lua[1024];
    snprintf(plain, sizeof plain, FIFO_FMT, "", "");
    snprintf(lua, sizeof lua, FIFO_FMT, ", \"policy\": \"fifo\"", ", \"policy\": \"fifo\"");
    tb_model *x = model(plain, 0), *y = model(lua, 0);
    ck_assert_int_eq(y->ndeciders, 2);
    test_run(x);
    test_run(y);
    ck_assert_uint_eq(x->eng->events, y->eng->events);
    assert_same_latency(&x->classes[0].sojourn, &y->classes[0].sojourn);
    for (int k = 0; k < 2; k++) {
        assert_same_latency(&x->nodes[k].wait, &y->nodes[k].wait);
        ck_assert(sim_tavg_mean(&x->nodes[k].q, x->eng->now) ==
                  sim_tavg_mean(&y->nodes[k].q, y->eng->now));
    }
    tb_model_free(x);
    tb_model_free(y);
}
END_TEST

/* ---- a decider in C is a first-class policy ------------------------------- */

static double c_fifo_rank(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j)
{
    (void)d, (void)nd, (void)j;
    return sim_seconds(m->eng->now, m->tps); /* what lua/fifo.lua returns: sim.now() */
}

static void c_free(tb_decider *d)
{
    free(d->name);
    free(d->shown);
    free(d);
}

/* The classes and nodes of a run's summary.json, as text (the manifest
 * differs: one policy has a script, the other none). */
static char *results_text(const tb_model *m)
{
    cJSON *sum = test_summary(m);
    cJSON *part = cJSON_CreateObject();
    cJSON_AddItemToObject(part, "classes", cJSON_DetachItemFromObject(sum, "classes"));
    cJSON_AddItemToObject(part, "nodes", cJSON_DetachItemFromObject(sum, "nodes"));
    char *text = cJSON_PrintUnformatted(part);
    cJSON_Delete(part);
    cJSON_Delete(sum);
    return text;
}

static double c_lifo_rank(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j)
{
    (void)d, (void)nd, (void)j;
    return -sim_seconds(m->eng->now, m->tps); /* lua/lifo.lua: -sim.now() */
}

/* The results of the FIFO_FMT network with `script` at both nodes, and with
 * a C decider whose only member is `rank`: they must be the same bytes. */
static void c_decider_matches(const char *script, double (*rank)(tb_model *, tb_decider *, tb_node *, tb_job *))
{
    char plain[1024], lua[1024], err[512], pol[64];
    snprintf(pol, sizeof pol, ", \"policy\": \"%s\"", script);
    snprintf(plain, sizeof plain, FIFO_FMT, "", "");
    snprintf(lua, sizeof lua, FIFO_FMT, pol, pol);
    tb_model *y = model(lua, 0), *c = test_model_err(plain, err, sizeof err);
    ck_assert_ptr_nonnull(c);
    tb_decider *d = calloc(1, sizeof *d);
    ck_assert_ptr_nonnull(d);
    d->name = strdup("in_c");
    d->shown = strdup("a decider in C");
    d->ops.rank = rank; /* and nothing else: every other decision is the built-in one */
    d->ops.free = c_free;
    ck_assert_int_eq(tb_model_add_decider(c, d), 0);
    c->nodes[0].decider = c->nodes[1].decider = d;
    c->seed = 20261126;
    ck_assert_msg(tb_model_prepare(c, &sim_evq_heap) == 0, "%s", c->error);
    ck_assert(c->nodes[0].queues[0].ranked); /* a rank member makes the queue ranked, as for Lua */
    test_run(y);
    test_run(c);
    ck_assert_uint_eq(c->eng->events, y->eng->events);
    char *a = results_text(y), *b = results_text(c);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    tb_model_free(y);
    tb_model_free(c);
}

/* FIFO is also the built-in order; LIFO is not, so it shows the C member is
 * the one deciding. */
START_TEST(a_decider_in_c_gives_the_bytes_of_the_same_policy_in_lua)
{
    c_decider_matches("fifo", c_fifo_rank);
    c_decider_matches("lifo", c_lifo_rank);
}
END_TEST

/* ---- disciplines: the started job is always the discipline's choice ------- */

typedef struct {
    int (*before)(const tb_job *a, const tb_job *b); /* a must not be served after b */
    long violations, contested;
} order_check;

static void each_waiting(const tb_node *nd, const tb_job *j, order_check *oc)
{
    int contested = 0;
    for (int q = 0; q < nd->nqueues; q++) {
        const tb_queue *qu = &nd->queues[q];
        if (qu->ranked) {
            for (size_t i = 0; i < qu->n; i++, contested = 1)
                oc->violations += !oc->before(j, qu->heap[i]);
        } else {
            for (const tb_job *w = qu->head; w; w = w->next, contested = 1)
                oc->violations += !oc->before(j, w);
        }
    }
    oc->contested += contested;
}

static void check_start(void *ctx, const tb_model *m, const tb_job *j, const tb_node *nd, int ev)
{
    (void)m;
    if (ev == TB_OBS_START)
        each_waiting(nd, j, ctx);
}

static int fifo_before(const tb_job *a, const tb_job *b) { return a->arrived <= b->arrived; }
static int lifo_before(const tb_job *a, const tb_job *b) { return a->arrived >= b->arrived; }
static int sjf_before(const tb_job *a, const tb_job *b) { return a->service <= b->service; }
static int edf_before(const tb_job *a, const tb_job *b) { return a->deadline <= b->deadline; }
static int prio_before(const tb_job *a, const tb_job *b) { return a->priority >= b->priority; }

static void check_discipline(const char *policy, int (*before)(const tb_job *, const tb_job *))
{
    char json[1024];
    /* the format is fixed here; only the policy name varies */
    snprintf(json, sizeof json,
             "{\"duration\": 20000,"
             " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.95}, \"route\": [\"s\"],"
             "   \"priority\": {\"type\": \"uniform\", \"min\": 0, \"max\": 10},"
             "   \"deadline\": {\"type\": \"exponential\", \"mean\": 30}}},"
             " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"policy\": \"%s\"}}}",
             policy);
    order_check oc = { before, 0, 0 };
    tb_model *m = model(json, 0);
    m->observe = check_start;
    m->observe_ctx = &oc;
    test_run(m);
    ck_assert_msg(oc.contested > 5000, "%s: only %ld contested starts", policy, oc.contested);
    ck_assert_msg(oc.violations == 0, "%s: %ld of %ld starts broke the discipline", policy,
                  oc.violations, oc.contested);
    tb_model_free(m);
}

START_TEST(each_discipline_always_serves_its_own_choice_next)
{
    check_discipline("fifo", fifo_before);
    check_discipline("lifo", lifo_before);
    check_discipline("sjf", sjf_before);
    check_discipline("edf", edf_before);
    check_discipline("priority", prio_before);
}
END_TEST

START_TEST(the_order_check_catches_a_discipline_that_is_not_the_one_claimed)
{
    /* FIFO does not serve shortest first: the checker must notice. */
    const char *json =
        "{\"duration\": 2000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.95}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"policy\": \"fifo\"}}}";
    order_check oc = { sjf_before, 0, 0 };
    tb_model *m = model(json, 0);
    m->observe = check_start;
    m->observe_ctx = &oc;
    test_run(m);
    ck_assert_int_gt(oc.violations, 100);
    tb_model_free(m);
}
END_TEST

/* ---- priority: Cobham's formulas ------------------------------------------- */

static void check_priority(int preemptive)
{
    /* Two classes, lambda = 0.4 each, exponential service mean 1 (rho = 0.8).
     * W0 = sum lambda_i E[S_i^2] / 2 = 0.8 * 2 / 2 = 0.8.
     * Non-preemptive (Cobham 1954): W_k = W0 / ((1 - s_{k-1})(1 - s_k)), s_k
     * the load of classes 1..k: W_hi = 0.8 / (1 * 0.6), W_lo = 0.8 / (0.6 * 0.2).
     * Preemptive-resume: T_k = E[S]/(1 - s_{k-1}) + W0_k / ((1 - s_{k-1})(1 - s_k)),
     * W0_k over classes 1..k: T_hi = 1/(1 - 0.4) (an M/M/1 of its own),
     * T_lo = 1/0.6 + 0.8/(0.6 * 0.2). */
    char json[1024];
    snprintf(json, sizeof json,
             "{\"duration\": 100000, \"warmup\": 2000,"
             " \"policies\": {\"p\": {\"script\": \"priority\", \"params\": {\"preemptive\": %s}}},"
             " \"classes\": {\"hi\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.4}, \"route\": [\"s\"], \"priority\": 2},"
             "               \"lo\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.4}, \"route\": [\"s\"], \"priority\": 1}},"
             " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"policy\": \"p\"}}}",
             preemptive ? "true" : "false");
    double x[2][R];
    for (int r = 0; r < R; r++) {
        tb_model *m = model(json, (uint64_t)r);
        test_run(m);
        for (int c = 0; c < 2; c++)
            x[c][r] = (preemptive ? m->classes[c].sojourn.w.mean : m->classes[c].wait.w.mean) / m->tps;
        tb_model_free(m);
    }
    if (preemptive) {
        fprintf(stderr, "M/M/1 two-class preemptive-resume priority\n");
        test_expect("high class sojourn 1/(mu - lambda_hi)", x[0], R, 1 / 0.6, 0.03);
        test_expect("low class sojourn (preemptive-resume)", x[1], R, 1 / 0.6 + 0.8 / (0.6 * 0.2), 0.06);
    } else {
        fprintf(stderr, "M/M/1 two-class non-preemptive priority (Cobham)\n");
        test_expect("high class wait W0/(1-s1)", x[0], R, 0.8 / 0.6, 0.03);
        test_expect("low class wait W0/((1-s1)(1-s2))", x[1], R, 0.8 / (0.6 * 0.2), 0.06);
    }
}

START_TEST(nonpreemptive_priority_matches_cobham)
{
    check_priority(0);
}
END_TEST

START_TEST(preemptive_resume_priority_matches_theory)
{
    check_priority(1);
}
END_TEST

/* ---- processor sharing ----------------------------------------------------- */

typedef struct {
    double soj[3], svc[3];
} ps_bins;

static void ps_collect(void *ctx, const tb_model *m, const tb_job *j, const tb_node *nd, int ev)
{
    if (ev != TB_OBS_DONE || !m->measuring)
        return;
    ps_bins *b = ctx;
    double s = (double)j->service / m->tps;
    int k = s < 0.5 ? 0 : s < 1.5 ? 1 : 2;
    b->soj[k] += (double)(m->eng->now - j->arrived) / m->tps;
    b->svc[k] += s;
    (void)nd;
}

START_TEST(processor_sharing_has_fifos_mean_and_sojourn_proportional_to_size)
{
    /* M/M/1-PS, rho = 0.8: E[T] = 1/(mu - lambda) = 5 as for FIFO, and
     * E[T | S = x] = x / (1 - rho), so in any band of job sizes the ratio of
     * total sojourn to total service is 1/(1 - rho) = 5 (Kleinrock 1967). */
    const char *json =
        "{\"duration\": 200000, \"warmup\": 2000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.8}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"policy\": \"ps\"}}}";
    double mean[R], ratio[3][R];
    for (int r = 0; r < R; r++) {
        ps_bins b = { { 0 }, { 0 } };
        tb_model *m = model(json, (uint64_t)r);
        m->observe = ps_collect;
        m->observe_ctx = &b;
        test_run(m);
        mean[r] = m->classes[0].sojourn.w.mean / m->tps;
        for (int k = 0; k < 3; k++)
            ratio[k][r] = b.soj[k] / b.svc[k];
        tb_model_free(m);
    }
    fprintf(stderr, "M/M/1-PS rho=0.8\n");
    test_expect("mean sojourn 1/(mu - lambda)", mean, R, 5, 0.05);
    test_expect("E[T|S]/S for S < 0.5: 1/(1-rho)", ratio[0], R, 5, 0.06);
    test_expect("E[T|S]/S for 0.5 <= S < 1.5", ratio[1], R, 5, 0.05);
    test_expect("E[T|S]/S for S >= 1.5", ratio[2], R, 5, 0.05);
}
END_TEST

/* ---- load balancing ---------------------------------------------------------- */

/* A dispatcher "lb" over n identical exponential servers w1..wn. */
static char *lb_json(int n, double lambda_per_server, double duration, const char *policy,
                     int attach_to_servers)
{
    size_t cap = 4096 + (size_t)n * 160;
    char *s = malloc(cap), *p = s;
    p += sprintf(p,
                 "{\"duration\": %g, \"warmup\": %g,"
                 " \"policies\": {\"lb\": %s},"
                 " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": %.17g}, \"entry\": \"lb\"}},"
                 " \"nodes\": {\"lb\": {\"kind\": \"router\", \"policy\": \"lb\", \"balance\": [",
                 duration, duration / 10, policy, lambda_per_server * n);
    for (int i = 1; i <= n; i++)
        p += sprintf(p, "%s\"w%d\"", i > 1 ? ", " : "", i);
    p += sprintf(p, "]}");
    for (int i = 1; i <= n; i++)
        p += sprintf(p, ", \"w%d\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}%s}", i,
                     attach_to_servers ? ", \"policy\": \"lb\"" : "");
    sprintf(p, "}}");
    return s;
}

/* T_d(lambda) = sum_{i>=1} lambda^((d^i - d)/(d - 1)) (Mitzenmacher 2001). */
static double mitzenmacher(int d, double lambda)
{
    double t = 0;
    for (int i = 1; i < 64; i++) {
        double e = (pow(d, i) - d) / (d - 1);
        double term = pow(lambda, e);
        t += term;
        if (term < 1e-15)
            break;
    }
    return t;
}

static void check_power_of_d(int d, double lambda, double duration, double lo, double hi)
{
    char policy[128];
    snprintf(policy, sizeof policy, "{\"script\": \"power_of_d\", \"params\": {\"d\": %d}}", d);
    char *json = lb_json(100, lambda, duration, policy, 0);
    enum { RP = 10 };
    double x[RP];
    for (int r = 0; r < RP; r++) {
        tb_model *m = model(json, (uint64_t)r);
        test_run(m);
        x[r] = m->classes[0].sojourn.w.mean / m->tps;
        tb_model_free(m);
    }
    free(json);
    double hw, mean = test_mean_hw(x, RP, 0.999, &hw), td = mitzenmacher(d, lambda);
    fprintf(stderr, "  power of %d, n=100, lambda=%.2f: simulated %.4f +- %.3g, T_d %.4f (+%.1f%%), "
                    "random 1/(1-lambda) = %.4g\n",
            d, lambda, mean, hw, td, 100 * (mean / td - 1), 1 / (1 - lambda));
    /* not below the n -> infinity limit (n = 100 sits above it; that it is
     * significantly above takes longer runs: papers/power-of-d-choices),
     * and by a finite-n margin in the stated band */
    ck_assert_msg(mean + hw > td, "d=%d lambda=%g: %.4f +- %.3g below T_d = %.4f", d, lambda, mean, hw, td);
    ck_assert_msg(mean / td - 1 >= lo && mean / td - 1 <= hi,
                  "d=%d lambda=%g: excess %.1f%% outside [%.0f%%, %.0f%%]", d, lambda,
                  100 * (mean / td - 1), 100 * lo, 100 * hi);
    ck_assert_double_lt(mean, 0.5 / (1 - lambda)); /* far below random assignment */
}

START_TEST(power_of_d_sits_above_mitzenmachers_limit_by_a_finite_n_margin)
{
    fprintf(stderr, "power of d choices (Mitzenmacher, TPDS 2001)\n");
    /* Finite n = 100 adds a few percent at 0.9 over the limit; the band
     * allows for that and for the interval.  (At 0.99 the margin is 10-20%,
     * and the runs it needs are long: papers/power-of-d-choices reports
     * every load from 0.5 to 0.99, with the refined mean field.) */
    check_power_of_d(2, 0.9, 4000, 0.0, 0.08);
    check_power_of_d(3, 0.9, 4000, 0.0, 0.08);
}
END_TEST

typedef struct {
    const char *policy;
    long checked, bad;
    long count[16];
    int last;
} lb_check;

static void lb_observe(void *ctx, const tb_model *m, const tb_job *j, const tb_node *nd, int ev)
{
    (void)j;
    lb_check *c = ctx;
    if (ev != TB_OBS_ARRIVE || nd->name[0] != 'w' || !m->measuring)
        return;
    const tb_node *lb = &m->nodes[0];
    int me = (int)(nd - m->nodes), idx = -1;
    long minjobs = 1L << 40, busy_all = 1;
    double minwork = 1e300;
    for (int i = 0; i < lb->ncand; i++) {
        const tb_node *w = &m->nodes[lb->cand[i]];
        long jobs = w->queued + w->busy;
        if (jobs < minjobs)
            minjobs = jobs;
        busy_all &= jobs > 0;
        double wk = tb_node_work(m, w);
        if (wk < minwork)
            minwork = wk;
        if (lb->cand[i] == me)
            idx = i;
    }
    long mine = nd->queued + nd->busy;
    c->checked++;
    c->count[idx]++;
    if (strcmp(c->policy, "jsq") == 0)
        c->bad += mine != minjobs;
    else if (strcmp(c->policy, "least_loaded") == 0)
        c->bad += tb_node_work(m, nd) > minwork + 1e-6 * m->tps;
    else if (strcmp(c->policy, "jiq") == 0)
        c->bad += mine > 0 && !busy_all;
    else if (strcmp(c->policy, "round_robin") == 0)
        c->bad += c->last >= 0 && idx != (c->last + 1) % lb->ncand;
    c->last = idx;
}

/* Run the network `json` (freed here), checking every choice against
 * `checker`'s rule and counting choices per candidate. */
static lb_check observe_lb(char *json, const char *checker)
{
    lb_check c = { checker, 0, 0, { 0 }, -1 };
    tb_model *m = model(json, 0);
    m->observe = lb_observe;
    m->observe_ctx = &c;
    test_run(m);
    tb_model_free(m);
    free(json);
    return c;
}

/* Pearson's chi-square of c's counts over k candidates against uniform. */
static double chi2_uniform(const lb_check *c, int k)
{
    double chi2 = 0, e = (double)c->checked / k;
    for (int i = 0; i < k; i++)
        chi2 += ((double)c->count[i] - e) * ((double)c->count[i] - e) / e;
    return chi2;
}

/* Route with `script`, checking every choice against `checker`'s rule. */
static lb_check run_lb_checked(const char *script, const char *params, int attach,
                               const char *checker)
{
    char policy[256];
    snprintf(policy, sizeof policy, "{\"script\": \"%s\", \"params\": %s}", script, params);
    lb_check c = observe_lb(lb_json(10, 0.8, 5000, policy, attach), checker);
    ck_assert_int_gt(c.checked, 30000);
    return c;
}

static lb_check run_lb(const char *script, const char *params, int attach)
{
    return run_lb_checked(script, params, attach, script);
}

START_TEST(balancers_choose_by_their_rule)
{
    lb_check c = run_lb("jsq", "{}", 0);
    ck_assert_msg(c.bad == 0, "jsq chose a longer queue %ld times", c.bad);
    c = run_lb("least_loaded", "{}", 0);
    ck_assert_msg(c.bad == 0, "least_loaded chose more work %ld times", c.bad);
    c = run_lb("jiq", "{}", 1);
    ck_assert_msg(c.bad == 0, "jiq sent to a busy server while one was idle %ld times", c.bad);
    c = run_lb("round_robin", "{}", 0);
    ck_assert_msg(c.bad == 0, "round_robin broke the cycle %ld times", c.bad);
    /* random: counts uniform (chi-square, 9 degrees of freedom, 99.9% point 27.9) */
    c = run_lb("random", "{}", 0);
    double chi2 = chi2_uniform(&c, 10);
    ck_assert_msg(chi2 < 27.88, "random: chi-square %.1f", chi2);
    /* the checks can fail: random assignment breaks each rule often */
    static const char *const rules[] = { "jsq", "least_loaded", "round_robin" };
    for (int i = 0; i < 3; i++) {
        lb_check r = run_lb_checked("random", "{}", 0, rules[i]);
        ck_assert_msg(r.bad > 1000, "random broke the %s rule only %ld times", rules[i], r.bad);
    }
}
END_TEST

/* Copy the file at `from` to `to`. */
static void copy_file(const char *from, const char *to)
{
    size_t len;
    char *text = tb_read_file(from, &len);
    ck_assert_msg(text != NULL, "cannot read %s", from);
    FILE *f = fopen(to, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    free(text);
}

/* sim.least gives the bytes of the same rule written with a call per
 * candidate through lua/choose.lua's argmin (tests/policies/
 * argmin_balancers.lua, copied beside it): same comparisons, same draw
 * for the tie-break. */
START_TEST(sim_least_gives_the_bytes_of_the_loop_it_replaces)
{
    char dir[] = "/tmp/tailback-least-XXXXXX", path[128], pols[3][256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/choose.lua", dir);
    copy_file("lua/choose.lua", path);
    snprintf(path, sizeof path, "%s/argmin_balancers.lua", dir);
    copy_file("tests/policies/argmin_balancers.lua", path);
    static const char *const shipped[] = { "{\"script\": \"jsq\"}", "{\"script\": \"least_loaded\"}",
                                            "{\"script\": \"power_of_d\", \"params\": {\"d\": 3}}" };
    static const char *const rules[] = { "\"rule\": \"jsq\"", "\"rule\": \"least_loaded\"",
                                         "\"rule\": \"power_of_d\", \"d\": 3" };
    const char *written[3];
    for (int i = 0; i < 3; i++) {
        snprintf(pols[i], sizeof pols[i], "{\"script\": \"%s\", \"params\": {%s}}", path, rules[i]);
        written[i] = pols[i];
    }
    for (int i = 0; i < 3; i++) {
        char *ja = lb_json(10, 0.8, 2000, shipped[i], 0), *jb = lb_json(10, 0.8, 2000, written[i], 0);
        tb_model *a = model(ja, 1), *b = model(jb, 1);
        test_run(a);
        test_run(b);
        ck_assert_uint_gt(a->classes[0].completions, 10000);
        char *ta = results_text(a), *tb = results_text(b);
        ck_assert_msg(strcmp(ta, tb) == 0, "%s differs from its loop", shipped[i]);
        free(ta);
        free(tb);
        tb_model_free(a);
        tb_model_free(b);
        free(ja);
        free(jb);
    }
    remove(path);
    snprintf(path, sizeof path, "%s/choose.lua", dir);
    remove(path);
    rmdir(dir);
}
END_TEST

/* sim.group gives a group's members in order: JSQ over sim.group("W")
 * gives the bytes of lua/jsq.lua over "balance": ["W"]. */
START_TEST(sim_group_lists_the_members_in_order)
{
    char *text[2];
    for (int v = 0; v < 2; v++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"duration\": 2000, \"warmup\": 200, \"policies\": {\"lb\": {\"script\": \"%s\"}},"
                 " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 8}, \"entry\": \"lb\"}},"
                 " \"nodes\": {\"lb\": {\"kind\": \"router\", \"policy\": \"lb\", \"balance\": [\"W\"]},"
                 " \"W\": {\"count\": 10, \"service\": {\"type\": \"exponential\", \"mean\": 1}}}}",
                 v ? TB_SOURCE_ROOT "/tests/policies/group_jsq.lua" : "jsq");
        tb_model *m = model(json, 1);
        test_run(m);
        ck_assert_uint_gt(m->classes[0].completions, 10000);
        text[v] = results_text(m);
        tb_model_free(m);
    }
    ck_assert_msg(strcmp(text[0], text[1]) == 0, "JSQ over sim.group differs from JSQ over the candidates");
    free(text[0]);
    free(text[1]);
}
END_TEST

/* Ties are broken uniformly: at a load so light that every server is
 * almost always idle, JSQ's choices spread evenly over the four
 * (chi-square, 3 degrees of freedom, against its 0.999 point, 16.27). */
START_TEST(sim_least_breaks_ties_uniformly)
{
    lb_check c = observe_lb(lb_json(4, 0.01, 100000, "{\"script\": \"jsq\"}", 0), "none");
    ck_assert_int_gt(c.checked, 3000);
    double chi2 = chi2_uniform(&c, 4);
    fprintf(stderr, "  sim.least ties over 4 idle servers: %ld choices, chi-square %.2f\n", c.checked, chi2);
    ck_assert_double_lt(chi2, 16.27);
}
END_TEST

START_TEST(smooth_weighted_round_robin_splits_exactly_by_weight)
{
    lb_check c = run_lb("weighted_round_robin",
                        "{\"weights\": [5, 1, 1, 1, 1, 1, 1, 1, 1, 1]}", 0);
    /* shares 5/14 and 1/14, exact up to one cycle of 14 */
    for (int i = 0; i < 10; i++) {
        double want = (double)c.checked * (i == 0 ? 5.0 : 1.0) / 14.0;
        ck_assert_msg(fabs((double)c.count[i] - want) <= 5.0, "candidate %d: %ld, want %.1f", i,
                      c.count[i], want);
    }
}
END_TEST

/* ---- fair schedulers ----------------------------------------------------------- */

static void check_shares(const char *policy)
{
    /* Two saturated servers sharing one instance of the policy (each hook
     * gets its node; the state must be the node's own): on each, two
     * backlogged classes (arrivals twice or three times the capacity), unit
     * sizes and service: throughput splits 1:3 by quantum or weight. */
    char json[2048];
    snprintf(json, sizeof json,
             "{\"duration\": 20000, \"warmup\": 1000, \"policies\": {\"p\": %s},"
             " \"classes\": {\"a\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\"]},"
             "               \"b\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\"]},"
             "               \"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1.5}, \"route\": [\"t\"]},"
             "               \"d\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1.5}, \"route\": [\"t\"]}},"
             " \"nodes\": {\"s\": {\"service\": 1, \"policy\": \"p\"}, \"t\": {\"service\": 1, \"policy\": \"p\"}}}",
             policy);
    tb_model *m = model(json, 0);
    test_run(m);
    for (int k = 0; k < 2; k++) {
        double a = (double)m->classes[2 * k].departed, b = (double)m->classes[2 * k + 1].departed;
        ck_assert_msg(fabs(b / a - 3) < 0.02, "%s: share ratio %.4f at node %d, want 3", policy, b / a, k);
        ck_assert_double_gt(a + b, 0.99 * 19000);
    }
    tb_model_free(m);
}

START_TEST(drr_also_orders_a_node_that_sends_over_credit_windows)
{
    /* The DRR server sends over a link with (ample) per-class credit
     * windows: its pick() is asked as at any node, so the split is 1:3 (it
     * was 1:1 when a gated node ignored pick and sent the earliest head). */
    const char *json =
        "{\"duration\": 20000, \"warmup\": 1000,"
        " \"policies\": {\"p\": {\"script\": \"drr\", \"params\": {\"quantum\": {\"a\": 1, \"b\": 3}}}},"
        " \"classes\": {\"a\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\", \"t\"]},"
        "               \"b\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\", \"t\"]}},"
        " \"nodes\": {\"s\": {\"service\": 1, \"policy\": \"p\"}, \"t\": {\"service\": 0.001}},"
        " \"links\": [{\"from\": \"s\", \"to\": \"t\", \"credits\": 50, \"per_class\": true}]}";
    tb_model *m = model(json, 0);
    test_run(m);
    double a = (double)m->classes[0].departed, b = (double)m->classes[1].departed;
    ck_assert_msg(fabs(b / a - 3) < 0.02, "share ratio %.4f through a credited link, want 3", b / a);
    tb_model_free(m);
}
END_TEST

START_TEST(drr_and_wfq_split_a_saturated_server_by_weight)
{
    check_shares("{\"script\": \"drr\", \"params\": {\"quantum\": {\"a\": 1, \"b\": 3, \"c\": 1, \"d\": 3}}}");
    check_shares("{\"script\": \"wfq\", \"params\": {\"weights\": {\"a\": 1, \"b\": 3, \"c\": 1, \"d\": 3}}}");
}
END_TEST

/* ---- admission and AQM ------------------------------------------------------------ */

START_TEST(drop_tail_policy_blocks_like_mm1k)
{
    const int K = 5;
    const double rho = 0.9, pk = (1 - rho) * pow(rho, K) / (1 - pow(rho, K + 1));
    const char *json =
        "{\"duration\": 100000, \"warmup\": 1000,"
        " \"policies\": {\"p\": {\"script\": \"drop_tail\", \"params\": {\"capacity\": 5}}},"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.9}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"policy\": \"p\"}}}";
    double x[R];
    for (int r = 0; r < R; r++) {
        tb_model *m = model(json, (uint64_t)r);
        test_run(m);
        ck_assert_uint_eq(m->nodes[0].rejects, 0); /* a full buffer drops: it does not answer */
        x[r] = (double)m->nodes[0].drops / (double)m->nodes[0].arrivals;
        tb_model_free(m);
    }
    fprintf(stderr, "drop_tail.lua capacity 5\n");
    test_expect("dropped fraction = M/M/1/5 blocking", x, R, pk, 0.04);
}
END_TEST

static tb_model *overload(const char *policy_json, double rate)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"duration\": 600, \"warmup\": 60, \"policies\": {\"p\": %s},"
             " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": %g}, \"route\": [\"s\"]}},"
             " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 0.001}, \"policy\": \"p\"}}}",
             policy_json, rate);
    tb_model *m = model(json, 0);
    test_run(m);
    return m;
}

START_TEST(codel_spaces_its_drops_by_interval_over_root_count)
{
    /* Deterministic 1.5x overload of a 1 ms server: the queue grows by half
     * a job per millisecond, every dequeue is 1 ms after the last.  RFC 8289:
     * once sojourns have exceeded 5 ms for 100 ms the head is dropped
     * (count = 1), and the k-th next drop is due at
     * t1 + 0.1 (1/sqrt(1) + ... + 1/sqrt(k)); it happens at the first
     * dequeue at or after that, so within 1 ms of it. */
    const char *json =
        "{\"duration\": 20,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"renewal\", \"interarrival\": 0.00066666666666666667}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": 0.001, \"policy\": \"codel\"}}}";
    tb_model *m = model(json, 0);
    char *buf = NULL;
    size_t len = 0;
    m->trace = open_memstream(&buf, &len);
    test_run(m);
    fclose(m->trace);
    tb_model_free(m);
    double drops[400];
    int n = 0;
    for (char *line = strtok(buf, "\n"); line && n < 400; line = strtok(NULL, "\n"))
        if (strstr(line, ",drop,"))
            drops[n++] = atof(line);
    free(buf);
    ck_assert_int_eq(n, 400);
    /* Job n (from 0) arrives at (n+1)/1.5 ms and starts at (n+1)/1.5 + n/3
     * ms... i.e. it waits n/3 ms, so the wait reaches 5 ms at n = 15,
     * dequeued at 15.67 ms; the first dequeue a full interval later is at
     * 116.67 ms: that job is the first drop. */
    ck_assert_double_ge(drops[0], 0.1156);
    ck_assert_double_le(drops[0], 0.1177);
    double due = drops[0];
    for (int k = 1; k < n; k++) {
        due += 0.1 / sqrt((double)k);
        ck_assert_msg(drops[k] >= due - 1e-9 && drops[k] <= due + 0.001 + 1e-9,
                      "drop %d at %.6f, due %.6f", k + 1, drops[k], due);
    }
}
END_TEST

START_TEST(codel_rarely_drops_when_light_and_keeps_overload_delay_far_below_a_full_buffer)
{
    /* at half load a 100 ms standing queue is rare: drops are too */
    tb_model *light = overload("{\"script\": \"codel\"}", 500);
    ck_assert_uint_gt(light->nodes[0].arrivals, 200000);
    ck_assert_double_lt((double)light->nodes[0].drops / (double)light->nodes[0].arrivals, 1e-5);
    tb_model_free(light);
    /* 5% open-loop overload: the clients never back off, so CoDel cannot
     * hold its 5 ms target (it settles near 40 ms, measured), but it stays
     * far below a 1000-job drop-tail buffer, which sits full (~1 s). */
    tb_model *c = overload("{\"script\": \"codel\"}", 1050);
    tb_model *d = overload("{\"script\": \"drop_tail\", \"params\": {\"capacity\": 1000}}", 1050);
    double wc = c->nodes[0].wait.w.mean / c->tps, wd = d->nodes[0].wait.w.mean / d->tps;
    fprintf(stderr, "  overload 1.05: CoDel mean wait %.4f s, drop-tail(1000) %.4f s\n", wc, wd);
    ck_assert_double_lt(wc, 0.1);
    ck_assert_double_gt(wd, 0.9);
    double fc = (double)c->nodes[0].drops / (double)c->nodes[0].arrivals;
    ck_assert_double_gt(fc, 0.04); /* it sheds at least the excess */
    ck_assert_double_lt(fc, 0.07);
    tb_model_free(c);
    tb_model_free(d);
}
END_TEST

START_TEST(red_admits_everything_when_light_and_sheds_before_the_queue_runs_away)
{
    tb_model *light = overload("{\"script\": \"red\"}", 300);
    ck_assert_uint_eq(light->nodes[0].drops, 0);
    ck_assert_uint_gt(light->nodes[0].arrivals, 100000);
    tb_model_free(light);
    tb_model *heavy = overload("{\"script\": \"red\", \"params\": {\"min_th\": 5, \"max_th\": 15}}", 1500);
    /* early drops are drops (silent, as an AQM's are), not rejections */
    ck_assert_uint_eq(heavy->nodes[0].rejects, 0);
    ck_assert_uint_eq(heavy->classes[0].out[TB_OUT_REJECTED], 0);
    ck_assert_uint_eq(heavy->classes[0].out[TB_OUT_DROPPED], heavy->classes[0].att_out[TB_ATT_DROPPED]);
    double f = (double)heavy->nodes[0].drops / (double)heavy->nodes[0].arrivals;
    double q = sim_tavg_mean(&heavy->nodes[0].q, heavy->eng->now);
    fprintf(stderr, "  RED at overload 1.5: dropped %.3f, mean queue %.2f\n", f, q);
    ck_assert_double_gt(f, 0.32);
    ck_assert_double_lt(f, 0.36);
    ck_assert_double_lt(q, 20); /* the average is held between the thresholds */
    ck_assert_double_gt(q, 5);
    tb_model_free(heavy);
}
END_TEST

typedef struct {
    double *t;
    size_t n, cap;
} times;

static void collect_starts(void *ctx, const tb_model *m, const tb_job *j, const tb_node *nd, int ev)
{
    (void)j;
    (void)nd;
    times *ts = ctx;
    if (ev != TB_OBS_START)
        return;
    if (ts->n == ts->cap) {
        ts->cap = ts->cap ? 2 * ts->cap : 4096;
        ts->t = realloc(ts->t, ts->cap * sizeof *ts->t);
    }
    ts->t[ts->n++] = (double)m->eng->now / m->tps;
}

START_TEST(token_bucket_admits_at_most_rate_times_time_plus_burst)
{
    /* Poisson 30/s into a policer of 10/s, burst 5, on a delay node (an
     * admitted job starts at once).  In every window of any length w at
     * most 10 w + 5 jobs may start. */
    const char *json =
        "{\"duration\": 2000, \"policies\": {\"p\": {\"script\": \"token_bucket\", \"params\": {\"rate\": 10, \"burst\": 5}}},"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 30}, \"route\": [\"d\"]}},"
        " \"nodes\": {\"d\": {\"kind\": \"delay\", \"service\": 0.01, \"policy\": \"p\"}}}";
    times ts = { NULL, 0, 0 };
    tb_model *m = model(json, 0);
    m->observe = collect_starts;
    m->observe_ctx = &ts;
    test_run(m);
    long worst = 0; /* jobs beyond the bound in the worst window */
    for (size_t i = 0, k = 0; i < ts.n; i++) { /* windows ending at each start, w = 1 s and 0.1 s */
        while (ts.t[k] < ts.t[i] - 1.0)
            k++;
        long over = (long)(i - k + 1) - (long)(10 * 1.0 + 5);
        if (over > worst)
            worst = over;
    }
    size_t k2 = 0;
    for (size_t i = 0; i < ts.n; i++) {
        while (ts.t[k2] < ts.t[i] - 0.1)
            k2++;
        if ((double)(i - k2 + 1) > 10 * 0.1 + 5)
            worst = 1;
    }
    ck_assert_int_le(worst, 0);
    ck_assert_double_le((double)ts.n, 10 * 2000 + 5);
    ck_assert_double_gt((double)ts.n, 0.98 * 10 * 2000); /* and it does admit at the rate */
    free(ts.t);
    tb_model_free(m);
}
END_TEST

/* ---- adaptive concurrency limits ---------------------------------------------------- */

/* The "limit" metric values a run emitted, in order. */
static double *limits_on(const char *policy_json, double rate, const char *node, double duration,
                         int *n)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"duration\": %g, \"policies\": {\"p\": %s},"
             " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": %g}, \"route\": [\"s\"]}},"
             " \"nodes\": {\"s\": %s}}",
             duration, policy_json, rate, node);
    tb_model *m = model(json, 0);
    char *buf = NULL;
    size_t len = 0;
    m->metrics = open_memstream(&buf, &len);
    test_run(m);
    fclose(m->metrics);
    tb_model_free(m);
    double *v = malloc((len / 8 + 2) * sizeof *v);
    *n = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char *last = strrchr(line, ',');
        if (strstr(line, ",limit,"))
            v[(*n)++] = atof(last + 1);
    }
    free(buf);
    return v;
}

/* A 4-worker queue node with the given service time. */
static double *limits(const char *policy_json, double rate, const char *service, int *n)
{
    char node[256];
    snprintf(node, sizeof node, "{\"workers\": 4, \"service\": %s, \"policy\": \"p\"}", service);
    return limits_on(policy_json, rate, node, 200, n);
}

START_TEST(aimd_limit_grows_while_fast_and_falls_on_timeouts)
{
    int n;
    /* overload, no timeouts: only additive increases */
    double *v = limits("{\"script\": \"aimd\", \"params\": {\"timeout\": 1e9}}", 100, "0.1", &n);
    ck_assert_int_gt(n, 10);
    for (int i = 1; i < n; i++)
        ck_assert_double_eq(v[i], v[i - 1] + 1);
    free(v);
    /* every completion slower than the timeout: multiplicative decrease to 1 */
    v = limits("{\"script\": \"aimd\", \"params\": {\"timeout\": 0.05}}", 100, "0.1", &n);
    ck_assert_int_gt(n, 3);
    ck_assert_double_eq(v[0], 9); /* floor(0.9 * 10) */
    for (int i = 1; i < n; i++)
        ck_assert_double_eq(v[i], fmax(1, fmin(v[i - 1] - 1, floor(0.9 * v[i - 1]))));
    ck_assert_double_eq(v[n - 1], 1);
    free(v);
}
END_TEST

START_TEST(vegas_shrinks_when_queueing_delay_builds_and_holds_when_idle)
{
    int n;
    /* light load: application-limited, the limit never moves */
    double *v = limits("{\"script\": \"vegas\"}", 1, "{\"type\": \"exponential\", \"mean\": 0.1}", &n);
    ck_assert_int_eq(n, 0);
    free(v);
    /* overload of 4 workers: delay grows with the limit, which comes down
     * from 20 to a small queue above the 4 in service */
    v = limits("{\"script\": \"vegas\"}", 100, "{\"type\": \"exponential\", \"mean\": 0.1}", &n);
    ck_assert_int_gt(n, 5);
    ck_assert_double_lt(v[n - 1], 15);
    free(v);
}
END_TEST

START_TEST(gradient2_grows_on_flat_latency_and_backs_off_when_it_rises)
{
    int n;
    /* constant latency whatever the concurrency (an infinite-server node
     * with a fixed service time, offered far more than the limit):
     * long == short, gradient 1, so L grows by smoothing x queue per
     * completion up to max */
    double *v = limits_on("{\"script\": \"gradient2\"}", 20000,
                          "{\"kind\": \"delay\", \"service\": 0.01, \"policy\": \"p\"}", 5, &n);
    ck_assert_int_gt(n, 5);
    ck_assert_double_eq(v[n - 1], 200);
    free(v);
    /* a saturated server: latency rises with the limit, which stays far below max */
    v = limits("{\"script\": \"gradient2\"}", 100, "{\"type\": \"exponential\", \"mean\": 0.1}", &n);
    ck_assert_int_gt(n, 5);
    ck_assert_double_lt(v[n - 1], 100);
    free(v);
}
END_TEST

Suite *policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("behaviour");
    tcase_set_tags(tc, "core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, fifo_lua_gives_exactly_the_builtin_results);
    tcase_add_test(tc, a_decider_in_c_gives_the_bytes_of_the_same_policy_in_lua);
    tcase_add_test(tc, each_discipline_always_serves_its_own_choice_next);
    tcase_add_test(tc, the_order_check_catches_a_discipline_that_is_not_the_one_claimed);
    tcase_add_test(tc, balancers_choose_by_their_rule);
    tcase_add_test(tc, sim_least_gives_the_bytes_of_the_loop_it_replaces);
    tcase_add_test(tc, sim_least_breaks_ties_uniformly);
    tcase_add_test(tc, sim_group_lists_the_members_in_order);
    tcase_add_test(tc, smooth_weighted_round_robin_splits_exactly_by_weight);
    tcase_add_test(tc, drr_and_wfq_split_a_saturated_server_by_weight);
    tcase_add_test(tc, drr_also_orders_a_node_that_sends_over_credit_windows);
    tcase_add_test(tc, codel_spaces_its_drops_by_interval_over_root_count);
    tcase_add_test(tc, codel_rarely_drops_when_light_and_keeps_overload_delay_far_below_a_full_buffer);
    tcase_add_test(tc, red_admits_everything_when_light_and_sheds_before_the_queue_runs_away);
    tcase_add_test(tc, token_bucket_admits_at_most_rate_times_time_plus_burst);
    tcase_add_test(tc, aimd_limit_grows_while_fast_and_falls_on_timeouts);
    tcase_add_test(tc, vegas_shrinks_when_queueing_delay_builds_and_holds_when_idle);
    tcase_add_test(tc, gradient2_grows_on_flat_latency_and_backs_off_when_it_rises);
    suite_add_tcase(s, tc);
    tc = tcase_create("theory");
    tcase_set_tags(tc, "slow");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, nonpreemptive_priority_matches_cobham);
    tcase_add_test(tc, preemptive_resume_priority_matches_theory);
    tcase_add_test(tc, processor_sharing_has_fifos_mean_and_sojourn_proportional_to_size);
    tcase_add_test(tc, drop_tail_policy_blocks_like_mm1k);
    suite_add_tcase(s, tc);
    /* apart, so that papers/theory-check (which runs the "theory" case) does
     * not repeat what papers/power-of-d-choices reports in full */
    tc = tcase_create("theory-lb");
    tcase_set_tags(tc, "slow");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, power_of_d_sits_above_mitzenmachers_limit_by_a_finite_n_margin);
    suite_add_tcase(s, tc);
    return s;
}
