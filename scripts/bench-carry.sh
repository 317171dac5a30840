#!/usr/bin/env bash
# bench-carry.sh times `releasekit fork:patches 4.14` against the plain git baseline that gives
# the same answer (git log --no-merges for the carry patches, git cherry for those already in
# release-4.15) on a generated installer-sized history, and prints the ratio.
#
#   scripts/bench-carry.sh [N]      N repetitions of each (default 50, or BENCH_CARRY_N)
#
# BENCH_CARRY_HISTORY passes sizes to the generator, e.g. "-after=1500 -files=5000" for a
# release-4.15 and a tree nearer the real installer's (see go run ./scripts/genhistory -h).
#
# The two are interleaved, alternating which goes first, so that load from other processes
# falls on both; medians are compared. Goal: ratio <= 1.2.
set -euo pipefail

n=${1:-${BENCH_CARRY_N:-50}}
case $n in
'' | *[!0-9]* | 0) echo "bench-carry: N must be a positive number, got '$n'" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-carry.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$root"
echo "building releasekit ..." >&2
mkdir -p "$root/bin"
go build -o "$root/bin/releasekit" ./cmd/releasekit
echo "generating the history ..." >&2
# shellcheck disable=SC2086 # BENCH_CARRY_HISTORY is a list of flags
go run ./scripts/genhistory ${BENCH_CARRY_HISTORY:-} "$work/installer" >&2

cd "$work/installer"
base=upstream/release-4.14
tip=origin/release-4.14-azure
next=upstream/release-4.15

toolkit() { "$root/bin/releasekit" fork:patches 4.14 >/dev/null 2>&1; }
# The fixed cost of starting each program, for reading the ratio: releasekit is a Go binary
# with every area's dependencies linked in, git a small C program.
toolkit_start() { "$root/bin/releasekit" -l >/dev/null 2>&1; }
git_start() { git --version >/dev/null; }
baseline() {
	git log --no-merges "$base..$tip" >/dev/null
	git cherry "$next" "$tip" "$base" >/dev/null
}

# Both must give the same carry patches before their times mean anything.
want=$(git log --no-merges --format=%h "$base..$tip" | wc -l)
got=$("$root/bin/releasekit" fork:patches 4.14 2>/dev/null | grep -cE '^[0-9]+ ')
if [ "$want" != "$got" ]; then
	echo "bench-carry: releasekit lists $got carry patches, git log $want" >&2
	exit 1
fi

# Microseconds since the epoch, into the variable named $1. Bash 5 tells without starting a
# process (a $(...) would fork and add its cost to every timing); older shells ask date.
now() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		printf -v "$1" '%s' "${EPOCHREALTIME/[.,]/}"
	else
		printf -v "$1" '%s' "$(($(date +%s%N) / 1000))"
	fi
}

# One warm-up run of each: the first run pays for cold caches.
toolkit
baseline

tk=() bl=() ts=() gs=()
time_one() { # function -> appends microseconds to its array
	local t0 t1
	now t0
	"$1"
	now t1
	case $1 in
	toolkit) tk+=($((t1 - t0))) ;;
	baseline) bl+=($((t1 - t0))) ;;
	toolkit_start) ts+=($((t1 - t0))) ;;
	git_start) gs+=($((t1 - t0))) ;;
	esac
}
echo "timing $n runs of each ..." >&2
for ((i = 0; i < n; i++)); do
	if ((i % 2)); then
		time_one toolkit
		time_one baseline
		time_one toolkit_start
		time_one git_start
	else
		time_one baseline
		time_one toolkit
		time_one git_start
		time_one toolkit_start
	fi
done

stats() { # microseconds... -> "median mean total" in ms
	printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1; s+=$1}
		END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
		     printf "%.2f %.2f %.1f\n", m/1000, s/NR/1000, s/1000}'
}
read -r tk_med tk_mean tk_total < <(stats "${tk[@]}")
read -r bl_med bl_mean bl_total < <(stats "${bl[@]}")
read -r ts_med ts_mean ts_total < <(stats "${ts[@]}")
read -r gs_med gs_mean gs_total < <(stats "${gs[@]}")

commits=$(git rev-list --count "$base")
echo "history: $commits commits in $base, $(git rev-list --count "$base..$next") more in $next, $want carry patches in $tip"
printf '%-52s %10s %10s %10s\n' "" "median ms" "mean ms" "total ms"
printf '%-52s %10s %10s %10s\n' "releasekit fork:patches 4.14" "$tk_med" "$tk_mean" "$tk_total"
printf '%-52s %10s %10s %10s\n' "git log --no-merges + git cherry" "$bl_med" "$bl_mean" "$bl_total"
printf '%-52s %10s %10s %10s\n' "(start-up alone) releasekit -l" "$ts_med" "$ts_mean" "$ts_total"
printf '%-52s %10s %10s %10s\n' "(start-up alone) git --version" "$gs_med" "$gs_mean" "$gs_total"
awk -v a="$tk_med" -v b="$bl_med" -v am="$tk_mean" -v bm="$bl_mean" \
	'BEGIN {printf "ratio (releasekit / git): %.2fx by median, %.2fx by mean (goal <= 1.2x)\n", a/b, am/bm}'
