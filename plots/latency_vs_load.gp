# latency_vs_load.gp - the hockey stick: mean and p99 latency against offered
# load, one line per policy, 95% confidence bands, from a sweep's summary.csv.
#
# Inputs (set with -e):
#   datafile  path to summary.csv (config,<varied...>,policy,metric,n,mean,sd,ci95_low,ci95_high);
#             the first varied parameter is the x axis
#   mean_metric, p99_metric  the metric names to draw (e.g. classes.jobs.sojourn.mean,
#             or classes.jobs.latency.p50 and .p99: over all requests)
#   mean_label, p99_label  how the legend names them (default mean, p99)
# A censored estimate (a percentile among requests that did not succeed: a
# lower bound) is drawn as an upward triangle.
#   xlabel    label of the x axis (default: the varied parameter)
#   theory    optional gnuplot expression in x for the mean, drawn dashed
#             (M/M/1 with mu = 1: theory='1/(1-x)')
#   outfile   file to write (default: latency_vs_load.png); term png, svg or pdf
#   name      optional: what was simulated, for the title
if (!exists("datafile")) datafile = 'summary.csv'
if (!exists("outfile")) outfile = 'latency_vs_load.png'
load (exists("plotdir") ? plotdir : system("dirname " . ARG0)) . '/style.gp'
set output outfile
if (!exists("xlabel")) xlabel = system(sprintf("head -1 '%s' | cut -d, -f2", datafile))
set title 'Latency against load' . (exists("name") ? ': ' . name : '')
set xlabel xlabel
set ylabel 'sojourn time (s, log scale)'
set logscale y
set key top left inside
# the policy column is the one just before "metric"
pcol = int(system(sprintf("head -1 '%s' | tr ',' '\\n' | grep -n '^metric$' | cut -d: -f1", datafile))) - 1
policies = system(sprintf("awk -F, -v c=%d 'NR>1 && !($c in s) {s[$c]=1; printf \"%%s \", $c}' '%s'", pcol, datafile))
# x, estimate, interval (the estimate where there is none), censored (1: a
# lower bound); rows without an estimate (null: nothing measured) are left out
rows(m, p) = sprintf("< awk -F, -v c=%d '$(c+1) == \"%s\" && $c == \"%s\" && $(c+3) != \"\" {gsub(/\"/, \"\", $2); lo = $(c+5) == \"\" ? $(c+3) : $(c+5); hi = ($(c+6) == \"\" || $(c+6) == \"inf\") ? $(c+3) : $(c+6); print $2, $(c+3), lo, hi, ($(c+8) == 1)}' '%s'", pcol, m, p, datafile)
set datafile separator whitespace
if (!exists("mean_label")) mean_label = 'mean'
if (!exists("p99_label")) p99_label = 'p99'
# the theory curve, when given (a function defined either way, so the plot
# line below never names an undefined variable)
f(x) = 1/0; theory_title = ''
if (exists("theory")) { eval('f(x) = ' . theory); theory_title = 'theory: ' . theory }
censored_title = 'censored: at least this'
plot for [i=1:words(policies)] rows(p99_metric, word(policies, i)) using 1:3:4 with filledcurves fs transparent solid 0.15 noborder lc rgb C[(i - 1) % 8 + 1] notitle, \
     for [i=1:words(policies)] rows(mean_metric, word(policies, i)) using 1:3:4 with filledcurves fs transparent solid 0.25 noborder lc rgb C[(i - 1) % 8 + 1] notitle, \
     for [i=1:words(policies)] rows(mean_metric, word(policies, i)) using 1:2 with linespoints lw 2 pt 7 lc rgb C[(i - 1) % 8 + 1] title word(policies, i) . ' ' . mean_label, \
     for [i=1:words(policies)] rows(p99_metric, word(policies, i)) using 1:2 with linespoints lw 2 pt 5 dt 3 lc rgb C[(i - 1) % 8 + 1] title word(policies, i) . ' ' . p99_label, \
     for [i=1:words(policies)] rows(p99_metric, word(policies, i)) using 1:($5 > 0.5 ? $2 : 1/0) with points pt 9 ps 2 lc rgb C[(i - 1) % 8 + 1] notitle, \
     for [i=1:words(policies)] rows(mean_metric, word(policies, i)) using 1:($5 > 0.5 ? $2 : 1/0) with points pt 9 ps 2 lc rgb C[(i - 1) % 8 + 1] notitle, \
     1/0 with points pt 9 ps 2 lc rgb '#000000' title censored_title, \
     f(x) with lines dt 2 lw 2 lc rgb '#000000' title theory_title
