"""The admin endpoints' counters and gauges: Lifeline's and Envoy's `/stats` (`name: value` lines, Envoy's names).

A gateway running in a network namespace has its admin endpoint on that namespace's loopback: pass `ns` and the
request's socket is made inside it.
"""
from __future__ import annotations

import socket

from testkit.netns import netns

LOOPBACK = "127.0.0.1"


def get(port: int, path: str, host: str = LOOPBACK, ns: str | None = None, timeout: float = 5.0) -> str:
    """The body of GET path (HTTP/1.1, connection: close); raises OSError on a failure or a status other than 200."""
    if ns:
        with netns(ns):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with sock:
        sock.settimeout(timeout)
        sock.connect((host, port))
        sock.sendall(f"GET {path} HTTP/1.1\r\nhost: {host}:{port}\r\nconnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].decode(errors="replace")
    if " 200 " not in status + " ":
        raise OSError(f"admin GET {path}: {status or 'no answer'}")
    if b"transfer-encoding: chunked" in head.lower():
        body = _unchunk(body)
    return body.decode(errors="replace")


def _unchunk(body: bytes) -> bytes:
    out = b""
    while body:
        size, _, rest = body.partition(b"\r\n")
        n = int(size.split(b";")[0] or b"0", 16)
        if n == 0:
            break
        out += rest[:n]
        body = rest[n + 2:]
    return out


def stats(port: int, host: str = LOOPBACK, ns: str | None = None) -> dict[str, int]:
    """Every counter and gauge of `/stats` by its full name (histograms, whose values are not integers, left out)."""
    out = {}
    for line in get(port, "/stats", host, ns).splitlines():
        name, sep, value = line.partition(": ")
        if sep and value.strip().lstrip("-").isdigit():
            out[name.strip()] = int(value)
    return out


def total(values: dict[str, int], stat: str, scope: str = "listener") -> int:
    """`stat` summed over every `scope.<name>.` (listener, cluster, http, tcp): each listener's own counter once.

    Envoy also keeps a listener's counters per worker (`listener.<address>.worker_<n>.<stat>`) and counts its own admin
    listener (`listener.admin.`); both are left out so Envoy's and Lifeline's sums count the same connections.
    """
    prefix, suffix = scope + ".", "." + stat
    return sum(v for k, v in values.items()
               if k.startswith(prefix) and k.endswith(suffix) and ".worker_" not in k
               and not k.startswith(("listener.admin.", "http.admin.")))

