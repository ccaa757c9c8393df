/* tb_verdict.c - the verdict of a sweep from its summary.csv and comparisons.csv: estimates at the precision their intervals allow, the best per metric, a sentence per metric. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "../models/tb_io.h"
#include "tb_csv.h"
#include "tb_expr.h"
#include "tb_metric.h"
#include "tb_verdict.h"

typedef struct vcell {
    double v, lo, hi;
    int has, censored;
} vcell;

typedef struct verdict {
    tb_csv sum;
    int npt, npol, nmet;
    const char **pol;      /* alternatives, in the experiment's order */
    const char **met;      /* metrics, failures first (see order_metrics) */
    tb_metric_info *mi;    /* per metric */
    char **ptlabel;        /* per point: "rate = 0.5, workers = 4" ("" with nothing varied) */
    char **ptkey;          /* per point: the varied values, joined, to find comparisons' rows */
    double *ptx;           /* per point: the first varied value as a number (NAN if none) */
    vcell *cell;           /* [pt][pol][met] */
    double *theory;        /* [pt][met]: the experiment's theory value, NAN where none */
    int *shown;            /* [met]: in the table (outcome shares zero everywhere are not) */
    int *success;          /* [met]: for a survivor-only metric, the index of its class's success
                            * share, else -1 */
    cJSON *man;            /* manifest.json, or NULL */
} verdict;

#define CELL(v, pt, p, k) (&(v)->cell[((size_t)(pt) * (size_t)(v)->npol + (size_t)(p)) * (size_t)(v)->nmet + (size_t)(k)])

static void verdict_free(verdict *v)
{
    for (int i = 0; i < v->npt; i++) {
        if (v->ptlabel)
            free(v->ptlabel[i]);
        if (v->ptkey)
            free(v->ptkey[i]);
    }
    free(v->ptlabel);
    free(v->ptkey);
    free(v->ptx);
    free(v->pol);
    free(v->met);
    free(v->mi);
    free(v->cell);
    free(v->theory);
    free(v->shown);
    free(v->success);
    cJSON_Delete(v->man);
    tb_csv_free(&v->sum);
    memset(v, 0, sizeof *v);
}

static int index_in(const char **list, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    return -1;
}

/* Failures and success first, then latency over all requests, then the rest
 * in the experiment's order. */
static int metric_group(const char *m)
{
    if (strstr(m, ".shares."))
        return 0;
    if (strstr(m, ".latency."))
        return 1;
    return 2;
}

static void order_metrics(verdict *v)
{
    for (int i = 1; i < v->nmet; i++) /* insertion sort: stable within a group */
        for (int j = i; j > 0 && metric_group(v->met[j]) < metric_group(v->met[j - 1]); j--) {
            const char *x = v->met[j];
            v->met[j] = v->met[j - 1];
            v->met[j - 1] = x;
        }
}

/* The varied values of row r (columns 1 .. pcol-1) as a label and a key. */
static void point_text(const tb_csv *t, int r, int first, int pcol, char **label, char **key)
{
    size_t cap = 64;
    for (int c = first; c < pcol; c++)
        cap += strlen(tb_csv_get(t, 0, c)) + strlen(tb_csv_get(t, r, c)) + 8;
    *label = malloc(cap);
    *key = malloc(cap);
    if (!*label || !*key)
        return;
    size_t a = 0, b = 0;
    (*label)[0] = (*key)[0] = 0;
    for (int c = first; c < pcol; c++) {
        a += (size_t)snprintf(*label + a, cap - a, "%s%s = %s", c > first ? ", " : "", tb_csv_get(t, 0, c),
                              tb_csv_get(t, r, c));
        b += (size_t)snprintf(*key + b, cap - b, "%s\x1f", tb_csv_get(t, r, c));
    }
}

static const cJSON *experiment_field(const verdict *v, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(v->man, "experiment_document"), name);
}

