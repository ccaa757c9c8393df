#!/bin/sh
# layers.sh - the layering rules (docs/architecture.md), checked on the includes; and every header compiles on its own.
#
# usage: CC=cc CFLAGS="..." sh tests/layers.sh
#   sim/         includes nothing of the project above it
#   models/      includes nothing of the experiment layer
#   experiment/  includes nothing of the command line
#   Lua's own headers: only sim/sim_lua.c and models/tb_policy.c
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
bad=0
say() { echo "layers: $*"; bad=1; }

# "FILE:LINE: the included name" for each quoted include of the files given
quoted() { grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$@" /dev/null | sed 's/#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/'; }

for hit in $(quoted sim/*.c sim/*.h); do
    case ${hit##*:} in sim_*.h) ;; *) say "$hit: sim/ may include only sim/ headers" ;; esac
done
for hit in $(quoted models/*.c models/*.h); do
    case ${hit##*:} in *experiment/*|*tailback*) say "$hit: models/ may not include the experiment layer" ;; esac
done
for hit in $(quoted experiment/*.c experiment/*.h); do
    case ${hit##*:} in ../tailback*) say "$hit: experiment/ may not include the command line" ;; esac
done
for f in $(grep -l '#[[:space:]]*include[[:space:]]*<\(lua\|lauxlib\|lualib\)' sim/* models/* experiment/* tailback.c tests/*.c tests/*.h 2>/dev/null); do
    case $f in sim/sim_lua.c|models/tb_policy.c) ;; *) say "$f includes a Lua header: only sim/sim_lua.c and models/tb_policy.c may" ;; esac
done

# every header alone, with the project's warnings
for h in sim/*.h models/*.h experiment/*.h; do
    printf '#include "%s"\n' "$ROOT/$h" | ${CC:-cc} ${CFLAGS:-} -fsyntax-only -x c - 2>"$ROOT/.layers.err" ||
        { say "$h does not compile on its own:"; sed 's/^/     /' "$ROOT/.layers.err" | head -5; }
done
rm -f "$ROOT/.layers.err"
n=$(ls sim/*.h models/*.h experiment/*.h | wc -l)
[ $bad -eq 0 ] && echo "layers: sim < models < experiment < tailback.c hold; Lua headers in 2 files; $n headers compile alone"
exit $bad
