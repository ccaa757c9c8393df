/* tb_report.c - writing one self-contained HTML report: words from the model, tables, inline SVG, manifest. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "tb_csv.h"
#include "../models/tb_io.h"
#include "tb_plot.h"
#include "tb_report.h"
#include "tb_verdict.h"
#include "tb_metric.h"
#include "../models/tb_scenario.h"
#include "tb_run.h"

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A path the manifest gives relative to the results folder `dir`, shown
 * from the current directory (where the reader ran tailback report). */
static void shown_path(FILE *f, const char *dir, const char *rel)
{
    char joined[8192], buf[4096];
    if (strcmp(rel, "-") == 0) {
        esc(f, "standard input");
        return;
    }
    if (rel[0] == '/') {
        esc(f, rel);
        return;
    }
    snprintf(joined, sizeof joined, "%s/%s", dir, rel);
    esc(f, tb_relpath(".", joined, buf, sizeof buf));
}

void tb_report_begin(FILE *f)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<title>tailback report</title>\n<style>\n"
          "body{font-family:sans-serif;max-width:1100px;margin:1em auto;color:#222;line-height:1.4}\n"
          "h1{border-bottom:2px solid #0072B2}h2{color:#0072B2;margin-top:2em}\n"
          "table{border-collapse:collapse;margin:1em 0;font-size:90%}\n"
          "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eef4fa}\n"
          "td.l,th.l{text-align:left}pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:80%}\n"
          "figure{margin:1.5em 0}figure svg{max-width:100%;height:auto}\n"
          ".q{background:#fff8dc;padding:.8em;border-left:4px solid #E69F00}\n"
          "td.best{font-weight:bold;background:#e6f4ea}table.verdict td{white-space:nowrap}\n"
          "figcaption{font-size:90%;color:#444;margin-top:.3em}p.note{font-size:85%;color:#555}\n"
          "</style></head><body>\n<h1>tailback report</h1>\n"
          "<p class=\"note\">Every number below was produced by tailback from the results named in each "
          "section; the manifest at the end of a section says how to reproduce it.</p>\n", f);
}

void tb_report_end(FILE *f)
{
    fputs("</body></html>\n", f);
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* One table cell: the number to `digits` significant digits, or a dash
 * where summary.json has none. */
static void cell(FILE *f, int digits, double v)
{
    fputs("<td>", f);
    if (isnan(v))
        fputs("&ndash;", f);
    else
        fprintf(f, "%.*g", digits, v);
    fputs("</td>", f);
}

/* A share as a percentage cell (a dash where there were no requests). */
static void share_cell(FILE *f, double v)
{
    fputs("<td>", f);
    if (isnan(v))
        fputs("&ndash;", f);
    else if (v > 0 && v < 0.001)
        fputs("&lt;0.1%", f);
    else if (v < 1 && v > 0.999)
        fputs("&gt;99.9%", f);
    else
        fprintf(f, "%.1f%%", 100 * v);
    fputs("</td>", f);
}

/* A quantile that may be censored: a number, a dash for null, or
 * "&ge; x (censored)". */
static void cquantile_cell(FILE *f, const cJSON *v)
{
    const cJSON *al = cJSON_GetObjectItemCaseSensitive(v, "at_least");
    if (cJSON_IsNumber(al))
        fprintf(f, "<td>&ge; %.4g (censored)</td>", al->valuedouble);
    else
        cell(f, 4, cJSON_IsNumber(v) ? v->valuedouble : NAN);
}

/* What a figure shows, from its file name (tb_plot's names): a caption a
 * reader can use without the template.  `x` names the varied parameter. */
static void caption(FILE *f, const char *file, const char *x)
{
    char stem[600];
    snprintf(stem, sizeof stem, "%s", file);
    char *dot = strrchr(stem, '.');
    if (dot)
        *dot = 0; /* the format */
    if (!strcmp(stem, "timeseries")) {
        fputs("Jobs waiting (top) and busy workers (bottom) per node, averaged over each window; the end of the "
              "warm-up dashed, the surge shaded.", f);
    } else if (!strcmp(stem, "heatmap")) {
        fputs("Congestion: jobs waiting per node and window (log colour scale), the nodes in the order requests "
              "meet them; windows in which a node was hot outlined; the warm-up grey, the surge dashed.", f);
    } else if (!strcmp(stem, "latency_cdf")) {
        fputs("Latency distribution per class: the fraction of requests completed within each time (log axis), "
              "with p50, p90 and p99 marked.", f);
    } else if (!strcmp(stem, "comparison")) {
        fputs("Paired differences between alternatives, one panel per metric in its own unit: the bar is the "
              "difference replication by replication, the thick bar its 95% interval, the thin grey bar the "
              "interval independent runs would give.", f);
    } else if (!strncmp(stem, "latency_vs_load_", 16)) {
        const char *cls = stem + 16;
        size_t len = strlen(cls);
        int all = len > 4 && !strcmp(cls + len - 4, ".all");
        if (!strncmp(cls, "classes.", 8))
            cls += 8;
        fprintf(f, "%.*s: %s against ", (int)(strlen(cls) - (all ? 4 : 0)), cls,
                all ? "p50 and p99 latency over all requests (a censored point, a lower bound, as a triangle)"
                    : "mean and p99 sojourn of the succeeded requests");
        esc(f, x);
        fputs(", per alternative, with 95% bands; the experiment's theory dashed where it gives one.", f);
    } else {
        tb_metric_info mi;
        char axis[400];
        tb_metric_describe(stem, NULL, &mi);
        tb_metric_axis(&mi, axis, sizeof axis);
        esc(f, axis);
        fputs(" against ", f);
        esc(f, x);
        fputs(", per alternative, with 95% intervals (clipped at the end of the metric's range and marked with a "
              "triangle).", f);
    }
}

static void figures_inline(FILE *f, const char *dir, const char *x)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort); /* sorted: the same page every time */
    int k = 0;
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        size_t len = strlen(name);
        if (len > 4 && strcmp(name + len - 4, ".svg") == 0) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            char *svg = tb_read_file(path, NULL);
            char *start = svg ? strstr(svg, "<svg") : NULL;
            if (start) {
                fprintf(f, "<figure>\n%s\n<figcaption><b>Figure %d.</b> ", start, ++k);
                caption(f, name, x);
                fputs(" <small>(", f);
                esc(f, name);
                fputs(")</small></figcaption></figure>\n", f);
            }
            free(svg);
        }
        free(list[i]);
    }
    if (n >= 0)
        free(list);
}

