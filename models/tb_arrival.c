/* tb_arrival.c - parsing and generating arrival processes (renewal, Poisson/MMPP by thinning, traces). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_linalg.h>
#include "../sim/sim_sha256.h"
#include "tb_arrival.h"
#include "tb_io.h"

#define P 256

void tb_arrival_free(tb_arrival *a)
{
    sim_dist_free(a->interarrival);
    free(a->rate);
    free(a->gen);
    free(a->sojourn);
    for (int i = 0; i < a->nfactors; i++) {
        free(a->factors[i].t);
        free(a->factors[i].v);
    }
    free(a->factors);
    free(a->trace_t);
    free(a->trace_size);
    free(a->trace_file);
    memset(a, 0, sizeof *a);
}

/* ---- factors -------------------------------------------------------------- */

/* Index of the last breakpoint at or before t, or -1 before the first. */
static int piece(const tb_factor *f, sim_time t)
{
    int lo = -1, hi = f->n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (f->t[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The factor's value at t using piece i (valid for t in [t_i, t_{i+1}]). */
static double value_on(const tb_factor *f, int i, sim_time t)
{
    if (i < 0)
        return f->v[0];
    if (i + 1 >= f->n || f->step || f->t[i + 1] == f->t[i])
        return f->v[i];
    double w = (double)(t - f->t[i]) / (double)(f->t[i + 1] - f->t[i]);
    return f->v[i] + (f->v[i + 1] - f->v[i]) * w;
}

double tb_arrival_multiplier(const tb_arrival *a, sim_time t)
{
    double m = 1;
    for (int k = 0; k < a->nfactors; k++)
        m *= value_on(&a->factors[k], piece(&a->factors[k], t), t);
    return m;
}

static tb_factor *new_factor(tb_arrival *a, int n)
{
    tb_factor *nf = realloc(a->factors, (size_t)(a->nfactors + 1) * sizeof *nf);
    if (!nf)
        return NULL;
    a->factors = nf;
    tb_factor *f = &a->factors[a->nfactors++];
    memset(f, 0, sizeof *f);
    /* f is already counted in a->factors, whose owner frees f->t and f->v
     * whatever this returns (-fanalyzer's leak report here cannot see it) */
    f->t = calloc((size_t)n, sizeof *f->t);
    f->v = calloc((size_t)n, sizeof *f->v);
    f->n = n;
    return f->t && f->v ? f : NULL;
}

/* ---- parsing ---------------------------------------------------------------- */

static int parse_surges(sim_jctx *c, tb_arrival *a, const cJSON *arr, const char *path, double tps)
{
    char f[96];
    if (!cJSON_IsArray(arr))
        return sim_jerr(c, path, "expected an array of surges, found %s", sim_jfound(arr, f, sizeof f));
    static const char *const fields[] = { "comment", "start", "end", "factor", "ramp", NULL };
    int i = 0;
    for (const cJSON *s = arr->child; s; s = s->next, i++) {
        char p[P];
        sim_jpath_idx(p, sizeof p, path, i);
        double start, end, k, ramp, zero = 0;
        if (sim_jobject(c, s, p, "a surge", fields) ||
            sim_jnum(c, s, p, "start", 0, 0, 1e9, NULL, &start) ||
            sim_jnum(c, s, p, "end", start, 1, 1e9, NULL, &end) ||
            sim_jnum(c, s, p, "factor", 0, 0, 1e6, NULL, &k) ||
            sim_jnum(c, s, p, "ramp", 0, 0, 1e9, &zero, &ramp))
            return -1;
        /* 1 before start, ramp to k over [start, start + ramp], k until end,
         * ramp back to 1 over [end, end + ramp] */
        tb_factor *fa = new_factor(a, 4);
        if (!fa)
            return sim_jerr(c, p, "out of memory");
        fa->surge = 1;
        double ts[4] = { start, start + ramp, end, end + ramp }, vs[4] = { 1, k, k, 1 };
        for (int j = 0; j < 4; j++) {
            fa->t[j] = sim_ticks(ts[j], tps);
            fa->v[j] = vs[j];
        }
    }
    return 0;
}

static int parse_profile(sim_jctx *c, tb_arrival *a, const cJSON *o, const char *path, double tps)
{
    char p[P], f[96];
    const char *shape;
    if (sim_jstr(c, o, path, "shape", "linear", &shape))
        return -1;
    if (strcmp(shape, "linear") && strcmp(shape, "step"))
        return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "shape"),
                        "expected \"linear\" or \"step\", found \"%s\"", shape);
    const cJSON *pts = sim_jget(o, "points");
    sim_jpath_key(p, sizeof p, path, "points");
    int n = cJSON_IsArray(pts) ? cJSON_GetArraySize(pts) : 0;
    if (n <= 0)
        return sim_jerr(c, p, "expected a non-empty array of [time (s), rate (/s)] pairs, found %s",
                        sim_jfound(pts, f, sizeof f));
    tb_factor *fa = new_factor(a, n);
    if (!fa)
        return sim_jerr(c, p, "out of memory");
    fa->step = strcmp(shape, "step") == 0;
    int i = 0;
    double prev = -1;
    for (const cJSON *it = pts->child; it; it = it->next, i++) {
        char q[P];
        sim_jpath_idx(q, sizeof q, p, i);
        const cJSON *t = cJSON_GetArrayItem(it, 0), *r = cJSON_GetArrayItem(it, 1);
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 || !cJSON_IsNumber(t) ||
            !cJSON_IsNumber(r) || !(t->valuedouble >= 0) || !(r->valuedouble >= 0))
            return sim_jerr(c, q, "expected [time >= 0, rate >= 0], found %s",
                            cJSON_IsArray(it) ? "another array" : sim_jfound(it, f, sizeof f));
        if (t->valuedouble <= prev)
            return sim_jerr(c, q, "expected times in increasing order, found %.17g after %.17g",
                            t->valuedouble, prev);
        prev = t->valuedouble;
        fa->t[i] = sim_ticks(t->valuedouble, tps);
        fa->v[i] = r->valuedouble;
    }
    return 0;
}

