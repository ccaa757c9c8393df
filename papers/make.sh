#!/bin/sh
# make.sh - regenerate every paper: run each, splice its generated tables into its README, copy its figures.
# usage: [PAPERS="name ..."] sh papers/make.sh TAILBACK CHECK_ALL REFINED OUTDIR [quick]
# Called by `make papers` (QUICK=1 gives "quick": fewer replications and
# shorter runs, the same tables and figures; PAPERS=name regenerates only
# those papers, and the index from every paper's last output in OUTDIR).  Everything a README states as
# a number comes from here; committed READMEs and figures are its output.
set -eu
tb=$1 check_all=$2 refined=$3 out=$4 mode=${5:-full}
P=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
step() { echo "papers: $*" >&2; }
quick=""; [ "$mode" = quick ] && quick=" QUICK=1"
# Where the regenerated READMEs and figures go: the committed papers/ in full
# mode; in quick mode a copy under OUTDIR/site (the committed files are the
# full mode's and are never touched by a quick run: `git status` stays clean).
D=$P
if [ "$mode" = quick ]; then
    D=$out/site
    for d in "$P"/*/; do
        n=$(basename "$d")
        mkdir -p "$D/$n"
        cp "$P/$n/README.md" "$D/$n/"
    done
    cp "$P/README.md" "$D/"
fi
# CPU seconds (user + system) of the children so far: `times` prints the
# shell's line, then the children's ("1m2.50s 0m3.25s")
# (times runs in this shell, not in a $(...) subshell, which has no children)
cpu() { times > "$out/.times"; tail -n 1 "$out/.times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); t += a[1] * 60 + a[2] }; printf "%.1f", t }'; }
: > "$out/run-times.md"
timed() { # timed PAPER: the CPU seconds since the last call, logged (never spliced: a rerun must give the same files)
    cpu > "$out/.cpu"; now=$(cat "$out/.cpu")
    echo "| $1 | $mode | $(awk -v a="$now" -v b="${last_cpu:-0}" 'BEGIN { printf "%.1f", a - b }') |" >> "$out/run-times.md"
    last_cpu=$now
}
cpu > "$out/.cpu"; last_cpu=$(cat "$out/.cpu")
PAPERS=${PAPERS:-theory-check ci-coverage power-of-d-choices metastable-retries seed-holiday-rush central-vs-partitioned tail-at-scale size-based-assignment}
want() { case " $PAPERS " in *" $1 "*) return 0 ;; esac; return 1; }

if want theory-check; then
step "theory-check"
start=$(date +%s)
sh "$P/theory-check/make-table.sh" "$check_all" > "$out/theory-table.md"
sh "$P/splice.sh" "$D/theory-check/README.md" table < "$out/theory-table.md"
# how many formulas lie inside their interval (the 99.9% one the suites
# assert, and the 95% one: the half-width times t(0.975, 9) / t(0.9995, 9)
# = 2.2622 / 4.7809 for 10 replications), the range of |relative error|,
# and how many independent simulations (models) the rows come from
awk -F'|' '{ gsub(/\\\|/, "/"); $0 = $0 }   # an escaped | inside a cell is not a column
  $2 ~ /[A-Za-z]/ && $4 ~ /[0-9]/ { n++; split($5, a, " "); d = a[1] - $4; if (d < 0) d = -d; if (d <= a[3] + 0) k++
    if (d <= (a[3] + 0) * 2.2622 / 4.7809) k95++
    m = $2; gsub(/^ +| +$/, "", m); if (!(m in seen)) { seen[m] = 1; models++ }
    r = $6; gsub(/[ %+-]/, "", r); r += 0; if (n == 1 || r < lo) lo = r; if (r > hi) hi = r }
  END { printf "%d %d %.2f %.2f %d %d\n", k, n, lo, hi, k95, models }' "$out/theory-table.md" > "$out/theory-counts"
read k n lo hi k95 models < "$out/theory-counts"
printf -- "- The formula lies inside the simulation's 99.9%% interval for %d of %d quantities, and inside the 95%% interval for %d of them; relative errors range from %s%% to %s%% in absolute value.\n- The %d quantities come from %d independent simulations (several rows share one: the M/M/1's mean, median and p99 are one run, drop_tail.lua is the M/M/1/5), so %d of %d is the evidence of %d models, not of %d independent tests.\n" \
  "$k" "$n" "$k95" "$lo" "$hi" "$n" "$models" "$k" "$n" "$models" "$n" | sh "$P/splice.sh" "$D/theory-check/README.md" result
printf -- "- Run: \`make papers%s\` (its CPU time: run-times.md in the output folder).\n" "$quick" |
  sh "$P/splice.sh" "$D/theory-check/README.md" run
timed theory-check
fi

# paper NAME "PARTS" "FIGURES" [EXTRA]: run NAME/run.sh (TAILBACK [EXTRA]
# OUTDIR MODE), splice each generated PARTS.md into its README, copy its
# FIGURES beside it, log its CPU time
paper() {
    name=$1 parts=$2 figs=$3 extra=${4:-}
    step "$name ($mode)"
    # shellcheck disable=SC2086 (extra is one word or none)
    sh "$P/$name/run.sh" "$tb" $extra "$out/$name" "$mode"
    for part in $parts; do
        sh "$P/splice.sh" "$D/$name/README.md" "$part" < "$out/$name/$part.md"
    done
    for f in $figs; do
        cp "$out/$name/$f" "$D/$name/"
    done
    timed "$name"
}
if want ci-coverage; then paper ci-coverage "table table-estimators findings" coverage.png; fi
if want power-of-d-choices; then paper power-of-d-choices "table findings table-policies" mean-time.png "$refined"; fi
if want metastable-retries; then paper metastable-retries "table-never table findings" never-recovered.png; fi
if want seed-holiday-rush; then
    paper seed-holiday-rush "hypotheses table-containment table-work table-fees findings" "heatmaps.png isolation-recovery.png"
fi
if want central-vs-partitioned; then paper central-vs-partitioned "table table-slo findings" p99-vs-load.png; fi
if want tail-at-scale; then paper tail-at-scale "leaf table table-redundancy findings" ""; fi
if want size-based-assignment; then paper size-based-assignment "laws table table-slowdown findings" ""; fi

# every paper's results draw with tailback plot, and gnuplot says nothing:
# each sweep folder (manifest.json) and each run folder (summary.json)
step "tailback plot on every paper's results"
find "$out" \( -name manifest.json -o -name summary.json \) -not -path "$out/site/*" | sort | while read -r f; do
    d=$(dirname "$f")
    case $d in */runs) continue ;; esac
    "$tb" plot "$d" --out "$d.plots" >/dev/null 2>"$d.plot.err" || { echo "papers: tailback plot $d failed:" >&2; cat "$d.plot.err" >&2; exit 1; }
    if [ -s "$d.plot.err" ]; then echo "papers: tailback plot $d: gnuplot warned:" >&2; cat "$d.plot.err" >&2; exit 1; fi
