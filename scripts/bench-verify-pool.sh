#!/usr/bin/env bash
# bench-verify-pool.sh: what fork:verify's kept worktree pool buys on a big tree. A first
# `fork:verify -jobs=2` (no pool yet: two worktrees written in full), then the branch moves by
# one patch and a second run verifies that one commit in a kept worktree, moved by a checkout of
# the differences. The verify command is `true`, so each run's time is its worktree set-up and
# teardown. Between repetitions the pool and the notes are removed.
#
#   scripts/bench-verify-pool.sh [RUNS] [FILES]     (3 runs, 100000 files)
#
# Prints the medians and the ratio second / first. Goal <= 0.25x.
set -euo pipefail
runs=${1:-3}
files=${2:-100000}
n=16
. "$(dirname "$0")/lib/bench.sh"
bench_init
unset RELEASEKIT_VERIFY_JOBS
export RELEASEKIT_VERIFY=true

src="$tmp/src"
git init -q -b main "$src"
cd "$src"
git config gc.auto 0
mkdir -p pkg
echo "package pkg" > pkg/p.go
seq 0 $(( (files - 1) / 100 )) | sed 's|^|bulk/d|' | xargs mkdir -p
seq 1 "$files" | awk '{ f = sprintf("bulk/d%d/f%d.go", int(($1 - 1) / 100), $1); print "package bulk // " $1 > f; close(f) }'
git add -A && git commit -qm "upstream base"
git update-ref refs/remotes/upstream/release-4.14 HEAD
git checkout -q -b fork
for i in $(seq 1 "$n"); do
  mkdir -p "carry/c$i" && echo "package c$i" > "carry/c$i/c.go"
  git add -A && git commit -qm "CARRY: patch $i"
done
git update-ref refs/remotes/origin/release-4.14-azure HEAD
tip=$(git rev-parse HEAD)
git checkout -q main
git branch -q -D fork
git gc -q
base="$(git rev-parse --git-path releasekit/worktrees)"

# one more patch on the fork branch, made without touching the work tree
idx="$tmp/index"
GIT_INDEX_FILE="$idx" git read-tree "$tip"
blob=$(echo "package extra" | git hash-object -w --stdin)
GIT_INDEX_FILE="$idx" git update-index --add --cacheinfo "100644,$blob,carry/extra.go"
moved=$(git commit-tree -p "$tip" -m "CARRY: one more" "$(GIT_INDEX_FILE="$idx" git write-tree)")

: > "$tmp/first.txt"; : > "$tmp/second.txt"
for r in $(seq 1 "$runs"); do
  echo "run $r of $runs ..." >&2
  git update-ref refs/remotes/origin/release-4.14-azure "$tip"
  git update-ref -d refs/notes/releasekit-verify 2>/dev/null || true
  for w in "$base"/pool-*; do
    [ -d "$w" ] && git worktree remove --force --force "$w"
  done
  rm -rf "$base"
  git worktree prune

  t0=$(now); "$tmp/releasekit" fork:verify 4.14 -jobs=2 >/dev/null 2>&1; t1=$(now)
  ms "$t0" "$t1" >> "$tmp/first.txt"
  git update-ref refs/remotes/origin/release-4.14-azure "$moved"
  t0=$(now); "$tmp/releasekit" fork:verify 4.14 -jobs=2 >/dev/null 2>&1; t1=$(now)
  ms "$t0" "$t1" >> "$tmp/second.txt"
  test "$(git worktree list --porcelain | grep -c '^worktree .*/pool-[12]$')" -ge 1
done

first=$(median < "$tmp/first.txt")
second=$(median < "$tmp/second.txt")
echo "fork:verify -jobs=2, verify command true, $files files, $n commits, median of $runs runs:"
echo "  first run (no pool: 2 worktrees written):           ${first} ms"
echo "  second run, branch moved by one patch (pool kept):  ${second} ms"
awk -v a="$second" -v b="$first" 'BEGIN { printf "  ratio: %.2fx (goal <= 0.25x)\n", a / b }'
