/* fuzz_common.h - for the harnesses that run what they load: one run to its summary, with every invariant a crash. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../experiment/tb_results.h"
#include "../../experiment/tb_run.h"

/* A broken invariant is a finding: say which, and abort (libFuzzer keeps
 * the input; the replay in `make check` fails). */
#define FUZZ_REQUIRE(cond, ...)                                                                   \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond);                      \
            fprintf(stderr, __VA_ARGS__);                                                         \
            fputc('\n', stderr);                                                                  \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

/* tailback's own consistency checks say this (a script's errors start
 * with its file name, so no script can forge it) */
static int fuzz_internal(const char *error)
{
    return strncmp(error, "tailback: internal error", 24) == 0;
}

static double fuzz_sum(const cJSON *o)
{
    double s = 0;
    for (const cJSON *it = o ? o->child : NULL; it; it = it->next)
        if (cJSON_IsNumber(it))
            s += it->valuedouble;
    return s;
}

/* Conservation read back from summary.json: per class the outcomes sum to
 * the arrivals, and the attempt outcomes to the attempts. */
static void fuzz_check_conservation(const cJSON *sum)
{
    const cJSON *classes = cJSON_GetObjectItemCaseSensitive(sum, "classes");
    for (const cJSON *c = classes ? classes->child : NULL; c; c = c->next) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(c, "arrivals");
        FUZZ_REQUIRE(cJSON_IsNumber(arr), "class %s has no arrival count", c->string);
        double ended = fuzz_sum(cJSON_GetObjectItemCaseSensitive(c, "outcomes"));
        FUZZ_REQUIRE(ended == arr->valuedouble, "class %s: outcomes %.0f, arrivals %.0f", c->string, ended,
                     arr->valuedouble);
        const cJSON *att = cJSON_GetObjectItemCaseSensitive(c, "attempts");
        if (cJSON_IsNumber(att)) {
            double tried = fuzz_sum(cJSON_GetObjectItemCaseSensitive(c, "attempt_outcomes"));
            FUZZ_REQUIRE(tried == att->valuedouble, "class %s: attempt outcomes %.0f, attempts %.0f", c->string,
                         tried, att->valuedouble);
        }
    }
}

/*
 * Load, build, prepare (with `evq`) and run a scenario text to its end.
 * NULL when the loader or the preparation refuses it (with a message:
 * never an empty one); else a new string: the summary, or "error: ..." for
 * a run a policy stopped.  An internal error or a broken count aborts.
 */
static char *fuzz_run(const char *text, const char *file, uint64_t seed, const sim_evq_ops *evq)
{
    setenv("TAILBACK_DATA", TB_SOURCE_ROOT, 0); /* the shipped policies, wherever the harness runs */
    tb_run r;
    char err[1400];
    tb_run_spec spec = { .scenario = file, .text = text, .len = strlen(text), .has_seed = 1, .seed = seed,
                         .event_queue = evq->name };
    if (tb_run_prepare(&r, &spec, err, sizeof err, NULL) != 0) { /* the one pipeline: experiment/tb_run.h */
        FUZZ_REQUIRE(err[0] && !fuzz_internal(err), "refused: \"%s\"", err);
        if (getenv("FUZZ_VERBOSE"))
            fprintf(stderr, "fuzz: refused: %s\n", err);
        return NULL;
    }
    tb_model *m = tb_run_take_model(&r);
    tb_run_status st = tb_model_run(m, NULL);
    FUZZ_REQUIRE(!fuzz_internal(m->error), "%s", m->error);
    FUZZ_REQUIRE(st == TB_RUN_OK || st == TB_RUN_LIMIT || st == TB_RUN_ERROR, "run ended with %d: %s", (int)st,
                 m->error);
    char *text_out;
    if (st == TB_RUN_ERROR) {
        FUZZ_REQUIRE(m->error[0], "a run stopped without a message");
        size_t n = strlen(m->error) + 8;
        text_out = malloc(n);
        FUZZ_REQUIRE(text_out, "out of memory");
        snprintf(text_out, n, "error: %s", m->error);
    } else {
        const tb_manifest man = { "fuzz", "", "heap", NULL, 0, NULL, 0, "complete" };
        cJSON *sum = tb_results_summary(m, &man);
        FUZZ_REQUIRE(sum, "summary: out of memory");
        fuzz_check_conservation(sum);
        text_out = cJSON_PrintUnformatted(sum);
        cJSON_Delete(sum);
    }
    tb_model_free(m);
    if (getenv("FUZZ_VERBOSE")) /* what the input came to, for a person choosing seeds */
        fprintf(stderr, "fuzz: ran: %.160s\n", text_out);
    return text_out;
}

#endif
