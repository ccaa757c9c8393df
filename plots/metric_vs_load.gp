# metric_vs_load.gp - any metric against the varied parameter, one line per
# policy with its 95% interval as error bars (throughput, goodput, drops...).
#
# tailback plot reads the sweep's summary.csv and writes what this reads:
#   data-a<i>.dat  policy i: x, estimate, 95% low, 95% high, censored, clipped
#                  (the interval cut at the end of the metric's range: 1 low,
#                  2 high, 3 both; marked with a triangle there)
#   n, T[n]        how many policies, and their names; ylabel (the metric's
#                  name and unit), xlabel; yscale (100 for a share in %), has_clip
#   has_theory1; data-t1.dat (x, theory) and theory1 (its title), when the
#                  experiment gives a theory for the metric
#   nx, X[nx]      optional: the x values are categories 1..nx with these names
#   outfile, term, height, plotdir, name (optional)
load plotdir . '/style.gp'
set output outfile
set datafile separator whitespace
set title ylabel . (exists("name") ? ': ' . name : '')
set xlabel xlabel
set ylabel ylabel
set key top left inside
if (exists("nx")) { set xtics (); do for [i=1:nx] { set xtics add (X[i] i) }; set xrange [0.5:nx + 0.5] }
A(i) = sprintf('%s-a%d.dat', data, i)
t1 = sprintf('%s-t1.dat', data)
# the command names only this file's variables: no text from the results is evaluated
ys = exists("yscale") ? yscale : 1
cmd = "plot for [i=1:n] A(i) using 1:($2 * ys):($3 * ys):($4 * ys) with yerrorlines lw 2 pt 7 lc rgb col(i) dt dash(i) title T[i], " . \
      "for [i=1:n] A(i) using 1:(clip_lo($6) ? $3 * ys : 1/0) with points pt 11 ps 1.5 lc rgb col(i) notitle, " . \
      "for [i=1:n] A(i) using 1:(clip_hi($6) ? $4 * ys : 1/0) with points pt 9 ps 1.5 lc rgb col(i) notitle"
if (exists("has_clip") && has_clip) cmd = cmd . ", 1/0 with points pt 11 ps 1.5 lc rgb '#555555' title 'interval clipped at the end of the range'"
if (has_theory1) cmd = cmd . ", t1 using 1:2 with lines dt 2 lw 2 lc rgb '#000000' title theory1"
eval(cmd)
