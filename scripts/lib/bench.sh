# Shared by the scripts/bench-*.sh benchmarks: source it after `set -euo pipefail`.
#
#   bench_init         $root (the checkout), $tmp (removed on exit), a fixed git identity
#                      that ignores the user's config, and $tmp/releasekit compiled from $root
#   bench_carry_repo DIR N
#                      an installer-like repository in DIR: upstream release-4.14 and
#                      release-4.15, origin/release-4.14-azure with N clean carry patches,
#                      release-4.15-azure checked out
#   now, ms T0 T1, median < FILE
#                      the clock in ns, an interval in ms, the median of numbers one a line

bench_init() {
  root=$(cd "$(dirname "${BASH_SOURCE[1]}")/.." && pwd)
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/releasekit-bench.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
  export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
  export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
  echo "building releasekit ..." >&2
  (cd "$root" && go build -o "$tmp/releasekit" ./cmd/releasekit) >/dev/null
}

bench_carry_repo() {
  local dir=$1 n=$2 i
  git init -q -b main "$dir"
  (
    cd "$dir"
    mkdir -p pkg
    for i in $(seq 1 50); do echo "package pkg // $i" > "pkg/f$i.go"; done
    git add -A && git commit -qm "upstream base"
    git update-ref refs/remotes/upstream/release-4.14 HEAD
    echo "// 4.15" >> pkg/f1.go && git commit -qam "upstream 4.15 change"
    git update-ref refs/remotes/upstream/release-4.15 HEAD
    git checkout -q -b fork refs/remotes/upstream/release-4.14
    for i in $(seq 1 "$n"); do
      mkdir -p "carry/c$i" && echo "package c$i" > "carry/c$i/c.go"
      git add -A && git commit -qm "CARRY: patch $i"
    done
    git update-ref refs/remotes/origin/release-4.14-azure HEAD
    git checkout -q -b release-4.15-azure refs/remotes/upstream/release-4.15
    git branch -q -D fork
    git gc -q
  )
}

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
