#!/bin/sh
# make-table.sh - regenerate the theory-check table from the test suites' own output.
# usage: sh papers/theory-check/make-table.sh build/check_all > table.md
# Runs the suites that compare tailback with queueing formulas and turns each
# printed comparison ("  WHAT  theory T  simulated S +- H") into a table row.
set -eu
BIN=${1:-build/check_all}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
CK_RUN_SUITE=theory "$BIN" >/dev/null 2>>"$out"
CK_RUN_SUITE=policy CK_RUN_CASE=theory "$BIN" >/dev/null 2>>"$out"
CK_RUN_SUITE=pool "$BIN" >/dev/null 2>>"$out"
echo "| model | quantity (formula) | theory | simulated, 99.9% CI | relative error |"
echo "| --- | --- | ---: | ---: | ---: |"
awk '
/^[^ ]/ && !/^Running|^[0-9]+%|^ [a-z]/ { model = $0; next }
/ theory .* simulated .* \+- / {
    line = $0
    sub(/^  +/, "", line)
    i = index(line, " theory ")
    what = substr(line, 1, i - 1); sub(/ +$/, "", what)
    rest = substr(line, i + 8)
    split(rest, f, " ")
    th = f[1]; sim = f[3]; hw = f[5]
    gsub(/\|/, "\\|", what)   # a | inside a cell would end it
    rel = (th != 0) ? 100 * (sim - th) / th : 0
    printf "| %s | %s | %s | %s +- %s | %+.2f%% |\n", model, what, th, sim, hw, rel
}' "$out"
