#!/bin/sh
# run.sh - regenerate the seed paper's numbers: the P0-P7 x S1-S4 sweep, tables, hypotheses, figures.
# usage: sh run.sh TAILBACK OUTDIR [quick]
# Writes OUTDIR/{sweep/,data.csv,table-*.md,hypotheses.md,findings.md,*.png}.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tb=$1 out=$2 mode=${3:-full}
. "$here/../lib.sh"
paper_sweep "$tb" "$here" "$out" "$mode"

# data.csv: surge,policy,metric,n,mean,lo,hi,censored — fields counted from
# the end of summary.csv's rows (..., policy, metric, n, mean, sd, ci95_low,
# ci95_high, estimator, censored, note), since the varied values (JSON)
# hold commas; notes never do.
NPOL=$(awk -F, 'NR > 1 { p[$(NF - 9)] = 1 } END { print length(p) }' "$out/sweep/summary.csv")
awk -F, -v npol="$NPOL" 'NR > 1 {
    s = "S" (int($1 / npol) + 1)
    printf "%s,%s,%s,%s,%s,%s,%s,%s\n", s, $(NF - 9), $(NF - 8), $(NF - 7), $(NF - 6), $(NF - 4), $(NF - 3), $(NF - 1)
}' "$out/sweep/summary.csv" > "$out/data.csv"
# paired.csv: surge,policy,metric,n,difference from P0,paired half-width
# (..., policy, baseline, metric, n, difference, paired, unpaired, reduction, note)
awk -F, '/^S[1234] / { s = substr($0, 1, 2)
    printf "%s,%s,%s,%s,%s,%s\n", s, $(NF - 8), $(NF - 6), $(NF - 5), $(NF - 4), $(NF - 3) }' \
    "$out/sweep/comparisons.csv" > "$out/paired.csv"

# table TITLE_ROW METRIC:FORMAT...: one row per (surge, policy), mean +- half-width per metric
table() {
  awk -F, -v cols="$*" '
  BEGIN { nc = split(cols, c, " ") }
  FNR == 1 { }
  { key = $1 SUBSEP $2; if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
    m[key, $3] = $5; h[key, $3] = ($4 > 1 && $6 != "") ? ($7 - $6) / 2 : -1; n[key, $3] = $4; cz[key, $3] = $8 }
  END {
    for (i = 1; i <= nk; i++) {
      split(keys[i], kp, SUBSEP); line = "| " kp[1] " | " kp[2] " |"
      for (j = 1; j <= nc; j++) {
        split(c[j], mf, ":"); k = keys[i] SUBSEP mf[1]
        pc = index(mf[1], ".shares.") || index(mf[1], "success_share")
        if (!(k in m) || n[k] == 0) cell = "n/a"
        else if (cz[k] == 1) cell = ">= " sprintf(mf[2], m[k]) " (censored)"
        else if (pc) cell = sprintf("%.1f%%", 100 * m[k])
        else if (mf[1] == "network.recovered") cell = sprintf("%d/%d", m[k] * n[k] + 0.5, n[k])
        else if (h[k] < 0) cell = sprintf(mf[2], m[k]) " (1 run)"
        else cell = sprintf(mf[2] " +- " mf[2], m[k], h[k])
        if (mf[1] == "network.recovery_time" && n[k] > 0) cell = cell " (" n[k] " runs)"
        line = line " " cell " |"
      }
      print line
    }
  }' "$out/data.csv"
}
{
  echo "| surge | policy | blast radius | succeeded during the surge, transfers | succeeded during the surge, AI | isolation, transfers | isolation, AI | recovered | recovery time, s |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  table network.blast_radius:%.2f classes.transfer.surge.success_share_during:%.3f classes.ai.surge.success_share_during:%.3f \
        classes.transfer.surge.isolation:%.2f classes.ai.surge.isolation:%.2f \
        network.recovered:%d network.recovery_time:%.0f
} > "$out/table-containment.md"
{
  echo "| surge | policy | T succeeded | T failed | T rejected | T dropped | A succeeded | A failed | A rejected | A dropped | goodput T /s | goodput A /s | p99 T, all requests, s | p99 A, all requests, s | wasted work T, s | wasted work A, s |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  table classes.transfer.shares.success:%.3f classes.transfer.shares.failed:%.3f classes.transfer.shares.rejected:%.3f \
        classes.transfer.shares.dropped:%.3f classes.ai.shares.success:%.3f classes.ai.shares.failed:%.3f \
        classes.ai.shares.rejected:%.3f classes.ai.shares.dropped:%.3f \
        classes.transfer.goodput_rate:%.1f classes.ai.goodput_rate:%.2f classes.transfer.latency.p99:%.1f \
        classes.ai.latency.p99:%.0f classes.transfer.wasted_work:%.0f classes.ai.wasted_work:%.0f
} > "$out/table-work.md"
{
  echo "| surge | policy | fee decile 1 (lowest) | 2 | 5 | 9 | 10 (highest) |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
  table classes.transfer.confirmation_by_fee.d1.mean:%.1f classes.transfer.confirmation_by_fee.d2.mean:%.1f \
        classes.transfer.confirmation_by_fee.d5.mean:%.1f classes.transfer.confirmation_by_fee.d9.mean:%.1f \
        classes.transfer.confirmation_by_fee.d10.mean:%.1f
} > "$out/table-fees.md"

sh "$here/hypotheses.sh" "$out" > "$out/hypotheses.md"

# the congestion heatmaps: replication 0 of P0, P2 and P3 under S2, each run
# alone (a sweep keeps no time series) with the command --show-run prints
for p in 0 2 3; do
  i=$((NPOL + p)) # configuration S2 x policy p, replication 0
  cmd=$("$tb" sweep "$exp" --show-run $i)
  eval "\"\$tb\" ${cmd#tailback } --out \"\$out/heat-P$p\" --quiet" >&2
done
gnuplot -e "outfile='$out/heatmaps.png'; style='$here/../../plots/style.gp'; d0='$out/heat-P0/timeseries.csv'; d2='$out/heat-P2/timeseries.csv'; d3='$out/heat-P3/timeseries.csv'" "$here/heatmaps.gp"
gnuplot -e "data='$out/data.csv'; outfile='$out/isolation-recovery.png'; style='$here/../../plots/style.gp'" "$here/figure.gp"

reps=$(awk -F, 'NR > 1 && $(NF - 8) == "network.blast_radius" { print $(NF - 7); exit }' "$out/sweep/summary.csv")
printf -- "- Run: \`make papers%s\`, %d replications per (policy, surge) (its CPU time: run-times.md in the output folder).\n" \
  "$([ "$mode" = quick ] && echo ' QUICK=1')" "$reps" > "$out/findings.md"
