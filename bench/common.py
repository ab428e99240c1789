"""What the driver, the peers and the workloads share: errors, where a peer listens, what a workload asks of it."""
from __future__ import annotations

import os
import random
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from testkit.processes import listening

HOST = "127.0.0.1"


class BenchError(Exception):
    """A peer or a tool failed; the message says which and why."""

    fields: dict = {}  # recorded with the failed run


class ReapMissed(BenchError):
    """The proxy had not closed every dead client's connection by the reap workload's deadline."""

    fields = {"missed": True}


@dataclass(frozen=True)
class Site:
    """Where a peer listens and what it proxies to, with which keepalive: loopback for most workloads, the namespace
    lab for dead-peer reaping."""

    host: str = HOST
    upstream_host: str = HOST
    keepalive: tuple[int, int, int] = (15, 15, 3)  # T s idle, I s between probes, N probes; downstream and upstream
    netns: str | None = None  # run the peer in this network namespace (ip netns exec)
    port: int | None = None  # the listening port; None: a free one on loopback
    admin_port: int | None = None  # the admin endpoint's port (on the site's loopback); None: a free one
    tag: str = ""  # in the names of its configs and logs

    def keepalive_text(self) -> str:
        t, i, n = self.keepalive
        return f"{t} s / {i} s / {n}"


LOOPBACK = Site()


@dataclass(frozen=True)
class Cert:
    """A certificate and its key, made with openssl for the run; `pem` holds both (HAProxy's `crt`)."""

    name: str  # "ecdsa-p256", "rsa-2048"
    crt: Path
    key: Path
    pem: Path


@dataclass(frozen=True)
class Route:
    """What a workload asks of a proxy: tcp_proxy ("tcp") or the HTTP connection manager ("http") to the upstream on
    `upstream`; TLS terminated with `cert` (ALPN h2 and http/1.1); HTTP/2 without TLS (h2c) to the upstream when
    `upstream_h2` (gRPC). `downstream_h2`: the clients speak HTTP/2 (h2c by prior knowledge, or ALPN h2), which
    Lifeline and Envoy tell by themselves (codec AUTO) but HAProxy and nginx are told on the listening socket."""

    kind: str
    upstream: int
    cert: Cert | None = None
    upstream_h2: bool = False
    downstream_h2: bool = False

    @property
    def key(self) -> str:
        parts = [self.kind, str(self.upstream)]
        if self.cert:
            parts.append(self.cert.name)
        if self.upstream_h2:
            parts.append("h2up")
        if self.downstream_h2:
            parts.append("h2")
        return "-".join(parts)

    def describe(self) -> str:
        what = "tcp_proxy" if self.kind == "tcp" else "HTTP"
        tls = f", TLS ({self.cert.name})" if self.cert else ""
        what += " (HTTP/2 clients)" if self.downstream_h2 else ""
        up = ", h2c upstream" if self.upstream_h2 else ""
        return f"{what}{tls}{up}"


_taken_ports: set[int] = set()


def free_port() -> int:
    """A free port below the kernel's ephemeral range, so neither outgoing connections nor other programs' port-0
    listeners (other test suites on a shared machine) can take it while a peer is stopped between runs."""
    low, _high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    rng = random.Random(os.getpid() ^ time.time_ns())
    lo, hi = (20000, low - 1) if low > 21000 else (61000, 64999)
    for _ in range(200):
        port = rng.randint(lo, hi)
        if port in _taken_ports or listening(port):
            continue
        with socket.socket() as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
        _taken_ports.add(port)
        return port
    raise BenchError("no free port found")
