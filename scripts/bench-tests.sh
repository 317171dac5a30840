#!/usr/bin/env bash
# bench-tests.sh times the README's test command, `go test -timeout 30m ./...`, and prints its
# wall time against the goal (4 minutes on a quiet 2-core machine), then each package's time.
#
#   scripts/bench-tests.sh [-load] [-short] [-tests] [PACKAGE...]     (default ./...)
#
#   -load    run it while CPU burners (one `yes` per core, or BENCH_TESTS_BURNERS) load the
#            machine; they end with the run, and in any case after 45 minutes
#   -short   pass -short (the crash matrix and the slow go-command cases are skipped)
#   -tests   run it with -json, to list the slowest tests too: -json makes every test binary
#            verbose (each script logs all it ran), so the wall time is then not quite the
#            README command's (it was 279 s against 263 s, minutes apart)
#
# The module cache and the build cache are warmed first (go build, and a go test that runs no
# test), so the time is that of running the tests, as on a developer's machine; -count=1 keeps
# results from coming out of the test cache. BENCH_TESTS_JSON=FILE keeps go test's -json output
# (it implies -tests).
# It is a benchmark, not a test: nothing fails on time.
set -euo pipefail

# All in one function, read whole before it runs: editing the file during a run changes nothing.
main() {

	load=false
	tests=false
	flags=()
	while [ $# -gt 0 ]; do
		case $1 in
		-load) load=true ;;
		-short) flags+=(-short) ;;
		-tests) tests=true ;;
		-h | --help)
			sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
			exit 0
			;;
		-*) echo "bench-tests: unknown flag $1 (see -h)" >&2; exit 2 ;;
		*) break ;;
		esac
		shift
	done
	[ -z "${BENCH_TESTS_JSON:-}" ] || tests=true
	pkgs=("$@")
	[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)

	# shellcheck source=scripts/lib/bench.sh
	. "$(dirname "$0")/lib/bench.sh"
	bench_init
	cd "$root"

	echo "warming the module and build caches ..." >&2
	go mod download
	go build ./...
	go test -count=1 -run '^$' "${pkgs[@]}" >/dev/null

	burners=()
	stop_burners() {
		local pid
		for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null || true; done
		for pid in "${burners[@]}"; do wait "$pid" 2>/dev/null || true; done
		burners=()
	}
	trap 'stop_burners; rm -rf "$tmp"' EXIT
	if $load; then
		n=${BENCH_TESTS_BURNERS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
		echo "loading the machine with $n CPU burners ..." >&2
		for ((i = 0; i < n; i++)); do
			timeout 45m yes >/dev/null &
			burners+=($!)
		done
	fi

	echo "running go test -count=1 -timeout 30m ${flags[*]} ${pkgs[*]} ..." >&2
	t0=$(now)
	status=0
	if $tests; then
		go test -count=1 -timeout 30m -json "${flags[@]}" "${pkgs[@]}" >"$tmp/test.json" 2>"$tmp/test.err" || status=$?
	else
		go test -count=1 -timeout 30m "${flags[@]}" "${pkgs[@]}" >"$tmp/test.out" 2>&1 || status=$?
	fi
	t1=$(now)
	stop_burners

	wall=$(ms "$t0" "$t1")
	# One line per package (and with -tests per test) that ended: elapsed seconds, result, name.
	if $tests; then
		sed -n 's/.*"Action":"\(pass\|fail\|skip\)","Package":"\([^"]*\)",\("Test":"\([^"]*\)",\)\{0,1\}"Elapsed":\([0-9.]*\).*/\5 \1 \2 \4/p' \
			"$tmp/test.json" | sed 's#github.com/aro-releasekit/releasekit#.#' >"$tmp/times"
	else
		sed -n 's/^\(ok\|FAIL\)[[:space:]]\{1,\}\([^[:space:]]*\)[[:space:]]\{1,\}\([0-9.]*\)s$/\3 \1 \2/p' "$tmp/test.out" |
			sed 's/ ok / pass /; s/ FAIL / fail /; s#github.com/aro-releasekit/releasekit#.#' >"$tmp/times"
	fi

	echo
	echo "packages (seconds, slowest first):"
	awk 'NF == 3 && $1 >= 0.5 {printf "  %8.1f  %-4s  %s\n", $1, $2, $3}' "$tmp/times" | sort -rn
	if $tests; then
		echo "slowest tests:"
		# sed, not head: it reads to the end, so sort never dies of SIGPIPE (pipefail would end
		# the script there, before the wall time).
		awk 'NF == 4 {printf "  %8.1f  %-4s  %s %s\n", $1, $2, $3, $4}' "$tmp/times" | sort -rn | sed -n "1,${BENCH_TESTS_TOP:-15}p"
	fi
	if [ "$status" != 0 ] && ! $tests; then
		echo "go test failed (status $status):"
		# || true: a failure with none of these lines must not end the script (pipefail).
		{ grep -E -A 25 '^(--- FAIL|FAIL|panic:)' "$tmp/test.out" || true; } | sed -n '1,200p'
	elif [ "$status" != 0 ]; then
		echo "go test failed (status $status):"
		head -n 20 "$tmp/test.err"
		# The last lines each failed test printed.
		awk '$2 == "fail" && NF == 4 {print $3, $4}' "$tmp/times" | while read -r pkg test; do
			echo "--- $pkg $test"
			grep -F "\"Test\":\"$test\"" "$tmp/test.json" | grep -F '"Action":"output"' |
				sed 's/.*"Output":"\(.*\)"}$/\1/; s/\\n$//; s/\\t/\t/g; s/\\"/"/g' | tail -n 25
		done
	fi
	[ -z "${BENCH_TESTS_JSON:-}" ] || cp "$tmp/test.json" "$BENCH_TESTS_JSON"
	echo
	awk -v ms="$wall" -v load="$load" 'BEGIN {
		printf "wall: %dm%04.1fs%s (goal <= 4m on a quiet 2-core machine): %.2fx the goal\n",
			int(ms / 60000), (ms % 60000) / 1000, (load == "true" ? " under load" : ""), ms / 240000 }'
	uptime | sed 's/.*load/load/'
	exit "$status"
}

main "$@"
