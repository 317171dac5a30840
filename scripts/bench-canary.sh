#!/usr/bin/env bash
# Times fork:canary against the plain git it replaces: a detached worktree, a `git cherry-pick`
# loop that drops each conflicting pick (rerere on), and the worktree removed. N carry patches,
# every fifth of which conflicts with upstream, on copies of one repository.
# Prints the medians and the ratio (toolkit / plain git). Usage: scripts/bench-canary.sh [N] [RUNS]
set -euo pipefail
n=${1:-30}
runs=${2:-5}
. "$(dirname "$0")/lib/bench.sh"
bench_init

# One repository: upstream release-4.14 moved on since the fork branched; the fork's carries
# number N, and every fifth changes a line upstream changed too.
src="$tmp/src"
git init -q -b main "$src"
cd "$src"
mkdir -p pkg
for i in $(seq 1 50); do echo "package pkg // $i" > "pkg/f$i.go"; done
git add -A && git commit -qm "upstream base"
base=$(git rev-parse HEAD)
for i in $(seq 5 5 "$n"); do echo "package pkg // $i upstream" > "pkg/f$i.go"; done
git add -A && git commit -qm "upstream moves on"
git update-ref refs/remotes/upstream/release-4.14 HEAD
git checkout -q -b fork "$base"
for i in $(seq 1 "$n"); do
  if [ $((i % 5)) -eq 0 ]; then
    echo "package pkg // $i carry" > "pkg/f$i.go"
  else
    mkdir -p "carry/c$i" && echo "package c$i" > "carry/c$i/c.go"
  fi
  git add -A && git commit -qm "CARRY: patch $i"
done
git update-ref refs/remotes/origin/release-4.14-azure HEAD
git checkout -q main
git branch -q -D fork
git gc -q


: > "$tmp/kit.txt"
: > "$tmp/git.txt"
for r in $(seq 1 "$runs"); do
  # Interleave the runs so that machine noise hits them alike.
  rm -rf "$tmp/a" "$tmp/b"
  cp -a "$src" "$tmp/a"
  cp -a "$src" "$tmp/b"

  cd "$tmp/a"
  t0=$(now)
  "$tmp/releasekit" fork:canary 4.14 >/dev/null 2>&1 || test $? -eq 1
  t1=$(now)
  echo $(( (t1 - t0) / 1000000 )) >> "$tmp/kit.txt"

  cd "$tmp/b"
  t0=$(now)
  wt="$tmp/b/.git/plain-canary"
  git worktree add -q --detach "$wt" upstream/release-4.14
  for c in $(git rev-list --reverse --no-merges upstream/release-4.14..origin/release-4.14-azure); do
    if ! git -C "$wt" -c rerere.enabled=true cherry-pick "$c" >/dev/null 2>&1; then
      git -C "$wt" rerere clear
      git -C "$wt" reset -q --hard HEAD
    fi
  done
  git worktree remove --force "$wt"
  t1=$(now)
  echo $(( (t1 - t0) / 1000000 )) >> "$tmp/git.txt"
done

kit=$(median < "$tmp/kit.txt")
git=$(median < "$tmp/git.txt")
echo "$n carry patches ($((n / 5)) conflicts), median of $runs runs:"
echo "  fork:canary:                     ${kit} ms"
echo "  worktree + cherry-pick loop:     ${git} ms"
awk -v k="$kit" -v b="$git" 'BEGIN { printf "  ratio: %.2fx\n", k / b }'
