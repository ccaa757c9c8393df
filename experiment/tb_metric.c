/* tb_metric.c - the table of metric names, units, ranges and preferred directions shared by the verdict, the report and the figures. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "tb_metric.h"

/* "p999" -> "p99.9", "p50" -> "p50": the digits after the first two are decimals. */
static int percentile_name(const char *s, char *buf, size_t n)
{
    size_t len = strlen(s);
    if (len < 2 || s[0] != 'p' || strspn(s + 1, "0123456789") != len - 1)
        return 0;
    if (len <= 3)
        snprintf(buf, n, "%s", s);
    else
        snprintf(buf, n, "p%.2s.%s", s + 1, s + 3);
    return 1;
}

typedef struct entry {
    const char *rest; /* the path after the owner */
    const char *what;
    const char *unit;
    double scale;
    int prefer;
    double hi; /* the range's top (lo is 0 throughout) */
} entry;

static const entry fixed[] = {
    { "shares.success", "success share", "%", 100, +1, 1 },
    { "shares.succeeded", "success share", "%", 100, +1, 1 },
    { "shares.failed", "failed share", "%", 100, -1, 1 },
    { "shares.rejected", "rejected share", "%", 100, -1, 1 },
    { "shares.dropped", "dropped share", "%", 100, -1, 1 },
    { "shares.abandoned", "abandoned share", "%", 100, -1, 1 },
    { "shares.late", "late share (succeeded after the SLO)", "%", 100, -1, 1 },
    { "shares.in_flight", "share still in flight at the end", "%", 100, -1, 1 },
    { "offered_rate", "offered load", "/s", 1, 0, INFINITY },
    { "goodput_rate", "goodput", "/s", 1, +1, INFINITY },
    { "throughput", "throughput", "/s", 1, +1, INFINITY },
    { "utilisation", "utilisation", "%", 100, 0, 1 },
    { "mean_queue_length", "mean queue length", "jobs", 1, -1, INFINITY },
    { "drops", "drops", "", 1, -1, INFINITY },
    { "recovered", "share of runs that recovered", "%", 100, +1, 1 },
    { "recovery_time", "recovery time after the surge", "s", 1, -1, INFINITY },
    { "blast_radius", "blast radius (largest share of nodes hot at once)", "%", 100, -1, 1 },
    { "mean_spread", "mean spread (share of nodes hot)", "%", 100, -1, 1 },
    { "mser5_warmup", "MSER-5 warm-up", "s", 1, 0, INFINITY },
    { "fork.extra_load", "copies per request (fan-out and hedges)", "", 1, -1, INFINITY },
    { "fork.wasted_work", "work on cancelled copies", "s", 1, -1, INFINITY },
    { "fork.tail_amplification", "tail amplification (p99 of the join / p99 of a copy)", "x", 1, -1, INFINITY },
    { "shares.lost", "lost share (did not succeed)", "%", 100, -1, 1 },
};

/* Statistics of a time: "sojourn.p99", "wait.mean", "latency.p50" ... */
static const struct {
    const char *prefix, *name;
} timed[] = {
    { "latency.", "latency, all requests" },
    { "sojourn.", "sojourn, succeeded" },
    { "wait.", "wait" },
    { "service.", "service time" },
    { "response.", "response time" },
    { "join.", "fork-to-join time" },
};

void tb_metric_describe(const char *path, const char *prefer, tb_metric_info *mi)
{
    memset(mi, 0, sizeof *mi);
    mi->unit = "";
    mi->scale = 1;
    mi->lo = -INFINITY;
    mi->hi = INFINITY;
    const char *rest = path;
    if (strncmp(path, "classes.", 8) == 0 || strncmp(path, "nodes.", 6) == 0) {
        const char *o = strchr(path, '.') + 1, *dot = strchr(o, '.');
        if (dot) {
            snprintf(mi->owner, sizeof mi->owner, "%.*s", (int)(dot - o), o);
            rest = dot + 1;
        }
    } else if (strncmp(path, "network.", 8) == 0) {
        rest = path + 8;
    } else if (strncmp(path, "run.", 4) == 0) {
        rest = path + 4;
    }
    int known = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed && !known; i++)
        if (strcmp(rest, fixed[i].rest) == 0) {
            snprintf(mi->what, sizeof mi->what, "%s", fixed[i].what);
            mi->unit = fixed[i].unit;
            mi->scale = fixed[i].scale;
            mi->prefer = fixed[i].prefer;
            mi->lo = 0;
            mi->hi = fixed[i].hi;
            known = 1;
        }
    for (size_t i = 0; i < sizeof timed / sizeof *timed && !known; i++) {
        size_t pl = strlen(timed[i].prefix);
        if (strncmp(rest, timed[i].prefix, pl) != 0)
            continue;
        const char *stat = rest + pl;
        char pn[32];
        if (strcmp(stat, "mean") == 0)
            snprintf(mi->what, sizeof mi->what, "mean %s", timed[i].name);
        else if (percentile_name(stat, pn, sizeof pn))
            snprintf(mi->what, sizeof mi->what, "%s %s", pn, timed[i].name);
        else if (strcmp(stat, "max") == 0 || strcmp(stat, "min") == 0 || strcmp(stat, "sd") == 0)
            snprintf(mi->what, sizeof mi->what, "%s of %s", stat, timed[i].name);
        else
            break;
        mi->unit = "s";
        mi->lo = 0;
        mi->prefer = strcmp(timed[i].prefix, "service.") ? -1 : 0;
        mi->survivor = strcmp(timed[i].prefix, "sojourn.") == 0;
        known = 1;
    }
    if (!known && strncmp(rest, "slowdown.", 9) == 0) {
        char pn[32];
        const char *stat = rest + 9;
        if (strcmp(stat, "mean") == 0 || percentile_name(stat, pn, sizeof pn)) {
            snprintf(mi->what, sizeof mi->what, "%s slowdown (sojourn / size)", strcmp(stat, "mean") ? pn : "mean");
            mi->unit = "x";
            mi->lo = 0;
            mi->prefer = -1;
            mi->survivor = 1;
            known = 1;
        }
    }
    if (!known) { /* not in the table: the path is its own name */
        mi->owner[0] = 0;
        snprintf(mi->what, sizeof mi->what, "%s", path);
    }
    if (mi->owner[0])
        snprintf(mi->label, sizeof mi->label, "%s: %s", mi->owner, mi->what);
    else
        snprintf(mi->label, sizeof mi->label, "%s", mi->what);
    if (prefer)
        mi->prefer = strcmp(prefer, "lower") == 0 ? -1 : strcmp(prefer, "higher") == 0 ? 1 : 0;
}

void tb_metric_axis(const tb_metric_info *mi, char *buf, size_t n)
{
    if (mi->unit[0])
        snprintf(buf, n, "%s (%s)", mi->label, mi->unit);
    else
        snprintf(buf, n, "%s", mi->label);
}
