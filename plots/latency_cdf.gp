# latency_cdf.gp - the distribution of end-to-end latency per class, from a run's latency.csv.
#
# tailback plot reads the CSV and writes what this template reads:
#   data-s<i>.dat  class i: seconds, fraction completed within (the quantiles)
#   data-m<i>.dat  the same at the 50th, 90th and 99th percentiles (markers)
#   n, T[n]        how many classes, and their names
#   outfile, term, height, plotdir, name (optional)
# A log time axis.
load plotdir . '/style.gp'
set output outfile
set datafile separator whitespace
set title 'Latency distribution per class' . (exists("name") ? ': ' . name : '')
set xlabel 'sojourn time, creation to completion (s, log scale)'
set ylabel 'fraction of jobs completed within'
set logscale x
set yrange [0:1]
set key bottom right inside
series(i) = sprintf('%s-s%d.dat', data, i)
marks(i) = sprintf('%s-m%d.dat', data, i)
plot for [i=1:n] series(i) using 1:2 with lines lw 2 lc rgb col(i) dt dash(i) title T[i], \
     for [i=1:n] marks(i) using 1:2 with points pt 7 ps 1.2 lc rgb col(i) title T[i] . ' p50, p90, p99'
