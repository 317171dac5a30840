#!/usr/bin/env bash
# Times the rp targets against the by-hand way on the same input and prints the ratios:
#  - rp:namespaces streams release-manifests/ out of the image layers; by hand one exports the
#    image file system to disk, extracts the manifests, then reads them (go test -bench);
#  - rp:bumpVersion edits const.go through go/ast; by hand, a sed one-liner (in-process, and
#    end to end: the compiled target against `sed -i` on the same file).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BENCH_RUNS:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test -run '^$' -bench 'BenchmarkReleaseNamespaces' -benchtime=10x ./internal/payload/ | tee "$tmp/bench.txt"
go test -run '^$' -bench 'BenchmarkSetDefaultInstallStream' -benchtime=500x ./internal/rpsource/ | tee -a "$tmp/bench.txt"

ns() { awk -v n="$1" '$1 ~ n {print $3}' "$tmp/bench.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

stream=$(ns 'ReleaseNamespaces/stream'); disk=$(ns 'ReleaseNamespaces/export-to-disk')
splice=$(ns 'SetDefaultInstallStream/ast-splice'); sedin=$(ns 'SetDefaultInstallStream/sed-baseline')

# End to end on one const.go: the compiled target (no network: -pullspec) against sed -i.
go build -o "$tmp/releasekit" ./cmd/releasekit
mkdir -p "$tmp/rp/pkg/util/version"
printf 'module github.com/Azure/ARO-RP\n\ngo 1.22\n' >"$tmp/rp/go.mod"
cat >"$tmp/rp/pkg/util/version/const.go" <<'GO'
package version

// DefaultInstallStream describes stream we are defaulting to for all new clusters
var DefaultInstallStream = Stream{
	Version:  NewVersion(4, 15, 35),
	PullSpec: "quay.io/openshift-release-dev/ocp-release@sha256:1ff2a8dc8a4c2a47e6ccd6d3c4c88e5cb4a9b6e1e8e0f0b9d7f3f1b6a1d2c3e4",
}

type Stream struct {
	Version  [3]int
	PullSpec string
}

func NewVersion(v ...int) (r [3]int) { copy(r[:], v); return }
GO
hex=aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999
now() { date +%s%N; }
t0=$(now)
for i in $(seq "$runs"); do
  z=$((i % 2))
  (cd "$tmp/rp" && "$tmp/releasekit" rp:bumpVersion "4.16.$z" "-pullspec=quay.io/openshift-release-dev/ocp-release@sha256:$hex" >/dev/null)
done
t1=$(now)
for i in $(seq "$runs"); do
  z=$((i % 2))
  sed -i -e "/DefaultInstallStream/,/^}/ s/NewVersion([^)]*)/NewVersion(4, 16, $z)/" \
    -e "/DefaultInstallStream/,/^}/ s|PullSpec: \"[^\"]*\"|PullSpec: \"quay.io/openshift-release-dev/ocp-release@sha256:$hex\"|" \
    "$tmp/rp/pkg/util/version/const.go"
done
t2=$(now)
e2e=$(((t1 - t0) / runs)); sedx=$(((t2 - t1) / runs))

echo
echo "rp:namespaces  stream layers vs export to disk:   $(ratio "$stream" "$disk")x the time ($stream vs $disk ns/op)"
echo "rp:bumpVersion go/ast splice vs sed regexp:        $(ratio "$splice" "$sedin")x the time ($splice vs $sedin ns/op)"
echo "rp:bumpVersion target vs sed -i, end to end:       $(ratio "$e2e" "$sedx")x the time ($e2e vs $sedx ns/run, $runs runs)"
