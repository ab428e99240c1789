"""tls: TLS terminated by each proxy's HTTP layer in front of nginx. Handshakes: `openssl s_time -new` processes at
once, each a new connection and a full handshake (no session resumed: wrk and h2load resume theirs) closed again, with
ECDSA P-256 and RSA 2048 certificates; the proxies' own counters (Lifeline, Envoy) confirm the handshakes, and Envoy's
that none was resumed. Bulk: wrk -c4 fetching a 64 MiB file (4 MiB in the smoke run) through the TLS connection (ECDSA P-256)."""
from bench import clients
from bench.common import HOST, Route
from testkit import admin

NAME = "tls"
PROCESSES = 8  # openssl s_time processes at once


def handshakes(h, peer: str, port: int, pids: list[int], processes: int) -> dict:
    result = clients.s_time(h, HOST, port, pids, processes)
    counters = h.peers[peer].counters()
    if counters is not None:
        made = admin.total(counters, "ssl.handshake", "listener")
        resumed = admin.total(counters, "ssl.session_reused", "listener")
        result.update(handshakes=made, resumed=resumed)
        if made < 0.9 * result["handshakes_client"] or resumed:
            h.oddity(f"{peer} counted {made} TLS handshakes ({resumed} resumed) for the {result['handshakes_client']} "
                     f"of openssl s_time")
    return result


def run(h) -> None:
    processes = 4 if h.smoke else PROCESSES
    print(f"\n== TLS: full handshakes ({processes} x openssl s_time -new) and bulk over TLS, {h.duration:g} s per run",
          flush=True)
    upstream = h.upstreams.http()
    for name, label in (("ecdsa-p256", "ECDSA P-256"), ("rsa-2048", "RSA 2048")):
        route = Route("http", upstream, cert=h.upstreams.cert(name))
        h.prepare(NAME, route, f"TLS ({label}) to the nginx upstream")
        case = f"handshakes, {label}"
        for run_ in range(h.runs):
            for peer in h.targets(NAME):
                h.measure(NAME, case, peer, run_, lambda: h.with_peer(
                    peer, route, lambda port, pids: handshakes(h, peer, port, pids, processes)))
    route = Route("http", upstream, cert=h.upstreams.cert("ecdsa-p256"))
    for run_ in range(h.runs):
        for peer in h.targets(NAME):
            h.measure(NAME, "bulk", peer, run_, lambda: h.with_peer(
                peer, route, lambda port, pids: clients.wrk(h, f"https://{HOST}:{port}/big", pids, 4)))
