#!/usr/bin/env bash
# bench-resolve.sh times wrapper:vendor's concurrent branch resolution against the serial
# "go list -m MODULE@BRANCH" loop of the shell script it replaces: N modules (default 30),
# served by a local module proxy that waits DELAY (default 100ms) before each answer, the way a
# proxy across a network does. The toolkit side is wrapper:vendor -dryrun, which also tidies a
# scratch copy (the generated wrapper imports nothing, so that tidy reads no code). Each side
# starts from an empty module cache; RUNS (default 3) rounds, the median of each side is
# compared. Prints the ratio toolkit/serial.
set -euo pipefail

N=${N:-30}
DELAY=${DELAY:-100ms}
RUNS=${RUNS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
proxy_pid=
cleanup() {
	if [ -n "$proxy_pid" ]; then kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; fi
	chmod -R u+w "$work" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
echo "building the toolkit and the delaying proxy..." >&2
go build -o "$work/delayproxy" ./scripts/delayproxy
go build -o "$work/releasekit" ./cmd/releasekit

"$work/delayproxy" -dir "$work/proxy" -gen "$N" -wrapper "$work/wrapper" -modules "$work/modules.txt" \
	-delay "$DELAY" -urlfile "$work/url" 2>"$work/proxy.log" &
proxy_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { cat "$work/proxy.log" >&2; echo "the proxy did not start" >&2; exit 1; }

export GOPROXY="$(cat "$work/url")" GOSUMDB=off GONOSUMDB= GOPRIVATE= GONOPROXY= GOFLAGS=-modcacherw GOTOOLCHAIN=local GOWORK=off
mkdir -p "$work/empty"

now() { date +%s%N; }
serial() { # the shell script's loop
	local cache=$1 m
	cd "$work/empty"
	while read -r m; do
		GOMODCACHE=$cache go list -mod=mod -m -json "$m@release-4.15" >/dev/null
	done <"$work/modules.txt"
}
toolkit() {
	cd "$work/wrapper"
	GOMODCACHE=$1 "$work/releasekit" wrapper:vendor 4.15 -dryrun >/dev/null 2>"$work/toolkit.log" || { cat "$work/toolkit.log" >&2; exit 1; }
}

s_times=() t_times=()
for r in $(seq "$RUNS"); do
	t0=$(now); serial "$work/cache-s$r"; t1=$(now); toolkit "$work/cache-t$r"; t2=$(now)
	s_times+=($(( (t1 - t0) / 1000000 ))); t_times+=($(( (t2 - t1) / 1000000 )))
	echo "run $r: serial ${s_times[-1]} ms, toolkit ${t_times[-1]} ms" >&2
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
s=$(median "${s_times[@]}") t=$(median "${t_times[@]}")
echo "resolve $N modules, $DELAY per proxy request (median of $RUNS):"
echo "  serial go list -m loop: $s ms"
echo "  wrapper:vendor -dryrun: $t ms (RELEASEKIT_JOBS=${RELEASEKIT_JOBS:-16})"
awk -v t="$t" -v s="$s" 'BEGIN { printf "  ratio toolkit/serial: %.2fx\n", t / s }'
