# comparison.gp - each policy against the baseline: the paired difference per
# metric with its 95% interval, from a sweep's comparisons.csv.
#
# Inputs (set with -e):
#   datafile  path to comparisons.csv (...,policy,baseline,metric,n,difference,
#             paired_ci95_halfwidth,unpaired_ci95_halfwidth,variance_reduction)
#   outfile   file to write (default: comparison.png); term png, svg or pdf
#   name      optional title suffix
# Bars: paired difference; thick error bars: paired interval; thin grey ones:
# what an unpaired comparison of the same runs would allow.
if (!exists("datafile")) datafile = 'comparisons.csv'
if (!exists("outfile")) outfile = 'comparison.png'
load (exists("plotdir") ? plotdir : system("dirname " . ARG0)) . '/style.gp'
set output outfile
set title 'Policy minus baseline (paired by replication)' . (exists("name") ? ': ' . name : '')
set ylabel 'difference (metric units)'
set style fill solid 0.6 noborder
set boxwidth 0.6
set xtics rotate by -25 noenhanced
set key below
set yrange [*<0:0<*]
set xzeroaxis lt -1
pcol = int(system(sprintf("head -1 '%s' | tr ',' '\\n' | grep -n '^policy$' | cut -d: -f1", datafile)))
plot datafile using 0:(column(pcol+4)):xtic(sprintf("%s: %s", strcol(pcol), strcol(pcol+2))) every ::1 with boxes lc rgb C[1] title 'paired difference', \
     '' using 0:(column(pcol+4)):(column(pcol+6)) every ::1 with yerrorbars pt 0 lw 1 lc rgb '#999999' title 'unpaired 95% interval', \
     '' using 0:(column(pcol+4)):(column(pcol+5)) every ::1 with yerrorbars pt 0 lw 3 lc rgb '#000000' title 'paired 95% interval'
