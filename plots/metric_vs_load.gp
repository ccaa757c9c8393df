# metric_vs_load.gp - any metric against the varied parameter, one line per
# policy with its 95% interval as error bars (throughput, goodput, drops...).
#
# Inputs (set with -e):
#   datafile  path to a sweep's summary.csv; metric  the metric to draw
#   ylabel    label of the y axis (default: the metric)
#   outfile   file to write; term png, svg or pdf; name  optional title suffix
if (!exists("datafile")) datafile = 'summary.csv'
if (!exists("outfile")) outfile = 'metric_vs_load.png'
load (exists("plotdir") ? plotdir : system("dirname " . ARG0)) . '/style.gp'
set output outfile
if (!exists("ylabel")) ylabel = metric
set title ylabel . (exists("name") ? ': ' . name : '')
set xlabel system(sprintf("head -1 '%s' | cut -d, -f2", datafile))
set ylabel ylabel
set key top left inside
pcol = int(system(sprintf("head -1 '%s' | tr ',' '\\n' | grep -n '^metric$' | cut -d: -f1", datafile))) - 1
policies = system(sprintf("awk -F, -v c=%d 'NR>1 && !($c in s) {s[$c]=1; printf \"%%s \", $c}' '%s'", pcol, datafile))
# x, estimate, interval (the estimate where there is none), censored (1: a
# lower bound); rows without an estimate (null: nothing measured) are left out
rows(m, p) = sprintf("< awk -F, -v c=%d '$(c+1) == \"%s\" && $c == \"%s\" && $(c+3) != \"\" {gsub(/\"/, \"\", $2); lo = $(c+5) == \"\" ? $(c+3) : $(c+5); hi = ($(c+6) == \"\" || $(c+6) == \"inf\") ? $(c+3) : $(c+6); print $2, $(c+3), lo, hi, ($(c+8) == 1)}' '%s'", pcol, m, p, datafile)
set datafile separator whitespace
plot for [i=1:words(policies)] rows(metric, word(policies, i)) using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb C[(i - 1) % 8 + 1] title word(policies, i)
