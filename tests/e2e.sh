#!/bin/sh
# e2e.sh - end-to-end tests of the tailback binary on real scenario files.
# usage: sh tests/e2e.sh PATH/TO/tailback
# Prints one line per check and closes with "N passed, N failed".
set -u
BIN=${1:-./tailback}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SC=$ROOT/scenarios
# A binary built outside the source root (the sanitizer build) finds the
# shipped scenarios through TAILBACK_DATA.
[ "$(dirname "$BIN")" = "$ROOT" ] || export TAILBACK_DATA="$ROOT"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { # check NAME COMMAND...: passes when the command succeeds
    name=$1; shift
    if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
}
# Everything but the lines that legitimately differ between two invocations.
strip() { grep -v -e '"command":' -e '"event_queue":' -e '"scenario":' "$1"; }

# --- the CLI explains itself ------------------------------------------------
check "tailback --help mentions run and validate" sh -c "'$BIN' --help | grep -q 'run SCENARIO' && '$BIN' --help | grep -q validate"
check "tailback run --help lists --set and --seed" sh -c "'$BIN' run --help | grep -q -- '--set PATH=VALUE' && '$BIN' run --help | grep -q -- '--seed N'"
"$BIN" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] && ok "an unknown command exits 2" || bad "an unknown command exits 2"
"$BIN" run >/dev/null 2>&1; [ $? -eq 2 ] && ok "run without a scenario exits 2" || bad "run without a scenario exits 2"

