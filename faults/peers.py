"""Upstreams that fail on purpose, the gateways they sit behind, and the clients that watch what reaches them: shared
by faults/upstream.py (each fault once, Lifeline and Envoy side by side) and faults/soak.py (mixed load with upstream
restarts). Stdlib, plus h2 and grpcio for the HTTP/2 and gRPC clients.

Every server picks its behaviour from the request: an HTTP/1.1 path or a gRPC method ending in

  /ok             answers (HTTP/1.1: 200 "ok"; gRPC: one message per request byte, up to 5, then status 0)
  /slow           answers like /ok after 1 s (to vanish while the gateway waits)
  /reset-before   resets the TCP connection (SO_LINGER 0) as soon as the request head is read
  /reset-after    sends the response head (HTTP/1.1: Content-Length 100000), then resets
  /reset-mid      sends the head and part of the body (HTTP/1.1: 10,000 of 100,000 bytes; gRPC: one message), then
                  resets
  /ticks          (gRPC) a server stream: one message every 0.1 s, one per request byte up to 5, then status 0
"""
import json
import os
import socket
import struct
import threading
import sys
import time

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
import grpc  # noqa: E402
import h2.config  # noqa: E402
import h2.connection  # noqa: E402
import h2.errors  # noqa: E402
import h2.events  # noqa: E402
import h2.exceptions  # noqa: E402

LOOPBACK = "127.0.0.1"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
from testkit import admin  # noqa: E402
from testkit.netns import netns, sh  # noqa: E402
from testkit.processes import Process, cpu_seconds, fd_count, rss_kib  # noqa: E402,F401  (cpu_seconds: soak.py's)
LIFELINE = os.environ.get("LIFELINE", os.path.join(ROOT, ".build", "release", "lifeline"))


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def closed_port():
    """A loopback port nothing listens on: a connect to it is refused (RST) at once."""
    return free_port()


def reset(sock):
    """Closes with SO_LINGER 0: the peer gets a RST, not a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


# ------------------------------------------------------------------------------------------------ network namespace
class VanishingHost:
    """A network namespace joined to this one by a veth pair, its end at 198.18.200.2 (the benchmarking range):
    servers created inside it (`inside()`) can be made to vanish — every packet to and from them dropped by iptables —
    and come back. Removed on exit, whatever happened."""

    NS, HOST_IF, PEER_IF = "llf-up", "llf-h0", "llf-u0"
    HOST_IP, PEER_IP = "198.18.200.1", "198.18.200.2"

    def __init__(self):
        self.iptables = None

    def __enter__(self):
        self.down()
        sh(["ip", "netns", "add", self.NS])
        try:
            sh(["ip", "link", "add", self.HOST_IF, "type", "veth", "peer", "name", self.PEER_IF, "netns", self.NS])
            sh(["ip", "addr", "add", f"{self.HOST_IP}/30", "dev", self.HOST_IF])
            sh(["ip", "link", "set", self.HOST_IF, "up"])
            for cmd in (("ip", "addr", "add", f"{self.PEER_IP}/30", "dev", self.PEER_IF),
                        ("ip", "link", "set", self.PEER_IF, "up"), ("ip", "link", "set", "lo", "up")):
                sh(list(cmd), ns=self.NS)
            for candidate in ("iptables", "iptables-legacy"):
                if sh([candidate, "-L", "INPUT"], check=False, ns=self.NS) == 0:
                    self.iptables = candidate
                    break
            if self.iptables is None:
                raise RuntimeError("no iptables works in a network namespace")
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc):
        self.down()
        return False

    def down(self):
        sh(["ip", "link", "del", self.HOST_IF], check=False)
        sh(["ip", "netns", "del", self.NS], check=False)

    def inside(self):
        """Sockets created in this block belong to the namespace (setns on this thread only)."""
        return netns(self.NS)

    def vanish(self):
        for chain in ("INPUT", "OUTPUT"):
            sh([self.iptables, "-I", chain, "1", "-j", "DROP"], ns=self.NS)

    def reappear(self):
        for chain in ("INPUT", "OUTPUT"):
            sh([self.iptables, "-F", chain], ns=self.NS)


# ------------------------------------------------------------------------------------------------ upstream servers
class Server(threading.Thread):
    """Accepts on (host, port) and serves each connection on its own thread; `stop()` closes the listening socket and
    resets every connection it holds (an upstream that dies)."""

    def __init__(self, host=LOOPBACK, port=0, namespace=None):
        super().__init__(daemon=True)
        if namespace is None:
            self.sock = socket.socket()
        else:
            with namespace.inside():
                self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]
        self.conns = set()
        self.lock = threading.Lock()
        self.stopped = False

    def run(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            self.serve(conn)
        except (OSError, h2.exceptions.ProtocolError, h2.exceptions.StreamClosedError):
            pass
        finally:
            with self.lock:
                self.conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def serve(self, conn):
        raise NotImplementedError

    def stop(self):
        self.stopped = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            conns = list(self.conns)
        for conn in conns:
            reset(conn)


class SilentServer(Server):
    """Accepts and reads, never answers."""

    def serve(self, conn):
        while conn.recv(65536):
            pass


class TcpServer(Server):
    """tcp_proxy's upstream: echoes (mode "echo"), or answers the first bytes with b"partial" and resets ("reset")."""

    def __init__(self, mode="echo", **kw):
        super().__init__(**kw)
        self.mode = mode

    def serve(self, conn):
        while True:
            data = conn.recv(65536)
            if not data:
                return
            if self.mode == "reset":
                conn.sendall(b"partial")
                time.sleep(0.2)
                reset(conn)
                return
            conn.sendall(data)


