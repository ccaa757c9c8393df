# timeseries.gp - queue length per node over time, from a run's timeseries.csv.
#
# Inputs (set with -e):
#   datafile  path to timeseries.csv (columns: time_s,node,queue_length,in_node,
#             busy,arrivals,completions,drops; one row per node per window)
#   outfile   PNG to write (default: queues.png beside the data)
# Run by hand:
#   gnuplot -e "datafile='results/demo/timeseries.csv'; outfile='q.png'" plots/timeseries.gp
if (!exists("datafile")) datafile = 'timeseries.csv'
if (!exists("outfile")) outfile = 'queues.png'

set datafile separator ','
set terminal pngcairo size 1000,560 font 'sans,11' noenhanced
set output outfile
set title 'Mean queue length per node, per window'
set xlabel 'simulated time (s)'
set ylabel 'jobs waiting (time-averaged)'
set key outside right top
set grid
# Okabe-Ito colour-blind-safe palette
array C[8] = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000']

# Node names from the first window (rows until the time column changes).
nodes = system(sprintf("awk -F, 'NR==2 {t=$1} NR>1 && $1==t {printf \"%%s \", $2}' '%s'", datafile))
plot for [i=1:words(nodes)] datafile using 1:(strcol(2) eq word(nodes, i) ? $3 : NaN) \
     with lines lw 2 lc rgb C[(i - 1) % 8 + 1] title word(nodes, i)
