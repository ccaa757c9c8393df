#!/bin/sh
# splice.sh - replace the generated part of a paper's README with new text.
# usage: sh papers/splice.sh README.md NAME < generated.md
# Rewrites what lies between the lines "<!-- NAME:begin -->" and
# "<!-- NAME:end -->" (both kept), atomically; fails if the markers are missing,
# so a README cannot silently stop showing its numbers.
set -eu
f=$1 name=$2
grep -q "^<!-- $name:begin -->\$" "$f" && grep -q "^<!-- $name:end -->\$" "$f" ||
  { echo "splice.sh: $f: no <!-- $name:begin/end --> markers" >&2; exit 1; }
gen=$(mktemp) tmp="$f.tmp.$$"
trap 'rm -f "$gen" "$tmp"' EXIT
cat > "$gen"
awk -v b="<!-- $name:begin -->" -v e="<!-- $name:end -->" -v g="$gen" '
$0 == b { print; while ((getline l < g) > 0) print l; skip = 1; next }
$0 == e { skip = 0 }
!skip' "$f" > "$tmp"
mv "$tmp" "$f"
