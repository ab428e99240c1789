"""Filter-chain selection, Envoy vs Lifeline: one listener with `tls_inspector` and several chains (TLS terminated by
exact and wildcard SNI, by ALPN, with mTLS; SNI passthrough to a TLS upstream; plaintext; a default chain on another
listener), the same clients against each gateway, and upstreams that tag what they send back so the client can tell
which chain it was given. Certificates are made for each run with `openssl`, in the work directory."""

import os
import socket
import ssl
import subprocess
import threading
from contextlib import ExitStack
from dataclasses import dataclass

from .binaries import Envoy, Lifeline
from .bootstrap import write
from .processes import LOOPBACK, Gateway, GatewayFailed, free_port
from .report import Result

TCP_PROXY = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"
TLS_INSPECTOR = "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"
DOWNSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"
UPSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"

# Chains of the listener, each proxying to an upstream that answers with the chain's tag.
TAGS = ("exact", "wildcard", "alpn-h2", "alpn-any", "mtls", "passthrough", "plain", "originate")


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    sni: str | None = None  # None: no TLS at all (a plaintext client); "" : TLS without SNI
    alpn: tuple[str, ...] = ()
    client_cert: bool = False
    max_version: ssl.TLSVersion | None = None
    expect: str | None = None  # the tag, or None: the connection is closed or the handshake fails
    expect_peer: str | None = None  # the common name of the certificate the client sees


CASES = [
    Case("plain", "a plaintext client takes the raw_buffer chain", sni=None, expect="plain"),
    Case("exact", "TLS, SNI exact.example.test: the exact server name", sni="exact.example.test", expect="exact",
         expect_peer="gateway.example.test"),
    Case("wildcard", "TLS, SNI other.example.test: the *.example.test chain", sni="other.example.test",
         expect="wildcard", expect_peer="gateway.example.test"),
    Case("wildcard-apex", "TLS, SNI example.test: *.example.test does not match its apex; nothing does",
         sni="example.test"),
    Case("alpn-h2", "TLS, SNI alpn.example.test offering h2: the chain that asks for h2", sni="alpn.example.test",
         alpn=("h2", "http/1.1"), expect="alpn-h2"),
    Case("alpn-other", "TLS, SNI alpn.example.test offering http/1.1 only: the chain without ALPN",
         sni="alpn.example.test", alpn=("http/1.1",), expect="alpn-any"),
    Case("passthrough", "TLS, SNI db.pass.test: passed through; the client sees the upstream's certificate",
         sni="db.pass.test", expect="passthrough", expect_peer="upstream.pass.test"),
    Case("no-match", "TLS, SNI nothing.invalid: no chain; closed", sni="nothing.invalid"),
    Case("no-sni", "TLS without SNI: no chain; closed", sni=""),
    Case("mtls", "mTLS chain with a client certificate", sni="mtls.example.test", client_cert=True, expect="mtls"),
    Case("mtls-none", "mTLS chain without a client certificate: the handshake fails", sni="mtls.example.test"),
    Case("tls11", "TLS 1.1 against a terminating chain: refused by default", sni="exact.example.test",
         max_version=ssl.TLSVersion.TLSv1_1),
    Case("originate", "TLS, SNI origin.example.test: terminated, then TLS again to the upstream with SNI and CA "
         "validation", sni="origin.example.test", expect="originate", expect_peer="gateway.example.test"),
]


class Certificates:
    """A CA, the gateway's certificate (`gateway.example.test` with every test name as a SAN), a passthrough
    upstream's own certificate, an originating upstream's, and a client certificate, all made by `openssl`."""

    def __init__(self, directory: str):
        self.dir = directory
        self.ca_key, self.ca = self._path("ca.key"), self._path("ca.crt")
        self._openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.ca_key, "-out", self.ca,
                      "-days", "2", "-subj", "/CN=conformance test CA")
        self.gateway = self._leaf("gateway", "gateway.example.test",
                                  "DNS:gateway.example.test,DNS:*.example.test,DNS:alpn.example.test", ec=True)
        self.passthrough = self._leaf("passthrough", "upstream.pass.test", "DNS:*.pass.test")
        self.origin = self._leaf("origin", "origin.upstream.test", "DNS:origin.upstream.test")
        self.client = self._leaf("client", "client.example.test", "DNS:client.example.test")

    def _path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def _openssl(self, *args: str):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    def _leaf(self, name: str, common_name: str, sans: str, ec: bool = False) -> tuple[str, str]:
        key, csr, crt, ext = (self._path(f"{name}.{suffix}") for suffix in ("key", "csr", "crt", "ext"))
        if ec:
            self._openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
            self._openssl("req", "-new", "-key", key, "-out", csr, "-subj", f"/CN={common_name}")
        else:
            self._openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                          "-subj", f"/CN={common_name}")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={sans}\n")
        self._openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key, "-CAcreateserial",
                      "-out", crt, "-days", "2", "-extfile", ext)
        return crt, key


