"""grpc: unary calls by h2load with gRPC framing (POST of one length-prefixed message, content-type application/grpc,
te: trailers) through the HTTP connection manager to an h2c upstream answering one message and grpc-status 0 (nginx,
upstreams.py), and direct. Before the first run each proxy gets one real gRPC call (grpcio, where installed): the
answer's message and status 0 must come back through it."""
from bench import clients
from bench.common import HOST, BenchError, Route
from bench.upstreams import GRPC_PATH, GRPC_PAYLOAD, grpc_frame

NAME = "grpc"


def call(port: int) -> None:
    """One unary call with grpcio: raises BenchError unless the message and grpc-status 0 came back."""
    try:
        import grpc
    except ImportError:
        return
    with grpc.insecure_channel(f"{HOST}:{port}") as channel:
        try:
            answer = channel.unary_unary(GRPC_PATH)(GRPC_PAYLOAD, timeout=10)
        except grpc.RpcError as error:
            raise BenchError(f"a gRPC call through the proxy failed: {error.code().name} {error.details()}")
    if answer != GRPC_PAYLOAD:
        raise BenchError(f"a gRPC call through the proxy answered {answer[:40]!r}")


def run(h) -> None:
    conns, streams = h.h2_shape
    print(f"\n== gRPC unary: h2load -c {conns} -m {streams} with gRPC framing through each HTTP connection manager, "
          f"{h.duration:g} s per run", flush=True)
    route = Route("http", h.upstreams.grpc(), upstream_h2=True)
    h.prepare(NAME, route, "gRPC (h2c) to the nginx gRPC upstream")
    message = h.tmp / "grpc-request.bin"
    message.write_bytes(grpc_frame(GRPC_PAYLOAD))
    extra = ("-d", str(message), "-H", "content-type: application/grpc", "-H", "te: trailers")
    checked: set[str] = set()

    def measure(peer: str, port: int, pids: list[int]) -> dict:
        if peer not in checked:
            call(port)
            checked.add(peer)
        return clients.h2load(h, f"http://{HOST}:{port}{GRPC_PATH}", pids, conns, streams, extra)

    for run_ in range(h.runs):
        for peer in h.targets(NAME, direct=True):
            h.measure(NAME, "unary, h2c", peer, run_, lambda: h.with_peer(
                peer, route, lambda port, pids: measure(peer, port, pids)))
