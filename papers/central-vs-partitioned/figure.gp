# figure.gp - p99 latency against load: one central queue against sixteen partitioned ones, per service law.
# usage: gnuplot -e "data='figure.dat'; outfile='OUT.png'" figure.gp   (run.sh writes figure.dat and calls it)
#   figure.dat: six blocks (central exp, partitioned exp, central det,
#   partitioned det, central bimodal, partitioned bimodal) of
#   rho p99 p99_low p99_high exact (NaN where none)
set terminal pngcairo size 1000,620 font 'sans,11' noenhanced
set output outfile
set title 'p99 latency, 16 servers: one central FCFS queue (solid) against 16 partitioned FCFS queues (dashed)'
set xlabel 'load per server'
set ylabel 'p99 latency, all requests (mean service times, log scale)'
set logscale y
set xrange [0:1]
set key top left inside
set grid lc rgb '#dddddd'
set arrow 1 from 0, 10 to 1, 10 nohead dt 3 lc rgb '#555555'
set label 1 'SLO: 10 mean service times' at 0.02, 8.8 textcolor rgb '#555555'
set yrange [0.8:*]
plot data index 0 using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb '#0072B2' title 'central, exponential', \
     data index 1 using 1:2:3:4 with yerrorlines lw 2 pt 7 dt 2 lc rgb '#0072B2' title 'partitioned, exponential', \
     data index 2 using 1:2:3:4 with yerrorlines lw 2 pt 5 lc rgb '#009E73' title 'central, deterministic', \
     data index 3 using 1:2:3:4 with yerrorlines lw 2 pt 5 dt 2 lc rgb '#009E73' title 'partitioned, deterministic', \
     data index 4 using 1:2:3:4 with yerrorlines lw 2 pt 9 lc rgb '#D55E00' title 'central, bimodal', \
     data index 5 using 1:2:3:4 with yerrorlines lw 2 pt 9 dt 2 lc rgb '#D55E00' title 'partitioned, bimodal', \
     data index 0 using 1:5 with lines lw 1 lc rgb '#000000' title 'exact, M/M/16', \
     data index 1 using 1:5 with lines lw 1 dt 2 lc rgb '#000000' title 'exact, 16 x M/M/1'