/* Load the folder's summary.csv and manifest: 0, or -1. */
static int verdict_load(verdict *v, const char *dir)
{
    char path[4096 + 32];
    memset(v, 0, sizeof *v);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if (tb_csv_read(&v->sum, path) != 0 || v->sum.nrow < 2)
        return -1;
    const tb_csv *t = &v->sum;
    int mcol = tb_csv_col(t, "metric"), pcol = mcol - 1, ecol = tb_csv_col(t, "mean"), lcol = tb_csv_col(t, "ci95_low"),
        hcol = tb_csv_col(t, "ci95_high"), ccol = tb_csv_col(t, "censored");
    if (mcol < 2 || ecol < 0 || lcol < 0 || hcol < 0 || ccol < 0 || strcmp(tb_csv_get(t, 0, pcol), "policy"))
        return -1;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *text = tb_read_file(path, NULL);
    v->man = text ? cJSON_Parse(text) : NULL;
    free(text);
    int nr = t->nrow - 1, maxcfg = -1;
    v->pol = calloc((size_t)nr, sizeof *v->pol);
    v->met = calloc((size_t)nr, sizeof *v->met);
    if (!v->pol || !v->met)
        return -1;
    for (int r = 1; r < t->nrow; r++) {
        const char *m = tb_csv_get(t, r, mcol), *p = tb_csv_get(t, r, pcol);
        if (index_in(v->met, v->nmet, m) < 0)
            v->met[v->nmet++] = m;
        if (index_in(v->pol, v->npol, p) < 0)
            v->pol[v->npol++] = p;
        int cfg = atoi(tb_csv_get(t, r, 0));
        if (cfg > maxcfg)
            maxcfg = cfg;
    }
    order_metrics(v);
    v->npt = maxcfg / v->npol + 1;
    size_t ncell = (size_t)v->npt * (size_t)v->npol * (size_t)v->nmet;
    v->cell = calloc(ncell, sizeof *v->cell);
    v->theory = malloc((size_t)v->npt * (size_t)v->nmet * sizeof *v->theory);
    v->mi = calloc((size_t)v->nmet, sizeof *v->mi);
    v->shown = calloc((size_t)v->nmet, sizeof *v->shown);
    v->success = calloc((size_t)v->nmet, sizeof *v->success);
    v->ptlabel = calloc((size_t)v->npt, sizeof *v->ptlabel);
    v->ptkey = calloc((size_t)v->npt, sizeof *v->ptkey);
    v->ptx = malloc((size_t)v->npt * sizeof *v->ptx);
    if (!v->cell || !v->theory || !v->mi || !v->shown || !v->success || !v->ptlabel || !v->ptkey || !v->ptx)
        return -1;
    const cJSON *prefer = experiment_field(v, "prefer");
    for (int k = 0; k < v->nmet; k++) {
        const cJSON *pr = cJSON_GetObjectItemCaseSensitive(prefer, v->met[k]);
        tb_metric_describe(v->met[k], cJSON_IsString(pr) ? pr->valuestring : NULL, &v->mi[k]);
    }
    for (int k = 0; k < v->nmet; k++) {
        char sp[400];
        snprintf(sp, sizeof sp, "classes.%s.shares.success", v->mi[k].owner);
        v->success[k] = v->mi[k].survivor ? index_in(v->met, v->nmet, sp) : -1;
    }
    for (int i = 0; i < v->npt; i++)
        v->ptx[i] = NAN;
    for (int r = 1; r < t->nrow; r++) {
        int cfg = atoi(tb_csv_get(t, r, 0)), pt = cfg / v->npol, p = cfg % v->npol,
            k = index_in(v->met, v->nmet, tb_csv_get(t, r, mcol));
        if (cfg < 0 || pt >= v->npt || k < 0)
            continue;
        if (!v->ptlabel[pt]) {
            point_text(t, r, 1, pcol, &v->ptlabel[pt], &v->ptkey[pt]);
            char *end;
            const char *x = pcol > 1 ? tb_csv_get(t, r, 1) : "";
            double xv = strtod(x, &end);
            v->ptx[pt] = *x && !*end ? xv : NAN;
        }
        vcell *c = CELL(v, pt, p, k);
        const char *e = tb_csv_get(t, r, ecol), *lo = tb_csv_get(t, r, lcol), *hi = tb_csv_get(t, r, hcol);
        c->has = *e != 0;
        c->v = atof(e);
        c->lo = *lo ? atof(lo) : NAN;
        c->hi = *hi ? atof(hi) : NAN;
        c->censored = atoi(tb_csv_get(t, r, ccol)) != 0;
    }
    /* theory values at each point's x */
    const cJSON *th = experiment_field(v, "theory");
    for (int k = 0; k < v->nmet; k++) {
        const cJSON *entry = cJSON_GetObjectItemCaseSensitive(th, v->met[k]);
        double vals[TB_EXPR_MAX_PARAMS];
        char why[400];
        tb_expr *ex = entry ? tb_expr_theory(entry, vals, why, sizeof why) : NULL;
        for (int pt = 0; pt < v->npt; pt++)
            v->theory[(size_t)pt * (size_t)v->nmet + (size_t)k] =
                ex && !isnan(v->ptx[pt]) ? tb_expr_eval(ex, v->ptx[pt], vals) : NAN;
        tb_expr_free(ex);
    }
    /* an outcome share that is zero (or absent) everywhere: one line, not a row */
    for (int k = 0; k < v->nmet; k++) {
        int zero = strstr(v->met[k], ".shares.") && !strstr(v->met[k], ".shares.succe");
        for (int pt = 0; zero && pt < v->npt; pt++)
            for (int p = 0; zero && p < v->npol; p++) {
                const vcell *c = CELL(v, pt, p, k);
                zero = !c->has || (c->v == 0 && (isnan(c->hi) || c->hi == 0));
            }
        v->shown[k] = !zero;
    }
    for (int pt = 0; pt < v->npt; pt++)
        if (!v->ptlabel[pt] && (!(v->ptlabel[pt] = strdup("")) || !(v->ptkey[pt] = strdup(""))))
            return -1;
    return 0;
}

