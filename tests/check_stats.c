/* check_stats.c - histogram quantiles against exact sorted quantiles, Welford, time averages, SHA-256. */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <cjson/cJSON.h>
#include "../sim/sim_hist.h"
#include "../sim/sim_rng.h"
#include "../sim/sim_sha256.h"
#include "../sim/sim_stats.h"
#include "tb_test.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank quantile of sorted data: the ceil(q n)-th smallest. */
static int64_t exact_quantile(const int64_t *sorted, size_t n, double q)
{
    size_t k = (size_t)ceil(q * (double)n);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return sorted[k - 1];
}

START_TEST(histogram_quantiles_are_within_the_error_bound_of_exact_ones)
{
    enum { N = 200000 };
    int64_t *v = malloc(N * sizeof *v);
    sim_rng r;
    sim_rng_init(&r, 2, 0, "hist");
    sim_hist h;
    sim_hist_init(&h);
    /* Latencies spanning nine decades, plus exact small values and zeros. */
    for (int i = 0; i < N; i++) {
        double x = gsl_ran_lognormal(&r.g, 12, 4);
        v[i] = i % 97 == 0 ? i % 200 : (int64_t)fmin(x, 1e15);
        sim_hist_add(&h, v[i]);
    }
    qsort(v, N, sizeof *v, cmp_i64);
    static const double qs[] = { 0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1 };
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        double want = (double)exact_quantile(v, N, qs[i]), got = sim_hist_quantile(&h, qs[i]);
        /* Documented bound: 1/256 relative; values below 128 are exact. */
        ck_assert_msg(fabs(got - want) <= want / 256.0, "q=%g: got %.17g want %.17g", qs[i], got, want);
    }
    ck_assert_uint_eq(h.n, N);
    ck_assert_int_eq(h.min, v[0]);
    ck_assert_int_eq(h.max, v[N - 1]);
    /* the one-walk form gives each quantile within the same bound, and the
     * same value as asking one at a time (repeated and equal q included) */
    static const double many[] = { 0, 0, 0.001, 0.01, 0.1, 0.25, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1, 1 };
    double got[sizeof many / sizeof *many];
    sim_hist_quantiles(&h, many, sizeof many / sizeof *many, got);
    for (size_t i = 0; i < sizeof many / sizeof *many; i++) {
        double want = (double)exact_quantile(v, N, many[i]);
        ck_assert_msg(fabs(got[i] - want) <= want / 256.0, "q=%g: got %.17g want %.17g", many[i], got[i], want);
        ck_assert_double_eq(got[i], sim_hist_quantile(&h, many[i]));
    }
    /* a bucket's edges hold every value recorded in it, and nothing of its
     * neighbours: lo and hi land in the bucket, lo - 1 and hi + 1 do not */
    for (int i = 0; i < N; i += 997) {
        double lo, hi;
        sim_hist_bucket_edges((double)v[i], &lo, &hi);
        ck_assert_msg(lo <= (double)v[i] && (double)v[i] <= hi, "%lld not in [%g, %g]", (long long)v[i], lo, hi);
        ck_assert(hi - lo <= fmax(0, lo / 128.0));
        double a, b;
        sim_hist_bucket_edges(hi + 1, &a, &b);
        ck_assert_double_eq(a, hi + 1);
        if (lo > 0) {
            sim_hist_bucket_edges(lo - 1, &a, &b);
            ck_assert_double_eq(b, lo - 1);
        }
    }
    sim_hist empty;
    sim_hist_init(&empty);
    sim_hist_quantiles(&empty, many, 2, got);
    ck_assert_double_eq(got[0], 0);
    ck_assert_double_eq(got[1], 0);
    sim_hist_free(&h);
    free(v);
}
END_TEST

START_TEST(merged_histograms_equal_one_fed_with_everything)
{
    sim_hist a, b, all;
    sim_hist_init(&a);
    sim_hist_init(&b);
    sim_hist_init(&all);
    sim_rng r;
    sim_rng_init(&r, 3, 0, "merge");
    for (int i = 0; i < 50000; i++) {
        int64_t x = (int64_t)gsl_ran_exponential(&r.g, i % 2 ? 1e6 : 1e3);
        sim_hist_add(i % 3 ? &a : &b, x);
        sim_hist_add(&all, x);
    }
    ck_assert_int_eq(sim_hist_merge(&a, &b), 0);
    ck_assert_uint_eq(a.n, all.n);
    ck_assert_int_eq(a.min, all.min);
    ck_assert_int_eq(a.max, all.max);
    int differ = 0;
    for (double q = 0; q <= 1; q += 0.01)
        differ += sim_hist_quantile(&a, q) != sim_hist_quantile(&all, q);
    ck_assert_int_eq(differ, 0);
    sim_hist_free(&a);
    sim_hist_free(&b);
    sim_hist_free(&all);
}
END_TEST

