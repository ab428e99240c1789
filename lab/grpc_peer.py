#!/usr/bin/env python3
"""gRPC peers for lab scenario e (grpcio, no protoc: generic handlers carrying raw bytes).

  grpc_peer.py server HOST:PORT IDLE      server-streaming /lab.Lab/Stream: sends b"message-1", sleeps IDLE s,
                                          sends b"message-2"
  grpc_peer.py client HOST:PORT DEADLINE [PING_AT]
                                          calls it with a client deadline; prints one line per event:
                                          "recv <t> <message>", then "done <t>" or "error <t> <StatusCode> <details>";
                                          with PING_AT, also calls /lab.Lab/Ping on the same channel (the same TCP
                                          connection) PING_AT s after the start, while the stream is still open:
                                          "ping ok <t>" or "ping error <t> <StatusCode> <details>";
                                          LL_GRPC_TLS="CA_FILE,SERVER_NAME" makes it a TLS client (scenario i)

gRPC keepalive stays off on both sides (grpcio defaults: no client pings; server pings only after 2 h), so whatever
keeps the connection alive through the load balancers is the gateway's TCP keepalive.
"""
import os
import sys
import threading
import time
from concurrent import futures

import grpc

METHOD = "/lab.Lab/Stream"
PING = "/lab.Lab/Ping"


def server(addr, idle):
    def stream(request, context):
        print(f"server sends message-1 {time.monotonic():.3f}", flush=True)
        yield b"message-1"
        time.sleep(idle)
        print(f"server sends message-2 {time.monotonic():.3f} active={context.is_active()}", flush=True)
        yield b"message-2"
        print(f"server stream done {time.monotonic():.3f}", flush=True)

    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    srv.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "lab.Lab", {"Stream": grpc.unary_stream_rpc_method_handler(stream),
                    "Ping": grpc.unary_unary_rpc_method_handler(lambda request, context: b"pong")}),))
    srv.add_insecure_port(addr)
    srv.start()
    print("server ready", flush=True)
    srv.wait_for_termination(timeout=600)


def channel(addr):
    """A plaintext channel, or with LL_GRPC_TLS="CA_FILE,SERVER_NAME" a TLS one (ALPN h2) that trusts CA_FILE and
    checks the gateway's certificate for SERVER_NAME."""
    tls = os.environ.get("LL_GRPC_TLS")
    if not tls:
        return grpc.insecure_channel(addr)
    ca_file, name = tls.split(",", 1)
    with open(ca_file, "rb") as f:
        credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
    return grpc.secure_channel(addr, credentials, options=[("grpc.ssl_target_name_override", name)])


def client(addr, deadline, ping_at=None):
    with channel(addr) as ch:
        call = ch.unary_stream(METHOD)(b"go", timeout=deadline)

        def read_stream():
            try:
                for msg in call:
                    print(f"recv {time.monotonic():.3f} {msg.decode()}", flush=True)
                print(f"done {time.monotonic():.3f}", flush=True)
            except grpc.RpcError as e:
                print(f"error {time.monotonic():.3f} {e.code()} {e.details()!r}", flush=True)

        reader = threading.Thread(target=read_stream)
        reader.start()
        if ping_at is not None:
            time.sleep(ping_at)
            try:
                ch.unary_unary(PING)(b"ping", timeout=5)
                print(f"ping ok {time.monotonic():.3f}", flush=True)
            except grpc.RpcError as e:
                print(f"ping error {time.monotonic():.3f} {e.code()} {e.details()!r}", flush=True)
        reader.join()


if __name__ == "__main__":
    role, addr, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    if role == "server":
        server(addr, secs)
    else:
        client(addr, secs, float(sys.argv[4]) if len(sys.argv) > 4 else None)
