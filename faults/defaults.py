"""Secure defaults, tried against the running release binary (faults/faults.py scenario `secure-defaults`).

What a config that says nothing about them gets:
  admin     an admin address off loopback stops start-up unless `--admin-allow-remote` says so;
  no proxy  only configured clusters are reachable: an absolute-form request, a Host header or a CONNECT naming another
            server on the same machine never reaches it (the request goes to the route's cluster; CONNECT is 404);
  TLS       a TLS listener without `tls_params` refuses TLS 1.1 and accepts TLS 1.2 and 1.3;
  headers   request headers past Envoy's default 60 KiB are answered 431;
  keys      neither `check` (text and JSON), `/config_dump` nor a debug log carries private key material.
"""
import json
import os
import socket
import subprocess
import time
import urllib.request

from faults import LIFELINE, free_port, peers, result


class RecordingHTTPServer(peers.Server):
    """An HTTP/1.1 upstream that answers `200 <name>` and records every request line it receives."""

    def __init__(self, name):
        super().__init__()
        self.label = name.encode()
        self.requests = []

    def serve(self, conn):
        buffered = b""
        while True:
            while b"\r\n\r\n" not in buffered:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffered += chunk
            head, buffered = buffered.split(b"\r\n\r\n", 1)
            self.requests.append(head.split(b"\r\n", 1)[0].decode(errors="replace"))
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(self.label), self.label))


def raw_exchange(port, request, timeout=5):
    """Sends `request` and reads until the gateway closes or a complete response (by content-length) arrived."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        got = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            got += chunk
            head, _, body = got.partition(b"\r\n\r\n")
            length = next((int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")), None)
            if length is not None and len(body) >= length:
                break
        return got


def http_config(port, admin_port, upstream_port, tls=None):
    transport = "" if tls is None else f"""      transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          common_tls_context:
            tls_certificates:
            - certificate_chain: {{ filename: {tls[0]} }}
              private_key: {{ inline_string: {json.dumps(tls[1])} }}
"""
    return f"""admin:
  address: {{ socket_address: {{ address: 127.0.0.1, port_value: {admin_port} }} }}
static_resources:
  listeners:
  - name: defaults
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {port} }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: defaults
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {{ prefix: "/" }}
                route: {{ cluster: configured }}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {{ "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }}
{transport}  clusters:
  - name: configured
    connect_timeout: 1s
    load_assignment:
      cluster_name: configured
      endpoints:
      - lb_endpoints:
        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {upstream_port} }} }} }}
