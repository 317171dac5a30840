#!/usr/bin/env bash
# Times the stream step of rhcos:publish against plain git on the same installer-like fork:
# `releasekit rhcos:publish X.Y -dryrun` (read rhcos.json at origin/release-X.Y-azure, parse it,
# plan the copies) against `git show origin/release-X.Y-azure:data/data/coreos/rhcos.json`.
# Then, with Azurite installed, the Go benchmark of a first publish against a re-run.
# Prints the medians and the ratios. Usage: scripts/bench-rhcos.sh [COMMITS] [RUNS]
set -euo pipefail
commits=${1:-500}
runs=${2:-9}
. "$(dirname "$0")/lib/bench.sh"
bench_init

# A fork whose release branch has COMMITS commits over 200 files, rhcos.json among them.
src="$tmp/src"
git init -q -b release-4.15-azure "$src"
cd "$src"
mkdir -p data/data/coreos pkg
for i in $(seq 1 200); do echo "package pkg // $i" > "pkg/f$i.go"; done
rel=415.92.202402201450-0
disk() {
  printf '{"artifacts": {"azure": {"release": "%s", "formats": {"vhd.gz": {"disk": {"location": "https://rhcos.mirror.openshift.com/art/storage/prod/streams/4.15-9.2/builds/%s/%s/rhcos-%s-azure.%s.vhd.gz", "sha256": "%064d"}}}}}, "rhel-coreos-extensions": {"azure-disk": {"release": "%s", "url": "https://rhcos.blob.core.windows.net/imagebucket/rhcos-%s-azure.%s.vhd"}}}' \
    "$rel" "$rel" "$1" "$rel" "$1" 0 "$rel" "$rel" "$1"
}
printf '{"stream": "rhcos-4.15", "metadata": {"last-modified": "2024-02-21T10:11:12Z"}, "architectures": {"x86_64": %s, "aarch64": %s}}\n' "$(disk x86_64)" "$(disk aarch64)" > data/data/coreos/rhcos.json
git add -A && git commit -qm base
for i in $(seq 1 "$commits"); do
  echo "// change $i" >> "pkg/f$(( (i % 200) + 1 )).go"
  git commit -qam "change $i"
done
git gc -q
git clone -q --bare "$src" "$tmp/origin.git"
git clone -q "$tmp/origin.git" "$tmp/work"
cd "$tmp/work"

: > "$tmp/kit.txt"
: > "$tmp/git.txt"
for r in $(seq 1 "$runs"); do
  # Interleave the two so that machine noise hits both alike.
  t0=$(now); "$tmp/releasekit" rhcos:publish 4.15 -dryrun >/dev/null 2>&1; t1=$(now)
  git show origin/release-4.15-azure:data/data/coreos/rhcos.json >/dev/null; t2=$(now)
  echo $(( (t1 - t0) / 1000 )) >> "$tmp/kit.txt"
  echo $(( (t2 - t1) / 1000 )) >> "$tmp/git.txt"
done
kit=$(median < "$tmp/kit.txt")
plain=$(median < "$tmp/git.txt")
echo "stream step, $commits commits, median of $runs:"
echo "  releasekit rhcos:publish -dryrun  ${kit} us"
echo "  git show (baseline)               ${plain} us"
awk -v a="$kit" -v b="$plain" 'BEGIN { printf "  ratio toolkit/git                 %.1fx\n", a / b }'

echo
echo "publish on Azurite (4 MiB VHD), go test -bench:"
cd "$root"
go test -run '^$' -bench 'BenchmarkPublish' -benchtime 20x ./internal/rhcos/ | tee "$tmp/bench.txt" | grep -E '^Benchmark|SKIP|skipping' || true
awk '/BenchmarkPublish\/copy/ {c=$3} /BenchmarkPublish\/rerun/ {r=$3} END { if (c && r) printf "  ratio rerun/copy                  %.2fx\n", r / c }' "$tmp/bench.txt"
