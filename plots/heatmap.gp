# heatmap.gp - congestion across nodes over time: nodes x time, colour = queue length.
# The picture of pressure spreading from node to node, or staying put.
#
# tailback plot reads the run's timeseries.csv and writes what this reads:
#   data-h1.dat  one row per node and window: window end (s), node position
#                1..n (n at the top), log10(1 + mean jobs waiting), 1 if the
#                node was hot in the window
#   n, T[n]      how many nodes, and their names, bottom first; width: the
#                window (s); route_order: 1 when the nodes are in the order
#                requests meet them (the classes' routes in turn, first at
#                the top), 0 when the scenario could not be read
#   xmax         the run's end (s): the time axis covers the run exactly
#   cbmax        the colour scale's top (never 0: an empty range is a warning)
#   warmup, surge_start, surge_end  optional: the warm-up is shaded grey,
#                the surge outlined (both drawn over the cells)
#   outfile, term, height, plotdir, name (optional)
# A node marked hot in a window is outlined.
load plotdir . '/style.gp'
set output outfile
set datafile separator whitespace
set title 'Congestion: jobs waiting per node over time (log scale)' . (exists("name") ? ': ' . name : '')
set xlabel 'simulated time (s)'
set ylabel (exists("route_order") && route_order ? 'node (in route order, the first at the top)' : 'node')
set cblabel 'log10(1 + jobs waiting)'
set palette defined (0 '#ffffff', 1 '#56B4E9', 2 '#0072B2', 3 '#E69F00', 4 '#D55E00')
set yrange [0.5:n + 0.5]
if (exists("xmax")) { set xrange [0:xmax] }
if (exists("cbmax")) { set cbrange [0:cbmax] }
set ytics ()
do for [i=1:n] { set ytics add (T[i] i) }
set key off
set grid noxtics noytics
if (exists("warmup")) {
    set object 1 rect from 0, graph 0 to warmup, graph 1 front fc rgb '#808080' fs transparent solid 0.35 noborder
    set label 1 'warm-up' at warmup, graph 1 offset -0.5, 0.6 right front textcolor rgb '#555555'
}
if (exists("surge_start")) {
    set object 2 rect from surge_start, graph 0 to surge_end, graph 1 front fs empty border lc rgb '#000000' dt 2 lw 2
    set label 2 'surge' at surge_start, graph 1 offset 0.5, 0.6 front textcolor rgb '#000000'
}
set label 3 'outlined: a window in which the node was hot' at screen 0.99, screen 0.02 right font ',9' textcolor rgb '#555555'
rows = sprintf('%s-h1.dat', data)
plot rows using ($1 - width/2):2:(width/2):(0.5):3 with boxxyerror fs solid 1.0 noborder lc palette title 'jobs waiting', \
     rows using ($4 > 0 ? $1 - width/2 : NaN):2:(width/2):(0.5) with boxxyerror fs empty border lc rgb '#000000' lw 0.5 title 'hot'