/* Stationary distribution of the phase chain: pi Q = 0, sum pi = 1. */
static int stationary(const tb_arrival *a, double *pi)
{
    int n = a->nstates;
    if (!a->gen) { /* cyclic chain: time in phase i is proportional to its mean */
        double s = 0;
        for (int i = 0; i < n; i++)
            s += a->sojourn[i];
        for (int i = 0; i < n; i++)
            pi[i] = a->sojourn[i] / s;
        return 0;
    }
    gsl_matrix *A = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_vector *b = gsl_vector_calloc((size_t)n), *x = gsl_vector_alloc((size_t)n);
    gsl_permutation *perm = gsl_permutation_alloc((size_t)n);
    int rc = -1, sign;
    if (A && b && x && perm) {
        /* rows of Q^T, with the last replaced by the normalisation */
        for (int i = 0; i < n; i++) {
            double out = 0;
            for (int j = 0; j < n; j++)
                if (j != i)
                    out += a->gen[i * n + j];
            for (int j = 0; j < n; j++)
                gsl_matrix_set(A, (size_t)j, (size_t)i, j == i ? -out : a->gen[i * n + j]);
        }
        for (int i = 0; i < n; i++)
            gsl_matrix_set(A, (size_t)(n - 1), (size_t)i, 1);
        gsl_vector_set(b, (size_t)(n - 1), 1);
        gsl_set_error_handler_off();
        if (gsl_linalg_LU_decomp(A, perm, &sign) == 0 && gsl_linalg_LU_solve(A, perm, b, x) == 0) {
            rc = 0;
            for (int i = 0; i < n; i++) {
                pi[i] = gsl_vector_get(x, (size_t)i);
                if (!(pi[i] >= -1e-12))
                    rc = -1;
            }
        }
    }
    gsl_matrix_free(A);
    gsl_vector_free(b);
    gsl_vector_free(x);
    gsl_permutation_free(perm);
    return rc;
}

