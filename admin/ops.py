#!/usr/bin/env python3
"""Operating Lifeline, end to end: the admin endpoint, reload and drain, against the real binary on loopback.

  admin/run [--only endpoints,reload,sighup,drain] [--no-build]

Scenarios:
  endpoints  Every admin endpoint with curl: /ready, /server_info, /config_dump (provenance, no key material),
             /listeners, /clusters, /stats (?filter, ?usedonly, ?format=json), /stats/prometheus (parsed by
             prometheus_client), /connections (?format=json, ?listener, ?cluster) showing a held connection's
             keepalive read back from its socket, the page at /, POST /healthcheck/fail|ok, /logging, 404 and 405;
             every log line JSON with --log-format json.
  reload     1,000 connections held open through a tcp_proxy listener; the config changes on disk (the listener's
             keepalive time, a listener added, the TLS listener's certificate rotated): the watch reloads it, no
             connection drops (each still echoes), new connections carry the new keepalive time, the new listener
             accepts, a TLS handshake sees the new certificate; SIGHUP with an unchanged config changes nothing; a
             broken config (POST /reload) is refused with its path-named error and the old config keeps serving.
  sighup     The file watch off (--watch-interval-s 0): a changed config is not applied until SIGHUP; then a
             long-lived connection and a gRPC stream in flight go on and new connections get the new keepalive.
  drain      SIGTERM with an HTTP/1.1 request, an HTTP/2 request and a gRPC server stream in flight and an idle
             tcp_proxy connection: /ready turns 503 at once, the listeners stop accepting, the HTTP/1.1 response
             carries `connection: close`, every request and stream that finishes within the drain time completes,
             the idle connection is closed when the drain time is up, and the process exits 0; without the idle
             connection it exits as soon as the last stream ends.
  second-signal  A drain held open by an idle connection ends at once on a second SIGTERM (exit 0).
"""
import argparse
import http.server
import json
import os
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
from faults.peers import TcpServer  # noqa: E402  (the faults suite's echoing upstream)

LIFELINE = os.environ.get("LIFELINE", os.path.join(ROOT, ".build", "release", "lifeline"))
RESULTS = []


def result(sid, measured, expected, ok):
    RESULTS.append((sid, measured, expected, ok))
    print(f"{'PASS' if ok else 'FAIL'} {sid}: {measured} (expected {expected})", flush=True)
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


# ------------------------------------------------------------------------------------------------------- upstreams
class SlowHandler(http.server.BaseHTTPRequestHandler):
    """`/slow?ms=N` answers after N ms; anything else at once."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        delay = 0
        if self.path.startswith("/slow"):
            delay = int(self.path.split("ms=", 1)[1]) / 1000 if "ms=" in self.path else 1
        time.sleep(delay)
        body = f"done {self.path}\n".encode()
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HTTPUpstream:
    def __init__(self):
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SlowHandler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class GrpcUpstream:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "examples", "grpc_demo.py"), "server",
                                      str(self.port)], stderr=subprocess.DEVNULL)
        wait_for(lambda: can_connect(self.port), 20)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def can_connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------------------- config
def certificate(workdir, name, cn):
    crt, key = os.path.join(workdir, f"{name}.crt"), os.path.join(workdir, f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", crt, "-days", "2", "-subj", f"/CN={cn}",
                    "-addext", "subjectAltName=DNS:ops.example.test"], check=True, capture_output=True)
    return crt, key


def config(ports, keepidle=15, extra_listener=False, tls=None, broken=False):
    """A gateway: a tcp_proxy listener with keepalive, an HCM (h2c and HTTP/1.1) to the HTTP and gRPC upstreams, a
    TLS tcp_proxy listener, optionally one more listener, and the admin endpoint."""
    listeners = f"""
  - name: tcp
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {ports['tcp']} }} }}
    enable_reuse_port: true
    tcp_keepalive: {{ keepalive_time: {keepidle}, keepalive_interval: 15, keepalive_probes: 3 }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: echo_tcp
          cluster: echo
  - name: http
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {ports['http']} }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ops_http
          codec_type: AUTO
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {{ prefix: "/demo.Greeter/" }}
                route: {{ cluster: grpc, timeout: 0s }}
              - match: {{ prefix: "/" }}
                route: {{ cluster: web, timeout: 0s }}
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
"""
    if tls:
        crt, key = tls
        listeners += f"""
  - name: tls
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {ports['tls']} }} }}
    filter_chains:
    - transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          common_tls_context:
            tls_certificates:
            - certificate_chain: {{ filename: {crt} }}
              private_key: {{ filename: {key} }}
      filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: echo_tls
          cluster: echo