class TaggingUpstream(threading.Thread):
    """Accepts connections and sends its tag on each (after a TLS handshake, for a TLS upstream), then holds it."""

    def __init__(self, tag: str, tls: ssl.SSLContext | None = None):
        super().__init__(daemon=True)
        self.tag, self.tls = tag, tls
        self.server = socket.create_server((LOOPBACK, 0))
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.closing = False
        self.connections: list[socket.socket] = []

    def run(self):
        while not self.closing:
            try:
                conn, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            try:
                conn.settimeout(5)
                if self.tls:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                conn.sendall(f"chain={self.tag}\n".encode())
                self.connections.append(conn)
            except (OSError, ssl.SSLError):
                conn.close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.closing = True
        self.join(5)
        for conn in self.connections:
            conn.close()
        self.server.close()
        return False


def _tls(certs: Certificates, certificate: tuple[str, str], *, min_version: str | None = None,
         alpn: list[str] | None = None, mtls: bool = False) -> dict:
    common: dict = {"tls_certificates": [{"certificate_chain": {"filename": certificate[0]},
                                          "private_key": {"filename": certificate[1]}}]}
    if alpn:
        common["alpn_protocols"] = alpn
    if min_version:
        common["tls_params"] = {"tls_minimum_protocol_version": min_version}
    context: dict = {"@type": DOWNSTREAM_TLS, "common_tls_context": common}
    if mtls:
        common["validation_context"] = {"trusted_ca": {"filename": certs.ca}}
        context["require_client_certificate"] = True
    return {"name": "envoy.transport_sockets.tls", "typed_config": context}


def _chain(name: str, match: dict, cluster: str, transport: dict | None = None) -> dict:
    chain = {"name": name, "filter_chain_match": match,
             "filters": [{"name": "envoy.filters.network.tcp_proxy",
                          "typed_config": {"@type": TCP_PROXY, "stat_prefix": name, "cluster": cluster}}]}
    if transport:
        chain["transport_socket"] = transport
    return chain


def _cluster(name: str, port: int, tls: dict | None = None) -> dict:
    cluster = {"name": name, "type": "STATIC", "connect_timeout": "2s",
               "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": [{"endpoint": {
                   "address": {"socket_address": {"address": LOOPBACK, "port_value": port}}}}]}]}}
    if tls:
        cluster["transport_socket"] = {"name": "envoy.transport_sockets.tls", "typed_config": tls}
    return cluster


def bootstrap(port: int, upstreams: dict[str, int], certs: Certificates) -> dict:
    gateway = certs.gateway
    chains = [
        _chain("exact", {"server_names": ["exact.example.test"], "transport_protocol": "tls"}, "exact",
               _tls(certs, gateway)),
        _chain("wildcard", {"server_names": ["*.example.test"], "transport_protocol": "tls"}, "wildcard",
               _tls(certs, gateway)),
        _chain("alpn-h2", {"server_names": ["alpn.example.test"], "application_protocols": ["h2"]}, "alpn-h2",
               _tls(certs, gateway, alpn=["h2"])),
        _chain("alpn-any", {"server_names": ["alpn.example.test"]}, "alpn-any", _tls(certs, gateway)),
        _chain("mtls", {"server_names": ["mtls.example.test"]}, "mtls", _tls(certs, gateway, mtls=True)),
        _chain("passthrough", {"server_names": ["*.pass.test"], "transport_protocol": "tls"}, "passthrough"),
        _chain("plain", {"transport_protocol": "raw_buffer"}, "plain"),
        _chain("originate", {"server_names": ["origin.example.test"]}, "originate", _tls(certs, gateway)),
    ]
    originate_tls = {"@type": UPSTREAM_TLS, "sni": "origin.upstream.test",
                     "common_tls_context": {"validation_context": {"trusted_ca": {"filename": certs.ca}}}}
    return {"static_resources": {
        "listeners": [{
            "name": "chains",
            "address": {"socket_address": {"address": LOOPBACK, "port_value": port}},
            "listener_filters": [{"name": "envoy.filters.listener.tls_inspector",
                                  "typed_config": {"@type": TLS_INSPECTOR}}],
            "filter_chains": chains,
        }],
        "clusters": [_cluster(tag, upstreams[tag], originate_tls if tag == "originate" else None) for tag in TAGS],
    }}


