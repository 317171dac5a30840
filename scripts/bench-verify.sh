#!/usr/bin/env bash
# bench-verify.sh: what the verify cache and -jobs buy on 16 clean carry patches whose verify is
# `sleep 1` (a stand-in for minutes of ./hack/build.sh && ./hack/go-test.sh).
#
#   scripts/bench-verify.sh [RUNS]      RUNS repetitions of each (default 3)
#
# Prints the medians and two ratios:
#   - fork:cherryPick -jobs=4 against -jobs=1, wall clock. Goal <= 0.35x.
#   - a re-run after fork:abort with every tree verified (all cached) against a run with the
#     verify off (-verify=), and how many verifies the re-run ran. Goal <= 1.3x and 0 runs.
set -euo pipefail
runs=${1:-3}
case $runs in
'' | *[!0-9]* | 0) echo "bench-verify: RUNS must be a positive number, got '$runs'" >&2; exit 2 ;;
esac
n=16
. "$(dirname "$0")/lib/bench.sh"
bench_init
unset RELEASEKIT_VERIFY_JOBS

# One repository: upstream 4.14 and 4.15, a fork branch with 16 clean carry patches.
src="$tmp/src"
bench_carry_repo "$src" "$n"
cd "$src"

check() { test "$(git rev-list --count upstream/release-4.15..HEAD)" = "$n"; }

: > "$tmp/j1.txt"; : > "$tmp/j4.txt"; : > "$tmp/off.txt"; : > "$tmp/cached.txt"; : > "$tmp/runs.txt"
for r in $(seq 1 "$runs"); do
  echo "run $r of $runs ..." >&2
  rm -rf "$tmp/a" "$tmp/b" "$tmp/c"
  cp -a "$src" "$tmp/a"; cp -a "$src" "$tmp/b"; cp -a "$src" "$tmp/c"
  count="$tmp/count-$r"
  : > "$count"
  verify="echo run >> '$count'; sleep 1"

  # -jobs=1: a verify after each pick, in the work tree.
  cd "$tmp/a"
  t0=$(now); "$tmp/releasekit" fork:cherryPick 4.15 -verify="$verify" -jobs=1 >/dev/null 2>&1; t1=$(now)
  check; ms "$t0" "$t1" >> "$tmp/j1.txt"

  # -jobs=4: verifies in worktrees while the picks go on (fresh notes: nothing cached).
  cd "$tmp/b"
  t0=$(now); "$tmp/releasekit" fork:cherryPick 4.15 -verify="$verify" -jobs=4 >/dev/null 2>&1; t1=$(now)
  check; ms "$t0" "$t1" >> "$tmp/j4.txt"

  # The verify off, and the run again after fork:abort with every tree in the notes; both on
  # the same warm repository, after a first port that recorded every tree's pass.
  cd "$tmp/c"
  "$tmp/releasekit" fork:cherryPick 4.15 -verify="$verify" -jobs=4 >/dev/null 2>&1
  check
  # Five interleaved pairs: the two runs are short, so that noise from the machine is averaged.
  for pair in 1 2 3 4 5; do
    git reset -q --hard upstream/release-4.15
    t0=$(now); "$tmp/releasekit" fork:cherryPick 4.15 -verify= >/dev/null 2>&1; t1=$(now)
    check; ms "$t0" "$t1" >> "$tmp/off.txt"
    git reset -q --hard upstream/release-4.15
    # A run that stops at the first patch (a verify that fails), then fork:abort.
    "$tmp/releasekit" fork:cherryPick 4.15 -verify="false" >/dev/null 2>&1 || true
    "$tmp/releasekit" fork:abort >/dev/null 2>&1
    before=$(wc -l < "$count")
    t0=$(now); "$tmp/releasekit" fork:cherryPick 4.15 -verify="$verify" >/dev/null 2>&1; t1=$(now)
    check; ms "$t0" "$t1" >> "$tmp/cached.txt"
    echo $(( $(wc -l < "$count") - before )) >> "$tmp/runs.txt"
  done
done

j1=$(median < "$tmp/j1.txt"); j4=$(median < "$tmp/j4.txt")
off=$(median < "$tmp/off.txt"); cached=$(median < "$tmp/cached.txt")
vruns=$(sort -n "$tmp/runs.txt" | tail -1)
echo "$n clean patches, verify 'sleep 1', median of $runs runs (of $((runs * 5)) for the short ones):"
echo "  fork:cherryPick -jobs=1:                 ${j1} ms"
echo "  fork:cherryPick -jobs=4:                 ${j4} ms"
echo "  fork:cherryPick -verify= (verify off):   ${off} ms"
echo "  re-run after fork:abort, all cached:     ${cached} ms, ${vruns} verify runs (most of any run)"
awk -v a="$j4" -v b="$j1" -v c="$cached" -v d="$off" 'BEGIN {
  printf "  ratio -jobs=4 / -jobs=1:      %.2fx (goal <= 0.35x)\n", a / b
  printf "  ratio all cached / verify off: %.2fx (goal <= 1.3x)\n", c / d }'
