/* tb_sweep.c - experiment files, the plan of runs, run records with fingerprints, and the aggregated results with intervals. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <gsl/gsl_cdf.h>
#include "../sim/sim_ci.h"
#include "../sim/sim_sha256.h"
#include "../sim/sim_stats.h"
#include "tb_expr.h"
#include "../models/tb_io.h"
#include "tb_results.h"
#include "tb_run.h"
#include "../models/tb_scenario.h"
#include "tb_sweep.h"
#include "tb_version.h"

static const char *const exp_fields[] = {
    "comment", "scenario", "seed", "replications", "warmup", "duration", "set",
    "vary", "zip", "policies", "metrics", "precision", "theory", "baseline", "compare", "prefer", NULL,
};

#define LEVEL 0.95

void tb_sweep_free(tb_sweep *s)
{
    free(s->file);
    free(s->scenario);
    for (int i = 0; i < s->nfixed; i++) {
        free(s->fixed[i]);
        free(s->fixed_origin[i]);
    }
    free(s->fixed);
    free(s->fixed_origin);
    free(s->vary);
    free(s->vpath);
    free(s->pname);
    free(s->pset);
    free(s->metrics);
    free(s->metric_index);
    for (int i = 0; i < s->nimplicit; i++)
        free(s->implicit[i]);
    free(s->implicit);
    cJSON_Delete(s->root);
    memset(s, 0, sizeof *s);
}

/* "PATH=VALUE" with the value as compact JSON; a new string. */
static char *assignment(const char *path, const cJSON *v)
{
    char *text = cJSON_PrintUnformatted(v);
    if (!text)
        return NULL;
    size_t n = strlen(path) + strlen(text) + 2;
    char *a = malloc(n);
    if (a)
        snprintf(a, n, "%s=%s", path, text);
    free(text);
    return a;
}

static int add_fixed(tb_sweep *s, const char *path, const cJSON *v, const char *origin)
{
    char **nf = realloc(s->fixed, (size_t)(s->nfixed + 1) * sizeof *nf);
    if (!nf)
        return -1;
    s->fixed = nf;
    char **no = realloc(s->fixed_origin, (size_t)(s->nfixed + 1) * sizeof *no);
    if (!no)
        return -1;
    s->fixed_origin = no;
    s->fixed[s->nfixed] = assignment(path, v);
    s->fixed_origin[s->nfixed] = strdup(origin);
    return s->fixed[s->nfixed] && s->fixed_origin[s->nfixed++] ? 0 : -1;
}

/* A sweep's manifest.json embeds its experiment: rerun from it, as the
 * original file (same name and hash in the new manifest), provided the
 * scenario has not changed since.  Paths in the manifest are relative to
 * its own directory. */
static int load_manifest(tb_sweep *s, const char *file, cJSON *embedded, sim_jctx *c)
{
    const cJSON *ef = sim_jget(s->root, "experiment"), *eh = sim_jget(s->root, "experiment_sha256"),
                *sp = sim_jget(s->root, "scenario"), *sh = sim_jget(s->root, "scenario_sha256"),
                *id = sim_jget(s->root, "identity");
    if (!cJSON_IsString(ef) || !cJSON_IsString(eh) || !cJSON_IsString(sp) || !cJSON_IsString(sh)) {
        cJSON_Delete(embedded);
        return sim_jerr(c, NULL, "expected a sweep manifest with experiment, experiment_sha256, "
                                 "scenario and scenario_sha256");
    }
    const char *slash = strrchr(file, '/');
    char path[4096];
    if (sp->valuestring[0] == '/' || !slash)
        snprintf(path, sizeof path, "%s", sp->valuestring);
    else
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - file), file, sp->valuestring);
    s->file = strdup(ef->valuestring);
    s->scenario = strdup(path);
    snprintf(s->sha256, sizeof s->sha256, "%s", eh->valuestring);
    snprintf(s->identity, sizeof s->identity, "%s", cJSON_IsString(id) ? id->valuestring : ef->valuestring);
    char want[65];
    snprintf(want, sizeof want, "%s", sh->valuestring);
    cJSON_Delete(s->root);
    s->root = embedded;
    if (!s->file || !s->scenario)
        return sim_jerr(c, NULL, "out of memory");
    size_t len;
    char *st = tb_read_file(s->scenario, &len), have[65] = "";
    if (st)
        sim_sha256_hex(st, len, have);
    free(st);
    if (strcmp(have, want) != 0)
        return sim_jerr(c, "scenario", "expected \"%s\" with SHA-256 %s as the manifest records, found %s",
                        s->scenario, want, *have ? "other contents" : "no readable file");
    return 0;
}

/* The scenario, relative to the experiment file. */
static int resolve_scenario(tb_sweep *s, const char *scen, sim_jctx *c)
{
    const char *slash = strrchr(s->file, '/');
    size_t n = strlen(scen) + (slash ? (size_t)(slash - s->file) : 0) + 2;
    if (!(s->scenario = malloc(n)))
        return sim_jerr(c, NULL, "out of memory");
    if (scen[0] == '/' || !slash)
        snprintf(s->scenario, n, "%s", scen);
    else
        snprintf(s->scenario, n, "%.*s/%s", (int)(slash - s->file), s->file, scen);
    return 0;
}

static int is_seed_path(const char *path)
{
    return strcmp(path, "seed") == 0;
}

static int load_fixed(tb_sweep *s, const cJSON *r, sim_jctx *c)
{
    char f[96], o[300];
    static const char *const timing[] = { "warmup", "duration" };
    for (int i = 0; i < 2; i++) {
        const cJSON *v = sim_jget(r, timing[i]);
        if (v && (!cJSON_IsNumber(v) || !(v->valuedouble >= 0)))
            return sim_jerr(c, timing[i], "expected seconds >= 0, found %s", sim_jfound(v, f, sizeof f));
        if (v && add_fixed(s, timing[i], v, timing[i]))
            return sim_jerr(c, NULL, "out of memory");
    }
    const cJSON *set = sim_jget(r, "set");
    if (set && !cJSON_IsObject(set))
        return sim_jerr(c, "set", "expected an object of {PATH: value}, found %s", sim_jfound(set, f, sizeof f));
    for (const cJSON *it = set ? set->child : NULL; it; it = it->next) {
        snprintf(o, sizeof o, "set[\"%s\"]", it->string);
        s->seed_in_sets |= is_seed_path(it->string);
        if (add_fixed(s, it->string, it, o))
            return sim_jerr(c, NULL, "out of memory");
    }
    return 0;
}

static int load_vary(tb_sweep *s, const cJSON *r, sim_jctx *c)
{
    char p[300], f[96];
    const cJSON *vary = sim_jget(r, "vary");
    if (vary && !cJSON_IsObject(vary))
        return sim_jerr(c, "vary", "expected an object of {PATH: [values...]}, found %s",
                        sim_jfound(vary, f, sizeof f));
    int nv = vary ? cJSON_GetArraySize(vary) : 0;
    s->vary = calloc((size_t)(nv ? nv : 1), sizeof *s->vary);
    s->vpath = calloc((size_t)(nv ? nv : 1), sizeof *s->vpath);
    if (!s->vary || !s->vpath)
        return sim_jerr(c, NULL, "out of memory");
    const cJSON *zip = sim_jget(r, "zip");
    if (zip && !cJSON_IsBool(zip))
        return sim_jerr(c, "zip", "expected true (vary the lists together) or false (cross them)");
    s->zip = cJSON_IsTrue(zip);
    s->npoints = 1;
    for (const cJSON *it = vary ? vary->child : NULL; it; it = it->next) {
        snprintf(p, sizeof p, "vary[\"%s\"]", it->string);
        int k = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : 0;
        if (k < 1)
            return sim_jerr(c, p, "expected a non-empty array of values, found %s", sim_jfound(it, f, sizeof f));
        if (s->zip && s->nvary > 0 && k != cJSON_GetArraySize(s->vary[0]))
            return sim_jerr(c, p, "expected %d values to zip with the first list, found %d",
                            cJSON_GetArraySize(s->vary[0]), k);
        s->seed_in_sets |= is_seed_path(it->string);
        s->vary[s->nvary] = it;
        s->vpath[s->nvary++] = it->string;
        s->npoints = s->zip ? k : s->npoints * k;
    }
    return 0;
}

static int load_alternatives(tb_sweep *s, const cJSON *r, sim_jctx *c)
{
    char p[256], q[300];
    const cJSON *pols = sim_jget(r, "policies");
    int np = pols ? cJSON_GetArraySize(pols) : 0;
    if (pols && (!cJSON_IsArray(pols) || np < 1))
        return sim_jerr(c, "policies", "expected a non-empty array of {\"name\": ..., \"set\": {PATH: value}}");
    s->pname = calloc((size_t)(np ? np : 1), sizeof *s->pname);
    s->pset = calloc((size_t)(np ? np : 1), sizeof *s->pset);
    if (!s->pname || !s->pset)
        return sim_jerr(c, NULL, "out of memory");
    if (!pols) {
        s->npol = 1;
        s->pname[0] = "base";
    }
    int i = 0;
    for (const cJSON *it = pols ? pols->child : NULL; it; it = it->next, i++) {
        static const char *const pf[] = { "name", "set", "comment", NULL };
        const char *name;
        sim_jpath_idx(p, sizeof p, "policies", i);
        if (sim_jobject(c, it, p, "a policy alternative", pf) || sim_jstr(c, it, p, "name", NULL, &name))
            return -1;
        for (int k = 0; k < s->npol; k++)
            if (strcmp(s->pname[k], name) == 0)
                return sim_jerr(c, sim_jpath_key(q, sizeof q, p, "name"),
                                "expected a name no other alternative has, found \"%s\" (also policies[%d])",
                                name, k);
        int ctl = 0;
        for (const char *ch = name; *ch; ch++)
            ctl |= (unsigned char)*ch < 0x20 || *ch == 0x7f;
        if (!*name || strlen(name) > 64 || ctl) /* any other text: it is data in every file and figure */
            return sim_jerr(c, sim_jpath_key(q, sizeof q, p, "name"),
                            "expected a name of 1-64 characters without control characters (line breaks, tabs)");
        const cJSON *ps = sim_jget(it, "set");
        if (ps && !cJSON_IsObject(ps))
            return sim_jerr(c, sim_jpath_key(q, sizeof q, p, "set"), "expected an object of {PATH: value}");
        for (const cJSON *a = ps ? ps->child : NULL; a; a = a->next)
            s->seed_in_sets |= is_seed_path(a->string);
        s->pname[i] = (char *)name;
        s->pset[i] = ps;
        s->npol++;
    }
    return 0;
}

