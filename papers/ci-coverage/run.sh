#!/bin/sh
# run.sh - regenerate the ci-coverage paper's numbers: the sweep, the coverage table, findings and figure.
# usage: [ESTIMATORS=build/ci-estimators] sh run.sh TAILBACK OUTDIR [quick]
# Writes OUTDIR/{sweep/,data.csv,table.md,estimators.csv,table-estimators.md,findings.md,coverage.png}.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tb=$1 out=$2 mode=${3:-full}
. "$here/../lib.sh"
paper_sweep "$tb" "$here" "$out" "$mode"

# The truth: M/M/1, lambda 0.8, mu 1: mean sojourn 5 s, p99 ln(100)/0.2 s.
# data.csv: length,estimator,covered,sets,low,high,cov,lo,hi  -- per run
# length and estimator, how many of the sets' 95% intervals covered the
# truth (misses below and above) and the coverage with its 95% Wilson
# score interval.  "averaged" is the mean of the replications' own p99s
# with its t interval (t(0.975, 9) = 2.262157), computed here from
# runs.csv: the estimator tailback used before pooling.
awk -F, -v mean=5 -v p99="$(awk 'BEGIN { printf "%.9f", log(100) / 0.2 }')" '
function add(len, est, lo, hi, truth) {
    key = len SUBSEP est; if (!(key in n)) { keys[++nk] = key }
    n[key]++
    if (hi < truth) low[key]++; else if (lo > truth) high[key]++; else cov[key]++
}
FILENAME ~ /summary.csv$/ && FNR > 1 {
    gsub(/"/, ""); len = $3 - 500
    if ($5 == "classes.c.sojourn.mean") add(len, "mean (t)", $9, $10, mean)
    if ($5 == "classes.c.sojourn.p99") add(len, "p99 pooled (CDF inversion on the square-root scale)", $9, $10, p99)
    if ($5 == "classes.c.latency.p99") add(len, "p99 of all requests pooled", $9, $10, p99)
}
FILENAME ~ /runs.csv$/ && FNR == 1 { for (i = 1; i <= NF; i++) if ($i == "classes.c.sojourn.p99") c = i }
FILENAME ~ /runs.csv$/ && FNR > 1 {
    gsub(/"/, ""); k = $5 SUBSEP $6; s[k] += $c; ss[k] += $c * $c; m[k]++
    if (!(k in seen)) { seen[k] = 1; sets[++ns] = k }
}
END {
    for (i = 1; i <= ns; i++) {
        k = sets[i]; split(k, f, SUBSEP); x = s[k] / m[k]; sd = sqrt((ss[k] - m[k] * x * x) / (m[k] - 1))
        h = 2.262157 * sd / sqrt(m[k]); add(f[2] - 500, "p99 averaged over replications", x - h, x + h, p99)
    }
    z = 1.959964
    for (i = 1; i <= nk; i++) {
        key = keys[i]; split(key, f, SUBSEP); N = n[key]; p = cov[key] / N
        c = (p + z * z / (2 * N)) / (1 + z * z / N); w = z * sqrt(p * (1 - p) / N + z * z / (4 * N * N)) / (1 + z * z / N)
        printf "%d,%s,%d,%d,%d,%d,%.4f,%.4f,%.4f\n", f[1], f[2], cov[key], N, low[key], high[key], p, c - w, c + w
    }
}' "$out/sweep/summary.csv" "$out/sweep/runs.csv" | sort -t, -k1,1n -k2,2 > "$out/data.csv"

{
  echo "| run length after warm-up | completions per replication | estimator | covered | coverage (95% Wilson interval) | misses below / above |"
  echo "| ---: | ---: | --- | ---: | ---: | ---: |"
  awk -F, '{ printf "| %d s | about %d | %s | %d of %d | %.3f (%.3f-%.3f) | %d / %d |\n", $1, $1 * 0.8, $2, $3, $4, $7, $8, $9, $5, $6 }' "$out/data.csv"
} > "$out/table.md"

# Every candidate interval on the same runs, in-process (estimators.c):
# 1000 sets at each length (quick: 200).
est=${ESTIMATORS:-build/ci-estimators}
sets=1000; [ "$mode" = quick ] && sets=200
{ "$est" "$sets" 10 4500; "$est" "$sets" 10 45000; } > "$out/estimators.csv"
{
  echo "| run length after warm-up | interval for the p99 | covered | coverage (95% Wilson interval) | misses below / above |"
  echo "| ---: | --- | ---: | ---: | ---: |"
  awk -F, 'BEGIN { z = 1.959964 } { N = $4; p = $3 / N; c = (p + z * z / (2 * N)) / (1 + z * z / N)
      w = z * sqrt(p * (1 - p) / N + z * z / (4 * N * N)) / (1 + z * z / N)
      printf "| %d s | %s | %d of %d | %.3f (%.3f-%.3f) | %d / %d |\n", $1, $2, $3, N, p, c - w, c + w, $5, $6 }' "$out/estimators.csv"
} > "$out/table-estimators.md"

awk -F, -v mode="$mode" '
{ v[$1, $2] = sprintf("%.3f (%.3f-%.3f)", $7, $8, $9); ok[$1, $2] = ($7 >= 0.92 && $7 <= 0.98); len[$1] = 1; N = $4 }
END {
    n = 0; for (l in len) L[++n] = l; if (L[1] > L[2]) { t = L[1]; L[1] = L[2]; L[2] = t }
    for (j = 1; j <= 2; j++) {
        l = L[j]
        printf "- %d s per replication (about %d completions), %d sets: the mean %s; the pooled p99 %s; the averaged p99 %s; the p99 of all requests %s.\n", \
            l, l * 0.8, N, v[l, "mean (t)"], v[l, "p99 pooled (CDF inversion on the square-root scale)"], v[l, "p99 averaged over replications"], v[l, "p99 of all requests pooled"]
    }
    s = L[1]
    printf "- The target, 95%% +- 3%% for the mean and the p99 at about 3600 completions: %s for the mean, %s for the p99 (a measured coverage within [0.92, 0.98]; the Wilson intervals above say how sure that is).\n", \
        ok[s, "mean (t)"] ? "met" : "not met", ok[s, "p99 pooled (CDF inversion on the square-root scale)"] ? "met" : "not met"
    printf "- Run: `make papers PAPERS=ci-coverage%s` (its CPU time: run-times.md in the output folder).\n", mode == "quick" ? " QUICK=1" : ""
}' "$out/data.csv" > "$out/findings.md"

gnuplot -e "data='$out/data.csv'; outfile='$out/coverage.png'; style='$here/../../plots/style.gp'" "$here/figure.gp"
