"""bulk: iperf3 -P 1 and -P 8 through each proxy's tcp_proxy to an iperf3 server, and direct."""
from bench import clients
from bench.common import HOST, Route

NAME = "bulk"


def run(h) -> None:
    print(f"\n== bulk: iperf3 through each proxy, {h.duration:g} s per run", flush=True)
    route = Route("tcp", h.upstreams.iperf3())
    h.prepare(NAME, route, "tcp_proxy to iperf3 -s")
    for streams in (1, 8):
        case = f"{streams} stream{'s' if streams > 1 else ''}"
        for run_ in range(h.runs):
            for peer in h.targets(NAME, direct=True):
                h.measure(NAME, case, peer, run_, lambda: h.with_peer(
                    peer, route, lambda port, pids: clients.iperf3(h, HOST, port, pids, streams)))
