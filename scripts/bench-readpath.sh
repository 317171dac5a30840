#!/usr/bin/env bash
# bench-readpath.sh times the two readers of objects in internal/git, git (the default) and
# go-git (RELEASEKIT_GIT_READS=go-git), on a generated installer-sized history borrowed through
# `git clone --shared` (the layout of issue 21), against the plain git commands that give the
# same answers, and prints the ratios:
#
#   fork:assess 4.15              vs  git rev-list --count + git diff --name-only + git show
#   fork:patches 4.14 (carries)   vs  git log --no-merges + git cherry
#   fork:cherryPick 4.15 -dryrun  vs  the same + git status (the planning step)
#
#   scripts/bench-readpath.sh [N]   N interleaved runs of each (default 5, or BENCH_READPATH_N)
#
# BENCH_READPATH_HISTORY passes sizes to the generator (default "-files=100000", which takes
# minutes; see go run ./scripts/genhistory -h); BENCH_READPATH_REPO names a history generated
# before, which is borrowed from and never changed. Medians are compared.
set -euo pipefail

n=${1:-${BENCH_READPATH_N:-5}}
case $n in
'' | *[!0-9]* | 0) echo "bench-readpath: N must be a positive number, got '$n'" >&2; exit 2 ;;
esac

# shellcheck source=lib/bench.sh
source "$(dirname "$0")/lib/bench.sh"
bench_init

hist=${BENCH_READPATH_REPO:-}
if [ -z "$hist" ]; then
	echo "generating the history ..." >&2
	# shellcheck disable=SC2086 # BENCH_READPATH_HISTORY is a list of flags
	(cd "$root" && go run ./scripts/genhistory ${BENCH_READPATH_HISTORY:--files=100000} "$tmp/history") >&2
	hist=$tmp/history
fi
hist=$(cd "$hist" && pwd)

echo "cloning it with --shared ..." >&2
work=$tmp/work
git clone -q --shared --no-checkout "$hist" "$work"
cd "$work"
git fetch -q "$hist" 'refs/remotes/*:refs/remotes/*'
git checkout -q -b release-4.15-azure refs/remotes/upstream/release-4.15
if [ "$(git count-objects -v | awk '$1 == "count:" || $1 == "in-pack:" {s += $2} END {print s}')" != 0 ]; then
	echo "bench-readpath: the clone has objects of its own; it should borrow them all" >&2
	exit 1
fi

rk=$tmp/releasekit
from=upstream/release-4.14 to=upstream/release-4.15 tip=origin/release-4.14-azure

assess() { "$rk" fork:assess 4.15 >/dev/null 2>&1; }
assess_git() {
	git rev-list --count "$from..$to" >/dev/null
	git diff --name-only "$from" "$to" >/dev/null
	git show "$from:go.mod" "$to:go.mod" >/dev/null
}
patches() { "$rk" fork:patches 4.14 >/dev/null 2>&1; }
patches_git() {
	git log --no-merges "$from..$tip" >/dev/null
	git cherry "$to" "$tip" "$from" >/dev/null
}
plan() { "$rk" fork:cherryPick 4.15 -dryrun >/dev/null 2>&1; }
plan_git() {
	patches_git
	git status --porcelain --untracked-files=no >/dev/null
}

# Both readers must answer as git does before their times mean anything.
check() { # target args...
	local a b
	a=$("$rk" "$@" 2>"$tmp/err") || { cat "$tmp/err" >&2; exit 1; }
	b=$(RELEASEKIT_GIT_READS=go-git "$rk" "$@" 2>>"$tmp/err") || { cat "$tmp/err" >&2; exit 1; }
	if grep 'reading through the git CLI' "$tmp/err" >&2; then
		echo "bench-readpath: releasekit $* fell back to the git CLI" >&2
		exit 1
	fi
	if [ "$a" != "$b" ]; then
		echo "bench-readpath: releasekit $* answers differently when go-git reads the objects" >&2
		diff <(echo "$a") <(echo "$b") >&2 || true
		exit 1
	fi
}
echo "checking both read paths agree ..." >&2
check fork:assess 4.15
check fork:patches 4.14
check fork:cherryPick 4.15 -dryrun
want=$(git log --no-merges --format=%h "$from..$tip" | wc -l)
got=$("$rk" fork:patches 4.14 2>/dev/null | grep -cE '^[0-9]+ ')
if [ "$want" != "$got" ]; then
	echo "bench-readpath: releasekit lists $got carry patches, git log $want" >&2
	exit 1
fi

declare -A times
time_one() { # name function [reader]
	local t0 t1
	export RELEASEKIT_GIT_READS=${3:-git}
	t0=$(now)
	"$2"
	t1=$(now)
	times[$1]+="$(ms "$t0" "$t1") "
}
echo "timing $n runs of each (interleaved) ..." >&2
for ((i = 0; i < n; i++)); do
	for what in assess patches plan; do
		if ((i % 2)); then
			time_one "$what-gogit" "$what" go-git
			time_one "$what-cli" "$what"
			time_one "$what-git" "${what}_git"
		else
			time_one "$what-git" "${what}_git"
			time_one "$what-cli" "$what"
			time_one "$what-gogit" "$what" go-git
		fi
	done
done

med() { printf '%s\n' ${times[$1]} | median; }
echo "history: $(git rev-list --count "$from") commits in $from, $(git rev-list --count "$from..$to") more in $to," \
	"$(git ls-tree -r --name-only "$to" | wc -l) files, $want carry patches; a --shared clone, $n runs"
printf '%-30s %12s %12s %12s %10s %10s %12s\n' "median ms" "go-git" "git (dflt)" "plain git" "go-git/git" "dflt/git" "go-git/dflt"
for what in assess patches plan; do
	case $what in
	assess) label="fork:assess 4.15" ;;
	patches) label="fork:patches 4.14 (carries)" ;;
	plan) label="fork:cherryPick 4.15 -dryrun" ;;
	esac
	g=$(med "$what-gogit") c=$(med "$what-cli") b=$(med "$what-git")
	awk -v l="$label" -v g="$g" -v c="$c" -v b="$b" 'BEGIN {
		printf "%-30s %12d %12d %12d %9.2fx %9.2fx %11.2fx\n", l, g, c, b, g/b, c/b, g/c }'
done
