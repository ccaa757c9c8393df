/* check_pool.c - batch (bulk) service, confirmations, per-class capacity, worker pools that change. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tb_test.h"

START_TEST(bulk_service_queue_matches_its_geometric_solution)
{
    /* Poisson arrivals (lambda = 8/s) and Poisson batch epochs (mu = 2/s),
     * each epoch taking up to B = 5 waiting jobs at once (service 0).
     * The number waiting N goes up by 1 at rate lambda and down by min(N, B)
     * at rate mu.  For n >= 1 the balance equations read
     *     (lambda + mu) p_n = lambda p_{n-1} + mu p_{n+B},
     * and p_n = (1 - z) z^n solves them when
     *     mu z^(B+1) - (lambda + mu) z + lambda = 0,
     * z the root in (0, 1) (it exists since lambda < B mu); the n = 0
     * equation, lambda p_0 = mu (p_1 + ... + p_B), then holds too.  So the
     * mean number waiting is L = z/(1 - z), and by Little the mean wait is
     * W = L/lambda (Bailey, 1954). */
    const double lambda = 8, mu = 2;
    const int B = 5;
    double lo = 0, hi = 1 - 1e-12;
    for (int i = 0; i < 200; i++) { /* f(0) > 0 > f(z) just below 1 */
        double z = (lo + hi) / 2, f = mu * pow(z, B + 1) - (lambda + mu) * z + lambda;
        if (f > 0)
            lo = z;
        else
            hi = z;
    }
    double z = (lo + hi) / 2, W = z / (1 - z) / lambda;
    const char *json =
        "{\"duration\": 50000, \"warmup\": 500,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 8}, \"route\": [\"b\"]}},"
        " \"nodes\": {\"b\": {\"kind\": \"batch\", \"batch\": {\"interval\": {\"type\": \"exponential\", \"rate\": 2}, \"size\": 5}}}}";
    enum { R = 10 };
    double x[R];
    for (int r = 0; r < R; r++) {
        tb_model *m = test_model(json, 5, (uint64_t)r, "heap");
        test_run(m);
        x[r] = m->nodes[0].wait.w.mean / m->tps;
        tb_model_free(m);
    }
    fprintf(stderr, "bulk service M/M^[5]/1, lambda 8, mu 2 (z = %.6f)\n", z);
    test_expect("mean wait z/((1-z) lambda)", x, R, W, 0.03);
}
END_TEST

typedef struct {
    sim_time t;
    double size, max_size;
    long count, max_count, batches;
} batch_watch;

static void watch_batches(void *ctx, const tb_model *m, const tb_job *j, const tb_node *nd, int ev)
{
    (void)nd;
    batch_watch *w = ctx;
    if (ev != TB_OBS_START)
        return;
    if (m->eng->now != w->t) {
        w->t = m->eng->now;
        w->size = 0;
        w->count = 0;
        w->batches++;
    }
    w->size += j->size;
    w->count++;
    if (w->size > w->max_size)
        w->max_size = w->size;
    if (w->count > w->max_count)
        w->max_count = w->count;
}

START_TEST(batches_by_size_never_exceed_their_size)
{
    /* sizes 1, 2 or 3 (equally likely); blocks of at most 10 size units,
     * every second; arrivals outpace the blocks so they are always full */
    const char *json =
        "{\"duration\": 2000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 6}, \"route\": [\"b\"],"
        "   \"size\": {\"type\": \"empirical\", \"values\": [1, 2, 3]}}},"
        " \"nodes\": {\"b\": {\"kind\": \"batch\", \"batch\": {\"interval\": 1, \"size\": 10, \"by\": \"size\"}}}}";
    batch_watch w = { -1, 0, 0, 0, 0, 0 };
    tb_model *m = test_model(json, 5, 0, "heap");
    m->observe = watch_batches;
    m->observe_ctx = &w;
    test_run(m);
    ck_assert_double_le(w.max_size, 10);
    ck_assert_double_eq(w.max_size, 10); /* and blocks do fill */
    ck_assert_int_gt(w.batches, 1900);
    tb_model_free(m);
}
END_TEST

