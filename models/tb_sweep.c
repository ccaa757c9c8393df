/* tb_sweep.c - experiment files, the plan of runs, one run's metrics, and the aggregated results with intervals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "../sim/sim_sha256.h"
#include "../sim/sim_stats.h"
#include "tb_io.h"
#include "tb_results.h"
#include "tb_scenario.h"
#include "tb_sweep.h"
#include "tb_version.h"

static const char *const exp_fields[] = {
    "comment", "scenario", "seed", "replications", "warmup", "duration", "set",
    "vary", "zip", "policies", "metrics", "precision", "theory", NULL,
};

void tb_sweep_free(tb_sweep *s)
{
    free(s->file);
    free(s->scenario);
    for (int i = 0; i < s->nfixed; i++)
        free(s->fixed[i]);
    free(s->fixed);
    free(s->vary);
    free(s->vpath);
    free(s->pname);
    free(s->pset);
    free(s->metrics);
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

static int add_fixed(tb_sweep *s, const char *path, const cJSON *v)
{
    char **nf = realloc(s->fixed, (size_t)(s->nfixed + 1) * sizeof *nf);
    if (!nf)
        return -1;
    s->fixed = nf;
    return (s->fixed[s->nfixed++] = assignment(path, v)) ? 0 : -1;
}

int tb_sweep_load(tb_sweep *s, const char *file, sim_jctx *c)
{
    char p[256], f[96];
    size_t len;
    memset(s, 0, sizeof *s);
    c->file = file;
    char *text = tb_read_file(file, &len);
    if (!text)
        return sim_jerr(c, NULL, "cannot read the file (%s)", tb_errno_str());
    sim_sha256_hex(text, len, s->sha256);
    s->root = sim_jparse(c, text);
    free(text);
    if (!s->root)
        return -1;
    /* A sweep's manifest.json embeds its experiment: rerun from it, as the
     * original file (same name and hash in the new manifest), provided the
     * scenario has not changed since. */
    cJSON *embedded = cJSON_DetachItemFromObjectCaseSensitive(s->root, "experiment_document");
    char *from_manifest_scenario = NULL;
    if (embedded) {
        const cJSON *ef = sim_jget(s->root, "experiment"), *eh = sim_jget(s->root, "experiment_sha256"),
                    *sp = sim_jget(s->root, "scenario"), *sh = sim_jget(s->root, "scenario_sha256");
        if (!cJSON_IsString(ef) || !cJSON_IsString(eh) || !cJSON_IsString(sp) || !cJSON_IsString(sh)) {
            cJSON_Delete(embedded);
            return sim_jerr(c, NULL, "expected a sweep manifest with experiment, experiment_sha256, "
                                     "scenario and scenario_sha256");
        }
        s->file = strdup(ef->valuestring);
        snprintf(s->sha256, sizeof s->sha256, "%s", eh->valuestring);
        from_manifest_scenario = strdup(sp->valuestring);
        char want[65];
        snprintf(want, sizeof want, "%s", sh->valuestring);
        cJSON_Delete(s->root);
        s->root = embedded;
        char *st0 = tb_read_file(from_manifest_scenario, &len);
        char have[65] = "";
        if (st0)
            sim_sha256_hex(st0, len, have);
        free(st0);
        if (strcmp(have, want) != 0) {
            sim_jerr(c, "scenario", "expected \"%s\" with SHA-256 %s as the manifest records, found %s",
                     from_manifest_scenario, want, *have ? "other contents" : "no readable file");
            free(from_manifest_scenario);
            return -1;
        }
    } else {
        s->file = strdup(file);
    }
    if (sim_jobject(c, s->root, "", "an experiment", exp_fields)) {
        free(from_manifest_scenario);
        return -1;
    }
    const cJSON *r = s->root;
    const char *scen;
    long long seed, reps, one = 1, three = 3;
    if (sim_jstr(c, r, "", "scenario", NULL, &scen) ||
        sim_jint(c, r, "", "seed", 0, 1LL << 53, &one, &seed) ||
        sim_jint(c, r, "", "replications", 2, 100000, &three, &reps))
        return -1;
    s->seed = (unsigned long long)seed;
    s->reps = (int)reps;
    /* the scenario, relative to the experiment file */
    const char *slash = strrchr(s->file, '/');
    size_t n = strlen(scen) + (slash ? (size_t)(slash - s->file) : 0) + 2;
    if (from_manifest_scenario) {
        s->scenario = from_manifest_scenario;
    } else {
        if (!(s->scenario = malloc(n)))
            return sim_jerr(c, NULL, "out of memory");
        if (scen[0] == '/' || !slash)
            snprintf(s->scenario, n, "%s", scen);
        else
            snprintf(s->scenario, n, "%.*s/%s", (int)(slash - s->file), s->file, scen);
    }
    char *st = tb_read_file(s->scenario, &len);
    if (!st)
        return sim_jerr(c, "scenario", "cannot read \"%s\" (%s)", s->scenario, tb_errno_str());
    sim_sha256_hex(st, len, s->scenario_sha256);
    free(st);
    /* fixed overrides: warmup, duration, set */
    static const char *const timing[] = { "warmup", "duration" };
    for (int i = 0; i < 2; i++) {
        const cJSON *v = sim_jget(r, timing[i]);
        if (v && (!cJSON_IsNumber(v) || !(v->valuedouble >= 0)))
            return sim_jerr(c, timing[i], "expected seconds >= 0, found %s", sim_jfound(v, f, sizeof f));
        if (v && add_fixed(s, timing[i], v))
            return sim_jerr(c, NULL, "out of memory");
    }
    const cJSON *set = sim_jget(r, "set");
    if (set && !cJSON_IsObject(set))
        return sim_jerr(c, "set", "expected an object of {PATH: value}, found %s", sim_jfound(set, f, sizeof f));
    for (const cJSON *it = set ? set->child : NULL; it; it = it->next)
        if (add_fixed(s, it->string, it))
            return sim_jerr(c, NULL, "out of memory");
    /* what varies */
    const cJSON *vary = sim_jget(r, "vary");
    if (vary && !cJSON_IsObject(vary))
        return sim_jerr(c, "vary", "expected an object of {PATH: [values...]}, found %s",
                        sim_jfound(vary, f, sizeof f));
    int nv = vary ? cJSON_GetArraySize(vary) : 0;
    s->vary = calloc((size_t)(nv ? nv : 1), sizeof *s->vary);
    s->vpath = calloc((size_t)(nv ? nv : 1), sizeof *s->vpath);
    const cJSON *zip = sim_jget(r, "zip");
    if (zip && !cJSON_IsBool(zip))
        return sim_jerr(c, "zip", "expected true (vary the lists together) or false (cross them)");
    s->zip = cJSON_IsTrue(zip);
    s->npoints = 1;
    for (const cJSON *it = vary ? vary->child : NULL; it; it = it->next) {
        sim_jpath_key(p, sizeof p, "vary", it->string);
        int k = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : 0;
        if (k < 1)
            return sim_jerr(c, p, "expected a non-empty array of values, found %s", sim_jfound(it, f, sizeof f));
        if (s->zip && s->nvary > 0 && k != cJSON_GetArraySize(s->vary[0]))
            return sim_jerr(c, p, "expected %d values to zip with the first list, found %d",
                            cJSON_GetArraySize(s->vary[0]), k);
        s->vary[s->nvary] = it;
        s->vpath[s->nvary++] = it->string;
        s->npoints = s->zip ? k : s->npoints * k;
    }
    /* alternatives */
    const cJSON *pols = sim_jget(r, "policies");
    int np = pols ? cJSON_GetArraySize(pols) : 0;
    if (pols && (!cJSON_IsArray(pols) || np < 1))
        return sim_jerr(c, "policies", "expected a non-empty array of {\"name\": ..., \"set\": {PATH: value}}");
    s->pname = calloc((size_t)(np ? np : 1), sizeof *s->pname);
    s->pset = calloc((size_t)(np ? np : 1), sizeof *s->pset);
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
        const cJSON *ps = sim_jget(it, "set");
        if (ps && !cJSON_IsObject(ps)) {
            char q[256];
            return sim_jerr(c, sim_jpath_key(q, sizeof q, p, "set"), "expected an object of {PATH: value}");
        }
        s->pname[i] = (char *)name;
        s->pset[i] = ps;
        s->npol++;
    }
    /* metrics */
    const cJSON *mets = sim_jget(r, "metrics");
    int nm = cJSON_IsArray(mets) ? cJSON_GetArraySize(mets) : 0;
    if (nm < 1)
        return sim_jerr(c, "metrics", "expected a non-empty array of summary.json paths, e.g. "
                                      "\"classes.jobs.sojourn.mean\", found %s", sim_jfound(mets, f, sizeof f));
    s->metrics = calloc((size_t)nm, sizeof *s->metrics);
    i = 0;
    for (const cJSON *it = mets->child; it; it = it->next, i++) {
        if (!cJSON_IsString(it))
            return sim_jerr(c, sim_jpath_idx(p, sizeof p, "metrics", i), "expected a path string, found %s",
                            sim_jfound(it, f, sizeof f));
        s->metrics[s->nmetrics++] = it->valuestring;
    }
    s->nconfigs = s->npoints * s->npol;
    s->nruns = s->nconfigs * s->reps;
    const cJSON *th = sim_jget(r, "theory");
    if (th) { /* {METRIC: gnuplot expression in x}, for plots: checked for shape only */
        if (!cJSON_IsObject(th))
            return sim_jerr(c, "theory", "expected an object of {METRIC: \"expression in x\"}, found %s",
                            sim_jfound(th, f, sizeof f));
        for (const cJSON *it = th->child; it; it = it->next)
            if (!cJSON_IsString(it) || strchr(it->valuestring, '\''))
                return sim_jerr(c, sim_jpath_key(p, sizeof p, "theory", it->string),
                                "expected a gnuplot expression in x without quotes, e.g. \"1/(1-x)\"");
    }
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