done

# the index: one line of finding per paper, from the numbers just made; a
# paper not made this time (PAPERS=...) keeps its line from the README
keep() { grep "^| \[$1\](" "$D/README.md" || true; }
{
  echo "| paper | finding |"
  echo "| --- | --- |"
  if [ -s "$out/theory-counts" ]; then
    read k n lo hi k95 models < "$out/theory-counts"
    printf "| [theory-check](theory-check/README.md) | %d quantities with exact formulas (M/M/1, M/M/c, M/M/1/K, M/D/1, M/G/1, Jackson networks, M/G/inf, priority, processor sharing, bulk service): the formula lies inside the 99.9%% interval for %d of them |\n" "$n" "$k"
  else keep theory-check; fi
  if [ -s "$out/ci-coverage/data.csv" ]; then
  awk -F, '$1 < 10000 && $2 ~ /^mean/ { m = sprintf("%.3f (%.3f-%.3f)", $7, $8, $9) }
           $1 < 10000 && $2 ~ /CDF/ { q = sprintf("%.3f (%.3f-%.3f)", $7, $8, $9) }
           $1 < 10000 && $2 ~ /averaged/ { a = sprintf("%.3f", $7) }
    END { printf "| [ci-coverage](ci-coverage/README.md) | at about 3600 completions per replication, 10 replications: nominal 95%% intervals cover %s for the mean and %s for the p99 (pooled histogram), where averaging the replications'"'"' own p99s covered %s |\n", m, q, a }' \
    "$out/ci-coverage/data.csv"
  else keep ci-coverage; fi
  if [ -s "$out/power-of-d-choices/data.csv" ]; then
  awk -F, '$6 != "" && $2 != "d=1" { n++; if ($4 > $6) above++; if ($4 <= $7 && $7 <= $5) inside++ }
    END { printf "| [power-of-d-choices](power-of-d-choices/README.md) | n = 100 servers sit above Mitzenmacher'"'"'s limit (significantly at %d of %d points, by a margin growing towards lambda = 0.99); the refined mean field (1/n term) lies inside the 95%% interval at %d of %d |\n", above, n, inside, n }' \
    "$out/power-of-d-choices/data.csv"
  else keep power-of-d-choices; fi
  if [ -s "$out/metastable-retries/data.csv" ]; then
  awk -F, '$2 == "naive retries" && half == "" && $3 >= 0.5 { half = $1 } $2 != "naive retries" && $3 > 0 { bad++ }
    END { printf "| [metastable-retries](metastable-retries/README.md) | with naive retries most runs never recover from a 2x spike of %s s or more at load 0.8; a retry budget, dropping stale work, or a bounded queue with backoff each recovered %s |\n", half, bad ? "in most runs (not all: see the paper)" : "in every run" }' \
    "$out/metastable-retries/data.csv"
  else keep metastable-retries; fi
  if [ -s "$out/seed-holiday-rush/hypotheses.md" ]; then
  awk -F'|' '$2 ~ /H[0-9]/ { gsub(/ /, "", $2); v = $5; gsub(/^ +| +$/, "", v); s[v] = s[v] (s[v] == "" ? "" : ", ") $2 }
    END { printf "| [seed-holiday-rush](seed-holiday-rush/README.md) | the essay'"'"'s claims under P0-P7 x S1-S3 (and S4, a control without retries): held %s; held in part %s; did not hold %s; not resolved %s |\n",
          s["held"] == "" ? "none" : s["held"], s["held in part"] == "" ? "none" : s["held in part"],
          s["did not hold"] == "" ? "none" : s["did not hold"], s["not resolved"] == "" ? "none" : s["not resolved"] }' \
    "$out/seed-holiday-rush/hypotheses.md"
  else keep seed-holiday-rush; fi
  if [ -s "$out/central-vs-partitioned/data.csv" ]; then
  awk -F'|' 'NR > 2 { gsub(/ /, "", $2); gsub(/ /, "", $4); e[$2] = $4 }
    END { printf "| [central-vs-partitioned](central-vs-partitioned/README.md) | ZygOS'"'"'s Figure 2: 16 servers meet a p99 of 10 mean service times up to load %s with one central FCFS queue and only up to %s with 16 partitioned ones (exact, exponential service); simulated, the central queue has the lower p99 at every load for all three service laws |\n", e["centralexp"], e["partitionedexp"] }' \
    "$out/central-vs-partitioned/table-slo.md"
  else keep central-vs-partitioned; fi
  if [ -s "$out/tail-at-scale/data.csv" ]; then
  awk -F, '$1 == "fan-out 100" { late = $14 } $1 == "one leaf" { p = $10 } $1 == "hedged at p95" { h = $10; c = $18 }
    END { printf "| [tail-at-scale](tail-at-scale/README.md) | Dean and Barroso'"'"'s fan-out arithmetic, exactly: waiting for 100 independent leaves, %.1f%% of requests are slower than one leaf'"'"'s p99 (1 - 0.99^100 = 63.4%%); hedging after the leaf'"'"'s p95 sends %.1f%% more copies and cuts the p99.9 from %.1f to %.2f |\n", 100 * late, 100 * (c - 1), p, h }' \
    "$out/tail-at-scale/data.csv"
  else keep tail-at-scale; fi
  if [ -s "$out/size-based-assignment/data.csv" ]; then
  awk -F, '$1 == 1.1 { s[$2] = $6 } END { printf "| [size-based-assignment](size-based-assignment/README.md) | Harchol-Balter, Crovella and Murta: two hosts at load 0.8, bounded Pareto sizes of shape 1.1: mean slowdown %.3g with SITA-E against %.3g with least work left and %.3g with random assignment; the per-host M/G/1 closed forms hold |\n", s["SITA-E"], s["least work left"], s["random"] }' \
    "$out/size-based-assignment/data.csv"
  else keep size-based-assignment; fi
} > "$out/index.md"
sh "$P/splice.sh" "$D/README.md" index < "$out/index.md"
{ echo "| paper | mode | CPU seconds |"; echo "| --- | --- | ---: |"; cat "$out/run-times.md"; } > "$out/run-times.tmp" && mv "$out/run-times.tmp" "$out/run-times.md"
if [ "$mode" = quick ]; then
    step "done: regenerated READMEs and figures in $D (the committed papers/ untouched); CPU times in $out/run-times.md"
else
    step "done: papers/*/README.md and figures regenerated; CPU times in $out/run-times.md"
fi
