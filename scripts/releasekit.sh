#!/usr/bin/env bash
# Builds releasekit from this checkout (once, into bin/) and runs a target in the current
# directory: scripts/releasekit.sh fork:cherryPick 4.15
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/bin/releasekit"
if [ ! -x "$bin" ] || [ -n "$(find "$root/cmd" "$root/internal" "$root/go.mod" -newer "$bin" -print -quit)" ]; then
  (cd "$root" && go build -o "$bin" ./cmd/releasekit) >&2
fi
# Hints then name this script, which is what the user typed.
export RELEASEKIT_PROG="${RELEASEKIT_PROG:-$0}"
exec "$bin" "$@"
