/* tb_report.h - self-contained HTML design-review reports from run and sweep results. */
#ifndef TB_REPORT_H
#define TB_REPORT_H

#include <stdio.h>

/* The page head and foot (inline CSS, nothing fetched from anywhere). */
void tb_report_begin(FILE *f);
void tb_report_end(FILE *f);

/* One section for a results directory (a run's or a sweep's): the question,
 * the scenario or experiment in words, summary tables with intervals, every
 * SVG figure found in `figures` inlined, and the reproducibility manifest.
 * 0, or -1 with err. */
int tb_report_section(FILE *f, const char *dir, const char *figures, char *err, size_t n);

/* The whole report for dirs[0..n) into the file `out` (written at once:
 * nothing half-written), with each directory's SVG figures made in
 * DIR/report-figures.  An exit status: 0; 2 when a directory cannot be
 * reported (bad input: err says which and why); 1 when `out` cannot be
 * written (err says why) or the figures failed (tailback plot's message
 * is printed, err is empty). */
int tb_report_write(const char *const *dirs, int n, const char *out, char *err, size_t errlen);

#endif
