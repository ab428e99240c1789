"""requests: wrk -c50 and -c200 (keep-alive, --latency) through each proxy's tcp_proxy to nginx `return 200`, and
direct."""
from bench import clients
from bench.common import HOST, Route

NAME = "requests"


def run(h) -> None:
    print(f"\n== small requests: wrk against nginx `return 200` through each tcp_proxy, {h.duration:g} s per run", flush=True)
    route = Route("tcp", h.upstreams.http())
    h.prepare(NAME, route, "tcp_proxy to the nginx upstream")
    wrk_rounds(h, NAME, route)


def wrk_rounds(h, name: str, route: Route) -> None:
    """wrk at c=50 and c=200 against each peer of `name` (and direct), runs alternating peer by peer."""
    for conns in (50, 200):
        case = f"c={conns}"
        for run_ in range(h.runs):
            for peer in h.targets(name, direct=True):
                h.measure(name, case, peer, run_, lambda: h.with_peer(
                    peer, route, lambda port, pids: clients.wrk(h, f"http://{HOST}:{port}/", pids, conns)))
