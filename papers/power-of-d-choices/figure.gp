# figure.gp - mean time in system against load (d = 1, 2, 3, 5, JSQ, JIQ) and the finite-n excess over the limit.
# usage: gnuplot -e "data='data.csv'; outfile='mean-time.png'; style='plots/style.gp'" figure.gp
# data.csv rows (lambda, policy, mean, ci95_low, ci95_high, T_d, refined) come
# in load order with the six policies in turn: every 6th row is one policy.
height = 950
load style
set output outfile
set multiplot layout 2,1 title 'Power of d choices, n = 100 exponential servers (points: simulation, 95% CI)'
set xrange [0.47:1.0]
set key left top inside
pol = 'd=1 d=2 d=3 d=5 JSQ JIQ'
Td(d, l) = (d == 1) ? 1 / (1 - l) : sum [i = 1:60] l**((d**i - d) / (d - 1.0))
set samples 400
set title 'Mean time in system; lines: the n -> infinity limit T_d (Mitzenmacher), x: refined mean field for n = 100'
set ylabel 'mean time in system (service times)'
set logscale y
set yrange [0.9:120]
plot \
  for [k = 1:6] data every 6::(k - 1) using ($1 + (k - 3.5) * 0.002):3:4:5 with yerrorbars pt (k <= 4 ? 7 : k + 1) ps 0.8 \
      lc rgb C[k] title word(pol, k), \
  for [k = 1:4] Td(word('1 2 3 5', k) + 0, x) with lines lw 1.5 lc rgb C[k] notitle, \
  for [k = 2:4] data every 6::(k - 1) using 1:7 with points pt 2 ps 1.2 lc rgb C[k] notitle
unset logscale y
set title 'How far n = 100 is from the limit: (simulated / T_d - 1), with the refined prediction (dashed)'
set ylabel 'excess over T_d (%)'
set xlabel 'load lambda (arrival rate per server)'
set yrange [-2:*]
plot \
  for [k = 2:4] data every 6::(k - 1) using ($1 + (k - 3) * 0.002):(100 * ($3 / $6 - 1)):(100 * ($4 / $6 - 1)):(100 * ($5 / $6 - 1)) \
      with yerrorbars pt 7 ps 0.8 lc rgb C[k] title word(pol, k) . ' simulated', \
  for [k = 2:4] data every 6::(k - 1) using 1:(100 * ($7 / $6 - 1)) with lines dt 2 lw 1.5 lc rgb C[k] title word(pol, k) . ' refined', \
  0 with lines lc rgb '#888888' notitle
unset multiplot