static int parse_mmpp(sim_jctx *c, tb_arrival *a, const cJSON *o, const char *path)
{
    char p[P], f[96];
    const cJSON *rates = sim_jget(o, "rates");
    sim_jpath_key(p, sizeof p, path, "rates");
    int n = cJSON_IsArray(rates) ? cJSON_GetArraySize(rates) : 0;
    if (n < 1)
        return sim_jerr(c, p, "expected a non-empty array of rates (/s), one per phase, found %s",
                        sim_jfound(rates, f, sizeof f));
    a->nstates = n;
    a->rate = calloc((size_t)n, sizeof *a->rate);
    if (!a->rate)
        return sim_jerr(c, p, "out of memory");
    int i = 0;
    for (const cJSON *it = rates->child; it; it = it->next, i++) {
        char q[P];
        if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0) || it->valuedouble > 1e12)
            return sim_jerr(c, sim_jpath_idx(q, sizeof q, p, i), "expected a rate >= 0, found %s",
                            sim_jfound(it, f, sizeof f));
        a->rate[i] = it->valuedouble;
    }
    const cJSON *soj = sim_jget(o, "sojourn"), *gen = sim_jget(o, "generator");
    if (!!soj == !!gen)
        return sim_jerr(c, path,
                        "expected exactly one of \"sojourn\" (mean seconds in each phase, phases "
                        "visited in turn) or \"generator\" (a matrix of transition rates), found %s",
                        soj ? "both" : "neither");
    if (soj) {
        sim_jpath_key(p, sizeof p, path, "sojourn");
        if (!cJSON_IsArray(soj) || cJSON_GetArraySize(soj) != n)
            return sim_jerr(c, p, "expected %d mean sojourns (one per rate), found %s", n,
                            sim_jfound(soj, f, sizeof f));
        a->sojourn = calloc((size_t)n, sizeof *a->sojourn);
        if (!a->sojourn)
            return sim_jerr(c, p, "out of memory");
        i = 0;
        for (const cJSON *it = soj->child; it; it = it->next, i++) {
            char q[P];
            if (!cJSON_IsNumber(it) || !(it->valuedouble > 0))
                return sim_jerr(c, sim_jpath_idx(q, sizeof q, p, i), "expected seconds > 0, found %s",
                                sim_jfound(it, f, sizeof f));
            a->sojourn[i] = it->valuedouble;
        }
    } else {
        sim_jpath_key(p, sizeof p, path, "generator");
        if (!cJSON_IsArray(gen) || cJSON_GetArraySize(gen) != n)
            return sim_jerr(c, p, "expected a %d x %d matrix of rates (/s), found %s", n, n,
                            sim_jfound(gen, f, sizeof f));
        a->gen = calloc((size_t)(n * n), sizeof *a->gen);
        if (!a->gen)
            return sim_jerr(c, p, "out of memory");
        i = 0;
        for (const cJSON *row = gen->child; row; row = row->next, i++) {
            char q[P];
            sim_jpath_idx(q, sizeof q, p, i);
            if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != n)
                return sim_jerr(c, q, "expected a row of %d rates, found %s", n,
                                sim_jfound(row, f, sizeof f));
            int j = 0;
            double out = 0;
            for (const cJSON *x = row->child; x; x = x->next, j++) {
                char r2[P];
                if (!cJSON_IsNumber(x) || (j != i && !(x->valuedouble >= 0)))
                    return sim_jerr(c, sim_jpath_idx(r2, sizeof r2, q, j),
                                    "expected a rate >= 0 (the diagonal is ignored), found %s",
                                    sim_jfound(x, f, sizeof f));
                if (j != i) {
                    a->gen[i * n + j] = x->valuedouble;
                    out += x->valuedouble;
                }
            }
            if (n > 1 && !(out > 0))
                return sim_jerr(c, q, "expected a phase that can be left (some rate > 0 off the diagonal)");
        }
    }
    double *pi = calloc((size_t)n, sizeof *pi);
    if (!pi || stationary(a, pi) != 0) {
        free(pi);
        return sim_jerr(c, path, "expected an irreducible phase chain (no stationary distribution found)");
    }
    a->mean_rate = 0;
    for (i = 0; i < n; i++)
        a->mean_rate += pi[i] * a->rate[i];
    free(pi);
    return 0;
}

