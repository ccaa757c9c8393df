#!/bin/sh
# run.sh - regenerate the tail-at-scale paper's numbers: the sweep, the exact order-statistics and hedging laws, table, findings.
# usage: sh run.sh TAILBACK OUTDIR [quick]
# Writes OUTDIR/{sweep/,redundancy/,data.csv,table.md,table-redundancy.md,findings.md}.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tb=$1 out=$2 mode=${3:-full}
. "$here/../lib.sh"
paper_sweep "$tb" "$here" "$out" "$mode"

# The leaf law: S(t) = P(X > t) = 0.99 e^-t + 0.01 e^(-t/50) (mean 1 with
# probability 0.99, mean 50 with 0.01).  Leaves are delay nodes, so the
# copies of one request are independent, and:
#   fan-out N, join all:   P(T <= t) = F(t)^N
#   95 of 100:             P(T <= t) = P(Binomial(100, F(t)) >= 95)
#   hedged after d:        P(T > t) = S(t) for t < d, S(t) S(t - d) after
#                          (the first copy, or the second sent at d)
# Quantiles by bisection; the late share is P(T > t99), t99 the leaf's p99
# (the class's SLO); copies per request: N, or 1 + S(d) when hedged.
awk -F, -v mode="$mode" '
function S(t) { return t < 0 ? 1 : 0.99 * exp(-t) + 0.01 * exp(-t / 50) }
function F(t) { return 1 - S(t) }
function lchoose(n, k) { return lgam(n + 1) - lgam(k + 1) - lgam(n - k + 1) }
function lgam(x,    s) { s = 0; while (x < 7) { s -= log(x); x++ }  # Stirling with shift
    return s + (x - 0.5) * log(x) - x + 0.5 * log(2 * 3.141592653589793) + 1 / (12 * x) - 1 / (360 * x * x * x) }
function binge(n, k, p,    j, s) { s = 0; if (p <= 0) return 0; if (p >= 1) return 1
    for (j = k; j <= n; j++) s += exp(lchoose(n, j) + j * log(p) + (n - j) * log(1 - p)); return s }
function cdf(a, t) {
    if (a == "one leaf") return F(t)
    if (a == "fan-out 10") return F(t) ^ 10
    if (a == "fan-out 100") return F(t) ^ 100
    if (a == "95 of 100") return binge(100, 95, F(t))
    if (a == "hedged at p95") return 1 - S(t) * (t >= D95 ? S(t - D95) : 1)
    if (a == "hedged at p98") return 1 - S(t) * (t >= D98 ? S(t - D98) : 1)
    return -1
}
function quant(a, q,    lo, hi, m, i) { lo = 0; hi = 10000
    for (i = 0; i < 200; i++) { m = (lo + hi) / 2; if (cdf(a, m) >= q) hi = m; else lo = m }
    return (lo + hi) / 2 }
function copies(a) { return a == "one leaf" ? 1 : a == "fan-out 10" ? 10 : a ~ /100/ ? 100 : a == "hedged at p95" ? 1 + S(D95) : 1 + S(D98) }
BEGIN { D95 = 3.193476; D98 = 4.512348 }
FNR > 1 { a = $2; k = a
    if (!(k in seen)) { seen[k] = 1; as[++n] = a }
    v[a, $3] = $5; lo[a, $3] = $7; hi[a, $3] = $8; c[a, $3] = $10 }