/* Every assignment run i applies: fixed, vary point, alternative. */
static char **run_sets(const tb_sweep *s, int config, int *n)
{
    int pt = config / s->npol, pol = config % s->npol;
    int cap = s->nfixed + s->nvary + (s->pset[pol] ? cJSON_GetArraySize(s->pset[pol]) : 0);
    char **sets = calloc((size_t)(cap ? cap : 1), sizeof *sets);
    *n = 0;
    if (!sets)
        return NULL;
    for (int k = 0; k < s->nfixed; k++)
        sets[(*n)++] = strdup(s->fixed[k]);
    for (int k = 0; k < s->nvary; k++)
        sets[(*n)++] = assignment(s->vpath[k], cJSON_GetArrayItem(s->vary[k], vary_index(s, pt, k)));
    for (const cJSON *it = s->pset[pol] ? s->pset[pol]->child : NULL; it; it = it->next)
        sets[(*n)++] = assignment(it->string, it);
    return sets;
}

static void free_sets(char **sets, int n)
{
    for (int k = 0; k < n; k++)
        free(sets[k]);
    free(sets);
}

/* A number at a dotted path in a JSON document, or NAN. */
/* The number at a dotted path of summary.json: a boolean counts as 1 or 0
 * (the mean of network.recovered is the fraction of runs that recovered);
 * null (a quantity this run does not have, e.g. the recovery time of a run
 * that never recovered) is NaN with *null set; anything else is NaN. */
