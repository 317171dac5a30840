#!/usr/bin/env bash
# Times fork:cherryPick against a bare `git cherry-pick` loop: N clean carry patches picked onto
# the same base in two copies of one repository, with a no-op verify for the toolkit.
# Prints the medians and the ratio (toolkit / plain git). Usage: scripts/bench-sequence.sh [N] [RUNS]
set -euo pipefail
n=${1:-30}
runs=${2:-5}
. "$(dirname "$0")/lib/bench.sh"
bench_init

# One repository: upstream 4.14 and 4.15, a fork branch with N clean carry patches.
src="$tmp/src"
bench_carry_repo "$src" "$n"
cd "$src"


: > "$tmp/kit.txt"
: > "$tmp/kitnone.txt"
: > "$tmp/git.txt"
for r in $(seq 1 "$runs"); do
  # Interleave the runs so that machine noise hits them alike.
  rm -rf "$tmp/a" "$tmp/b" "$tmp/c"
  cp -a "$src" "$tmp/a"
  cp -a "$src" "$tmp/b"
  cp -a "$src" "$tmp/c"

  # The no-op verify as a command (a shell runs it after every pick) ...
  cd "$tmp/a"
  t0=$(now)
  RELEASEKIT_VERIFY=true "$tmp/releasekit" fork:cherryPick 4.15 >/dev/null 2>&1
  t1=$(now)
  echo $(( (t1 - t0) / 1000000 )) >> "$tmp/kit.txt"
  test "$(git rev-list --count upstream/release-4.15..HEAD)" = "$n"

  # ... and switched off (-verify= or an empty RELEASEKIT_VERIFY).
  cd "$tmp/c"
  t0=$(now)
  RELEASEKIT_VERIFY= "$tmp/releasekit" fork:cherryPick 4.15 >/dev/null 2>&1
  t1=$(now)
  echo $(( (t1 - t0) / 1000000 )) >> "$tmp/kitnone.txt"
  test "$(git rev-list --count upstream/release-4.15..HEAD)" = "$n"

  cd "$tmp/b"
  t0=$(now)
  for c in $(git rev-list --reverse --no-merges upstream/release-4.14..origin/release-4.14-azure); do
    git cherry-pick "$c" >/dev/null
    true # the same no-op verify
  done
  t1=$(now)
  echo $(( (t1 - t0) / 1000000 )) >> "$tmp/git.txt"
  test "$(git rev-list --count upstream/release-4.15..HEAD)" = "$n"
done

kit=$(median < "$tmp/kit.txt")
none=$(median < "$tmp/kitnone.txt")
base=$(median < "$tmp/git.txt")
echo "$n clean picks, median of $runs runs:"
echo "  fork:cherryPick -verify=true: ${kit} ms"
echo "  fork:cherryPick -verify=:     ${none} ms"
echo "  git cherry-pick loop:         ${base} ms"
awk -v k="$kit" -v x="$none" -v b="$base" 'BEGIN {
  printf "  ratio, verify=true: %.2fx\n", k / b
  printf "  ratio, no verify:   %.2fx (goal <= 1.3x)\n", x / b }'