/* ---- numbers at the precision their intervals allow -------------------------------- */

/* Decimals that show h (scaled) to two significant digits (0..8). */
static int decimals_for(double h)
{
    if (!(h > 0) || !isfinite(h))
        return -1;
    int d = 1 - (int)floor(log10(h));
    return d < 0 ? 0 : d > 8 ? 8 : d;
}

/* A number alone, four significant digits (no interval to size it by). */
static void fmt_plain(char *buf, size_t n, double x)
{
    if (x == 0)
        snprintf(buf, n, "0");
    else
        snprintf(buf, n, "%.4g", x);
}

/* A cell's text: "1.174 ± 0.011", "12.1 [11.8, 12.9]" for an asymmetric or
 * clipped interval, "≥ 15.13 (censored)", "–" for none.  `pm` is the
 * plus-minus sign to use ("±" or "+-"). */
static void fmt_cell(char *buf, size_t n, const vcell *c, const tb_metric_info *mi, const char *pm)
{
    if (!c->has) {
        snprintf(buf, n, "-");
        return;
    }
    double k = mi->scale, v = c->v * k;
    char a[64];
    if (c->censored) {
        fmt_plain(a, sizeof a, v);
        snprintf(buf, n, "%s %s (censored)", strcmp(pm, "+-") ? "\xe2\x89\xa5" : ">=", a);
        return;
    }
    if (isnan(c->lo) || isnan(c->hi)) {
        fmt_plain(buf, n, v);
        return;
    }
    double lo = c->lo * k, hi = c->hi * k, h = fmax(hi - v, v - lo);
    if (isinf(lo) || isinf(hi)) { /* an interval open on one side (too few values in the tail) */
        double fin = isinf(lo) ? hi - v : v - lo;
        int d = decimals_for(fin) < 0 ? 0 : decimals_for(fin);
        char l[64], u[64];
        if (isinf(lo))
            snprintf(l, sizeof l, "%s", isfinite(mi->lo) ? "0" : "-inf");
        else
            snprintf(l, sizeof l, "%.*f", d, fmax(lo, mi->lo * k));
        if (isinf(hi))
            snprintf(u, sizeof u, "%s", isfinite(mi->hi) ? "100" : "inf");
        else
            snprintf(u, sizeof u, "%.*f", d, fmin(hi, mi->hi * k));
        snprintf(buf, n, "%.*f [%s, %s]", d, v, l, u);
        return;
    }
    int d = decimals_for(h);
    if (d < 0) { /* a zero-width interval: every replication gave the same value */
        fmt_plain(a, sizeof a, v);
        snprintf(buf, n, "%s %s 0", a, pm);
        return;
    }
    int clipped = lo < mi->lo * k || hi > mi->hi * k, asym = fabs((hi - v) - (v - lo)) > 0.05 * (hi - lo);
    if (clipped || asym) { /* bounds of the metric's range, never beyond it */
        snprintf(buf, n, "%.*f [%.*f, %.*f]", d, v, d, fmax(lo, mi->lo * k), d, fmin(hi, mi->hi * k));
        return;
    }
    snprintf(buf, n, "%.*f %s %.*f", d, v, pm, d, h);
}

/* The estimate and the theory's value, and how far apart: "(theory 1.17, +0.3%)". */
static void fmt_theory(char *buf, size_t n, const vcell *c, double th, const tb_metric_info *mi)
{
    char a[64];
    buf[0] = 0;
    if (isnan(th))
        return;
    fmt_plain(a, sizeof a, th * mi->scale);
    if (c->has && th != 0 && isfinite(th))
        snprintf(buf, n, "theory %s, %+.1f%%", a, 100 * (c->v - th) / fabs(th));
    else
        snprintf(buf, n, "theory %s", a);
}

/* ---- the best per metric -------------------------------------------------------- */

/* Whether a ranks before b in the direction pref: a value before none, an
 * exact one before a censored lower bound, then by value. */
static int before(const vcell *a, const vcell *b, int pref)
{
    if (a->has != b->has)
        return a->has;
    if (a->censored != b->censored)
        return !a->censored;
    return pref > 0 ? a->v > b->v : a->v < b->v;
}

/* Whether alternative p may rank by metric k at pt.  A survivor-only
 * metric (over the succeeded requests) ranks only the alternatives whose
 * success share is within the interval of the best success share, or one
 * percentage point of it: else a design that fails most requests, keeping
 * the quick ones, would look best. */