static double at_path(const cJSON *doc, const char *path, int *null)
{
    char seg[256];
    const cJSON *cur = doc;
    while (*path && cur) {
        size_t k = strcspn(path, ".");
        snprintf(seg, sizeof seg, "%.*s", (int)k, path);
        cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
        path += k + (path[k] == '.');
    }
    *null = cJSON_IsNull(cur);
    if (cJSON_IsBool(cur))
        return cJSON_IsTrue(cur) ? 1 : 0;
    return cJSON_IsNumber(cur) ? cur->valuedouble : NAN;
}

static void run_path(const char *out, int i, const char *ext, char *buf, size_t n)
{
    snprintf(buf, n, "%s/runs/%06d.%s", out, i, ext);
}

int tb_sweep_done(const char *out, int i)
{
    char path[4096];
    run_path(out, i, "json", path, sizeof path);
    return tb_is_file(path);
}

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
    int config, rep, nsets;
    tb_sweep_locate(s, i, &config, &rep);
    char **sets = run_sets(s, config, &nsets);
    if (!sets)
        return -1;
    fputs("tailback run ", f);
    sh_quoted(f, s->scenario);
    fprintf(f, " --seed %llu --replication %d --event-queue heap", s->seed, rep);
    for (int k = 0; k < nsets; k++) {
        fputs(" --set ", f);
        sh_quoted(f, sets[k] ? sets[k] : "");
    }
    fputc('\n', f);
    free_sets(sets, nsets);
    return 0;
}

