# heatmap.gp - congestion across nodes over time: nodes x time, colour = queue length.
# The picture of pressure spreading from node to node, or staying put.
#
# Inputs (set with -e):
#   datafile  path to timeseries.csv (as for timeseries.gp)
#   outfile   file to write (default: heatmap.png); term png, svg or pdf
#   name      optional: what was simulated, for the title
# Colour is log10(1 + mean jobs waiting in the window); a node marked hot in
# a window (column `hot`) is outlined.
if (!exists("datafile")) datafile = 'timeseries.csv'
if (!exists("outfile")) outfile = 'heatmap.png'
load (exists("plotdir") ? plotdir : system("dirname " . ARG0)) . '/style.gp'
set output outfile
set title 'Congestion: jobs waiting per node over time (log scale)' . (exists("name") ? ': ' . name : '')
set xlabel 'simulated time (s)'
set ylabel 'node'
set cblabel 'log10(1 + jobs waiting)'
set palette defined (0 '#ffffff', 1 '#56B4E9', 2 '#0072B2', 3 '#E69F00', 4 '#D55E00')
nodes = system(sprintf("awk -F, 'NR==2 {t=$1} NR>1 && $1==t {printf \"%%s \", $2}' '%s'", datafile))
n = words(nodes)
set yrange [0.5:n + 0.5]
set ytics 1
do for [i=1:n] { set ytics add (word(nodes, i) i) }
set key off
set grid noxtics noytics
# rows as "time index value": the node's position in the list is its row
rows = sprintf("< awk -F, 'NR==2 {t=$1} NR>1 && $1==t && !($2 in id) {id[$2]=++k} NR>1 {print $1, id[$2], log(1+$3)/log(10), $9}' '%s'", datafile)
width = system(sprintf("awk -F, 'NR==2 {a=$1} NR>2 && $1!=a {print $1-a; exit}' '%s'", datafile)) + 0
set datafile separator whitespace
plot rows using ($1 - width/2):2:(width/2):(0.5):3 with boxxyerror fs solid 1.0 noborder lc palette title 'jobs waiting', \
     rows using ($4 > 0 ? $1 - width/2 : NaN):2:(width/2):(0.5) with boxxyerror fs empty border lc rgb '#000000' lw 0.5 title 'hot'
