#!/usr/bin/env bash
# bench-spawn.sh tells whether starting processes scales with the machine's cores, the way
# plain computation does: the test suite starts tens of thousands of processes (git above all),
# so where it does not, the suite's time follows the number of processes it starts, and cutting
# them is what makes it faster, not running more at once.
#
#   scripts/bench-spawn.sh [N]      (N git --version per loop, default 300)
#
# It runs N `git --version` in one loop, then in one loop per core at once, and the same for a
# CPU-bound command (sha256sum of 64 MiB), and prints each one's throughput with all cores over
# its throughput with one: about the number of cores where it scales, about 1 where it does not.
# It is a benchmark, not a test.
set -euo pipefail

n=${1:-300}
cores=$(getconf _NPROCESSORS_ONLN)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/releasekit-spawn.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
head -c 64M /dev/zero > "$tmp/data"

now() { date +%s%N; }
spawn() { local i; for ((i = 0; i < n; i++)); do git --version > /dev/null; done; }
compute() { local i; for ((i = 0; i < 4; i++)); do sha256sum "$tmp/data" > /dev/null; done; }

# ratio WORK: one loop, then one per core at once; prints the throughput ratio.
ratio() {
  local t0 t1 t2 j
  t0=$(now)
  $1
  t1=$(now)
  for ((j = 0; j < cores; j++)); do $1 & done
  wait
  t2=$(now)
  # cores loops of the same work in (t2-t1), against one in (t1-t0)
  awk -v one=$((t1 - t0)) -v all=$((t2 - t1)) -v c="$cores" -v what="$2" \
    'BEGIN { printf "%-24s one loop %6.2fs, %d at once %6.2fs: %.2fx the throughput of one\n", what, one/1e9, c, all/1e9, c*one/all }'
}

echo "$cores cores"
ratio compute "sha256sum (computation)"
ratio spawn "git --version x$n"
