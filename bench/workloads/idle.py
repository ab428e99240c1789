"""idle: 4,000 and 8,000 connections held idle through each proxy's tcp_proxy (client processes of at most 2,000
connections each, one echoed byte per connection) to bench/idle_upstream.py: the proxy's RSS delta per connection."""
from __future__ import annotations

import selectors
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.common import HOST, BenchError, Route
from testkit.processes import fd_count, rss_kib

NAME = "idle"
HERE = Path(__file__).resolve().parent.parent
CLIENTS_PER_PROCESS = 2000  # connections per client process (fd limit 20,000 per process)


def sockstat_tcp_mem_bytes() -> int:
    for line in Path("/proc/net/sockstat").read_text().splitlines():
        if line.startswith("TCP:"):
            fields = line.split()
            return int(fields[fields.index("mem") + 1]) * 4096
    return 0


def echo_roundtrip(port: int) -> None:
    try:
        with socket.create_connection((HOST, port), timeout=5) as s:
            s.sendall(b"x")
            if s.recv(1) != b"x":
                raise BenchError("no echo through the proxy")
    except OSError as error:
        raise BenchError(f"echo through the proxy failed: {error}")


def hold(h, peer_name: str, port: int, size: int, client: str, warm_up) -> dict:
    """Holds `size` connections through the peer with `client` (a script: HOST PORT COUNT, prints "ready" once its
    connections are up, holds them until its stdin closes); the peer's RSS and fds before and while they are held."""
    peer = h.peers[peer_name]
    warm_up(port)  # proves the proxy works and lets it do its lazy set-up before the baseline
    time.sleep(0.2 if h.smoke else 0.5)
    pids = peer.pids()
    rss0, fds0, mem0 = rss_kib(pids), fd_count(pids), sockstat_tcp_mem_bytes()
    procs = []
    sel = selectors.DefaultSelector()
    try:
        remaining = size
        while remaining > 0:
            n = min(CLIENTS_PER_PROCESS, remaining)
            remaining -= n
            proc = h.procs.start([sys.executable, str(HERE / client), HOST, str(port), str(n)],
                                 log=h.tmp / f"{Path(client).stem}.log", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 note=False)
            procs.append(proc)
            sel.register(proc.stdout, selectors.EVENT_READ, proc)
        h.procs.note(f"{sys.executable} {HERE / client} {HOST} {port} N   # {len(procs)} processes at once, N = {size} "
                     f"split in parts of at most {CLIENTS_PER_PROCESS}")
        ready, deadline = 0, time.monotonic() + 120
        while ready < len(procs):
            events = sel.select(timeout=max(0.0, deadline - time.monotonic()))
            if not events:
                raise BenchError(f"only {ready} of {len(procs)} client processes had their connections up after 120 s")
            for key, _ in events:
                line = key.fileobj.readline().decode(errors="replace").strip()
                sel.unregister(key.fileobj)
                if not line.startswith("ready"):
                    raise BenchError(f"{client}: {line or 'exited without a word'}")
                ready += 1
        time.sleep(0.5 if h.smoke else 2.0)  # let the proxy settle
        pids = peer.pids()
        rss1, fds1, mem1 = rss_kib(pids), fd_count(pids), sockstat_tcp_mem_bytes()
        if fds1 - fds0 < size * 0.98:
            h.oddity(f"{peer_name} held {fds1 - fds0} more fds for {size} idle connections")
    finally:
        for proc in procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            h.procs.stop(proc)
            if proc.stdout:
                proc.stdout.close()
        sel.close()
    # After the clients left: does the proxy give back its descriptors (and memory)?
    deadline = time.monotonic() + 10
    while fd_count(pids) > fds0 + 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    fds2 = fd_count(pids)
    if fds2 > fds0 + 4:
        h.oddity(f"{peer_name} still held {fds2 - fds0} extra fds 10 s after {size} idle clients closed")
    return {
        "rss_kib_per_conn": (rss1 - rss0) / size,
        "sock_kib_per_conn": (mem1 - mem0) / 1024 / size,  # machine-wide delta: noisy, kept in the JSON only
        "sock_held_mib": mem1 / 2**20,
        "rss_base_mib": rss0 / 1024,
        "rss_held_mib": rss1 / 1024,
        "rss_after_close_mib": rss_kib(pids) / 1024,
        "fds_held": fds1 - fds0,
    }


def run(h) -> None:
    print(f"\n== idle connections: proxy RSS per held connection, sizes {h.idle_sizes}", flush=True)
    route = Route("tcp", h.upstreams.echo())
    h.prepare(NAME, route, "tcp_proxy to the idle echo upstream")
    for size in h.idle_sizes:
        case = f"{size} conns"
        for run_ in range(h.runs):
            for peer in h.targets(NAME):
                h.measure(NAME, case, peer, run_, lambda: h.with_peer(
                    peer, route, lambda port, _pids: hold(h, peer, port, size, "idle_client.py", echo_roundtrip)))