/* Every sweep collects, first and for every class, what became of the
 * requests: the offered rate and the shares that succeeded, failed, were
 * rejected and were dropped, before any metric the experiment names. */
static const char *const outcome_metrics[] = { "offered_rate", "shares.success", "shares.failed", "shares.rejected",
                                               "shares.dropped" };
#define NOUTCOME_METRICS 5

/* (The names are s->implicit's, freed by tb_sweep_free: not the leak
 * -fanalyzer reports.) */
static int add_implicit(tb_sweep *s, const char *scenario_text, sim_jctx *c)
{
    cJSON *doc = cJSON_Parse(scenario_text);
    const cJSON *classes = sim_jget(doc, "classes");
    int nc = cJSON_IsObject(classes) ? cJSON_GetArraySize(classes) : 0;
    s->implicit = calloc((size_t)(nc * NOUTCOME_METRICS + 1), sizeof *s->implicit);
    if (!s->implicit) {
        cJSON_Delete(doc);
        return sim_jerr(c, NULL, "out of memory");
    }
    for (const cJSON *it = nc ? classes->child : NULL; it; it = it->next)
        for (int k = 0; k < NOUTCOME_METRICS; k++) {
            size_t n = strlen(it->string) + strlen(outcome_metrics[k]) + 10;
            if (!(s->implicit[s->nimplicit] = malloc(n))) {
                cJSON_Delete(doc);
                return sim_jerr(c, NULL, "out of memory");
            }
            snprintf(s->implicit[s->nimplicit++], n, "classes.%s.%s", it->string, outcome_metrics[k]);
        }
    cJSON_Delete(doc);
    return 0;
}

static int load_metrics(tb_sweep *s, const cJSON *r, sim_jctx *c)
{
    char p[256], f[96];
    const cJSON *mets = sim_jget(r, "metrics");
    int nm = cJSON_IsArray(mets) ? cJSON_GetArraySize(mets) : 0;
    if (nm < 1)
        return sim_jerr(c, "metrics", "expected a non-empty array of summary.json paths, e.g. "
                                      "\"classes.jobs.latency.p99\", found %s", sim_jfound(mets, f, sizeof f));
    if (!(s->metrics = calloc((size_t)(nm + s->nimplicit), sizeof *s->metrics)) ||
        !(s->metric_index = calloc((size_t)(nm + s->nimplicit), sizeof *s->metric_index)))
        return sim_jerr(c, NULL, "out of memory");
    for (int k = 0; k < s->nimplicit; k++) { /* first, unless the experiment lists them itself */
        s->metric_index[s->nmetrics] = -1;
        s->metrics[s->nmetrics++] = s->implicit[k];
    }
    int i = 0;
    for (const cJSON *it = mets->child; it; it = it->next, i++) {
        if (!cJSON_IsString(it) || !*it->valuestring)
            return sim_jerr(c, sim_jpath_idx(p, sizeof p, "metrics", i), "expected a path string, found %s",
                            sim_jfound(it, f, sizeof f));
        int dup = 0;
        for (const cJSON *e = mets->child; e != it; e = e->next)
            if (cJSON_IsString(e) && strcmp(e->valuestring, it->valuestring) == 0)
                return sim_jerr(c, sim_jpath_idx(p, sizeof p, "metrics", i),
                                "expected each metric once, found \"%s\" again", it->valuestring);
        for (int k = 0; k < s->nimplicit; k++)
            dup |= strcmp(s->implicit[k], it->valuestring) == 0; /* collected anyway, in its place */
        if (!dup) {
            s->metric_index[s->nmetrics] = i;
            s->metrics[s->nmetrics++] = it->valuestring;
        }
    }
    return 0;
}

static int load_verdict_fields(tb_sweep *s, const cJSON *r, sim_jctx *c);

int tb_sweep_load(tb_sweep *s, const char *file, sim_jctx *c)
{
    char p[256], f[96];
    size_t len;
    memset(s, 0, sizeof *s);
    c->file = tb_shown_path(file);
    char *text = tb_read_file(file, &len);
    if (!text)
        return sim_jerr(c, NULL, "cannot read the file (%s)", tb_errno_str());
    sim_sha256_hex(text, len, s->sha256);
    s->root = sim_jparse(c, text);
    free(text);
    if (!s->root)
        return -1;
    if (!cJSON_IsObject(s->root))
        return sim_jerr(c, NULL, "expected an experiment (a JSON object), found %s", sim_jfound(s->root, f, sizeof f));
    cJSON *embedded = cJSON_DetachItemFromObjectCaseSensitive(s->root, "experiment_document");
    if (embedded) {
        if (load_manifest(s, file, embedded, c))
            return -1;
    } else {
        char rp[PATH_MAX];
        s->file = strdup(file);
        snprintf(s->identity, sizeof s->identity, "%s", realpath(file, rp) ? rp : file);
        if (!s->file)
            return sim_jerr(c, NULL, "out of memory");
    }
    if (sim_jobject(c, s->root, "", "an experiment", exp_fields))
        return -1;
    const cJSON *r = s->root;
    const char *scen;
    long long seed, reps, one = 1, three = 3;
    if (sim_jstr(c, r, "", "scenario", NULL, &scen) ||
        sim_jint(c, r, "", "seed", 0, 1LL << 53, &one, &seed) ||
        sim_jint(c, r, "", "replications", 2, 100000, &three, &reps))
        return -1;
    s->seed = (unsigned long long)seed;
    s->reps = (int)reps;
    if (!embedded && resolve_scenario(s, scen, c))
        return -1;
    char *st = tb_read_file(s->scenario, &len);
    if (!st)
        return sim_jerr(c, "scenario", "cannot read \"%s\" (%s)", s->scenario, tb_errno_str());
    sim_sha256_hex(st, len, s->scenario_sha256);
    if (add_implicit(s, st, c)) {
        free(st);
        return -1;
    }
    cJSON *sdoc = cJSON_Parse(st);
    const cJSON *q = sim_jget(sdoc, "event_queue");
    snprintf(s->scenario_evq, sizeof s->scenario_evq, "%s", cJSON_IsString(q) ? q->valuestring : "heap");
    cJSON_Delete(sdoc);
    free(st);
    if (load_fixed(s, r, c) || load_vary(s, r, c) || load_alternatives(s, r, c) || load_metrics(s, r, c))
        return -1;
    /* the experiment's seed, or one per configuration from the scenario
     * with its overrides: both at once would leave one unused */
    if (s->seed_in_sets && sim_jget(r, "seed"))
        return sim_jerr(c, "seed", "expected the seed either here or in \"set\"/\"vary\"/an alternative's "
                                   "\"set\", found both (the configurations' \"seed\" would override it)");
    s->nconfigs = s->npoints * s->npol;
    s->nruns = s->nconfigs * s->reps;
    const cJSON *th = sim_jget(r, "theory");
    if (th) { /* {METRIC: expression in x}: parsed here (tb_expr), evaluated by tailback plot */
        if (!cJSON_IsObject(th))
            return sim_jerr(c, "theory", "expected an object of {METRIC: \"expression in x\"}, found %s",
                            sim_jfound(th, f, sizeof f));
        for (const cJSON *it = th->child; it; it = it->next) {
            double vals[TB_EXPR_MAX_PARAMS];
            char why[400];
            tb_expr *e = tb_expr_theory(it, vals, why, sizeof why);
            if (!e) {
                sim_jpath_key(p, sizeof p, "theory", it->string);
                return sim_jerr(c, NULL, "%s%s", p, why);
            }
            tb_expr_free(e);
        }
    }
    if (load_verdict_fields(s, r, c))
        return -1;
    const cJSON *prec = sim_jget(r, "precision");
    if (prec) {
        static const char *const pf[] = { "relative_halfwidth", "max_replications", NULL };
        long long maxr, dmax = 100;
        if (sim_jobject(c, prec, "precision", "a precision target", pf) ||
            sim_jnum(c, prec, "precision", "relative_halfwidth", 0, 1, 1, NULL, &s->precision) ||
            sim_jint(c, prec, "precision", "max_replications", s->reps, 100000, &dmax, &maxr))
            return -1;
        s->max_reps = (int)maxr;
    }
    return 0;
}

static const char *pname_of(const void *ctx, int i)
{
    return ((const tb_sweep *)ctx)->pname[i];
}