int tb_sweep_execute(const tb_sweep *s, int i, const char *out, char *err, size_t n)
{
    int config, rep, nsets = 0, rc = -1;
    tb_sweep_locate(s, i, &config, &rep);
    char **sets = run_sets(s, config, &nsets);
    tb_scenario sc;
    sim_jctx c = { 0 };
    tb_model *m = NULL;
    cJSON *sum = NULL, *doc = NULL;
    char *text = NULL;
    if (tb_scenario_load(&sc, s->scenario, &c) != 0) {
        snprintf(err, n, "%s", c.err);
        free_sets(sets, nsets);
        return -1;
    }
    for (int k = 0; k < nsets; k++)
        if (tb_scenario_set(&sc, sets[k], &c) != 0) {
            snprintf(err, n, "%s", c.err);
            goto done;
        }
    if (!(m = tb_scenario_build(&sc, &c))) {
        snprintf(err, n, "%s", c.err);
        goto done;
    }
    m->seed = s->seed;
    m->replication = (uint64_t)rep;
    if (tb_model_prepare(m, &sim_evq_heap) != 0) {
        snprintf(err, n, "%s", m->error);
        goto done;
    }
    tb_run_status st = tb_model_run(m, NULL);
    if (st != TB_RUN_OK) {
        snprintf(err, n, "%s", st == TB_RUN_ERROR ? m->error : "the run did not complete");
        goto done;
    }
    tb_manifest man = { s->scenario, s->scenario_sha256, "heap", NULL, 0,
                        (const char *const *)sets, nsets, "complete" };
    sum = tb_results_summary(m, &man);
    doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "index", i);
    cJSON_AddNumberToObject(doc, "config", config);
    cJSON_AddNumberToObject(doc, "replication", rep);
    cJSON *mets = cJSON_AddObjectToObject(doc, "metrics");
    for (int k = 0; k < s->nmetrics; k++) {
        int null;
        double v = at_path(sum, s->metrics[k], &null);
        if (null) {
            cJSON_AddNullToObject(mets, s->metrics[k]);
            continue;
        }
        if (isnan(v)) {
            snprintf(err, n, "%s: metrics[%d]: expected a number at \"%s\" in summary.json, found none",
                     s->file, k, s->metrics[k]);
            goto done;
        }
        cJSON_AddNumberToObject(mets, s->metrics[k], v);
    }
    /* the run's series of mean jobs in the network per window, for MSER-5
     * over the average of the replications */
    cJSON_AddNumberToObject(doc, "window", sim_seconds(m->window, m->tps));
    cJSON *ser = cJSON_AddArrayToObject(doc, "jobs_series");
    for (size_t w = 0; w < m->nwin; w++)
        cJSON_AddItemToArray(ser, cJSON_CreateNumber(m->win_jobs[w]));
    text = cJSON_PrintUnformatted(doc);
    char path[4096];
    run_path(out, i, "json", path, sizeof path);
    if (!text || tb_write_atomic(path, text, strlen(text)) != 0) {
        snprintf(err, n, "%s: cannot write (%s)", path, tb_errno_str());
        goto done;
    }
    rc = 0;
done:
    free(text);
    cJSON_Delete(doc);
    cJSON_Delete(sum);
    tb_model_free(m);
    tb_scenario_free(&sc);
    free_sets(sets, nsets);
    return rc;
}

/* The parameters of a configuration, as CSV fields (values as JSON). */
/* A CSV field in quotes, inner quotes doubled (RFC 4180): a varied value
 * printed as JSON may hold commas and quotes ("S1", [1, 2]). */
