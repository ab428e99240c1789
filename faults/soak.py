"""A bounded soak (scenario `soak` of faults/faults.py): mixed load with client deaths and upstream restarts, then the
gateway must be back where it started.

For --soak-seconds (120 in CI) client threads run at once against one Lifeline: tcp_proxy echo round trips (L4),
HTTP/1.1 keep-alive requests, HTTP/2 (h2c) streams, gRPC unary calls and gRPC server streams (grpcio), through a
connection manager to an HTTP/1.1 and an HTTP/2 cluster (faults/peers.py servers, each in its own process). Clients
die at random: a connection reset (SO_LINGER 0) or dropped mid-request or mid-stream, a gRPC stream cancelled, and a
gRPC client process killed (SIGKILL) mid-stream every few seconds. The upstream processes are killed (SIGKILL) and
restarted in turn throughout.

After the load stops: descriptors, /connections rows and the active-connection gauges are back to the cold baseline
within a few seconds (pooled upstream connections close at the clusters' 2 s idle_timeout); RSS is within
RSS_TOLERANCE of the warm baseline (taken after a first stretch of the same load, once settled: the allocator keeps
what the first connections made it take); the gateway is idle (CPU over 2 s); its log has no error.
"""
import collections
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from faults import peers  # noqa: E402

SECONDS = 120.0
WARMUP = 0.1  # of the run: load before the RSS baseline
RSS_TOLERANCE_KIB = 16 * 1024
IDLE_CPU = 0.02  # of a core, over 2 s
DEATH = 0.05  # chance a client dies on a given request


def config(ports, upstreams, admin_port):
    h2 = """    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        common_http_protocol_options: { idle_timeout: 2s }
        explicit_http_config: { %s: {} }
"""
    text = f"""admin:
  address: {{ socket_address: {{ address: 127.0.0.1, port_value: {admin_port} }} }}
static_resources:
  listeners:
  - name: l4
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {ports['l4']} }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: l4
          cluster: echo
  - name: http
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {ports['http']} }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: soak
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {{ "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }}
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - {{ match: {{ prefix: /, grpc: {{}} }}, route: {{ cluster: grpc, timeout: 5s }} }}
              - {{ match: {{ prefix: / }}, route: {{ cluster: web, timeout: 5s }} }}
  clusters:
"""
    for name, kind in (("echo", "tcp"), ("web", "http"), ("grpc", "grpc")):
        text += f"""  - name: {name}
    connect_timeout: 1s
    load_assignment:
      cluster_name: {name}
      endpoints:
      - lb_endpoints:
        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {upstreams[kind]} }} }} }}
"""
        if kind == "http":
            text += h2 % "http_protocol_options"
        elif kind == "grpc":
            text += h2 % "http2_protocol_options"
    return text