/* The trace's text (free()), after checking it is text; NULL with the
 * error set.  Its SHA-256 goes to the manifest. */
static char *trace_text(sim_jctx *c, tb_arrival *a, const char *p, const char *name, const char *file)
{
    size_t len;
    char *text = tb_read_file(file, &len);
    if (!text) {
        sim_jerr(c, p, "cannot read the trace \"%s\" (%s)", name, tb_errno_str());
        return NULL;
    }
    sim_sha256_hex(text, len, a->trace_sha256);
    const char *nul = memchr(text, 0, len);
    if (nul) {
        int at = 1;
        for (const char *q = text; q < nul; q++)
            at += *q == '\n';
        free(text);
        sim_jerr(c, p, "%s line %d: expected text, found a NUL byte", name, at);
        return NULL;
    }
    if (!(a->trace_file = strdup(file))) {
        free(text);
        sim_jerr(c, p, "out of memory");
        return NULL;
    }
    return text;
}

/* One line of a trace, strictly: a finite time, optionally ",size", and
 * nothing else but blanks (strtod alone would read "1.5xyz" as 1.5).
 * The number of columns (1 or 2), 0 for a line to skip (blank, comment,
 * or a header on line 1), or -1 with the error set. */
static int trace_line(sim_jctx *c, const char *p, const char *name, int line, char *s, double *t, double *size)
{
    char *q = s;
    while (*q == ' ' || *q == '\t' || *q == '\r')
        q++;
    if (!*q || *q == '#' || (line == 1 && !(*q == '-' || *q == '.' || (*q >= '0' && *q <= '9'))))
        return 0;
    char *end;
    int cols = 1;
    *t = strtod(q, &end);
    *size = 0;
    if (end == q || !isfinite(*t))
        return sim_jerr(c, p, "%s line %d, column %d: expected a time in seconds, found \"%.20s\"", name, line,
                        (int)(q - s) + 1, q);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end == ',') {
        char *v = end + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        *size = strtod(v, &end);
        if (end == v || !isfinite(*size) || !(*size >= 0))
            return sim_jerr(c, p, "%s line %d, column %d: expected a size >= 0 in the second column, found "
                                  "\"%.20s\"", name, line, (int)(v - s) + 1, v);
        cols = 2;
        while (*end == ' ' || *end == '\t')
            end++;
    }
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    if (*end)
        return sim_jerr(c, p, "%s line %d, column %d: expected %s, found \"%.20s\"", name, line,
                        (int)(end - s) + 1,
                        cols == 1 ? "',' and a size, or the end of the line" : "the end of the line", end);
    return cols;
}

/* Room for one more arrival in the trace arrays: 0, or -1 out of memory. */
static int trace_grow(tb_arrival *a, size_t n, size_t *cap)
{
    if (a->trace_t && n < *cap)
        return 0;
    size_t nc = a->trace_t ? 2 * *cap : 1024;
    double *nt = realloc(a->trace_t, nc * sizeof *nt);
    if (nt)
        a->trace_t = nt;
    double *ns = realloc(a->trace_size, nc * sizeof *ns);
    if (ns)
        a->trace_size = ns;
    if (!nt || !ns)
        return -1;
    *cap = nc;
    return 0;
}