# --- every shipped scenario is valid and runs --------------------------------
for f in "$SC"/*.json; do
    check "validate $(basename "$f")" "$BIN" validate "$f"
done
check "a shipped scenario can be named without its path" "$BIN" validate mm1

# --- a run writes its results and its manifest -------------------------------
"$BIN" run "$SC/mm1.json" --out a --set duration=20000 --set warmup=100 --set window=100 >out.txt 2>err.txt
rc=$?
[ $rc -eq 0 ] && [ -s a/summary.json ] && [ -s a/timeseries.csv ] && [ -s a/network.csv ] && ok "run writes summary.json, timeseries.csv and network.csv" || bad "run writes summary.json, timeseries.csv and network.csv (rc=$rc)"
[ "$(wc -l < a/network.csv)" -eq 201 ] && head -1 a/network.csv | grep -q '^time_s,spread,goodput_rate$' && ok "network.csv has a header and one row per window" || bad "network.csv has a header and one row per window"
grep -q '^jobs ' out.txt && ok "run prints a table with the class" || bad "run prints a table with the class"
sha=$(sha256sum "$SC/mm1.json" | cut -d' ' -f1)
grep -q "\"scenario_sha256\":.*\"$sha\"" a/summary.json && ok "the manifest records the scenario's sha256" || bad "the manifest records the scenario's sha256"
grep -q '"overrides":.*"duration=20000", "warmup=100", "window=100"' a/summary.json && ok "the manifest records the overrides" || bad "the manifest records the overrides"
grep -q '"seed":[[:space:]]*1,' a/summary.json && ok "the manifest records the seed" || bad "the manifest records the seed"
head -1 a/timeseries.csv | grep -q '^time_s,node,queue_length,in_node,busy,arrivals,completions,drops,hot$' && ok "timeseries.csv has its documented header" || bad "timeseries.csv has its documented header"
[ "$(wc -l < a/timeseries.csv)" -eq 201 ] && ok "timeseries.csv has one row per window (20000 s / 100 s)" || bad "timeseries.csv has one row per window"
ls -a a | grep -q tmp && bad "no temporary files are left" || ok "no temporary files are left"

# --- the plot template draws a real PNG from a run's time series, by hand too ------
# (tailback plot --keep-data keeps what it prepared: a figure's settings and data)
if command -v gnuplot >/dev/null; then
    "$BIN" plot a --out hand-plots --keep-data kd >/dev/null 2>gp.err &&
        gnuplot kd/01-timeseries.gp "$ROOT/plots/timeseries.gp" 2>>gp.err && cp kd/01-timeseries.out q.png
    if [ "$(head -c 8 q.png | od -An -tx1 | tr -d ' ')" = "89504e470d0a1a0a" ] && [ "$(wc -c < q.png)" -gt 10000 ] && [ ! -s gp.err ]; then
        ok "plots/timeseries.gp renders a PNG of non-trivial size without warnings, by hand from --keep-data"
    else
        bad "plots/timeseries.gp renders a PNG of non-trivial size without warnings, by hand from --keep-data"
    fi
fi

# --- determinism ---------------------------------------------------------------
mv a a1
"$BIN" run "$SC/mm1.json" --out a --set duration=20000 --set warmup=100 --set window=100 >/dev/null 2>&1
cmp -s a/summary.json a1/summary.json && ok "same scenario and seed: byte-identical summary.json" || bad "same scenario and seed: byte-identical summary.json"
cmp -s a/timeseries.csv a1/timeseries.csv && ok "same scenario and seed: byte-identical timeseries.csv" || bad "same scenario and seed: byte-identical timeseries.csv"
cmp -s a/network.csv a1/network.csv && ok "same scenario and seed: byte-identical network.csv" || bad "same scenario and seed: byte-identical network.csv"
"$BIN" run "$SC/mm1.json" --out s2 --seed 2 --set duration=20000 --set warmup=100 --set window=100 >/dev/null 2>&1
cmp -s s2/timeseries.csv a/timeseries.csv && bad "another seed gives other numbers" || ok "another seed gives other numbers"
# "rows": "changed" writes exactly the rows of "all" that differ from the node's previous row
for rows in all changed; do
    "$BIN" run "$SC/network.json" --out r-$rows --set duration=300 --set warmup=0 --set window=0.5 \
        --set classes.transfer.arrival.rate=0.2 --set classes.ai.arrival.interarrival.mean=20 --set "timeseries={\"rows\":\"$rows\"}" -q >/dev/null 2>&1
done
awk -F, 'NR == 1 { print; next } { v = $0; sub(/^[^,]*,[^,]*,/, "", v); if (!($2 in last) || last[$2] != v) print; last[$2] = v }' \
    r-all/timeseries.csv > r-expect.csv
if [ -s r-changed/timeseries.csv ] && cmp -s r-expect.csv r-changed/timeseries.csv &&
    [ "$(wc -l < r-changed/timeseries.csv)" -lt "$(wc -l < r-all/timeseries.csv)" ]; then
    ok "timeseries rows \"changed\": the rows of \"all\" that differ from the node's last, no others"
else
    bad "timeseries rows \"changed\": the rows of \"all\" that differ from the node's last, no others"
fi
for f in network tandem mmc; do
    "$BIN" run "$SC/$f.json" --out h --event-queue heap --set duration=600 --set warmup=60 --quiet >/dev/null 2>&1
    "$BIN" run "$SC/$f.json" --out c --event-queue calendar --set duration=600 --set warmup=60 --quiet >/dev/null 2>&1
    if [ -s h/summary.json ] && strip h/summary.json > h.txt && strip c/summary.json > c.txt &&
        cmp -s h.txt c.txt && cmp -s h/timeseries.csv c/timeseries.csv && cmp -s h/network.csv c/network.csv; then
        ok "$f: heap and calendar queues give byte-identical results"
    else
        bad "$f: heap and calendar queues give byte-identical results"
    fi
    grep -q '"event_queue":[[:space:]]*"calendar"' c/summary.json && ok "$f: the manifest names the event queue" || bad "$f: the manifest names the event queue"
    rm -rf h c
done

# --- common random numbers: a node's service law does not move arrivals -------
"$BIN" run "$SC/network.json" --out n1 --set duration=60 --set warmup=0 --trace t1.csv --quiet >/dev/null 2>&1
"$BIN" run "$SC/network.json" --out n2 --set duration=60 --set warmup=0 --trace t2.csv --quiet \
    --set 'nodes.pool.service={"type":"exponential","mean":0.5}' >/dev/null 2>&1
awk -F, '$2 == "arrive" && $5 == "gateway"' t1.csv > a1.txt
awk -F, '$2 == "arrive" && $5 == "gateway"' t2.csv > a2.txt
if [ "$(wc -l < a1.txt)" -gt 1000 ] && cmp -s a1.txt a2.txt && ! cmp -s t1.csv t2.csv; then
    ok "changing one node's service distribution leaves every arrival time unchanged"
else
    bad "changing one node's service distribution leaves every arrival time unchanged"
fi

# impatience draws from streams of its own ("patience/CLASS", "balk/NODE"): arrivals do not move
"$BIN" run "$SC/network.json" --out n3 --set duration=60 --set warmup=0 --trace t3.csv --quiet \
    --set 'classes.ai.patience={"type":"exponential","mean":0.05}' --set 'nodes.pool.balk=[0,0.1,0.3]' >/dev/null 2>&1
awk -F, '$2 == "arrive" && $5 == "gateway"' t3.csv > a3.txt
if [ "$(wc -l < a1.txt)" -gt 1000 ] && cmp -s a1.txt a3.txt && grep -q ',abandon,ai,' t3.csv; then
    ok "adding patience and balking leaves every arrival time unchanged (and some jobs do abandon)"
else
    bad "adding patience and balking leaves every arrival time unchanged (and some jobs do abandon)"
fi
"$BIN" run "$SC/network.json" --out n4 --set duration=60 --set warmup=0 --trace t4.csv --quiet \
    --set 'nodes.pool.failures={"up":{"type":"exponential","mean":5},"down":1,"jobs":"restart"}' \
    --set 'nodes.verifier.speed=[1,0.9,0.8]' --set 'links[0].failures={"at":[[10,5]]}' >/dev/null 2>&1
awk -F, '$2 == "arrive" && $5 == "gateway"' t4.csv > a4.txt
if [ "$(wc -l < a1.txt)" -gt 1000 ] && cmp -s a1.txt a4.txt && grep -q '"failures":' n4/summary.json && ! cmp -s t1.csv t4.csv; then
    ok "adding failures, a partition and load-dependent speed leaves every arrival time unchanged"
else
    bad "adding failures, a partition and load-dependent speed leaves every arrival time unchanged"
fi

# a hedging fork draws from its own stream ("fork/NODE"): the arrivals at it do not move
cat > hedge0.json <<'EOF'
{ "duration": 300, "warmup": 0, "classes": { "c": { "arrival": { "process": "poisson", "rate": 1.5 }, "entry": "r" } },
  "nodes": { "r": { "kind": "router", "next": [ { "node": "a", "p": 1 } ] },
             "a": { "service": { "type": "exponential", "mean": 0.5 } }, "b": { "service": { "type": "exponential", "mean": 0.5 } } } }
EOF
sed 's/"next": \[ { "node": "a", "p": 1 } \]/"fork": { "to": ["a", "b"], "join": "first", "hedge": { "type": "exponential", "mean": 0.4 } }/' hedge0.json > hedge1.json
"$BIN" run hedge0.json --out h0 --trace h0.csv -q >/dev/null 2>&1
"$BIN" run hedge1.json --out h1 --trace h1.csv -q >/dev/null 2>&1
awk -F, '$2 == "arrive" && $5 == "r"' h0.csv > ha0.txt
awk -F, '$2 == "arrive" && $5 == "r"' h1.csv > ha1.txt
if [ "$(wc -l < ha0.txt)" -gt 300 ] && cmp -s ha0.txt ha1.txt && grep -q '"tasks_cancelled":' h1/summary.json; then
    ok "adding a hedging fork leaves every arrival time unchanged"
else
    bad "adding a hedging fork leaves every arrival time unchanged"
fi

# hedging at the observed p90: about one job in ten sends its second copy
sed 's/"hedge": { "type": "exponential", "mean": 0.4 }/"hedge": { "percentile": 90 }/' hedge1.json > hedge2.json
"$BIN" run hedge2.json --out h2 --set duration=4000 -q >/dev/null 2>&1
x=$(grep -o '"extra_load":[[:space:]]*[0-9.]*' h2/summary.json | grep -o '[0-9.]*$')
if [ -n "$x" ] && awk -v x="$x" 'BEGIN { exit !(x > 1.05 && x < 1.16) }'; then
    ok "hedging at the observed p90 sends a second copy for about a tenth of the jobs (extra load $x)"
else
    bad "hedging at the observed p90 sends a second copy for about a tenth of the jobs (extra load ${x:-none})"
fi

# a fork's policy decides hedging: hedge() asks for one more copy after 0.5 s and no third
cat > hedge3.json <<EOF
{ "duration": 2000, "warmup": 100, "classes": { "c": { "arrival": { "process": "poisson", "rate": 1.2 }, "entry": "f" } },
  "nodes": { "f": { "kind": "router", "policy": "h", "fork": { "to": ["S"], "join": "first" } },
             "S": { "count": 3, "service": { "type": "exponential", "mean": 1 } } },
  "policies": { "h": { "script": "$ROOT/tests/policies/hedge_twice.lua" } } }
EOF
"$BIN" run hedge3.json --out h3 -q >/dev/null 2>&1
x=$(grep -o '"extra_load":[[:space:]]*[0-9.]*' h3/summary.json | grep -o '[0-9.]*$')
if [ -n "$x" ] && awk -v x="$x" 'BEGIN { exit !(x > 1.3 && x <= 2) }'; then
    ok "a hedge() hook sends a second copy to the jobs not done in 0.5 s and never a third (extra load $x)"
else
    bad "a hedge() hook sends a second copy to the jobs not done in 0.5 s and never a third (extra load ${x:-none})"
fi

# --out - is summary.json on stdout (tested under conventions); report's messages name report
"$BIN" report "$T/no-such-results" >/dev/null 2>rep.err
grep -q '^tailback report: ' rep.err && ! grep -q 'tailback plot' rep.err &&
    ok "report's errors say tailback report, not tailback plot" || bad "report's errors say tailback report, not tailback plot ($(cat rep.err))"

# --- --set changes the model ---------------------------------------------------------
"$BIN" run "$SC/mm1.json" --out w2 --set duration=20000 --set nodes.server.workers=2 --quiet >/dev/null 2>&1
u=$(grep '"utilisation"' w2/summary.json | head -1 | tr -dc '0-9.')
awk "BEGIN { exit !($u > 0.4 && $u < 0.5) }" && ok "--set nodes.server.workers=2 halves utilisation (got $u)" || bad "--set nodes.server.workers=2 halves utilisation (got $u)"

# --- bad input: one line naming file and path, exit 2, nothing written ---------
bad_case() { # bad_case NAME FILE EXPECTED-STDERR [extra args]
    name=$1; file=$2; want=$3; shift 3
    rm -rf out
    "$BIN" run "$file" --out out "$@" >stdout.txt 2>stderr.txt
    rc=$?
    got=$(cat stderr.txt)
    lines=$(wc -l < stderr.txt)
    if [ $rc -eq 2 ] && [ "$got" = "$want" ] && [ "$lines" -eq 1 ] && [ ! -e out ]; then
        ok "bad input, $name"
    else
        bad "bad input, $name (rc=$rc, lines=$lines, out exists: $([ -e out ] && echo yes || echo no))"
        echo "     got:  $got"
        echo "     want: $want"
    fi
}
base='"duration": 100, "classes": {"c": {"arrival": {"process": "poisson", "rate": 1}, "route": ["s"]}}'
node='"nodes": {"s": {"service": {"type": "exponential", "rate": 2}}}'
printf '{"duration": 100,\n  "classes": {\n    "c": {"arrival": {"process": "poisson", "rate": 1},}\n' > malformed.json
bad_case "malformed JSON" malformed.json "malformed.json:3:57: malformed JSON near 'n\", \"rate\": 1},}'"
printf '{%s, %s, "wamup": 10}\n' "$base" "$node" > unknown.json
bad_case "unknown field" unknown.json "unknown.json: wamup: unknown field; did you mean \"warmup\"? (expected one of: comment, seed, duration, warmup, window, tick, event_queue, max_completions, classes, nodes, links, policies, hot, limits, timeseries)"
printf '{"duration": 100, "classes": {"c": {"arrival": {"process": "poisson", "rate": -3}, "route": ["s"]}}, %s}\n' "$node" > negative.json
bad_case "negative rate" negative.json "negative.json: classes.c.arrival.rate: expected a number > 0, found -3"
printf '{"duration": 100, "classes": {"c": {"arrival": {"process": "poisson", "rate": 1}, "route": ["s", "verifer"]}}, %s}\n' "$node" > route.json
bad_case "route to a missing node" route.json "route.json: classes.c.route[1]: expected the name of a node in \"nodes\", found \"verifer\""
printf '{%s, "nodes": {"s": {"service": 0.1, "next": [{"node": "s", "p": 0.2}, {"node": "exit", "p": 0.7}]}}}\n' "$base" > prob.json
bad_case "probabilities not summing to 1" prob.json "prob.json: nodes.s.next: expected probabilities summing to 1 (route the rest to \"exit\"), found a sum of 0.89999999999999991"
bad_case "a missing file" nosuch.json "nosuch.json: cannot read the file (No such file or directory)"
bad_case "a bad override" "$SC/mm1.json" "--set nodes.svr.workers: nodes has no field 'svr' (it has: server) (applied to $SC/mm1.json)" --set nodes.svr.workers=2
bad_case "an override that makes a field invalid" "$SC/mm1.json" "$SC/mm1.json: nodes.server.workers: expected an integer in [1, 1000000], found -1" --set nodes.server.workers=-1
"$BIN" validate unknown.json >/dev/null 2>&1; [ $? -eq 2 ] && ok "validate exits 2 on a bad scenario" || bad "validate exits 2 on a bad scenario"

# fuzzing finds, replayed: the loader must answer (0 or 2), never crash
nreg=0
nregbad=0
for f in "$ROOT"/tests/fuzz/regress/scenario/*; do
    [ -f "$f" ] || continue
    case $f in *.md) continue ;; esac
    "$BIN" validate "$f" >/dev/null 2>&1
    rc=$?
    nreg=$((nreg + 1))
    [ $rc -eq 0 ] || [ $rc -eq 2 ] || { nregbad=$((nregbad + 1)); echo "     fuzz regression $(basename "$f"): rc=$rc"; }
done
[ $nreg -gt 0 ] && [ $nregbad -eq 0 ] && ok "fuzz regressions: $nreg inputs, each answered without a crash" || bad "fuzz regressions: $nregbad of $nreg crashed"

# the bad-input corpus: every case's exact message, exit 2, nothing written
n=0
nbad=0
for f in "$ROOT"/tests/bad/*.json; do
    b=$(basename "$f")
    rm -rf "$T/corpus-out"
    case $b in
    *.exp.json) (cd "$ROOT/tests/bad" && "$BIN" sweep "$b" --out "$T/corpus-out" -j 1 >/dev/null 2>"$T/corpus.err"); rc=$? ;;
    *) (cd "$ROOT/tests/bad" && "$BIN" run "$b" --out "$T/corpus-out" --quiet >/dev/null 2>"$T/corpus.err"); rc=$? ;;
    esac
    n=$((n + 1))
    if [ $rc -ne 2 ] || ! cmp -s "$T/corpus.err" "${f%.json}.expect" || [ -e "$T/corpus-out" ]; then
        nbad=$((nbad + 1))
        echo "     corpus case $b: rc=$rc, got: $(cat "$T/corpus.err")"
    fi
done
[ $n -ge 50 ] && [ $nbad -eq 0 ] && ok "bad-input corpus: $n cases, each its exact message, exit 2, nothing written" || bad "bad-input corpus: $nbad of $n cases wrong"

# --- honest numbers under overload ---------------------------------------------
# An M/M/1 offered 1.5x its capacity for 2000 s, clients that time out after
# 5 s and retry twice: nearly every request fails.  The table says so before
# any latency, the outcomes sum to the arrivals, and the p99 over all
# requests is censored (at least the ~15 s a failed request lasted).
cat > over.json <<EOF2
{"duration": 2000, "classes": {"req": {"arrival": {"process": "poisson", "rate": 1.5}, "route": ["s"],
 "client": {"timeout": 5, "retries": 2}}}, "nodes": {"s": {"service": {"type": "exponential", "rate": 1}}}}
EOF2
"$BIN" run over.json --out over > over.out 2>&1
failed=$(awk '$1 == "req" { sub(/%/, "", $4); print $4 }' over.out)
arr=$(grep -m1 '"arrivals"' over/summary.json | tr -dc '0-9')
sum=$(sed -n '/"outcomes"/,/}/p' over/summary.json | grep -o '[0-9][0-9]*' | awk '{ s += $1 } END { print s }')
if awk -v f="$failed" 'BEGIN { exit !(f >= 95 && f <= 100) }' && [ "$arr" -gt 2500 ] && [ "$sum" = "$arr" ] &&
    grep -q '^class .*offered/s.* ok.*failed.*rejected.*dropped.*in flight | p50, all requests' over.out &&
    awk '$1 == "req"' over.out | grep -q '>=1[0-9.]*s (censored)' &&
    sed -n '/"latency"/,/}/p' over/summary.json | grep -q '"censored":[[:space:]]*true'; then
    ok "overload: the table shows ${failed}% of requests failed, outcomes sum to the arrivals ($arr), p99 censored"
else
    bad "overload: the table shows the failure share, outcomes sum to the arrivals, the p99 is censored (failed=$failed, $sum of $arr)"
    cat over.out
fi
# Nothing completes: statistics of nothing are null in summary.json and a
# dash in the table, never 0
cat > none.json <<EOF2
{"duration": 100, "classes": {"c": {"arrival": {"process": "poisson", "rate": 1}, "route": ["s"]}},
 "nodes": {"s": {"service": 1e6}}}
EOF2
"$BIN" run none.json --out none > none.out 2>&1
if sed -n '/"sojourn"/,/}/p' none/summary.json | grep -q '"mean":[[:space:]]*null' &&
    sed -n '/"sojourn"/,/}/p' none/summary.json | grep -q '"p99":[[:space:]]*null' &&
    grep -q '"throughput":[[:space:]]*0' none/summary.json && awk '$1 == "c" { exit !($NF == "-") }' none.out; then
    ok "no completions: the sojourn statistics are null in summary.json and '-' in the table"
else
    bad "no completions: the sojourn statistics are null in summary.json and '-' in the table"
fi
cat > none-exp.json <<EOF2
{"scenario": "none.json", "replications": 2, "metrics": ["classes.c.sojourn.mean", "classes.c.sojourn.p99"]}
EOF2
"$BIN" sweep none-exp.json --out none-sw -j 2 >/dev/null 2>&1
if awk -F, '$3 ~ /sojourn/ { n++; if ($4 != 0 || $5 != "" || $7 != "" || $8 != "") bad = 1 } END { exit bad || n != 2 }' none-sw/summary.csv; then
    ok "no completions in a sweep: n = 0, no estimate, no interval"
else
    bad "no completions in a sweep: n = 0, no estimate, no interval"; cat none-sw/summary.csv
fi

# A collapsed FIFO against LIFO and a bounded buffer: the survivors' p99
# ranks FIFO best, the success share and the p99 over all requests rank it
# worst, and so do the report and the comparison (FIFO is the baseline, so
# the others' differences on the all-requests p99 are upper bounds below 0).
"$BIN" sweep "$SC/experiments/fifo-collapse.json" --out collapse -j 2 >/dev/null 2>&1
col() { awk -F, -v p="$1" -v m="$2" -v c="$3" '$2 == p && $3 == m { print $c }' collapse/summary.csv; }
f99=$(col fifo classes.req.sojourn.p99 5); l99=$(col lifo classes.req.sojourn.p99 5); d99=$(col "drop-tail 20" classes.req.sojourn.p99 5)
fall=$(col fifo classes.req.latency.p99 5); lall=$(col lifo classes.req.latency.p99 5); dall=$(col "drop-tail 20" classes.req.latency.p99 5)
fcens=$(col fifo classes.req.latency.p99 10); lcens=$(col lifo classes.req.latency.p99 10)
fok=$(col fifo classes.req.shares.success 5); lok=$(col lifo classes.req.shares.success 5)
if awk -v f="$f99" -v l="$l99" -v d="$d99" -v fa="$fall" -v la="$lall" -v da="$dall" -v fo="$fok" -v lo="$lok" \
       'BEGIN { exit !(f < l && f < d && fa > la && fa > da && fo < 0.5 && lo > 0.95) }' &&
    [ "$fcens" = 1 ] && [ "$lcens" = 0 ]; then
    ok "collapse: survivors' p99 ranks FIFO best ($f99 s), the all-requests p99 worst (>= $fall s, censored; LIFO $lall s)"
else
    bad "collapse: survivors' p99 ranks FIFO best, the all-requests p99 worst ($f99 $l99 $d99 / $fall $lall $dall / $fcens $lcens)"
fi
awk -F, '$4 == "classes.req.latency.p99" && !($6 < 0 && $10 ~ /upper bound/) { bad = 1 }
         $4 == "classes.req.sojourn.p99" && !($6 > 0) { bad = 1 } END { exit bad }' collapse/comparisons.csv &&
    ok "collapse: the comparison has every alternative below FIFO on the all-requests p99 (an upper bound), above on the survivors'" ||
    bad "collapse: the comparison has every alternative below FIFO on the all-requests p99"
if command -v gnuplot >/dev/null; then
    "$BIN" report collapse --out collapse.html >/dev/null 2>&1
    # the verdict: drop-tail is best on success and the all-requests p99, FIFO
    # outside both intervals; by the survivors' p99 FIFO is not ranked at all
    # (7% success): its low number is no win
    grep -q '<li><b>drop-tail 20</b> has the highest req: success share ([^)]*); lifo is within its interval, fifo is outside it.</li>' collapse.html &&
    grep -q '<li><b>drop-tail 20</b> has the lowest req: p99 latency, all requests ([^)]*); fifo and lifo are outside it.</li>' collapse.html &&
    grep -q '<li><b>lifo</b> has the lowest req: p99 sojourn, succeeded .*not ranked, since this counts only the requests that succeeded: fifo (7.[0-9]*% succeeded)' collapse.html &&
    [ "$(grep -c '<td class="best">' collapse.html)" -ge 4 ] && ! grep 'req: p99 sojourn' collapse.html | grep -q 'best">&#9733; 4\.' &&
        ok "collapse: the verdict marks drop-tail best by success and all-requests p99, FIFO outside; by the survivors' p99 FIFO is not ranked" ||
        bad "collapse: the verdict on the collapsed FIFO"
    "$BIN" plot collapse --format svg >/dev/null 2>&1
    grep -q 'req: p99 latency, all requests (s)' collapse/plots/comparison.svg 2>/dev/null &&
        ok "collapse: the comparison figure draws the all-requests p99" || bad "collapse: the comparison figure draws the all-requests p99"
fi

# --- the seed scenario runs and reports its congestion measures ------------------
"$BIN" run "$SC/seed-holiday-rush.json" --out seed > seed.out 2>&1
# the demo's transfers: more than half fail after their retries, and the
# table says so (it once printed "lost 0%")
tf=$(awk '$1 == "transfer" { sub(/%/, "", $4); print $4 }' seed.out)
awk -v f="$tf" 'BEGIN { exit !(f > 30) }' && ok "the demo's table shows the transfers' failure share ($tf%)" || bad "the demo's table shows the transfers' failure share (got '$tf')"
if [ -s seed/summary.json ] && grep -q '"blast_radius"' seed/summary.json && grep -q '"recovery_time"' seed/summary.json &&
    grep -q '"confirmation"' seed/summary.json && grep -q '"wasted_work"' seed/summary.json; then
    ok "seed-holiday-rush runs and reports blast radius, recovery, confirmations, wasted work"
else
    bad "seed-holiday-rush runs and reports blast radius, recovery, confirmations, wasted work"
fi

# --- Lua policies ------------------------------------------------------------------
# FIFO in Lua reproduces the built-in default byte for byte (manifest aside).
nomanifest() { sed '/"manifest":/,/^	},$/d' "$1"; }
for f in mm1 tandem; do
    "$BIN" run "$SC/$f.json" --out plain --set duration=20000 --quiet >/dev/null 2>&1
    case $f in mm1) nodes=server ;; tandem) nodes="ingest verify commit" ;; esac
    sets=""
    for n in $nodes; do sets="$sets --set nodes.$n.policy=fifo"; done
    "$BIN" run "$SC/$f.json" --out lua --set duration=20000 $sets --quiet >/dev/null 2>&1
    if [ -s plain/summary.json ] && grep -q '"script":[[:space:]]*"lua/fifo.lua"' lua/summary.json &&
        nomanifest plain/summary.json > p.txt && nomanifest lua/summary.json > l.txt && [ -s l.txt ] &&
        cmp -s p.txt l.txt && cmp -s plain/timeseries.csv lua/timeseries.csv; then
        ok "$f: lua/fifo.lua gives byte-identical results to the built-in FIFO"
    else
        bad "$f: lua/fifo.lua gives byte-identical results to the built-in FIFO"
    fi
    rm -rf plain lua
done

# Same seed and policy: same bytes; a policy's random draws move no arrival.
H=$ROOT/tests/policies/scenario.json
"$BIN" run "$H" --out r1 --set nodes.lb.policy=random --trace t1.csv --quiet >/dev/null 2>&1
"$BIN" run "$H" --out r2 --set nodes.lb.policy=random --quiet >/dev/null 2>&1
cmp -s r1/summary.json r2/summary.json 2>/dev/null || true
nomanifest r1/summary.json > r1.txt; nomanifest r2/summary.json > r2.txt
cmp -s r1.txt r2.txt && cmp -s r1/timeseries.csv r2/timeseries.csv && ok "a policy drawing random numbers: same seed, same results" || bad "a policy drawing random numbers: same seed, same results"
"$BIN" run "$H" --out r3 --set nodes.lb.policy=round_robin --trace t3.csv --quiet >/dev/null 2>&1
awk -F, '$2 == "arrive" && ($5 == "lb" || ($3 == "d" && $5 == "s"))' t1.csv | sort > a1.txt
awk -F, '$2 == "arrive" && ($5 == "lb" || ($3 == "d" && $5 == "s"))' t3.csv | sort > a3.txt
if [ "$(wc -l < a1.txt)" -gt 500 ] && cmp -s a1.txt a3.txt; then
    ok "a policy's random draws do not change any class's arrivals"
else
    bad "a policy's random draws do not change any class's arrivals"
fi

# Bad policies: one line with the script's file:line, the hook, the node and
# the simulated time; non-zero exit; no results.
bad_policy() { # NAME POLICY-SETTING EXPECTED-STATUS EXPECTED-MESSAGE
    name=$1; set_arg=$2; want_rc=$3; want=$4
    rm -rf out
    "$BIN" run "$H" --out out --set "$set_arg" >stdout.txt 2>stderr.txt
    rc=$?
    got=$(cat stderr.txt)
    if [ $rc -eq "$want_rc" ] && [ "$got" = "$want" ] && [ "$(wc -l < stderr.txt)" -eq 1 ] && [ ! -e out ]; then
        ok "bad policy, $name"
    else
        bad "bad policy, $name (rc=$rc)"
        echo "     got:  $got"
        echo "     want: $want"
    fi
}
rm -f /tmp/tailback-escaped
bad_policy "syntax error" nodes.s.policy=syntax.lua 2 "syntax.lua:4: unexpected symbol near 'end'"
bad_policy "runtime error in a hook" nodes.s.policy=runtime.lua 1 "runtime.lua:7: attempt to index a nil value (local 't') (in rank() at node s, t=116.137273 s)"
bad_policy "route returns a candidate that does not exist" nodes.lb.policy=bad_route.lua 1 "bad_route.lua:2: route() returned 6, expected a candidate index in 1..1 (in route() at node lb, t=3.50542039 s)"
bad_policy "pick returns a class with nothing waiting" nodes.s.policy=bad_pick.lua 1 "bad_pick.lua:3: pick() returned 3, expected the id of a class with waiting jobs (or nil) (in pick() at node s, t=4.59092406 s)"
bad_policy "an endless loop" nodes.s.policy=endless.lua 1 "endless.lua:5: instruction budget of 1000000 exceeded in one call (an endless loop?) (in admit() at node s, t=2.87210593 s)"
bad_policy "os.execute" nodes.s.policy=escape.lua 1 "escape.lua:3: attempt to index a nil value (global 'os') (in admit() at node s, t=2.87210593 s)"
[ -e /tmp/tailback-escaped ] && bad "the escape attempt did not run" || ok "the escape attempt did not run"
at=" (in admit() at node s, t=2.87210593 s)"
bad_policy "io.open" nodes.s.policy=escape_io.lua 1 "escape_io.lua:3: attempt to index a nil value (global 'io')$at"
bad_policy "dofile of an arbitrary path" nodes.s.policy=escape_dofile.lua 1 "escape_dofile.lua:3: attempt to call a nil value (global 'dofile')$at"
bad_policy "require of a path outside the policy directory" nodes.s.policy=escape_require.lua 1 "escape_require.lua:3: require: expected a module name of a-z, 0-9 and _, found '../../etc/passwd'$at"
bad_policy "load of a binary chunk" nodes.s.policy=escape_load.lua 1 "escape_load.lua:3: attempt to call a nil value (global 'load')$at"
bad_policy "string.dump" nodes.s.policy=escape_dump.lua 1 "escape_dump.lua:3: attempt to call a nil value (field 'dump')$at"
bad_policy "debug.*" nodes.s.policy=escape_debug.lua 1 "escape_debug.lua:3: attempt to index a nil value (global 'debug')$at"
bad_policy "collectgarbage" nodes.s.policy=escape_gc.lua 1 "escape_gc.lua:3: attempt to call a nil value (global 'collectgarbage')$at"
bad_policy "setmetatable on the sim module" nodes.s.policy=escape_meta.lua 1 "escape_meta.lua:3: cannot change a protected metatable$at"
bad_policy "writing into the sim module" nodes.s.policy=escape_write.lua 1 "escape_write.lua:3: the sim module is read-only$at"
bad_policy "a memory bomb" nodes.s.policy=memory_bomb.lua 1 "memory_bomb.lua: memory limit of 64 MiB exceeded (the policy's \"memory\" setting raises it)$at"
bad_policy "deep recursion" nodes.s.policy=recursion.lua 1 "recursion.lua:2: instruction budget of 1000000 exceeded in one call (an endless loop?)$at"
bad_policy "math.randomseed" nodes.s.policy=seed_random.lua 1 "seed_random.lua:3: math.randomseed is disabled: each policy's stream is seeded from the scenario's seed$at"
bad_policy "a job handle kept past its hook" nodes.s.policy=bad_job.lua 1 "bad_job.lua:4: bad argument #1 to 'size' (expected the job passed to the current hook (job handles are valid only during that call)) (in rank() at node s, t=3.50542039 s)"
bad_policy "a quantum without preemption" nodes.s.policy=quantum_only.lua 2 "quantum_only.lua: options.quantum needs options.preemptive = true"
bad_policy "options.rank and a rank hook" nodes.s.policy=rank_twice.lua 2 "rank_twice.lua: options.rank and a rank() hook: expected one of them"
"$BIN" run "$H" --out out --set nodes.s.policy=nosuch.lua >/dev/null 2>np.err; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l < np.err)" -eq 1 ] && [ ! -e out ] &&
    grep -qF "$H: nodes.s.policy: expected a Lua policy (a path like \"policies/mine.lua\", relative to the scenario, or the name of a shipped policy like \"fifo\"), found \"nosuch.lua\" (no such file; shipped: aimd, autoscale_step," np.err &&
    ok "bad policy, a script that does not exist: one line that lists the shipped policies" ||
    bad "bad policy, a script that does not exist: one line that lists the shipped policies ($(cat np.err))"
"$BIN" run "$H" --out out --set nodes.s.policy=jsqq >/dev/null 2>np.err
grep -qF 'found "jsqq" (no such file; did you mean "jsq"? shipped: aimd,' np.err && ! grep -q 'choose\|utilisation' np.err &&
    ok "bad policy, a misspelt shipped policy: the nearest name is suggested" || bad "bad policy, a misspelt shipped policy: the nearest name is suggested ($(cat np.err))"

# routing that cannot work is refused at load (once: a hang at 100% CPU, or a
# stack overflow): a router that routes to itself, a cycle of zero-delay
# nodes, queues that never let a job leave
for f in loop-router loop-zero-delay loop-exitless loop-self; do
    timeout 10 "$BIN" run "$ROOT/tests/hostile/$f.json" --out lp --quiet >/dev/null 2>lp.err
    rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l < lp.err)" -eq 1 ] && grep -q "^$ROOT/tests/hostile/$f.json: classes.c: expected" lp.err && [ ! -e lp ]; then
        ok "routing: $f.json is refused at load with one line naming the nodes"
    else
        bad "routing: $f.json is refused at load (rc=$rc): $(head -c 300 lp.err)"
    fi
done

# --- hostile policies: no escape from the budget, one answer per seed ---------------
# each attempt ends with one line naming the script, the hook and the limit,
# well within the time a plain endless loop takes to exhaust its budget
bad_policy "pcall cannot catch the budget" nodes.s.policy=escape_pcall.lua 1 "escape_pcall.lua:4: instruction budget of 1000000 exceeded in one call (an endless loop?)$at"
bad_policy "xpcall cannot catch the budget" nodes.s.policy=escape_xpcall.lua 1 "escape_xpcall.lua:4: instruction budget of 1000000 exceeded in one call (an endless loop?)$at"
bad_policy "string.rep of an empty string 2^62 times, then of 2^41 bytes" nodes.s.policy=escape_rep.lua 1 "escape_rep.lua:4: string.rep: the result (2199023255552 bytes) would exceed the memory limit$at"
bad_policy "exponential pattern backtracking" nodes.s.policy=escape_pattern.lua 1 "escape_pattern.lua:4: patterns are disabled in policies (their backtracking has no bound): use string.find(s, text, init, true) for plain text$at"
bad_policy "large concatenations in a loop" nodes.s.policy=escape_concat.lua 1 "escape_concat.lua: work budget of 1000000 exceeded in one call (C work on the script's behalf: large strings, sorts, searches)$at"
bad_policy "table.sort of a large table in a loop" nodes.s.policy=escape_sort.lua 1 "escape_sort.lua:5: work budget of 1000000 exceeded in one call (C work on the script's behalf: large strings, sorts, searches)$at"
bad_policy "a looping __gc finaliser" nodes.s.policy=escape_gc_loop.lua 2 "escape_gc_loop.lua:2: setmetatable: a __gc finaliser is disabled in policies (it would run outside the instruction budget)"
bad_policy "rank() returning a string" nodes.s.policy=rank_string.lua 1 "rank_string.lua:2: rank() returned \"5\", expected a number (smaller is served first) (in rank() at node s, t=2.87210593 s)"
bad_policy "sim.emit with a name that would inject CSV rows" nodes.s.policy=emit_inject.lua 1 "emit_inject.lua:3: bad argument #1 to 'emit' (expected a metric name of 1-64 letters, digits, '_', '.', ':' or '-')$at"
# the same attempts cost no more than twice what a plain endless loop costs
tm() { s=$(date +%s%N); "$BIN" run "$H" --out tmo --set "$1" --quiet >/dev/null 2>&1; echo $(( ($(date +%s%N) - s) / 1000000 )); }
base=$(tm nodes.s.policy=endless.lua); slow=""
for p in escape_pcall escape_xpcall escape_rep escape_pattern escape_sort; do
    t=$(tm nodes.s.policy=$p.lua)
    [ "$t" -le $((2 * base + 200)) ] || slow="$slow $p=${t}ms"
done
[ -z "$slow" ] && ok "each budget escape stops within twice the time of a plain endless loop (${base} ms)" ||
    bad "budget escapes slower than twice a plain endless loop (${base} ms):$slow"
# globals' metamethods never run in tailback's own lookups: a looping or
# erroring _G.__index (once a hang, once a panic with exit 134) is harmless
for p in escape_index_loop escape_index_error; do
    rm -rf out
    timeout 20 "$BIN" run "$H" --out out --set nodes.s.policy=$p.lua --quiet >/dev/null 2>stderr.txt
    rc=$?
    [ $rc -eq 0 ] && [ -s out/summary.json ] && ok "a policy with $p: runs normally" || bad "a policy with $p (rc=$rc): $(head -c 300 stderr.txt)"
done
# one seed, one answer: next() over a string-keyed table and tostring() of a
# table or function do not depend on Lua's per-process hash seed or addresses
T3=$ROOT/tests/policies/three.json
for p in next_order tostring_addr; do
    rm -f sums.txt
    for i in $(seq 20); do
        "$BIN" run "$T3" --out det --set nodes.lb.policy=$p.lua --quiet >/dev/null 2>&1
        cat det/summary.json det/timeseries.csv det/network.csv | cksum >> sums.txt
    done
    [ "$(sort -u sums.txt | wc -l)" -eq 1 ] && [ -s det/summary.json ] &&
        ok "20 runs of a policy using $p give identical bytes" ||
        bad "20 runs of a policy using $p give identical bytes ($(sort -u sums.txt | wc -l) different)"
done
# signal_stops SCENARIO LABEL: SIGTERM and SIGINT, a second into the run,
# stop it within a second: exit 143 and 130, results marked partial
signal_stops() {
    for sig in TERM INT; do
        rm -rf sigrun
        "$BIN" run "$1" --out sigrun --quiet >/dev/null 2>sig.err &
        sp=$!
        sleep 1
        s=$(date +%s%N)
        kill -$sig $sp
        wait $sp
        rc=$?
        ms=$(( ($(date +%s%N) - s) / 1000000 ))
        want=143; [ $sig = INT ] && want=130
        if [ $rc -eq $want ] && [ $ms -lt 1000 ] && grep -q 'interrupted at simulated time' sig.err &&
            grep -q '"status":[[:space:]]*"partial: interrupted' sigrun/summary.json; then
            ok "SIG$sig stops $2 in ${ms} ms, exit $want, results marked partial"
        else
            bad "SIG$sig stops $2 (rc=$rc, ${ms} ms): $(head -c 300 sig.err)"
        fi
    done
}
# a policy stuck in a long C call (table.sort under a budget of 10^9)
signal_stops "$ROOT/tests/hostile/slow-policy.json" "a policy inside a long C call"

# the manifest fingerprints the helper modules a policy require()s, not only
# the policy file: editing the module changes the results
"$BIN" run "$H" --set nodes.lb.policy=with_helper.lua --set duration=100 --out modsha --quiet >/dev/null 2>&1
want=$(sha256sum "$ROOT/tests/policies/helper_mod.lua" | cut -d' ' -f1)
grep -A1 '"modules_sha256"' modsha/summary.json 2>/dev/null | grep -q "\"helper_mod\":[[:space:]]*\"$want\"" &&
    ok "manifest: a policy's require()d helper modules are listed with their SHA-256" ||
    bad "manifest: a policy's require()d helper modules are listed with their SHA-256"

# "timeseries": {"nodes": [...]} writes rows for the named nodes only, and a
# name that is no node is refused with its JSON path
"$BIN" run "$H" --set 'timeseries={"nodes": ["s"]}' --out tsel --quiet >/dev/null 2>&1
[ "$(cut -d, -f2 tsel/timeseries.csv | sort -u | tr '\n' ' ')" = "node s " ] &&
    ok "timeseries.nodes: rows for the named node only" || bad "timeseries.nodes: rows for the named node only"
"$BIN" run "$H" --set 'timeseries={"nodes": ["nosuch"]}' --out tsel2 --quiet >/dev/null 2>tsel.err
[ $? -eq 2 ] && grep -q 'timeseries.nodes\[0\]: expected the name of a node in "nodes", found "nosuch"' tsel.err && [ ! -e tsel2 ] &&
    ok "timeseries.nodes: an unknown node is refused with its JSON path" ||
    bad "timeseries.nodes: an unknown node is refused with its JSON path: $(cat tsel.err)"

# "timeseries": {"fields": [...]} writes those columns, in that order, with
# the same values as the full file's; a misspelt field is refused
"$BIN" run "$H" --out tsall --quiet >/dev/null 2>&1
"$BIN" run "$H" --set 'timeseries={"fields": ["hot", "arrivals", "in_node"]}' --out tsf --quiet >/dev/null 2>&1
if head -1 tsf/timeseries.csv | grep -q '^time_s,node,hot,arrivals,in_node$' &&
    [ "$(wc -l < tsf/timeseries.csv)" -gt 10 ] &&
    cut -d, -f1,2,9,6,4 tsall/timeseries.csv | awk -F, 'NR > 1 { print $1 "," $2 "," $5 "," $4 "," $3 }' > tsf.want &&
    tail -n +2 tsf/timeseries.csv | cmp -s - tsf.want; then
    ok "timeseries.fields: the named columns, in order, equal to the full file's"
else
    bad "timeseries.fields: the named columns, in order, equal to the full file's"
fi
"$BIN" run "$H" --set 'timeseries={"fields": ["queue"]}' --out tsf2 --quiet >/dev/null 2>tsf.err
[ $? -eq 2 ] && grep -q 'timeseries.fields\[0\]: expected one of: queue_length, in_node, busy, arrivals, completions, drops, hot, found "queue"' tsf.err &&
    ok "timeseries.fields: an unknown field is refused with the list" ||
    bad "timeseries.fields: an unknown field is refused with the list: $(cat tsf.err)"

# "budget": "off" (a trusted policy: no count hook): SIGINT and SIGTERM
# still stop an endless loop within a second, and the wall-clock watchdog
# (2 s here) stops it on its own, naming the setting
signal_stops "$ROOT/tests/hostile/endless-trusted.json" "an endless loop with the budget off"
rm -rf offout
s=$(date +%s)
"$BIN" run "$ROOT/tests/hostile/endless-trusted.json" --out offout --quiet >/dev/null 2>off.err
rc=$?
secs=$(( $(date +%s) - s ))
if [ $rc -eq 1 ] && [ $secs -le 5 ] && grep -q 'endless.lua:5: watchdog: one call ran for more than 2 s of wall clock' off.err; then
    ok "budget off: the watchdog stops an endless loop after 2 s (${secs} s, exit 1)"
else
    bad "budget off: the watchdog stops an endless loop (rc=$rc, ${secs} s): $(head -c 300 off.err)"
fi
# a trusted policy gives the bytes of the budgeted one
sed 's#"s": { "service"#"s": { "policy": "t", "service"#; s#"nodes": {#"policies": { "t": { "script": "sjf", "budget": "off" } },\n  "nodes": {#' "$H" > trusted.json
sed 's#"budget": "off"#"budget": 1000000#' trusted.json > budgeted.json
"$BIN" run trusted.json --out t_off --quiet >/dev/null 2>&1
"$BIN" run budgeted.json --out t_on --quiet >/dev/null 2>&1
if [ -s t_off/latency.csv ] && cmp -s t_off/latency.csv t_on/latency.csv && cmp -s t_off/timeseries.csv t_on/timeseries.csv && cmp -s t_off/metrics.csv t_on/metrics.csv; then
    ok "budget off: a policy that stays within bounds gives the bytes of the budgeted run"
else
    bad "budget off: a policy that stays within bounds gives the bytes of the budgeted run"
fi
"$BIN" validate "$H" --set 'policies={"t": {"script": "sjf", "budget": "of"}}' >/dev/null 2>v.err
grep -q 'policies.t.budget: expected an instruction count (1000 to 1000000000) or "off", found "of"' v.err &&
    ok "budget: a misspelt \"off\" is refused with the JSON path" ||
    bad "budget: a misspelt \"off\" is refused with the JSON path: $(cat v.err)"

# --- scenario generators: a sandboxed script's table, written as JSON, one answer per seed ---
G=$ROOT/scenarios/generators
check "tailback generate --help names --set, --seed and --budget" sh -c "'$BIN' generate --help | grep -q -- '--set NAME=VALUE' && '$BIN' generate --help | grep -q -- '--budget N'"
for g in "$G"/*.lua; do
    n=$(basename "$g" .lua)
    if "$BIN" generate "$g" -o "gen-$n.json" 2>gen.err && "$BIN" validate "gen-$n.json" >/dev/null 2>>gen.err &&
        "$BIN" run "gen-$n.json" --out "gen-$n" --set duration=20 --set warmup=2 -q 2>>gen.err; then
        ok "generator $n: writes a scenario that validates and runs"
    else
        bad "generator $n: writes a scenario that validates and runs ($(head -c 300 gen.err))"
    fi
done
# the generated chain is the scenario written out by hand: the same results
"$BIN" generate "$G/chain.lua" --set n=3 --set 'mu=[2,1.25,4]' --set duration=3000 --set warmup=100 -o chain.json 2>/dev/null
cat > chain-hand.json <<'EOF'
{ "comment": "written out", "seed": 1, "duration": 3000, "warmup": 100,
  "classes": { "requests": { "arrival": { "process": "poisson", "rate": 1 }, "route": ["s01", "s02", "s03"] } },
  "nodes": { "s01": { "service": { "type": "exponential", "rate": 2 } },
             "s02": { "service": { "type": "exponential", "rate": 1.25 } },
             "s03": { "service": { "type": "exponential", "rate": 4 } } } }
EOF
"$BIN" run chain.json --out chain-g -q >/dev/null 2>&1
"$BIN" run chain-hand.json --out chain-h -q >/dev/null 2>&1
if [ -s chain-g/summary.json ] && strip chain-g/summary.json | grep -v 'sha256' > cg.txt &&
    strip chain-h/summary.json | grep -v 'sha256' > ch.txt && cmp -s cg.txt ch.txt &&
    cmp -s chain-g/timeseries.csv chain-h/timeseries.csv; then
    ok "generate chain.lua: the same results as the chain written out by hand"
else
    bad "generate chain.lua: the same results as the chain written out by hand"
fi
"$BIN" generate "$G/random_graph.lua" --set n=300 --seed 7 -o rg1.json 2>/dev/null
"$BIN" generate "$G/random_graph.lua" --set n=300 --seed 7 > rg2.json 2>/dev/null
"$BIN" generate "$G/random_graph.lua" --set n=300 --seed 8 -o rg3.json 2>/dev/null
[ -s rg1.json ] && cmp -s rg1.json rg2.json && ! cmp -s rg1.json rg3.json &&
    ok "generate: the same script and seed give the same bytes (file or stdout), another seed another graph" ||
    bad "generate: the same script and seed give the same bytes (file or stdout), another seed another graph"
# hostile generators: nothing runs outside the sandbox, nothing hangs, nothing half-written
gen_bad() { # gen_bad NAME SCRIPT-TEXT EXPECTED-TEXT [BUDGET]
    printf '%s\n' "$2" > hg.lua
    rm -f hg.json pwned
    "$BIN" generate hg.lua --budget "${4:-20000000}" -o hg.json > /dev/null 2> hg.err
    rc=$?
    if [ $rc -eq 2 ] && [ ! -e hg.json ] && [ ! -e pwned ] && grep -qF -- "$3" hg.err && [ "$(wc -l < hg.err)" -eq 1 ]; then
        ok "generate refuses $1: exit 2, one line, no file"
    else
        bad "generate refuses $1: exit 2, one line, no file (rc=$rc: $(cat hg.err))"
    fi
}
gen_bad "an endless loop" 'while true do end' "hg.lua:1: instruction budget of 20000000 exceeded"
gen_bad "os.execute" 'os.execute("touch pwned") return { a = 1 }' "hg.lua:1: attempt to index a nil value (global 'os')"
gen_bad "io.open" 'io.open("pwned", "w") return { a = 1 }' "global 'io'"
gen_bad "a budget caught by pcall" 'pcall(function() while true do end end) return { a = 1 }' "instruction budget"
gen_bad "a function in the scenario" 'return { nodes = { a = { f = print } } }' "the returned scenario: nodes.a.f: a function cannot be written as JSON"
gen_bad "a table that contains itself" 'local t = {} t.x = t return { a = t }' "nested more than 64 deep"
gen_bad "NaN" 'return { duration = 0/0 }' "duration: NaN is not a JSON number"
gen_bad "a list with holes" 'return { a = { 1, nil, 3 } }' "a: a list with holes"
gen_bad "a number instead of a table" 'return 5' "expected the script to return the scenario as a table"
gen_bad "a memory bomb" 'local t = {} for i = 1, 1e9 do t[i] = i end return { t = t }' "memory limit of 1024 MiB exceeded" 1000000000

# --- sweeps: -j independence, resume after kill -9, plan/run-index/merge ---------------
EX=$ROOT/scenarios/experiments
"$BIN" sweep "$EX/mm1-load-sweep.json" --out sw1 -j 1 >/dev/null 2>&1
"$BIN" sweep "$EX/mm1-load-sweep.json" --out sw2 -j 2 >/dev/null 2>&1
same_sweep() { cmp -s "$1/runs.csv" "$2/runs.csv" && cmp -s "$1/summary.csv" "$2/summary.csv" && cmp -s "$1/manifest.json" "$2/manifest.json"; }
[ -s sw1/summary.csv ] && [ "$(wc -l < sw1/runs.csv)" -eq 51 ] && same_sweep sw1 sw2 && ok "sweep: -j 1 and -j 2 give byte-identical runs.csv, summary.csv, manifest.json" || bad "sweep: -j 1 and -j 2 give byte-identical runs.csv, summary.csv, manifest.json"
# a slower sweep, killed with SIGKILL at two moments, then finished by running it again
sed 's/"duration": 20000/"duration": 2000000/; s/"replications": 5/"replications": 4/' "$EX/mm1-load-sweep.json" > slow.json
sed -i "s#\.\./mm1.json#$SC/mm1.json#" slow.json
"$BIN" sweep slow.json --out ref -j 2 >/dev/null 2>&1
for delay in $(awk 'BEGIN { srand(); for (i = 0; i < 3; i++) printf "%.2f ", 0.2 + rand() * 0.9 }'); do
    "$BIN" sweep slow.json --out killed -j 2 >/dev/null 2>&1 &
    kpid=$!
    sleep $delay
    pkill -KILL -P $kpid 2>/dev/null; kill -KILL $kpid 2>/dev/null; wait $kpid 2>/dev/null
done
partial=$(ls killed/runs | grep -c '\.json$')
ls killed/runs | grep -q tmp && leftovers=yes || leftovers=no
"$BIN" sweep slow.json --out killed -j 2 >/dev/null 2>&1
if [ "$partial" -gt 0 ] && [ "$partial" -lt 40 ] && same_sweep ref killed; then
    ok "sweep: killed with SIGKILL at three random moments ($partial of 40 runs kept), rerun gives the uninterrupted bytes"
else
    bad "sweep: killed with SIGKILL at three random moments ($partial of 40 runs kept), rerun gives the uninterrupted bytes"
fi
# no temporaries survive the rerun: those of the killed processes are removed
ls -a killed killed/runs | grep -q '\.tmp-' && bad "sweep: the rerun removes the temporaries of killed runs" ||
    ok "sweep: the rerun removes the temporaries of killed runs"
# a signal to the sweep stops its runs in flight too, even runs stuck in a
# long policy call: no process is left 2 s after SIGINT or SIGTERM to the
# parent alone, nor after SIGKILL of the parent (the children die with it)
printf '{"scenario": "%s", "replications": 4, "metrics": ["classes.c.latency.p50"]}\n' "$ROOT/tests/hostile/slow-policy.json" > sigexp.json
for sig in INT TERM KILL; do
    rm -rf sigout
    "$BIN" sweep sigexp.json --out sigout -j 2 >/dev/null 2>&1 &
    sp=$!
    sleep 1
    kids=$(pgrep -P $sp | wc -l)
    kill -$sig $sp
    wait $sp 2>/dev/null
    rc=$?
    sleep 2
    left=$(pgrep -f "sweep sigexp.json --out sigout" | wc -l)
    want=130; [ $sig = TERM ] && want=143; [ $sig = KILL ] && want=137
    if [ "$kids" -eq 2 ] && [ "$left" -eq 0 ] && [ $rc -eq $want ]; then
        ok "sweep -j 2: SIG$sig to the parent leaves no process behind within 2 s (exit $rc)"
    else
        bad "sweep -j 2: SIG$sig to the parent ($kids runs in flight, $left processes left, rc=$rc)"
        pgrep -af "sweep sigexp.json --out sigout" | sed 's/^/     /'
        pkill -KILL -f "sweep sigexp.json --out sigout"
    fi
done
# the plan executed by GNU parallel, one run per task (a Slurm array does the same with $SLURM_ARRAY_TASK_ID)
"$BIN" sweep "$EX/mm1-load-sweep.json" --out pl --plan >/dev/null 2>&1
if command -v parallel >/dev/null && [ "$(wc -l < pl/plan.csv)" -eq 51 ]; then
    tail -n +2 pl/plan.csv | cut -d, -f1 | parallel -j 2 "'$BIN'" sweep "'$EX/mm1-load-sweep.json'" --out pl --run-index {} >/dev/null 2>&1
    "$BIN" sweep "$EX/mm1-load-sweep.json" --out pl --merge >/dev/null 2>&1
    same_sweep sw1 pl && ok "sweep: --plan, GNU parallel over --run-index, --merge equals a direct sweep" || bad "sweep: --plan, GNU parallel over --run-index, --merge equals a direct sweep"
else
    bad "sweep: --plan writes one line per run, and GNU parallel is installed"
fi
# the same plan as a Slurm job array would run it: one task per index, each
# with SLURM_ARRAY_TASK_ID set, running the documented command line
i=0
while [ $i -lt 50 ]; do
    SLURM_ARRAY_TASK_ID=$i sh -c '"$0" sweep "$1" --out slurm --run-index "$SLURM_ARRAY_TASK_ID"' "$BIN" "$EX/mm1-load-sweep.json" >/dev/null 2>&1
    i=$((i + 1))
done
"$BIN" sweep "$EX/mm1-load-sweep.json" --out slurm --merge >/dev/null 2>&1
same_sweep sw1 slurm && ok "sweep: a Slurm-array style run (--run-index \$SLURM_ARRAY_TASK_ID per task) then --merge equals a direct sweep" || bad "sweep: a Slurm-array style run then --merge equals a direct sweep"
"$BIN" sweep "$EX/mm1-load-sweep.json" --out pm --merge >/dev/null 2>merge.err
[ $? -ne 0 ] && grep -q 'runs are not done' merge.err && ok "sweep: --merge before the runs names what is missing" || bad "sweep: --merge before the runs names what is missing"
# common random numbers: the paired interval is much narrower than the unpaired one
"$BIN" sweep "$EX/workers-4-vs-5.json" --out crn -j 2 >/dev/null 2>&1
if awk -F, '$3 == "classes.jobs.sojourn.mean" { found = 1; ok = $6 > 0 && $7 > 2 * $6 } END { exit !(found && ok) }' crn/comparisons.csv 2>/dev/null; then
    ok "sweep: 4 vs 5 workers, paired interval less than half the unpaired one"
else
    bad "sweep: 4 vs 5 workers, paired interval less than half the unpaired one"
fi
# an experiment's mistakes are found before any run: a metric typo exits 2
# at once, names the path and suggests the field, and nothing is simulated
sed 's/"classes.jobs.sojourn.mean"/"classes.jobs.sojurn.mean"/' "$EX/mm1-load-sweep.json" > badm.json
sed -i "s#\.\./mm1.json#$SC/mm1.json#" badm.json
t0=$(date +%s%N)
"$BIN" sweep badm.json --out bm -j 1 >/dev/null 2>bm.err
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ $rc -eq 2 ] && [ $ms -lt 1000 ] && [ ! -e bm ] && [ "$(wc -l < bm.err)" -eq 1 ] &&
    grep -q '^badm.json: metrics\[0\]: expected a path to a number in a run.s summary.json, found no "sojurn" there (did you mean "sojourn"?' bm.err; then
    ok "sweep: a metric typo: exit 2 in ${ms} ms, naming the path and the field meant, nothing simulated"
else
    bad "sweep: a metric typo: exit 2 within a second, naming the path, nothing simulated (rc=$rc, $ms ms)"; cat bm.err
fi
for case in 'vary: {"nodes.sever.workers": [1, 2]}|vary["nodes.sever.workers"][0]: ' \
            'set: {"nodes.server.workers": -1}|set["nodes.server.workers"]: ' \
            'policies: [{"name": "a"}, {"name": "a"}]|policies[1].name: expected a name no other alternative has' \
            'policies: [{"name": "a", "set": {"nodes.server.policy": "nosuch"}}]|policies[0].set["nodes.server.policy"]: ' \
            'warmup: 30000|warmup: ' \
            'seed: 3, "vary": {"seed": [1, 2]}|seed: expected the seed either here or in'; do
    field=${case%%|*}; want=${case#*|}
    printf '{"scenario": "%s", "duration": 20000, "metrics": ["classes.jobs.latency.p99"], "%s}\n' "$SC/mm1.json" \
        "$(echo "$field" | sed 's/: /": /')" > bx.json
    "$BIN" sweep bx.json --out bx -j 1 >/dev/null 2>bx.err
    rc=$?
    if [ $rc -eq 2 ] && [ ! -e bx ] && grep -qF "bx.json: $want" bx.err; then
        ok "sweep: found before running: $field"
    else
        bad "sweep: found before running: $field (rc=$rc): $(cat bx.err)"
    fi
    "$BIN" validate bx.json >/dev/null 2>&1; [ $? -eq 2 ] || bad "validate refuses the experiment: $field"
done
"$BIN" validate "$EX/mm1-load-sweep.json" > vx.out 2>&1 && grep -q 'ok (experiment: 10 configurations x 5 replications = 50 runs' vx.out &&
    ok "validate accepts an experiment file and describes it" || bad "validate accepts an experiment file and describes it: $(cat vx.out)"
# a run that fails while running is reported with its configuration and seed
cat > failing.json <<EOF2
{"scenario": "$ROOT/tests/policies/scenario.json", "replications": 2, "set": {"nodes.s.policy": "runtime.lua"},
 "metrics": ["classes.c.latency.p99"]}
EOF2
"$BIN" sweep failing.json --out fl -j 1 >/dev/null 2>fl.err
[ $? -eq 1 ] && grep -q 'run 0 (configuration 0, replication 0, seed 1) failed: runtime.lua:7: attempt to index a nil value' fl.err &&
    ok "sweep: a failing run is reported with its configuration and seed" || bad "sweep: a failing run is reported with its configuration and seed: $(cat fl.err)"

# resuming after an edit reruns what changed: equal to a fresh sweep
cp "$SC/mm1.json" ed.json
cat > ed-exp.json <<EOF2
{"scenario": "ed.json", "replications": 3, "warmup": 100, "duration": 3000,
 "vary": {"classes.jobs.arrival.rate": [0.3, 0.6]}, "metrics": ["classes.jobs.sojourn.mean", "classes.jobs.latency.p99"]}
EOF2
"$BIN" sweep ed-exp.json --out ed1 -j 2 >/dev/null 2>&1
cp ed1/summary.csv ed-before.csv
sed -i 's/"rate": 1.0/"rate": 2.0/' ed.json
"$BIN" sweep ed-exp.json --out ed1 -j 2 >/dev/null 2>&1
"$BIN" sweep ed-exp.json --out ed2 -j 2 >/dev/null 2>&1
if ! cmp -s ed-before.csv ed1/summary.csv && cmp -s ed1/summary.csv ed2/summary.csv && cmp -s ed1/runs.csv ed2/runs.csv; then
    ok "sweep: edit the scenario, then resume: the result equals a fresh sweep"
else
    bad "sweep: edit the scenario, then resume: the result equals a fresh sweep"
fi
sed -i 's/"duration": 3000/"duration": 4000/' ed-exp.json
"$BIN" sweep ed-exp.json --out ed1 -j 2 >/dev/null 2>&1
"$BIN" sweep ed-exp.json --out ed3 -j 2 >/dev/null 2>&1
cmp -s ed1/summary.csv ed3/summary.csv && ! cmp -s ed1/summary.csv ed2/summary.csv &&
    ok "sweep: edit the experiment's duration, then resume: equal to a fresh sweep" ||
    bad "sweep: edit the experiment's duration, then resume: equal to a fresh sweep"
# a different experiment into the same folder is refused; --force discards the old runs
cp ed-exp.json other-exp.json
"$BIN" sweep other-exp.json --out ed1 -j 2 >/dev/null 2>other.err
rc=$?
"$BIN" sweep other-exp.json --out ed1 -j 2 --force >/dev/null 2>&1
rc2=$?
[ $rc -eq 2 ] && grep -q 'ed1 holds the runs of another experiment, .*ed-exp.json; choose another --out, or add --force' other.err &&
    [ $rc2 -eq 0 ] && cmp -s ed1/summary.csv ed3/summary.csv &&
    ok "sweep: a different experiment into the same folder is refused; --force discards the old runs" ||
    bad "sweep: a different experiment into the same folder is refused; --force discards the old runs (rc=$rc, $rc2)"
# the seed can vary: runs differ, and runs.csv records each one's seed
cat > seeds.json <<EOF2
{"scenario": "$SC/mm1.json", "replications": 2, "warmup": 100, "duration": 2000,
 "vary": {"seed": [1000, 1001]}, "metrics": ["classes.jobs.sojourn.mean"]}
EOF2
"$BIN" sweep seeds.json --out seeds -j 2 >/dev/null 2>&1
if awk -F, 'NR > 1 { seed[$2] = $4; v[$2] = $7 } END { exit !(seed[0] == 1000 && seed[1] == 1001 && v[0] != v[1] && v[0] != "") }' seeds/runs.csv &&
    grep -q '"seed":[[:space:]]*"per configuration' seeds/manifest.json; then
    ok "sweep: vary seed: each configuration runs with its own seed, recorded in runs.csv"
else
    bad "sweep: vary seed: each configuration runs with its own seed, recorded in runs.csv"
fi

# the manifest alone reruns the sweep to the same bytes (it embeds the experiment)
"$BIN" sweep sw1/manifest.json --out fromman -j 2 >/dev/null 2>&1
same_sweep sw1 fromman && ok "sweep: rerun from manifest.json alone reproduces every file byte for byte" || bad "sweep: rerun from manifest.json alone reproduces every file byte for byte"
# ... from another working directory: the manifest's paths are relative to itself
mkdir -p elsewhere/deeper
(cd elsewhere/deeper && "$BIN" sweep "$T/sw1/manifest.json" --out "$T/fromman2" -j 2 >/dev/null 2>&1)
same_sweep sw1 fromman2 && ok "sweep: rerun from the manifest in another working directory gives the same bytes" ||
    bad "sweep: rerun from the manifest in another working directory gives the same bytes"

# sequential stopping: replications double until 95% intervals are within 4% of the mean
cat > seq.json <<EOF2
{"scenario": "$SC/mm1.json", "seed": 3, "replications": 3, "warmup": 500, "duration": 5000,
 "vary": {"classes.jobs.arrival.rate": [0.3, 0.5]},
 "precision": {"relative_halfwidth": 0.04, "max_replications": 96},
 "metrics": ["classes.jobs.sojourn.mean"]}
EOF2
"$BIN" sweep seq.json --out seq -j 2 >/dev/null 2>seq.err
if grep -q '"target_met":[[:space:]]*true' seq/manifest.json 2>/dev/null &&
    awk -F, 'NR > 1 { if ($5 < 6 || ($9 - $8) / 2 > 0.04 * $6) bad = 1 } END { exit bad }' seq/summary.csv; then
    ok "sweep: sequential stopping adds replications until every interval is within 4%"
else
    bad "sweep: sequential stopping adds replications until every interval is within 4%"
fi
sed 's/"relative_halfwidth": 0.04, "max_replications": 96/"relative_halfwidth": 0.001, "max_replications": 6/' seq.json > seq2.json
"$BIN" sweep seq2.json --out seq2 -j 2 >/dev/null 2>seq2.err
grep -q '"target_met":[[:space:]]*false' seq2/manifest.json 2>/dev/null && grep -q 'after 6 replications (the maximum)' seq2.err && ok "sweep: an unreachable precision target is reported, not hidden" || bad "sweep: an unreachable precision target is reported, not hidden"

# MSER-5 on the replications' average series.  An M/M/1 started empty relaxes
# with time constant tau = 1/(mu (1 - sqrt(rho))^2): 1560 s at rho 0.95, 5 s at
# rho 0.3.  "Right order" here: a cut within [tau/10, 3 tau] for rho 0.95; and
# at rho 0.3, which is at its steady state within the first window, a cut of
# at most one MSER batch (5 windows of 50 s).
cat > mser.json <<EOF2
{"scenario": "$SC/mm1.json", "seed": 5, "replications": 20, "warmup": 0, "duration": 50000,
 "set": {"window": 50}, "vary": {"classes.jobs.arrival.rate": [0.3, 0.95]},
 "metrics": ["classes.jobs.sojourn.mean"]}
EOF2
"$BIN" sweep mser.json --out mser -j 2 >/dev/null 2>&1
if awk -F, 'NR == 2 { low = $5 } NR == 3 { high = $5 } END { exit !(low != "" && low <= 250 && high >= 156 && high <= 4680) }' mser/warmup.csv 2>/dev/null; then
    ok "sweep: MSER-5 finds ~tau of warm-up at rho 0.95 and ~0 at rho 0.3 ($(cut -d, -f5 mser/warmup.csv | tail -2 | tr '\n' ' ')s)"
else
    bad "sweep: MSER-5 finds ~tau of warm-up at rho 0.95 and ~0 at rho 0.3"
fi

# --show-run prints the command that repeats one run of a sweep alone: its
# summary.json has exactly the numbers the sweep recorded for that run.
cmd=$("$BIN" sweep "$EX/workers-4-vs-5.json" --show-run 3 2>/dev/null)
eval "\"\$BIN\" ${cmd#tailback } --out show3 --quiet" >/dev/null 2>&1
if [ -s show3/summary.json ] && awk -F, -v want="$(grep -A4 '"sojourn"' show3/summary.json | grep '"mean"' | head -1 | tr -d ' \t,' | cut -d: -f2)" \
     'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "classes.jobs.sojourn.mean") c = i }
      NR == 5 { exit !(c && $c == want + 0 && want != "") }' crn/runs.csv; then
    ok "sweep: --show-run repeats run 3 alone, to the same numbers (replication 1, five workers)"
else
    bad "sweep: --show-run repeats run 3 alone, to the same numbers"
fi

# One pipeline: the same run through a sweep child, --show-run and a plain
# `tailback run` gives the same numbers, on the event queue the experiment
# asks for (a sweep once recorded and printed the heap whatever it ran).
printf '{"scenario": "%s/mm1.json", "replications": 2, "duration": 3000, "warmup": 500, "set": {"event_queue": "calendar"}, "metrics": ["classes.jobs.sojourn.mean", "nodes.server.mean_queue_length"]}\n' "$SC" > evq.json
"$BIN" sweep evq.json -j 2 --out evq >/dev/null 2>&1
cmd=$("$BIN" sweep evq.json --out evq --show-run 1 2>/dev/null)
eval "\"\$BIN\" ${cmd#tailback } --out evq-show" >/dev/null 2>&1
"$BIN" run "$SC/mm1.json" --seed 1 --replication 1 --event-queue calendar --set warmup=500 --set duration=3000 \
    --set 'event_queue="calendar"' --out evq-run >/dev/null 2>&1
strip() { sed -e '/"command":[[:space:]]*\[/,/\]/d' "$1"; }
mean=$(grep -A4 '"sojourn"' evq-show/summary.json 2>/dev/null | grep '"mean"' | head -1 | tr -d ' \t,' | cut -d: -f2)
if case $cmd in *"--event-queue calendar"*) true ;; *) false ;; esac &&
    grep -q '"event_queue":"calendar"' evq/runs/000001.json &&
    grep -q '"event_queue":[[:space:]]*"calendar"' evq-show/summary.json &&
    [ "$(strip evq-show/summary.json)" = "$(strip evq-run/summary.json)" ] &&
    awk -F, -v want="$mean" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "classes.jobs.sojourn.mean") c = i }
                             NR == 3 { exit !(c && $c == want + 0 && want != "") }' evq/runs.csv; then
    ok "one pipeline: a sweep child, --show-run and tailback run give the same run, on the calendar queue"
else
    bad "one pipeline: a sweep child, --show-run and tailback run give the same run, on the calendar queue ($cmd)"
fi

# --- options the GNU way: --opt=VALUE, -j2, -oDIR, options after operands, -- -------
"$BIN" run "$SC/mm1.json" --seed=7 --set duration=2000 --out=opt-a -q >/dev/null 2>&1
"$BIN" run -q -oopt-b --seed 7 "$SC/mm1.json" --set duration=2000 >/dev/null 2>&1
"$BIN" run --seed 7 -q --set duration=2000 --out opt-c -- "$SC/mm1.json" >/dev/null 2>&1
"$BIN" sweep "$EX/workers-4-vs-5.json" -j2 --out=opt-s --plan >/dev/null 2>&1
"$BIN" run "$SC/mm1.json" --seed >/dev/null 2>opt.err; orc=$?
strip_cmd() { sed -e '/"command":[[:space:]]*\[/,/\]/d' "$1" 2>/dev/null; }
if [ -s opt-a/summary.json ] && [ "$(strip_cmd opt-a/summary.json)" = "$(strip_cmd opt-b/summary.json)" ] &&
    [ "$(strip_cmd opt-a/summary.json)" = "$(strip_cmd opt-c/summary.json)" ] && [ -s opt-s/plan.csv ] &&
    grep -q '"--seed=7"' opt-a/summary.json && [ $orc -eq 2 ] &&
    grep -q 'tailback run: a value is needed after the option --seed' opt.err; then
    ok "options: --seed=7, -oDIR, -j2, options after the scenario and -- all work; a missing value is one line, exit 2"
else
    bad "options: --seed=7, -oDIR, -j2, options after the scenario and -- ($orc: $(cat opt.err))"
fi

# --- conventions: stdin, --out -, shipped experiments by name, plain CSV, did you mean --------
# "-" is standard input for a scenario and an experiment; the results equal
# the file's (the manifest names "-" instead of the path, nothing else).
"$BIN" run "$SC/mm1.json" --set duration=2000 --out cv-file -q >/dev/null 2>&1
"$BIN" run - --set duration=2000 --out cv-stdin -q < "$SC/mm1.json" >/dev/null 2>cv.err; cvrc=$?
strip_scen() { sed -e '/"command":[[:space:]]*\[/,/\]/d' -e '/"scenario":/d' "$1" 2>/dev/null; }
if [ $cvrc -eq 0 ] && [ -s cv-stdin/summary.json ] && [ "$(strip_scen cv-file/summary.json)" = "$(strip_scen cv-stdin/summary.json)" ] &&
    grep -q '"scenario":[[:space:]]*"-"' cv-stdin/summary.json && cmp -s cv-file/timeseries.csv cv-stdin/timeseries.csv; then
    ok "conventions: run - reads the scenario from standard input, the same results as the file"
else
    bad "conventions: run - reads the scenario from standard input ($cvrc: $(cat cv.err))"
fi
# a relative path inside a scenario read from stdin is taken from the current directory
printf '{"duration": 5, "classes": {"c": {"arrival": {"process": "poisson", "rate": 1}, "route": ["s"]}},
 "nodes": {"s": {"service": 0.5, "policy": "cvpol.lua"}}}' > cvpol.json
printf 'function rank(node, job) return sim.now() end\n' > cvpol.lua
"$BIN" run - --out cv-pol -q < cvpol.json >/dev/null 2>cv.err && [ -s cv-pol/summary.json ] &&
    ok "conventions: a policy named in a scenario from stdin is found from the current directory" ||
    bad "conventions: a policy named in a scenario from stdin ($(cat cv.err))"
# an experiment from stdin: the same CSVs as from its file
"$BIN" sweep "$EX/workers-4-vs-5.json" --out cv-sw1 -j2 >/dev/null 2>&1
(cd "$EX" && "$BIN" sweep - --out "$T/cv-sw2" -j2 < workers-4-vs-5.json >/dev/null 2>"$T/cv.err"); cvrc=$?
if [ $cvrc -eq 0 ] && cmp -s cv-sw1/runs.csv cv-sw2/runs.csv && cmp -s cv-sw1/summary.csv cv-sw2/summary.csv &&
    cmp -s cv-sw1/comparisons.csv cv-sw2/comparisons.csv; then
    ok "conventions: sweep - reads the experiment from standard input, byte-identical CSVs"
else
    bad "conventions: sweep - reads the experiment from standard input ($cvrc: $(cat cv.err))"
fi
# --out -: summary.json on stdout and nothing else: no folder, no table, nothing left in TMPDIR
mkdir -p cv-tmp
(mkdir cv-empty && cd cv-empty && TMPDIR="$T/cv-tmp" "$BIN" run "$SC/mm1.json" --set duration=2000 --out - > "$T/cv-out.json" 2>"$T/cv.err"); cvrc=$?
if [ $cvrc -eq 0 ] && [ -z "$(ls -A cv-empty)" ] && [ -z "$(ls -A cv-tmp)" ] &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert set(d) >= {"manifest","classes","nodes"}' cv-out.json &&
    [ "$(strip_scen cv-out.json)" = "$(strip_scen cv-file/summary.json)" ] && [ ! -s cv.err ]; then
    ok "conventions: run --out - writes summary.json alone to standard output, no file left anywhere"
else
    bad "conventions: run --out - writes summary.json alone to standard output ($cvrc: $(cat cv.err); $(ls -A cv-empty cv-tmp))"
fi
"$BIN" sweep "$EX/workers-4-vs-5.json" --out - >/dev/null 2>cv.err; cvrc=$?
[ $cvrc -eq 2 ] && [ ! -e ./- ] && grep -q "expected a directory name" cv.err &&
    ok "conventions: sweep --out - is refused (a sweep is many files), no folder named -" ||
    bad "conventions: sweep --out - ($cvrc: $(cat cv.err))"
# a shipped experiment by name, like a shipped scenario
"$BIN" sweep workers-4-vs-5 --out cv-sw3 -j2 >/dev/null 2>cv.err; cvrc=$?
[ $cvrc -eq 0 ] && cmp -s cv-sw1/summary.csv cv-sw3/summary.csv &&
    ok "conventions: tailback sweep workers-4-vs-5 finds the shipped experiment" ||
    bad "conventions: tailback sweep workers-4-vs-5 ($cvrc: $(cat cv.err))"
# CSV values as RFC 4180 readers expect: a varied string is its text, a number bare
cat > cv-vary.json <<EOF2
{"scenario": "$SC/mm1.json", "replications": 2, "duration": 100, "warmup": 10,
 "vary": {"nodes.server.policy": ["fifo", "lifo"], "classes.jobs.arrival.rate": [0.5]},
 "metrics": ["classes.jobs.sojourn.mean"]}
EOF2
"$BIN" sweep cv-vary.json --out cv-vary -j2 >/dev/null 2>cv.err
if python3 - cv-vary/runs.csv cv-vary/summary.csv <<'EOF2'
import csv, sys
for f in sys.argv[1:]:
    rows = list(csv.DictReader(open(f, newline="")))
    assert sorted({r["nodes.server.policy"] for r in rows}) == ["fifo", "lifo"], f
    assert {r["classes.jobs.arrival.rate"] for r in rows} == {"0.5"}, f
    assert all('"' not in v for r in rows for v in r.values()), f
EOF2
then
    grep -q '^0,0,0,[0-9]*,fifo,0.5,base,' cv-vary/runs.csv &&
        ok "conventions: CSV values unquoted where they need no quoting (a varied string, a number)" ||
        bad "conventions: CSV values unquoted: $(sed -n 2p cv-vary/runs.csv)"
else
    bad "conventions: CSV values unquoted: $(sed -n 2p cv-vary/runs.csv)"
fi
# did you mean: commands, fields, --set paths, nodes, policies; the shipped choices listed
"$BIN" swep 2>&1 | grep -q "unknown command 'swep'; did you mean 'sweep'?" &&
"$BIN" run "$SC/mm1.json" --set nodes.servr.workers=2 2>&1 | grep -q "^--set nodes.servr.workers: nodes has no field 'servr'; did you mean 'server'? (it has: server) (applied to " &&
printf '{"duration": 5, "classes": {"c": {"arrival": {"process": "poisson", "rate": 1}, "route": ["srv"]}}, "nodes": {"svr": {"service": 0.5}}}' | "$BIN" run - 2>&1 |
    grep -qx '<stdin>: classes.c.route\[0\]: expected the name of a node in "nodes", found "srv"; did you mean "svr"?' &&
"$BIN" run "$SC/mm1.json" --set nodes.server.policy=lifoo 2>&1 | grep -q 'did you mean "lifo"? shipped: aimd, .*, fifo, ' &&
    ok "conventions: did you mean for commands, --set paths, nodes and policies (with the shipped list)" ||
    bad "conventions: did you mean for commands, --set paths, nodes and policies"
# -j defaults to the CPUs the process may use: the affinity mask, or a Slurm task's allocation
jl=$(taskset -c 0 "$BIN" sweep "$EX/workers-4-vs-5.json" --out cv-sw1 2>/dev/null | head -1)
js=$(SLURM_CPUS_PER_TASK=3 "$BIN" sweep "$EX/workers-4-vs-5.json" --out cv-sw1 2>/dev/null | head -1)
case "$jl|$js" in
*"1 at once"*"|"*"3 at once"*) ok "conventions: -j defaults to the affinity mask (taskset: 1) or SLURM_CPUS_PER_TASK (3)" ;;
*) bad "conventions: -j default ($jl | $js)" ;;
esac

# Metrics that are booleans or null: the retry-storm scenario of
# papers/metastable-retries recovers from a 0.25 s spike and never from a
# 10 s one (naive retries).  The fraction recovered is the mean of
# network.recovered; a run that never recovered has no recovery time, and
# summary.csv counts only the runs that have one.
cat > nullm.json <<EOF2
{"scenario": "$ROOT/papers/metastable-retries/scenario.json", "seed": 3, "replications": 3,
 "vary": {"classes.req.arrival.surges[0].end": [100.25, 110]},
 "metrics": ["network.recovered", "network.recovery_time"]}
EOF2
"$BIN" sweep nullm.json --out nullm -j 2 >/dev/null 2>&1
if awk -F, '$4 == "network.recovered" { r[$2] = $6 } $4 == "network.recovery_time" { n[$2] = $5 }
    END { exit !(r["100.25"] == 1 && r["110"] == 0 && n["100.25"] == 3 && n["110"] == 0) }' nullm/summary.csv 2>/dev/null; then
    ok "sweep: a boolean metric averages to a fraction, a null one is left out of n"
else
    bad "sweep: a boolean metric averages to a fraction, a null one is left out of n"
fi

# --- plots: every applicable figure, real PNG and SVG with the expected series ---------
png_ok() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' ')" = "89504e470d0a1a0a" ] && [ "$(wc -c < "$1")" -gt 10000 ]; }
svg_ok() { grep -q '<svg' "$1" && grep -q '</svg>' "$1" && [ "$(wc -c < "$1")" -gt 10000 ]; }
if command -v gnuplot >/dev/null; then
    "$BIN" plot a --format png,svg >/dev/null 2>plot.err
    good=1
    for f in timeseries heatmap latency_cdf; do
        png_ok "a/plots/$f.png" && svg_ok "a/plots/$f.svg" || good=0
    done
    grep -q '>server<' a/plots/timeseries.svg && grep -q 'Congestion' a/plots/heatmap.svg &&
        grep -q '>jobs<' a/plots/latency_cdf.svg && grep -q 'jobs p50, p90, p99' a/plots/latency_cdf.svg || good=0
    [ $good -eq 1 ] && [ ! -s plot.err ] && ok "plot (run): time series, heatmap and latency CDF as valid PNG and SVG with their series" || bad "plot (run): time series, heatmap and latency CDF as valid PNG and SVG with their series"
    "$BIN" plot seed --format png,svg >/dev/null 2>seedplot.err
    good=1
    for f in timeseries heatmap latency_cdf; do
        png_ok "seed/plots/$f.png" && svg_ok "seed/plots/$f.svg" || good=0
    done
    for label in '>G<' '>V<' '>W8<' 'surge' 'end of warm-up'; do grep -q "$label" seed/plots/timeseries.svg || good=0; done
    grep -q '>transfer<' seed/plots/latency_cdf.svg && grep -q '>ai<' seed/plots/latency_cdf.svg || good=0
    [ $good -eq 1 ] && ok "plot (seed scenario): every node and class, the surge shaded, the warm-up marked" || bad "plot (seed scenario): every node and class, the surge shaded, the warm-up marked"
    "$BIN" plot sw1 --format png,svg >/dev/null 2>plot2.err
    f=sw1/plots/latency_vs_load_classes.jobs
    if png_ok $f.png && svg_ok $f.svg && grep -q 'base mean' $f.svg && grep -q 'base p99' $f.svg &&
        grep -q 'theory: 1/(1-x)' $f.svg && png_ok sw1/plots/classes.jobs.throughput.png; then
        ok "plot (sweep): latency against load with bands and the dashed theory curve 1/(1-x), throughput"
    else
        bad "plot (sweep): latency against load with bands and the dashed theory curve 1/(1-x), throughput"
    fi
    "$BIN" plot crn --format svg >/dev/null 2>&1
    svg_ok crn/plots/comparison.svg && grep -q 'thin grey: an unpaired interval' crn/plots/comparison.svg && ok "plot (comparison): paired and unpaired intervals" || bad "plot (comparison): paired and unpaired intervals"
    "$BIN" plot sw1 --out kd-plots --keep-data kd2 >/dev/null 2>&1
    lv=$(ls kd2 | grep 'latency_vs_load.*\.gp$' | head -1)
    [ -n "$lv" ] && gnuplot "kd2/$lv" "$ROOT/plots/latency_vs_load.gp" 2>/dev/null && png_ok "kd2/${lv%.gp}.out" &&
        ok "templates rerun by hand on the data --keep-data kept: gnuplot kd2/$lv plots/latency_vs_load.gp" ||
        bad "templates rerun by hand on the data --keep-data kept (plots/latency_vs_load.gp)"
    env PATH=/nonexistent "$BIN" plot a --out nognu >/dev/null 2>nognu.err
    [ $? -eq 1 ] && grep -q 'gnuplot is not installed: sudo apt-get install gnuplot-nox' nognu.err && ok "plot without gnuplot says how to install it and exits 1" || bad "plot without gnuplot says how to install it and exits 1"
fi

# --- every figure template renders from a small fixture, with no gnuplot warning ----------
# A run (time series, heatmap, latency CDF) and a sweep with a varied load
# and three alternatives (latency and metrics against load, the paired
# comparison); --keep-data names the template of each figure, so every
# template in plots/ must have drawn one.  Each figure: a PNG of the
# template's width and a plausible height, and gnuplot said nothing.
if command -v gnuplot >/dev/null; then
    "$BIN" run "$SC/tandem.json" --set duration=600 --set warmup=60 --set window=10 --out fx-run -q >/dev/null 2>&1
    cat > fx-exp.json <<EOF2
{"scenario": "$SC/mm1.json", "replications": 3, "duration": 2000, "warmup": 200,
 "vary": {"classes.jobs.arrival.rate": [0.3, 0.6, 0.9]},
 "policies": [{"name": "fifo", "set": {}}, {"name": "lifo", "set": {"nodes.server.policy": "lifo"}},
              {"name": "srpt", "set": {"nodes.server.policy": "srpt"}}],
 "metrics": ["classes.jobs.sojourn.mean", "classes.jobs.sojourn.p99", "classes.jobs.throughput",
             "nodes.server.utilisation"],
 "theory": {"classes.jobs.sojourn.mean": "1/(1-x)"}}
EOF2
    "$BIN" sweep fx-exp.json --out fx-sweep -j2 >/dev/null 2>&1
    "$BIN" plot fx-run --keep-data fx-kd1 >/dev/null 2>fx.err
    "$BIN" plot fx-sweep --keep-data fx-kd2 >/dev/null 2>>fx.err
    good=1
    for t in "$ROOT"/plots/*.gp; do
        b=$(basename "$t")
        [ "$b" = style.gp ] && continue
        grep -l "^# settings written by tailback plot for $b\$" fx-kd1/*.gp fx-kd2/*.gp >/dev/null 2>&1 || { good=0; echo "     no figure drew $b"; }
    done
    for f in fx-run/plots/*.png fx-sweep/plots/*.png; do
        # the PNG header: width and height, big-endian at bytes 16 and 20
        w=$(od -An -tu1 -j16 -N4 "$f" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
        h=$(od -An -tu1 -j20 -N4 "$f" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
        if ! png_ok "$f" || [ "$w" != 1000 ] || [ "$h" -lt 300 ] || [ "$h" -gt 12000 ]; then
            good=0; echo "     $f: ${w}x$h, $(wc -c < "$f") bytes"
        fi
    done
    n=$(ls fx-run/plots/*.png fx-sweep/plots/*.png 2>/dev/null | wc -l)
    if [ $good -eq 1 ] && [ ! -s fx.err ] && [ "$n" -ge 8 ]; then
        ok "plot: every template renders from a fixture ($n figures), each a 1000-px PNG of plausible height, no gnuplot warning"
    else
        bad "plot: every template renders from a fixture ($n figures): $(head -3 fx.err)"
    fi
    # axes from the metric table: names and units, not JSON paths; the heatmap
    # covers the run exactly, warm-up and nodes in route order
    "$BIN" plot fx-sweep --format svg --out fx-svg >/dev/null 2>&1
    "$BIN" plot fx-run --format svg --out fx-svg-run >/dev/null 2>&1
    if grep -q 'jobs: throughput (/s)' fx-svg/classes.jobs.throughput.svg &&
        grep -q 'server: utilisation (%)' fx-svg/nodes.server.utilisation.svg &&
        grep -q 'jobs: arrival rate (/s)' fx-svg/classes.jobs.throughput.svg &&
        grep -q 'jobs: success share (percentage points)' fx-svg/comparison.svg &&
        grep -q "^xmax = 600\$" fx-kd1/*heatmap.gp && grep -q '^warmup = ' fx-kd1/*heatmap.gp &&
        grep -q "^route_order = 1\$" fx-kd1/*heatmap.gp; then
        ok "plot: axis labels name the metric and its unit; the heatmap spans the run, shades the warm-up, orders nodes by route"
    else
        bad "plot: axis labels and the heatmap's axis"
    fi
    # intervals stay within the metric's range: a share's never above 100%,
    # a time's never below 0 (clipped, and the clipped end marked)
    # (at load 0.6 and 0.9 the success share's t interval over 3 replications
    # reaches past 1: those ends are clipped and flagged, column 6 = 2)
    if awk '{ if ($3 < 0) bad = 1 } END { exit bad }' fx-kd2/*utilisation-a*.dat fx-kd2/*latency_vs_load*-a*.dat </dev/null &&
        awk '{ if ($4 > 1 + 1e-12) bad = 1; if ($6 == 2) clipped++ } END { exit bad || !clipped }' fx-kd2/*shares.success-a*.dat </dev/null &&
        grep -q "^has_clip = 1\$" fx-kd2/*shares.success.gp; then
        ok "plot: intervals of non-negative metrics and of shares are drawn within the metric's range"
    else
        bad "plot: intervals within the metric's range"
    fi
    # every shipped scenario (shortened) and experiment: tailback plot succeeds, gnuplot silent
    good=1
    for s in "$SC"/*.json; do
        b=$(basename "$s" .json)
        "$BIN" run "$s" --set duration=400 --set warmup=40 --out "fxs-$b" -q >/dev/null 2>&1 || { good=0; echo "     run $b failed"; continue; }
        "$BIN" plot "fxs-$b" >/dev/null 2>"fxs-$b.err" && [ ! -s "fxs-$b.err" ] || { good=0; echo "     plot $b: $(head -2 "fxs-$b.err")"; }
    done
    for e in "$EX"/*.json; do
        b=$(basename "$e" .json)
        "$BIN" sweep "$e" --out "fxe-$b" -j2 >/dev/null 2>&1 || { good=0; echo "     sweep $b failed"; continue; }
        "$BIN" plot "fxe-$b" >/dev/null 2>"fxe-$b.err" && [ ! -s "fxe-$b.err" ] || { good=0; echo "     plot $b: $(head -2 "fxe-$b.err")"; }
    done
    [ $good -eq 1 ] && ok "plot: every shipped scenario and experiment draws with no gnuplot warning or error" ||
        bad "plot: every shipped scenario and experiment draws with no gnuplot warning or error"
fi

# --- contrib/tailback_results.py: a sweep into one table, standard library only (pandas when present) ---
if command -v python3 >/dev/null && [ -s fx-sweep/summary.csv ]; then
    if PYTHONPATH="$ROOT/contrib" python3 - fx-sweep <<'EOF2' && python3 "$ROOT/contrib/tailback_results.py" fx-sweep > fx-wide.csv && [ "$(wc -l < fx-wide.csv)" -eq 10 ]
import csv, math, sys
import tailback_results as tr
d = sys.argv[1]
runs = tr.load_runs(d, as_frame=False)
assert len(runs) == 27 and runs[0]["replication"] == 0 and isinstance(runs[0]["seed"], int)
assert {r["classes.jobs.arrival.rate"] for r in runs} == {"0.3", "0.6", "0.9"}   # varied values stay as written
assert {r["policy"] for r in runs} == {"fifo", "lifo", "srpt"}
wide = tr.load_sweep(d, as_frame=False)
assert len(wide) == 9, len(wide)
raw = list(csv.DictReader(open(d + "/summary.csv", newline="")))
for r in raw:
    w = next(x for x in wide if x["config"] == int(r["config"]))
    m = r["metric"]
    assert (w[m] is None and r["mean"] == "") or math.isclose(w[m], float(r["mean"]), rel_tol=0, abs_tol=0), m
    assert w["policy"] == r["policy"]
cmp = tr.load_comparisons(d, as_frame=False)
assert {(c["policy"], c["baseline"]) for c in cmp} == {("lifo", "fifo"), ("srpt", "fifo")}
assert tr.load_manifest(d)["replications"] == 3
try:
    import pandas
    df = tr.load_sweep(d)
    assert len(df) == 9 and "classes.jobs.sojourn.mean" in df.columns
except ImportError:
    pass
EOF2
    then
        ok "contrib/tailback_results.py: runs, summary, comparisons and the wide table match the CSV files exactly"
    else
        bad "contrib/tailback_results.py reads a sweep"
    fi
fi

# --- other people's results: names and expressions are data, never code ------------
if command -v gnuplot >/dev/null; then
    mkdir -p hostile && cd hostile
    # a scenario file named to close gnuplot's quote and call system(); and bob's
    evil="a'; system 'touch PWNED-NAME'; b='.json"
    cp "$SC/mm1.json" "$evil"; cp "$SC/mm1.json" "bob's.json"
    good=1
    for f in "$evil" "bob's.json"; do
        rm -rf r
        "$BIN" run "$f" --out r --set duration=2000 --quiet >/dev/null 2>&1 && "$BIN" plot r >/dev/null 2>pl.err || good=0
        for g in timeseries heatmap latency_cdf; do png_ok "r/plots/$g.png" || good=0; done
    done
    [ $good -eq 1 ] && [ ! -e PWNED-NAME ] && ok "plot: scenarios named bob's.json and a'; system 'touch X'; b='.json draw every figure and run nothing" ||
        bad "plot: hostile scenario names (figures drawn: $good, sentinel: $(ls PWNED-NAME 2>/dev/null))"
    # alternatives named with a comma, a space, quotes, a backquote and non-ASCII letters
    printf '%s\n' '{"scenario": "'"$SC"'/mm1.json", "replications": 2, "duration": 3000, "warmup": 300,' \
        '"vary": {"classes.jobs.arrival.rate": [0.5, 0.7]},' \
        '"policies": [{"name": "a,b"}, {"name": "a b", "set": {"nodes.server.workers": 2}}, {"name": "naïve \"q\" '"'"'s `touch PWNED-ALT`"}],' \
        '"theory": {"classes.jobs.sojourn.mean": {"expression": "1/(mu - x)", "params": {"mu": 1}}},' \
        '"metrics": ["classes.jobs.sojourn.mean", "classes.jobs.sojourn.p99", "classes.jobs.throughput"]}' > names.json
    "$BIN" sweep names.json --out nm -j 2 >/dev/null 2>sw.err
    "$BIN" plot nm --format svg >/dev/null 2>pl.err
    prc=$?
    f=nm/plots/latency_vs_load_classes.jobs.svg
    if [ $prc -eq 0 ] && svg_ok $f && grep -q '>a,b mean<' $f && grep -q '>a b mean<' $f && grep -q 'naïve "q" '"'"'s `touch PWNED-ALT` mean' $f &&
        grep -q 'theory: 1/(mu - x)' $f && svg_ok nm/plots/classes.jobs.throughput.svg && svg_ok nm/plots/comparison.svg &&
        grep -q 'rate=0.5 a b - a,b' nm/plots/comparison.svg && grep -q 'jobs: mean sojourn, succeeded (s)' nm/plots/comparison.svg &&
        [ ! -e PWNED-ALT ]; then
        ok "plot: alternatives named 'a,b', 'a b' and with quotes and non-ASCII letters each get their curve"
    else
        bad "plot: alternatives with commas, spaces, quotes (rc=$prc): $(head -c 300 pl.err)"
    fi
    "$BIN" report nm --out nm.html >/dev/null 2>rep.err
    rrc=$?
    [ $rrc -eq 0 ] && grep -q '>a,b<' nm.html && grep -q '>a b<' nm.html && [ ! -e PWNED-ALT ] &&
        ok "report: alternatives named 'a,b' and 'a b' appear in its tables" || bad "report with names 'a,b' and 'a b' (rc=$rrc): $(head -c 300 rep.err)"
    # a results folder edited by someone else: theory expressions that would run
    # commands (refused by sweep, so written into the manifest by hand) are not
    # drawn and run nothing; a metric named like a path writes inside --out only
    sed 's|"expression":[[:space:]]*"1/(mu - x)"|"expression": "1/(1-x) + 0*`touch PWNED-THEORY; echo 0`"|; s|"theory":[[:space:]]*{|"theory": {"classes.jobs.throughput": "system(\\"touch PWNED-SYS\\")", |' nm/manifest.json > m.tmp && mv m.tmp nm/manifest.json
    sed 's|classes.jobs.offered_rate|../../escaped|' nm/summary.csv > s.tmp && mv s.tmp nm/summary.csv
    "$BIN" plot nm --format svg >/dev/null 2>pl2.err
    if [ ! -e PWNED-THEORY ] && [ ! -e PWNED-SYS ] && [ ! -e ../escaped.svg ] && [ ! -e escaped.svg ] && [ -e nm/plots/_._.._escaped.svg ] &&
        grep -q 'theory.classes.jobs.sojourn.mean.expression: column 13: expected' pl2.err &&
        grep -q 'theory.classes.jobs.throughput: column 1: expected a function' pl2.err; then
        ok "plot: an edited manifest's theory with backquotes is reported and not drawn; a metric named ../../x stays in plots/"
    else
        bad "plot: an edited manifest's theory or metric name escaped: $(ls PWNED-* ../escaped.svg 2>/dev/null) $(head -c 300 pl2.err)"
    fi
    cd ..
fi

# --- the report reads results and the scenario; it runs no policy code ------------------
mkdir -p rpol && cp "$ROOT/tests/policies/scenario.json" rpol/scenario.json
printf 'function rank(node, job) return sim.now() end\n' > rpol/mine.lua
if "$BIN" run rpol/scenario.json --set 'nodes.s.policy="mine.lua"' --set duration=200 --out rpol/out >/dev/null 2>&1; then
    # the policy file now errors as soon as it is loaded: a report that ran it would lose the words
    printf 'error("the report ran this policy")\n' > rpol/mine.lua
    "$BIN" report rpol/out --out rpol/report.html >/dev/null 2>rpol/err
    rc=$?
    [ $rc -eq 0 ] && grep -q '<b>s</b>: queue, 1 worker, mean service 1 s, policy mine.lua' rpol/report.html &&
        ! grep -q 'ran this policy' rpol/report.html rpol/err &&
        ok "report: describes a node's policy from the scenario without running it" ||
        bad "report: describes a node's policy from the scenario without running it (rc=$rc): $(head -c 300 rpol/err)"
else
    bad "report: describes a node's policy from the scenario without running it (the run failed)"
fi

# --- the design-review report: one self-contained HTML file that a browser renders ----
if command -v gnuplot >/dev/null; then
    "$BIN" report a sw1 --out report.html >/dev/null 2>report.err
    if [ -s report.html ] && [ "$(grep -c '<svg' report.html)" -ge 6 ] && grep -q '<table>' report.html &&
        grep -q 'scenario_sha256' report.html && ! grep -q 'src="http' report.html && ! grep -q 'href="http' report.html; then
        ok "report: one HTML file with tables, inline SVG figures and manifests, nothing fetched"
    else
        bad "report: one HTML file with tables, inline SVG figures and manifests, nothing fetched"
    fi
    CHROME=$(command -v chromium || command -v chromium-browser || true)
    if [ -n "$CHROME" ]; then
        timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --user-data-dir="$T/chrome" --window-size=1200,2000 --screenshot="$T/report.png" \
            "file://$T/report.html" >/dev/null 2>&1
        # a blank 1200x2000 page compresses to a few kB; this one carries text, tables and figures
        if png_ok "$T/report.png" && [ "$(wc -c < "$T/report.png")" -gt 60000 ]; then
            ok "report: headless Chromium renders it to a non-blank screenshot ($(wc -c < "$T/report.png") bytes)"
        else
            bad "report: headless Chromium renders it to a non-blank screenshot"
        fi
    else
        echo "skip report screenshot: chromium is not installed (apt-get install chromium)"
    fi
fi

# --- the verdict at a glance: a new policy against five shipped ones, 10 replications ----------
# A new user's comparison: their own discipline (shortest expected job first
# with an aging term, in Lua) against FIFO, LIFO, SJF, SRPT and LAS on one
# M/G/1 at load 0.8 with lognormal sizes, 10 replications under common random
# numbers.  The sweep prints the verdict on stdout; every number in it must be
# summary.csv's, rounded as printed; the report's first screen (1280x800 in
# headless Chromium) shows the same table, with intervals and the best
# marked, before any figure.
cat > vd-aging.lua <<'EOF2'
-- aging shortest-job-first: the service time plus a tenth of the arrival
-- time, so that a job that has waited long enough goes before shorter ones
local now = sim.now
function rank(node, job) return sim.service(job) + 0.1 * now() end
EOF2
cat > vd-scen.json <<'EOF2'
{"duration": 3000, "warmup": 300,
 "classes": {"jobs": {"arrival": {"process": "poisson", "rate": 0.8}, "route": ["server"]}},
 "nodes": {"server": {"service": {"type": "lognormal", "mean": 1, "cv": 2}}}}
EOF2
cat > vd-exp.json <<'EOF2'
{"scenario": "vd-scen.json", "replications": 10, "seed": 11,
 "policies": [{"name": "mine", "set": {"nodes.server.policy": "vd-aging.lua"}},
              {"name": "fifo", "set": {"nodes.server.policy": "fifo"}},
              {"name": "lifo", "set": {"nodes.server.policy": "lifo"}},
              {"name": "sjf", "set": {"nodes.server.policy": "sjf"}},
              {"name": "srpt", "set": {"nodes.server.policy": "srpt"}},
              {"name": "las", "set": {"nodes.server.policy": "las"}}],
 "baseline": "fifo", "compare": "all",
 "metrics": ["classes.jobs.sojourn.mean", "classes.jobs.latency.p99", "nodes.server.mean_queue_length"]}
EOF2
"$BIN" sweep vd-exp.json --out vd -j2 > vd.out 2>vd.err; vrc=$?
if [ $vrc -eq 0 ] && python3 - vd.out vd/summary.csv vd/comparisons.csv <<'EOF2'
import csv, math, re, sys
out = open(sys.argv[1]).read().splitlines()
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
est = {(r["policy"], r["metric"]): r for r in rows}
i = next(k for k, l in enumerate(out) if l.startswith("Verdict"))
head = next(k for k in range(i, len(out)) if out[k].split()[:1] == ["metric"])
pols = out[head].split()[1:]
assert pols == ["mine", "fifo", "lifo", "sjf", "srpt", "las"], pols
labels = {"jobs: mean sojourn, succeeded": "classes.jobs.sojourn.mean",
          "jobs: p99 latency, all requests": "classes.jobs.latency.p99",
          "server: mean queue length": "nodes.server.mean_queue_length",
          "jobs: success share": "classes.jobs.shares.success"}
seen, stars = 0, 0
for l in out[head + 1:]:
    if not l.startswith("  ") or l.startswith("  - "):
        break
    name = l.strip().split(" (")[0]
    if name not in labels:
        continue
    cells = re.findall(r"(\*\s)?(-?\d+(?:\.\d+)?) (?:\+- (\d+(?:\.\d+)?)|\[(-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?|inf)\])", l)
    assert len(cells) == 6, (l, cells)
    scale = 100 if "share" in name else 1
    marked = []
    for p, (star, v, h, lo, hi) in zip(pols, cells):
        e = est[(p, labels[name])]
        dec = len(v.split(".")[1]) if "." in v else 0
        tol = 0.5 * 10 ** -dec + 1e-12
        assert abs(float(v) - scale * float(e["mean"])) <= tol, (name, p, v, e["mean"])
        if h:
            hw = scale * (float(e["ci95_high"]) - float(e["mean"]))
            assert abs(float(h) - hw) <= tol, (name, p, h, hw)
        else:
            assert abs(float(lo) - max(0, scale * float(e["ci95_low"]))) <= tol, (name, p, lo)
            top = min(100 if scale == 100 else math.inf, scale * float(e["ci95_high"]))
            assert (hi in ("inf", "100") and math.isinf(float(e["ci95_high"]))) or abs(float(hi) - top) <= tol, (name, p, hi)
        if star:
            marked.append(p)
    seen += 1
    if name != "jobs: success share":
        # the best is the lowest estimate, and it is the only one marked
        best = min(pols, key=lambda p: float(est[(p, labels[name])]["mean"]))
        assert marked == [best], (name, marked, best)
        stars += 1
assert seen >= 3 and stars == 3, (seen, stars)
# one sentence per metric with a direction, naming the best
assert sum(1 for l in out if l.startswith("  - ") and " has the lowest " in l) >= 3
# compare: all gives every pair once (15 pairs), for every metric
pairs = {(r["policy"], r["baseline"]) for r in csv.DictReader(open(sys.argv[3], newline=""))}
assert len(pairs) == 15, sorted(pairs)
EOF2
then
    ok "verdict: a new policy against 5 shipped ones; stdout's pivot is summary.csv's numbers, the lowest marked, all 15 pairs compared"
else
    bad "verdict: the pivot on stdout against summary.csv ($vrc: $(cat vd.err | head -3))"
    sed -n '/^Verdict/,$p' vd.out | head -20 | sed 's/^/     /'
fi
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ] && command -v gnuplot >/dev/null; then
    "$BIN" report vd --out vd-report.html >/dev/null 2>vd.err
    cp vd-report.html vd-probe.html
    cat >> vd-probe.html <<'EOF2'
<script>
(function () {
  var t = document.querySelector('table.verdict'), fig = document.querySelector('figure, svg');
  var top = document.documentElement.getBoundingClientRect().top; /* page coordinates, whatever the scroll */
  var best = t.querySelectorAll('td.best').length, pm = t.textContent.indexOf('\u00b1') >= 0;
  document.body.setAttribute('data-probe', [Math.round(t.getBoundingClientRect().bottom - top),
      fig ? Math.round(fig.getBoundingClientRect().top - top) : -1, window.innerHeight, best, pm ? 1 : 0].join(','));
})();
</script>
EOF2
    probe=$(timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$T/chrome-vd" --window-size=1280,800 --dump-dom \
        "file://$T/vd-probe.html" 2>/dev/null | grep -o 'data-probe="[^"]*"' | sed 's/.*="//; s/"//')
    if echo "$probe" | awk -F, '{ exit !(NF == 5 && $1 > 0 && $1 <= $3 && $2 > $1 && $4 >= 3 && $5 == 1) }'; then
        ok "verdict: the report's first screen in headless Chromium holds the whole pivot, intervals and the best marked, before any figure ($probe)"
    else
        bad "verdict: the report's first screen in headless Chromium (bottom,figure,height,best,pm = $probe)"
    fi
else
    echo "skip the report's first screen: chromium or gnuplot is not installed"
fi
# a baseline named in the experiment: every row of comparisons.csv subtracts it
sed -e 's/"baseline": "fifo", "compare": "all",/"baseline": "srpt",/' vd-exp.json > vd-exp2.json
"$BIN" sweep vd-exp2.json --out vd2 -j2 >/dev/null 2>&1
python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert rows and all(r["baseline"] == "srpt" for r in rows)
assert sorted({r["policy"] for r in rows}) == ["fifo", "las", "lifo", "mine", "sjf"]
' vd2/comparisons.csv 2>/dev/null &&
    ok "verdict: \"baseline\": srpt makes comparisons.csv each other alternative minus srpt" ||
    bad "verdict: \"baseline\": srpt ($(head -3 vd2/comparisons.csv 2>/dev/null))"
sed -e 's/"baseline": "fifo"/"baseline": "fifoo"/' vd-exp.json > vd-exp3.json
"$BIN" sweep vd-exp3.json --out vd3 >/dev/null 2>vd3.err; vrc=$?
[ $vrc -eq 2 ] && grep -q 'vd-exp3.json: baseline: expected the name of an alternative in "policies" ("mine", "fifo", "lifo", "sjf", "srpt", "las"), found "fifoo"; did you mean "fifo"?' vd3.err &&
    ok "verdict: a baseline that names no alternative is refused with the names and a suggestion" ||
    bad "verdict: a bad baseline ($vrc: $(cat vd3.err))"
# other people's experiments: a varied string with a terminal escape is
# shown with '?' for the control character, never sent to the terminal
cat > vd-esc.json <<EOF2
{"scenario": "$SC/mm1.json", "replications": 2, "duration": 200, "warmup": 20,
 "vary": {"comment": ["x\u001b[2Jy", "z"]},
 "policies": [{"name": "a", "set": {}}, {"name": "b", "set": {"nodes.server.policy": "lifo"}}],
 "metrics": ["classes.jobs.sojourn.mean"]}
EOF2
"$BIN" sweep vd-esc.json --out vd-esc -j2 > vd-esc.out 2>&1
if [ -s vd-esc.out ] && ! grep -q "$(printf '\033')" vd-esc.out && grep -q '^  at comment = x?\[2Jy$' vd-esc.out; then
    ok "verdict: a control character in a varied value reaches the terminal as ?"
else
    bad "verdict: a control character in a varied value ($(head -c 200 vd-esc.out | od -c | head -3))"
fi

# --- Ctrl-C: the statistics so far, marked partial; nothing that looks complete ---------
"$BIN" run "$SC/mm1.json" --out int --set duration=1e9 --quiet >/dev/null 2>int.err &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
if [ $rc -eq 130 ] && grep -q '"status":[[:space:]]*"partial: interrupted at simulated time' int/summary.json &&
    [ -s int/timeseries.csv ] && ! ls -a int | grep -q tmp && grep -q 'partial results (marked so)' int.err; then
    ok "SIGINT stops the run with status 130 and a summary marked partial"
else
    bad "SIGINT stops the run with status 130 and a summary marked partial (rc=$rc)"
fi

# --- kill -9 at random moments: the results directory is always one run's, whole ---
# Two reference runs into the same path, A (seed 1) then B (seed 2); then,
# with A in place, B is started again and killed at random moments (and
# with no moment at all, to the end): each time the directory must be
# exactly A's files or exactly B's, never a mix and never a part.
kargs="--set duration=6000000 --set window=100000 --quiet"
"$BIN" run "$SC/mm1.json" --out k9 --seed 1 $kargs >/dev/null 2>&1 && cp -r k9 refA
rm -rf k9
"$BIN" run "$SC/mm1.json" --out k9 --seed 2 $kargs >/dev/null 2>&1 && cp -r k9 refB
kbad=0 nA=0 nB=0
for k in 1 2 3 4 5 6 7; do
    rm -rf k9 && cp -r refA k9
    "$BIN" run "$SC/mm1.json" --out k9 --seed 2 $kargs >/dev/null 2>&1 &
    kp=$!
    [ $k -lt 7 ] && sleep "$(awk -v k=$k 'BEGIN { srand(k + systime()); printf "%.2f", rand() * 1.2 }')" && kill -KILL $kp 2>/dev/null
    wait $kp 2>/dev/null
    if diff -r k9 refA >/dev/null 2>&1; then nA=$((nA + 1)); elif diff -r k9 refB >/dev/null 2>&1; then nB=$((nB + 1)); else kbad=$((kbad + 1)); fi
done
# the next run clears what the killed ones left beside k9
"$BIN" run "$SC/mm1.json" --out k9 --seed 1 $kargs >/dev/null 2>&1
left=$(ls -a | grep -c '^\.k9\.tmp-')
[ $kbad -eq 0 ] && [ -s refA/summary.json ] && [ "$nB" -ge 1 ] && [ "$left" -eq 0 ] &&
    ok "run killed with SIGKILL at random moments: the directory is always one whole run ($nA x the old, $nB x the new), temporaries cleared" ||
    bad "run killed with SIGKILL: $kbad mixed or partial directories ($nA old, $nB new, $left temporaries left)"
# a run into a directory of an earlier run leaves none of its files (an
# earlier run with a policy wrote metrics.csv; this one has none)
"$BIN" run "$SC/mm1.json" --out stale --set duration=2000 --set nodes.server.policy=fifo --quiet >/dev/null 2>&1
"$BIN" run "$SC/mm1.json" --out stale --set duration=2000 --quiet >/dev/null 2>&1
[ -s stale/summary.json ] && [ ! -e stale/metrics.csv ] && ok "a rerun into the same directory leaves no file of the earlier run" ||
    bad "a rerun into the same directory leaves no file of the earlier run"
mkdir -p mine && echo keep > mine/notes.txt
"$BIN" run "$SC/mm1.json" --out mine --set duration=2000 --quiet >/dev/null 2>mine.err
[ $? -eq 2 ] && [ "$(cat mine/notes.txt)" = keep ] && grep -q 'holds "notes.txt", which tailback did not write' mine.err &&
    ok "a run refuses an --out that holds files it did not write" || bad "a run refuses an --out that holds files it did not write"

# --- an unstable scenario stops at the job limit with an explanation ---------------------
"$BIN" run "$SC/mm1.json" --out unstable --set classes.jobs.arrival.rate=2 --set 'limits={"jobs": 20000}' --quiet >/dev/null 2>unstable.err
rc=$?
if [ $rc -eq 1 ] && grep -q 'with 20000 jobs in the network (limits.jobs): node "server" holds 2000[0-9] of them' unstable.err &&
    grep -q 'Add workers, bound its queue' unstable.err &&
    grep -q '"status":[[:space:]]*"partial: stopped at the job limit' unstable/summary.json; then
    ok "rho = 2 with unbounded queues stops at limits.jobs, names the node and what to change, keeps partial statistics"
else
    bad "rho = 2 with unbounded queues stops at limits.jobs, names the node and what to change, keeps partial statistics (rc=$rc)"
    cat unstable.err
fi

# --- make install puts everything where the binary finds it ----------------------
if [ -f "$ROOT/Makefile" ] && command -v make >/dev/null; then
    if make -s -C "$ROOT" install DESTDIR="$T/dest" PREFIX=/opt/tb >/dev/null 2>&1 &&
        [ -x dest/opt/tb/bin/tailback ] && [ -f dest/opt/tb/share/tailback/scenarios/mm1.json ] &&
        [ -f dest/opt/tb/share/tailback/plots/timeseries.gp ] &&
        env -u TAILBACK_DATA dest/opt/tb/bin/tailback run tandem --out inst --set duration=100 --set warmup=0 --quiet >/dev/null 2>&1 &&
        [ -s inst/summary.json ]; then
        ok "make install (DESTDIR, PREFIX): the installed binary finds shipped scenarios"
    else
        bad "make install (DESTDIR, PREFIX): the installed binary finds shipped scenarios"
    fi
    # the manual page, the docs, the reader and bash completion are installed too
    man1=dest/opt/tb/share/man/man1/tailback.1
    if [ -s "$man1" ] && [ -f dest/opt/tb/share/doc/tailback/scenario.md ] && [ -f dest/opt/tb/share/doc/tailback/experiment.md ] &&
        [ -f dest/opt/tb/share/doc/tailback/tailback_results.py ] && [ -f dest/opt/tb/share/bash-completion/completions/tailback ]; then
        ok "make install: tailback(1), the docs, the Python reader and bash completion"
    else
        bad "make install: tailback(1), the docs, the Python reader and bash completion"
    fi
    # tailback(1) is made from the --help texts: every line of every command's
    # help is in the rendered page (groff when present), so they cannot drift
    if [ -s "$man1" ]; then
        good=1
        if command -v groff >/dev/null; then
            groff -man -Tutf8 -P-cbou "$man1" 2>man.err | sed 's/[[:space:]]*$//' > man.txt
            [ -s man.err ] && good=0
        else
            sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/\\&//g' "$man1" > man.txt
        fi
        for c in "" run validate sweep plot report generate; do
            "$BIN" help $c | sed 's/[[:space:]]*$//' | while IFS= read -r line; do
                [ -z "$line" ] && continue
                grep -qF -- "$line" man.txt || { echo "     not in tailback(1): $line"; exit 1; }
            done || good=0
        done
        [ $good -eq 1 ] && ok "tailback(1) holds every line of every command's --help (rendered, no roff warning)" ||
            bad "tailback(1) holds every line of every command's --help"
    fi
fi
# bash completion knows every command and every option each command's --help lists
good=1
command -v bash >/dev/null || good=0
for c in run validate sweep plot report generate; do
    known=$(bash -c '. "$1/contrib/tailback.bash"; _tailback_opts "$2"' _ "$ROOT" "$c" 2>/dev/null)
    for o in $("$BIN" help $c | grep -E '^  +(-[a-zA-Z], )?--[a-z]' | sed -E 's/^ +(-[a-zA-Z], )?(--[a-z][a-z-]*).*/\2/' | sort -u); do
        case " $known " in *" $o "*) ;; *) good=0; echo "     completion of $c lacks $o" ;; esac
    done
