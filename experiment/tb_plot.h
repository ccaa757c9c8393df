/* tb_plot.h - figures of a results folder, drawn by gnuplot from data tailback prepares itself. */
#ifndef TB_PLOT_H
#define TB_PLOT_H

/*
 * A results folder may be someone else's: its CSV files, manifest, names
 * and theory expressions are data, never code.  tailback reads them (RFC
 * 4180 CSV, JSON), evaluates theory expressions itself (tb_expr), and
 * writes plain numeric series into a private temporary directory with a
 * settings file in which every string is a single-quoted gnuplot literal
 * (quotes doubled, control characters replaced); the templates in plots/
 * read only those.  No template calls system() or opens a pipe.
 */
typedef struct tb_plot_opts {
    const char *formats; /* "png", "svg", "pdf", comma-separated */
    const char *out;     /* where figures go; NULL: DIR/plots */
    const char *keep;    /* keep the prepared data and settings here (to rerun gnuplot by hand); NULL: none */
    int quiet;           /* no summary line on stdout */
    const char *who;     /* the command named in messages; NULL: "tailback plot" */
} tb_plot_opts;

/* Draw every figure that applies to the run or sweep in `dir`.  Returns an
 * exit status: 0, 1 (a figure failed, or gnuplot is missing: a message on
 * stderr says which), 2 (nothing to draw, or bad options). */
int tb_plot_dir(const char *dir, const tb_plot_opts *o);

#endif