END {
    leaf99 = quant("one leaf", 0.99)
    printf "- The leaf: p50 %.4f, p95 %.4f (the first hedge), p98 %.4f (the second), p99 %.4f (the SLO), p99.9 %.2f; mean 0.99 x 1 + 0.01 x 50 = 1.49.\n", quant("one leaf", 0.5), quant("one leaf", 0.95), quant("one leaf", 0.98), leaf99, quant("one leaf", 0.999) > "'"$out"'/leaf.md"
    if (sprintf("%.4f", quant("one leaf", 0.95)) != sprintf("%.4f", D95) || sprintf("%.4f", quant("one leaf", 0.98)) != sprintf("%.4f", D98) || sprintf("%.4f", leaf99) != "6.6748")
        { print "run.sh: the experiment'"'"'s hedges or SLO are not the leaf law'"'"'s percentiles" > "/dev/stderr"; exit 1 }
    for (i = 1; i <= n; i++) {
        a = as[i]
        printf "%s", a
        split("classes.req.latency.p50 classes.req.latency.p99 classes.req.latency.p999 classes.req.shares.late nodes.F.fork.extra_load", ms, " ")
        for (j = 1; j <= 5; j++) printf ",%s,%s,%s,%s", v[a, ms[j]], lo[a, ms[j]], hi[a, ms[j]], c[a, ms[j]]
        printf ",%.6g,%.6g,%.6g,%.6g,%.6g\n", quant(a, 0.5), quant(a, 0.99), quant(a, 0.999), 1 - cdf(a, leaf99), copies(a)
    }
}' "$out/sweep/summary.csv" > "$out/data.csv"
# summary.csv here: config,policy,metric,n,mean,sd,low,high,estimator,censored,note (nothing varies)

# data.csv: alternative, then for p50 p99 p99.9 late-share copies: estimate,low,high,censored; then the five exact values
awk -F, '
function cell(v, l, h, c, scale, d) {
    if (v == "") return "-"
    if (c == 1) return sprintf(">= %.*f (censored)", d, scale * v)
    return sprintf("%.*f (%.*f-%s)", d, scale * v, d, scale * l, h == "inf" ? "inf" : sprintf("%.*f", d, scale * h)) }
