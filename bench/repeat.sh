#!/usr/bin/env bash
# bench/repeat.sh -- runs bench/run.sh N times and judges the targets on the medians of the runs.
#
#   bench/repeat.sh [-n N] [run.sh options...]      (N defaults to 5)
#
# On this kind of machine a ratio moves by about 0.1x from one run to the next, as much as many a
# change does: one run says little about a target near its bound. Each run is a whole run.sh run
# (its own daemon, interleaved with bare runc, its own results file); the summary lists, for each
# row, every run's ratio (or median) and their median, and judges the targets that a median can
# judge (ratios, times, rates, sizes; not percentiles) on it. It is written next to the runs'
# files as bench/results/<date>-repeatN.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=5
if [[ ${1:-} == -n ]]; then
  n=${2:?-n needs a count}
  shift 2
fi
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "repeat.sh: -n needs a positive count, not '$n'" >&2; exit 2; }
log=$(mktemp /tmp/cmb-repeat.XXXXXX)
trap 'rm -f "$log"' EXIT
files=()
for i in $(seq "$n"); do
  echo "repeat.sh: run $i of $n: bench/run.sh $*"
  "$here/run.sh" "$@" >"$log" 2>&1 || { cat "$log" >&2; echo "repeat.sh: run $i failed" >&2; exit 1; }
  file=$(sed -n 's/^written to //p' "$log" | tail -1)
  [[ -n $file ]] || { cat "$log" >&2; echo "repeat.sh: run $i wrote no results" >&2; exit 1; }
  grep -E '<=|>=' "$file" | grep -v '^conman bench' || true
  files+=("$file")
done
summary="$here/results/$(date -u +%Y-%m-%d_%H%M%S)-repeat$n.txt"
{
  echo "bench/repeat.sh: $n runs of bench/run.sh $*"
  printf '  %s\n' "${files[@]}"
  echo
  awk -f "$here/repeat.awk" "${files[@]}"
} | tee "$summary"
echo "written to $summary"
