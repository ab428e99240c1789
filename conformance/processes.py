"""Processes and peers on loopback: free ports, a gateway process that is always stopped, a tiny upstream."""

import os
import selectors
import signal
import socket
import subprocess
import threading
import time

LOOPBACK = "127.0.0.1"
_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp


def free_port() -> int:
    """A port the kernel just handed out for port 0 (and that nothing holds any more)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    """Whether a socket is in LISTEN on `port` in this network namespace (no connection is made to find out)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == _LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except FileNotFoundError:
            continue
    return False


class GatewayFailed(Exception):
    pass


class Gateway:
    """A gateway process running one config, ready once its listener port is in LISTEN. Use as a context manager:
    the process is stopped (SIGTERM, then SIGKILL) on leaving, whatever happened."""

    def __init__(self, label: str, command: list[str], port: int, log_path: str, ready_timeout: float = 30.0):
        self.label, self.command, self.port, self.log_path = label, command, port, log_path
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __enter__(self):
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + self.ready_timeout
            while not listening(self.port):
                if self.proc.poll() is not None:
                    raise GatewayFailed(f"{self.label} exited {self.proc.returncode}: {self.log_tail()}")
                if time.monotonic() > deadline:
                    raise GatewayFailed(f"{self.label} not listening on :{self.port} after {self.ready_timeout:.0f} s")
                time.sleep(0.02)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, limit: int = 600) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return " ".join(f.read()[-limit:].split())
        except OSError:
            return ""


class Upstream(threading.Thread):
    """A TCP server on a free loopback port that accepts every connection, reads and discards, and holds it open
    until closed."""

    def __init__(self):
        super().__init__(daemon=True)
        self.server = socket.socket()
        self.server.bind((LOOPBACK, 0))
        self.server.listen(16)
        self.server.setblocking(False)
        self.port = self.server.getsockname()[1]
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.server, selectors.EVENT_READ)
        self.wake_r, self.wake_w = os.pipe()
        self.selector.register(self.wake_r, selectors.EVENT_READ)
        self.connections: list[socket.socket] = []
        self.closing = False

    def run(self):
        while not self.closing:
            for key, _ in self.selector.select(1.0):
                if key.fileobj is self.server:
                    try:
                        conn, _ = self.server.accept()
                    except BlockingIOError:
                        continue
                    conn.setblocking(False)
                    self.connections.append(conn)
                    self.selector.register(conn, selectors.EVENT_READ)
                elif key.fileobj == self.wake_r:
                    continue
                else:
                    try:
                        data = key.fileobj.recv(65536)
                    except (BlockingIOError, ConnectionError):
                        continue
                    if not data:
                        self.selector.unregister(key.fileobj)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.closing = True
        os.write(self.wake_w, b"x")
        self.join(5)
        for conn in self.connections:
            conn.close()
        self.server.close()
        self.selector.close()
        os.close(self.wake_r)
        os.close(self.wake_w)
        return False


def connect_client(port: int) -> socket.socket:
    """Connects the way every live scenario does: one connection, one byte sent (so the proxy has dialled its
    upstream), then the caller waits."""
    client = socket.create_connection((LOOPBACK, port), timeout=5)
    client.sendall(b"x")
    return client