/* "baseline", "compare" and "prefer": what the comparisons subtract and
 * which way each metric is better (the report's verdict). */
static int load_verdict_fields(tb_sweep *s, const cJSON *r, sim_jctx *c)
{
    char f[96], p[256];
    const cJSON *b = sim_jget(r, "baseline"), *cmp = sim_jget(r, "compare"), *pref = sim_jget(r, "prefer");
    s->baseline = 0;
    if (b) {
        int k = -1;
        for (int i = 0; cJSON_IsString(b) && i < s->npol; i++)
            if (strcmp(s->pname[i], b->valuestring) == 0)
                k = i;
        if (k < 0) {
            int near = cJSON_IsString(b) ? sim_jnearest(b->valuestring, s->npol, pname_of, s) : -1;
            char names[600] = "";
            for (int i = 0, at = 0; i < s->npol && at < (int)sizeof names; i++)
                at += snprintf(names + at, sizeof names - (size_t)at, "%s\"%s\"", i ? ", " : "", s->pname[i]);
            return sim_jerr(c, "baseline", "expected the name of an alternative in \"policies\" (%s), found %s%s%s%s",
                            names, sim_jfound(b, f, sizeof f), near >= 0 ? "; did you mean \"" : "",
                            near >= 0 ? s->pname[near] : "", near >= 0 ? "\"?" : "");
        }
        s->baseline = k;
    }
    if (cmp) {
        if (!cJSON_IsString(cmp) || (strcmp(cmp->valuestring, "all") && strcmp(cmp->valuestring, "baseline")))
            return sim_jerr(c, "compare", "expected \"baseline\" (each alternative against the baseline) or "
                                          "\"all\" (every pair), found %s", sim_jfound(cmp, f, sizeof f));
        s->compare_all = strcmp(cmp->valuestring, "all") == 0;
    }
    if (pref) {
        if (!cJSON_IsObject(pref))
            return sim_jerr(c, "prefer", "expected an object of {METRIC: \"lower\" | \"higher\" | \"none\"}, "
                                         "found %s", sim_jfound(pref, f, sizeof f));
        for (const cJSON *it = pref->child; it; it = it->next) {
            sim_jpath_key(p, sizeof p, "prefer", it->string);
            if (!cJSON_IsString(it) || (strcmp(it->valuestring, "lower") && strcmp(it->valuestring, "higher") &&
                                        strcmp(it->valuestring, "none")))
                return sim_jerr(c, p, "expected \"lower\", \"higher\" or \"none\" (which way the metric is "
                                      "better), found %s", sim_jfound(it, f, sizeof f));
            int known = 0;
            for (int k = 0; k < s->nmetrics && !known; k++)
                known = strcmp(s->metrics[k], it->string) == 0;
            if (!known)
                return sim_jerr(c, p, "expected one of the experiment's metrics, found \"%s\"", it->string);
        }
    }
    return 0;
}

int tb_sweep_is_experiment(const char *file)
{
    char *text = tb_read_file(file, NULL);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    int yes = cJSON_IsObject(doc) && cJSON_IsString(sim_jget(doc, "scenario")) && !sim_jget(doc, "nodes");
    cJSON_Delete(doc);
    return yes;
}

void tb_sweep_locate(const tb_sweep *s, int i, int *config, int *rep)
{
    *config = i % s->nconfigs;
    *rep = i / s->nconfigs;
}

/* The index of vary list k's value at point pt. */
static int vary_index(const tb_sweep *s, int pt, int k)
{
    if (s->zip)
        return pt;
    for (int j = s->nvary - 1; j > k; j--)
        pt /= cJSON_GetArraySize(s->vary[j]);
    return pt % cJSON_GetArraySize(s->vary[k]);
}

/* Every assignment a configuration applies, in order (fixed, vary point,
 * alternative), with where each comes from in the experiment. */
typedef struct run_sets {
    char **set, **origin;
    int n;
} run_sets;

/* (-fanalyzer reports leaks of the strings here: it cannot follow them
 * into rs->set and rs->origin, freed below) */
static void free_sets(run_sets *rs)
{
    for (int k = 0; k < rs->n; k++) {
        free(rs->set[k]);
        free(rs->origin[k]);
    }
    free(rs->set);
    free(rs->origin);
    memset(rs, 0, sizeof *rs);
}

static int config_sets(const tb_sweep *s, int config, run_sets *rs)
{
    int pt = config / s->npol, pol = config % s->npol;
    int cap = s->nfixed + s->nvary + (s->pset[pol] ? cJSON_GetArraySize(s->pset[pol]) : 0);
    char o[600];
    memset(rs, 0, sizeof *rs);
    rs->set = calloc((size_t)(cap ? cap : 1), sizeof *rs->set);
    rs->origin = calloc((size_t)(cap ? cap : 1), sizeof *rs->origin);
    if (!rs->set || !rs->origin) {
        free_sets(rs);
        return -1;
    }
    for (int k = 0; k < s->nfixed; k++, rs->n++) {
        rs->set[rs->n] = strdup(s->fixed[k]);
        rs->origin[rs->n] = strdup(s->fixed_origin[k]);
    }
    for (int k = 0; k < s->nvary; k++, rs->n++) {
        int vi = vary_index(s, pt, k);
        rs->set[rs->n] = assignment(s->vpath[k], cJSON_GetArrayItem(s->vary[k], vi));
        snprintf(o, sizeof o, "vary[\"%s\"][%d]", s->vpath[k], vi);
        rs->origin[rs->n] = strdup(o);
    }
    for (const cJSON *it = s->pset[pol] ? s->pset[pol]->child : NULL; it; it = it->next, rs->n++) {
        rs->set[rs->n] = assignment(it->string, it);
        snprintf(o, sizeof o, "policies[%d].set[\"%s\"]", pol, it->string);
        rs->origin[rs->n] = strdup(o);
    }
    for (int k = 0; k < rs->n; k++)
        if (!rs->set[k] || !rs->origin[k]) {
            free_sets(rs);
            return -1;
        }
    return 0;
}

/* The seed of a configuration: the last "seed" its assignments set, else
 * the experiment's. */
static unsigned long long config_seed(const tb_sweep *s, const run_sets *rs)
{
    unsigned long long seed = s->seed;
    for (int k = 0; k < rs->n; k++)
        if (strncmp(rs->set[k], "seed=", 5) == 0) {
            char *end;
            double v = strtod(rs->set[k] + 5, &end);
            if (*end == 0 && v >= 0 && v <= 9007199254740992.0 && v == floor(v))
                seed = (unsigned long long)v;
        }
    return seed;
}

static void run_spec(const tb_sweep *s, const run_sets *rs, int rep, tb_run_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->scenario = s->scenario;
    spec->sets = (const char *const *)rs->set;
    spec->nsets = rs->n;
    spec->has_seed = 1; /* checked by tb_sweep_check: a varied seed is a valid one */
    spec->seed = config_seed(s, rs);
    spec->replication = (uint64_t)rep;
}

int tb_sweep_prepare(const tb_sweep *s, int i, const char *const *extra, int nextra, tb_run *r, char *err,
                     size_t n)
{
    int config, rep;
    run_sets rs;
    tb_sweep_locate(s, i, &config, &rep);
    if (config_sets(s, config, &rs) != 0) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    const char **all = malloc((size_t)(rs.n + nextra + 1) * sizeof *all);
    if (!all) {
        free_sets(&rs);
        snprintf(err, n, "out of memory");
        return -1;
    }
    for (int k = 0; k < rs.n; k++)
        all[k] = rs.set[k];
    for (int k = 0; k < nextra; k++)
        all[rs.n + k] = extra[k];
    tb_run_spec spec;
    run_spec(s, &rs, rep, &spec);
    spec.sets = all;
    spec.nsets = rs.n + nextra;
    int rc = tb_run_prepare(r, &spec, err, n, NULL);
    free(all);
    free_sets(&rs);
    return rc;
}

/* ---- metrics in a summary -------------------------------------------------- */

/* The value at a dotted path of summary.json.  A number is itself; a
 * boolean counts as 1 or 0 (the mean of network.recovered is the fraction
 * of runs that recovered); a censored quantile {"censored": true,
 * "at_least": x} is x with *censored set; null (nothing measured) is NaN
 * with *null set.  Returns 0 when the path names none of these, with the
 * node reached (or the last object on the way) in *where. */
static int at_path(const cJSON *doc, const char *path, double *v, int *null, int *censored, const cJSON **where,
                   char *missing, size_t mn)
{
    char seg[256];
    const cJSON *cur = doc;
    *null = *censored = 0;
    *v = NAN;
    while (*path) {
        size_t k = strcspn(path, ".");
        snprintf(seg, sizeof seg, "%.*s", (int)k, path);
        const cJSON *next = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, seg) : NULL;
        if (!next) {
            *where = cur;
            snprintf(missing, mn, "%s", seg);
            return 0;
        }
        cur = next;
        path += k + (path[k] == '.');
    }
    *where = cur;
    missing[0] = 0;
    if (cJSON_IsNull(cur)) {
        *null = 1;
        return 1;
    }
    if (cJSON_IsBool(cur)) {
        *v = cJSON_IsTrue(cur) ? 1 : 0;
        return 1;
    }
    if (cJSON_IsNumber(cur)) {
        *v = cur->valuedouble;
        return 1;
    }
    const cJSON *al = sim_jget(cur, "at_least");
    if (cJSON_IsObject(cur) && cJSON_IsTrue(sim_jget(cur, "censored")) && cJSON_IsNumber(al)) {
        *v = al->valuedouble;
        *censored = 1;
        return 1;
    }
    return 0;
}

