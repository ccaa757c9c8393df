# comparison.gp - each policy against the baseline: the paired difference per
# metric with its 95% interval, from a sweep's comparisons.csv.
#
# tailback plot reads the CSV and writes what this template reads:
#   data-c1.dat  one row per comparison: position (n-1 at the top, 0 at the
#                bottom), paired difference, paired 95% half-width, unpaired
#                95% half-width
#   n, L[n]      how many, and their labels, top first ("policy: metric",
#                after the varied values)
#   outfile, term, height (grown with n), plotdir, name (optional)
# Bars: paired difference; thick error bars: paired interval; thin grey ones:
# what an unpaired comparison of the same runs would allow.  The differences
# are in each metric's own units.
load plotdir . '/style.gp'
set output outfile
set datafile separator whitespace
set title 'Policy minus baseline (paired by replication)' . (exists("name") ? ': ' . name : '') offset screen -0.2, 0
set xlabel 'difference (metric units)'
set style fill solid 0.6 noborder
set ytics () noenhanced
do for [i=1:n] { set ytics add (L[i] n - i) }
set yrange [-0.6:n - 0.4]
set xrange [*<0:0<*]
# the legend as a subtitle: the labels leave the plot too narrow for a key
unset key
set label 1 'bar: paired difference;  thick: its 95% interval;  thin grey: an unpaired interval from the same runs' at screen 0.5, screen 0.02 center font ',10'
set bmargin 5
set grid noytics
set arrow 1 from 0, graph 0 to 0, graph 1 nohead lt -1
rows = sprintf('%s-c1.dat', data)
plot rows using ($2 / 2):1:($2 < 0 ? $2 : 0):($2 < 0 ? 0 : $2):($1 - 0.3):($1 + 0.3) with boxxyerror lc rgb C[1] notitle, \
     rows using 2:1:4 with xerrorbars pt 0 lw 1 lc rgb '#999999' notitle, \
     rows using 2:1:3 with xerrorbars pt 0 lw 3 lc rgb '#000000' notitle