/* The rows' table grows down and up as values arrive: the counts do not
 * depend on the order they came in, on merging ranges that do not overlap
 * (either way round), or on a trip through JSON. */
static char *hist_text(const sim_hist *h)
{
    cJSON *o = sim_hist_to_json(h);
    ck_assert_ptr_nonnull(o);
    char *t = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return t;
}

START_TEST(histogram_counts_do_not_depend_on_the_order_values_come_in)
{
    enum { N = 3000 };
    static int64_t v[N];
    sim_rng r;
    sim_rng_init(&r, 4, 0, "order");
    for (int i = 0; i < N; i++) /* 0 to 2^50: most of the rows */
        v[i] = (int64_t)(sim_rng_next(&r) >> (14 + sim_rng_next(&r) % 50));
    sim_hist up, down, mixed, lo, hi, lo2, hi2, back;
    sim_hist *all[] = { &up, &down, &mixed, &lo, &hi, &lo2, &hi2, &back };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        sim_hist_init(all[i]);
    for (int i = 0; i < N; i++)
        sim_hist_add(&mixed, v[i]);
    qsort(v, N, sizeof *v, cmp_i64);
    for (int i = 0; i < N; i++) {
        sim_hist_add(&up, v[i]);
        sim_hist_add(&down, v[N - 1 - i]);
        sim_hist_add(i < N / 2 ? &lo : &hi, v[i]);
        sim_hist_add(i < N / 2 ? &lo2 : &hi2, v[i]);
    }
    ck_assert_int_eq(sim_hist_merge(&lo, &hi), 0);  /* high rows into a low table */
    ck_assert_int_eq(sim_hist_merge(&hi2, &lo2), 0); /* low rows into a high table */
    char *want = hist_text(&up);
    cJSON *o = cJSON_Parse(want);
    ck_assert_int_eq(sim_hist_from_json(&back, o), 0);
    cJSON_Delete(o);
    const sim_hist *same[] = { &down, &mixed, &lo, &hi2, &back };
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        char *got = hist_text(same[i]);
        ck_assert_msg(strcmp(got, want) == 0, "histogram %zu differs", i);
        free(got);
        ck_assert_double_eq(sim_hist_quantile(same[i], 0.99), sim_hist_quantile(&up, 0.99));
    }
    ck_assert_uint_gt(up.nrow, 40); /* the values did span most rows */
    sim_hist_reset(&up);
    ck_assert_uint_eq(up.n, 0);
    ck_assert_uint_eq(sim_hist_count_le(&up, 1e18), 0);
    free(want);
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        sim_hist_free(all[i]);
}
END_TEST

/* Selection gives the order statistic sorting gives, on random values
 * with and without ties, sorted, reversed and constant arrays, every k of
 * small arrays and the median and p99 positions of large ones. */
static int cmp_time64(const void *a, const void *b)
{
    sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
    return (x > y) - (x < y);
}

START_TEST(selection_finds_the_order_statistic_sorting_finds)
{
    enum { N = 5000 };
    static sim_time v[N], sorted[N], work[N];
    sim_rng r;
    sim_rng_init(&r, 6, 0, "select");
    int wrong = 0;
    for (int trial = 0; trial < 300; trial++) {
        size_t n = trial < 100 ? (size_t)(trial % 12) + 1 : 1 + (size_t)(sim_rng_next(&r) % N);
        int shape = trial % 5;
        for (size_t i = 0; i < n; i++) {
            uint64_t x = sim_rng_next(&r);
            v[i] = shape == 0   ? (sim_time)(x >> 20)
                   : shape == 1 ? (sim_time)(x % 4) /* many ties */
                   : shape == 2 ? (sim_time)i /* sorted */
                   : shape == 3 ? (sim_time)(n - i) /* reversed */
                                : 7; /* constant */
        }
        memcpy(sorted, v, n * sizeof *v);
        qsort(sorted, n, sizeof *sorted, cmp_time64);
        size_t ks[3] = { (n - 1) / 2, (size_t)(0.99 * (double)(n - 1)), (size_t)(sim_rng_next(&r) % n) };
        for (size_t t = 0; t < (n <= 12 ? n : 3); t++) {
            size_t k = n <= 12 ? t : ks[t];
            memcpy(work, v, n * sizeof *v);
            sim_time got = sim_select_time(work, n, k);
            wrong += got != sorted[k] || work[k] != sorted[k];
            for (size_t i = 0; i < n; i++) /* partitioned around k */
                wrong += (i < k && work[i] > work[k]) || (i > k && work[i] < work[k]);
        }
    }
    ck_assert_int_eq(wrong, 0);
}
END_TEST

