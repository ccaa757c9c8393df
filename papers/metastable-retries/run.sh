#!/bin/sh
# run.sh - regenerate the metastable-retries paper's numbers: sweep, tables, figure.
# usage: sh run.sh TAILBACK OUTDIR [quick]
# Writes OUTDIR/{sweep/,data.csv,table.md,findings.md,never-recovered.png}.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tb=$1 out=$2 mode=${3:-full}
. "$here/../lib.sh"
paper_sweep "$tb" "$here" "$out" "$mode"

# data.csv: spike,policy,never,never_lo,never_hi,rec_mean,rec_lo,rec_hi,goodput,goodput_lo,goodput_hi,wasted,n,
#           success,success_lo,success_hi (the share of requests that succeeded)
# "never" is the fraction of replications that did not recover, with a 95%
# Wilson score interval (the t interval of a 0/1 sample collapses to a point
# when every replication agrees).
awk -F, '
FNR > 1 {
    gsub(/"/, "", $2); spike = $2 - 100; p = $3; key = spike "," p
    if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
    if ($4 == "network.recovered") { n[key] = $5; rec[key] = $6 }
    if ($4 == "network.recovery_time") rt[key] = ($5 > 0) ? $6 "," $8 "," $9 : ",,"
    if ($4 == "classes.req.goodput_rate") gp[key] = $6 "," $8 "," $9
    if ($4 == "classes.req.wasted_work") ww[key] = $6
    if ($4 == "classes.req.shares.success") ss[key] = $6 "," $8 "," $9
}
END {
    z = 1.959964
    for (i = 1; i <= nk; i++) {
        k = keys[i]; m = n[k]; f = 1 - rec[k]
        c = (f + z * z / (2 * m)) / (1 + z * z / m)
        h = z * sqrt(f * (1 - f) / m + z * z / (4 * m * m)) / (1 + z * z / m)
        lo = c - h; hi = c + h; if (lo < 0) lo = 0; if (hi > 1) hi = 1
        printf "%s,%.4f,%.4f,%.4f,%s,%s,%s,%d,%s\n", k, f, lo, hi, rt[k], gp[k], ww[k], m, ss[k]
    }
}' "$out/sweep/summary.csv" > "$out/data.csv"

# the headline: fraction never recovered, spike length x policy
awk -F, '
{ if (!($1 in ss)) { ss[$1] = 1; sp[++ns] = $1 } if (!($2 in pp)) { pp[$2] = 1; po[++np] = $2 }
  v[$1, $2] = sprintf("%d/%d (%.2f-%.2f)", $3 * $13 + 0.5, $13, $4, $5) }
END {
    printf "| spike (s) |"; for (j = 1; j <= np; j++) printf " %s |", po[j]; printf "\n| ---: |"
    for (j = 1; j <= np; j++) printf " ---: |"; printf "\n"
    for (i = 1; i <= ns; i++) { printf "| %s |", sp[i]; for (j = 1; j <= np; j++) printf " %s |", v[sp[i], po[j]]; printf "\n" }
}' "$out/data.csv" > "$out/table-never.md"

# the detail: recovery time, goodput and wasted work (t intervals over
# replications; a time's lower end is clipped at 0)
awk -F, '
function lo0(x) { return x < 0 ? 0 : x }
BEGIN {
    print "| spike (s) | policy | requests that succeeded | recovery time, s (recovered runs) | goodput over the run, /s | wasted work, s |"
    print "| ---: | --- | ---: | ---: | ---: | ---: |"
}
{
    rt = ($6 == "") ? "not recovered" : sprintf("%.1f (%.1f-%.1f)", $6, lo0($7), $8)
    printf "| %s | %s | %.1f%% (%.1f-%.1f) | %s | %.1f (%.1f-%.1f) | %.1f |\n", $1, $2, 100 * $14, 100 * $15, 100 * $16, rt, $9, $10, $11, $12
}' "$out/data.csv" > "$out/table.md"

# findings.md: where naive retries tip over (linear interpolation of the
# fraction never recovered to 1/2) beside the back-of-the-envelope estimate,
# and whether any mitigated run failed to recover
awk -F, -v mode="$mode" '
# the tipping point interval: where the upper end of the Wilson interval and
# its lower end cross 1/2 (linear interpolation between spike lengths): the
# spike lengths whose fraction is not significantly below or above 1/2
$2 == "naive retries" {
    if (half == "" && $3 >= 0.5) half = (prev == "") ? $1 : px + (0.5 - pf) * ($1 - px) / ($3 - pf)
    if (hlo == "" && $5 >= 0.5) hlo = (prev == "") ? $1 : px + (0.5 - ph) * ($1 - px) / ($5 - ph)
    if (hhi == "" && $4 >= 0.5) hhi = (prev == "") ? $1 : px + (0.5 - pl) * ($1 - px) / ($4 - pl)
    ph = $5; pl = $4
    if (all == "" && $3 == 1) all = $1
    if (none == "" || $3 == 0) none = ($3 == 0) ? $1 : none
    prev = 1; px = $1; pf = $3; n = $13
}
$2 != "naive retries" {
    if ($3 > 0) { bad++; badwhere = badwhere " " $2 " at " $1 " s;" }
    if ($1 != maxlen) { maxlen = $1; longest = "" }
    longest = longest sprintf("%s%s %s s", longest == "" ? "" : ", ", $2, $6 == "" ? "never" : sprintf("%.0f", $6))
    if ($1 == 2) at2 = at2 sprintf("%s%s %s s", at2 == "" ? "" : ", ", $2, $6 == "" ? "never" : sprintf("%.0f", $6))
}
END {
    printf "- Naive retries: half of the replications never recover after a spike of %.2f s (interpolated; 95%% interval %.2f-%.2f s, where the Wilson intervals of the fractions cross 1/2; the estimate above: 0.77 s);", half, hlo, hhi
    printf " none failed at spikes up to %s s, all failed from %s s on (%d replications per point).\n", none, all, n
    if (bad == 0) printf "- Retry budget, drop stale, bounded queue + backoff: every replication recovered, at every spike length up to %s s.\n", maxlen
    else printf "- Mitigated runs that did not recover:%s\n", badwhere
    printf "- Mean recovery time after a 2 s spike: %s; after the longest (%s s): %s.\n", at2, maxlen, longest
    printf "- Run: `make papers%s` (its CPU time: run-times.md in the output folder).\n", mode == "quick" ? " QUICK=1" : ""
}' "$out/data.csv" > "$out/findings.md"

gnuplot -e "data='$out/data.csv'; outfile='$out/never-recovered.png'; style='$here/../../plots/style.gp'" "$here/figure.gp"
