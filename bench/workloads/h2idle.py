"""h2idle: N HTTP/2 connections (h2c) held idle through each HTTP connection manager, each with its session settled
(SETTINGS exchanged and acknowledged) and one finished request (GET / to nginx `return 200`): the proxy's RSS delta per
connection. The clients are bench/h2_idle_client.py processes of at most 2,000 connections each."""
from bench.common import HOST, BenchError, Route
from bench.workloads.idle import hold

NAME = "h2idle"


def one_request(port: int) -> None:
    import subprocess

    out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                          "-m", "10", f"http://{HOST}:{port}/"], capture_output=True, text=True)
    if out.stdout.strip() != "200 2":
        raise BenchError(f"an HTTP/2 request through the proxy got {out.stdout.strip() or out.stderr.strip()[:200]!r}")


def run(h) -> None:
    size = h.h2idle
    print(f"\n== idle HTTP/2 connections: proxy RSS per held connection, {size} connections", flush=True)
    route = Route("http", h.upstreams.http())
    h.prepare(NAME, route, "HTTP/2 (h2c) to the nginx upstream")
    case = f"{size} conns"
    for run_ in range(h.runs):
        for peer in h.targets(NAME):
            h.measure(NAME, case, peer, run_, lambda: h.with_peer(
                peer, route, lambda port, _pids: hold(h, peer, port, size, "h2_idle_client.py", one_request)))