def _action(path):
    return path.rsplit("/", 1)[-1]


class HttpServer(Server):
    """HTTP/1.1 keep-alive, behaviour by the last path segment (see the module's doc)."""

    BODY = 100_000

    def serve(self, conn):
        buf = b""
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            head, buf = buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            while len(buf) < length:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            buf = buf[length:]
            action = _action(path.split("?")[0])
            if action == "reset-before":
                reset(conn)
                return
            if action in ("reset-after", "reset-mid"):
                conn.sendall(f"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: "
                             f"{self.BODY}\r\n\r\n".encode())
                if action == "reset-mid":
                    conn.sendall(b"x" * 10_000)
                time.sleep(0.2)
                reset(conn)
                return
            if action == "slow":
                time.sleep(1)
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok")


def grpc_frame(payload):
    return b"\x00" + struct.pack(">I", len(payload)) + payload


class GrpcServer(Server):
    """gRPC over h2c, written with h2 so that it can reset the TCP connection at a chosen frame; behaviour by method
    name (see the module's doc)."""

    def serve(self, conn):
        h2c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        h2c.initiate_connection()
        conn.sendall(h2c.data_to_send())
        lock = threading.Lock()  # the reader and the /ticks streams' threads share the connection
        streams = {}
        while True:
            data = conn.recv(65536)
            if not data:
                return
            with lock:
                if not self._events(conn, h2c, lock, streams, data):
                    return

    def _ticks(self, conn, h2c, lock, stream_id, count):
        """A server stream: `count` messages 0.1 s apart, then status 0 (the stream may be gone meanwhile)."""
        try:
            for i in range(count):
                time.sleep(0.1)
                with lock:
                    h2c.send_data(stream_id, grpc_frame(f"tick-{i + 1}".encode()))
                    conn.sendall(h2c.data_to_send())
            with lock:
                h2c.send_headers(stream_id, [("grpc-status", "0")], end_stream=True)
                conn.sendall(h2c.data_to_send())
        except (OSError, h2.exceptions.ProtocolError, h2.exceptions.StreamClosedError, KeyError):
            pass

    def _events(self, conn, h2c, lock, streams, data):
        """Handles what `data` brings; False once the connection was reset on purpose."""
        for event in h2c.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                path = dict(event.headers)[":path"]
                streams[event.stream_id] = [_action(path), b""]
                action = streams[event.stream_id][0]
                if action == "reset-before":
                    conn.sendall(h2c.data_to_send())
                    reset(conn)
                    return False
                if action in ("reset-after", "reset-mid"):
                    h2c.send_headers(event.stream_id, [(":status", "200"), ("content-type", "application/grpc")])
                    if action == "reset-mid":
                        h2c.send_data(event.stream_id, grpc_frame(b"message-1"))
                    conn.sendall(h2c.data_to_send())
                    time.sleep(0.2)
                    reset(conn)
                    return False
            elif isinstance(event, h2.events.DataReceived):
                h2c.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                if event.stream_id in streams:
                    streams[event.stream_id][1] += event.data
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id in streams:
                action, body = streams.pop(event.stream_id)
                if action == "slow":
                    time.sleep(1)
                count = max(1, min(5, body[5:6][0] if len(body) > 5 else 1))
                h2c.send_headers(event.stream_id, [(":status", "200"), ("content-type", "application/grpc")])
                if action == "ticks":
                    threading.Thread(target=self._ticks, args=(conn, h2c, lock, event.stream_id, count),
                                     daemon=True).start()
                    continue
                for i in range(count):
                    h2c.send_data(event.stream_id, grpc_frame(f"message-{i + 1}".encode()))
                h2c.send_headers(event.stream_id, [("grpc-status", "0")], end_stream=True)
            elif isinstance(event, h2.events.StreamReset):
                streams.pop(event.stream_id, None)
        pending = h2c.data_to_send()
        if pending:
            conn.sendall(pending)
        return True