static int parse_trace(sim_jctx *c, tb_arrival *a, const cJSON *o, const char *path,
                       const char *dir)
{
    char p[P], file[4096];
    const char *name;
    double scale, one = 1;
    if (sim_jstr(c, o, path, "file", NULL, &name) ||
        sim_jnum(c, o, path, "scale", 0, 1, 1e9, &one, &scale))
        return -1;
    sim_jpath_key(p, sizeof p, path, "file");
    if (name[0] == '/')
        snprintf(file, sizeof file, "%s", name);
    else
        snprintf(file, sizeof file, "%s/%s", dir, name);
    char *text = trace_text(c, a, p, name, file);
    if (!text)
        return -1;
    size_t cap = 0, n = 0;
    int has_size = -1, line = 0, rc = 0;
    double prev = 0;
    for (char *s = text, *e; s && *s && rc == 0; s = e ? e + 1 : NULL) {
        e = strchr(s, '\n');
        if (e)
            *e = 0;
        double t, size;
        int cols = trace_line(c, p, name, ++line, s, &t, &size);
        if (cols < 0) {
            rc = -1;
        } else if (cols == 0) {
            continue;
        } else if (has_size >= 0 && (cols == 2) != has_size) {
            rc = sim_jerr(c, p, "%s line %d: expected %d column(s) like the first line", name, line,
                          has_size ? 2 : 1);
        } else if (!(t >= prev)) {
            rc = sim_jerr(c, p, "%s line %d: expected times >= 0 in non-decreasing order, found %.17g",
                          name, line, t);
        } else if (trace_grow(a, n, &cap) != 0) {
            rc = sim_jerr(c, p, "out of memory");
        } else {
            has_size = cols == 2;
            prev = t;
            a->trace_t[n] = t * scale;
            a->trace_size[n] = size;
            n++;
        }
    }
    free(text);
    if (rc)
        return rc;
    if (n == 0)
        return sim_jerr(c, p, "expected at least one arrival time in \"%s\", found none", name);
    if (has_size != 1) {
        free(a->trace_size);
        a->trace_size = NULL;
    }
    a->ntrace = n;
    a->mean_rate = a->trace_t[n - 1] > 0 ? (double)n / a->trace_t[n - 1] : 0;
    return 0;
}