START_TEST(welford_agrees_with_a_two_pass_computation_and_merges)
{
    enum { N = 10000 };
    static double x[N];
    sim_rng r;
    sim_rng_init(&r, 4, 0, "welford");
    sim_welford w = { 0 }, w1 = { 0 }, w2 = { 0 };
    double sum = 0;
    for (int i = 0; i < N; i++) {
        x[i] = 1e9 + gsl_ran_gaussian(&r.g, 1.0); /* a large offset defeats naive sums */
        sum += x[i];
        sim_welford_add(&w, x[i]);
        sim_welford_add(i < N / 3 ? &w1 : &w2, x[i]);
    }
    double mean = sum / N, ss = 0;
    for (int i = 0; i < N; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    ck_assert_double_eq_tol(w.mean, mean, 1e-6);
    ck_assert_double_eq_tol(sim_welford_var(&w), ss / (N - 1), 1e-6);
    sim_welford_merge(&w1, &w2);
    ck_assert_uint_eq(w1.n, N);
    ck_assert_double_eq_tol(w1.mean, mean, 1e-6);
    ck_assert_double_eq_tol(sim_welford_var(&w1), ss / (N - 1), 1e-6);
}
END_TEST

START_TEST(time_average_weights_each_level_by_how_long_it_held)
{
    sim_tavg a = { 0 };
    sim_tavg_set(&a, 0, 2);  /* 2 for 10 ticks */
    sim_tavg_set(&a, 10, 5); /* 5 for 30 ticks */
    sim_tavg_set(&a, 40, 0); /* 0 for 60 ticks */
    ck_assert_double_eq_tol(sim_tavg_mean(&a, 100), (2 * 10 + 5 * 30) / 100.0, 1e-12);
    sim_tavg_reset(&a, 40); /* warm-up ends at 40: only the zeros remain */
    ck_assert_double_eq_tol(sim_tavg_mean(&a, 100), 0, 1e-12);
    sim_tavg_set(&a, 70, 3);
    ck_assert_double_eq_tol(sim_tavg_mean(&a, 100), 3 * 30 / 60.0, 1e-12);
    ck_assert_double_eq_tol(sim_tavg_integral(&a, 100), 20 + 150 + 90, 1e-9);
}
END_TEST

START_TEST(sha256_matches_the_fips_180_examples)
{
    char hex[65];
    sim_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sim_sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sim_sha256_hex(two, strlen(two), hex);
    ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(mser5_cuts_a_decaying_transient_and_leaves_a_stationary_series_whole)
{
    /* x_i = 20 exp(-i/100) + N(0, 1): the bias falls below a batch mean's
     * noise (1/sqrt(5) = 0.45) at i = 100 ln(20/0.45) = 380 or so; MSER-5
     * must cut within a factor of 2.5 of that.  Pure N(0, 1) noise has no
     * transient: the cut must be under 5% of the series. */
    enum { N = 5000 };
    static double x[N], y[N];
    sim_rng r;
    sim_rng_init(&r, 31, 0, "mser");
    for (int i = 0; i < N; i++) {
        x[i] = 20 * exp(-i / 100.0) + gsl_ran_gaussian(&r.g, 1.0);
        y[i] = gsl_ran_gaussian(&r.g, 1.0);
    }
    size_t cut = sim_mser5(x, N), flat = sim_mser5(y, N);
    ck_assert_uint_ge(cut, 150);
    ck_assert_uint_le(cut, 950);
    ck_assert_uint_le(flat, N / 20);
    ck_assert_uint_eq(sim_mser5(x, 9), 0); /* too short to judge */
}
END_TEST

Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("statistics");
    tcase_set_tags(tc, "core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, histogram_quantiles_are_within_the_error_bound_of_exact_ones);
    tcase_add_test(tc, merged_histograms_equal_one_fed_with_everything);
    tcase_add_test(tc, histogram_counts_do_not_depend_on_the_order_values_come_in);
    tcase_add_test(tc, selection_finds_the_order_statistic_sorting_finds);
    tcase_add_test(tc, welford_agrees_with_a_two_pass_computation_and_merges);
    tcase_add_test(tc, time_average_weights_each_level_by_how_long_it_held);
    tcase_add_test(tc, sha256_matches_the_fips_180_examples);
    tcase_add_test(tc, mser5_cuts_a_decaying_transient_and_leaves_a_stationary_series_whole);
    suite_add_tcase(s, tc);
    return s;
}
