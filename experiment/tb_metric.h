/* tb_metric.h - what a metric path of summary.json means to a reader: its name, unit, range and which way is better. */
#ifndef TB_METRIC_H
#define TB_METRIC_H

#include <stddef.h>

/*
 * One table for every place a metric is shown (the verdict, the report's
 * tables, the figures' axes), so that a metric has one name and one unit
 * everywhere.  Paths are those of summary.json: classes.C.latency.p99,
 * classes.C.shares.failed, nodes.N.utilisation, network.recovery_time ...
 * A path the table does not know keeps its path as its name, no unit and
 * no preferred direction.
 */
typedef struct tb_metric_info {
    char label[300];  /* "jobs: p99 latency, all requests" */
    char what[160];   /* the same without the owner: "p99 latency, all requests" */
    char owner[96];   /* "jobs", "server", "" for network and run metrics */
    const char *unit; /* "s", "/s", "%", "jobs", "x" (a ratio), or "" */
    double scale;     /* shown as value * scale (100 for shares shown in %) */
    int prefer;       /* -1 lower is better, +1 higher, 0 neither */
    double lo, hi;    /* the metric's range (lo = 0 for counts and times, [0, 1] for shares) */
    int survivor;     /* over the succeeded requests only (sojourn, slowdown): a design that fails
                       * most requests can look best by it */
} tb_metric_info;

/* Describe `path`.  `prefer` overrides the direction when it is "lower",
 * "higher" or "none" (an experiment's "prefer"); NULL keeps the table's. */
void tb_metric_describe(const char *path, const char *prefer, tb_metric_info *mi);

/* The axis label for a figure: "p99 latency, all requests (s)". */
void tb_metric_axis(const tb_metric_info *mi, char *buf, size_t n);

#endif
