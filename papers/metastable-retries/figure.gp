# figure.gp - fraction of replications that never recover, and recovery time, against spike length.
# usage: gnuplot -e "data='data.csv'; outfile='never-recovered.png'; style='plots/style.gp'" figure.gp
height = 800
load style
set output outfile
set multiplot layout 2,1 title 'M/M/1 at load 0.8, 0.5 s client timeout, up to 3 retries: a 2x spike of growing length'
set logscale x
set xrange [0.2:80]
set key outside right top
name(k) = (k == 1) ? 'naive retries' : (k == 2) ? 'retry budget' : (k == 3) ? 'drop stale' : 'bounded queue + backoff'
set ylabel 'never recovered (fraction, 95% CI)'
set yrange [-0.05:1.05]
# data.csv has the four policies in turn for each spike length: every 4th row is one policy
plot for [k = 1:4] data every 4::(k - 1) using ($1 * (1 + (k - 2.5) * 0.03)):3:4:5 \
     with yerrorlines pt 7 ps 0.8 lw 1.5 lc rgb C[k] title name(k)
set xlabel 'spike length (s)'
set title 'recovery time over the runs that recovered only (naive retries from 2 s on: none did, no point drawn)' font ',10'
set ylabel 'recovery time (s, recovered runs)'
set yrange [0:*]
plot for [k = 1:4] data every 4::(k - 1) using ($1 * (1 + (k - 2.5) * 0.03)):(strcol(6) ne '' ? $6 : 1/0):($7 < 0 ? 0 : $7):8 \
     with yerrorlines pt 7 ps 0.8 lw 1.5 lc rgb C[k] title name(k)
unset multiplot