done
if command -v bash >/dev/null; then
    got=$(bash -c '. "$1/contrib/tailback.bash"; COMP_WORDS=(tailback sw); COMP_CWORD=1; _tailback; echo "${COMPREPLY[*]}"' _ "$ROOT")
    [ "$got" = sweep ] || { good=0; echo "     completing 'tailback sw' gave '$got'"; }
    got=$(bash -c '. "$1/contrib/tailback.bash"; COMP_WORDS=(tailback sweep --ru); COMP_CWORD=2; _tailback; echo "${COMPREPLY[*]}"' _ "$ROOT")
    [ "$got" = --run-index ] || { good=0; echo "     completing 'tailback sweep --ru' gave '$got'"; }
fi
[ $good -eq 1 ] && ok "bash completion: every command, and every option each --help lists" || bad "bash completion is out of date with --help"

# --- papers: the fastest one regenerates and still says what its README says ---
# papers/metastable-retries in its quick form (10 replications per point),
# checked against its conclusions: naive retries recover from the shortest
# spike and never from the longest; the three mitigations recover always.
if sh "$ROOT/papers/metastable-retries/run.sh" "$BIN" "$T/paper-ms" quick >/dev/null 2>&1; then
    d=$T/paper-ms/data.csv
    if awk -F, '$2 == "naive retries" && $1 == 0.25 { a = $3 } $2 == "naive retries" && $1 == 60 { b = $3 }
                $2 != "naive retries" { m += $3; k++ } END { exit !(a == 0 && b == 1 && m == 0 && k == 33) }' "$d" &&
       [ "$(grep -c '^| [0-9]' "$T/paper-ms/table-never.md")" -eq 11 ] && png_ok "$T/paper-ms/never-recovered.png"; then
        ok "papers: metastable-retries (quick) regenerates its tables and figure, and its conclusions hold"
    else
        bad "papers: metastable-retries (quick) regenerates its tables and figure, and its conclusions hold"
    fi
