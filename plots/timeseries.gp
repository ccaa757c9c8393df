# timeseries.gp - queue length per node over time, from a run's timeseries.csv.
#
# Inputs (set with -e):
#   datafile  path to timeseries.csv (columns: time_s,node,queue_length,in_node,
#             busy,arrivals,completions,drops,hot; one row per node per window)
#   outfile   file to write (default: queues.png)
#   term      png (default), svg or pdf
#   warmup    optional: end of the warm-up (s), drawn as a dashed line
#   surge_start, surge_end  optional: the surge period (s), shaded
#   name      optional: what was simulated, for the title
# Two panels: jobs waiting, and busy workers (both time-averaged per window).
# Run by hand:
#   gnuplot -e "datafile='results/demo/timeseries.csv'; outfile='q.png'" plots/timeseries.gp
if (!exists("datafile")) datafile = 'timeseries.csv'
if (!exists("outfile")) outfile = 'queues.png'
load (exists("plotdir") ? plotdir : system("dirname " . ARG0)) . '/style.gp'
set output outfile
if (exists("warmup")) {
    set arrow 1 from warmup, graph 0 to warmup, graph 1 nohead dt 2 lc rgb '#555555'
    set label 1 'end of warm-up' at warmup, graph 0.95 offset 0.5, 0 textcolor rgb '#555555'
}
if (exists("surge_start")) {
    set object 1 rect from surge_start, graph 0 to surge_end, graph 1 behind fc rgb '#F0E442' fs transparent solid 0.25 noborder
    set label 2 'surge' at surge_start, graph 0.88 offset 0.5, 0 textcolor rgb '#8a7d00'
}
# Node names from the first window (rows until the time column changes).
nodes = system(sprintf("awk -F, 'NR==2 {t=$1} NR>1 && $1==t {printf \"%%s \", $2}' '%s'", datafile))
# One series per node, filtered by awk (a computed NaN would break the lines).
series(n) = sprintf("< awk -F, '$2 == \"%s\"' '%s'", n, datafile)
set lmargin 12
set rmargin 16
set multiplot layout 2,1 title 'Per node, per window' . (exists("name") ? ': ' . name : '')
set ylabel 'jobs waiting (time-averaged)'
unset xlabel
plot for [i=1:words(nodes)] series(word(nodes, i)) using 1:3 \
     with lines lw 2 lc rgb C[(i - 1) % 8 + 1] title word(nodes, i)
set xlabel 'simulated time (s)'
set ylabel 'busy workers (time-averaged)'
unset label 1
unset label 2
plot for [i=1:words(nodes)] series(word(nodes, i)) using 1:5 \
     with lines lw 2 lc rgb C[(i - 1) % 8 + 1] notitle
unset multiplot
