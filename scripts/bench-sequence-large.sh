#!/usr/bin/env bash
# Times fork:cherryPick on a large tree against a bare `git cherry-pick` loop in the work tree:
# the 16 clean carry patches of a generated history (scripts/genhistory) whose tree has FILES
# files, ported onto release-4.15, each run in a fresh copy of the repository.
#
# fork:cherryPick picks clean patches in memory and moves the work tree once per run of them
# (the assets commit, regenerated in the work tree, ends a run): with -verify= it should take at
# most half the loop's time. With -verify=true (-jobs=1) every patch is verified in the work
# tree, which must then be there after each pick.
#
# Prints the medians, wall clock and CPU (user+sys of the commands), and the ratios against the
# loop. Usage: scripts/bench-sequence-large.sh [FILES] [RUNS]
set -euo pipefail
files=${1:-100000}
runs=${2:-3}
. "$(dirname "$0")/lib/bench.sh"
bench_init

src="$tmp/src"
echo "generating a history of $files files ..." >&2
(cd "$root" && go run ./scripts/genhistory -files "$files" -carries 19 -commits 200 -after 40 "$src") >&2
cd "$src"
git checkout -q -b release-4.15-azure refs/remotes/upstream/release-4.15
# The patches the port picks: the carries that upstream 4.15 does not have (git cherry "+").
picks=$(git cherry refs/remotes/upstream/release-4.15 refs/remotes/origin/release-4.14-azure refs/remotes/upstream/release-4.14 | awk '$1 == "+" {print $2}')
n=$(echo "$picks" | wc -l)
echo "$(git ls-files | wc -l) files, $n patches to pick" >&2

# cpu_ms prints the CPU time (user+sys, ms) of the commands this shell had waited for when it
# last ran `times > $tmp/times` (in this shell: a subshell has its own).
cpu_ms() {
  awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); t += a[1] * 60 + a[2] } printf "%d\n", t * 1000 }' "$tmp/times"
}

# timed NAME CMD...: runs CMD, appends its wall time to $tmp/NAME.wall and its CPU to .cpu.
timed() {
  local name=$1 t0 t1 c0 c1
  shift
  times > "$tmp/times"
  c0=$(cpu_ms)
  t0=$(now)
  "$@" >/dev/null 2>&1
  t1=$(now)
  times > "$tmp/times"
  c1=$(cpu_ms)
  ms "$t0" "$t1" >> "$tmp/$name.wall"
  echo $((c1 - c0)) >> "$tmp/$name.cpu"
}

loop() {
  for c in $picks; do
    git cherry-pick "$c"
  done
}

check() {
  test "$(git rev-list --count refs/remotes/upstream/release-4.15..HEAD)" = "$n"
  test -z "$(git status --porcelain --untracked-files=no)"
}

for r in $(seq 1 "$runs"); do
  echo "run $r of $runs ..." >&2
  # Interleave the runs so that machine noise hits them alike.
  rm -rf "$tmp/a" "$tmp/b" "$tmp/c"
  cp -a "$src" "$tmp/a"
  cp -a "$src" "$tmp/b"
  cp -a "$src" "$tmp/c"

  cd "$tmp/a"
  timed none env RELEASEKIT_VERIFY= RELEASEKIT_REGEN=true "$tmp/releasekit" fork:cherryPick 4.15
  check

  cd "$tmp/b"
  timed verify env RELEASEKIT_VERIFY=true RELEASEKIT_VERIFY_JOBS=1 RELEASEKIT_REGEN=true "$tmp/releasekit" fork:cherryPick 4.15
  check

  cd "$tmp/c"
  timed git loop
  check
done

report() {
  local kind=$1 none verify git
  none=$(median < "$tmp/none.$kind")
  verify=$(median < "$tmp/verify.$kind")
  git=$(median < "$tmp/git.$kind")
  echo "$kind (ms): fork:cherryPick -verify= $none, -verify=true -jobs=1 $verify, git cherry-pick loop $git"
  awk -v x="$none" -v v="$verify" -v b="$git" 'BEGIN {
    printf "  ratio, -verify=:             %.2fx (goal <= 0.5x)\n", x / b
    printf "  ratio, -verify=true -jobs=1: %.2fx\n", v / b }'
}
echo "$n clean picks on a tree of $files files, median of $runs runs (load average: $(cut -d' ' -f1-3 /proc/loadavg)):"
report wall
report cpu