/* Levenshtein distance, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];
    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]), u = prev[j] + 1, l = cur[j - 1] + 1;
            cur[j] = d < u ? (d < l ? d : l) : (u < l ? u : l);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

/* Why a metric path resolves to no number: the missing key and the keys
 * there are (nearest first), or what the path does name. */
static void explain_path(const cJSON *where, const char *missing, char *buf, size_t n)
{
    if (!*missing) {
        snprintf(buf, n, "%s", cJSON_IsObject(where) ? "an object (name one of its numbers)"
                               : cJSON_IsArray(where) ? "an array"
                               : cJSON_IsString(where) ? "a string" : "no number");
        return;
    }
    const char *best = NULL;
    size_t bd = 99;
    for (const cJSON *it = cJSON_IsObject(where) ? where->child : NULL; it; it = it->next) {
        size_t d = edit_distance(missing, it->string);
        if (d < bd) {
            bd = d;
            best = it->string;
        }
    }
    size_t len = (size_t)snprintf(buf, n, "no \"%s\" there", missing);
    if (best && bd <= 3 && len < n)
        len += (size_t)snprintf(buf + len, n - len, " (did you mean \"%s\"?", best);
    else if (best && len < n)
        len += (size_t)snprintf(buf + len, n - len, " (");
    if (best && len < n) {
        len += (size_t)snprintf(buf + len, n - len, "%shere: ", bd <= 3 ? " " : "");
        int k = 0;
        for (const cJSON *it = where->child; it && len < n; it = it->next, k++)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", k ? ", " : "", it->string);
        if (len < n)
            snprintf(buf + len, n - len, ")");
    }
}

/* ---- checking before running ----------------------------------------------- */

/* The JSON path of a "FILE: PATH: ..." message, if it has one. */
static const char *message_path(const char *msg, const char *file, char *buf, size_t n)
{
    size_t fl = strlen(file);
    if (strncmp(msg, file, fl) != 0 || strncmp(msg + fl, ": ", 2) != 0)
        return NULL;
    const char *p = msg + fl + 2, *e = strstr(p, ": ");
    if (!e || (size_t)(e - p) >= n || memchr(p, ' ', (size_t)(e - p)))
        return NULL;
    snprintf(buf, n, "%.*s", (int)(e - p), p);
    return buf;
}

/* Whether assignment "PATH=..." sets `path` or something above it. */
static int sets_path(const char *assignment, const char *path)
{
    size_t k = strcspn(assignment, "=");
    return strncmp(assignment, path, k) == 0 && (path[k] == 0 || path[k] == '.' || path[k] == '[');
}

/* A configuration in words: its varied values and alternative. */
static void describe_config(const tb_sweep *s, int cfg, char *buf, size_t n)
{
    int pt = cfg / s->npol, pol = cfg % s->npol;
    size_t len = (size_t)snprintf(buf, n, "configuration %d (", cfg);
    for (int k = 0; k < s->nvary && len < n; k++) {
        char *v = cJSON_PrintUnformatted(cJSON_GetArrayItem(s->vary[k], vary_index(s, pt, k)));
        len += (size_t)snprintf(buf + len, n - len, "%s=%s, ", s->vpath[k], v ? v : "?");
        free(v);
    }
    if (len < n)
        snprintf(buf + len, n - len, "alternative \"%s\")", s->pname[pol]);
}

static int check_config(const tb_sweep *s, int cfg, char *err, size_t n)
{
    run_sets rs;
    tb_run_spec spec;
    tb_run r;
    tb_run_failure why;
    char msg[1024], path[256], what[512];
    if (config_sets(s, cfg, &rs) != 0) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    run_spec(s, &rs, 0, &spec);
    if (tb_run_prepare(&r, &spec, msg, sizeof msg, &why) != 0) {
        const char *origin = why.failed_set >= 0 ? rs.origin[why.failed_set] : NULL;
        const char *mp = message_path(msg, s->scenario, path, sizeof path);
        for (int k = rs.n - 1; !origin && mp && k >= 0; k--)
            if (sets_path(rs.set[k], mp))
                origin = rs.origin[k];
        if (origin) {
            snprintf(err, n, "%s: %s: %s", s->file, origin, msg);
        } else {
            describe_config(s, cfg, what, sizeof what);
            snprintf(err, n, "%s: %s: %s", s->file, what, msg);
        }
        free_sets(&rs);
        return -1;
    }
    tb_manifest man = { s->scenario, r.sc.sha256, r.event_queue, NULL, 0, NULL, 0, "check" };
    cJSON *sum = tb_results_summary(r.m, &man);
    int rc = sum ? 0 : -1;
    if (!sum)
        snprintf(err, n, "out of memory");
    for (int k = 0; sum && k < s->nmetrics && rc == 0; k++) {
        double v;
        int null, cens;
        const cJSON *where;
        char missing[256], why_not[700];
        if (!at_path(sum, s->metrics[k], &v, &null, &cens, &where, missing, sizeof missing)) {
            explain_path(where, missing, why_not, sizeof why_not);
            describe_config(s, cfg, what, sizeof what);
            snprintf(err, n, "%s: metrics[%d]: expected a path to a number in a run's summary.json, found %s "
                             "(\"%s\", %s)", s->file, s->metric_index[k], why_not, s->metrics[k], what);
            rc = -1;
        }
    }
    cJSON_Delete(sum);
    tb_run_free(&r);
    free_sets(&rs);
    return rc;
}

int tb_sweep_check(const tb_sweep *s, char *err, size_t n)
{
    for (int cfg = 0; cfg < s->nconfigs; cfg++)
        if (check_config(s, cfg, err, n) != 0)
            return -1;
    return 0;
}

/* ---- the owner of an output directory -------------------------------------- */

static void owner_path(const char *out, char *buf, size_t n)
{
    snprintf(buf, n, "%s/runs/experiment.json", out);
}

/* Remove the run records under OUT/runs and the aggregated files. */
static int discard(const char *out)
{
    char dir[4096], path[4352];
    snprintf(dir, sizeof dir, "%s/runs", out);
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (strstr(e->d_name, ".json") || strstr(e->d_name, ".tmp-")) {
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    static const char *const files[] = { "runs.csv", "summary.csv", "comparisons.csv", "warmup.csv",
                                         "manifest.json", "plan.csv", NULL };
    for (int i = 0; files[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", out, files[i]);
        unlink(path);
    }
    return 0;
}

int tb_sweep_claim(const tb_sweep *s, const char *out, int force, char *err, size_t n)
{
    char path[4096];
    owner_path(out, path, sizeof path);
    char *text = tb_read_file(path, NULL);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *id = sim_jget(doc, "identity");
    int other = cJSON_IsString(id) && strcmp(id->valuestring, s->identity) != 0;
    if (other && !force) {
        snprintf(err, n, "%s holds the runs of another experiment, %s; choose another --out, or add --force to "
                         "discard them", out, id->valuestring);
        cJSON_Delete(doc);
        return -1;
    }
    cJSON_Delete(doc);
    if (other)
        discard(out);
    char runs[4096 + 8];
    snprintf(runs, sizeof runs, "%s/runs", out);
    tb_remove_stale(out); /* what a sweep killed with SIGKILL left half-written */
    tb_remove_stale(runs);
    if (!cJSON_IsString(id) || other) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "identity", s->identity);
        char *t = cJSON_Print(o);
        cJSON_Delete(o);
        int rc = t ? tb_write_atomic(path, t, strlen(t)) : -1;
        free(t);
        if (rc != 0) {
            snprintf(err, n, "%s: cannot write (%s)", path, tb_errno_str());
            return -1;
        }
    }
    return 0;
}

/* ---- fingerprints ------------------------------------------------------------ */

/* The SHA-256 of a file's bytes now, memoised per process ("" when
 * unreadable): a sweep checks the same few files for every run. */
static const char *file_sha(const char *path)
{
    static struct { char path[4096]; char sha[65]; } cache[64];
    static int n;
    for (int i = 0; i < n; i++)
        if (strcmp(cache[i].path, path) == 0)
            return cache[i].sha;
    int i = n < 64 ? n++ : 63;
    snprintf(cache[i].path, sizeof cache[i].path, "%s", path);
    size_t len;
    char *text = tb_read_file(path, &len);
    cache[i].sha[0] = 0;
    if (text)
        sim_sha256_hex(text, len, cache[i].sha);
    free(text);
    return cache[i].sha;
}

/* The event queue a configuration uses: the scenario's, as its
 * assignments leave it ("event_queue=..."), else the heap. */
static const char *config_evq(const tb_sweep *s, const run_sets *rs, char *buf, size_t n)
{
    snprintf(buf, n, "%s", s->scenario_evq);
    for (int k = 0; k < rs->n; k++)
        if (strncmp(rs->set[k], "event_queue=", 12) == 0) {
            cJSON *v = cJSON_Parse(rs->set[k] + 12);
            snprintf(buf, n, "%s", cJSON_IsString(v) ? v->valuestring : rs->set[k] + 12);
            cJSON_Delete(v);
        }
    return buf;
}

/* Everything but the input files that determines run i's record: tool
 * version, scenario bytes, seed, replication, event queue, every
 * assignment in order, and the metrics it extracts. */