/* The scenario in words, from the model as it ran (overrides applied). */
static void scenario_words(FILE *f, const tb_model *m)
{
    static const char *const kinds[] = { "queue", "delay (infinite server)", "sink", "router", "batch" };
    fprintf(f, "<p><b>%d workload class%s.</b></p><ul>\n", m->nclasses, m->nclasses == 1 ? "" : "es");
    for (int i = 0; i < m->nclasses; i++) {
        const tb_class *c = &m->classes[i];
        fputs("<li><b>", f);
        esc(f, c->name);
        if (c->arr.kind == TB_ARR_CLOSED)
            fprintf(f, "</b>: a closed population of %lld users, thinking %.4g s on average", c->arr.population,
                    c->arr.interarrival->mean);
        else
            fprintf(f, "</b>: about %.4g arrivals/s", c->arr.mean_rate);
        if (c->arr.kind == TB_ARR_POISSON && c->arr.nstates > 1)
            fputs(" (bursty: Markov-modulated)", f);
        sim_time s0, s1;
        if (tb_arrival_surge_span(&c->arr, &s0, &s1))
            fprintf(f, ", with a surge from %.6g s to %.6g s", sim_seconds(s0, m->tps), sim_seconds(s1, m->tps));
        if (c->route) {
            fputs("; route ", f);
            for (int k = 0; k < c->nroute; k++) {
                int span = c->route_span ? c->route_span[k] : 1;
                const char *group = NULL;
                for (int g = 0; span > 1 && !group && g < m->ngroups; g++)
                    if (m->groups[g].first == c->route[k] && m->groups[g].count == span)
                        group = m->groups[g].name;
                fputs(k ? " &rarr; " : "", f);
                esc(f, group ? group : m->nodes[c->route[k]].name);
                if (group)
                    fprintf(f, " (one of %d)", span);
            }
        } else {
            fputs("; enters at ", f);
            esc(f, m->nodes[c->entry].name);
        }
        if (c->slo != SIM_TIME_MAX)
            fprintf(f, "; SLO %.6g s", sim_seconds(c->slo, m->tps));
        if (c->client)
            fprintf(f, "; clients retry up to %d time%s", c->client->retries, c->client->retries == 1 ? "" : "s");
        fputs("</li>\n", f);
    }
    fprintf(f, "</ul>\n<p><b>%d node%s.</b></p><ul>\n", m->nnodes, m->nnodes == 1 ? "" : "s");
    for (int k = 0; k < m->nnodes; k++) {
        const tb_node *nd = &m->nodes[k];
        fputs("<li><b>", f);
        esc(f, nd->name);
        fprintf(f, "</b>: %s", kinds[nd->kind]);
        if (nd->kind == TB_NODE_QUEUE)
            fprintf(f, ", %d worker%s", nd->workers, nd->workers == 1 ? "" : "s");
        double unloaded = tb_node_unloaded(m, nd);
        if (unloaded > 0)
            fprintf(f, nd->kind == TB_NODE_BATCH ? ", unloaded delay %.4g s (half an interval plus service)"
                                                 : ", mean service %.4g s",
                    unloaded / m->tps);
        if (nd->capacity >= 0)
            fprintf(f, ", room for %lld jobs", nd->capacity);
        if (nd->decider) {
            fputs(", policy ", f);
            esc(f, nd->decider->shown);
        }
        fputs("</li>\n", f);
    }
    fprintf(f, "</ul>\n<p>%d link%s; simulated %.6g s after a %.6g s warm-up.</p>\n", m->nlinks,
            m->nlinks == 1 ? "" : "s", sim_seconds(m->duration - m->warmup, m->tps), sim_seconds(m->warmup, m->tps));
}

