#!/bin/sh
# run.sh - regenerate the size-based-assignment paper's numbers: the sweep, the M/G/1 closed forms per host, tables, findings.
# usage: sh run.sh TAILBACK OUTDIR [quick]
# Writes OUTDIR/{sweep/,data.csv,table.md,table-slowdown.md,findings.md}.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tb=$1 out=$2 mode=${3:-full}
. "$here/../lib.sh"
paper_sweep "$tb" "$here" "$out" "$mode"

# data.csv: alpha,policy,sojourn,lo,hi,slowdown,lo,hi,exact_sojourn,exact_slowdown
# (summary.csv: config,shape,min,cutoffs,policy,metric,n,mean,sd,low,high,...)
# Closed forms, two FCFS hosts at load rho = 0.8, lambda = 1.6, E[X] = 1, the
# partial moments m_j(lo, hi) = E[X^j; lo <= X < hi] of B(k, p, alpha):
#   random: each host an M/G/1 at lambda/2 with the whole law (Pollaczek-
#     Khinchine): W = (lambda/2) m_2 / (2 (1 - rho)), T = W + 1, and, since a
#     job's wait does not depend on its own size under FCFS, the mean
#     slowdown E[T/X] = 1 + W m_-1;
#   SITA-E: host 1 takes [k, c), host 2 [c, p], each at load rho:
#     W_i = lambda m_2(i) / (2 (1 - rho)), T = 1 + sum_i P_i W_i,
#     slowdown = 1 + sum_i W_i m_-1(i);
#   least work left is the central M/G/2 queue, which has no closed form; the
#     Lee-Longton approximation W = W(M/M/2) (1 + C^2) / 2 is set beside it.
#   Round robin has none either (each host sees Erlang-2 arrivals).
awk -F, -v mode="$mode" '
function pm(a, k, lo, hi, j) {
    if (j == a) return a * k ^ a / (1 - (k / P) ^ a) * log(hi / lo)
    return a * k ^ a / (1 - (k / P) ^ a) * (hi ^ (j - a) - lo ^ (j - a)) / (j - a) }
BEGIN { P = 1000; L = 1.6; R = 0.8 }
FNR > 1 {
    a = $2; k = $3; c = $4; gsub(/[][]/, "", c); pol = $5; key = a SUBSEP pol
    if (!(key in seen)) { seen[key] = 1; keys[++n] = key; A[n] = a; K[n] = k; C[n] = c; PO[n] = pol }
    if ($6 == "classes.c.sojourn.mean") { t[key] = $8; tl[key] = $10; th[key] = $11 }
    if ($6 == "classes.c.slowdown.mean") { s[key] = $8; sl[key] = $10; sh[key] = $11 }
}
END {
    for (i = 1; i <= n; i++) {
        a = A[i]; k = K[i]; c = C[i]; key = keys[i]; et = ""; es = ""
        m2 = pm(a, k, k, P, 2); mi = pm(a, k, k, P, -1)
        if (PO[i] == "random") { w = (L / 2) * m2 / (2 * (1 - R)); et = 1 + w; es = 1 + w * mi }
        if (PO[i] == "SITA-E") {
            w1 = L * pm(a, k, k, c, 2) / (2 * (1 - R)); w2 = L * pm(a, k, c, P, 2) / (2 * (1 - R))
            et = 1 + pm(a, k, k, c, 0) * w1 + pm(a, k, c, P, 0) * w2
            es = 1 + w1 * pm(a, k, k, c, -1) + w2 * pm(a, k, c, P, -1)
        }
        if (PO[i] == "least work left") { # approximation, marked as such
            ec = (L * L / (2 * (1 - R))) / (1 + L + L * L / (2 * (1 - R))) # Erlang C, 2 servers, offered 1.6
            w = ec / (2 - L) * (1 + (m2 - 1)) / 2; et = "~" (1 + w); es = "~" (1 + w * mi)
        }
        printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", a, PO[i], t[key], tl[key], th[key], s[key], sl[key], sh[key], et, es
    }
}' "$out/sweep/summary.csv" > "$out/data.csv"

# laws.md: per shape, k, SITA-E's cutoff, and what they give: the mean (1),
# the share of the load below the cutoff (1/2) and the squared coefficient
# of variation, from the closed-form partial moments
awk -F, '
function pm(a, k, lo, hi, j) {
    if (j == a) return a * k ^ a / (1 - (k / P) ^ a) * log(hi / lo)
    return a * k ^ a / (1 - (k / P) ^ a) * (hi ^ (j - a) - lo ^ (j - a)) / (j - a) }