"""


def check_admin_loopback(workdir):
    config = http_config(free_port(), free_port(), free_port()).replace("address: 127.0.0.1, port_value", "address: 0.0.0.0, port_value", 1)
    path = os.path.join(workdir, "defaults-admin.yaml")
    with open(path, "w") as f:
        f.write(config)
    try:
        run = subprocess.run([LIFELINE, "run", "--config", path, "--drain-time-s", "0"], capture_output=True, text=True, timeout=10)
        refused = run.returncode != 0 and "is not a loopback address" in run.stderr
        said = next((l for l in run.stderr.splitlines() if "loopback" in l), run.stderr.strip()[-200:])
    except subprocess.TimeoutExpired:
        refused, said = False, "still running after 10 s"
    return result("secure-defaults: admin off loopback", said, "start-up refused, naming the address", refused)


def check_no_open_proxy(workdir):
    configured, other = RecordingHTTPServer("configured"), RecordingHTTPServer("other")
    configured.start()
    other.start()
    port, admin = free_port(), free_port()
    gw = peers.lifeline(workdir, "defaults-proxy", http_config(port, admin, configured.port))
    try:
        gw.wait_listening(port)
        target = f"127.0.0.1:{other.port}".encode()
        answers = {
            "absolute-form": raw_exchange(port, b"GET http://%s/secret HTTP/1.1\r\nHost: %s\r\n\r\n" % (target, target)),
            "host header": raw_exchange(port, b"GET /secret HTTP/1.1\r\nHost: %s\r\n\r\n" % target),
            "CONNECT": raw_exchange(port, b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (target, target)),
        }
    finally:
        gw.stop()
    statuses = {k: (v.split(b"\r\n", 1)[0].decode(errors="replace"), v.rsplit(b"\r\n\r\n", 1)[-1].decode(errors="replace"))
                for k, v in answers.items()}
    measured = "; ".join(f"{k}: {s} {b!r}" for k, (s, b) in statuses.items()) + f"; other server saw {len(other.requests)}"
    ok = (not other.requests
          and statuses["absolute-form"] == ("HTTP/1.1 200 OK", "configured")
          and statuses["host header"] == ("HTTP/1.1 200 OK", "configured")
          and statuses["CONNECT"][0].startswith("HTTP/1.1 404"))
    return result("secure-defaults: no open proxy", measured,
                  "the configured cluster answers; CONNECT 404; the other server sees nothing", ok)


def make_certificate(workdir):
    crt, key = os.path.join(workdir, "defaults.crt"), os.path.join(workdir, "defaults.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "1", "-keyout", key, "-out", crt, "-subj", "/CN=defaults.test"], check=True, capture_output=True)
    with open(key) as f:
        return crt, f.read()


def s_client(port, version):
    """Whether `openssl s_client` completes a handshake at exactly this version (the client allows old ones)."""
    run = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", f"-{version}",
                          "-cipher", "DEFAULT:@SECLEVEL=0", "-servername", "defaults.test"],
                         input="", capture_output=True, text=True, timeout=10)
    spelled = {"tls1_1": "TLSv1.1", "tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3"}[version]
    return f"New, {spelled}, Cipher is" in run.stdout


def check_tls_and_keys(workdir):
    crt, key = make_certificate(workdir)
    key_lines = [l for l in key.splitlines() if l and not l.startswith("-----")]
    upstream = RecordingHTTPServer("configured")
    upstream.start()
    port, admin = free_port(), free_port()
    config = http_config(port, admin, upstream.port, tls=(crt, key))
    path = os.path.join(workdir, "defaults-tls-check.yaml")
    with open(path, "w") as f:
        f.write(config)
    checked = subprocess.run([LIFELINE, "check", "--config", path], capture_output=True, text=True).stdout
    checked += subprocess.run([LIFELINE, "check", "--json", "--config", path], capture_output=True, text=True).stdout
    # At debug level, so the log has everything Lifeline would ever write about the key.
    gw = peers.lifeline(workdir, "defaults-tls", config, log_level="debug")
    try:
        gw.wait_listening(port)
        versions = {v: s_client(port, v) for v in ("tls1_1", "tls1_2", "tls1_3")}
        dump = urllib.request.urlopen(f"http://127.0.0.1:{admin}/config_dump", timeout=5).read().decode()
    finally:
        logged = gw.stop()
    ok_tls = result("secure-defaults: TLS 1.2 at least", ", ".join(f"{v}: {'handshake' if h else 'refused'}" for v, h in versions.items()),
                    "tls1_1 refused, tls1_2 and tls1_3 handshake",
                    versions == {"tls1_1": False, "tls1_2": True, "tls1_3": True})
    leaks = [where for where, text in (("check", checked), ("/config_dump", dump), ("debug log", logged))
             if "PRIVATE KEY" in text or any(line in text for line in key_lines)]
    ok_keys = result("secure-defaults: no key material", f"key found in: {', '.join(leaks) or 'nothing'}; /config_dump {len(dump)} bytes",
                     "the key in none of check, check --json, /config_dump, a debug log", not leaks and len(dump) > 0)
    return ok_tls and ok_keys


def check_header_limit(workdir):
    upstream = RecordingHTTPServer("configured")
    upstream.start()
    port = free_port()
    gw = peers.lifeline(workdir, "defaults-headers", http_config(port, free_port(), upstream.port))
    try:
        gw.wait_listening(port)
        def request(kib):
            filler = b"x-filler: " + b"a" * (kib * 1024) + b"\r\n"
            return raw_exchange(port, b"GET / HTTP/1.1\r\nHost: h\r\n" + filler + b"\r\n").split(b"\r\n", 1)[0].decode()
        small, large = request(59), request(61)
    finally:
        gw.stop()
    return result("secure-defaults: header limit", f"59 KiB: {small}; 61 KiB: {large}", "59 KiB 200; 61 KiB 431",
                  small == "HTTP/1.1 200 OK" and large.startswith("HTTP/1.1 431"))


def scenario_secure_defaults(workdir):
    ok = check_admin_loopback(workdir)
    ok &= check_no_open_proxy(workdir)
    ok &= check_tls_and_keys(workdir)
    ok &= check_header_limit(workdir)
    return ok