static int eligible(const verdict *v, int pt, int p, int k)
{
    int s = v->success[k];
    if (s < 0)
        return 1;
    const vcell *top = NULL;
    for (int i = 0; i < v->npol; i++) {
        const vcell *c = CELL(v, pt, i, s);
        if (c->has && (!top || c->v > top->v))
            top = c;
    }
    const vcell *mine = CELL(v, pt, p, s);
    if (!top || !mine->has)
        return 1;
    /* within the best's interval, or one percentage point of it: requests
     * still in flight at the end keep every share a little under 1 */
    double floor_ = fmin(top->v - 0.01, isnan(top->lo) ? top->v : top->lo);
    return mine->v >= floor_;
}

/* The best alternative at pt for metric k, or -1 (no direction, no values,
 * or every value equal: a tie). */
static int best_of(const verdict *v, int pt, int k)
{
    int pref = v->mi[k].prefer, best = -1, differ = 0;
    if (!pref || v->npol < 2)
        return -1;
    for (int p = 0; p < v->npol; p++) {
        const vcell *c = CELL(v, pt, p, k);
        if (!c->has || !eligible(v, pt, p, k))
            continue;
        if (best < 0) {
            best = p;
            continue;
        }
        const vcell *b = CELL(v, pt, best, k);
        differ |= c->v != b->v || c->censored != b->censored;
        if (before(c, b, pref))
            best = p;
    }
    return differ ? best : -1;
}

/* ---- the paired differences (comparisons.csv) ----------------------------------- */

typedef struct paired {
    tb_csv t;
    int pcol, bcol, mcol, dcol, hcol, ucol, rcol, ncol;
} paired;

static int paired_load(paired *q, const char *dir)
{
    char path[4096 + 32];
    memset(q, 0, sizeof *q);
    snprintf(path, sizeof path, "%s/comparisons.csv", dir);
    if (!tb_is_file(path) || tb_csv_read(&q->t, path) != 0 || q->t.nrow < 1)
        return -1;
    q->bcol = tb_csv_col(&q->t, "baseline");
    q->pcol = q->bcol - 1;
    q->mcol = tb_csv_col(&q->t, "metric");
    q->dcol = tb_csv_col(&q->t, "difference");
    q->hcol = tb_csv_col(&q->t, "paired_ci95_halfwidth");
    q->ucol = tb_csv_col(&q->t, "unpaired_ci95_halfwidth");
    q->rcol = tb_csv_col(&q->t, "variance_reduction");
    q->ncol = tb_csv_col(&q->t, "note");
    if (q->pcol < 0 || q->mcol < 0 || q->dcol < 0 || q->hcol < 0 || q->ucol < 0 || q->rcol < 0) {
        tb_csv_free(&q->t);
        return -1;
    }
    return 0;
}

/* The row of comparisons.csv for (a minus b) or (b minus a) at the point with
 * key `key`, metric m; *sign is +1 for a - b, -1 for b - a.  -1 if none. */
static int paired_find(const paired *q, const char *key, const char *a, const char *b, const char *m, int *sign)
{
    for (int r = 1; r < q->t.nrow; r++) {
        if (strcmp(tb_csv_get(&q->t, r, q->mcol), m))
            continue;
        const char *x = tb_csv_get(&q->t, r, q->pcol), *y = tb_csv_get(&q->t, r, q->bcol);
        int s = !strcmp(x, a) && !strcmp(y, b) ? 1 : !strcmp(x, b) && !strcmp(y, a) ? -1 : 0;
        if (!s)
            continue;
        char rk[2048];
        size_t at = 0;
        rk[0] = 0;
        for (int c = 0; c < q->pcol && at < sizeof rk; c++)
            at += (size_t)snprintf(rk + at, sizeof rk - at, "%s\x1f", tb_csv_get(&q->t, r, c));
        if (strcmp(rk, key) == 0) {
            *sign = s;
            return r;
        }
    }
    return -1;
}

/* ---- the sentences -------------------------------------------------------------- */

typedef struct out {
    FILE *f;
    int html;
} out;

/* Text for a terminal: names come from someone's experiment file, so a
 * control character (an escape sequence, a carriage return) is shown as
 * '?' rather than sent to the terminal. */
