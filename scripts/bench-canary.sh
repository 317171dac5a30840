#!/usr/bin/env bash
# Times fork:canary against the plain git it replaces: a detached worktree, a `git cherry-pick`
# loop that drops each conflicting pick (rerere on), and the worktree removed. N carry patches,
# every fifth of which conflicts with upstream, in a tree of FILES files (50 plus FILES-50 in
# bulk/, as many as the installer's 157,000 if you like).
# Prints the medians and the ratio (toolkit / plain git).
#
#   scripts/bench-canary.sh [N] [RUNS] [FILES]
#
# The goal: 16 patches (3 conflicting) on 100,000 files, fork:canary <= 0.1x the loop:
#   scripts/bench-canary.sh 16 3 100000
set -euo pipefail
n=${1:-30}
runs=${2:-5}
files=${3:-50}
. "$(dirname "$0")/lib/bench.sh"
bench_init

# One repository: upstream release-4.14 moved on since the fork branched; the fork's carries
# number N, and every fifth changes a line upstream changed too.
src="$tmp/src"
git init -q -b main "$src"
cd "$src"
git config gc.auto 0
mkdir -p pkg
for i in $(seq 1 50); do echo "package pkg // $i" > "pkg/f$i.go"; done
if [ "$files" -gt 50 ]; then
  # FILES-50 more, 100 a directory, written by one awk
  seq 0 $(( (files - 50 - 1) / 100 )) | sed 's|^|bulk/d|' | xargs mkdir -p
  seq 1 $(( files - 50 )) | awk '{ f = sprintf("bulk/d%d/f%d.go", int(($1 - 1) / 100), $1); print "package bulk // " $1 > f; close(f) }'
fi
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
  # Interleave the runs so that machine noise hits them alike. Small trees run on copies; a big
  # one runs both on the one repository (neither changes its refs, index or work tree).
  a="$src" b="$src"
  if [ "$files" -le 1000 ]; then
    a="$tmp/a" b="$tmp/b"
    rm -rf "$a" "$b"
    cp -a "$src" "$a"
    cp -a "$src" "$b"
  fi
  echo "run $r of $runs ..." >&2

  cd "$a"
  t0=$(now)
  "$tmp/releasekit" fork:canary 4.14 >/dev/null 2>&1 || test $? -eq 1
  t1=$(now)
  echo $(( (t1 - t0) / 1000000 )) >> "$tmp/kit.txt"

  cd "$b"
  t0=$(now)
  wt="$b/.git/plain-canary"
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
echo "$n carry patches ($((n / 5)) conflicts), $files files, median of $runs runs:"
echo "  fork:canary:                     ${kit} ms"
echo "  worktree + cherry-pick loop:     ${git} ms"
awk -v k="$kit" -v b="$git" 'BEGIN { printf "  ratio: %.2fx\n", k / b }'
