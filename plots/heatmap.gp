# heatmap.gp - congestion across nodes over time: nodes x time, colour = queue length.
# The picture of pressure spreading from node to node, or staying put.
#
# tailback plot reads the run's timeseries.csv and writes what this reads:
#   data-h1.dat  one row per node and window: time (s), node position 1..n,
#                log10(1 + mean jobs waiting), 1 if the node was hot in the window
#   n, T[n]      how many nodes, and their names; width  the window (s)
#   outfile, term, height, plotdir, name (optional)
# A node marked hot in a window is outlined.
load plotdir . '/style.gp'
set output outfile
set datafile separator whitespace
set title 'Congestion: jobs waiting per node over time (log scale)' . (exists("name") ? ': ' . name : '')
set xlabel 'simulated time (s)'
set ylabel 'node'
set cblabel 'log10(1 + jobs waiting)'
set palette defined (0 '#ffffff', 1 '#56B4E9', 2 '#0072B2', 3 '#E69F00', 4 '#D55E00')
set yrange [0.5:n + 0.5]
set ytics ()
do for [i=1:n] { set ytics add (T[i] i) }
set key off
set grid noxtics noytics
rows = sprintf('%s-h1.dat', data)
plot rows using ($1 - width/2):2:(width/2):(0.5):3 with boxxyerror fs solid 1.0 noborder lc palette title 'jobs waiting', \
     rows using ($4 > 0 ? $1 - width/2 : NaN):2:(width/2):(0.5) with boxxyerror fs empty border lc rgb '#000000' lw 0.5 title 'hot'