static void put_plain(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void put_text(const out *o, const char *s)
{
    if (!o->html) {
        put_plain(o->f, s);
        return;
    }
    for (; *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", o->f); break;
        case '>': fputs("&gt;", o->f); break;
        case '&': fputs("&amp;", o->f); break;
        case '"': fputs("&quot;", o->f); break;
        default: fputc(*s, o->f);
        }
}

static const char *pm_sign(const out *o)
{
    return o->html ? "\xc2\xb1" : "+-";
}

/* "jobs: mean sojourn, succeeded (1.041 ± 0.008 s)"-style value with its unit. */
static void value_with_unit(char *buf, size_t n, const vcell *c, const tb_metric_info *mi, const char *pm)
{
    char a[128];
    fmt_cell(a, sizeof a, c, mi, pm);
    if (!mi->unit[0])
        snprintf(buf, n, "%s", a);
    else if (strcmp(mi->unit, "%") == 0)
        snprintf(buf, n, "%s%%", a);
    else
        snprintf(buf, n, "%s %s", a, mi->unit);
}

/* "a\x1eb\x1ec" -> "a, b and c" in place (the names may hold commas). */
static void and_list(char *s)
{
    char *last = strrchr(s, '\x1e'), tmp[400];
    size_t at = 0;
    for (char *c = s; *c && at + 6 < sizeof tmp; c++) {
        if (*c != '\x1e') {
            tmp[at++] = *c;
            continue;
        }
        const char *sep = c == last ? " and " : ", ";
        memcpy(tmp + at, sep, strlen(sep));
        at += strlen(sep);
    }
    tmp[at] = 0;
    snprintf(s, 400, "%s", tmp);
}

/* One sentence for metric k at point pt: who is best, who is within its
 * interval, and the paired difference to the runner-up where the
 * comparisons have it. */
static void sentence(const out *o, const verdict *v, const paired *q, int pt, int k)
{
    const tb_metric_info *mi = &v->mi[k];
    if (!mi->prefer || v->npol < 2)
        return;
    char buf[512], val[160];
    int best = best_of(v, pt, k);
    fputs(o->html ? "<li>" : "  - ", o->f);
    if (best < 0) {
        int any = 0;
        for (int p = 0; p < v->npol; p++)
            any |= CELL(v, pt, p, k)->has;
        if (!any) {
            snprintf(buf, sizeof buf, "No alternative has a value of %s.", mi->label);
        } else {
            const vcell *c = CELL(v, pt, 0, k);
            for (int p = 0; p < v->npol && !c->has; p++)
                c = CELL(v, pt, p, k);
            value_with_unit(val, sizeof val, c, mi, pm_sign(o));
            snprintf(buf, sizeof buf, "Every alternative has the same %s (%s).", mi->label, val);
        }
        put_text(o, buf);
        fputs(o->html ? "</li>\n" : "\n", o->f);
        return;
    }
    const vcell *b = CELL(v, pt, best, k);
    value_with_unit(val, sizeof val, b, mi, pm_sign(o));
    if (o->html)
        fputs("<b>", o->f);
    put_text(o, v->pol[best]);
    if (o->html)
        fputs("</b>", o->f);
    snprintf(buf, sizeof buf, " has the %s %s (%s)", mi->prefer < 0 ? "lowest" : "highest", mi->label, val);
    put_text(o, buf);
    /* the others: within the best's interval or outside it; not ranked */
    int nin = 0, nout = 0, nnot = 0, runner = -1;
    char in[400] = "", outside[400] = "", notr[400] = "";
    for (int p = 0; p < v->npol; p++) {
        const vcell *c = CELL(v, pt, p, k);
        if (p == best || !c->has)
            continue;
        if (!eligible(v, pt, p, k)) {
            size_t len = strlen(notr);
            snprintf(notr + len, sizeof notr - len, "%s%s (%.3g%% succeeded)", nnot++ ? ", " : "", v->pol[p],
                     100 * CELL(v, pt, p, v->success[k])->v);
            continue;
        }
        if (runner < 0 || before(c, CELL(v, pt, runner, k), mi->prefer))
            runner = p;
        int within = !b->censored && !c->censored && !isnan(b->lo) && c->v >= b->lo && c->v <= b->hi;
        char *list = within ? in : outside;
        int *count = within ? &nin : &nout;
        size_t len = strlen(list);
        snprintf(list + len, 400 - len, "%s%s", *count ? "\x1e" : "", v->pol[p]);
        (*count)++;
    }
    and_list(in);
    and_list(outside);
    if (b->censored)
        put_text(o, "; every alternative's value is a censored lower bound");
    else if (isnan(b->lo))
        put_text(o, "; with no interval (too few replications)");
    else {
        if (nin) {
            snprintf(buf, sizeof buf, "; %s %s within its interval", in, nin == 1 ? "is" : "are");
            put_text(o, buf);
        }
        if (nout) {
            int every = nout == v->npol - 1 && nout > 3; /* name up to three */
            snprintf(buf, sizeof buf, "%s%s %s outside it", nin ? ", " : "; ", every ? "every other" : outside,
                     every || nout == 1 ? "is" : "are");
            put_text(o, buf);
        }
    }
    if (nnot) {
        snprintf(buf, sizeof buf, "; not ranked, since this counts only the requests that succeeded: %s", notr);
        put_text(o, buf);
    }
    int sign, r = runner >= 0 && q ? paired_find(q, v->ptkey[pt], v->pol[runner], v->pol[best], v->met[k], &sign) : -1;
    if (r >= 0) {
        const char *d = tb_csv_get(&q->t, r, q->dcol), *h = tb_csv_get(&q->t, r, q->hcol);
        if (*d && *h) {
            double dv = sign * atof(d) * mi->scale, hv = atof(h) * mi->scale;
            int dd = decimals_for(hv);
            char num[96];
            if (dd >= 0)
                snprintf(num, sizeof num, "%+.*f %s %.*f", dd, dv, pm_sign(o), dd, hv);
            else
                snprintf(num, sizeof num, "%+.4g %s 0", dv, pm_sign(o));
            snprintf(buf, sizeof buf, "; paired, %s minus %s is %s%s%s: %s at 95%%", v->pol[runner], v->pol[best], num,
                     mi->unit[0] && strcmp(mi->unit, "%") ? " " : "", strcmp(mi->unit, "%") ? mi->unit : " points",
                     fabs(dv) > hv ? "significant" : "not significant");
            put_text(o, buf);
        }
    }
    put_text(o, ".");
    fputs(o->html ? "</li>\n" : "\n", o->f);
}

/* ---- the tables ------------------------------------------------------------------- */

static int any_theory(const verdict *v, int pt)
{
    for (int k = 0; k < v->nmet; k++)
        if (!isnan(v->theory[(size_t)pt * (size_t)v->nmet + (size_t)k]))
            return 1;
    return 0;
}

/* The zero-everywhere outcome shares in one line. */
static void zero_line(const out *o, const verdict *v)
{
    int n = 0;
    for (int k = 0; k < v->nmet; k++)
        n += !v->shown[k];
    if (!n)
        return;
    fputs(o->html ? "<p>" : "  ", o->f);
    put_text(o, "Zero for every alternative (not in the table): ");
    for (int k = 0, i = 0; k < v->nmet; k++)
        if (!v->shown[k]) {
            put_text(o, i++ ? ", " : "");
            put_text(o, v->mi[k].label);
        }
    put_text(o, ".");
    fputs(o->html ? "</p>\n" : "\n", o->f);
}

static void html_table(FILE *f, const verdict *v, int pt)
{
    out o = { f, 1 };
    int th = any_theory(v, pt);
    fputs("<table class=\"verdict\"><tr><th class=\"l\">metric</th>", f);
    for (int p = 0; p < v->npol; p++) {
        fputs("<th>", f);
        put_text(&o, v->pol[p]);
        fputs("</th>", f);
    }
    fputs(th ? "<th>theory</th></tr>\n" : "</tr>\n", f);
    for (int k = 0; k < v->nmet; k++) {
        if (!v->shown[k])
            continue;
        const tb_metric_info *mi = &v->mi[k];
        int best = best_of(v, pt, k);
        fputs("<tr><td class=\"l\">", f);
        put_text(&o, mi->label);
        if (mi->unit[0]) {
            fputs(" <small>(", f);
            put_text(&o, mi->unit);
            fputs(")</small>", f);
        }
        fputs(mi->prefer < 0 ? " <small title=\"lower is better\">&darr;</small>"
                             : mi->prefer > 0 ? " <small title=\"higher is better\">&uarr;</small>" : "", f);
        fputs("</td>", f);
        double tv = v->theory[(size_t)pt * (size_t)v->nmet + (size_t)k];
        for (int p = 0; p < v->npol; p++) {
            const vcell *c = CELL(v, pt, p, k);
            char buf[160], tt[96];
            fmt_cell(buf, sizeof buf, c, mi, "\xc2\xb1");
            fmt_theory(tt, sizeof tt, c, tv, mi);
            fputs(p == best ? "<td class=\"best\">&#9733; " : "<td>", f);
            put_text(&o, buf);
            if (strchr(tt, ',')) { /* the deviation; the theory's value has its own column */
                fputs(" <small>(", f);
                put_text(&o, strchr(tt, ',') + 2);
                fputs(")</small>", f);
            }
            fputs("</td>", f);
        }
        if (th) {
            char a[64] = "";
            if (!isnan(tv))
                fmt_plain(a, sizeof a, tv * mi->scale);
            fputs("<td>", f);
            put_text(&o, a[0] ? a : "-");
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* The verdict and, when there is a comparisons.csv, the paired rows
 * (*hq): 0, or -1 when summary.csv cannot be read. */
static int load_both(verdict *v, paired *q, int *hq, const char *dir)
{
    if (verdict_load(v, dir) != 0) {
        verdict_free(v);
        return -1;
    }
    *hq = paired_load(q, dir) == 0;
    return 0;
}

static void free_both(verdict *v, paired *q, int hq)
{
    if (hq)
        tb_csv_free(&q->t);
    verdict_free(v);
}

int tb_verdict_html(FILE *f, const char *dir)
{
    verdict v;
    paired q;
    int hq;
    if (load_both(&v, &q, &hq, dir) != 0)
        return -1;
    out o = { f, 1 };
    fputs("<h3>Verdict</h3>\n", f);
    for (int pt = 0; pt < v.npt; pt++) {
        if (v.ptlabel[pt][0]) {
            fputs("<h4>", f);
            put_text(&o, v.ptlabel[pt]);
            fputs("</h4>\n", f);
        }
        html_table(f, &v, pt);
        fputs("<ul class=\"verdict\">\n", f);
        for (int k = 0; k < v.nmet; k++)
            if (v.shown[k])
                sentence(&o, &v, hq ? &q : NULL, pt, k);
        fputs("</ul>\n", f);
    }
    zero_line(&o, &v);
    fputs("<p class=\"note\">Each cell is the estimate with its 95% interval (&plusmn; half-width, or "
          "[low, high] where the interval is not symmetric or reaches the end of the metric's range, which it "
          "is clipped to); &#9733; marks the best alternative in the direction the metric prefers "
          "(&darr; lower, &uarr; higher). Failures come first. A censored percentile (&ge;) falls among "
          "requests that did not succeed: it is a lower bound, and ranks after every exact one.",
          f);
    if (any_theory(&v, 0) || (v.npt > 1 && any_theory(&v, v.npt - 1)))
        fputs(" Where the experiment gives a theory, the cell adds the deviation from it.", f);
    fputs("</p>\n", f);
    free_both(&v, &q, hq);
    return 0;
}

/* A text table: rows of cells, column widths by the widest (UTF-8 counted
 * as characters). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

int tb_verdict_text(FILE *f, const char *dir)
{
    verdict v;
    paired q;
    int hq;
    if (load_both(&v, &q, &hq, dir) != 0)
        return -1;
    out o = { f, 0 };
    int ncol = v.npol + 2, nrow = v.nmet + 1;
    char **cells = calloc((size_t)ncol * (size_t)nrow, sizeof *cells);
    size_t *w = calloc((size_t)ncol, sizeof *w);
    fprintf(f, "Verdict (95%% intervals; * marks the best in the metric's direction; failures first):\n");
    zero_line(&o, &v);
    for (int pt = 0; cells && w && pt < v.npt; pt++) {
        int th = any_theory(&v, pt), nc = v.npol + 1 + th, r = 0;
        memset(w, 0, (size_t)ncol * sizeof *w);
        cells[0] = strdup("metric");
        for (int p = 0; p < v.npol; p++)
            cells[1 + p] = strdup(v.pol[p]);
        if (th)
            cells[1 + v.npol] = strdup("theory");
        for (int k = 0; k < v.nmet; k++) {
            if (!v.shown[k])
                continue;
            const tb_metric_info *mi = &v.mi[k];
            char buf[400], tt[96];
            r++;
            const char *dir_ = mi->prefer < 0 ? "lower is better" : mi->prefer > 0 ? "higher is better" : "";
            if (mi->unit[0] || dir_[0])
                snprintf(buf, sizeof buf, "%s (%s%s%s)", mi->label, mi->unit, mi->unit[0] && dir_[0] ? ", " : "",
                         dir_);
            else
                snprintf(buf, sizeof buf, "%s", mi->label);
            cells[(size_t)r * (size_t)ncol] = strdup(buf);
            int best = best_of(&v, pt, k);
            double tv = v.theory[(size_t)pt * (size_t)v.nmet + (size_t)k];
            for (int p = 0; p < v.npol; p++) {
                const vcell *c = CELL(&v, pt, p, k);
                char a[160];
                fmt_cell(a, sizeof a, c, mi, "+-");
                fmt_theory(tt, sizeof tt, c, tv, mi);
                const char *dev = strchr(tt, ',');
                snprintf(buf, sizeof buf, "%s%s%s%s%s", p == best ? "* " : "", a, dev ? " (" : "", dev ? dev + 2 : "",
                         dev ? ")" : "");
                cells[(size_t)r * (size_t)ncol + 1 + (size_t)p] = strdup(buf);
            }
            if (th) {
                char a[64] = "-";
                if (!isnan(tv))
                    fmt_plain(a, sizeof a, tv * mi->scale);
                cells[(size_t)r * (size_t)ncol + 1 + (size_t)v.npol] = strdup(a);
            }
        }
        for (int i = 0; i <= r; i++)
            for (int c = 0; c < nc; c++) {
                const char *s = cells[(size_t)i * (size_t)ncol + (size_t)c];
                if (s && width(s) > w[c])
                    w[c] = width(s);
            }
        if (v.ptlabel[pt][0]) {
            fputs("\n  at ", f);
            put_plain(f, v.ptlabel[pt]);
            fputc('\n', f);
        }
        for (int i = 0; i <= r; i++) {
            fputs("  ", f);
            for (int c = 0; c < nc; c++) {
                const char *s = cells[(size_t)i * (size_t)ncol + (size_t)c];
                s = s ? s : "";
                size_t pad = w[c] - width(s);
                if (c == 0) { /* names left, numbers right */
                    put_plain(f, s);
                    fprintf(f, "%*s", (int)pad, "");
                } else {
                    fprintf(f, "  %*s", (int)pad, "");
                    put_plain(f, s);
                }
            }
            fputc('\n', f);
        }
        for (size_t i = 0; i < (size_t)ncol * (size_t)nrow; i++) {
            free(cells[i]);
            cells[i] = NULL;
        }
        for (int k = 0; k < v.nmet; k++)
            if (v.shown[k])
                sentence(&o, &v, hq ? &q : NULL, pt, k);
    }
    free(cells);
    free(w);
    free_both(&v, &q, hq);
    return 0;
}