static void fingerprint(const tb_sweep *s, int i, char hex[65])
{
    int config, rep;
    run_sets rs;
    char evq[64];
    tb_sweep_locate(s, i, &config, &rep);
    hex[0] = 0;
    if (config_sets(s, config, &rs) != 0)
        return;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        free_sets(&rs);
        return;
    }
    fprintf(f, "tailback %s\nscenario %s\nseed %llu\nreplication %d\nevent_queue %s\n", TB_VERSION,
            s->scenario_sha256, config_seed(s, &rs), rep, config_evq(s, &rs, evq, sizeof evq));
    for (int k = 0; k < rs.n; k++)
        fprintf(f, "set %s\n", rs.set[k]);
    for (int k = 0; k < s->nmetrics; k++)
        fprintf(f, "metric %s\n", s->metrics[k]);
    if (fclose(f) == 0)
        sim_sha256_hex(buf, len, hex);
    free(buf);
    free_sets(&rs);
}

static void run_path(const char *out, int i, const char *ext, char *buf, size_t n)
{
    snprintf(buf, n, "%s/runs/%06d.%s", out, i, ext);
}

/* Run i's record if it is current (its fingerprint and the bytes of every
 * input it recorded match), else NULL; free with cJSON_Delete(). */
static cJSON *current_record(const tb_sweep *s, const char *out, int i)
{
    char path[4096], want[65];
    run_path(out, i, "json", path, sizeof path);
    char *text = tb_read_file(path, NULL);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!doc)
        return NULL;
    fingerprint(s, i, want);
    const cJSON *fp = sim_jget(doc, "fingerprint"), *inputs = sim_jget(doc, "inputs");
    int ok = cJSON_IsString(fp) && *want && strcmp(fp->valuestring, want) == 0 && cJSON_IsArray(inputs) &&
             cJSON_IsObject(sim_jget(doc, "metrics"));
    for (const cJSON *it = inputs ? inputs->child : NULL; ok && it; it = it->next) {
        const cJSON *p = sim_jget(it, "path"), *h = sim_jget(it, "sha256");
        ok = cJSON_IsString(p) && cJSON_IsString(h) && strcmp(file_sha(p->valuestring), h->valuestring) == 0;
    }
    if (!ok) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

int tb_sweep_current(const tb_sweep *s, const char *out, int i)
{
    cJSON *doc = current_record(s, out, i);
    cJSON_Delete(doc);
    return doc != NULL;
}

/* ---- running one ------------------------------------------------------------- */

/* A word for sh: in single quotes, each ' written as '\'' */
static void sh_quoted(FILE *f, const char *v)
{
    fputc('\'', f);
    for (; *v; v++) {
        if (*v == '\'')
            fputs("'\\''", f);
        else
            fputc(*v, f);
    }
    fputc('\'', f);
}

int tb_sweep_show_run(const tb_sweep *s, int i, FILE *f)
{
    int config, rep;
    run_sets rs;
    char evq[64];
    tb_sweep_locate(s, i, &config, &rep);
    if (config_sets(s, config, &rs) != 0)
        return -1;
    fputs("tailback run ", f);
    sh_quoted(f, s->scenario);
    fprintf(f, " --seed %llu --replication %d --event-queue %s", config_seed(s, &rs), rep,
            config_evq(s, &rs, evq, sizeof evq));
    for (int k = 0; k < rs.n; k++) {
        fputs(" --set ", f);
        sh_quoted(f, rs.set[k]);
    }
    fputc('\n', f);
    free_sets(&rs);
    return 0;
}

/* The metrics of a finished run into its record: values, censored flags,
 * and the histograms of quantile metrics (so the merge can pool them). */
static int record_metrics(const tb_sweep *s, const tb_model *m, const cJSON *sum, cJSON *doc, char *err, size_t n)
{
    cJSON *mets = cJSON_AddObjectToObject(doc, "metrics"), *cens = cJSON_AddObjectToObject(doc, "censored"),
          *hists = cJSON_AddObjectToObject(doc, "histograms");
    for (int k = 0; k < s->nmetrics; k++) {
        double v, q;
        int null, censored;
        const cJSON *where;
        char missing[256];
        if (!at_path(sum, s->metrics[k], &v, &null, &censored, &where, missing, sizeof missing)) {
            snprintf(err, n, "%s: metrics[%d]: expected a number at \"%s\" in summary.json, found none",
                     s->file, s->metric_index[k], s->metrics[k]);
            return -1;
        }
        if (null)
            cJSON_AddNullToObject(mets, s->metrics[k]);
        else
            cJSON_AddNumberToObject(mets, s->metrics[k], v);
        if (censored)
            cJSON_AddTrueToObject(cens, s->metrics[k]);
        const sim_hist *ok, *ch;
        if (tb_results_quantile_source(m, s->metrics[k], &ok, &ch, &q)) {
            cJSON *h = cJSON_AddObjectToObject(hists, s->metrics[k]);
            cJSON_AddItemToObject(h, "ok", sim_hist_to_json(ok));
            if (ch)
                cJSON_AddItemToObject(h, "censored", sim_hist_to_json(ch));
        }
    }
    return 0;
}

unsigned long long tb_sweep_seed_of(const tb_sweep *s, int i)
{
    int config, rep;
    run_sets rs;
    tb_sweep_locate(s, i, &config, &rep);
    if (config_sets(s, config, &rs) != 0)
        return s->seed;
    unsigned long long seed = config_seed(s, &rs);
    free_sets(&rs);
    return seed;
}

int tb_sweep_execute(const tb_sweep *s, int i, const char *out, char *err, size_t n, volatile int *interrupt)
{
    int config, rep, rc = -1;
    run_sets rs;
    tb_run_spec spec;
    tb_run r = { 0 };
    tb_input *inputs = NULL;
    cJSON *sum = NULL, *doc = NULL;
    char *text = NULL, fp[65];
    tb_sweep_locate(s, i, &config, &rep);
    if (config_sets(s, config, &rs) != 0) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    run_spec(s, &rs, rep, &spec);
    if (tb_run_prepare(&r, &spec, err, n, NULL) != 0)
        goto done;
    tb_run_status st = tb_model_run(r.m, interrupt);
    if (st != TB_RUN_OK) {
        snprintf(err, n, "%s", st == TB_RUN_ERROR || st == TB_RUN_LIMIT ? r.m->error : "the run did not complete");
        goto done;
    }
    tb_manifest man = { s->scenario, r.sc.sha256, r.event_queue, NULL, 0, (const char *const *)rs.set, rs.n,
                        "complete" };
    sum = tb_results_summary(r.m, &man);
    doc = cJSON_CreateObject();
    if (!sum || !doc) {
        snprintf(err, n, "out of memory");
        goto done;
    }
    cJSON_AddNumberToObject(doc, "index", i);
    cJSON_AddNumberToObject(doc, "config", config);
    cJSON_AddNumberToObject(doc, "replication", rep);
    cJSON_AddNumberToObject(doc, "seed", (double)spec.seed);
    cJSON_AddStringToObject(doc, "event_queue", r.event_queue);
    fingerprint(s, i, fp);
    cJSON_AddStringToObject(doc, "fingerprint", fp);
    int ninputs = tb_run_inputs(&r, &inputs);
    cJSON *in = cJSON_AddArrayToObject(doc, "inputs");
    for (int k = 0; k < ninputs; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(in, o);
        cJSON_AddStringToObject(o, "path", inputs[k].path);
        cJSON_AddStringToObject(o, "sha256", inputs[k].sha256);
    }
    cJSON_AddNumberToObject(doc, "ticks_per_second", r.m->tps);
    cJSON_AddNumberToObject(doc, "warmup", sim_seconds(r.m->warmup, r.m->tps));
    if (record_metrics(s, r.m, sum, doc, err, n) != 0)
        goto done;
    /* the mean number in the network over TB_MSER_POINTS spans, for MSER-5
     * on the average of the replications */
    cJSON_AddNumberToObject(doc, "mser_span", sim_seconds(r.m->mser_dt, r.m->tps));
    cJSON *ser = cJSON_AddArrayToObject(doc, "jobs_series");
    for (size_t w = 0; w < r.m->nmser; w++)
        cJSON_AddItemToArray(ser, cJSON_CreateNumber(r.m->mser[w]));
    text = cJSON_PrintUnformatted(doc);
    char path[4096];
    run_path(out, i, "json", path, sizeof path);
    if (ninputs < 0 || !text || tb_write_atomic(path, text, strlen(text)) != 0) {
        snprintf(err, n, "%s: cannot write (%s)", path, ninputs < 0 || !text ? "out of memory" : tb_errno_str());
        goto done;
    }
    rc = 0;
done:
    free(text);
    free(inputs);
    cJSON_Delete(doc);
    cJSON_Delete(sum);
    tb_run_free(&r);
    free_sets(&rs);
    return rc;
}

/* ---- CSV ----------------------------------------------------------------------- */

/* A CSV field (RFC 4180): bare unless it holds a comma, quote, CR or LF,
 * then in double quotes with inner quotes doubled. */
