"""http1: wrk -c50 and -c200 (HTTP/1.1 keep-alive, --latency) through each proxy's HTTP layer (Lifeline's and Envoy's
HTTP connection manager, HAProxy `mode http`, nginx `proxy_pass`), upstream keep-alive on, to nginx `return 200`; and
direct."""
from bench.common import Route
from bench.workloads import requests

NAME = "http1"


def run(h) -> None:
    print(f"\n== HTTP/1.1: wrk through each proxy's HTTP layer to nginx `return 200`, {h.duration:g} s per run", flush=True)
    route = Route("http", h.upstreams.http())
    h.prepare(NAME, route, "HTTP to the nginx upstream")
    requests.wrk_rounds(h, NAME, route)
