/* tb_test.h - helpers shared by the Check suites: models from JSON text, confidence intervals. */
#ifndef TB_TEST_H
#define TB_TEST_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "../models/tb_model.h"

Suite *engine_suite(void);
Suite *rng_suite(void);
Suite *dist_suite(void);
Suite *stats_suite(void);
Suite *scenario_suite(void);
Suite *theory_suite(void);
Suite *policy_suite(void);
Suite *arrival_suite(void);
Suite *client_suite(void);
Suite *pool_suite(void);
Suite *backpressure_suite(void);
Suite *overload_suite(void);
Suite *sweep_suite(void);
Suite *csv_suite(void);
Suite *expr_suite(void);
Suite *conservation_suite(void);

/* Build and prepare a model from scenario text; fails the test on error. */
tb_model *test_model(const char *json, uint64_t seed, uint64_t replication, const char *evq);

/* Build a model from scenario text; NULL with the error in err. */
tb_model *test_model_err(const char *json, char *err, size_t errlen);

/* Assert that `theory` lies in the 99.9% Student-t interval of x[0..n) and
 * that the interval's half-width is at most rel * |theory| (so the check is
 * not loose); prints the comparison to stderr. */
void test_expect(const char *what, const double *x, int n, double theory, double rel);

/* The run's summary.json document (free with cJSON_Delete). */
cJSON *test_summary(const tb_model *m);

/* The number at a dotted path of a JSON document (a summary.json), failing
 * the test when there is none. */
double test_jnum(const cJSON *doc, const char *path);

/* Run a prepared model to the end, asserting that it finished normally. */
void test_run(tb_model *m);

/* Mean of x[0..n) and the half-width of its two-sided Student-t interval at
 * confidence `level` (e.g. 0.999). */
double test_mean_hw(const double *x, int n, double level, double *hw);

#endif