# ------------------------------------------------------------------------------------------------ clients
class Outcome(dict):
    """What a client saw: comparable fields, plus `seconds` (how long until the answer or close) kept apart."""

    def __init__(self, seconds, **fields):
        super().__init__(fields)
        self.seconds = seconds

    def __str__(self):
        shown = ", ".join(f"{k}={v}" for k, v in self.items())
        return f"{shown}, after {self.seconds:.2f} s"


def _ended(sock):
    """'eof', 'reset' or None (still open) for a socket, without waiting."""
    try:
        data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        return "eof" if data == b"" else None
    except BlockingIOError:
        return None
    except ConnectionResetError:
        return "reset"
    except OSError:
        return "reset"


def tcp_call(port, host=LOOPBACK, timeout=8.0):
    """Connects, sends b"hello", reads until the gateway ends the connection: the bytes and how it ended."""
    start = time.monotonic()
    sock = socket.create_connection((host, port), timeout=timeout)
    got, end = b"", "timeout"
    try:
        sock.sendall(b"hello")
        while True:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                end = "reset"
                break
            if not data:
                end = "eof"
                break
            got += data
            if got == b"hello":  # a working echo: done
                end = "echoed"
                break
    finally:
        reset(sock) if end == "echoed" else sock.close()
    return Outcome(time.monotonic() - start, received=got.decode(errors="replace"), end=end)


def h1_call(port, path, host=LOOPBACK, timeout=8.0):
    """One HTTP/1.1 GET on a fresh connection: status, body size, and whether the response was complete, cut (EOF or
    reset before Content-Length bytes), and whether the gateway then kept the connection open."""
    start = time.monotonic()
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nhost: faults\r\nuser-agent: faults\r\n\r\n".encode())
        buf, end = b"", None
        while b"\r\n\r\n" not in buf:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                return Outcome(time.monotonic() - start, status=None, end="timeout")
            except ConnectionResetError:
                return Outcome(time.monotonic() - start, status=None, end="reset")
            if not data:
                return Outcome(time.monotonic() - start, status=None, end="eof")
            buf += data
        head, body = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "-1"))
        while length < 0 or len(body) < length:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                end = "timeout"
                break
            except ConnectionResetError:
                end = "reset"
                break
            if not data:
                end = "eof"
                break
            body += data
        seconds = time.monotonic() - start
        if end is None:
            time.sleep(0.3)
            end = "complete, " + ("closed" if _ended(sock) else "kept open")
        shown = body.decode(errors="replace") if len(body) < 200 else f"{len(body)} bytes"
        return Outcome(seconds, status=status, body=shown, end=end)
    finally:
        sock.close()


def h2_call(port, path, host=LOOPBACK, timeout=8.0):
    """One HTTP/2 (h2c, prior knowledge) GET: status, body, and how the stream ended (END_STREAM, RST_STREAM with its
    code, GOAWAY, or the connection closing)."""
    start = time.monotonic()
    sock = socket.create_connection((host, port), timeout=timeout)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    stream = conn.get_next_available_stream_id()
    conn.send_headers(stream, [(":method", "GET"), (":path", path), (":scheme", "http"), (":authority", "faults"),
                               ("user-agent", "faults")], end_stream=True)
    status, body, end = None, b"", None
    try:
        sock.sendall(conn.data_to_send())
        while end is None:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                end = "timeout"
                break
            except ConnectionResetError:
                end = "reset"
                break
            if not data:
                end = "eof"
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream:
                    status = int(dict(event.headers)[":status"])
                elif isinstance(event, h2.events.DataReceived) and event.stream_id == stream:
                    body += event.data
                    conn.acknowledge_received_data(event.flow_controlled_length, stream)
                elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream:
                    end = "end_stream"
                elif isinstance(event, h2.events.StreamReset) and event.stream_id == stream:
                    end = f"rst_stream {h2.errors.ErrorCodes(event.error_code).name}"
                elif isinstance(event, h2.events.ConnectionTerminated):
                    end = f"goaway {h2.errors.ErrorCodes(event.error_code).name}"
            pending = conn.data_to_send()
            if pending:
                sock.sendall(pending)
    finally:
        sock.close()
    shown = body.decode(errors="replace") if len(body) < 200 else f"{len(body)} bytes"
    return Outcome(time.monotonic() - start, status=status, body=shown, end=end)