"""
    if extra_listener:
        listeners += f"""
  - name: added
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {ports['added']} }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: added
          cluster: echo
"""
    def cluster(name, port, h2=False):
        options = """
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }""" if h2 else ""
        return f"""
  - name: {name}
    connect_timeout: 1s{options}
    load_assignment:
      cluster_name: {name}
      endpoints:
      - lb_endpoints:
        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {port} }} }} }}
"""
    text = f"""admin:
  address: {{ socket_address: {{ address: 127.0.0.1, port_value: {ports['admin']} }} }}
static_resources:
  listeners:{listeners}
  clusters:{cluster('echo', ports['echo'])}{cluster('web', ports['web'])}{cluster('grpc', ports['grpc'], h2=True)}"""
    if broken:
        text = text.replace("keepalive_probes: 3", "keepalive_probes: -3")
    return text


# --------------------------------------------------------------------------------------------------------- gateway
class Gateway:
    def __init__(self, workdir, name, text, args=()):
        self.workdir = workdir
        self.config = os.path.join(workdir, f"{name}.yaml")
        self.write(text)
        self.logpath = os.path.join(workdir, f"{name}.log")
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen([LIFELINE, "run", "--config", self.config, "--event-loops", "2", *args],
                                     stdout=self.log, stderr=self.log)

    def write(self, text):
        # Replace, as a ConfigMap update does: the watch must see a new file, never a half-written one.
        temporary = self.config + ".new"
        with open(temporary, "w") as f:
            f.write(text)
        os.replace(temporary, self.config)

    def wait_ready(self, admin_port, timeout=30):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"lifeline exited {self.proc.returncode}: {self.logtext()[-2000:]}")
            try:
                return admin(admin_port, "/ready")[0] == 200
            except (OSError, ValueError, IndexError):
                return False
        if not wait_for(ready, timeout):
            raise RuntimeError(f"lifeline not ready: {self.logtext()[-2000:]}")

    def logtext(self):
        self.log.flush()
        with open(self.logpath) as f:
            return f.read()

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def admin(port, path, method="GET"):
    """(status, headers, body) of an admin request, made with curl as an operator would."""
    out = subprocess.run(["curl", "-s", "-S", "-m", "10", "-X", method, "-D", "-", "-o", "-",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True)
    if out.returncode != 0:
        raise ConnectionError(f"curl {path}: {out.stderr.decode().strip()}")
    text = out.stdout.decode(errors="replace")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def hold(port, n):
    """n connections through the gateway, each checked to echo once."""
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        conns.append(s)
    for i, s in enumerate(conns):
        s.sendall(b"%d\n" % i)
    for i, s in enumerate(conns):
        expect(s, b"%d\n" % i)
    return conns


def expect(s, data, timeout=10):
    s.settimeout(timeout)
    got = b""
    while len(got) < len(data):
        chunk = s.recv(len(data) - len(got))
        if not chunk:
            raise ConnectionError("closed")
        got += chunk
    if got != data:
        raise ConnectionError(f"got {got!r}")


def still_echo(conns, tag):
    alive = 0
    for i, s in enumerate(conns):
        try:
            message = b"%s %d\n" % (tag, i)
            s.sendall(message)
            expect(s, message)
            alive += 1
        except OSError:
            pass
    return alive


def connection_row(admin_port, local_port, listener=None):
    query = "/connections?format=json" + (f"&listener={listener}" if listener else "")
    rows = json.loads(admin(admin_port, query)[2])
    for row in rows:
        if row.get("direction") == "downstream" and str(row.get("peer", "")).endswith(f":{local_port}"):
            return row
    return None


def keepalive_idle(row):
    keepalive = row.get("keepalive") or {}
    return keepalive.get("idle_s")


def served_certificate(port):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="ops.example.test") as tls:
            der = tls.getpeercert(binary_form=True)
    out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"], input=der,
                         capture_output=True, check=True)
    return out.stdout.decode().strip()


# ------------------------------------------------------------------------------------------------------- scenarios
def ports_for(echo, web, grpc):
    return {"tcp": free_port(), "http": free_port(), "tls": free_port(), "added": free_port(),
            "admin": free_port(), "echo": echo.port, "web": web.port, "grpc": grpc.port}


def scenario_endpoints(workdir, echo, web, grpc):
    from prometheus_client.parser import text_string_to_metric_families

    ports = ports_for(echo, web, grpc)
    tls = certificate(workdir, "endpoints", "ops-endpoints")
    gw = Gateway(workdir, "endpoints", config(ports, tls=tls), args=("--log-format", "json"))
    ok = True
    try:
        gw.wait_ready(ports["admin"])
        a = ports["admin"]
        held = hold(ports["tcp"], 1)[0]
        local = held.getsockname()[1]
        subprocess.run(["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{ports['http']}/hello"], check=True)

        status, _, body = admin(a, "/ready")
        ok &= result("endpoints /ready", f"{status} {body.strip()}", "200 LIVE", status == 200 and body == "LIVE\n")
        info = json.loads(admin(a, "/server_info")[2])
        ok &= result("endpoints /server_info", info.get("state"), "LIVE", info.get("state") == "LIVE")
        dump = admin(a, "/config_dump")[2]
        ok &= result("endpoints /config_dump", "socket options with provenance, no key",
                     "SO_KEEPALIVE from tcp_keepalive, no PRIVATE KEY",
                     "SO_KEEPALIVE" in dump and "tcp_keepalive" in dump and "PRIVATE KEY" not in dump
                     and json.loads(dump) is not None)
        listeners = admin(a, "/listeners")[2]
        ok &= result("endpoints /listeners", listeners.strip().replace("\n", " | "), f"tcp::127.0.0.1:{ports['tcp']}",
                     f"tcp::127.0.0.1:{ports['tcp']}" in listeners)
        listeners_json = json.loads(admin(a, "/listeners?format=json")[2])
        ok &= result("endpoints /listeners?format=json", len(listeners_json.get("listener_statuses", [])), 3,
                     len(listeners_json.get("listener_statuses", [])) == 3)
        clusters = admin(a, "/clusters")[2]
        ok &= result("endpoints /clusters", "echo host line", f"echo::127.0.0.1:{echo.port}::cx_active::1",
                     f"echo::127.0.0.1:{echo.port}::cx_active::1" in clusters)

        stats = admin(a, "/stats")[2]
        line = next((l for l in stats.splitlines() if l.startswith("cluster.echo.upstream_cx_total:")), None)
        ok &= result("endpoints /stats", line, "cluster.echo.upstream_cx_total: 1", line == "cluster.echo.upstream_cx_total: 1")
        filtered = admin(a, "/stats?filter=upstream_cx_total")[2].splitlines()
        ok &= result("endpoints /stats?filter", f"{len(filtered)} lines", "all matching upstream_cx_total",
                     filtered and all("upstream_cx_total" in l for l in filtered))
        used = admin(a, "/stats?usedonly")[2].splitlines()
        ok &= result("endpoints /stats?usedonly", f"{len(used)} of {len(stats.splitlines())} lines", "fewer, no zero counters",
                     0 < len(used) < len(stats.splitlines()))
        stats_json = json.loads(admin(a, "/stats?format=json")[2])
        ok &= result("endpoints /stats?format=json", f"{len(stats_json.get('stats', []))} stats", "a stats array",
                     len(stats_json.get("stats", [])) > 10)
        status, headers, prom = admin(a, "/stats/prometheus")
        families = {f.name: f for f in text_string_to_metric_families(prom)}
        samples = [s for f in families.values() for s in f.samples]
        cx = [s for s in samples if s.name.startswith("envoy_cluster_upstream_cx_total")
              and s.labels.get("envoy_cluster_name") == "echo"]
        ok &= result("endpoints /stats/prometheus", f"{len(families)} families; echo cx_total {cx[0].value if cx else None}",
                     "parsed by prometheus_client; envoy_cluster_upstream_cx_total{envoy_cluster_name=echo} 1",
                     status == 200 and bool(cx) and cx[0].value == 1)

        row = connection_row(a, local)
        ok &= result("endpoints /connections?format=json", row and {k: row.get(k) for k in ("listener", "cluster")},
                     "the held connection, keepalive 15/15/3 read back",
                     row is not None and keepalive_idle(row) == 15)
        text = admin(a, "/connections")[2]
        ok &= result("endpoints /connections", "text table", f"a line with :{local}", f":{local}" in text)
        only_http = json.loads(admin(a, "/connections?format=json&listener=http")[2])
        ok &= result("endpoints /connections?listener=http", len(only_http), "no tcp connection",
                     all(r.get("listener") == "http" for r in only_http if r.get("direction") == "downstream"))
        by_cluster = json.loads(admin(a, "/connections?format=json&cluster=echo")[2])
        ok &= result("endpoints /connections?cluster=echo", len(by_cluster), "≥ 2 (both legs)", len(by_cluster) >= 2)
        page = admin(a, "/")[2]
        ok &= result("endpoints /", "html page", "<html", "<html" in page.lower())

        admin(a, "/healthcheck/fail", "POST")
        failed = admin(a, "/ready")
        admin(a, "/healthcheck/ok", "POST")
        back = admin(a, "/ready")
        ok &= result("endpoints /healthcheck/fail, ok", f"{failed[0]} {failed[2].strip()} → {back[0]}",
                     "503 DRAINING → 200", failed[0] == 503 and back[0] == 200)
        debug = admin(a, "/logging?level=debug", "POST")
        bogus = admin(a, "/logging?level=loud", "POST")
        ok &= result("endpoints /logging", f"{debug[0]} / {bogus[0]}", "200 / 400",
                     debug[0] == 200 and "debug" in debug[2] and bogus[0] == 400)
        missing = admin(a, "/nope")
        wrong = admin(a, "/drain_listeners")
        ok &= result("endpoints 404 / 405", f"{missing[0]} / {wrong[0]}", "404 / 405", missing[0] == 404 and wrong[0] == 405)
        held.close()
    finally:
        code = gw.stop()
    lines = [l for l in open(gw.logpath).read().splitlines() if l.strip()]
    bad = [l for l in lines if not is_json(l)]
    ok &= result("endpoints --log-format json", f"{len(lines)} lines, {len(bad)} not JSON", "all JSON",
                 lines and not bad)
    ok &= result("endpoints exit", code, 0, code == 0)
    return ok


def is_json(line):
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def scenario_reload(workdir, echo, web, grpc, n=1000):
    ports = ports_for(echo, web, grpc)
    tls = certificate(workdir, "reload", "ops-before")
    gw = Gateway(workdir, "reload", config(ports, tls=tls))
    ok = True
    try:
        a = ports["admin"]
        gw.wait_ready(a)
        before_cert = served_certificate(ports["tls"])
        conns = hold(ports["tcp"], n)
        tls_context = ssl.create_default_context()
        tls_context.check_hostname = False
        tls_context.verify_mode = ssl.CERT_NONE
        tls_conn = tls_context.wrap_socket(socket.create_connection(("127.0.0.1", ports["tls"])),
                                           server_hostname="ops.example.test")
        old_row = connection_row(a, conns[0].getsockname()[1])

        # Rotate the certificate in place (same file names, as a Secret update), raise the keepalive time, add a
        # listener: the watch must pick all of it up without a signal.
        certificate(workdir, "reload-new", "ops-after")
        os.replace(os.path.join(workdir, "reload-new.crt"), tls[0])
        os.replace(os.path.join(workdir, "reload-new.key"), tls[1])
        gw.write(config(ports, keepidle=30, extra_listener=True, tls=tls))
        applied = wait_for(lambda: "reload: applied" in gw.logtext(), 15)
        ok &= result("reload watch", "applied" if applied else "not applied", "reload: applied", applied)

        alive = still_echo(conns, b"after")
        ok &= result("reload connections kept", f"{alive}/{n} echo", f"{n}/{n}", alive == n)
        tls_conn.sendall(b"tls after\n")
        try:
            expect(tls_conn, b"tls after\n")
            tls_alive = True
        except OSError:
            tls_alive = False
        ok &= result("reload TLS connection kept", tls_alive, True, tls_alive)
        fresh = hold(ports["tcp"], 1)[0]
        new_row = wait_for(lambda: connection_row(a, fresh.getsockname()[1]), 5)
        still_old = connection_row(a, conns[0].getsockname()[1])
        ok &= result("reload keepalive", f"old {keepalive_idle(old_row)} → {keepalive_idle(still_old) if still_old else None}, "
                     f"new {keepalive_idle(new_row) if new_row else None}", "old 15, new 30",
                     keepalive_idle(still_old or {}) == 15 and new_row is not None and keepalive_idle(new_row) == 30)
        added_conns = hold(ports["added"], 1) if can_connect(ports["added"]) else []
        added = len(added_conns) == 1 and still_echo(added_conns, b"added") == 1
        ok &= result("reload listener added", added, True, added)
        after_cert = served_certificate(ports["tls"])
        ok &= result("reload certificate", f"{before_cert} → {after_cert}", "CN=ops-before → CN=ops-after",
                     "ops-before" in before_cert and "ops-after" in after_cert)

        # SIGHUP with nothing changed; then a broken config: refused, nothing changes.
        gw.proc.send_signal(signal.SIGHUP)
        unchanged = wait_for(lambda: "reload: config unchanged" in gw.logtext(), 10)
        ok &= result("reload SIGHUP unchanged", unchanged, True, unchanged)
        gw.write(config(ports, keepidle=30, extra_listener=True, tls=tls, broken=True))
        status, _, body = admin(a, "/reload", "POST")
        ok &= result("reload broken config", f"{status}: {body.strip().splitlines()[-1] if body.strip() else ''}",
                     "400 naming keepalive_probes", status == 400 and "keepalive_probes" in body)
        alive = still_echo(conns, b"broken")
        newest = hold(ports["tcp"], 1)
        serving = still_echo(newest, b"new") == 1
        ok &= result("reload broken config changes nothing", f"{alive}/{n} echo, new connections {serving}",
                     f"{n}/{n}, True", alive == n and serving)
        logged = "keepalive_probes" in gw.logtext()
        ok &= result("reload broken config logged", logged, True, logged)
        # Every connection ends, so the SIGTERM's drain is over at once.
        for s in conns + added_conns + newest + [fresh, tls_conn]:
            s.close()
    finally:
        code = gw.stop()
    ok &= result("reload exit", code, 0, code == 0)
    return ok


def scenario_sighup(workdir, echo, web, grpc):
    """A config change applied by SIGHUP alone (the file watch off): a long-lived connection and a gRPC stream in
    flight go on; new connections get the new keepalive time."""
    import grpc as grpclib

    ports = ports_for(echo, web, grpc)
    gw = Gateway(workdir, "sighup", config(ports), args=("--watch-interval-s", "0", "--drain-time-s", "5"))
    ok = True
    try:
        a = ports["admin"]
        gw.wait_ready(a)
        held = hold(ports["tcp"], 1)
        received = []

        def stream():
            with grpclib.insecure_channel(f"127.0.0.1:{ports['http']}") as ch:
                call = ch.unary_stream("/demo.Greeter/Count", request_serializer=str.encode,
                                       response_deserializer=bytes.decode)
                try:
                    for message in call("4", timeout=20):
                        received.append(message)
                except grpclib.RpcError as error:
                    received.append(f"error {error.code()}")

        streaming = threading.Thread(target=stream)
        streaming.start()
        time.sleep(1)
        gw.write(config(ports, keepidle=45))
        time.sleep(1.5)
        untouched = "reload:" not in gw.logtext()
        ok &= result("sighup watch off", "no reload before the signal" if untouched else "reloaded", "none", untouched)
        gw.proc.send_signal(signal.SIGHUP)
        applied = wait_for(lambda: "reload: applied" in gw.logtext() and "reload.trigger=SIGHUP" in gw.logtext(), 10)
        ok &= result("sighup applied", applied, True, applied)
        alive = still_echo(held, b"after") == 1
        ok &= result("sighup long-lived connection", "echoes" if alive else "dropped", "echoes", alive)
        streaming.join(20)
        ok &= result("sighup gRPC stream across the reload", received, "['1', '2', '3', '4']",
                     received == ["1", "2", "3", "4"])
        fresh = hold(ports["tcp"], 1)
        row = wait_for(lambda: connection_row(a, fresh[0].getsockname()[1]), 5)
        ok &= result("sighup new keepalive", keepalive_idle(row or {}), 45, keepalive_idle(row or {}) == 45)
        for s in held + fresh:
            s.close()
    finally:
        code = gw.stop()
    ok &= result("sighup exit", code, 0, code == 0)
    return ok


def scenario_drain(workdir, echo, web, grpc):
    import grpc as grpclib

    ok = True
    for idle_connection in (True, False):
        tag = "drain" if idle_connection else "drain-no-idle"
        ports = ports_for(echo, web, grpc)
        drain_time = 8
        gw = Gateway(workdir, tag, config(ports), args=("--drain-time-s", str(drain_time),
                                                        "--drain-strategy", "immediate"))
        try:
            a = ports["admin"]
            gw.wait_ready(a)
            outcomes = {}

            def h1():
                with socket.create_connection(("127.0.0.1", ports["http"])) as s:
                    s.sendall(b"GET /slow?ms=3000 HTTP/1.1\r\nhost: ops\r\n\r\n")
                    s.settimeout(15)
                    data = b""
                    while b"done" not in data:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    outcomes["h1"] = data.decode(errors="replace")

            def h2():
                out = subprocess.run(["curl", "-s", "--http2-prior-knowledge", "-m", "15",
                                      f"http://127.0.0.1:{ports['http']}/slow?ms=3000"], capture_output=True)
                outcomes["h2"] = out.stdout.decode()

            def stream():
                with grpclib.insecure_channel(f"127.0.0.1:{ports['http']}") as ch:
                    call = ch.unary_stream("/demo.Greeter/Count", request_serializer=str.encode,
                                           response_deserializer=bytes.decode)
                    try:
                        outcomes["grpc"] = list(call("4", timeout=20))
                    except grpclib.RpcError as error:
                        outcomes["grpc"] = f"error {error.code()}"

            threads = [threading.Thread(target=f) for f in (h1, h2, stream)]
            for t in threads:
                t.start()
            idle = hold(ports["tcp"], 1)[0] if idle_connection else None
            time.sleep(1)
            started = time.monotonic()
            gw.proc.send_signal(signal.SIGTERM)
            ready = wait_for(lambda: admin(a, "/ready")[0] == 503, 2, 0.01)
            ok &= result(f"{tag} /ready", "503" if ready else "not 503", "503 at once", ready)
            refused = wait_for(lambda: not can_connect(ports["tcp"]) and not can_connect(ports["http"]), 2)
            ok &= result(f"{tag} stops accepting", refused, True, refused)
            for t in threads:
                t.join(20)
            h1_ok = "done" in outcomes.get("h1", "") and "connection: close" in outcomes.get("h1", "").lower()
            ok &= result(f"{tag} HTTP/1.1 in flight", outcomes.get("h1", "").split("\r\n")[0],
                         "200 with connection: close", h1_ok)
            ok &= result(f"{tag} HTTP/2 in flight", outcomes.get("h2", "").strip(), "done /slow?ms=3000",
                         "done" in outcomes.get("h2", ""))
            ok &= result(f"{tag} gRPC stream", outcomes.get("grpc"), "['1', '2', '3', '4']",
                         outcomes.get("grpc") == ["1", "2", "3", "4"])
            try:
                gw.proc.wait(drain_time + 10)
            except subprocess.TimeoutExpired:
                pass
            elapsed = time.monotonic() - started
            if idle_connection:
                ok &= result(f"{tag} exit", f"code {gw.proc.returncode} after {elapsed:.1f} s",
                             f"0 after the drain time ({drain_time} s)",
                             gw.proc.returncode == 0 and drain_time - 0.5 <= elapsed <= drain_time + 3)
                idle.settimeout(2)
                try:
                    closed = idle.recv(1) == b""
                except OSError:
                    closed = True
                ok &= result(f"{tag} idle connection", "closed" if closed else "open", "closed at the end", closed)
            else:
                ok &= result(f"{tag} exit", f"code {gw.proc.returncode} after {elapsed:.1f} s",
                             "0 once the last stream ended (about 4 s)",
                             gw.proc.returncode == 0 and elapsed < drain_time - 1)
        finally:
            gw.stop()
    return ok


def scenario_second_signal(workdir, echo, web, grpc):
    """An idle connection holds a drain of 60 s open; a second SIGTERM closes it at once and the process exits 0."""
    ports = ports_for(echo, web, grpc)
    gw = Gateway(workdir, "second-signal", config(ports), args=("--drain-time-s", "60"))
    ok = True
    try:
        gw.wait_ready(ports["admin"])
        idle = hold(ports["tcp"], 1)
        started = time.monotonic()
        gw.proc.send_signal(signal.SIGTERM)
        time.sleep(1.5)
        draining = gw.proc.poll() is None
        ok &= result("second-signal first SIGTERM", "draining" if draining else "exited", "draining", draining)
        gw.proc.send_signal(signal.SIGTERM)
        try:
            gw.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        elapsed = time.monotonic() - started
        ok &= result("second-signal exit", f"code {gw.proc.returncode} after {elapsed:.1f} s",
                     "0 soon after the second signal", gw.proc.returncode == 0 and elapsed < 5)
        idle[0].close()
    finally:
        gw.stop()
    return ok


SCENARIOS = {"endpoints": scenario_endpoints, "reload": scenario_reload, "sighup": scenario_sighup,
             "drain": scenario_drain, "second-signal": scenario_second_signal}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SCENARIOS))
    args = parser.parse_args()
    if not os.path.exists(LIFELINE):
        sys.exit(f"no lifeline binary at {LIFELINE}")
    echo, web, grpc = TcpServer(), HTTPUpstream(), GrpcUpstream()
    echo.start()
    ok = True
    try:
        with tempfile.TemporaryDirectory(prefix="lifeline-ops-") as workdir:
            for name in args.only.split(","):
                try:
                    ok &= SCENARIOS[name](workdir, echo, web, grpc)
                except Exception as error:  # a scenario that breaks is a failure, and the others still run
                    ok &= result(name, f"raised {error!r}", "no error", False)
    finally:
        grpc.stop()
    failed = [r for r in RESULTS if not r[3]]
    print(f"\n{len(RESULTS) - len(failed)}/{len(RESULTS)} checks passed", flush=True)
    return 0 if ok and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
