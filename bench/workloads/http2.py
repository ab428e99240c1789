"""http2: h2load with few connections and many streams each (h2c by prior knowledge, and h2 over TLS by ALPN) through
each proxy's HTTP layer (Lifeline's and Envoy's connection manager, HAProxy `mode http`, nginx `proxy_pass`) to nginx
`return 200` over HTTP/1.1 keep-alive."""
from bench import clients
from bench.common import HOST, Route

NAME = "http2"


def run(h) -> None:
    conns, streams = h.h2_shape
    print(f"\n== HTTP/2: h2load -c {conns} -m {streams}, h2c and TLS, through each HTTP connection manager, "
          f"{h.duration:g} s per run", flush=True)
    upstream = h.upstreams.http()
    cases = [("h2c", Route("http", upstream, downstream_h2=True), "http"),
             ("h2 over TLS", Route("http", upstream, cert=h.upstreams.cert("ecdsa-p256"), downstream_h2=True), "https")]
    for case, route, scheme in cases:
        h.prepare(NAME, route, f"HTTP/2 ({case}) to the nginx upstream")
        for run_ in range(h.runs):
            for peer in h.targets(NAME):
                h.measure(NAME, case, peer, run_, lambda: h.with_peer(
                    peer, route, lambda port, pids: clients.h2load(h, f"{scheme}://{HOST}:{port}/", pids, conns,
                                                                   streams)))
