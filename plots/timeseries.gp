# timeseries.gp - queue length per node over time, from a run's timeseries.csv.
#
# tailback plot reads the CSV and writes what this template reads (strings
# as quoted literals, numbers as plain columns; nothing here runs a command):
#   data-s<i>.dat  node i: time (s), jobs waiting, busy workers (time-averaged per window)
#   n, T[n]        how many nodes, and their names
#   ymax1, ymax2   the panels' tops (never 0: an empty range is a warning)
#   xmax           optional: the run's end (s); few: 1 when there are so few
#                  windows that lines alone would not show (points too)
#   warmup         optional: end of the warm-up (s), drawn as a dashed line
#   surge_start, surge_end  optional: the surge period (s), shaded
#   outfile, term, height, plotdir, name (optional: what was simulated)
# To restyle: tailback plot DIR --keep-data D, edit a copy of this file,
# then gnuplot D/01-timeseries.gp mycopy.gp
load plotdir . '/style.gp'
set output outfile
set datafile separator whitespace
if (exists("warmup")) {
    set arrow 1 from warmup, graph 0 to warmup, graph 1 nohead dt 2 lc rgb '#555555'
    set label 1 'end of warm-up' at warmup, graph 0.95 offset 0.5, 0 textcolor rgb '#555555'
}
if (exists("surge_start")) {
    set object 1 rect from surge_start, graph 0 to surge_end, graph 1 behind fc rgb '#F0E442' fs transparent solid 0.25 noborder
    set label 2 'surge' at surge_start, graph 0.88 offset 0.5, 0 textcolor rgb '#8a7d00'
}
file(i) = sprintf('%s-s%d.dat', data, i)
if (exists("xmax")) { set xrange [0:xmax] }
sty = (exists("few") && few) ? 'linespoints pt 7' : 'lines'
set lmargin 12
set rmargin 16
set multiplot layout 2,1 title 'Per node, per window' . (exists("name") ? ': ' . name : '')
set ylabel 'jobs waiting (time-averaged)'
unset xlabel
set yrange [0:ymax1]
plot for [i=1:n] file(i) using 1:2 with @sty lw 2 lc rgb col(i) dt dash(i) title T[i]
set xlabel 'simulated time (s)'
set ylabel 'busy workers (time-averaged)'
unset label 1
unset label 2
set yrange [0:ymax2]
plot for [i=1:n] file(i) using 1:3 with @sty lw 2 lc rgb col(i) dt dash(i) notitle
unset multiplot
