# latency_vs_load.gp - the hockey stick: a central latency (mean, or p50 over
# all requests) and the p99 against the varied parameter, one line per
# policy, 95% bands, theory dashed when the experiment gives it.
#
# tailback plot reads the sweep's summary.csv and writes what this reads:
#   data-a<i>.dat, data-b<i>.dat  policy i, centre and p99: x, estimate, 95%
#             low, 95% high, censored (1: a percentile among requests that
#             did not succeed, a lower bound: drawn as an upward triangle)
#   n, T[n]   how many policies, and their names
#   mean_label, p99_label, xlabel; has_b (0: no p99 series), ncens (censored
#             points), lowclip (an interval clipped at 0: its band ends at
#             half the estimate on the log axis, marked with a down triangle)
#   has_theory1, has_theory2; data-t1.dat, data-t2.dat (x, theory) and
#             theory1, theory2 (their titles): the experiment's expressions,
#             evaluated by tailback
#   nx, X[nx] optional: the x values are categories 1..nx with these names
#   outfile, term, height, plotdir, name (optional)
load plotdir . '/style.gp'
set output outfile
set datafile separator whitespace
set title 'Latency against load' . (exists("name") ? ': ' . name : '')
set xlabel xlabel
set ylabel 'sojourn time (s, log scale)'
set logscale y
set key top left inside
if (exists("nx")) { set xtics (); do for [i=1:nx] { set xtics add (X[i] i) }; set xrange [0.5:nx + 0.5] }
A(i) = sprintf('%s-a%d.dat', data, i)
B(i) = sprintf('%s-b%d.dat', data, i)
t1 = sprintf('%s-t1.dat', data)
t2 = sprintf('%s-t2.dat', data)
censored_title = 'censored: at least this'
# on the log axis a band's lower end at 0 (an interval clipped there by
# tailback plot) is drawn at half the estimate, marked with a down triangle
LO(e, l) = l > 0 ? l : e / 2
p99dash(i) = dash(i) == 1 ? 3 : dash(i) + 3
hb = exists("has_b") ? has_b : 1
# the command names only this file's variables: no text from the results is
# evaluated (an element is added only when its files hold points: gnuplot
# warns about an empty one)
cmd = "plot for [i=1:n] A(i) using 1:(LO($2, $3)):4 with filledcurves fs transparent solid 0.25 noborder lc rgb col(i) notitle"
if (hb) cmd = cmd . ", for [i=1:n] B(i) using 1:(LO($2, $3)):4 with filledcurves fs transparent solid 0.15 noborder lc rgb col(i) notitle"
if (exists("lowclip") && lowclip) cmd = cmd . ", for [i=1:n] A(i) using 1:($3 > 0 ? 1/0 : $2 / 2) with points pt 11 ps 1.2 lc rgb col(i) notitle"
if (exists("lowclip") && lowclip && hb) cmd = cmd . ", for [i=1:n] B(i) using 1:($3 > 0 ? 1/0 : $2 / 2) with points pt 11 ps 1.2 lc rgb col(i) notitle"
cmd = cmd . ", for [i=1:n] A(i) using 1:2 with linespoints lw 2 pt 7 lc rgb col(i) dt dash(i) title T[i] . ' ' . mean_label"
if (hb) cmd = cmd . ", for [i=1:n] B(i) using 1:2 with linespoints lw 2 pt 5 lc rgb col(i) dt p99dash(i) title T[i] . ' ' . p99_label"
if (exists("ncens") && ncens > 0) cmd = cmd . ", for [i=1:n] A(i) using 1:($5 > 0.5 ? $2 : 1/0) with points pt 9 ps 2 lc rgb col(i) notitle"
if (exists("ncens") && ncens > 0 && hb) cmd = cmd . ", for [i=1:n] B(i) using 1:($5 > 0.5 ? $2 : 1/0) with points pt 9 ps 2 lc rgb col(i) notitle"
if (exists("ncens") && ncens > 0) cmd = cmd . ", 1/0 with points pt 9 ps 2 lc rgb '#000000' title censored_title"
if (has_theory1) cmd = cmd . ", t1 using 1:2 with lines dt 2 lw 2 lc rgb '#000000' title theory1"
if (has_theory2) cmd = cmd . ", t2 using 1:2 with lines dt 4 lw 2 lc rgb '#555555' title theory2"
eval(cmd)
