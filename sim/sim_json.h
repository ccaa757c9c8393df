/* sim_json.h - reading hand-written JSON with errors that name the file and the JSON path. */
#ifndef SIM_JSON_H
#define SIM_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>

/*
 * Every loader reports its first mistake as one line,
 *     FILE: JSON.PATH: expected WHAT, found WHAT
 * in ctx->err, and returns -1 (or NULL).  Paths are written as
 * `nodes.server.service.rate` and `links[2].delay`.
 */
typedef struct sim_jctx {
    const char *file;
    char err[1024];
} sim_jctx;

/* Record an error (printf-style message after "FILE: PATH: "); returns -1. */
int sim_jerr(sim_jctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "found ..." text for a value: `-1`, `"abc"`, `an object`, `nothing`. */
const char *sim_jfound(const cJSON *v, char *buf, size_t n);

/* Child paths: parent.key and parent[i]; an empty parent gives just key. */
const char *sim_jpath_key(char *buf, size_t n, const char *parent, const char *key);
const char *sim_jpath_idx(char *buf, size_t n, const char *parent, int i);

/* Check that obj is an object whose keys are all in `allowed` (NULL-ended)
 * and appear once.  `what` names the object in the error ("a node"). */
int sim_jobject(sim_jctx *c, const cJSON *obj, const char *path, const char *what,
                const char *const allowed[]);

/*
 * "Did you mean" for a name that matched none of n candidates (name(ctx, i)
 * gives the i-th): the index of the nearest within two edits (a case-only
 * difference counts as the nearest of all) and closer than the name is
 * long, or -1.  Ties go to the earliest candidate, so the hint does not
 * depend on anything but the names.
 */
int sim_jnearest(const char *name, int n, const char *(*cand)(const void *ctx, int i), const void *ctx);

/* The same over a NULL-ended array of strings. */
int sim_jnearest_in(const char *name, const char *const list[]);

/* Case-sensitive member lookup; NULL when absent. */
const cJSON *sim_jget(const cJSON *obj, const char *key);

/* A number at obj.key within [lo, hi] (open at lo if lo_open).  When absent:
 * if `dflt` is not NULL, *out = *dflt; otherwise an error. */
int sim_jnum(sim_jctx *c, const cJSON *obj, const char *path, const char *key, double lo,
             int lo_open, double hi, const double *dflt, double *out);

/* An integer number at obj.key within [lo, hi]; absent as for sim_jnum. */
int sim_jint(sim_jctx *c, const cJSON *obj, const char *path, const char *key, long long lo,
             long long hi, const long long *dflt, long long *out);

/* A string at obj.key; absent gives *out = dflt (error if dflt is NULL). */
int sim_jstr(sim_jctx *c, const cJSON *obj, const char *path, const char *key,
             const char *dflt, const char **out);

/* Write item to f exactly as cJSON_Print() would print it inside a
 * document at nesting `depth` (0 for a whole document), without building
 * the text: cJSON's printer formats each number with sprintf and then
 * sscanf's it back, most of a large network's summary.json.  0, or -1 on a
 * write error. */
#include <stdio.h>
int sim_jprint(FILE *f, const cJSON *item, int depth);

/* Parse text as JSON; a syntax error is reported as FILE:LINE:COL. */
cJSON *sim_jparse(sim_jctx *c, const char *text);

#endif