BEGIN { P = 1000; print "| shape alpha | k (minimum) | SITA-E cutoff | mean | load below the cutoff | jobs below it | squared CV |"; print "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |" }
FNR > 1 && !($2 in seen) { seen[$2] = 1; a = $2; k = $3; c = $4; gsub(/[][]/, "", c); m = pm(a, k, k, P, 1)
    if (m < 0.999999 || m > 1.000001) { print "run.sh: the law of shape " a " has mean " m ", not 1" > "/dev/stderr"; exit 1 }
    printf "| %s | %.6f | %.4f | %.6f | %.4f | %.4f | %.1f |\n", a, k, c, m, pm(a, k, k, c, 1) / m, pm(a, k, k, c, 0), pm(a, k, k, P, 2) / (m * m) - 1 }
' "$out/sweep/summary.csv" > "$out/laws.md"

# the two tables: per shape, each policy's estimate (95% interval) and the
# closed form ("~": the approximation for least work left)
table() { # COLUMN (3: sojourn, 6: slowdown) EXACT_COLUMN
awk -F, -v col="$1" -v ec="$2" '
function ex(v) { return v == "" ? "" : (v ~ /^~/ ? sprintf("~%.3g", substr(v, 2)) : sprintf("%.3g", v)) }
{ if (!($1 in sa)) { sa[$1] = 1; as[++na] = $1 } if (!($2 in sp)) { sp[$2] = 1; ps[++np] = $2 }
  v[$1, $2] = sprintf("%.3g (%.3g-%.3g)", $col, $(col + 1) < 0 ? 0 : $(col + 1), $(col + 2)); e[$1, $2] = ex($ec)
  if ($ec != "" && $ec !~ /^~/) { ne++; if ($(col + 1) <= $ec && $ec <= $(col + 2)) ins++ } }
END {
    printf "| shape alpha |"; for (j = 1; j <= np; j++) { printf " %s |", ps[j]; if (e[as[1], ps[j]] != "") printf " %s |", e[as[1], ps[j]] ~ /^~/ ? "approx." : "exact" }
    printf "\n| ---: |"; for (j = 1; j <= np; j++) { printf " ---: |"; if (e[as[1], ps[j]] != "") printf " ---: |" }; printf "\n"
    for (i = 1; i <= na; i++) { printf "| %s |", as[i]
        for (j = 1; j <= np; j++) { printf " %s |", v[as[i], ps[j]]; if (e[as[i], ps[j]] != "") printf " %s |", e[as[i], ps[j]] }
        printf "\n" }
    printf "%d %d\n", ins, ne > "/dev/stderr"
}' "$out/data.csv"
}
table 3 9 > "$out/table.md" 2> "$out/inside-t"
table 6 10 > "$out/table-slowdown.md" 2> "$out/inside-s"

read it nt < "$out/inside-t"
read is ns < "$out/inside-s"
awk -F, -v it="$it" -v nt="$nt" -v is="$is" -v ns="$ns" -v mode="$mode" '
{ if (!($1 in sa)) { sa[$1] = 1; as[++na] = $1 } t[$1, $2] = $3; tl[$1, $2] = $4; th[$1, $2] = $5; s[$1, $2] = $6 }
END {
    printf "- The closed forms (random and SITA-E: an M/G/1 per host) lie inside the 95%% interval for the mean sojourn at %d of %d points and for the mean slowdown at %d of %d.\n", it, nt, is, ns
    for (i = 1; i <= na; i++) {
        a = as[i]; best = ""; bv = 0
        split("random|round robin|least work left|SITA-E", P, "|")
        for (j = 1; j <= 4; j++) if (best == "" || s[a, P[j]] < bv) { best = P[j]; bv = s[a, P[j]] }
        line = line sprintf("%s%s at %s (SITA-E %.3g, least work left %.3g, random %.3g)", line == "" ? "" : "; ", best, a, s[a, "SITA-E"], s[a, "least work left"], s[a, "random"])
    }
    printf "- The lowest mean slowdown, by shape: %s.\n", line
    printf "- Run: `make papers%s` (its CPU time: run-times.md in the output folder).\n", mode == "quick" ? " QUICK=1" : ""
}' "$out/data.csv" > "$out/findings.md"
