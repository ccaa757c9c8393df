# timeseries.gp - queue length per node over time, from a run's timeseries.csv.
#
# Inputs (set with -e):
#   datafile  path to timeseries.csv (columns: time_s,node,queue_length,in_node,
#             busy,arrivals,completions,drops,hot; one row per node per window)
#   outfile   file to write (default: queues.png)
#   term      png (default), svg or pdf
#   warmup    optional: end of the warm-up (s), drawn as a dashed line
#   name      optional: what was simulated, for the title
# Run by hand:
#   gnuplot -e "datafile='results/demo/timeseries.csv'; outfile='q.png'" plots/timeseries.gp
if (!exists("datafile")) datafile = 'timeseries.csv'
if (!exists("outfile")) outfile = 'queues.png'
load (exists("plotdir") ? plotdir : system("dirname " . ARG0)) . '/style.gp'
set output outfile
set title 'Mean queue length per node, per window' . (exists("name") ? ': ' . name : '')
set xlabel 'simulated time (s)'
set ylabel 'jobs waiting (time-averaged)'
if (exists("warmup")) {
    set arrow from warmup, graph 0 to warmup, graph 1 nohead dt 2 lc rgb '#555555'
    set label 'end of warm-up' at warmup, graph 0.97 offset 0.5, 0 textcolor rgb '#555555'
}
# Node names from the first window (rows until the time column changes).
nodes = system(sprintf("awk -F, 'NR==2 {t=$1} NR>1 && $1==t {printf \"%%s \", $2}' '%s'", datafile))
# One series per node, filtered by awk (a computed NaN would break the lines).
series(n) = sprintf("< awk -F, '$2 == \"%s\"' '%s'", n, datafile)
plot for [i=1:words(nodes)] series(word(nodes, i)) using 1:3 \
     with lines lw 2 lc rgb C[(i - 1) % 8 + 1] title word(nodes, i)
