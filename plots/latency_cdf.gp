# latency_cdf.gp - the distribution of end-to-end latency per class, from latency.csv.
#
# Inputs (set with -e):
#   datafile  path to latency.csv (class,quantile,seconds)
#   outfile   file to write (default: latency_cdf.png); term png, svg or pdf
#   name      optional: what was simulated, for the title
# A log time axis; markers at the 50th, 90th and 99th percentiles.
if (!exists("datafile")) datafile = 'latency.csv'
if (!exists("outfile")) outfile = 'latency_cdf.png'
load (exists("plotdir") ? plotdir : system("dirname " . ARG0)) . '/style.gp'
set output outfile
set title 'Latency distribution per class' . (exists("name") ? ': ' . name : '')
set xlabel 'sojourn time, creation to completion (s, log scale)'
set ylabel 'fraction of jobs completed within'
set logscale x
set yrange [0:1]
set key bottom right inside
classes = system(sprintf("awk -F, 'NR>1 && !($1 in s) {s[$1]=1; printf \"%%s \", $1}' '%s'", datafile))
series(c) = sprintf("< awk -F, '$1 == \"%s\"' '%s'", c, datafile)
marks(c) = sprintf("< awk -F, '$1 == \"%s\" && ($2 == 0.5 || $2 == 0.9 || $2 == 0.99)' '%s'", c, datafile)
plot for [i=1:words(classes)] series(word(classes, i)) using 3:2 with lines lw 2 lc rgb C[(i - 1) % 8 + 1] title word(classes, i), \
     for [i=1:words(classes)] marks(word(classes, i)) using 3:2 with points pt 7 ps 1.2 lc rgb C[(i - 1) % 8 + 1] \
         title word(classes, i) . ' p50, p90, p99'