int tb_verdict_paired_html(FILE *f, const char *dir)
{
    paired q;
    verdict v;
    if (paired_load(&q, dir) != 0)
        return -1;
    int hv = verdict_load(&v, dir) == 0;
    out o = { f, 1 };
    const cJSON *cmp = hv ? experiment_field(&v, "compare") : NULL;
    int all = cJSON_IsString(cmp) && strcmp(cmp->valuestring, "all") == 0;
    fprintf(f, "<h3>Paired differences%s</h3>\n<p>Each alternative minus %s, replication by replication "
               "(common random numbers: the same arrivals and service times on both sides), with the 95%% "
               "interval of the difference; <b>significant</b> when it excludes 0. The unpaired interval is what "
               "independent runs would give; the variance reduction is the ratio of their squares. Rows where "
               "both sides are 0 in every replication are left out.</p>\n",
            all ? ": every pair" : " against the baseline", all ? "each earlier one" : "the baseline");
    fputs("<table class=\"paired\"><tr>", f);
    for (int c = 0; c < q.pcol; c++) {
        fputs("<th class=\"l\">", f);
        put_text(&o, tb_csv_get(&q.t, 0, c));
        fputs("</th>", f);
    }
    fputs("<th class=\"l\">difference</th><th class=\"l\">metric</th><th>difference</th><th>significant</th>"
          "<th>unpaired &plusmn;</th><th>variance reduction</th><th class=\"l\">note</th></tr>\n",
          f);
    for (int r = 1; r < q.t.nrow; r++) {
        tb_metric_info mi;
        const char *m = tb_csv_get(&q.t, r, q.mcol), *d = tb_csv_get(&q.t, r, q.dcol), *h = tb_csv_get(&q.t, r, q.hcol),
                   *u = tb_csv_get(&q.t, r, q.ucol), *vr = tb_csv_get(&q.t, r, q.rcol),
                   *note = q.ncol >= 0 ? tb_csv_get(&q.t, r, q.ncol) : "";
        const cJSON *pr = hv ? cJSON_GetObjectItemCaseSensitive(experiment_field(&v, "prefer"), m) : NULL;
        tb_metric_describe(m, cJSON_IsString(pr) ? pr->valuestring : NULL, &mi);
        if (*d && atof(d) == 0 && *h && atof(h) == 0 && *u && atof(u) == 0)
            continue; /* 0 on both sides: nothing to compare */
        fputs("<tr>", f);
        for (int c = 0; c < q.pcol; c++) {
            fputs("<td class=\"l\">", f);
            put_text(&o, tb_csv_get(&q.t, r, c));
            fputs("</td>", f);
        }
        fputs("<td class=\"l\">", f);
        put_text(&o, tb_csv_get(&q.t, r, q.pcol));
        fputs(" &minus; ", f);
        put_text(&o, tb_csv_get(&q.t, r, q.bcol));
        fputs("</td><td class=\"l\">", f);
        put_text(&o, mi.label);
        if (mi.unit[0]) {
            fputs(" <small>(", f);
            put_text(&o, strcmp(mi.unit, "%") ? mi.unit : "points");
            fputs(")</small>", f);
        }
        char buf[128] = "-";
        double dv = atof(d) * mi.scale, hw = atof(h) * mi.scale, uw = atof(u) * mi.scale;
        int dd = decimals_for(*h ? hw : NAN);
        if (*d && *h && dd >= 0)
            snprintf(buf, sizeof buf, "%+.*f \xc2\xb1 %.*f", dd, dv, dd, hw);
        else if (*d)
            snprintf(buf, sizeof buf, "%+.4g", dv);
        fputs("</td><td>", f);
        put_text(&o, buf);
        fputs("</td><td>", f);
        fputs(*d && *h ? (fabs(dv) > hw ? "<b>yes</b>" : "no") : "-", f);
        fputs("</td><td>", f);
        if (*u && dd >= 0)
            fprintf(f, "%.*f", dd, uw);
        else if (*u)
            fprintf(f, "%.4g", uw);
        else
            fputs("-", f);
        fputs("</td><td>", f);
        if (*vr)
            fprintf(f, "%.3g&times;", atof(vr));
        else
            fputs("<span title=\"undefined: the paired interval is 0 or missing\">-</span>", f);
        fputs("</td><td class=\"l\">", f);
        put_text(&o, note);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    tb_csv_free(&q.t);
    if (hv)
        verdict_free(&v);
    return 0;
}