static void csv_quoted(FILE *f, const char *v)
{
    fputc('"', f);
    for (; v && *v; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

/* A name as a CSV field: bare unless it needs quotes. */
static void csv_name(FILE *f, const char *v)
{
    if (strpbrk(v, ",\"\n"))
        csv_quoted(f, v);
    else
        fputs(v, f);
}

static void params_csv(FILE *f, const tb_sweep *s, int config)
{
    int pt = config / s->npol, pol = config % s->npol;
    for (int k = 0; k < s->nvary; k++) {
        char *v = cJSON_PrintUnformatted(cJSON_GetArrayItem(s->vary[k], vary_index(s, pt, k)));
        csv_quoted(f, v);
        fputc(',', f);
        free(v);
    }
    csv_name(f, s->pname[pol]);
}

static void params_header(FILE *f, const tb_sweep *s)
{
    for (int k = 0; k < s->nvary; k++)
        fprintf(f, "%s,", s->vpath[k]);
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
    fprintf(f, "index,config,replication,");
    params_header(f, s);
    fprintf(f, "\n");
    for (int i = 0; i < s->nruns; i++) {
        int config, rep;
        tb_sweep_locate(s, i, &config, &rep);
        fprintf(f, "%d,%d,%d,", i, config, rep);
        params_csv(f, s, config);
        fprintf(f, "\n");
    }
    fclose(f);
    int rc = write_stream(out, "plan.csv", buf, len, err, n);
    free(buf);
    return rc;
}

double tb_sweep_ci95(const double *x, int n, double *sd, double *hw)
{
    double m = 0, ss = 0;
    for (int i = 0; i < n; i++)
        m += x[i];
    m /= n;
    for (int i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    *sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
    *hw = n > 1 ? gsl_cdf_tdist_Pinv(0.975, n - 1) * *sd / sqrt((double)n) : 0;
    return m;
}

/* Every metric of runs 0..nruns-1 into v[run * nmetrics + metric] (NaN
 * where missing); returns how many runs are not done, the first in *first. */
static int read_runs(const tb_sweep *s, const char *out, double *v, int *first)
{
    int M = s->nmetrics, missing = 0;
    *first = -1;
    for (int i = 0; i < s->nruns; i++) {
        char path[4096];
        run_path(out, i, "json", path, sizeof path);
        char *text = tb_read_file(path, NULL);
        cJSON *doc = text ? cJSON_Parse(text) : NULL;
        free(text);
        const cJSON *mets = sim_jget(doc, "metrics");
        for (int k = 0; k < M; k++) {
            const cJSON *x = sim_jget(mets, s->metrics[k]);
            v[(size_t)i * (size_t)M + (size_t)k] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
        }
        if (!mets && missing++ == 0)
            *first = i;
        cJSON_Delete(doc);
    }
    return missing;
}

int tb_sweep_precise(const tb_sweep *s, const char *out)
{
    int R = s->reps, M = s->nmetrics, met = 1, first;
    double *x = malloc((size_t)R * sizeof *x), *v = calloc((size_t)s->nruns * (size_t)M, sizeof *v);
    if (x && v && read_runs(s, out, v, &first) == 0) {
        for (int cfg = 0; cfg < s->nconfigs; cfg++)
            for (int k = 0; k < M; k++) {
                for (int r = 0; r < R; r++)
                    x[r] = v[((size_t)r * (size_t)s->nconfigs + (size_t)cfg) * (size_t)M + (size_t)k];
                double sd, hw, mean = tb_sweep_ci95(x, R, &sd, &hw);
                if (!(hw <= s->precision * fabs(mean)))
                    met = 0;
            }
    } else {
        met = 0;
    }
    free(v);
    free(x);
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

int tb_sweep_merge(const tb_sweep *s, const char *out, char *err, size_t n)
{
    int R = s->reps, M = s->nmetrics, missing = 0, first_missing = -1;
    double *v = calloc((size_t)s->nruns * (size_t)M, sizeof *v); /* [run][metric] */
    if (!v) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    missing = read_runs(s, out, v, &first_missing);
    if (missing) {
        snprintf(err, n, "%d of %d runs are not done (the first is run %d); run the sweep again to "
                         "finish them", missing, s->nruns, first_missing);
        free(v);
        return -1;
    }
    char *buf = NULL;
    size_t len = 0;
    int rc = 0;
    /* runs.csv */
    FILE *f = open_memstream(&buf, &len);
    fprintf(f, "index,config,replication,");
    params_header(f, s);
    for (int k = 0; k < M; k++)
        fprintf(f, ",%s", s->metrics[k]);
    fprintf(f, "\n");
    for (int i = 0; i < s->nruns; i++) {
        int config, rep;
        tb_sweep_locate(s, i, &config, &rep);
        fprintf(f, "%d,%d,%d,", i, config, rep);
        params_csv(f, s, config);
        for (int k = 0; k < M; k++)
            fprintf(f, ",%.17g", v[(size_t)i * (size_t)M + (size_t)k]);
        fprintf(f, "\n");
    }
    fclose(f);
    rc |= write_stream(out, "runs.csv", buf, len, err, n);
    free(buf);
    /* summary.csv: per configuration and metric */
    double *x = malloc((size_t)R * sizeof *x), *y = malloc((size_t)R * sizeof *y);
    f = open_memstream(&buf, &len);
    fprintf(f, "config,");
    params_header(f, s);
    fprintf(f, ",metric,n,mean,sd,ci95_low,ci95_high\n");
    for (int cfg = 0; cfg < s->nconfigs; cfg++)
        for (int k = 0; k < M; k++) {
            int nx = 0; /* runs where the metric exists (null ones are left out) */
            for (int r = 0; r < R; r++) {
                double xv = v[((size_t)r * (size_t)s->nconfigs + (size_t)cfg) * (size_t)M + (size_t)k];
                if (!isnan(xv))
                    x[nx++] = xv;
            }
            double sd = NAN, hw = NAN, mean = nx ? tb_sweep_ci95(x, nx, &sd, &hw) : NAN;
            fprintf(f, "%d,", cfg);
            params_csv(f, s, cfg);
            fprintf(f, ",%s,%d,%.17g,%.17g,%.17g,%.17g\n", s->metrics[k], nx, mean, sd, mean - hw, mean + hw);
        }
    fclose(f);
    rc |= write_stream(out, "summary.csv", buf, len, err, n);
    free(buf);
    /* comparisons.csv: each alternative against the first, paired by replication */
    if (s->npol > 1) {
        f = open_memstream(&buf, &len);
        for (int k = 0; k < s->nvary; k++)
            fprintf(f, "%s,", s->vpath[k]);
        fprintf(f, "policy,baseline,metric,n,difference,paired_ci95_halfwidth,unpaired_ci95_halfwidth,"
                   "variance_reduction\n");
        for (int pt = 0; pt < s->npoints; pt++)
            for (int pol = 1; pol < s->npol; pol++)
                for (int k = 0; k < M; k++) {
                    int base = pt * s->npol, alt = base + pol;
                    double d[R];
                    int np = 0; /* pairs where both runs have the metric */
                    for (int r = 0; r < R; r++) {
                        double xv = v[((size_t)r * (size_t)s->nconfigs + (size_t)alt) * (size_t)M + (size_t)k];
                        double yv = v[((size_t)r * (size_t)s->nconfigs + (size_t)base) * (size_t)M + (size_t)k];
                        if (isnan(xv) || isnan(yv))
                            continue;
                        x[np] = xv;
                        y[np] = yv;
                        d[np] = xv - yv;
                        np++;
                    }
                    double sdx, sdy, sdd, hx, hy, hd = NAN, diff = NAN, hu = NAN;
                    if (np > 0) {
                        tb_sweep_ci95(x, np, &sdx, &hx);
                        tb_sweep_ci95(y, np, &sdy, &hy);
                        diff = tb_sweep_ci95(d, np, &sdd, &hd);
                        /* independent samples: Welch's interval for the difference */
                        double se2 = (sdx * sdx + sdy * sdy) / np;
                        hu = 0;
                        if (se2 > 0 && np > 1) {
                            double df = se2 * se2 / (pow(sdx * sdx / np, 2) / (np - 1) +
                                                     pow(sdy * sdy / np, 2) / (np - 1));
                            hu = gsl_cdf_tdist_Pinv(0.975, df) * sqrt(se2);
                        }
                    }
                    int cfg = alt;
                    int ptc = cfg / s->npol;
                    for (int q = 0; q < s->nvary; q++) {
                        char *val = cJSON_PrintUnformatted(cJSON_GetArrayItem(s->vary[q], vary_index(s, ptc, q)));
                        csv_quoted(f, val);
                        fputc(',', f);
                        free(val);
                    }
                    csv_name(f, s->pname[pol]);
                    fputc(',', f);
                    csv_name(f, s->pname[0]);
                    fprintf(f, ",%s,%d,%.17g,%.17g,%.17g,%.17g\n", s->metrics[k], np, diff, hd, hu,
                            hd > 0 ? (hu / hd) * (hu / hd) : 0);
                }
        fclose(f);
        rc |= write_stream(out, "comparisons.csv", buf, len, err, n);
        free(buf);
    }
    free(x);
    free(y);
    /* warmup.csv: MSER-5 on each configuration's series averaged over its
     * replications (averaging removes the noise that makes MSER erratic on
     * single runs of strongly autocorrelated systems) */
    f = open_memstream(&buf, &len);
    fprintf(f, "config,");
    params_header(f, s);
    fprintf(f, ",fixed_warmup,mser5_warmup\n");
    const cJSON *fixed_w = sim_jget(s->root, "warmup");
    for (int cfg = 0; cfg < s->nconfigs; cfg++) {
        double *avg = NULL, window = 0;
        size_t len_s = 0;
        for (int r = 0; r < R; r++) {
            char path[4096];
            run_path(out, r * s->nconfigs + cfg, "json", path, sizeof path);
            char *text = tb_read_file(path, NULL);
            cJSON *doc = text ? cJSON_Parse(text) : NULL;
            free(text);
            const cJSON *ser = sim_jget(doc, "jobs_series"), *win = sim_jget(doc, "window");
            size_t k = (size_t)cJSON_GetArraySize(ser);
            if (r == 0) {
                len_s = k;
                avg = calloc(k ? k : 1, sizeof *avg);
                window = cJSON_IsNumber(win) ? win->valuedouble : 0;
            }
            size_t j = 0;
            for (const cJSON *it = ser ? ser->child : NULL; it && j < len_s && avg; it = it->next, j++)
                avg[j] += it->valuedouble / R;
            cJSON_Delete(doc);
        }
        size_t cut = avg ? sim_mser5(avg, len_s) : 0;
        free(avg);
        fprintf(f, "%d,", cfg);
        params_csv(f, s, cfg);
        fprintf(f, ",%.17g,%.17g\n", cJSON_IsNumber(fixed_w) ? fixed_w->valuedouble : 0, (double)cut * window);
    }
    fclose(f);
    rc |= write_stream(out, "warmup.csv", buf, len, err, n);
    free(buf);
    /* manifest.json: what reproduces all of the above */
    cJSON *mf = cJSON_CreateObject();
    cJSON_AddStringToObject(mf, "tool", "tailback");
    cJSON_AddStringToObject(mf, "version", TB_VERSION);
    cJSON_AddStringToObject(mf, "experiment", s->file);
    cJSON_AddStringToObject(mf, "experiment_sha256", s->sha256);
    cJSON_AddStringToObject(mf, "scenario", s->scenario);
    cJSON_AddStringToObject(mf, "scenario_sha256", s->scenario_sha256);
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
    cJSON_AddStringToObject(mf, "reproduce", "tailback sweep manifest.json --out DIR (same tool version)");
    cJSON_AddItemToObject(mf, "experiment_document", cJSON_Duplicate(s->root, 1));
    char *text = cJSON_Print(mf);
    cJSON_Delete(mf);
    if (text) {
        size_t tl = strlen(text);
        char *t2 = realloc(text, tl + 2);
        if (t2) {
            text = t2;
            text[tl++] = '\n';
            text[tl] = 0;
        }
        rc |= write_stream(out, "manifest.json", text, tl, err, n);
    }
    free(text);
    free(v);
    return rc ? -1 : 0;
}
