/* tb_plot.c - tailback plot: results read as data, series and settings written for gnuplot, figures swapped in whole. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "../sim/sim_json.h"
#include "tb_csv.h"
#include "tb_expr.h"
#include "tb_metric.h"
#include "../models/tb_io.h"
#include "tb_plot.h"
#include "tb_run.h"

/* Who speaks in messages: "tailback plot", or the command that draws (report). */
static const char *plot_who = "tailback plot";


/* Points at which a theory curve is evaluated across the x range. */
#define THEORY_POINTS 400

typedef struct ctx {
    const char *dir, *out, *fmt;
    char plotdir[PATH_MAX];
    char tmp[PATH_MAX];      /* the private directory of prepared data */
    char name[256];          /* what was simulated, for titles */
    const cJSON *theory;     /* the experiment's theory entries, or NULL */
    double warmup, surge_start, surge_end; /* NAN when absent */
    double end;              /* a run's simulated end (s), NAN when absent */
    char **route;            /* a run's nodes in route order (the classes' routes in turn), or NULL */
    int nroute;
    int made, failed, nognuplot, seq;
} ctx;

typedef struct fig {
    char base[PATH_MAX + 512]; /* tmp/NN-NAME: settings base.gp, data base-*.dat, figure base.out */
    char final[PATH_MAX + 512];
    const char *tmpl;
    FILE *gp;
} fig;

/* ---- writing for gnuplot ------------------------------------------------------ */

/* A string as a single-quoted gnuplot literal: a quote is doubled, and a
 * control character (which could end the command) becomes a space.  No
 * substitution happens inside single quotes (backquotes, @macros). */
static void gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\'')
            fputs("''", f);
        else
            fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
    }
    fputc('\'', f);
}

/* NAME = 'value' */
static void gp_set(FILE *f, const char *name, const char *value)
{
    fprintf(f, "%s = ", name);
    gp_str(f, value);
    fputc('\n', f);
}

/* array NAME[n] = ['a', 'b', ...] (gnuplot has no empty arrays: n >= 1) */
static void gp_array(FILE *f, const char *name, char *const *v, int n)
{
    fprintf(f, "array %s[%d] = [", name, n);
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        gp_str(f, v[i]);
    }
    fputs("]\n", f);
}

/* A figure's file name from a metric's (someone else's text): letters,
 * digits, '.', '_' and '-' only, no leading dot, so it stays in --out. */
static void safe_name(char *buf, size_t n, const char *name)
{
    size_t i = 0;
    for (; name[i] && i + 1 < n; i++) {
        char ch = name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                 ch == '-' || (ch == '.' && i > 0);
        buf[i] = ok ? ch : '_';
    }
    buf[i] = 0;
}

static int fig_begin(ctx *c, fig *g, const char *tmpl, const char *name, int height)
{
    char file[400];
    safe_name(file, sizeof file, name);
    if (snprintf(g->base, sizeof g->base, "%s/%02d-%s", c->tmp, ++c->seq, file) >= (int)sizeof g->base ||
        snprintf(g->final, sizeof g->final, "%s/%s.%s", c->out, file, c->fmt) >= (int)sizeof g->final)
        return -1; /* absurdly long paths */
    g->tmpl = tmpl;
    char path[sizeof g->base + 8];
    snprintf(path, sizeof path, "%s.gp", g->base);
    if (!(g->gp = fopen(path, "w")))
        return -1;
    fprintf(g->gp, "# settings written by tailback plot for %s\n", tmpl);
    gp_set(g->gp, "term", c->fmt);
    fprintf(g->gp, "height = %d\n", height);
    gp_set(g->gp, "plotdir", c->plotdir);
    gp_set(g->gp, "data", g->base);
    char out[sizeof g->base + 8];
    snprintf(out, sizeof out, "%s.out", g->base);
    gp_set(g->gp, "outfile", out);
    if (c->name[0])
        gp_set(g->gp, "name", c->name);
    return 0;
}

/* The data file base-KIND<i>.dat, for writing. */
static FILE *fig_data(const fig *g, const char *kind, int i)
{
    char path[sizeof g->base + 32];
    snprintf(path, sizeof path, "%s-%s%d.dat", g->base, kind, i);
    return fopen(path, "w");
}

/* Run gnuplot on the settings and the template; on success the figure
 * replaces g->final whole.  Counts the outcome in c. */
static void fig_end(ctx *c, fig *g)
{
    int bad = ferror(g->gp);
    bad |= fclose(g->gp) != 0;
    char settings[sizeof g->base + 8], script[PATH_MAX + 64], out[sizeof g->base + 8];
    snprintf(settings, sizeof settings, "%s.gp", g->base);
    snprintf(script, sizeof script, "%s/%s", c->plotdir, g->tmpl);
    snprintf(out, sizeof out, "%s.out", g->base);
    int status = -1;
    if (!bad && !c->nognuplot) {
        fflush(NULL);
        pid_t p = fork();
        if (p == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            if (devnull >= 0)
                dup2(devnull, 1);
            execlp("gnuplot", "gnuplot", settings, script, (char *)NULL);
            _exit(127);
        }
        if (p > 0 && waitpid(p, &status, 0) < 0)
            status = -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        c->nognuplot = 1;
        return;
    }
    size_t len = 0;
    char *bytes = status == 0 ? tb_read_file(out, &len) : NULL;
    if (bytes && len > 0 && tb_write_atomic(g->final, bytes, len) == 0) {
        c->made++;
    } else {
        c->failed++;
        fprintf(stderr, "%s: gnuplot failed on %s for %s\n", plot_who, g->tmpl, g->final);
    }
    free(bytes);
}