static void csv_field(FILE *f, const char *v)
{
    if (!strpbrk(v, ",\"\r\n")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

/* A varied value as CSV readers expect it (RFC 4180): a string is its text
 * (quoted only when it holds a comma, quote or line break), a number as
 * JSON writes it, an array or object its compact JSON (quoted, since it
 * holds commas or quotes), null an empty field. */
static void csv_json(FILE *f, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        csv_field(f, v->valuestring);
        return;
    }
    if (cJSON_IsNull(v))
        return;
    char *t = cJSON_PrintUnformatted(v);
    csv_field(f, t ? t : "");
    free(t);
}

/* A number, or an empty field for null (NaN). */
static void csv_num(FILE *f, double v)
{
    if (isnan(v))
        return;
    if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", f);
    else
        fprintf(f, "%.17g", v);
}

static void params_csv(FILE *f, const tb_sweep *s, int config)
{
    int pt = config / s->npol, pol = config % s->npol;
    for (int k = 0; k < s->nvary; k++) {
        csv_json(f, cJSON_GetArrayItem(s->vary[k], vary_index(s, pt, k)));
        fputc(',', f);
    }
    csv_field(f, s->pname[pol]);
}

static void params_header(FILE *f, const tb_sweep *s)
{
    for (int k = 0; k < s->nvary; k++) {
        csv_field(f, s->vpath[k]);
        fputc(',', f);
    }
    fprintf(f, "policy");
}

static int write_stream(const char *out, const char *name, char *buf, size_t len, char *err, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out, name);
    if (tb_write_atomic(path, buf, len) != 0) {
        snprintf(err, n, "%s: cannot write (%s)", path, tb_errno_str());
        return -1;
    }
    return 0;
}

int tb_sweep_plan(const tb_sweep *s, const char *out, char *err, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    fprintf(f, "index,config,replication,seed,");
    params_header(f, s);
    fprintf(f, "\n");
    for (int i = 0; i < s->nruns; i++) {
        int config, rep;
        run_sets rs;
        tb_sweep_locate(s, i, &config, &rep);
        unsigned long long seed = s->seed;
        if (config_sets(s, config, &rs) == 0) {
            seed = config_seed(s, &rs);
            free_sets(&rs);
        }
        fprintf(f, "%d,%d,%d,%llu,", i, config, rep, seed);
        params_csv(f, s, config);
        fprintf(f, "\n");
    }
    if (fclose(f) != 0) {
        free(buf);
        snprintf(err, n, "out of memory");
        return -1;
    }
    int rc = write_stream(out, "plan.csv", buf, len, err, n);
    free(buf);
    return rc;
}

double tb_sweep_ci95(const double *x, int n, double *sd, double *hw)
{
    sim_ci c = sim_ci_mean(x, n, LEVEL);
    *sd = c.has_interval ? c.sd : 0;
    *hw = c.has_interval ? c.hi - c.est : 0;
    return c.est;
}

/* ---- reading the runs back ------------------------------------------------------- */

/* The scalar results of every run: v[run * nmetrics + metric] (NaN for
 * null), censored flags, seeds and warm-ups. */
typedef struct runs_table {
    double *v;
    char *cens;
    unsigned long long *seed;
    double *warmup;
    int missing, first_missing;
} runs_table;

static void runs_free(runs_table *t)
{
    free(t->v);
    free(t->cens);
    free(t->seed);
    free(t->warmup);
}

static int read_runs(const tb_sweep *s, const char *out, runs_table *t)
{
    int M = s->nmetrics;
    size_t cells = (size_t)s->nruns * (size_t)M;
    memset(t, 0, sizeof *t);
    t->first_missing = -1;
    t->v = malloc((cells ? cells : 1) * sizeof *t->v);
    t->cens = calloc(cells ? cells : 1, 1);
    t->seed = calloc((size_t)s->nruns, sizeof *t->seed);
    t->warmup = calloc((size_t)s->nruns, sizeof *t->warmup);
    if (!t->v || !t->cens || !t->seed || !t->warmup)
        return -1;
    for (int i = 0; i < s->nruns; i++) {
        cJSON *doc = current_record(s, out, i);
        const cJSON *mets = sim_jget(doc, "metrics"), *cens = sim_jget(doc, "censored");
        for (int k = 0; k < M; k++) {
            const cJSON *x = sim_jget(mets, s->metrics[k]);
            t->v[(size_t)i * (size_t)M + (size_t)k] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
            t->cens[(size_t)i * (size_t)M + (size_t)k] = (char)(cJSON_IsTrue(sim_jget(cens, s->metrics[k])) != 0);
        }
        const cJSON *sd = sim_jget(doc, "seed"), *w = sim_jget(doc, "warmup");
        t->seed[i] = cJSON_IsNumber(sd) ? (unsigned long long)sd->valuedouble : 0;
        t->warmup[i] = cJSON_IsNumber(w) ? w->valuedouble : NAN;
        if (!doc && t->missing++ == 0)
            t->first_missing = i;
        cJSON_Delete(doc);
    }
    return 0;
}

/* (read_runs() writes every cell, a NAN where a run has no number: the
 * uninitialised read -fanalyzer reports here cannot happen) */
static double cell(const tb_sweep *s, const runs_table *t, int run, int k)
{
    return t->v[(size_t)run * (size_t)s->nmetrics + (size_t)k];
}

static int cell_censored(const tb_sweep *s, const runs_table *t, int run, int k)
{
    return t->cens[(size_t)run * (size_t)s->nmetrics + (size_t)k];
}

/* One configuration's estimate of one metric. */
typedef struct estimate {
    sim_ci ci;
    const char *estimator;
    char note[160];
} estimate;

/* The histograms of metric k in configuration cfg's replications, merged
 * per replication into ok[r] and cens[r]; how many replications had them
 * (0: the metric is not a pooled quantile). */
static int config_hists(const tb_sweep *s, const char *out, int cfg, int k, sim_hist *ok, sim_hist *cens,
                        double *tps, int *has_cens)
{
    int got = 0;
    *has_cens = 0;
    for (int r = 0; r < s->reps; r++) {
        char path[4096];
        run_path(out, r * s->nconfigs + cfg, "json", path, sizeof path);
        char *text = tb_read_file(path, NULL);
        cJSON *doc = text ? cJSON_Parse(text) : NULL;
        free(text);
        const cJSON *h = sim_jget(sim_jget(doc, "histograms"), s->metrics[k]);
        const cJSON *tp = sim_jget(doc, "ticks_per_second");
        sim_hist_init(&ok[r]);
        sim_hist_init(&cens[r]);
        if (h && cJSON_IsNumber(tp) && sim_hist_from_json(&ok[r], sim_jget(h, "ok")) == 0) {
            if (sim_jget(h, "censored")) {
                sim_hist_from_json(&cens[r], sim_jget(h, "censored"));
                *has_cens = 1;
            }
            *tps = tp->valuedouble;
            got++;
        }
        cJSON_Delete(doc);
    }
    return got;
}

static void estimate_metric(const tb_sweep *s, const char *out, const runs_table *t, int cfg, int k, estimate *e)
{
    int R = s->reps, nx = 0, ncens = 0;
    double *x = malloc((size_t)R * sizeof *x);
    memset(e, 0, sizeof *e);
    e->ci.est = e->ci.lo = e->ci.hi = e->ci.sd = NAN;
    if (!x)
        return;
    for (int r = 0; r < R; r++) {
        double xv = cell(s, t, r * s->nconfigs + cfg, k);
        if (!isnan(xv)) {
            x[nx++] = xv;
            ncens += cell_censored(s, t, r * s->nconfigs + cfg, k);
        }
    }
    sim_hist *ok = calloc((size_t)R, sizeof *ok), *cens = calloc((size_t)R, sizeof *cens);
    double tps = 1;
    int has_cens = 0, nh = ok && cens ? config_hists(s, out, cfg, k, ok, cens, &tps, &has_cens) : 0;
    if (nh == R) { /* a quantile: pooled over the replications */
        const sim_hist **po = malloc((size_t)R * sizeof *po), **pc = malloc((size_t)R * sizeof *pc);
        for (int r = 0; po && pc && r < R; r++) {
            po[r] = &ok[r];
            pc[r] = &cens[r];
        }
        double q = -1;
        const char *p = strrchr(s->metrics[k], '.');
        if (p && strcmp(p, ".p50") == 0)
            q = 0.5;
        else if (p && strcmp(p, ".p90") == 0)
            q = 0.9;
        else if (p && (strcmp(p, ".p99") == 0 || strncmp(p, ".p99_", 5) == 0))
            q = 0.99;
        else if (p && strcmp(p, ".p999") == 0)
            q = 0.999;
        if (po && pc && q > 0 &&
            sim_ci_quantile(po, has_cens ? pc : NULL, R, q, LEVEL, SIM_CI_CDF, &e->ci) == 0) {
            e->ci.est /= tps;
            e->ci.lo /= tps;
            e->ci.hi /= tps;
            e->ci.sd /= tps;
            e->estimator = "pooled quantile (CDF inversion on the square-root scale)";
            if (e->ci.censored)
                snprintf(e->note, sizeof e->note, "censored: the pooled quantile falls among requests that did "
                                                  "not succeed; the estimate is a lower bound");
            else if (e->ci.open_above)
                snprintf(e->note, sizeof e->note, "the interval is open above: its upper end falls among "
                                                  "requests that did not succeed");
            else if (e->ci.n == 0)
                snprintf(e->note, sizeof e->note, "no replication has observations (null in every run)");
            else if (!e->ci.has_interval)
                snprintf(e->note, sizeof e->note, "fewer than 2 replications with observations: no interval");
        }
        free(po);
        free(pc);
    }
    for (int r = 0; r < R && ok && cens; r++) {
        sim_hist_free(&ok[r]);
        sim_hist_free(&cens[r]);
    }
    free(ok);
    free(cens);
    if (!e->estimator) {
        e->ci = sim_ci_mean(x, nx, LEVEL);
        e->estimator = "mean of replications (t)";
        if (ncens > 0) { /* some values are lower bounds: so is their mean */
            e->ci.censored = 1;
            e->ci.has_interval = 0;
            snprintf(e->note, sizeof e->note, "censored in %d of %d replications: the mean is a lower bound",
                     ncens, nx);
        } else if (nx == 0) {
            snprintf(e->note, sizeof e->note, "no replication has a value (null in every run)");
        } else if (nx == 1) {
            snprintf(e->note, sizeof e->note, "one replication has a value: no interval");
        } else if (nx < R) {
            snprintf(e->note, sizeof e->note, "null in %d of %d replications: left out", R - nx, R);
        }
    }
    free(x);
}

