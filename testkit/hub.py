"""One background selector loop tracking many sockets at once: what each received and when it ended. The lab and the
benchmark's reap workload make thousands of proxied connections with it, each socket created inside the namespace it
belongs to, and time them all with one clock (CLOCK_MONOTONIC)."""
from __future__ import annotations

import errno
import selectors
import socket
import threading
import time

from testkit.netns import netns


def now() -> float:
    return time.monotonic()


class Tracked:
    """One tracked socket: what it received and when it ended (EOF or error)."""

    def __init__(self, sock: socket.socket, name: str):
        self.sock, self.name = sock, name
        self.rx = bytearray()
        self.nrx = 0
        self.last_rx: float | None = None
        self.end_at: float | None = None
        self.end: str | None = None  # "eof" or an errno name

    def send(self, data: bytes) -> None:
        if self.sock.gettimeout() != 0:
            self.sock.sendall(data)
            return
        view = memoryview(data)
        deadline = now() + 5
        while view:
            try:
                view = view[self.sock.send(view):]
            except BlockingIOError:
                if now() > deadline:
                    raise
                time.sleep(0.01)


class Hub(threading.Thread):
    """Background selector loop: accepts on its upstream listeners and reads every tracked socket."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sel = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.accepted: list[Tracked] = []
        self.stop_flag = False
        self.keep_rx = True
        self.start()

    def listen(self, ns: str, ip: str, port: int, backlog: int = 4096) -> socket.socket:
        with netns(ns):
            ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((ip, port))
        ls.listen(backlog)
        ls.setblocking(False)
        with self.lock:
            self.sel.register(ls, selectors.EVENT_READ, "listen")
        return ls

    def connect(self, ns: str, ip: str, port: int, name: str, timeout: float = 5) -> Tracked:
        with netns(ns):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((ip, port))
        s.setblocking(False)
        p = Tracked(s, name)
        with self.lock:
            self.sel.register(s, selectors.EVENT_READ, p)
        return p

    def connect_many(self, ns: str, ip: str, port: int, n: int) -> list[Tracked]:
        """n non-blocking connects; returns them once all are established."""
        pending = {}
        with netns(ns):
            socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(n)]
        sel = selectors.DefaultSelector()
        for k, s in enumerate(socks):
            s.setblocking(False)
            s.connect_ex((ip, port))
            sel.register(s, selectors.EVENT_WRITE, k)
            pending[k] = s
        deadline = now() + 30
        while pending and now() < deadline:
            for key, _ in sel.select(0.5):
                s = key.fileobj
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, f"connect {key.data}")
                sel.unregister(s)
                del pending[key.data]
        sel.close()
        if pending:
            raise RuntimeError(f"{len(pending)} connects did not complete")
        tracked = []
        for k, s in enumerate(socks):
            p = Tracked(s, f"c{k}")
            with self.lock:
                self.sel.register(s, selectors.EVENT_READ, p)
            tracked.append(p)
        return tracked

    def run(self) -> None:
        while not self.stop_flag:
            for key, _ in self.sel.select(0.02):
                with self.lock:
                    if self.sel.get_map().get(key.fd) is not key:
                        continue  # closed by close_all() since select() returned
                    if key.data == "listen":
                        self._accept(key.fileobj)
                        continue
                    self._read(key.data)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                c, _ = listener.accept()
            except OSError:
                return
            c.setblocking(False)
            p = Tracked(c, f"u{len(self.accepted)}")
            self.accepted.append(p)
            self.sel.register(c, selectors.EVENT_READ, p)

    def _read(self, p: Tracked) -> None:
        try:
            d = p.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as e:
            p.end, p.end_at = errno.errorcode.get(e.errno, str(e.errno)), now()
            self.sel.unregister(p.sock)
            return
        if not d:
            p.end, p.end_at = "eof", now()
            self.sel.unregister(p.sock)
            return
        p.nrx += len(d)
        p.last_rx = now()
        if self.keep_rx and len(p.rx) < 1 << 20:
            p.rx += d

    def close_all(self) -> None:
        """Closes every tracked socket (the listeners stay)."""
        with self.lock:
            for key in list(self.sel.get_map().values()):
                if key.data == "listen":
                    continue
                self.sel.unregister(key.fileobj)
                try:
                    key.fileobj.close()
                except OSError:
                    pass
            for p in self.accepted:
                try:
                    p.sock.close()
                except OSError:
                    pass
            self.accepted = []

    def stop(self) -> None:
        self.stop_flag = True
        self.join(2)
        self.close_all()

    def wait_accepted(self, n: int, timeout: float = 10) -> list[Tracked]:
        deadline = now() + timeout
        while len(self.accepted) < n and now() < deadline:
            time.sleep(0.01)
        if len(self.accepted) < n:
            raise RuntimeError(f"upstream accepted {len(self.accepted)}/{n}")
        return self.accepted[:n]


def wait_for(pred, timeout: float, step: float = 0.01) -> float | None:
    """The time pred() first held, or None if it did not within timeout seconds."""
    deadline = now() + timeout
    while now() < deadline:
        if pred():
            return now()
        time.sleep(step)
    return None


def wait_rx(p: Tracked, data: bytes, timeout: float = 5) -> float | None:
    return wait_for(lambda: bytes(data) in bytes(p.rx), timeout)


def idle_pairs(hub: Hub, n: int, ns: str, ip: str, port: int, batch: int = 250) -> list[tuple[Tracked, Tracked]]:
    """n proxied connections from namespace ns to the gateway at ip:port, through it to the hub's upstream listener,
    with one line each way through every one (so each has recent traffic). Returns [(client, its upstream)]."""
    clients: list[Tracked] = []
    for k in range(0, n, batch):
        clients += hub.connect_many(ns, ip, port, min(batch, n - k))
    ups = hub.wait_accepted(n, 30)
    for k, c in enumerate(clients):
        c.send(f"{k}\n".encode())
    if not wait_for(lambda: all(u.rx.endswith(b"\n") for u in ups), 10):
        missing = sum(not u.rx.endswith(b"\n") for u in ups)
        raise RuntimeError(f"{missing}/{n} upstream sockets did not get their client's line within 10 s")
    for u in ups:
        u.send(b"ok\n")
    if not wait_for(lambda: all(c.rx == b"ok\n" for c in clients), 10):
        missing = sum(c.rx != b"ok\n" for c in clients)
        raise RuntimeError(f"{missing}/{n} clients did not get the upstream's reply within 10 s")
    by_id = {int(u.rx.decode().strip()): u for u in ups}
    return [(c, by_id[k]) for k, c in enumerate(clients)]


def reaped_after(pairs: list[tuple[Tracked, Tracked]]) -> list[float | None]:
    """Per connection: seconds from its own last traffic (the client's last receive) to the moment its upstream leg
    ended (EOF or error seen by the upstream side); None while it has not."""
    return [(u.end_at - c.last_rx) if u.end_at else None for c, u in pairs]