/* ---- helpers over the CSV files ------------------------------------------------- */

static int number(const char *s, double *v)
{
    char *end;
    if (!*s)
        return 0;
    *v = strtod(s, &end);
    return *end == 0 && isfinite(*v);
}

/* Index of s in list[0..*n), appended if new (the list owns copies). */
/* The index of s in list[0..n), or -1. */
static int index_of(char *const *list, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    return -1;
}

static int intern(char ***list, int *n, const char *s)
{
    for (int i = 0; i < *n; i++)
        if (strcmp((*list)[i], s) == 0)
            return i;
    char **nl = realloc(*list, (size_t)(*n + 1) * sizeof *nl);
    if (!nl)
        return -1;
    *list = nl; /* the caller's, freed by it (-fanalyzer's leak report cannot follow it) */
    if (!(nl[*n] = strdup(s)))
        return -1;
    return (*n)++;
}

static void free_list(char **list, int n)
{
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* ---- a run: time series, heatmap, latency distribution ---------------------------- */

static void plot_run(ctx *c, const char *ts_path, const char *lat_path)
{
    tb_csv t;
    if (tb_is_file(ts_path) && tb_csv_read(&t, ts_path) == 0) {
        int ct = tb_csv_col(&t, "time_s"), cn = tb_csv_col(&t, "node"), cq = tb_csv_col(&t, "queue_length"),
            cb = tb_csv_col(&t, "busy"), ch = tb_csv_col(&t, "hot");
        char **nodes = NULL;
        int nn = 0;
        for (int r = 1; ct >= 0 && cn >= 0 && r < t.nrow; r++)
            if (intern(&nodes, &nn, tb_csv_get(&t, r, cn)) < 0)
                break;
        fig g;
        if (nn > 0 && cq >= 0 && cb >= 0 && fig_begin(c, &g, "timeseries.gp", "timeseries", 760) == 0) {
            FILE **f = calloc((size_t)nn, sizeof *f);
            double qmax = 0, bmax = 0;
            int rows = 0;
            for (int i = 0; f && i < nn; i++)
                f[i] = fig_data(&g, "s", i + 1);
            for (int r = 1; f && r < t.nrow; r++) {
                double x, q, b;
                int i = index_of(nodes, nn, tb_csv_get(&t, r, cn)); /* f has nn entries: look up, never add */
                if (i >= 0 && f[i] && number(tb_csv_get(&t, r, ct), &x) && number(tb_csv_get(&t, r, cq), &q) &&
                    number(tb_csv_get(&t, r, cb), &b)) {
                    fprintf(f[i], "%.17g %.17g %.17g\n", x, q, b);
                    qmax = fmax(qmax, q);
                    bmax = fmax(bmax, b);
                    rows++;
                }
            }
            /* ranges from 0 that are never empty (gnuplot warns on [0:0]); the
             * run's whole span; points as well as lines when windows are few */
            fprintf(g.gp, "ymax1 = %.17g\nymax2 = %.17g\nfew = %d\n", qmax > 0 ? 1.05 * qmax : 1, bmax > 0 ? 1.05 * bmax : 1,
                    rows <= 3 * nn);
            if (isfinite(c->end) && c->end > 0)
                fprintf(g.gp, "xmax = %.17g\n", c->end);
            for (int i = 0; f && i < nn; i++)
                if (f[i])
                    fclose(f[i]);
            free(f);
            fprintf(g.gp, "n = %d\n", nn);
            gp_array(g.gp, "T", nodes, nn);
            if (isfinite(c->warmup) && c->warmup > 0)
                fprintf(g.gp, "warmup = %.17g\n", c->warmup);
            if (isfinite(c->surge_start) && isfinite(c->surge_end))
                fprintf(g.gp, "surge_start = %.17g\nsurge_end = %.17g\n", c->surge_start, c->surge_end);
            fig_end(c, &g);
        }
        /* the heatmap: one row per node and window, the node's position as y:
         * in route order, the first node at the top */
        int *pos = calloc((size_t)nn, sizeof *pos);
        char **shown = calloc((size_t)nn, sizeof *shown);
        for (int i = 0, next = 0; pos && shown && i < c->nroute; i++) {
            int k = index_of(nodes, nn, c->route[i]);
            if (k >= 0 && !pos[k]) {
                pos[k] = nn - next;
                shown[nn - 1 - next++] = nodes[k];
            }
        }
        for (int k = 0, next = 0; pos && shown && k < nn; k++) /* nodes the scenario no longer names */
            if (!pos[k]) {
                while (next < nn && shown[next])
                    next++;
                pos[k] = next + 1;
                shown[next] = nodes[k];
            }
        if (pos && shown && nn > 0 && cq >= 0 && fig_begin(c, &g, "heatmap.gp", "heatmap", nn > 24 ? 200 + 14 * nn : 560) == 0) {
            FILE *f = fig_data(&g, "h", 1);
            double t0 = NAN, width = NAN, cbmax = 0;
            for (int r = 1; f && r < t.nrow; r++) {
                double x, q, h = 0;
                int i = index_of(nodes, nn, tb_csv_get(&t, r, cn)); /* the rows the first pass named */
                if (i < 0 || !number(tb_csv_get(&t, r, ct), &x) || !number(tb_csv_get(&t, r, cq), &q))
                    continue;
                if (ch >= 0)
                    number(tb_csv_get(&t, r, ch), &h);
                if (isnan(t0))
                    t0 = x;
                else if (isnan(width) && x != t0)
                    width = x - t0;
                fprintf(f, "%.17g %d %.17g %d\n", x, pos[i], log10(1 + fmax(q, 0)), h > 0);
                cbmax = fmax(cbmax, log10(1 + fmax(q, 0)));
            }
            if (f)
                fclose(f);
            fprintf(g.gp, "n = %d\nwidth = %.17g\n", nn, isfinite(width) && width > 0 ? width : isfinite(t0) && t0 > 0 ? t0 : 1);
            gp_array(g.gp, "T", shown, nn);
            if (isfinite(c->end) && c->end > 0)
                fprintf(g.gp, "xmax = %.17g\n", c->end);
            if (isfinite(c->warmup) && c->warmup > 0)
                fprintf(g.gp, "warmup = %.17g\n", c->warmup);
            if (isfinite(c->surge_start) && isfinite(c->surge_end) && (!isfinite(c->end) || c->surge_start < c->end))
                fprintf(g.gp, "surge_start = %.17g\nsurge_end = %.17g\n", c->surge_start,
                        isfinite(c->end) ? fmin(c->surge_end, c->end) : c->surge_end);
            fprintf(g.gp, "route_order = %d\ncbmax = %.17g\n", c->nroute > 0, cbmax > 0 ? cbmax : 1);
            fig_end(c, &g);
        }
        free(pos);
        free(shown);
        free_list(nodes, nn);
        tb_csv_free(&t);
    }
    if (tb_is_file(lat_path) && tb_csv_read(&t, lat_path) == 0) {
        int cc = tb_csv_col(&t, "class"), cq = tb_csv_col(&t, "quantile"), cs = tb_csv_col(&t, "seconds");
        char **classes = NULL;
        int nc = 0;
        for (int r = 1; cc >= 0 && cq >= 0 && cs >= 0 && r < t.nrow; r++)
            if (intern(&classes, &nc, tb_csv_get(&t, r, cc)) < 0)
                break;
        fig g;
        if (nc > 0 && fig_begin(c, &g, "latency_cdf.gp", "latency_cdf", 560) == 0) {
            for (int i = 0; i < nc; i++) {
                FILE *s = fig_data(&g, "s", i + 1), *mk = fig_data(&g, "m", i + 1);
                for (int r = 1; s && mk && r < t.nrow; r++) {
                    double q, sec;
                    if (strcmp(tb_csv_get(&t, r, cc), classes[i]) || !number(tb_csv_get(&t, r, cq), &q) ||
                        !number(tb_csv_get(&t, r, cs), &sec))
                        continue;
                    fprintf(s, "%.17g %.17g\n", sec, q);
                    if (q == 0.5 || q == 0.9 || q == 0.99)
                        fprintf(mk, "%.17g %.17g\n", sec, q);
                }
                if (s)
                    fclose(s);
                if (mk)
                    fclose(mk);
            }
            fprintf(g.gp, "n = %d\n", nc);
            gp_array(g.gp, "T", classes, nc);
            fig_end(c, &g);
        }
        free_list(classes, nc);
        tb_csv_free(&t);
    }
}

/* ---- a sweep: metrics against the varied parameter, comparisons -------------------- */

typedef struct sweep_tab {
    tb_csv t;
    int cx, cp, cm, cmean, clo, chi, ccens; /* columns; cx -1: nothing varies */
    char **pol, **met, **xs; /* distinct policies, metrics, x values (as text) */
    int npol, nmet, nx, numeric;
} sweep_tab;

/* Write one series file per policy for `metric`: x estimate low high
 * censored clipped.  An interval that reaches past the metric's range (a
 * t interval below 0 for a time, above 1 for a share) is clipped to it,
 * and `clipped` (1 low, 2 high, 3 both) lets the template mark the end.
 * The smallest and largest value written widen [*ylo, *yhi]. */
static void series(const sweep_tab *s, const fig *g, const char *kind, const char *metric, double *ylo, double *yhi,
                   int *nclipped)
{
    tb_metric_info mi;
    tb_metric_describe(metric, NULL, &mi);
    for (int p = 0; p < s->npol; p++) {
        FILE *f = fig_data(g, kind, p + 1);
        for (int r = 1; f && r < s->t.nrow; r++) {
            double x = 0, est, lo, hi, cens = 0;
            if (strcmp(tb_csv_get(&s->t, r, s->cm), metric) || strcmp(tb_csv_get(&s->t, r, s->cp), s->pol[p]) ||
                !number(tb_csv_get(&s->t, r, s->cmean), &est))
                continue; /* null: nothing measured, nothing drawn */
            const char *xv = tb_csv_get(&s->t, r, s->cx);
            if (s->numeric)
                number(xv, &x);
            else
                for (int i = 0; i < s->nx; i++)
                    if (!strcmp(s->xs[i], xv))
                        x = i + 1;
            if (!number(tb_csv_get(&s->t, r, s->clo), &lo))
                lo = est;
            if (!number(tb_csv_get(&s->t, r, s->chi), &hi))
                hi = est; /* no interval, or an unbounded one ("inf") */
            if (s->ccens >= 0)
                number(tb_csv_get(&s->t, r, s->ccens), &cens);
            int clipped = (lo < mi.lo) | (hi > mi.hi) << 1;
            *nclipped += clipped != 0;
            lo = fmax(lo, mi.lo);
            hi = fmin(hi, mi.hi);
            fprintf(f, "%.17g %.17g %.17g %.17g %d %d\n", x, est, lo, hi, cens > 0.5, clipped);
            *ylo = fmin(*ylo, fmin(est, lo));
            *yhi = fmax(*yhi, fmax(est, hi));
        }
        if (f)
            fclose(f);
    }
}

/* The experiment's theory curve for `metric`, evaluated over the x range
 * into base-tK.dat with its title; 0 when there is none to draw. */
static int theory_curve(ctx *c, const sweep_tab *s, const fig *g, int k, const char *metric)
{
    const cJSON *th = c->theory ? cJSON_GetObjectItemCaseSensitive(c->theory, metric) : NULL;
    if (!th || !s->numeric || s->nx < 1)
        return 0;
    double vals[TB_EXPR_MAX_PARAMS], lo = INFINITY, hi = -INFINITY;
    char why[400];
    tb_expr *e = tb_expr_theory(th, vals, why, sizeof why);
    if (!e) { /* the manifest is data: a bad expression is reported and not drawn */
        fprintf(stderr, "%s: %s: theory.%s%s (not drawn)\n", plot_who, c->dir, metric, why);
        return 0;
    }
    for (int i = 0; i < s->nx; i++) {
        double x;
        if (number(s->xs[i], &x)) {
            lo = fmin(lo, x);
            hi = fmax(hi, x);
        }
    }
    FILE *f = fig_data(g, "t", k);
    int drawn = 0;
    for (int i = 0; f && i < THEORY_POINTS; i++) {
        double x = lo + (hi - lo) * i / (THEORY_POINTS - 1), y = tb_expr_eval(e, x, vals);
        if (isfinite(y)) {
            fprintf(f, "%.17g %.17g\n", x, y);
            drawn++;
        } else {
            fputc('\n', f); /* a gap, e.g. at a pole */
        }
    }
    if (f)
        fclose(f);
    tb_expr_free(e);
    if (!drawn)
        return 0;
    const cJSON *text = cJSON_IsObject(th) ? cJSON_GetObjectItemCaseSensitive(th, "expression") : th;
    char title[1100], var[16];
    snprintf(title, sizeof title, "theory: %s", text->valuestring);
    snprintf(var, sizeof var, "theory%d", k);
    gp_set(g->gp, var, title);
    return 1;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* A varied scenario path as an axis label: "jobs: arrival rate (/s)". */
static void vary_label(const char *path, char *buf, size_t n)
{
    static const struct {
        const char *suffix, *what;
    } known[] = {
        { ".arrival.rate", "arrival rate (/s)" },     { ".arrival.interarrival.mean", "mean interarrival (s)" },
        { ".workers", "workers" },                    { ".capacity", "capacity (jobs)" },
        { ".service.mean", "mean service time (s)" }, { ".service.rate", "service rate (/s)" },
        { ".population", "population (users)" },      { ".patience.mean", "mean patience (s)" },
    };
    const char *o = NULL;
    size_t ol = 0;
    if (!strncmp(path, "classes.", 8) || !strncmp(path, "nodes.", 6)) {
        o = strchr(path, '.') + 1;
        const char *dot = strchr(o, '.');
        ol = dot ? (size_t)(dot - o) : 0;
    }
    for (size_t i = 0; o && ol && i < sizeof known / sizeof *known; i++)
        if (ends_with(path, known[i].suffix) && strlen(path) == (size_t)(o - path) + ol + strlen(known[i].suffix)) {
            snprintf(buf, n, "%.*s: %s", (int)ol, o, known[i].what);
            return;
        }
    snprintf(buf, n, "%s", path);
}

static void sweep_common(const sweep_tab *s, const fig *g)
{
    char xl[400];
    fprintf(g->gp, "n = %d\n", s->npol);
    gp_array(g->gp, "T", s->pol, s->npol);
    vary_label(s->t.row[0][s->cx], xl, sizeof xl);
    gp_set(g->gp, "xlabel", xl);
    if (!s->numeric) { /* categories, in order of appearance */
        fprintf(g->gp, "nx = %d\n", s->nx);
        gp_array(g->gp, "X", s->xs, s->nx);
    }
}

static int has_metric(const sweep_tab *s, const char *m)
{
    for (int i = 0; i < s->nmet; i++)
        if (!strcmp(s->met[i], m))
            return 1;
    return 0;
}

/* Whether every estimate of `metric` and both ends of its intervals are 0
 * (or missing). */
static int all_zero(const sweep_tab *s, const char *metric)
{
    for (int r = 1; r < s->t.nrow; r++) {
        if (strcmp(tb_csv_get(&s->t, r, s->cm), metric))
            continue;
        const int cols[] = { s->cmean, s->clo, s->chi };
        for (int k = 0; k < 3; k++) {
            double v;
            if (number(tb_csv_get(&s->t, r, cols[k]), &v) && v != 0)
                return 0;
        }
    }
    return 1;
}

/* How many estimates of `metric` are censored (lower bounds). */
static int censored_count(const sweep_tab *s, const char *metric)
{
    int n = 0;
    for (int r = 1; s->ccens >= 0 && r < s->t.nrow; r++)
        n += !strcmp(tb_csv_get(&s->t, r, s->cm), metric) && atoi(tb_csv_get(&s->t, r, s->ccens)) != 0;
    return n;
}

static void plot_sweep(ctx *c, const char *sum_path)
{
    sweep_tab s = { .cx = -1 };
    if (tb_csv_read(&s.t, sum_path) != 0)
        return;
    s.cp = tb_csv_col(&s.t, "policy");
    s.cm = tb_csv_col(&s.t, "metric");
    s.cmean = tb_csv_col(&s.t, "mean");
    s.clo = tb_csv_col(&s.t, "ci95_low");
    s.chi = tb_csv_col(&s.t, "ci95_high");
    s.ccens = tb_csv_col(&s.t, "censored");
    /* against the varied parameter: only when something varies (its
     * columns come between config and policy) */
    if (s.cp > 1 && s.cm >= 0 && s.cmean >= 0 && s.clo >= 0 && s.chi >= 0)
        s.cx = 1;
    s.numeric = 1;
    for (int r = 1; s.cx >= 0 && r < s.t.nrow; r++) {
        double v;
        if (intern(&s.pol, &s.npol, tb_csv_get(&s.t, r, s.cp)) < 0 ||
            intern(&s.met, &s.nmet, tb_csv_get(&s.t, r, s.cm)) < 0 ||
            intern(&s.xs, &s.nx, tb_csv_get(&s.t, r, s.cx)) < 0)
            break;
        s.numeric &= number(tb_csv_get(&s.t, r, s.cx), &v);
    }
    for (int k = 0; s.npol > 0 && k < s.nmet; k++) {
        const char *m = s.met[k];
        char a[400], b[400], file[480];
        fig g;
        size_t len = strlen(m);
        if (len > 300)
            continue; /* absurdly long metric names */
        if (ends_with(m, ".sojourn.mean") || ends_with(m, ".latency.p99")) {
            /* the hockey stick: a centre (mean, or p50) and a p99, with bands */
            int mean = ends_with(m, ".sojourn.mean");
            size_t stem = len - strlen(mean ? ".sojourn.mean" : ".latency.p99");
            snprintf(a, sizeof a, "%.*s%s", (int)stem, m, mean ? ".sojourn.mean" : ".latency.p50");
            snprintf(b, sizeof b, "%.*s%s", (int)stem, m, mean ? ".sojourn.p99" : ".latency.p99");
            if (!mean && !has_metric(&s, a))
                snprintf(a, sizeof a, "%s", m);
            snprintf(file, sizeof file, "latency_vs_load_%.*s%s", (int)stem, m, mean ? "" : ".all");
            if (fig_begin(c, &g, "latency_vs_load.gp", file, 560) != 0)
                continue;
            double ylo = INFINITY, yhi = -INFINITY;
            int nclip = 0, hb = has_metric(&s, b) && strcmp(a, b) != 0;
            series(&s, &g, "a", a, &ylo, &yhi, &nclip);
            if (hb)
                series(&s, &g, "b", b, &ylo, &yhi, &nclip);
            fprintf(g.gp, "has_b = %d\nlowclip = %d\nncens = %d\n", hb, nclip > 0 || ylo <= 0,
                    censored_count(&s, a) + (hb ? censored_count(&s, b) : 0));
            sweep_common(&s, &g);
            gp_set(g.gp, "mean_label", mean ? "mean" : strcmp(a, m) ? "p50 (all requests)" : "p99 (all requests)");
            gp_set(g.gp, "p99_label", mean ? "p99" : "p99 (all requests)");
            fprintf(g.gp, "has_theory1 = %d\n", theory_curve(c, &s, &g, 1, a));
            fprintf(g.gp, "has_theory2 = %d\n", hb ? theory_curve(c, &s, &g, 2, b) : 0);
            fig_end(c, &g);
            continue;
        }
        if (ends_with(m, ".sojourn.p99") && has_metric(&s, a))
            continue;
        if (ends_with(m, ".sojourn.p99")) {
            snprintf(a, sizeof a, "%.*s.sojourn.mean", (int)(len - strlen(".sojourn.p99")), m);
            if (has_metric(&s, a))
                continue; /* drawn with its mean */
        }
        if (ends_with(m, ".latency.p50")) {
            snprintf(b, sizeof b, "%.*s.latency.p99", (int)(len - strlen(".latency.p50")), m);
            if (has_metric(&s, b))
                continue; /* drawn with its p99 */
        }
        if (all_zero(&s, m)) /* nothing failed, say: no figure of zeros (the verdict says so) */
            continue;
        if (fig_begin(c, &g, "metric_vs_load.gp", m, 560) != 0)
            continue;
        double ylo = INFINITY, yhi = -INFINITY;
        int nclip = 0;
        series(&s, &g, "a", m, &ylo, &yhi, &nclip);
        sweep_common(&s, &g);
        tb_metric_info mi;
        char axis[400];
        tb_metric_describe(m, NULL, &mi);
        tb_metric_axis(&mi, axis, sizeof axis);
        ylo *= mi.scale;
        yhi *= mi.scale;
        if (ylo == yhi) /* one value throughout: a range around it */
            fprintf(g.gp, "set yrange [%.17g:%.17g]\n", ylo - (ylo != 0 ? 0.1 * fabs(ylo) : 0.1),
                    yhi + (yhi != 0 ? 0.1 * fabs(yhi) : 0.1));
        fprintf(g.gp, "has_clip = %d\n", nclip > 0);
        if (mi.scale != 1)
            fprintf(g.gp, "yscale = %.17g\n", mi.scale);
        gp_set(g.gp, "ylabel", axis);
        fprintf(g.gp, "has_theory1 = %d\n", theory_curve(c, &s, &g, 1, m));
        fig_end(c, &g);
    }
    free_list(s.pol, s.npol);
    free_list(s.met, s.nmet);
    free_list(s.xs, s.nx);
    tb_csv_free(&s.t);
}

/* The paired differences as small multiples: one panel per metric (its
 * own axis, in its units), one row per (vary point, pair) in each. */
static void plot_comparisons(ctx *c, const char *cmp_path)
{
    tb_csv t;
    if (tb_csv_read(&t, cmp_path) != 0)
        return;
    int cp = tb_csv_col(&t, "policy"), cb = tb_csv_col(&t, "baseline"), cm = tb_csv_col(&t, "metric"),
        cd = tb_csv_col(&t, "difference"), cpw = tb_csv_col(&t, "paired_ci95_halfwidth"),
        cuw = tb_csv_col(&t, "unpaired_ci95_halfwidth");
    char **labels = NULL, **mets = NULL;
    int nl = 0, nm = 0;
    if (cp < 0 || cb < 0 || cm < 0 || cd < 0 || cpw < 0 || cuw < 0 || t.nrow < 2) {
        tb_csv_free(&t);
        return;
    }
    int *row_label = calloc((size_t)t.nrow, sizeof *row_label), *row_met = calloc((size_t)t.nrow, sizeof *row_met);
    for (int r = 1; row_label && row_met && r < t.nrow; r++) {
        /* "rate=0.5 five - four": the last part of each varied path, then the pair */
        char label[600];
        size_t l = 0;
        label[0] = 0;
        for (int k = 0; k < cp && l < sizeof label; k++) {
            const char *h = strrchr(t.row[0][k], '.');
            l += (size_t)snprintf(label + l, sizeof label - l, "%s=%s ", h ? h + 1 : t.row[0][k], tb_csv_get(&t, r, k));
        }
        if (l < sizeof label)
            snprintf(label + l, sizeof label - l, "%s - %s", tb_csv_get(&t, r, cp), tb_csv_get(&t, r, cb));
        row_label[r] = intern(&labels, &nl, label);
        row_met[r] = intern(&mets, &nm, tb_csv_get(&t, r, cm));
        if (row_label[r] < 0 || row_met[r] < 0)
            break;
    }
    /* the panels: the metrics with something to show (not 0 everywhere) */
    int *panel = calloc((size_t)(nm + 1), sizeof *panel), np = 0;
    double *xl = calloc((size_t)(nm + 1), sizeof *xl), *xh = calloc((size_t)(nm + 1), sizeof *xh);
    size_t maxlab = 0;
    for (int i = 0; i < nl; i++)
        maxlab = strlen(labels[i]) > maxlab ? strlen(labels[i]) : maxlab;
    for (int k = 0; panel && xl && xh && row_met && k < nm; k++) {
        tb_metric_info mi;
        tb_metric_describe(mets[k], NULL, &mi);
        double lo = 0, hi = 0;
        int any = 0;
        for (int r = 1; r < t.nrow; r++) {
            double d, pw = 0, uw = 0;
            if (row_met[r] != k || !number(tb_csv_get(&t, r, cd), &d))
                continue;
            number(tb_csv_get(&t, r, cpw), &pw);
            number(tb_csv_get(&t, r, cuw), &uw);
            double w = fmax(pw, uw) * mi.scale;
            d *= mi.scale;
            any |= d != 0 || pw != 0; /* identical on both sides in every pair (the offered load under
                                        * common random numbers): nothing to show */
            lo = fmin(lo, d - w);
            hi = fmax(hi, d + w);
        }
        if (!any)
            continue;
        double pad = 0.06 * (hi - lo);
        xl[np] = lo - pad;
        xh[np] = hi + pad;
        panel[np++] = k;
    }
    fig g;
    int height = 70 + np * (60 + 22 * nl);
    if (np > 0 && fig_begin(c, &g, "comparison.gp", "comparison", height < 420 ? 420 : height > 12000 ? 12000 : height) == 0) {
        char **titles = calloc((size_t)np, sizeof *titles);
        for (int q = 0; titles && q < np; q++) {
            tb_metric_info mi;
            tb_metric_describe(mets[panel[q]], NULL, &mi);
            char title[400];
            snprintf(title, sizeof title, "%s%s%s%s", mi.label, mi.unit[0] ? " (" : "",
                     strcmp(mi.unit, "%") ? mi.unit : "percentage points", mi.unit[0] ? ")" : "");
            titles[q] = strdup(title);
            FILE *f = fig_data(&g, "c", q + 1);
            for (int r = 1; f && r < t.nrow; r++) {
                double d, pw = 0, uw = 0;
                if (row_met[r] != panel[q] || !number(tb_csv_get(&t, r, cd), &d))
                    continue;
                number(tb_csv_get(&t, r, cpw), &pw);
                number(tb_csv_get(&t, r, cuw), &uw);
                fprintf(f, "%d %.17g %.17g %.17g\n", nl - 1 - row_label[r], d * mi.scale, pw * mi.scale, uw * mi.scale);
            }
            if (f)
                fclose(f);
        }
        fprintf(g.gp, "np = %d\nn = %d\n", np, nl);
        fprintf(g.gp, "lm = %.3f\n", fmin(0.45, 0.03 + 0.0078 * (double)maxlab));
        if (titles) {
            for (int q = 0; q < np; q++)
                if (!titles[q])
                    titles[q] = strdup("?");
            gp_array(g.gp, "P", titles, np);
            free_list(titles, np);
        }
        fprintf(g.gp, "array XL[%d]\narray XH[%d]\n", np, np);
        for (int q = 0; q < np; q++)
            fprintf(g.gp, "XL[%d] = %.17g\nXH[%d] = %.17g\n", q + 1, xl[q], q + 1, xh[q]);
        gp_array(g.gp, "L", labels, nl);
        fig_end(c, &g);
    }
    free(panel);
    free(xl);
    free(xh);
    free(row_label);
    free(row_met);
    free_list(labels, nl);
    free_list(mets, nm);
    tb_csv_free(&t);
}

/* ---- the folder ------------------------------------------------------------------ */

/* Remove the prepared files of `dir` (only the names tailback gave them). */
static void remove_prepared(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[PATH_MAX + 300];
    while (d && (e = readdir(d)))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9') {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void read_manifest(ctx *c, cJSON **doc)
{
    char man[PATH_MAX + 32];
    snprintf(man, sizeof man, "%s/manifest.json", c->dir);
    char *text = tb_read_file(man, NULL);
    if (!text) {
        snprintf(man, sizeof man, "%s/summary.json", c->dir);
        text = tb_read_file(man, NULL);
    }
    *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    c->warmup = c->surge_start = c->surge_end = c->end = NAN;
    if (!*doc)
        return;
    const cJSON *rm = sim_jget(*doc, "manifest"), *endt = sim_jget(sim_jget(*doc, "run"), "end_time");
    if (cJSON_IsNumber(endt))
        c->end = endt->valuedouble;
    tb_scenario built;
    tb_model *m = rm ? tb_run_rebuild(c->dir, rm, &built) : NULL;
    for (int i = 0; m && i < m->nclasses; i++) { /* the nodes as the requests meet them */
        const tb_class *cl = &m->classes[i];
        for (int k = 0; k < cl->nroute; k++)
            for (int j = 0; j < (cl->route_span ? cl->route_span[k] : 1); j++)
                if (intern(&c->route, &c->nroute, m->nodes[cl->route[k] + j].name) < 0)
                    break;
        if (!cl->route && cl->entry >= 0 && intern(&c->route, &c->nroute, m->nodes[cl->entry].name) < 0)
            break;
    }
    for (int k = 0; m && k < m->nnodes; k++) /* then the rest, as written */
        if (intern(&c->route, &c->nroute, m->nodes[k].name) < 0)
            break;
    if (m) {
        tb_model_free(m);
        tb_scenario_free(&built);
    }
    const cJSON *e = sim_jget(*doc, "experiment"), *sc = sim_jget(sim_jget(*doc, "manifest"), "scenario");
    const cJSON *src = cJSON_IsString(e) ? e : sc;
    if (cJSON_IsString(src)) {
        const char *b = strrchr(src->valuestring, '/');
        snprintf(c->name, sizeof c->name, "%s", b ? b + 1 : src->valuestring);
    }
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(sim_jget(*doc, "experiment_document"), "theory");
    c->theory = cJSON_IsObject(th) ? th : NULL;
    const cJSON *w = sim_jget(sim_jget(*doc, "run"), "warmup"), *net = sim_jget(*doc, "network");
    const cJSON *s0 = sim_jget(net, "surge_start"), *s1 = sim_jget(net, "surge_end");
    if (cJSON_IsNumber(w))
        c->warmup = w->valuedouble;
    if (cJSON_IsNumber(s0) && cJSON_IsNumber(s1)) {
        c->surge_start = s0->valuedouble;
        c->surge_end = s1->valuedouble;
    }
}

int tb_plot_dir(const char *dir, const tb_plot_opts *o)
{
    plot_who = o->who ? o->who : "tailback plot";
    ctx c = { .dir = dir };
    char outbuf[PATH_MAX];
    if (!tb_find_data("plots", "style.gp", c.plotdir, sizeof c.plotdir)) {
        fprintf(stderr, "%s: cannot find the plot templates (plots/style.gp); set TAILBACK_DATA\n", plot_who);
        return 1;
    }
    *strrchr(c.plotdir, '/') = 0;
    char fmts[64], *save = NULL;
    if (snprintf(fmts, sizeof fmts, "%s", o->formats) >= (int)sizeof fmts) {
        fprintf(stderr, "%s: --format: expected png, svg or pdf (comma-separated)\n", plot_who);
        return 2;
    }
    for (char *f = strtok_r(fmts, ",", &save); f; f = strtok_r(NULL, ",", &save))
        if (strcmp(f, "png") && strcmp(f, "svg") && strcmp(f, "pdf")) {
            fprintf(stderr, "%s: --format: expected png, svg or pdf, found \"%s\"\n", plot_who, f);
            return 2;
        }
    char ts[PATH_MAX + 32], lat[PATH_MAX + 32], sum[PATH_MAX + 32], cmp[PATH_MAX + 32];
    snprintf(ts, sizeof ts, "%s/timeseries.csv", dir);
    snprintf(lat, sizeof lat, "%s/latency.csv", dir);
    snprintf(sum, sizeof sum, "%s/summary.csv", dir);
    snprintf(cmp, sizeof cmp, "%s/comparisons.csv", dir);
    if (!tb_is_file(ts) && !tb_is_file(lat) && !tb_is_file(sum) && !tb_is_file(cmp)) {
        fprintf(stderr, "%s: %s: no results to draw (expected a run's or a sweep's output)\n", plot_who, dir);
        return 2;
    }
    if (!o->out) {
        snprintf(outbuf, sizeof outbuf, "%s/plots", dir);
        c.out = outbuf;
    } else {
        c.out = o->out;
    }
    if (tb_mkdirs(c.out, NULL) != 0) {
        fprintf(stderr, "%s: %s: cannot create (%s)\n", plot_who, c.out, tb_errno_str());
        return 1;
    }
    if (o->keep) {
        if (tb_mkdirs(o->keep, NULL) != 0 || snprintf(c.tmp, sizeof c.tmp, "%s", o->keep) >= (int)sizeof c.tmp) {
            fprintf(stderr, "%s: %s: cannot create (%s)\n", plot_who, o->keep, tb_errno_str());
            return 1;
        }
    } else {
        const char *td = getenv("TMPDIR");
        snprintf(c.tmp, sizeof c.tmp, "%s/tailback-plot-XXXXXX", td && *td && strlen(td) < 3000 ? td : "/tmp");
        if (!mkdtemp(c.tmp)) {
            fprintf(stderr, "%s: %s: cannot create a temporary directory (%s)\n", plot_who, c.tmp, tb_errno_str());
            return 1;
        }
    }
    cJSON *doc;
    read_manifest(&c, &doc);
    snprintf(fmts, sizeof fmts, "%s", o->formats);
    for (char *f = strtok_r(fmts, ",", &save); f && !c.nognuplot; f = strtok_r(NULL, ",", &save)) {
        c.fmt = f;
        plot_run(&c, ts, lat);
        if (tb_is_file(sum))
            plot_sweep(&c, sum);
        if (tb_is_file(cmp))
            plot_comparisons(&c, cmp);
    }
    cJSON_Delete(doc);
    free_list(c.route, c.nroute);
    if (!o->keep)
        remove_prepared(c.tmp);
    if (c.nognuplot) {
        fprintf(stderr, "%s: gnuplot is not installed: sudo apt-get install gnuplot-nox (or make deps)\n", plot_who);
        return 1;
    }
    if (!o->quiet)
        printf("%s: %d figure(s)%s\n", c.out, c.made, c.failed ? ", some failed" : "");
    if (o->keep && !o->quiet)
        printf("%s: the data and settings of each figure; redraw one with: gnuplot %s/NN-NAME.gp %s/TEMPLATE.gp\n",
               o->keep, o->keep, c.plotdir);
    return c.failed ? 1 : 0;
}