def _client(case: Case, port: int, certs: Certificates) -> tuple[str | None, str | None, str]:
    """Connects as `case` says: (tag received or None, peer certificate's common name or None, what happened)."""
    raw = socket.create_connection((LOOPBACK, port), timeout=5)
    try:
        conn: socket.socket = raw
        peer = None
        if case.sni is None:
            # tls_inspector decides on the first bytes: a plaintext client must say something first.
            raw.sendall(b"hello\n")
        else:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            if case.max_version:
                context.minimum_version = ssl.TLSVersion.TLSv1
                context.maximum_version = case.max_version
                context.set_ciphers("DEFAULT:@SECLEVEL=0")
            if case.alpn:
                context.set_alpn_protocols(list(case.alpn))
            if case.client_cert:
                context.load_cert_chain(*certs.client)
            try:
                conn = context.wrap_socket(raw, server_hostname=case.sni or None)
            except (ssl.SSLError, OSError) as failure:
                return None, None, f"handshake failed: {type(failure).__name__}: {failure}"
            der = conn.getpeercert(binary_form=True)
            peer = _common_name(der) if der else None
        data = b""
        try:
            while not data.endswith(b"\n"):
                chunk = conn.recv(100)
                if not chunk:
                    break
                data += chunk
        except (ssl.SSLError, OSError) as failure:
            return None, peer, f"closed: {type(failure).__name__}: {failure}"
        text = data.decode(errors="replace").strip()
        if not text.startswith("chain="):
            return None, peer, f"closed without a tag ({text!r})"
        return text.removeprefix("chain="), peer, f"tag {text}"
    finally:
        raw.close()


def _common_name(der: bytes) -> str | None:
    pem = ssl.DER_cert_to_PEM_cert(der)
    out = subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253"], input=pem,
                         capture_output=True, text=True, timeout=10).stdout
    for part in out.strip().removeprefix("subject=").split(","):
        if part.strip().startswith("CN="):
            return part.strip()[3:]
    return None


def run(envoy: Envoy, lifeline: Lifeline, workdir: str, base_id: int) -> list[Result]:
    certs = Certificates(workdir)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(*certs.passthrough)
    origin_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    origin_tls.load_cert_chain(*certs.origin)
    seen: dict[str, dict[str, tuple[str | None, str | None, str]]] = {}
    with ExitStack() as stack:
        upstreams = {}
        for tag in TAGS:
            tls = server_tls if tag == "passthrough" else origin_tls if tag == "originate" else None
            upstreams[tag] = stack.enter_context(TaggingUpstream(tag, tls)).port
        for binary in ("envoy", "lifeline"):
            port = free_port()
            config = write(os.path.join(workdir, f"chains-{binary}.json"), bootstrap(port, upstreams, certs))
            command = envoy.run_command(config, base_id) if binary == "envoy" else lifeline.run_command(config)
            log = os.path.join(workdir, f"chains-{binary}.log")
            try:
                with Gateway(binary, command, port, log) as gateway:
                    seen[binary] = {case.id: _client(case, gateway.port, certs) for case in CASES}
            except GatewayFailed as failure:
                seen[binary] = {case.id: (None, None, f"gateway did not start: {failure}") for case in CASES}
    results = []
    for case in CASES:
        for binary in ("envoy", "lifeline"):
            tag, peer, what = seen[binary][case.id]
            ok = tag == case.expect and (case.expect_peer is None or peer == case.expect_peer)
            ok = ok and not what.startswith("gateway did not start")
            if binary == "lifeline":
                ok = ok and seen["envoy"][case.id][0] == tag
            expected = f"tag {case.expect}" if case.expect else "no chain (closed or refused)"
            detail = f"{what}; peer certificate {peer or '-'}; expected {expected}"
            if case.expect_peer:
                detail += f" from {case.expect_peer}"
            results.append(Result(f"chains {case.id} {binary}", ok, detail, case.title))
    return results
