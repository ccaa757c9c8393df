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

#endif
