/* tb_report.c - writing one self-contained HTML report: words from the model, tables, inline SVG, manifest. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "tb_io.h"
#include "tb_policy.h"
#include "tb_report.h"
#include "tb_scenario.h"

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

void tb_report_begin(FILE *f)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<title>tailback report</title>\n<style>\n"
          "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.45}\n"
          "h1{border-bottom:2px solid #0072B2}h2{color:#0072B2;margin-top:2em}\n"
          "table{border-collapse:collapse;margin:1em 0;font-size:90%}\n"
          "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eef4fa}\n"
          "td.l,th.l{text-align:left}pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:80%}\n"
          "figure{margin:1.5em 0}figure svg{max-width:100%;height:auto}\n"
          ".q{background:#fff8dc;padding:.8em;border-left:4px solid #E69F00}\n"
          "</style></head><body>\n<h1>tailback report</h1>\n"
          "<p>Every number below was produced by tailback from the results named in each section; "
          "the manifest at the end of a section says how to reproduce it.</p>\n", f);
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

static void figures_inline(FILE *f, const char *dir)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort); /* sorted: the same page every time */
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        size_t len = strlen(name);
        if (len > 4 && strcmp(name + len - 4, ".svg") == 0) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            char *svg = tb_read_file(path, NULL);
            char *start = svg ? strstr(svg, "<svg") : NULL;
            if (start) {
                fprintf(f, "<figure>\n%s\n<figcaption>", start);
                esc(f, name);
                fputs("</figcaption></figure>\n", f);
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
        fprintf(f, "</b>: about %.4g arrivals/s", c->arr.mean_rate);
        if (c->arr.kind == TB_ARR_POISSON && c->arr.nstates > 1)
            fputs(" (bursty: Markov-modulated)", f);
        sim_time s0, s1;
        if (tb_arrival_surge_span(&c->arr, &s0, &s1))
            fprintf(f, ", with a surge from %.6g s to %.6g s", sim_seconds(s0, m->tps), sim_seconds(s1, m->tps));
        if (c->route) {
            fputs("; route ", f);
            for (int k = 0; k < c->nroute; k++) {
                fputs(k ? " &rarr; " : "", f);
                esc(f, m->nodes[c->route[k]].name);
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
        if (nd->unloaded > 0)
            fprintf(f, nd->kind == TB_NODE_BATCH ? ", unloaded delay %.4g s (half an interval plus service)"
                                                 : ", mean service %.4g s",
                    nd->unloaded / m->tps);
        if (nd->capacity >= 0)
            fprintf(f, ", room for %lld jobs", nd->capacity);
        if (nd->policy) {
            fputs(", policy ", f);
            esc(f, nd->policy->shown);
        }
        fputs("</li>\n", f);
    }
    fprintf(f, "</ul>\n<p>%d link%s; simulated %.6g s after a %.6g s warm-up.</p>\n", m->nlinks,
            m->nlinks == 1 ? "" : "s", sim_seconds(m->duration - m->warmup, m->tps), sim_seconds(m->warmup, m->tps));
}

static int run_section(FILE *f, const char *dir, cJSON *doc, const char *figures, char *err, size_t n)
{
    const cJSON *man = cJSON_GetObjectItemCaseSensitive(doc, "manifest");
    const cJSON *scen = cJSON_GetObjectItemCaseSensitive(man, "scenario");
    fputs("<h2>Run: ", f);
    esc(f, cJSON_IsString(scen) ? scen->valuestring : dir);
    fputs("</h2>\n", f);
    /* the question and the words, from the scenario with the run's overrides */
    tb_scenario sc;
    sim_jctx c = { 0 };
    if (cJSON_IsString(scen) && tb_scenario_load(&sc, scen->valuestring, &c) == 0) {
        const cJSON *ov = cJSON_GetObjectItemCaseSensitive(man, "overrides");
        for (const cJSON *it = ov ? ov->child : NULL; it; it = it->next)
            if (cJSON_IsString(it))
                tb_scenario_set(&sc, it->valuestring, &c);
        const cJSON *comment = cJSON_GetObjectItemCaseSensitive(sc.root, "comment");
        if (cJSON_IsString(comment)) {
            fputs("<p class=\"q\">", f);
            esc(f, comment->valuestring);
            fputs("</p>\n", f);
        }
        tb_model *m = tb_scenario_build(&sc, &c);
        if (m && tb_model_prepare(m, &sim_evq_heap) == 0)
            scenario_words(f, m);
        tb_model_free(m);
        tb_scenario_free(&sc);
    } else {
        fputs("<p>(The scenario file is not readable here; the tables come from the results.)</p>\n", f);
    }
    fputs("<h3>Classes</h3>\n<table><tr><th class=\"l\">class</th><th>throughput /s</th><th>mean sojourn s</th>"
          "<th>p50</th><th>p99</th><th>p99.9</th><th>drops</th><th>rejections</th><th>goodput /s</th></tr>\n", f);
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(doc, "classes");
    for (const cJSON *c2 = cls ? cls->child : NULL; c2; c2 = c2->next) {
        const cJSON *so = cJSON_GetObjectItemCaseSensitive(c2, "sojourn");
        fputs("<tr><td class=\"l\">", f);
        esc(f, c2->string);
        fprintf(f, "</td><td>%.4g</td><td>%.4g</td><td>%.4g</td><td>%.4g</td><td>%.4g</td><td>%.0f</td><td>%.0f</td>",
                num(c2, "throughput"), num(so, "mean"), num(so, "p50"), num(so, "p99"), num(so, "p999"),
                num(c2, "drops"), num(c2, "rejections"));
        cell(f, 4, num(c2, "goodput_rate"));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<h3>Nodes</h3>\n<table><tr><th class=\"l\">node</th><th class=\"l\">kind</th>"
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
    fputs("<h3>Figures</h3>\n", f);
    figures_inline(f, figures);
    char *pretty = cJSON_Print(man);
    fputs("<h3>Manifest</h3>\n<pre>", f);
    esc(f, pretty);
    fputs("</pre>\n", f);
    free(pretty);
    (void)err;
    (void)n;
    return 0;
}

static void csv_table(FILE *f, const char *path, int skip_cols)
{
    char *text = tb_read_file(path, NULL);
    if (!text)
        return;
    fputs("<table>\n", f);
    int row = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), row++) {
        fputs("<tr>", f);
        int col = 0;
        for (char *cell = line;; col++) {
            char *end = strchr(cell, ',');
            if (end)
                *end = 0;
            if (col >= skip_cols) {
                char *e2;
                double v = strtod(cell, &e2);
                fputs(row ? "<td" : "<th", f);
                if (row && (*e2 || e2 == cell)) /* text cells align left */
                    fputs(" class=\"l\"", f);
                fputs(">", f);
                if (row && !*e2 && e2 != cell && strchr(cell, '.'))
                    fprintf(f, "%.5g", v);
                else
                    esc(f, cell);
                fputs(row ? "</td>" : "</th>", f);
            }
            if (!end)
                break;
            cell = end + 1;
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    free(text);
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
    const cJSON *scen = cJSON_GetObjectItemCaseSensitive(man, "scenario");
    fprintf(f, "<p>Scenario <code>");
    esc(f, cJSON_IsString(scen) ? scen->valuestring : "?");
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
    fputs("</p>\n<h3>Results (95% Student-t intervals over replications)</h3>\n", f);
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    csv_table(f, path, 1);
    snprintf(path, sizeof path, "%s/comparisons.csv", dir);
    if (tb_is_file(path)) {
        fputs("<h3>Paired comparisons against the first alternative</h3>\n", f);
        csv_table(f, path, 0);
    }
    fputs("<h3>Figures</h3>\n", f);
    figures_inline(f, figures);
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