else
    bad "papers: metastable-retries (quick) runs"
fi
# every generated block of every committed paper README is filled (an empty
# one would mean a README showing no numbers)
empty=$(awk '/^<!-- [a-z-]+:begin -->$/ { open = FILENAME ": " $2; lines = 0; next }
             /^<!-- [a-z-]+:end -->$/ { if (open != "" && lines == 0) print open; open = ""; next }
             open != "" && NF { lines++ }' "$ROOT"/papers/README.md "$ROOT"/papers/*/README.md)
[ -z "$empty" ] && ok "papers: every generated section of every paper README is filled" || bad "papers: empty generated sections: $empty"
# the refined mean-field predictions (papers/power-of-d-choices/refined.c):
# d = 1 is exactly 1/(1 - lambda); the limit column is Mitzenmacher's sum,
# computed here independently; the 1/n term is positive and small at 0.9.
REF=${REFINED:-build/refined}  # the Makefile passes its build's, relative to the root
case $REF in /*) ;; *) REF=$ROOT/$REF ;; esac
if [ -x "$REF" ]; then
    if { "$REF" 100 1 0.5 0.9; "$REF" 100 2 0.5 0.9 0.99; "$REF" 100 5 0.9; } | awk '
        function td(d, l,   i, t, e) { t = 0; for (i = 1; i < 60; i++) { e = (d ^ i - d) / (d - 1); if (e > 4000) break; t += l ^ e } return t }
        $1 == 1 { if ((($3 - 1 / (1 - $2)) ^ 2) ^ 0.5 > 1e-5 || $4 != $3) bad++ }
        $1 > 1 { if ((($3 - td($1, $2)) ^ 2) ^ 0.5 > 1e-5 || $4 <= $3) bad++; if ($2 == 0.9 && $4 / $3 > 1.05) bad++ }
        END { exit bad > 0 || NR != 6 }'; then
        ok "papers: refined mean field: exact for d = 1, Mitzenmacher's T_d, a small positive 1/n term"
    else
        bad "papers: refined mean field: exact for d = 1, Mitzenmacher's T_d, a small positive 1/n term"
    fi
else
    bad "papers: build/refined is built (make build/refined)"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