function inside(v, l, h, c, e) { if (v == "" || c == 1) return 0; return l <= e + 1e-12 && (h == "inf" || e <= h + 1e-12) }
BEGIN { print "| alternative | p50 | exact | p99 | exact | p99.9 | exact | late (> leaf p99) | exact | copies per request | exact |"
        print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" }
{
    printf "| %s | %s | %.3f | %s | %.2f | %s | %.1f | %s | %.3f%% | %s | %.4f |\n", $1,
        cell($2, $3, $4, $5, 1, 3), $22, cell($6, $7, $8, $9, 1, 2), $23, cell($10, $11, $12, $13, 1, 1), $24,
        cell($14, $15, $16, $17, 100, 3) "%", 100 * $25, cell($18, $19, $20, $21, 1, 4), $26
    for (j = 0; j < 5; j++) { ne++; if (inside($(2 + 4 * j), $(3 + 4 * j), $(4 + 4 * j), $(5 + 4 * j), $(22 + j))) ins++
        else miss = miss sprintf("%s%s %s", miss == "" ? "" : "; ", $1, j == 0 ? "p50" : j == 1 ? "p99" : j == 2 ? "p99.9" : j == 3 ? "late share" : "copies") }
}
END { printf "%d %d\n", ins, ne > "/dev/stderr"; print miss > "'"$out"'/missed" }' "$out/data.csv" > "$out/table.md" 2> "$out/inside"

read ins ne < "$out/inside"
awk -F, -v ins="$ins" -v ne="$ne" -v mode="$mode" -v missed="$(cat "$out/missed")" '
{ a[$1] = 1; p999[$1] = $10; late[$1] = $14; cp[$1] = $18; c999[$1] = $13 }
END {
    printf "- Every estimate against its exact law: inside the 95%% interval at %d of %d (%s).\n", ins, ne, missed == "" ? "none outside" : "outside: " missed
    printf "- Fan-out amplifies the tail as the article'"'"'s arithmetic says: a request that waits for all of 100 leaves is slower than a leaf'"'"'s p99 %.1f%% of the time (1 - 0.99^100 = 63.4%%), for 10 leaves %.1f%% (9.6%%), for one %.2f%% (1%%).\n", 100 * late["fan-out 100"], 100 * late["fan-out 10"], 100 * late["one leaf"]
    printf "- Hedging after the leaf'"'"'s p95 sends %.2f%% more copies and cuts the p99.9 from %.1f to %.2f (%.0fx); after the p98, %.2f%% more copies and %.2f (%.0fx).\n", 100 * (cp["hedged at p95"] - 1), p999["one leaf"], p999["hedged at p95"], p999["one leaf"] / p999["hedged at p95"], 100 * (cp["hedged at p98"] - 1), p999["hedged at p98"], p999["one leaf"] / p999["hedged at p98"]
    printf "- Run: `make papers%s` (its CPU time: run-times.md in the output folder).\n", mode == "quick" ? " QUICK=1" : ""
}' "$out/data.csv" > "$out/findings.md"

# The theory line with queueing: redundancy-d on three FCFS exponential
# servers (Gardner et al., SIGMETRICS 2015).  Exact where it is simple: d = 3
# makes the servers one M/M/1 of rate 3 (every server works on the oldest
# job; the first copy done cancels the rest), T ~ Exp(3 - lambda); d = 1 is
# three M/M/1 at lambda/3, T ~ Exp(1 - lambda/3).  d = 2 has an exact
# expression in that paper (a sum over the product-form states) that is not
# reproduced here: simulated only.
rexp=$here/experiment-redundancy.json
[ "$mode" = quick ] && rexp=$here/experiment-redundancy-quick.json
rm -rf "$out/redundancy"
"$tb" sweep "$rexp" --out "$out/redundancy" >&2
awk -F, '
function iv(l, h, d) { return sprintf("%.*f-%s", d, l < 0 ? 0 : l, h == "inf" ? "inf" : sprintf("%.*f", d, h)) }
FNR > 1 { lam = $2; p = $3; k = lam SUBSEP p
    if (!(lam in sl)) { sl[lam] = 1; ls[++nl] = lam } if (!(p in sp)) { sp[p] = 1; ps[++np] = p }
    if ($4 == "classes.job.sojourn.mean") { m[k] = $6; ml[k] = $8; mh[k] = $9 }
    if ($4 == "classes.job.latency.p99") { q[k] = $6; ql[k] = $8; qh[k] = $9 } }
function rate(p, lam) { return p ~ /d = 3/ ? 3 - lam : p ~ /d = 1/ ? 1 - lam / 3 : -1 }
END {
    printf "| lambda | alternative | mean response | exact | p99, all requests | exact |\n| ---: | --- | ---: | ---: | ---: | ---: |\n"
    for (i = 1; i <= nl; i++) for (j = 1; j <= np; j++) {
        lam = ls[i]; p = ps[j]; k = lam SUBSEP p; r = rate(p, lam)
        em = r > 0 ? sprintf("%.4f", 1 / r) : "-"; eq = r > 0 ? sprintf("%.3f", log(100) / r) : "-"
        if (r > 0) { ne += 2; a1 = ml[k] <= 1 / r && 1 / r <= mh[k]; a2 = ql[k] <= log(100) / r && (qh[k] == "inf" || log(100) / r <= qh[k]); ins += a1 + a2
            d1 = 100 * (m[k] * r - 1); d2 = 100 * (q[k] * r / log(100) - 1)
            if (!a1) { miss = miss sprintf("%s%s mean at lambda %s (%+.2f%%)", miss == "" ? "" : "; ", p, lam, d1); if (d1 * d1 > far) far = d1 * d1 }
            if (!a2) { miss = miss sprintf("%s%s p99 at lambda %s (%+.2f%%)", miss == "" ? "" : "; ", p, lam, d2); if (d2 * d2 > far) far = d2 * d2 } }
        printf "| %s | %s | %.4f (%s) | %s | %.3f (%s) | %s |\n", lam, p, m[k], iv(ml[k], mh[k], 4), em, q[k], iv(ql[k], qh[k], 3), eq
    }
    printf "- Redundancy with queueing (three exponential servers): the exact means and p99s of d = 1 and d = 3 lie inside the 95%% interval at %d of %d points%s; at lambda = %s, d = 2 has mean response %.3f against %.3f without redundancy and %.3f with full redundancy: most of the gain with two copies of three.\n", ins, ne, miss == "" ? "" : " (outside: " miss (far <= 1 ? "; at 95%, about one interval in twenty misses" : "") ")", ls[nl], m[ls[nl], ps[2]], m[ls[nl], ps[1]], m[ls[nl], ps[3]] > "/dev/stderr"
}' "$out/redundancy/summary.csv" > "$out/table-redundancy.md" 2> "$out/redundancy-finding"
# the finding goes before the run line
{ grep -v '^- Run:' "$out/findings.md"; cat "$out/redundancy-finding"; grep '^- Run:' "$out/findings.md"; } > "$out/findings.tmp" && mv "$out/findings.tmp" "$out/findings.md"