int tb_arrival_parse(sim_jctx *c, tb_arrival *a, const cJSON *o, const char *path, const char *dir,
                     double tps)
{
    char p[P], f[96];
    const char *proc;
    memset(a, 0, sizeof *a);
    a->state_end = SIM_TIME_MAX;
    if (!cJSON_IsObject(o))
        return sim_jerr(c, path,
                        "expected an arrival process, e.g. {\"process\": \"poisson\", \"rate\": 10}, "
                        "found %s",
                        sim_jfound(o, f, sizeof f));
    if (sim_jstr(c, o, path, "process", NULL, &proc))
        return -1;
    if (strcmp(proc, "renewal") == 0) {
        static const char *const fields[] = { "process", "interarrival", NULL };
        if (sim_jobject(c, o, path, "a renewal arrival process", fields))
            return -1;
        const cJSON *ia = sim_jget(o, "interarrival");
        sim_jpath_key(p, sizeof p, path, "interarrival");
        if (!ia)
            return sim_jerr(c, p, "expected a distribution of inter-arrival times (seconds), found nothing");
        if (!(a->interarrival = sim_dist_parse_time(c, ia, p, tps)))
            return -1;
        if (!(a->interarrival->mean > 0))
            return sim_jerr(c, p, "expected inter-arrival times with a positive mean, found mean %.17g",
                            a->interarrival->mean);
        a->kind = TB_ARR_RENEWAL;
        a->mean_rate = 1 / a->interarrival->mean;
        return 0;
    }
    if (strcmp(proc, "closed") == 0) {
        /* a finite population (the interactive or machine-repairman model):
         * each user thinks, sends one request, and thinks again when it ends */
        static const char *const fields[] = { "process", "population", "think", NULL };
        if (sim_jobject(c, o, path, "a closed population", fields) ||
            sim_jint(c, o, path, "population", 1, 1000000, NULL, &a->population))
            return -1;
        const cJSON *th = sim_jget(o, "think");
        sim_jpath_key(p, sizeof p, path, "think");
        if (!th)
            return sim_jerr(c, p, "expected a distribution of think times (seconds), found nothing");
        if (!(a->interarrival = sim_dist_parse_time(c, th, p, tps)))
            return -1;
        if (!(a->interarrival->mean > 0)) /* users rejected at once would cycle forever at one instant */
            return sim_jerr(c, p, "expected think times with a positive mean, found mean %.17g",
                            a->interarrival->mean);
        a->kind = TB_ARR_CLOSED;
        a->mean_rate = 0; /* set by the network, not by the class */
        return 0;
    }
    if (strcmp(proc, "trace") == 0) {
        static const char *const fields[] = { "process", "file", "scale", NULL };
        if (sim_jobject(c, o, path, "a trace arrival process", fields))
            return -1;
        a->kind = TB_ARR_TRACE;
        return parse_trace(c, a, o, path, dir);
    }
    a->kind = TB_ARR_POISSON;
    if (strcmp(proc, "poisson") == 0) {
        static const char *const fields[] = { "process", "rate", "surges", NULL };
        double rate;
        if (sim_jobject(c, o, path, "a Poisson arrival process", fields) ||
            sim_jnum(c, o, path, "rate", 0, 1, 1e12, NULL, &rate))
            return -1;
        a->nstates = 1;
        if (!(a->rate = malloc(sizeof *a->rate)))
            return sim_jerr(c, path, "out of memory");
        a->rate[0] = a->mean_rate = rate;
    } else if (strcmp(proc, "mmpp") == 0) {
        static const char *const fields[] = { "process", "rates", "sojourn", "generator", "surges", NULL };
        if (sim_jobject(c, o, path, "a Markov-modulated Poisson process", fields) ||
            parse_mmpp(c, a, o, path))
            return -1;
    } else if (strcmp(proc, "profile") == 0) {
        static const char *const fields[] = { "process", "shape", "points", "surges", NULL };
        if (sim_jobject(c, o, path, "a rate profile", fields))
            return -1;
        a->nstates = 1;
        if (!(a->rate = malloc(sizeof *a->rate)))
            return sim_jerr(c, path, "out of memory");
        a->rate[0] = 1; /* the profile gives the rate itself */
        if (parse_profile(c, a, o, path, tps))
            return -1;
        a->mean_rate = a->factors[0].v[a->factors[0].n - 1];
    } else {
        return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "process"),
                        "expected \"poisson\", \"mmpp\", \"profile\", \"renewal\", \"trace\" or \"closed\", "
                        "found \"%s\"",
                        proc);
    }
    const cJSON *surges = sim_jget(o, "surges");
    if (surges && parse_surges(c, a, surges, sim_jpath_key(p, sizeof p, path, "surges"), tps))
        return -1;
    /* the tick must resolve the gaps at the highest rate the process reaches */
    double peak = 0, mult = 1;
    for (int s = 0; s < a->nstates; s++)
        peak = fmax(peak, a->rate[s]);
    for (int k = 0; k < a->nfactors; k++) {
        double top = 0;
        for (int i = 0; i < a->factors[k].n; i++)
            top = fmax(top, a->factors[k].v[i]);
        mult *= top;
    }
    sim_dist gaps = { .kind = SIM_DIST_EXPONENTIAL, .a = 1 / (peak * mult), .mean = 1 / (peak * mult) };
    double bias = peak * mult > 0 ? sim_dist_tick_bias(&gaps, 1 / tps) : 0;
    if (fabs(bias) > 1e-3) {
        double safe = pow(10, floor(log10(1 / tps)));
        while (safe > 1e-12 && fabs(sim_dist_tick_bias(&gaps, safe)) > 1e-3)
            safe /= 10;
        return sim_jerr(c, path, "expected arrivals a tick of %g s can represent, found gaps of %.6g s on average "
                                 "at the peak rate (%.6g/s), whose mean moves by %+.3g%% when rounded to whole "
                                 "ticks: set \"tick\" to %g s or less", 1 / tps, gaps.mean, peak * mult,
                        100 * bias, safe);
    }
    return 0;
}

int tb_arrival_surge_span(const tb_arrival *a, sim_time *start, sim_time *end)
{
    int any = 0;
    for (int k = 0; k < a->nfactors; k++) {
        const tb_factor *f = &a->factors[k];
        if (!f->surge)
            continue;
        if (!any || f->t[0] < *start)
            *start = f->t[0];
        if (!any || f->t[3] > *end)
            *end = f->t[3];
        any = 1;
    }
    return any;
}

/* ---- generation -------------------------------------------------------------- */

