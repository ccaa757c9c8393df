# figure.gp - isolation and recovery time by policy, for the three surges and the control.
# usage: gnuplot -e "data='data.csv'; outfile='isolation-recovery.png'; style='plots/style.gp'" figure.gp
# data.csv rows: surge,policy,metric,n,mean,ci95_low,ci95_high.
height = 900
load style
set terminal pngcairo size 1100,height font 'sans,11' noenhanced
set output outfile
set multiplot layout 2,1 title 'Seed scenario: policies P0-P7 under surges S1-S3 and the control S4 (mean over replications, 95% CI)'
pol = 'P0 P1 P2 P3 P4 P5 P6a P6b P7'
set xrange [0.5:9.5]
set xtics () ; do for [i = 1:9] { set xtics add (word(pol, i) i) }
idx(p) = (strstrt(pol, substr(p, 1, strstrt(p, ' ') - 1) . ' ') > 0) ? \
         words(substr(pol, 1, strstrt(pol, substr(p, 1, strstrt(p, ' ') - 1) . ' '))) : 9
set key outside right top
set logscale y
set yrange [0.3:200]
set ylabel 'isolation: p99 during / before the surge'
set title 'Isolation of the class that did not surge (1 = untouched)'
plot data using (idx(strcol(2)) - 0.1):(strcol(1) eq 'S1' && strcol(3) eq 'classes.transfer.surge.isolation' ? $5 : 1/0):($6 < 0.3 ? 0.3 : $6):7 \
       with yerrorbars pt 7 lc rgb C[1] title 'transfers, S1 (AI rush)', \
     data using (idx(strcol(2)) + 0.1):(strcol(1) eq 'S2' && strcol(3) eq 'classes.ai.surge.isolation' ? $5 : 1/0):($6 < 0.3 ? 0.3 : $6):7 \
       with yerrorbars pt 5 lc rgb C[2] title 'AI jobs, S2 (holiday rush)', \
     1 with lines dt 2 lc rgb '#888888' notitle
unset logscale y
set ylabel 'recovery time (s)'
set yrange [0:2000]
set title 'Recovery time after the surge (recovered runs); open circle at the top: some runs never recovered'
plot for [s = 1:4] data using (idx(strcol(2)) + (s - 2.5) * 0.15):(strcol(1) eq 'S' . s && strcol(3) eq 'network.recovery_time' && $4 > 0 ? $5 : 1/0):($6 < 0 ? 0 : $6):($7 > 2000 ? 2000 : $7) \
       with yerrorbars pt 7 lc rgb C[s + 2] title word('S1_AI_rush S2_holiday_rush S3_both+retries S4_both,_no_retries', s), \
     for [s = 1:4] data using (idx(strcol(2)) + (s - 2.5) * 0.15):(strcol(1) eq 'S' . s && strcol(3) eq 'network.recovered' && $5 < 1 ? 1900 : 1/0) \
       with points pt 6 ps 1.5 lc rgb C[s + 2] notitle
unset multiplot