/* Every configuration's estimate of every metric: e[cfg * nmetrics + k]. */
static estimate *estimate_all(const tb_sweep *s, const char *out, const runs_table *t)
{
    estimate *e = calloc((size_t)s->nconfigs * (size_t)s->nmetrics, sizeof *e);
    for (int cfg = 0; e && cfg < s->nconfigs; cfg++)
        for (int k = 0; k < s->nmetrics; k++)
            estimate_metric(s, out, t, cfg, k, &e[(size_t)cfg * (size_t)s->nmetrics + (size_t)k]);
    return e;
}

static int precise(const tb_sweep *s, const estimate *e)
{
    for (int i = 0; i < s->nconfigs * s->nmetrics; i++) {
        const sim_ci *c = &e[i].ci;
        double hw = (c->hi - c->lo) / 2;
        if (!c->has_interval || !(hw <= s->precision * fabs(c->est)))
            return 0;
    }
    return 1;
}

int tb_sweep_precise(const tb_sweep *s, const char *out)
{
    runs_table t;
    int met = 0;
    if (read_runs(s, out, &t) == 0 && t.missing == 0) {
        estimate *e = estimate_all(s, out, &t);
        met = e && precise(s, e);
        free(e);
    }
    runs_free(&t);
    return met;
}

int tb_sweep_more(tb_sweep *s, const char *out, int *met)
{
    *met = tb_sweep_precise(s, out);
    if (*met || s->precision <= 0 || s->reps >= s->max_reps)
        return 0;
    s->reps = 2 * s->reps < s->max_reps ? 2 * s->reps : s->max_reps;
    s->nruns = s->nconfigs * s->reps;
    return 1;
}

/* ---- the aggregated files ------------------------------------------------------------ */

/* Metrics that are quantiles over all requests (or isolation ratios) can
 * be censored; runs.csv gives them a companion column METRIC.censored. */
static int may_be_censored(const char *metric)
{
    return strstr(metric, ".latency.p") || strstr(metric, ".surge.p99_") || strstr(metric, ".surge.isolation");
}

static void write_runs_csv(FILE *f, const tb_sweep *s, const runs_table *t)
{
    int M = s->nmetrics;
    fprintf(f, "index,config,replication,seed,");
    params_header(f, s);
    for (int k = 0; k < M; k++) {
        fputc(',', f);
        csv_field(f, s->metrics[k]);
        if (may_be_censored(s->metrics[k])) {
            fputc(',', f);
            char name[300];
            snprintf(name, sizeof name, "%s.censored", s->metrics[k]);
            csv_field(f, name);
        }
    }
    fprintf(f, "\n");
    for (int i = 0; i < s->nruns; i++) {
        int config, rep;
        tb_sweep_locate(s, i, &config, &rep);
        fprintf(f, "%d,%d,%d,%llu,", i, config, rep, t->seed[i]);
        params_csv(f, s, config);
        for (int k = 0; k < M; k++) {
            fputc(',', f);
            double v = cell(s, t, i, k);
            csv_num(f, v);
            if (may_be_censored(s->metrics[k])) {
                fputc(',', f);
                if (!isnan(v))
                    fputc(cell_censored(s, t, i, k) ? '1' : '0', f);
            }
        }
        fprintf(f, "\n");
    }
}

static void write_summary_csv(FILE *f, const tb_sweep *s, const estimate *e)
{
    fprintf(f, "config,");
    params_header(f, s);
    fprintf(f, ",metric,n,mean,sd,ci95_low,ci95_high,estimator,censored,note\n");
    for (int cfg = 0; cfg < s->nconfigs; cfg++)
        for (int k = 0; k < s->nmetrics; k++) {
            const estimate *x = &e[(size_t)cfg * (size_t)s->nmetrics + (size_t)k];
            fprintf(f, "%d,", cfg);
            params_csv(f, s, cfg);
            fputc(',', f);
            csv_field(f, s->metrics[k]);
            fprintf(f, ",%d,", x->ci.n);
            csv_num(f, x->ci.est);
            fputc(',', f);
            csv_num(f, x->ci.n > 1 ? x->ci.sd : NAN);
            fputc(',', f);
            csv_num(f, x->ci.has_interval ? x->ci.lo : NAN);
            fputc(',', f);
            csv_num(f, x->ci.has_interval ? x->ci.hi : NAN);
            fputc(',', f);
            csv_field(f, x->estimator ? x->estimator : "");
            fprintf(f, ",%d,", x->ci.censored);
            csv_field(f, x->note);
            fputc('\n', f);
        }
}

static void write_comparisons_csv(FILE *f, const tb_sweep *s, const runs_table *t)
{
    int R = s->reps, M = s->nmetrics;
    double *x = malloc((size_t)R * sizeof *x), *y = malloc((size_t)R * sizeof *y), *d = malloc((size_t)R * sizeof *d);
    params_header(f, s);
    fprintf(f, ",baseline,metric,n,difference,paired_ci95_halfwidth,unpaired_ci95_halfwidth,variance_reduction,"
               "note\n");
    /* the pairs: each alternative against the baseline, or (compare: all)
     * every pair once, the later alternative minus the earlier */
    int npairs = 0, *pa = malloc((size_t)(s->npol * s->npol + 1) * sizeof *pa),
        *pb = malloc((size_t)(s->npol * s->npol + 1) * sizeof *pb);
    for (int b = 0; pa && pb && b < s->npol; b++)
        for (int a = 0; a < s->npol; a++)
            if (s->compare_all ? a > b : (b == s->baseline && a != b)) {
                pa[npairs] = a;
                pb[npairs++] = b;
            }
    for (int pt = 0; x && y && d && pa && pb && pt < s->npoints; pt++)
        for (int q = 0; q < npairs; q++)
            for (int k = 0; k < M; k++) {
                int pol = pa[q], base = pt * s->npol + pb[q], alt = pt * s->npol + pol, np = 0, cx = 0, cy = 0;
                for (int r = 0; r < R; r++) { /* pairs where both runs have the metric */
                    double xv = cell(s, t, r * s->nconfigs + alt, k), yv = cell(s, t, r * s->nconfigs + base, k);
                    if (isnan(xv) || isnan(yv))
                        continue;
                    cx += cell_censored(s, t, r * s->nconfigs + alt, k);
                    cy += cell_censored(s, t, r * s->nconfigs + base, k);
                    x[np] = xv;
                    y[np] = yv;
                    d[np] = xv - yv;
                    np++;
                }
                sim_ci cd = sim_ci_mean(d, np, LEVEL), c1 = sim_ci_mean(x, np, LEVEL), c2 = sim_ci_mean(y, np, LEVEL);
                double hd = cd.has_interval ? cd.hi - cd.est : NAN, hu = NAN;
                if (cd.has_interval) { /* independent samples: Welch's interval for the difference */
                    double se2 = (c1.sd * c1.sd + c2.sd * c2.sd) / np;
                    hu = 0;
                    if (se2 > 0) {
                        double df = se2 * se2 / (pow(c1.sd * c1.sd / np, 2) / (np - 1) +
                                                 pow(c2.sd * c2.sd / np, 2) / (np - 1));
                        hu = gsl_cdf_tdist_Pinv(0.5 + LEVEL / 2, df) * sqrt(se2);
                    }
                }
                char note[200] = "";
                if (np == 0)
                    snprintf(note, sizeof note, "no replication has the metric on both sides");
                else if (np == 1)
                    snprintf(note, sizeof note, "one pair of replications: no interval");
                if (cx && cy) {
                    snprintf(note, sizeof note, "censored on both sides: no difference");
                    cd.est = hd = hu = NAN;
                } else if (cx) {
                    snprintf(note, sizeof note, "censored for %s in %d of %d pairs: the difference is a lower "
                                                "bound", s->pname[pol], cx, np);
                    hd = hu = NAN;
                } else if (cy) {
                    snprintf(note, sizeof note, "censored for %s in %d of %d pairs: the difference is an upper "
                                                "bound", s->pname[pb[q]], cy, np);
                    hd = hu = NAN;
                }
                params_csv(f, s, alt);
                fputc(',', f);
                csv_field(f, s->pname[pb[q]]);
                fputc(',', f);
                csv_field(f, s->metrics[k]);
                fprintf(f, ",%d,", np);
                csv_num(f, cd.est);
                fputc(',', f);
                csv_num(f, hd);
                fputc(',', f);
                csv_num(f, hu);
                fputc(',', f);
                csv_num(f, hd > 0 && !isnan(hu) ? (hu / hd) * (hu / hd) : NAN);
                fputc(',', f);
                csv_field(f, note);
                fputc('\n', f);
            }
    free(x);
    free(y);
    free(d);
    free(pa);
    free(pb);
}

/* warmup.csv: per configuration, the warm-up used beside the one MSER-5
 * (White 1997) chooses from the series of the mean number of jobs in the
 * network, averaged over the replications (averaging removes the noise
 * that makes MSER erratic on single runs).  It needs TB_MSER_MIN_BATCHES
 * batches of 5; with fewer it is not reported. */
