#!/usr/bin/env bash
# Builds Lifeline, starts the demo upstreams (an HTTP server for this folder on 127.0.0.1:8081, a gRPC service on
# 127.0.0.1:8082) and runs the gateway on examples/quickstart.yaml: TCP proxy on 0.0.0.0:10000 with downstream
# keepalive 15 s / 15 s / 3, and an HTTPS gateway (HTTP/2 and HTTP/1.1, gRPC routed to the gRPC service) on
# 0.0.0.0:10443 (a self-signed certificate for quickstart.example.test, made here into examples/tls/).
# Ctrl-C (or SIGTERM) stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product lifeline
# The HTTPS listener's self-signed certificate, made once here and never committed.
if [ ! -f examples/tls/quickstart.crt ] || [ ! -f examples/tls/quickstart.key ]; then
  mkdir -p examples/tls
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
    -keyout examples/tls/quickstart.key -out examples/tls/quickstart.crt -subj /CN=quickstart.example.test \
    -addext "subjectAltName=DNS:quickstart.example.test" 2>/dev/null
fi
python3 -m http.server 8081 --bind 127.0.0.1 --directory examples >/dev/null 2>&1 &
upstreams=$!
# The gRPC demo service needs grpcio (PyPI).
python3 -c 'import grpc' 2>/dev/null || python3 -m pip install --quiet grpcio
python3 examples/grpc_demo.py server 8082 &
upstreams="$upstreams $!"
trap 'kill $upstreams 2>/dev/null || true' EXIT

echo "quickstart: upstream on 127.0.0.1:8081; try: curl http://127.0.0.1:10000/quickstart.yaml" >&2
echo "quickstart: and HTTPS: curl --cacert examples/tls/quickstart.crt --resolve quickstart.example.test:10443:127.0.0.1 https://quickstart.example.test:10443/quickstart.yaml" >&2
echo "quickstart: and gRPC over HTTPS: python3 examples/grpc_demo.py hello operator" >&2
.build/release/lifeline run --config examples/quickstart.yaml "$@" &
gateway=$!
# Pass a stop request on to the gateway and let it shut down cleanly.
trap 'kill -TERM "$gateway" 2>/dev/null || true' INT TERM
status=0
while kill -0 "$gateway" 2>/dev/null; do
  wait "$gateway" || status=$?
done
exit "$status"
