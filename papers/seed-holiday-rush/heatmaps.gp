# heatmaps.gp - congestion heatmaps of P0, P2 and P3 under the same surge (S2), side by side.
# usage: gnuplot -e "outfile='heatmaps.png'; style='plots/style.gp'; d0='...'; d2='...'; d3='...'" heatmaps.gp
# Each panel: nodes x time, colour log10(1 + jobs waiting); x marks a window
# in which the node was hot.  The surge (transfers x2) runs 1200-1800 s.
height = 620
load style
set terminal pngcairo size 1500,height font 'sans,11' noenhanced
set output outfile
set palette defined (0 '#ffffff', 1 '#56B4E9', 2 '#0072B2', 3 '#E69F00', 4 '#D55E00')
set cbrange [0:4]
set key off
set grid noxtics noytics
set xrange [300:3600]
set xtics 600
files = d0 . ' ' . d2 . ' ' . d3
names = 'P0 shared FIFO|P2 shared-class credits|P3 per-class DRR + credits'
set multiplot layout 1,3 title 'Holiday rush (S2: transfers x2 from 1200 s to 1800 s, ramps of 60 s), replication 0: jobs waiting per node (log10(1 + n)); x = hot'
do for [k = 1:3] {
  f = word(files, k)
  nodes = system(sprintf("awk -F, 'NR==2 {t=$1} NR>1 && $1==t {printf \"%%s \", $2}' '%s'", f))
  n = words(nodes)
  set yrange [0.5:n + 0.5]
  set ytics 1
  do for [i = 1:n] { set ytics add (word(nodes, i) i) }
  set title system(sprintf("echo '%s' | cut -d'|' -f%d", names, k))
  set xlabel 'simulated time (s)'
  if (k < 3) { unset colorbox } else { set colorbox }
  rows = sprintf("< awk -F, 'NR==2 {t=$1} NR>1 && $1==t && !($2 in id) {id[$2]=++k} NR>1 {print $1, id[$2], log(1+$3)/log(10), $9}' '%s'", f)
  width = system(sprintf("awk -F, 'NR==2 {a=$1} NR>2 && $1!=a {print $1-a; exit}' '%s'", f)) + 0
  set datafile separator whitespace
  plot rows using ($1 - width/2):2:(width/2):(0.5):3 with boxxyerror fs solid 1.0 noborder lc palette, \
       rows using 1:($4 > 0 ? $2 : 1/0) with points pt 1 ps 0.35 lc rgb '#000000'
  set datafile separator ','
}
unset multiplot
