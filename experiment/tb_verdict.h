/* tb_verdict.h - a sweep's verdict: metrics x alternatives with intervals in units, the best marked, paired differences, one sentence per metric; as HTML and as text. */
#ifndef TB_VERDICT_H
#define TB_VERDICT_H

#include <stdio.h>

/*
 * Read from a finished sweep's folder (summary.csv, comparisons.csv and
 * the experiment embedded in manifest.json), never from the runs: the
 * verdict says what the CSV files say, rounded to the precision their
 * intervals allow.
 *
 * Per point of what varies, a table of the metrics (rows: failures and
 * success first, then latency, then the rest) by the alternatives
 * (columns), each cell the estimate with its 95% interval; the best per
 * metric marked in the direction the metric prefers (tb_metric.h, or the
 * experiment's "prefer"); the theory value and the deviation where the
 * experiment gives a theory; then a sentence per metric that has a
 * direction.  Outcome shares that are zero for every alternative are left
 * out of the table and named in one line instead.
 */

/* The verdict as HTML (tables and a list of sentences), then the paired
 * differences.  0, or -1 when summary.csv cannot be read. */
int tb_verdict_html(FILE *f, const char *dir);

/* The verdict as plain text for a terminal (no paired table).  0, or -1. */
int tb_verdict_text(FILE *f, const char *dir);

/* The paired differences of comparisons.csv as HTML: the baseline (or
 * every pair), difference and interval in units, whether it is
 * significant at 95%, and the variance reduction of common random
 * numbers.  0, or -1 when there is no comparisons.csv. */
int tb_verdict_paired_html(FILE *f, const char *dir);

#endif