static void enter_phase(tb_arrival *a, int s, sim_time t, double tps, sim_rng *phase)
{
    a->state = s;
    if (a->nstates == 1) {
        a->state_end = SIM_TIME_MAX;
        return;
    }
    double mean;
    if (a->gen) {
        double out = 0;
        for (int j = 0; j < a->nstates; j++)
            if (j != s)
                out += a->gen[s * a->nstates + j];
        mean = 1 / out;
    } else {
        mean = a->sojourn[s];
    }
    a->state_end = t + sim_ticks(mean * sim_exp1(phase), tps);
    if (a->state_end <= t)
        a->state_end = t + 1;
}

static void next_phase(tb_arrival *a, sim_time t, double tps, sim_rng *phase)
{
    int s = a->state, n = a->nstates, next = (s + 1) % n;
    if (a->gen) {
        double out = 0;
        for (int j = 0; j < n; j++)
            if (j != s)
                out += a->gen[s * n + j];
        double u = sim_rng_u01(phase) * out, acc = 0;
        for (int j = 0; j < n; j++) {
            if (j == s)
                continue;
            acc += a->gen[s * n + j];
            next = j;
            if (u < acc)
                break;
        }
    }
    enter_phase(a, next, t, tps, phase);
}

sim_time tb_arrival_next(tb_arrival *a, sim_time now, double tps, sim_rng *r, sim_rng *phase,
                         double *size)
{
    if (a->kind == TB_ARR_RENEWAL)
        return now + sim_ticks(sim_dist_sample(a->interarrival, r), tps);
    if (a->kind == TB_ARR_CLOSED) /* a user's next request follows its last one's end (tb_model.c) */
        return SIM_TIME_MAX;
    if (a->kind == TB_ARR_TRACE) {
        if (a->next >= a->ntrace)
            return SIM_TIME_MAX;
        size_t i = a->next++;
        if (a->trace_size && size)
            *size = a->trace_size[i];
        sim_time t = sim_ticks(a->trace_t[i], tps);
        return t > now ? t : now;
    }
    if (a->nstates == 1 && a->nfactors == 0 && a->started) {
        /* plain Poisson: what the loop below does with one phase and no
         * factors (the same draw and the same arithmetic), without it */
        double lam = a->rate[0];
        return lam > 0 ? now + sim_ticks(sim_exp1(r) / lam, tps) : SIM_TIME_MAX;
    }
    if (!a->started) { /* the phase chain starts in its stationary distribution */
        a->started = 1;
        int s = 0;
        if (a->nstates > 1) {
            double *pi = calloc((size_t)a->nstates, sizeof *pi);
            if (pi && stationary(a, pi) == 0) {
                double u = sim_rng_u01(phase), acc = 0;
                for (s = 0; s < a->nstates - 1; s++) {
                    acc += pi[s];
                    if (u < acc)
                        break;
                }
            }
            free(pi);
        }
        enter_phase(a, s, now, tps, phase);
    }
    sim_time t = now;
    for (;;) {
        /* the current segment: until the next breakpoint or phase change */
        sim_time end = a->state_end;
        double bound = 1;
        for (int k = 0; k < a->nfactors; k++) {
            const tb_factor *f = &a->factors[k];
            int i = piece(f, t);
            if (i + 1 < f->n && f->t[i + 1] < end)
                end = f->t[i + 1];
        }
        for (int k = 0; k < a->nfactors; k++) { /* linear pieces peak at an end */
            const tb_factor *f = &a->factors[k];
            int i = piece(f, t);
            double v0 = value_on(f, i, t), v1 = end == SIM_TIME_MAX ? v0 : value_on(f, i, end);
            bound *= v0 > v1 ? v0 : v1;
        }
        double lam = a->rate[a->state] * bound;
        if (lam > 0) {
            sim_time cand = t + sim_ticks(sim_exp1(r) / lam, tps);
            if (cand < end) {
                if (a->nfactors == 0 || sim_rng_u01(r) * bound < tb_arrival_multiplier(a, cand))
                    return cand;
                t = cand;
                continue;
            }
        }
        if (end == SIM_TIME_MAX)
            return SIM_TIME_MAX;
        t = end;
        if (t >= a->state_end)
            next_phase(a, t, tps, phase);
    }
}