# ------------------------------------------------------------------------------------------------ upstream processes
class Upstream:
    """One peers server in a process of its own (`soak.py serve KIND PORT`), so that it can be killed outright and
    started again on the same port."""

    def __init__(self, kind, workdir):
        self.kind, self.port = kind, peers.free_port()
        self.log = open(os.path.join(workdir, f"soak-upstream-{kind}.log"), "a")
        self.proc = None
        self.restarts = 0

    def start(self):
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "serve", self.kind, str(self.port)],
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((peers.LOOPBACK, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the {self.kind} upstream did not listen")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self, down_for):
        self.kill()
        time.sleep(down_for)
        self.start()
        self.restarts += 1


def serve(kind, port):
    server = {"tcp": lambda: peers.TcpServer("echo", port=port), "http": lambda: peers.HttpServer(port=port),
              "grpc": lambda: peers.GrpcServer(port=port)}[kind]()
    server.start()
    signal.pause()


# ------------------------------------------------------------------------------------------------ clients
class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()

    def add(self, kind, outcome):
        with self.lock:
            self.counts[(kind, outcome)] += 1


def _die(sock):
    """A client that dies: half the time a reset (SO_LINGER 0), half the time its socket simply dropped."""
    if random.random() < 0.5:
        peers.reset(sock)
    else:
        sock.close()


def l4_client(port, stop, tally):
    while not stop.is_set():
        try:
            sock = socket.create_connection((peers.LOOPBACK, port), timeout=5)
        except OSError:
            tally.add("l4", "connect refused")
            time.sleep(0.1)
            continue
        failed = False
        try:
            for _ in range(random.randint(1, 20)):
                payload = os.urandom(random.randint(1, 65536))
                sock.sendall(payload)
                if random.random() < DEATH:
                    _die(sock)
                    tally.add("l4", "client died")
                    sock = None
                    break
                got = b""
                while len(got) < len(payload):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    got += chunk
                tally.add("l4", "echoed" if got == payload else "closed by gateway")
                if got != payload:
                    failed = True
                    break
        except OSError as error:
            # While the echo upstream is down the gateway closes each new connection with the request unread,
            # which the kernel turns into a reset.
            tally.add("l4", "reset by gateway" if isinstance(error, ConnectionResetError) else type(error).__name__)
            failed = True
        finally:
            if sock:
                sock.close()
        if failed:
            time.sleep(0.05)  # as a client backs off


def h1_client(port, stop, tally):
    sock = None
    while not stop.is_set():
        try:
            if sock is None:
                sock = socket.create_connection((peers.LOOPBACK, port), timeout=6)
            slow = random.random() < DEATH
            path = "/soak/slow" if slow else "/soak/ok"
            sock.sendall(f"GET {path} HTTP/1.1\r\nhost: soak\r\n\r\n".encode())
            if slow:
                time.sleep(random.random() * 0.5)
                _die(sock)
                sock = None
                tally.add("http1", "client died")
                continue
            buf = b""
            while b"\r\n\r\n" not in buf:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                buf += chunk
            head, body = buf.split(b"\r\n\r\n", 1)
            status = head.split(b" ")[1].decode()
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                body += chunk
            tally.add("http1", status)
            if status != "200":
                time.sleep(0.05)
            if b"connection: close" in head.lower():
                sock.close()
                sock = None
        except OSError as error:
            tally.add("http1", type(error).__name__)
            if sock:
                sock.close()
            sock = None
            time.sleep(0.05)
    if sock:
        sock.close()


def h2_client(port, stop, tally):
    while not stop.is_set():
        try:
            count = random.randint(1, 30)
            for _ in range(count):
                if stop.is_set():
                    break
                if random.random() < DEATH:
                    _h2_die(port)
                    tally.add("http2", "client died")
                    continue
                outcome = peers.h2_call(port, "/soak/ok", timeout=6)
                tally.add("http2", str(outcome.get("status")) if outcome.get("end") == "end_stream"
                          else str(outcome.get("end")))
                if outcome.get("status") != 200:
                    time.sleep(0.05)
        except OSError as error:
            tally.add("http2", type(error).__name__)
            time.sleep(0.05)


def _h2_die(port):
    """An HTTP/2 client that asks for a slow answer and dies before it comes."""
    sock = socket.create_connection((peers.LOOPBACK, port), timeout=5)
    conn = peers.h2.connection.H2Connection(peers.h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    conn.send_headers(1, [(":method", "GET"), (":path", "/soak/slow"), (":scheme", "http"), (":authority", "soak")],
                      end_stream=True)
    sock.sendall(conn.data_to_send())
    time.sleep(random.random() * 0.5)
    _die(sock)


def grpc_client(port, stop, tally, streaming):
    kind = "grpc stream" if streaming else "grpc unary"
    while not stop.is_set():
        with peers.grpc.insecure_channel(f"{peers.LOOPBACK}:{port}") as channel:
            for _ in range(random.randint(5, 50)):
                if stop.is_set():
                    break
                try:
                    if streaming:
                        call = channel.unary_stream("/soak.Soak/ticks")(bytes([5]), timeout=6)
                        got = 0
                        for _message in call:
                            got += 1
                            if random.random() < DEATH:
                                call.cancel()
                                tally.add(kind, "client cancelled")
                                break
                        else:
                            tally.add(kind, "OK" if got == 5 else f"OK with {got} messages")
                    else:
                        channel.unary_unary("/soak.Soak/ok")(bytes([1]), timeout=6)
                        tally.add(kind, "OK")
                except peers.grpc.RpcError as error:
                    tally.add(kind, error.code().name)
                    time.sleep(0.05)


def doomed_grpc(port):
    """A gRPC client process that starts a server stream and waits to be killed."""
    with peers.grpc.insecure_channel(f"{peers.LOOPBACK}:{port}") as channel:
        for _ in channel.unary_stream("/soak.Soak/ticks")(bytes([5]), timeout=30):
            pass
        time.sleep(30)


# ------------------------------------------------------------------------------------------------ the scenario
def scenario(workdir, report, seconds):
    upstreams = {kind: Upstream(kind, workdir) for kind in ("tcp", "http", "grpc")}
    for upstream in upstreams.values():
        upstream.start()
    ports = {"l4": peers.free_port(), "http": peers.free_port()}
    admin_port = peers.free_port()
    gateway = peers.lifeline(workdir, "soak", config(ports, {k: u.port for k, u in upstreams.items()}, admin_port),
                             log_level="warning")
    try:
        gateway.wait_listening(ports["l4"])
        gateway.wait_listening(ports["http"])
        time.sleep(0.5)
        return _run(report, gateway, upstreams, ports, admin_port, seconds)
    finally:
        log = gateway.stop()
        for upstream in upstreams.values():
            upstream.kill()
        problems = [line for line in log.splitlines() if " error " in line or " critical " in line]
        if problems:
            print("  gateway log errors:\n    " + "\n    ".join(problems[:20]), flush=True)


def _load(ports, tally, stop, seconds, upstreams):
    workers = [threading.Thread(target=l4_client, args=(ports["l4"], stop, tally)) for _ in range(3)]
    workers += [threading.Thread(target=h1_client, args=(ports["http"], stop, tally)) for _ in range(3)]
    workers += [threading.Thread(target=h2_client, args=(ports["http"], stop, tally)) for _ in range(2)]
    workers += [threading.Thread(target=grpc_client, args=(ports["http"], stop, tally, s)) for s in (False, True) * 2]
    for worker in workers:
        worker.start()
    end = time.monotonic() + seconds
    kinds = list(upstreams)
    next_restart = time.monotonic() + seconds / 8
    next_doomed = time.monotonic() + 1
    doomed = []
    while time.monotonic() < end:
        now = time.monotonic()
        if upstreams and now >= next_restart:
            upstream = upstreams[kinds[0]]
            kinds.append(kinds.pop(0))
            upstream.restart(down_for=random.uniform(0.2, 1.0))
            next_restart = now + seconds / 8
        if now >= next_doomed:
            proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "doomed-grpc", str(ports["http"])],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            doomed.append((now + random.uniform(0.3, 0.8), proc))
            next_doomed = now + 3
        for when, proc in list(doomed):
            if now >= when:
                proc.kill()
                proc.wait()
                doomed.remove((when, proc))
                tally.add("grpc stream", "client process killed")
        time.sleep(0.05)
    stop.set()
    for worker in workers:
        worker.join(30)
    for _, proc in doomed:
        proc.kill()
        proc.wait()


def _run(report, gateway, upstreams, ports, admin_port, seconds):
    pid = gateway.pid
    cold = peers.usage(pid, admin_port)
    tally = Tally()
    warmup = max(2.0, seconds * WARMUP)
    _load(ports, tally, threading.Event(), warmup, {})
    warm, _ = peers.settle(pid, admin_port, cold, within=10)
    print(f"  cold: {cold}\n  warm (after {warmup:.0f} s of load, settled): {warm}", flush=True)
    started = time.monotonic()
    _load(ports, tally, threading.Event(), seconds, upstreams)
    loaded = time.monotonic() - started
    after, settled = peers.settle(pid, admin_port, cold, within=10)
    before_cpu = peers.cpu_seconds(pid)
    time.sleep(2)
    idle = (peers.cpu_seconds(pid) - before_cpu) / 2
    restarts = sum(u.restarts for u in upstreams.values())

    print(f"\n  soak: {loaded:.0f} s of load (+{warmup:.0f} s warm-up), {restarts} upstream restarts", flush=True)
    print(f"  {'client':<14} {'outcome':<34} {'count':>8}")
    for (kind, outcome), count in sorted(tally.counts.items()):
        print(f"  {kind:<14} {outcome:<34} {count:>8}")
    print(f"\n  {'':<26} {'cold':>10} {'warm':>10} {'after':>10}")
    for key, label in (("fds", "fds"), ("rows", "/connections rows"), ("downstream_cx_active", "downstream_cx_active"),
                       ("upstream_cx_active", "upstream_cx_active")):
        print(f"  {label:<26} {cold[key]:>10} {warm[key]:>10} {after[key]:>10}")
    print(f"  {'RSS (MiB)':<26} {cold['rss_kib'] / 1024:>10.1f} {warm['rss_kib'] / 1024:>10.1f} "
          f"{after['rss_kib'] / 1024:>10.1f}")
    print(f"  {'CPU over 2 s after':<26} {idle:>32.1%}\n", flush=True)

    done = sum(count for (kind, outcome), count in tally.counts.items()
               if outcome in ("echoed", "200", "OK"))
    ok = report("soak: load ran", f"{done} requests, round trips and calls answered in {loaded:.0f} s, "
                f"{restarts} upstream restarts", "load on every kind, at least 4 restarts",
                done > 0 and restarts >= 4 and all(any(k == kind and o in ("echoed", "200", "OK")
                                                       for (k, o) in tally.counts)
                                                   for kind in ("l4", "http1", "http2", "grpc unary",
                                                                "grpc stream")))
    when = f"within {settled:.1f} s" if settled is not None else "not within 10 s"
    ok &= report("soak: connections back to baseline", f"{after} ({when})",
                 f"fds {cold['fds']}, /connections {cold['rows']}, gauges 0", settled is not None)
    grown = after["rss_kib"] - warm["rss_kib"]
    ok &= report("soak: memory back to baseline", f"RSS {after['rss_kib'] / 1024:.1f} MiB, {grown / 1024:+.1f} MiB "
                 "against the warm baseline", f"at most +{RSS_TOLERANCE_KIB // 1024} MiB", grown <= RSS_TOLERANCE_KIB)
    ok &= report("soak: idle afterwards", f"{idle:.1%} of a core over 2 s", f"< {IDLE_CPU:.0%}", idle < IDLE_CPU)
    log = gateway.text()
    errors = [line for line in log.splitlines() if " error " in line or " critical " in line]
    ok &= report("soak: no errors logged", f"{len(errors)} error lines, "
                 f"{sum(' warning ' in line for line in log.splitlines())} warnings", "no error lines", not errors)
    return ok


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "doomed-grpc":
        doomed_grpc(int(sys.argv[2]))
