# comparison.gp - paired differences between alternatives, one panel per
# metric with its own axis and units (small multiples), from comparisons.csv.
#
# tailback plot reads the CSV and writes what this template reads:
#   data-cK.dat  panel K's rows: position (n-1 at the top, 0 at the bottom),
#                paired difference, paired 95% half-width, unpaired 95%
#                half-width
#   np, P[np]    how many panels, and their titles (metric and unit)
#   XL[np], XH[np]  each panel's x range (0 and every interval inside)
#   n, L[n]      how many rows per panel, and their labels, top first
#                ("alternative - baseline", after the varied values)
#   outfile, term, height (grown with np and n), plotdir, name (optional)
# Bars: paired difference; thick black error bars: its 95% interval; thin
# grey ones: what an unpaired comparison of the same runs would allow.
load plotdir . '/style.gp'
set output outfile
set datafile separator whitespace
set style fill solid 0.6 noborder
unset key
set grid noytics
set ytics () noenhanced
do for [i=1:n] { set ytics add (L[i] n - i) }
set yrange [-0.6:n - 0.4]
set lmargin at screen lm
set rmargin at screen 0.97
set multiplot layout np,1 title 'Paired differences (replication by replication)' . (exists("name") ? ': ' . name : '') . \
    "\nbar: the paired difference;  thick: its 95% interval;  thin grey: an unpaired interval from the same runs" font ',11'
do for [k=1:np] {
    set title P[k] font ',11'
    set xrange [XL[k]:XH[k]]
    set arrow 1 from 0, graph 0 to 0, graph 1 nohead lt -1
    rows = sprintf('%s-c%d.dat', data, k)
    plot rows using ($2 / 2):1:($2 < 0 ? $2 : 0):($2 < 0 ? 0 : $2):($1 - 0.3):($1 + 0.3) with boxxyerror lc rgb C[1] notitle, \
         rows using 2:1:4 with xerrorbars pt 0 lw 1 lc rgb '#999999' notitle, \
         rows using 2:1:3 with xerrorbars pt 0 lw 3 lc rgb '#000000' notitle
}
unset multiplot