/* The question and the scenario in words, from the scenario file with the
 * run's overrides: built, not prepared, so no policy code runs. */
/* Failures first: what became of the requests. */
static void outcomes_table(FILE *f, const cJSON *cls)
{
    /* failures first: what became of the requests, then how long the
     * successful ones took */
    fputs("<h3>Outcomes</h3>\n<p>Shares of the requests that arrived after the warm-up (a request is "
          "all of a client's attempts).</p>\n<table><tr><th class=\"l\">class</th><th>requests</th>"
          "<th>offered /s</th><th>succeeded</th><th>late</th><th>failed</th><th>rejected</th><th>dropped</th>"
          "<th>abandoned</th><th>in flight</th></tr>\n", f);
    static const char *const shares[] = { "succeeded", "late", "failed", "rejected", "dropped", "abandoned",
                                          "in_flight" };
    for (const cJSON *c2 = cls ? cls->child : NULL; c2; c2 = c2->next) {
        const cJSON *sh = cJSON_GetObjectItemCaseSensitive(c2, "shares");
        fputs("<tr><td class=\"l\">", f);
        esc(f, c2->string);
        fputs("</td>", f);
        cell(f, 9, num(c2, "arrivals"));
        cell(f, 4, num(c2, "offered_rate"));
        for (size_t k = 0; k < sizeof shares / sizeof *shares; k++)
            share_cell(f, num(sh, shares[k]));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* Then how long they took: over all requests (censored), and over the
 * succeeded ones. */
static void latency_table(FILE *f, const cJSON *cls)
{
    fputs("<h3>Latency</h3>\n<p>Over all requests, those that did not succeed counted as at least "
          "as long as they lasted (&ge;: the percentile falls among them); then over the succeeded ones "
          "only, which alone can make a collapsed design look fast.</p>\n"
          "<table><tr><th class=\"l\">class</th><th>p50, all s</th><th>p99, all s</th><th>p99.9, all s</th>"
          "<th>mean, succeeded s</th><th>p99, succeeded s</th><th>goodput /s</th></tr>\n", f);
    for (const cJSON *c2 = cls ? cls->child : NULL; c2; c2 = c2->next) {
        const cJSON *lat = cJSON_GetObjectItemCaseSensitive(c2, "latency"),
                    *so = cJSON_GetObjectItemCaseSensitive(c2, "sojourn");
        fputs("<tr><td class=\"l\">", f);
        esc(f, c2->string);
        fputs("</td>", f);
        cquantile_cell(f, cJSON_GetObjectItemCaseSensitive(lat, "p50"));
        cquantile_cell(f, cJSON_GetObjectItemCaseSensitive(lat, "p99"));
        cquantile_cell(f, cJSON_GetObjectItemCaseSensitive(lat, "p999"));
        cell(f, 4, num(so, "mean"));
        cell(f, 4, num(so, "p99"));
        cell(f, 4, num(c2, "goodput_rate"));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void nodes_table(FILE *f, const cJSON *doc)
{
    fputs("<h3>Nodes</h3>\n<table><tr><th class=\"l\">node</th><th class=\"l\">kind</th>"
          "<th>utilisation</th><th>mean queue</th><th>mean wait s</th><th>drops</th></tr>\n", f);
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(doc, "nodes");
    for (const cJSON *nd = nodes ? nodes->child : NULL; nd; nd = nd->next) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(nd, "kind");
        fputs("<tr><td class=\"l\">", f);
        esc(f, nd->string);
        fputs("</td><td class=\"l\">", f);
        esc(f, cJSON_IsString(kind) ? kind->valuestring : "");
        fputs("</td>", f);
        cell(f, 3, num(nd, "utilisation"));
        double q = num(nd, "mean_queue_length"); /* routers and sinks hold nobody: no queue, no wait */
        cell(f, 4, q);
        cell(f, 4, isnan(q) ? NAN : num(cJSON_GetObjectItemCaseSensitive(nd, "wait"), "mean"));
        fprintf(f, "<td>%.0f</td></tr>\n", num(nd, "drops"));
    }
    fputs("</table>\n", f);
}

static int run_section(FILE *f, const char *dir, cJSON *doc, const char *figures, char *err, size_t n)
{
    const cJSON *man = cJSON_GetObjectItemCaseSensitive(doc, "manifest");
    const cJSON *scen = cJSON_GetObjectItemCaseSensitive(man, "scenario");
    fputs("<h2>Run: ", f);
    if (cJSON_IsString(scen))
        shown_path(f, dir, scen->valuestring);
    else
        esc(f, dir);
    fputs("</h2>\n", f);
    /* the question, then the verdict (outcomes, latency, nodes), then the
     * scenario in words: the model rebuilt, not prepared (no policy code) */
    tb_scenario sc;
    tb_model *m = tb_run_rebuild(dir, man, &sc);
    const cJSON *comment = m ? cJSON_GetObjectItemCaseSensitive(sc.root, "comment") : NULL;
    if (cJSON_IsString(comment)) {
        fputs("<p class=\"q\">", f);
        esc(f, comment->valuestring);
        fputs("</p>\n", f);
    }
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(doc, "classes");
    outcomes_table(f, cls);
    latency_table(f, cls);
    nodes_table(f, doc);
    const cJSON *net = cJSON_GetObjectItemCaseSensitive(doc, "network");
    if (net) {
        fprintf(f, "<p><b>Congestion.</b> Blast radius (largest fraction of nodes hot at once): %.3g; "
                   "mean spread %.3g.", num(net, "blast_radius"), num(net, "mean_spread"));
        const cJSON *rec = cJSON_GetObjectItemCaseSensitive(net, "recovered");
        if (cJSON_IsTrue(rec))
            fprintf(f, " Recovered %.4g s after the surge.", num(net, "recovery_time"));
        else if (cJSON_IsBool(rec))
            fputs(" <b>Never recovered</b> after the surge (within the run).", f);
        fputs("</p>\n", f);
    }
    fputs("<h3>The scenario</h3>\n", f);
    if (m)
        scenario_words(f, m);
    else
        fputs("<p>(The scenario file is not readable here; the tables come from the results.)</p>\n", f);
    tb_model_free(m);
    if (m)
        tb_scenario_free(&sc);
    fputs("<h3>Figures</h3>\n", f);
    figures_inline(f, figures, "time");
    char *pretty = cJSON_Print(man);
    fputs("<h3>Manifest</h3>\n<pre>", f);
    esc(f, pretty);
    fputs("</pre>\n", f);
    free(pretty);
    (void)err;
    (void)n;
    return 0;
}

/* A CSV file as an HTML table, from column skip_cols on; numbers with
 * five significant digits. */
static void csv_table(FILE *f, const char *path, int skip_cols)
{
    tb_csv t;
    if (tb_csv_read(&t, path) != 0)
        return;
    fputs("<table>\n", f);
    for (int r = 0; r < t.nrow; r++) {
        fputs("<tr>", f);
        for (int c = skip_cols; c < t.ncol[r]; c++) {
            const char *v = t.row[r][c];
            char *e2;
            double x = strtod(v, &e2);
            int numeric = *v && !*e2;
            fputs(r ? (numeric || !*v ? "<td>" : "<td class=\"l\">") : "<th>", f);
            if (r && numeric && strchr(v, '.'))
                fprintf(f, "%.5g", x);
            else
                esc(f, v);
            fputs(r ? "</td>" : "</th>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    tb_csv_free(&t);
}

static int sweep_section(FILE *f, const char *dir, cJSON *man, const char *figures)
{
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(man, "experiment_document");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(man, "experiment");
    fputs("<h2>Experiment: ", f);
    esc(f, cJSON_IsString(name) ? name->valuestring : dir);
    fputs("</h2>\n", f);
    const cJSON *comment = cJSON_GetObjectItemCaseSensitive(exp, "comment");
    if (cJSON_IsString(comment)) {
        fputs("<p class=\"q\">", f);
        esc(f, comment->valuestring);
        fputs("</p>\n", f);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    tb_verdict_html(f, dir);
    const cJSON *scen = cJSON_GetObjectItemCaseSensitive(man, "scenario");
    fprintf(f, "<p>Scenario <code>");
    shown_path(f, dir, cJSON_IsString(scen) ? scen->valuestring : "?");
    fprintf(f, "</code>; %.0f configurations &times; %.0f replications (common random numbers across "
               "alternatives).", num(man, "configurations"), num(man, "replications"));
    const cJSON *vary = cJSON_GetObjectItemCaseSensitive(exp, "vary");
    for (const cJSON *it = vary ? vary->child : NULL; it; it = it->next) {
        char *vals = cJSON_PrintUnformatted(it);
        fputs(" Varied: <code>", f);
        esc(f, it->string);
        fputs("</code> over ", f);
        esc(f, vals);
        fputs(".", f);
        free(vals);
    }
    fputs("</p>\n", f);
    tb_verdict_paired_html(f, dir);
    fputs("<h3>Figures</h3>\n", f);
    const cJSON *vfirst = vary ? vary->child : NULL;
    figures_inline(f, figures, vfirst && vfirst->string ? vfirst->string : "the varied parameter");
    fputs("<h3>All estimates</h3>\n<p>summary.csv as written (95% intervals: t over replications for means, "
          "pooled histograms for percentiles).</p>\n", f);
    csv_table(f, path, 1);
    cJSON *copy = cJSON_Duplicate(man, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "experiment_document");
    char *pretty = cJSON_Print(copy);
    cJSON_Delete(copy);
    fputs("<h3>Manifest</h3>\n<pre>", f);
    esc(f, pretty);
    fputs("</pre>\n", f);
    free(pretty);
    return 0;
}

int tb_report_section(FILE *f, const char *dir, const char *figures, char *err, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *text = tb_read_file(path, NULL);
    if (text) {
        cJSON *man = cJSON_Parse(text);
        free(text);
        int rc = man ? sweep_section(f, dir, man, figures) : -1;
        cJSON_Delete(man);
        if (rc)
            snprintf(err, n, "%s: not a tailback manifest", path);
        return rc;
    }
    snprintf(path, sizeof path, "%s/summary.json", dir);
    text = tb_read_file(path, NULL);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!doc) {
        snprintf(err, n, "%s: expected the results of tailback run (summary.json) or sweep (manifest.json)", dir);
        return -1;
    }
    int rc = run_section(f, dir, doc, figures, err, n);
    cJSON_Delete(doc);
    return rc;
}

int tb_report_write(const char *const *dirs, int n, const char *out, char *err, size_t errlen)
{
    char *buf = NULL, figs[8192], msg[640];
    size_t len = 0;
    err[0] = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        snprintf(err, errlen, "%s: cannot write (out of memory)", out);
        return 1;
    }
    tb_report_begin(f);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        snprintf(figs, sizeof figs, "%s/report-figures", dirs[i]);
        tb_plot_opts po = { .formats = "svg", .out = figs, .quiet = 1, .who = "tailback report" };
        rc = tb_plot_dir(dirs[i], &po); /* which says what went wrong itself */
        if (rc == 0 && tb_report_section(f, dirs[i], figs, msg, sizeof msg) != 0) {
            snprintf(err, errlen, "%s", msg);
            rc = 2;
        }
    }
    tb_report_end(f);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: cannot write (out of memory)", out);
        rc = 1;
    }
    if (rc == 0 && tb_write_atomic(out, buf, len) != 0) {
        snprintf(err, errlen, "%s: cannot write (%s)", out, tb_errno_str());
        rc = 1;
    }
    free(buf);
    return rc;
}
