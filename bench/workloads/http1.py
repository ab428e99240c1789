"""http1: wrk -c50 and -c200 (HTTP/1.1 keep-alive, --latency) through each proxy's HTTP layer (Lifeline's and Envoy's
HTTP connection manager, HAProxy `mode http`, nginx `proxy_pass`), upstream keep-alive on, to nginx `return 200`; and
direct."""
from bench import clients
from bench.common import HOST, Route

NAME = "http1"


def run(h) -> None:
    print(f"\n== HTTP/1.1: wrk through each proxy's HTTP layer to nginx `return 200`, {h.duration:g} s per run", flush=True)
    route = Route("http", h.upstreams.http())
    h.prepare(NAME, route, "HTTP to the nginx upstream")
    for conns in (50, 200):
        case = f"c={conns}"
        for run_ in range(h.runs):
            for peer in h.targets(NAME, direct=True):
                h.measure(NAME, case, peer, run_, lambda: h.with_peer(
                    peer, route, lambda port, pids: clients.wrk(h, f"http://{HOST}:{port}/", pids, conns)))