static void write_warmup_csv(FILE *f, const tb_sweep *s, const char *out, const runs_table *t, FILE *warn)
{
    int R = s->reps, longer = 0, worst = -1, unchecked = 0;
    double worst_by = 0, worst_mser = 0, worst_used = 0;
    fprintf(f, "config,");
    params_header(f, s);
    fprintf(f, ",warmup,mser5_warmup,mser5_batches,note\n");
    for (int cfg = 0; cfg < s->nconfigs; cfg++) {
        double *avg = NULL, span = 0;
        size_t len = 0;
        for (int r = 0; r < R; r++) {
            char path[4096];
            run_path(out, r * s->nconfigs + cfg, "json", path, sizeof path);
            char *text = tb_read_file(path, NULL);
            cJSON *doc = text ? cJSON_Parse(text) : NULL;
            free(text);
            const cJSON *ser = sim_jget(doc, "jobs_series"), *sp = sim_jget(doc, "mser_span");
            size_t k = (size_t)cJSON_GetArraySize(ser);
            if (r == 0) {
                len = k;
                avg = calloc(k ? k : 1, sizeof *avg);
                span = cJSON_IsNumber(sp) ? sp->valuedouble : 0;
            }
            size_t j = 0;
            for (const cJSON *it = ser ? ser->child : NULL; it && j < len && avg; it = it->next, j++)
                avg[j] += it->valuedouble / R;
            cJSON_Delete(doc);
        }
        size_t batches = len / 5;
        double used = t->warmup[cfg], mser = batches >= TB_MSER_MIN_BATCHES && avg ? (double)sim_mser5(avg, len) * span
                                                                                    : NAN;
        free(avg);
        char note[200] = "";
        if (isnan(mser))
            snprintf(note, sizeof note, "too few points for MSER-5 (%zu batches; at least %d needed)", batches,
                     TB_MSER_MIN_BATCHES);
        else if (mser > used + 5 * span)
            snprintf(note, sizeof note, "MSER-5 suggests a longer warm-up than the one used");
        fprintf(f, "%d,", cfg);
        params_csv(f, s, cfg);
        fputc(',', f);
        csv_num(f, used);
        fputc(',', f);
        csv_num(f, mser);
        fprintf(f, ",%zu,", batches);
        csv_field(f, note);
        fputc('\n', f);
        unchecked += isnan(mser);
        if (!isnan(mser) && mser > used + 5 * span) {
            longer++;
            if (mser - used > worst_by) {
                worst_by = mser - used;
                worst = cfg;
                worst_mser = mser;
                worst_used = used;
            }
        }
    }
    /* MSER-5 is noisy on any one configuration (for a stationary M/M/1 at
     * load 0.8, averaged over 10 replications, about 15% of configurations
     * get a cut past a sufficient warm-up): warn when it is a pattern,
     * in most configurations, and leave single ones to warmup.csv. */
    if (warn && longer > 0 && 2 * longer >= s->nconfigs) {
        char what[512];
        describe_config(s, worst, what, sizeof what);
        fprintf(warn, "tailback sweep: warning: MSER-5 suggests a longer warm-up than the one used in %d of %d "
                      "configurations (the most in %s: %.6g s, against %.6g s): the statistics may include the "
                      "initial transient; see warmup.csv\n", longer, s->nconfigs, what, worst_mser, worst_used);
    }
    if (warn && unchecked)
        fprintf(warn, "tailback sweep: warning: %d configuration(s) had too few points for MSER-5 (runs cut "
                      "short?); warmup.csv has no check for them\n", unchecked);
}

static char *manifest_text(const tb_sweep *s, const char *out)
{
    char rel[4096];
    cJSON *mf = cJSON_CreateObject();
    cJSON_AddStringToObject(mf, "tool", "tailback");
    cJSON_AddStringToObject(mf, "version", TB_VERSION);
    cJSON_AddStringToObject(mf, "experiment", s->file);
    cJSON_AddStringToObject(mf, "experiment_sha256", s->sha256);
    cJSON_AddStringToObject(mf, "identity", s->identity);
    cJSON_AddStringToObject(mf, "scenario", tb_relpath(out, s->scenario, rel, sizeof rel));
    cJSON_AddStringToObject(mf, "scenario_sha256", s->scenario_sha256);
    if (s->seed_in_sets)
        cJSON_AddStringToObject(mf, "seed", "per configuration (runs.csv)");
    else
        cJSON_AddNumberToObject(mf, "seed", (double)s->seed);
    cJSON_AddNumberToObject(mf, "replications", s->reps);
    if (s->precision > 0) {
        cJSON *sq = cJSON_AddObjectToObject(mf, "sequential");
        cJSON_AddNumberToObject(sq, "relative_halfwidth", s->precision);
        cJSON_AddNumberToObject(sq, "max_replications", s->max_reps);
        cJSON_AddBoolToObject(sq, "target_met", s->target_met);
    }
    cJSON_AddNumberToObject(mf, "configurations", s->nconfigs);
    cJSON_AddNumberToObject(mf, "runs", s->nruns);
    cJSON_AddStringToObject(mf, "reproduce", "tailback sweep manifest.json --out DIR (same tool version; paths "
                                             "here are relative to this file)");
    cJSON_AddItemToObject(mf, "build", tb_results_build_json());
    cJSON_AddItemToObject(mf, "experiment_document", cJSON_Duplicate(s->root, 1));
    char *text = cJSON_Print(mf);
    cJSON_Delete(mf);
    if (text) {
        size_t tl = strlen(text);
        char *t2 = realloc(text, tl + 2);
        if (t2) {
            text = t2;
            text[tl] = '\n';
            text[tl + 1] = 0;
        }
    }
    return text;
}

/* Write what `writer` prints into OUT/name, atomically. */
static int write_file(const char *out, const char *name, char *err, size_t n, void (*writer)(FILE *, void *),
                      void *ctx)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    writer(f, ctx);
    if (fclose(f) != 0) {
        free(buf);
        snprintf(err, n, "out of memory");
        return -1;
    }
    int rc = write_stream(out, name, buf, len, err, n);
    free(buf);
    return rc;
}

typedef struct merge_ctx {
    const tb_sweep *s;
    const char *out;
    const runs_table *t;
    const estimate *e;
    FILE *warn;
} merge_ctx;

static void runs_writer(FILE *f, void *c)
{
    const merge_ctx *x = c;
    write_runs_csv(f, x->s, x->t);
}

static void summary_writer(FILE *f, void *c)
{
    const merge_ctx *x = c;
    write_summary_csv(f, x->s, x->e);
}

static void comparisons_writer(FILE *f, void *c)
{
    const merge_ctx *x = c;
    write_comparisons_csv(f, x->s, x->t);
}

static void warmup_writer(FILE *f, void *c)
{
    const merge_ctx *x = c;
    write_warmup_csv(f, x->s, x->out, x->t, x->warn);
}

int tb_sweep_merge(const tb_sweep *s, const char *out, char *err, size_t n, FILE *warn)
{
    runs_table t;
    if (read_runs(s, out, &t) != 0) {
        runs_free(&t);
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (t.missing) {
        snprintf(err, n, "%d of %d runs are not done or are out of date (the first is run %d); run the sweep "
                         "again to finish them", t.missing, s->nruns, t.first_missing);
        runs_free(&t);
        return -1;
    }
    estimate *e = estimate_all(s, out, &t);
    if (!e) {
        runs_free(&t);
        snprintf(err, n, "out of memory");
        return -1;
    }
    merge_ctx ctx = { s, out, &t, e, warn };
    int rc = write_file(out, "runs.csv", err, n, runs_writer, &ctx);
    rc = rc ? rc : write_file(out, "summary.csv", err, n, summary_writer, &ctx);
    if (!rc && s->npol > 1)
        rc = write_file(out, "comparisons.csv", err, n, comparisons_writer, &ctx);
    rc = rc ? rc : write_file(out, "warmup.csv", err, n, warmup_writer, &ctx);
    char *text = rc ? NULL : manifest_text(s, out);
    if (!rc && !text) {
        snprintf(err, n, "out of memory");
        rc = -1;
    }
    if (text)
        rc = write_stream(out, "manifest.json", text, strlen(text), err, n);
    free(text);
    free(e);
    runs_free(&t);
    return rc;
}

void tb_sweep_settle(tb_sweep *s, const char *out)
{
    for (;;) {
        int next = 2 * s->reps < s->max_reps ? 2 * s->reps : s->max_reps;
        if (next <= s->reps || !tb_sweep_current(s, out, s->nconfigs * next - 1))
            break;
        s->reps = next;
        s->nruns = s->nconfigs * next;
    }
    s->target_met = tb_sweep_current(s, out, s->nruns - 1) && tb_sweep_precise(s, out);
}

/* An experiment file: checked as the sweep would before its first run. */
int tb_sweep_validate(const char *file)
{
    tb_sweep s;
    sim_jctx c = { 0 };
    char err[1400];
    int rc = 0;
    if (tb_sweep_load(&s, file, &c) != 0) {
        fprintf(stderr, "%s\n", c.err);
        rc = 2;
    } else if (tb_sweep_check(&s, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        rc = 2;
    } else {
        printf("%s: ok (experiment: %d configurations x %d replications = %d runs of %s)\n", tb_shown_path(file), s.nconfigs,
               s.reps, s.nruns, s.scenario);
    }
    tb_sweep_free(&s);
    return rc;
}
