"""What the kernel says about a gateway's socket: the `ss -tnopH` line (keepalive timer) and the keepalive options
read back from the socket itself (a duplicate of the gateway's descriptor, taken with pidfd_getfd(2))."""

import ctypes
import os
import re
import socket
import subprocess
from dataclasses import dataclass

_SYS_PIDFD_OPEN, _SYS_PIDFD_GETFD = 434, 438  # the same number on every Linux architecture
_libc = ctypes.CDLL(None, use_errno=True)

_USERS = re.compile(r'users:\(\("(?P<comm>[^"]*)",pid=(?P<pid>\d+),fd=(?P<fd>\d+)\)')
_TIMER = re.compile(r"timer:\((?P<name>[^,]+),(?P<left>[^,]+),(?P<probes>\d+)\)")
# ss prints a timer as e.g. 119min, 1min5sec, 14sec, 9.500ms (9.5 s) or 300ms.
_DURATION = re.compile(r"(?:(?P<min>\d+)min)?(?:(?P<sec>\d+)sec)?(?:(?P<whole>\d+)\.)?(?:(?P<ms>\d+)ms)?")


def ss_seconds(text: str) -> float:
    match = _DURATION.fullmatch(text)
    if not match or not text:
        raise ValueError(f"unexpected ss duration {text!r}")
    minutes, secs, whole, ms = (int(match.group(g) or 0) for g in ("min", "sec", "whole", "ms"))
    return minutes * 60 + secs + whole + ms / 1000


def ss_resolution(seconds: float) -> float:
    """ss drops the seconds of a timer of ten minutes or more."""
    return 60.0 if seconds >= 600 else 1.0


@dataclass(frozen=True)
class Options:
    keepalive: int  # SO_KEEPALIVE
    idle: int  # TCP_KEEPIDLE, s
    interval: int  # TCP_KEEPINTVL, s
    probes: int  # TCP_KEEPCNT
    user_timeout_ms: int  # TCP_USER_TIMEOUT

    def __str__(self):
        state = "on" if self.keepalive else "off"
        return f"keepalive {state} {self.idle}/{self.interval}/{self.probes} user_timeout {self.user_timeout_ms} ms"


@dataclass(frozen=True)
class SocketView:
    line: str  # the ss line, as printed
    local: tuple[str, int]
    peer: tuple[str, int]
    pid: int
    fd: int
    timer: str | None  # e.g. "keepalive"; None without a timer
    timer_left: float | None  # seconds until it fires
    options: Options


def _address(text: str) -> tuple[str, int]:
    host, port = text.rsplit(":", 1)
    return host.strip("[]"), int(port)


def established(pid: int) -> list[tuple[str, tuple[str, int], tuple[str, int], int, int]]:
    """(line, local, peer, pid, fd) of every established TCP socket `pid` holds, from `ss -tnopH`."""
    out = subprocess.run(
        ["ss", "-tnopH", "state", "established"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    rows = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        for owner in _USERS.finditer(line):
            if int(owner.group("pid")) == pid:
                rows.append((line.strip(), _address(fields[2]), _address(fields[3]), pid, int(owner.group("fd"))))
    return rows


def read_options(pid: int, fd: int, local: tuple[str, int], peer: tuple[str, int]) -> Options:
    pidfd = _libc.syscall(_SYS_PIDFD_OPEN, pid, 0)
    if pidfd < 0:
        raise OSError(ctypes.get_errno(), f"pidfd_open({pid}): {os.strerror(ctypes.get_errno())}")
    try:
        dup = _libc.syscall(_SYS_PIDFD_GETFD, pidfd, fd, 0)
        if dup < 0:
            raise OSError(ctypes.get_errno(), f"pidfd_getfd({pid}, {fd}): {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(pidfd)
    with socket.socket(fileno=dup) as sock:
        # The descriptor number came from ss a moment ago; make sure it is still the same connection.
        if sock.getsockname()[:2] != local or sock.getpeername()[:2] != peer:
            raise RuntimeError(f"fd {fd} of pid {pid} is no longer {local} -> {peer}")
        return Options(
            keepalive=sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
            idle=sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
            interval=sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
            probes=sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
            user_timeout_ms=sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
        )


def view(pid: int, *, local_port: int | None = None, peer_port: int) -> SocketView:
    """The one established socket of `pid` with that peer port (and local port, if given)."""
    rows = [
        row for row in established(pid)
        if row[2][1] == peer_port and (local_port is None or row[1][1] == local_port)
    ]
    if len(rows) != 1:
        where = f"sport {local_port}, " if local_port is not None else ""
        raise RuntimeError(f"pid {pid}: {len(rows)} established sockets with {where}dport {peer_port}")
    line, local, peer, _, fd = rows[0]
    timer = _TIMER.search(line)
    return SocketView(
        line=line,
        local=local,
        peer=peer,
        pid=pid,
        fd=fd,
        timer=timer.group("name") if timer else None,
        timer_left=ss_seconds(timer.group("left")) if timer else None,
        options=read_options(pid, fd, local, peer),
    )