START_TEST(confirmation_comes_k_batches_after_the_carrying_one)
{
    /* Blocks every 1 s exactly, light load (every job fits the next block),
     * 2 confirmations: a job created at a uniform phase waits U(0, 1) for
     * its block, then 2 more blocks: confirmation latency mean 2.5 s, all
     * within (2, 3]. */
    const char *json =
        "{\"duration\": 20000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 3}, \"route\": [\"b\"], \"confirmations\": 2}},"
        " \"nodes\": {\"b\": {\"kind\": \"batch\", \"batch\": {\"interval\": 1, \"size\": 100}}}}";
    tb_model *m = test_model(json, 5, 0, "heap");
    test_run(m);
    const tb_latency *c = &m->classes[0].confirm;
    double mean = c->w.mean / m->tps, sd = sim_welford_sd(&c->w) / m->tps;
    ck_assert_uint_gt(c->w.n, 55000);
    ck_assert_double_lt(fabs(mean - 2.5), 3.3 * sd / sqrt((double)c->w.n));
    ck_assert_double_gt((double)c->h.min / m->tps, 2.0);
    ck_assert_double_le((double)c->h.max / m->tps, 3.0);
    ck_assert_double_eq_tol(sd, sqrt(1.0 / 12), 0.01); /* U(0,1) spread */
    tb_model_free(m);
}
END_TEST

/* summary.json's classes.c.confirmation_by_fee.dK.FIELD */
static double by_fee(const cJSON *sum, int decile, const char *field)
{
    char path[128];
    snprintf(path, sizeof path, "classes.c.confirmation_by_fee.d%d.%s", decile, field);
    return test_jnum(sum, path);
}

START_TEST(confirmation_latency_by_fee_decile_is_flat_when_blocks_have_room_and_ordered_when_full)
{
    /* Fees uniform on (0, 1).  (a) Every job fits the next block (1 s apart,
     * room for 100, 3 jobs/s), 2 confirmations: every decile's latency is
     * U(0, 1) + 2, mean 2.5, sd sqrt(1/12); decile k holds the fees in
     * ((k-1)/10, k/10). */
    const char *roomy =
        "{\"duration\": 20000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 3}, \"route\": [\"b\"],"
        "   \"priority\": {\"type\": \"uniform\", \"min\": 0, \"max\": 1}, \"confirmations\": 2}},"
        " \"nodes\": {\"b\": {\"kind\": \"batch\", \"batch\": {\"interval\": 1, \"size\": 100}}}}";
    tb_model *m = test_model(roomy, 6, 0, "heap");
    test_run(m);
    cJSON *sum = test_summary(m);
    for (int k = 1; k <= 10; k++) {
        double n = by_fee(sum, k, "count");
        ck_assert_double_gt(n, 5500);
        ck_assert_double_lt(fabs(by_fee(sum, k, "mean") - 2.5), 4 * sqrt(1.0 / 12) / sqrt(n));
        ck_assert_double_lt(fabs(by_fee(sum, k, "fee_max") - k / 10.0), 0.01);
    }
    cJSON_Delete(sum);
    tb_model_free(m);

    /* (b) Blocks of 11 for 10 jobs/s, highest fee first, 1 confirmation:
     * the top decile always makes the next block (fewer than 11 jobs of the
     * top tenth ever wait: 1 per second on average), so its latency is
     * U(0, 1) + 1, mean 1.5; the bottom decile waits whenever ten or more
     * better-paying jobs are queued, which at load 10/11 is often. */
    const char *full =
        "{\"duration\": 20000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 10}, \"route\": [\"b\"],"
        "   \"priority\": {\"type\": \"uniform\", \"min\": 0, \"max\": 1}, \"confirmations\": 1}},"
        " \"nodes\": {\"b\": {\"kind\": \"batch\", \"batch\": {\"interval\": 1, \"size\": 11}, \"policy\": \"priority\"}}}";
    m = test_model(full, 6, 0, "heap");
    test_run(m);
    sum = test_summary(m);
    double n10 = by_fee(sum, 10, "count");
    ck_assert_double_lt(fabs(by_fee(sum, 10, "mean") - 1.5), 4 * sqrt(1.0 / 12) / sqrt(n10));
    ck_assert_double_gt(by_fee(sum, 1, "mean"), 2 * by_fee(sum, 10, "mean"));
    for (int k = 2; k <= 10; k++) /* better fees, no later confirmation (up to noise: the top deciles all fit) */
        ck_assert_double_le(by_fee(sum, k, "mean"),
                            by_fee(sum, k - 1, "mean") + 4 * sqrt(2.0 / 12) / sqrt(by_fee(sum, k, "count")));
    fprintf(stderr, "  confirmation by fee, blocks full: lowest decile %.2f s, highest %.3f s (theory 1.5)\n",
            by_fee(sum, 1, "mean"), by_fee(sum, 10, "mean"));
    cJSON_Delete(sum);
    tb_model_free(m);
}
END_TEST

