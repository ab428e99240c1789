#!/usr/bin/env bash
# Builds Lifeline, starts a demo upstream (an HTTP server for this folder on 127.0.0.1:8081) and runs the gateway on
# examples/quickstart.yaml: TCP proxy on 0.0.0.0:10000 with downstream keepalive 15 s / 15 s / 3.
# Ctrl-C (or SIGTERM) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product lifeline
python3 -m http.server 8081 --bind 127.0.0.1 --directory examples >/dev/null 2>&1 &
upstream=$!
trap 'kill "$upstream" 2>/dev/null || true' EXIT

echo "quickstart: upstream on 127.0.0.1:8081; try: curl http://127.0.0.1:10000/quickstart.yaml" >&2
.build/release/lifeline run --config examples/quickstart.yaml "$@" &
gateway=$!
# Pass a stop request on to the gateway and let it shut down cleanly.
trap 'kill -TERM "$gateway" 2>/dev/null || true' INT TERM
status=0
while kill -0 "$gateway" 2>/dev/null; do
  wait "$gateway" || status=$?
done
exit "$status"