def grpc_call(port, method, streaming=False, count=1, host=LOOPBACK, timeout=8.0):
    """A gRPC call on a fresh channel (unary, or server streaming): the messages received, the status code and its
    message."""
    start = time.monotonic()
    messages = []
    with grpc.insecure_channel(f"{host}:{port}") as channel:
        try:
            if streaming:
                for message in channel.unary_stream(method)(bytes([count]), timeout=timeout):
                    messages.append(message.decode())
            else:
                messages.append(channel.unary_unary(method)(bytes([count]), timeout=timeout).decode())
            code, details = "OK", ""
        except grpc.RpcError as error:
            code, details = error.code().name, error.details()
    return Outcome(time.monotonic() - start, messages=messages, code=code, details=details)


# ------------------------------------------------------------------------------------------------ gateways
def config_file(workdir, name, config):
    path = os.path.join(workdir, f"{name}.yaml")
    with open(path, "w") as f:
        f.write(config)
    return path


def lifeline_command(path, *extra):
    return [LIFELINE, "run", "--config", path, "--event-loops", "2", "--drain-time-s", "0", *extra]


def lifeline(workdir, name, config, log_level="info", extra=(), nofile=None):
    path = config_file(workdir, name, config)
    return Process(f"lifeline ({name})", lifeline_command(path, "--log-level", log_level, *extra),
                   os.path.join(workdir, f"{name}.log"), nofile=nofile)


def envoy_command(path, base_id, concurrency=1):
    return ["envoy", "-c", path, "--concurrency", str(concurrency), "--disable-hot-restart", "--base-id",
            str(base_id), "-l", "warning"]


def envoy(workdir, name, config, base_id):
    path = config_file(workdir, name, config)
    return Process(f"envoy ({name})", envoy_command(path, base_id), os.path.join(workdir, f"{name}.log"))


# ------------------------------------------------------------------------------------------------ the gateway's resources
class Usage(dict):
    """What the gateway holds: fds, RSS (KiB), /connections rows, the active-connection gauges of /stats."""

    def __str__(self):
        return (f"fds {self['fds']}, RSS {self['rss_kib'] / 1024:.1f} MiB, /connections {self['rows']}, "
                f"downstream_cx_active {self['downstream_cx_active']}, upstream_cx_active {self['upstream_cx_active']}")


def usage(pid, admin_port):
    fds = fd_count(pid)
    rows = len(json.loads(admin.get(admin_port, "/connections?format=json")))
    values = admin.stats(admin_port)
    # A listener's downstream_cx_active and its connection manager's (http.<prefix>.) count the same connections
    # twice; the listener scopes and the clusters' are the ones summed.
    return Usage(fds=fds, rss_kib=rss_kib(pid), rows=rows,
                 downstream_cx_active=admin.total(values, "downstream_cx_active", "listener"),
                 upstream_cx_active=admin.total(values, "upstream_cx_active", "cluster"))


def settle(pid, admin_port, baseline, within=5.0):
    """Waits up to `within` s for fds, /connections and the gauges to come back to `baseline`; returns the last
    reading and how long it took (None if they did not)."""
    start = time.monotonic()
    while True:
        now = usage(pid, admin_port)
        # The admin request itself holds one fd while it is answered, so fds are read again after the others.
        if (now["rows"] == baseline["rows"] and now["downstream_cx_active"] == baseline["downstream_cx_active"]
                and now["upstream_cx_active"] == baseline["upstream_cx_active"]):
            time.sleep(0.1)
            now["fds"] = fd_count(pid)
            if now["fds"] <= baseline["fds"]:
                return now, time.monotonic() - start
        if time.monotonic() - start > within:
            return now, None
        time.sleep(0.2)