START_TEST(class_capacity_drops_only_the_class_that_is_full)
{
    /* two classes at one server; class a may hold at most 2 jobs there,
     * b is unbounded: a is dropped, b never */
    const char *json =
        "{\"duration\": 5000,"
        " \"classes\": {\"a\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.45}, \"route\": [\"s\"]},"
        "               \"b\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.45}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"class_capacity\": {\"a\": 2}}}}";
    tb_model *m = test_model(json, 5, 0, "heap");
    test_run(m);
    ck_assert_uint_gt(m->classes[0].out[TB_OUT_DROPPED], 100);
    ck_assert_uint_eq(m->classes[1].out[TB_OUT_DROPPED], 0);
    tb_model_free(m);
}
END_TEST

typedef struct {
    long max_busy_before, max_busy_after;
    double switch_at;
} busy_watch;

static void watch_busy(void *ctx, const tb_model *m, const tb_job *j, const tb_node *nd, int ev)
{
    (void)j;
    busy_watch *w = ctx;
    if (ev != TB_OBS_START)
        return;
    long busy = nd->busy + 1; /* counting the job starting now */
    if ((double)m->eng->now / m->tps < w->switch_at) {
        if (busy > w->max_busy_before)
            w->max_busy_before = busy;
    } else if (busy > w->max_busy_after) {
        w->max_busy_after = busy;
    }
}

START_TEST(a_new_worker_serves_nothing_before_its_provisioning_delay)
{
    /* Overloaded (3/s into one 1/s worker).  At 10 s a policy asks for 3
     * workers; they take 5 s to provision: before 15 s never more than one
     * job is in service, afterwards three are.  The cost counts them from
     * the moment they are requested: 1 x 10 + 3 x 90 worker-seconds. */
    const char *json =
        "{\"duration\": 100,"
        " \"policies\": {\"p\": {\"script\": \"tests/policies/scale_once.lua\", \"params\": {\"at\": 10, \"to\": 3}, \"tick\": 1}},"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 3}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}, \"provisioning\": 5, \"policy\": \"p\"}}}";
    busy_watch w = { 0, 0, 15 };
    tb_model *m = test_model(json, 5, 0, "heap");
    m->observe = watch_busy;
    m->observe_ctx = &w;
    test_run(m);
    ck_assert_int_eq(w.max_busy_before, 1);
    ck_assert_int_eq(w.max_busy_after, 3);
    double paid = sim_tavg_mean(&m->nodes[0].wk, m->eng->now) * tb_model_measured_seconds(m);
    ck_assert_double_eq_tol(paid, 1 * 10 + 3 * 90, 1e-6);
    tb_model_free(m);
}
END_TEST

