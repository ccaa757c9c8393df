# lib.sh - sourced by each paper's run.sh: choose its experiment by mode and run the sweep from scratch.
# usage: . "$here/../lib.sh"; paper_sweep TAILBACK PAPER_DIR OUTDIR MODE
# Sets $exp (the experiment file used).  The
# sweep starts from scratch: a resumed one would keep results of an older
# build, and report a run time that is not the real one.
paper_sweep() {
  exp=$2/experiment.json
  [ "$4" = quick ] && exp=$2/experiment-quick.json
  mkdir -p "$3"
  rm -rf "$3/sweep"
  "$1" sweep "$exp" --out "$3/sweep" >&2
}
