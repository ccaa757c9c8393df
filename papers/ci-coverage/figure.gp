# figure.gp - coverage of nominal 95% intervals, per estimator and run length, with 95% Wilson intervals.
# usage: gnuplot -e "data='data.csv'; outfile='coverage.png'; style='plots/style.gp'" figure.gp
height = 560
load style
set output outfile
set title 'M/M/1 at load 0.8, 10 replications per set: how often the 95% interval covers the true value'
set datafile separator ','
set ylabel 'coverage (fraction of sets, 95% Wilson interval)'
set yrange [0.6:1.0]
set xrange [-0.5:3.5]
set key outside right top
set grid y
set xtics ('mean' 0, 'p99 pooled' 1, 'p99 averaged' 2, 'p99 all requests' 3) noenhanced
set arrow from -0.5,0.95 to 3.5,0.95 nohead dt 2 lc rgb '#000000'
set object rect from -0.5,0.92 to 3.5,0.98 fc rgb '#dddddd' fs solid 0.4 noborder behind
idx(s) = (s eq 'mean (t)') ? 0 : (s eq 'p99 pooled (CDF inversion on the square-root scale)') ? 1 : (s eq 'p99 averaged over replications') ? 2 : 3
plot data using (idx(strcol(2)) - 0.12):($1 < 10000 ? $7 : 1/0):8:9 with yerrorbars pt 7 ps 1.2 lw 2 lc rgb C[1] title 'about 3600 completions per replication', \
     data using (idx(strcol(2)) + 0.12):($1 > 10000 ? $7 : 1/0):8:9 with yerrorbars pt 5 ps 1.2 lw 2 lc rgb C[2] title 'about 36000 completions per replication'