START_TEST(removed_workers_finish_their_job_first_and_stay_paid_until_then)
{
    /* 4 workers each on a 100 s job (4 arrivals at 0.1 s intervals); at
     * 10 s the pool shrinks to 1.  No job is interrupted: all four finish
     * 100 s after they started. */
    const char *json =
        "{\"duration\": 150,"
        " \"policies\": {\"p\": {\"script\": \"tests/policies/scale_once.lua\", \"params\": {\"at\": 10, \"to\": 1}, \"tick\": 1}},"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"trace\", \"file\": \"t4.csv\"}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"workers\": 4, \"service\": 100, \"policy\": \"p\"}}}";
    FILE *f = fopen("t4.csv", "w");
    fprintf(f, "0.1\n0.2\n0.3\n0.4\n");
    fclose(f);
    tb_model *m = test_model(json, 5, 0, "heap");
    test_run(m);
    unlink("t4.csv");
    ck_assert_uint_eq(m->classes[0].completions, 4);
    ck_assert_double_eq_tol(m->classes[0].sojourn.w.mean / m->tps, 100, 1e-9);
    ck_assert_int_eq(m->nodes[0].workers, 1);
    /* paid: 4 until the first job ends at 100.1 s, then each removed
     * worker stops being paid as it finishes (3 until 100.2, 2 until
     * 100.3), and the one that stays is paid to the end */
    double paid = sim_tavg_mean(&m->nodes[0].wk, m->eng->now) * tb_model_measured_seconds(m);
    ck_assert_double_eq_tol(paid, 4 * 100.1 + 3 * 0.1 + 2 * 0.1 + 1 * (150 - 100.3), 1e-6);
    tb_model_free(m);
}
END_TEST

/* Workers over time for a ramped load under an autoscaler. */
static void autoscale_run(const char *policy, double *peak, double *end, double *min_seen)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"duration\": 3000, \"policies\": {\"p\": %s},"
             " \"classes\": {\"c\": {\"arrival\": {\"process\": \"profile\", \"points\": [[0, 2], [500, 2], [1000, 16], [1500, 16], [2000, 2]]}, \"route\": [\"s\"]}},"
             " \"nodes\": {\"s\": {\"workers\": 4, \"service\": {\"type\": \"exponential\", \"mean\": 1}, \"provisioning\": 30, \"policy\": \"p\"}}}",
             policy);
    tb_model *m = test_model(json, 5, 0, "heap");
    char *buf = NULL;
    size_t len = 0;
    m->metrics = open_memstream(&buf, &len);
    test_run(m);
    fclose(m->metrics);
    *peak = 0;
    *min_seen = 1e9;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        double v = atof(strrchr(line, ',') + 1);
        if (v > *peak)
            *peak = v;
        if (v < *min_seen)
            *min_seen = v;
    }
    *end = m->nodes[0].workers + m->nodes[0].provisioning_n - m->nodes[0].prov_cancel;
    free(buf);
    tb_model_free(m);
}

START_TEST(autoscalers_follow_the_load_up_and_back_down)
{
    /* Load 2/s, ramping to 16/s and back (1 s jobs): about 16/0.8 = 20
     * workers are needed at the top for 80% utilisation, 27 for HPA's 60%
     * target; at the end 2/s needs only a few. */
    double peak, end, lo;
    autoscale_run("{\"script\": \"autoscale_step\", \"tick\": 10, \"params\": {\"step\": 2, \"cooldown\": 30, \"max\": 40}}",
                  &peak, &end, &lo);
    fprintf(stderr, "  step scaling: peak %g workers, end %g\n", peak, end);
    ck_assert_double_ge(peak, 18);
    ck_assert_double_le(peak, 40);
    ck_assert_double_le(end, 6);
    autoscale_run("{\"script\": \"autoscale_target\", \"tick\": 15, \"params\": {\"target\": 0.6, \"window\": 120}}",
                  &peak, &end, &lo);
    fprintf(stderr, "  target tracking: peak %g workers, end %g\n", peak, end);
    ck_assert_double_ge(peak, 24);
    ck_assert_double_le(peak, 40);
    ck_assert_double_le(end, 6);
    ck_assert_double_ge(lo, 1);
}
END_TEST

Suite *pool_suite(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("batch-and-workers");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bulk_service_queue_matches_its_geometric_solution);
    tcase_add_test(tc, batches_by_size_never_exceed_their_size);
    tcase_add_test(tc, confirmation_comes_k_batches_after_the_carrying_one);
    tcase_add_test(tc, confirmation_latency_by_fee_decile_is_flat_when_blocks_have_room_and_ordered_when_full);
    tcase_add_test(tc, class_capacity_drops_only_the_class_that_is_full);
    tcase_add_test(tc, a_new_worker_serves_nothing_before_its_provisioning_delay);
    tcase_add_test(tc, removed_workers_finish_their_job_first_and_stay_paid_until_then);
    tcase_add_test(tc, autoscalers_follow_the_load_up_and_back_down);
    suite_add_tcase(s, tc);
    return s;
}
