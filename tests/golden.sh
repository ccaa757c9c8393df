#!/bin/sh
# golden.sh - the SHA-256 of every output file of every shipped scenario and experiment (shortened), less what names the build or the machine: a refactoring must leave every one unchanged.
#
# usage: golden.sh TAILBACK --check FILE   compare with FILE (exit 1 on any difference)
#        golden.sh TAILBACK --write FILE   record
#
# Each shipped scenario (scenarios/, papers/*/) runs for 600 s after a 100 s
# warm-up, on both event queues; each shipped experiment runs 2
# replications of the same length.  With GOLDEN_PAPERS=1, every paper's
# quick experiment runs too, as it is (about 10 CPU minutes: for before and
# after a large change, not for `make check`).  What may differ
# between builds and machines is left out before hashing: the manifest's
# `build` (commit, compiler), `command`, the hash of the experiment copy
# (which names the source tree), the temporary directory's
# name, and where the source tree and the binary are (absolute, or
# relative to the results directory as a run's manifest names its scenario).  A deliberate change of output updates FILE in the same commit, and
# the commit message names it.
set -u
BIN=$1
MODE=$2
FILE=$3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
OUT=$TMP/hashes
: > "$OUT"

# the hash of one output file, as a line "SHA  NAME"; the data directory
# the binary found the shipped policies in is written as ROOT, like the
# source tree, so that two builds in two places compare
BINDIR=$(cd "$(dirname "$BIN")" && pwd)
record() { # FILE NAME
    case $1 in
    # (the command is one line, ["tailback", ...]: a range from it to the
    # next "]" once swallowed everything up to the file's next array)
    *.json) sed -e '/"build":[[:space:]]*{/,/}/d' -e '/"command":[[:space:]]*\[.*\]/d' -e '/"experiment_sha256"/d' -e "s|$TMP|TMP|g" \
                -e "s|$BINDIR/|ROOT/|g" -e "s|$ROOT/|ROOT/|g" \
                -e 's#"\(\.\./\)\{1,\}[^"]*/\(scenarios\|papers\)/#"ROOT/\2/#g' "$1" ;;
    *) sed -e "s|$TMP|TMP|g" "$1" ;;
    esac | sha256sum | sed "s|-\$|$2|" >> "$OUT"
}

record_dir() { # DIR PREFIX
    (cd "$1" && find . -type f | LC_ALL=C sort) | while read -r f; do
        record "$1/$f" "$2/${f#./}"
    done
}

fail=0
for sc in "$ROOT"/scenarios/*.json "$ROOT"/papers/*/scenario.json; do
    name=$(echo "${sc#"$ROOT"/}" | tr / _)
    for q in heap calendar; do
        "$BIN" run "$sc" --set duration=600 --set warmup=100 --event-queue $q --out "$TMP/run/$name-$q" \
            >/dev/null 2>"$TMP/err" || { echo "golden: $sc ($q) failed: $(tail -1 "$TMP/err")"; fail=1; }
        record_dir "$TMP/run/$name-$q" "run/$name-$q"
    done
done
papers=""
[ "${GOLDEN_PAPERS:-0}" = 1 ] && papers=$(ls "$ROOT"/papers/*/experiment-quick.json)
for ex in "$ROOT"/scenarios/experiments/*.json $papers; do
    name=$(echo "${ex#"$ROOT"/}" | tr / _)
    dir=$(dirname "$ex")
    mkdir -p "$TMP/exp"
    case $ex in
    */papers/*) sed -e "s|\"scenario\": \"\\([^/\"][^\"]*\\)\"|\"scenario\": \"$dir/\\1\"|" "$ex" > "$TMP/exp/$name" ;;
    *) sed -e "s|\"scenario\": \"\\([^/\"][^\"]*\\)\"|\"scenario\": \"$dir/\\1\"|" \
           -e 's/"replications": [0-9]*/"replications": 2/' -e 's/"max_replications": [0-9]*/"max_replications": 4/' \
           -e 's/"duration": [0-9][0-9.e]*/"duration": 600/' -e 's/"warmup": [0-9][0-9.e]*/"warmup": 100/' \
           "$ex" > "$TMP/exp/$name" ;;
    esac
    "$BIN" sweep "$TMP/exp/$name" -j 2 --out "$TMP/sweep/$name" >/dev/null 2>"$TMP/err" ||
        { echo "golden: $ex failed: $(tail -1 "$TMP/err")"; fail=1; }
    record_dir "$TMP/sweep/$name" "sweep/$name"
done
[ $fail -eq 0 ] || exit 1

case $MODE in
--write) cp "$OUT" "$FILE"; echo "golden: $(wc -l < "$OUT") output files recorded in $FILE" ;;
--check)
    if cmp -s "$OUT" "$FILE"; then
        echo "golden: all $(wc -l < "$FILE") output files unchanged"
    else
        echo "golden: outputs differ from $FILE:"
        diff "$FILE" "$OUT" | sed -n 's/^> [0-9a-f]*  /     changed or new: /p; s/^< [0-9a-f]*  /     before: /p' | head -40
        exit 1
    fi ;;
*) echo "usage: golden.sh TAILBACK --check FILE | --write FILE" >&2; exit 2 ;;
esac
