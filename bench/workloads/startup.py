"""startup: exec to a successful connect() (retried in a tight loop), then to the first byte echoed through the
proxy's tcp_proxy."""
from __future__ import annotations

import socket
import time

from bench.common import HOST, BenchError, Route
from testkit.processes import children, listen_inodes, socket_inodes, tail

NAME = "startup"


def startup(h, peer, route: Route) -> dict:
    cmd = peer.command(route)  # configs are written (and checked) before the clock starts
    time.sleep(0.2)
    peer.check_port_free()
    addr = (HOST, peer.port)
    t0 = time.perf_counter()
    peer.proc = h.procs.start(cmd, log=peer.log)
    peer.started = time.monotonic()
    try:
        deadline = t0 + 10
        while True:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.connect(addr)
                break
            except OSError:
                s.close()
                if time.perf_counter() > deadline:
                    raise BenchError(f"not accepting after 10 s:\n{tail(peer.log)}")
                if peer.proc.poll() is not None:
                    raise BenchError(f"exited with status {peer.proc.returncode} during start-up:\n{tail(peer.log)}")
        t_accept = time.perf_counter()
        ours = socket_inodes([peer.proc.pid] + children(peer.proc.pid))
        if not listen_inodes(peer.port) & ours:
            raise BenchError(f"the connection on {HOST}:{peer.port} was accepted by another process")
        try:
            s.settimeout(5)
            s.sendall(b"x")
            if s.recv(1) != b"x":
                raise BenchError("first connection got no echo through the proxy")
        except OSError as error:
            raise BenchError(f"first connection failed: {error}")
        finally:
            s.close()
        t_byte = time.perf_counter()
        return {"accept_ms": (t_accept - t0) * 1e3, "first_byte_ms": (t_byte - t0) * 1e3}
    finally:
        peer.stop()


def run(h) -> None:
    print("\n== start-up: exec to accepting connections (tight connect() loop), then to the first proxied byte", flush=True)
    route = Route("tcp", h.upstreams.echo())
    h.prepare(NAME, route, "tcp_proxy to the idle echo upstream")
    for run_ in range(h.runs):
        for name in h.targets(NAME):
            h.measure(NAME, "exec to accept", name, run_, lambda: startup(h, h.peers[name], route))
