"""Upstream faults, Lifeline and a real Envoy 1.40 side by side (scenario `upstream` of faults/faults.py).

One config, run by both gateways: a connection manager (codec AUTO: HTTP/1.1 and h2c) whose routes (timeout 2 s) lead
to an HTTP/1.1 and a gRPC (HTTP/2) cluster per fault, and a tcp_proxy listener (idle_timeout 3 s) per fault; every
cluster's connect_timeout is 1 s. The faults (faults/peers.py):

  refuse         the endpoint's port is closed: the connect is refused
  silent         the endpoint accepts and never answers (not even HTTP/2 SETTINGS)
  reset-before   RST (SO_LINGER 0) after the request head, before any response byte
  reset-after    RST after the response head                       (HTTP/1.1, HTTP/2, gRPC)
  reset-mid      RST after part of the body / one gRPC message      (tcp_proxy: after b"partial")
  vanish-before  the endpoint, in its own network namespace (198.18.200.2), has every packet dropped before the
                 request: the connect times out
  vanish-mid     … dropped after the request went out (tcp_proxy: after an echo round trip)

Each fault is met by a tcp_proxy client, an HTTP/1.1 client, an HTTP/2 client (h2) and a gRPC client (grpcio), one
call against each gateway at the same moment; what the client saw (status, body, how the stream or connection ended,
gRPC code and message), the access log's response flags and the time to the answer or close must be Envoy's (time
within 0.5 s or 25 %). After each group (tcp_proxy, HTTP/1.1, HTTP/2, gRPC) Lifeline's descriptors, /connections,
active-connection gauges and RSS must be back to what they were before the group.
"""
import os
import re
import socket
import threading
import time

from faults import peers

ROUTE_TIMEOUT, CONNECT_TIMEOUT, TCP_IDLE = 2, 1, 3
RSS_TOLERANCE_KIB = 8 * 1024
FAULTS = ("refuse", "silent", "reset-before", "reset-after", "reset-mid", "vanish-before", "vanish-mid")

H2 = """    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        common_http_protocol_options: {{ idle_timeout: 2s }}
        explicit_http_config: {{ {protocol}: {{}} }}
"""


def _access_log(path, indent):
    if path is None:
        return ""
    pad = " " * indent
    return (f"{pad}access_log:\n{pad}- name: envoy.access_loggers.file\n{pad}  typed_config:\n"
            f'{pad}    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog\n'
            f"{pad}    path: {path}\n")


def config(ports, endpoints, admin_port=None, access_dir=None):
    """The one config both gateways run; Envoy's adds access logs (Lifeline logs each request and connection)."""
    log = (lambda name: os.path.join(access_dir, f"{name}.log")) if access_dir else (lambda name: None)
    routes = []
    for fault in ("refuse", "silent", "reset", "vanish"):
        routes.append(f"              - {{ match: {{ prefix: /faults.{fault.title()}/, grpc: {{}} }}, "
                      f"route: {{ cluster: {fault}-grpc, timeout: {ROUTE_TIMEOUT}s }} }}")
        routes.append(f"              - {{ match: {{ prefix: /{fault}/ }}, route: {{ cluster: {fault}-http, "
                      f"timeout: {ROUTE_TIMEOUT}s }} }}")
    text = ""
    if admin_port is not None:
        text += f"admin:\n  address: {{ socket_address: {{ address: 127.0.0.1, port_value: {admin_port} }} }}\n"
    text += f"""static_resources:
  listeners:
  - name: http
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {ports['http']} }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: faults
{_access_log(log('http'), 10)}          http_filters:
          - name: envoy.filters.http.router
            typed_config: {{ "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }}
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
""" + "\n".join(routes) + "\n"
    for fault in ("refuse", "silent", "reset-mid", "vanish-before", "vanish-mid"):
        cluster = {"reset-mid": "reset", "vanish-before": "vanish", "vanish-mid": "vanish"}.get(fault, fault)
        text += f"""  - name: tcp-{fault}
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {ports['tcp-' + fault]} }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: tcp-{fault}
          cluster: {cluster}-tcp
          idle_timeout: {TCP_IDLE}s
{_access_log(log('tcp-' + fault), 10)}"""
    text += "  clusters:\n"
    for name, (host, port) in endpoints.items():
        text += f"""  - name: {name}
    connect_timeout: {CONNECT_TIMEOUT}s
    load_assignment:
      cluster_name: {name}
      endpoints:
      - lb_endpoints:
        - endpoint: {{ address: {{ socket_address: {{ address: {host}, port_value: {port} }} }} }}
"""
        if name.endswith("-grpc"):
            text += H2.format(protocol="http2_protocol_options")
        elif name.endswith("-http"):
            text += H2.format(protocol="http_protocol_options")
    return text


# ------------------------------------------------------------------------------------------------ the cases
def _tcp_vanish_mid(port):
    """Echo round trip, then (the endpoint vanishes at 0.3 s) more bytes at 0.6 s: what comes back and when the
    gateway closes, timed from those bytes."""
    sock = socket.create_connection((peers.LOOPBACK, port), timeout=8)
    try:
        sock.sendall(b"hello")
        echoed = sock.recv(100)
        time.sleep(0.6)
        start = time.monotonic()
        sock.sendall(b"more")
        got, end = b"", "timeout"
        while True:
            try:
                data = sock.recv(100)
            except socket.timeout:
                break
            except ConnectionResetError:
                end = "reset"
                break
            if not data:
                end = "eof"
                break
            got += data
        return peers.Outcome(time.monotonic() - start, echoed=echoed.decode(), received=got.decode(), end=end)
    finally:
        sock.close()


def cases(ports):
    """(group, case id, fault, log key, call(port map) → Outcome) for every fault and client."""
    out = []
    tcp_port = {"refuse": "tcp-refuse", "silent": "tcp-silent", "reset-mid": "tcp-reset-mid",
                "vanish-before": "tcp-vanish-before"}
    for fault, listener in tcp_port.items():
        out.append(("tcp_proxy", fault, fault, ("tcp", listener),
                    lambda p, listener=listener: peers.tcp_call(p[listener])))
    out.append(("tcp_proxy", "vanish-mid", "vanish-mid", ("tcp", "tcp-vanish-mid"),
                lambda p: _tcp_vanish_mid(p["tcp-vanish-mid"])))
    for fault in FAULTS:
        cluster, action = fault.split("-")[0], {"vanish-mid": "slow"}.get(fault, fault if "-" in fault else "ok")
        if fault == "vanish-before":
            action = "ok"
        for group, call in (("HTTP/1.1", peers.h1_call), ("HTTP/2", peers.h2_call)):
            path = f"/{cluster}/{action}?{'h1' if group == 'HTTP/1.1' else 'h2'}"
            out.append((group, fault, fault, ("http", path), lambda p, call=call, path=path: call(p["http"], path)))
        method = f"/faults.{cluster.title()}/{action}"
        streaming = fault in ("reset-after", "reset-mid")
        out.append(("gRPC", fault, fault, ("http", method),
                    lambda p, method=method, streaming=streaming: peers.grpc_call(p["http"], method, streaming,
                                                                                 count=5)))
    order = ("tcp_proxy", "HTTP/1.1", "HTTP/2", "gRPC")
    return sorted(out, key=lambda case: order.index(case[0]))


_ACCESS = re.compile(r'"(\S+) (\S+) (\S+)" (\d+) (\S+) ')


def response_flags(text, key):
    """The response flags of the access-log line for `key`: ("http", path) or ("tcp", listener name)."""
    kind, value = key
    found = None  # the last line: the first connections to each listener were the probes that waited for it
    for line in text.splitlines():
        if kind == "tcp" and "listener.name=" in line:  # Lifeline's log: every listener's lines, named
            if f"listener.name={value} " in line:
                match = re.search(r"response_flags=(\S+)", line)
                found = match.group(1) if match else "?"
            continue
        match = _ACCESS.search(line)
        if match and match.group(2) == (value if kind == "http" else "-"):
            found = match.group(5)
    return found


def alike(group, case, envoy, lifeline):
    """Whether Lifeline's outcome is Envoy's (time within 0.5 s or 25 %), a note where it differs on purpose, and
    whether the response flags must still be Envoy's:

    - an HTTP/1.1 response the upstream cut after its head ends, in Envoy, with the downstream connection closed only
      after its delayed_close_timeout (1 s; Lifeline does not have that field): Lifeline closes it at once;
    - an HTTP/2 endpoint that accepts the connection but never sends its SETTINGS is, for Lifeline, a connect that
      did not finish within connect_timeout (503, "connection timeout", UF); Envoy sends the request anyway and
      answers 504 UT at the route timeout — or, with the route timeout off as gRPC routes often have it, never.
    """
    tolerance = max(0.5, 0.25 * envoy.seconds)
    if group == "tcp_proxy" and not envoy.get("received") and {envoy.get("end"), lifeline.get("end")} <= {"eof", "reset"}:
        # A gateway that closes a client whose bytes are still unread makes the kernel send RST instead of FIN, so a
        # prompt close before any answer is EOF or a reset by a race, for Envoy as for Lifeline.
        envoy, lifeline = (peers.Outcome(o.seconds, **{**o, "end": "closed"}) for o in (envoy, lifeline))
    if group == "HTTP/1.1" and envoy.get("status") and envoy.get("end") in ("eof", "reset"):
        same = dict(envoy) == dict(lifeline) and envoy.seconds - 1.0 - tolerance <= lifeline.seconds <= envoy.seconds
        return same, "deliberate: closed at once, Envoy after its 1 s delayed_close_timeout", True
    if group == "gRPC" and case == "silent":
        same = (lifeline.get("code") == "UNAVAILABLE" and lifeline.get("details", "").endswith("connection timeout")
                and abs(lifeline.seconds - CONNECT_TIMEOUT) <= 0.5)
        return same, "deliberate: no SETTINGS within connect_timeout is a connect timeout (503 UF), Envoy 504 UT", False
    return dict(envoy) == dict(lifeline) and abs(envoy.seconds - lifeline.seconds) <= tolerance, "", True


# ------------------------------------------------------------------------------------------------ the scenario
def scenario(workdir, report):
    with peers.VanishingHost() as host:
        servers = {"silent": peers.SilentServer(), "http": peers.HttpServer(), "grpc": peers.GrpcServer(),
                   "tcp-reset": peers.TcpServer("reset"),
                   "vanish-http": peers.HttpServer(host=host.PEER_IP, namespace=host),
                   "vanish-grpc": peers.GrpcServer(host=host.PEER_IP, namespace=host),
                   "vanish-tcp": peers.TcpServer("echo", host=host.PEER_IP, namespace=host)}
        for server in servers.values():
            server.start()
        try:
            return _run(workdir, report, host, servers)
        finally:
            for server in servers.values():
                server.stop()


def _run(workdir, report, host, servers):
    loop, refused, silent = peers.LOOPBACK, peers.closed_port(), servers["silent"].port
    endpoints = {
        "refuse-http": (loop, refused), "refuse-grpc": (loop, refused), "refuse-tcp": (loop, refused),
        "silent-http": (loop, silent), "silent-grpc": (loop, silent), "silent-tcp": (loop, silent),
        "reset-http": (loop, servers["http"].port), "reset-grpc": (loop, servers["grpc"].port),
        "reset-tcp": (loop, servers["tcp-reset"].port),
        "vanish-http": (host.PEER_IP, servers["vanish-http"].port),
        "vanish-grpc": (host.PEER_IP, servers["vanish-grpc"].port),
        "vanish-tcp": (host.PEER_IP, servers["vanish-tcp"].port),
    }
    names = ["http"] + [f"tcp-{f}" for f in ("refuse", "silent", "reset-mid", "vanish-before", "vanish-mid")]
    ports = {"lifeline": {n: peers.free_port() for n in names}, "envoy": {n: peers.free_port() for n in names}}
    admin_port = peers.free_port()
    access_dir = os.path.join(workdir, "upstream-envoy-access")
    os.makedirs(access_dir, exist_ok=True)
    gateways = {
        "lifeline": peers.lifeline(workdir, "upstream-lifeline", config(ports["lifeline"], endpoints, admin_port)),
        "envoy": peers.envoy(workdir, "upstream-envoy", config(ports["envoy"], endpoints, access_dir=access_dir),
                             base_id=(os.getpid() % 20000) * 10 + 7),
    }
    ok = True
    seen = []
    try:
        for name, gateway in gateways.items():
            for port in ports[name].values():
                gateway.wait_listening(port)
        pid = gateways["lifeline"].pid
        baseline = peers.usage(pid, admin_port)
        print(f"  Lifeline at start: {baseline}", flush=True)
        group_baseline, group = baseline, None
        for group_name, case, fault, key, call in cases(ports["lifeline"]) + [(None,) * 5]:
            if group_name != group and group is not None:
                ok &= _leaks(report, group, pid, admin_port, group_baseline)
                group_baseline = peers.usage(pid, admin_port)
            group = group_name
            if group is None:
                break
            outcomes = _both(host, fault, call, ports)
            seen.append((group, case, key, outcomes))
        ok &= _leaks(report, "all groups", pid, admin_port, baseline)
    finally:
        texts = {name: gateway.stop() for name, gateway in gateways.items()}
    envoy_logs = {}
    for name in os.listdir(access_dir):
        with open(os.path.join(access_dir, name)) as f:
            envoy_logs[name[:-4]] = f.read()
    for group, case, key, (envoy, lifeline) in seen:
        envoy_text = envoy_logs.get("http" if key[0] == "http" else key[1], "")
        flags = {"envoy": response_flags(envoy_text, key), "lifeline": response_flags(texts["lifeline"], key)}
        same, note, compare_flags = alike(group, case, envoy, lifeline)
        if compare_flags:
            same &= flags["envoy"] == flags["lifeline"]
        ok &= report(f"upstream {group} {case}", f"Lifeline: {lifeline}, flags {flags['lifeline']}",
                     f"Envoy's: {envoy}, flags {flags['envoy']}{'; ' + note if note else ''}", same)
    return ok


def _both(host, fault, call, ports):
    """One call against each gateway at the same moment, with the namespace's endpoints vanishing as the fault
    says; (Envoy's outcome, Lifeline's)."""
    results = {}

    def run(name):
        try:
            results[name] = call(ports[name])
        except Exception as error:  # a client that crashed saw something no gateway should give
            results[name] = peers.Outcome(0.0, crashed=repr(error))

    if fault == "vanish-before":
        host.vanish()
    threads = [threading.Thread(target=run, args=(name,)) for name in ("envoy", "lifeline")]
    try:
        for thread in threads:
            thread.start()
        if fault == "vanish-mid":
            time.sleep(0.3)
            host.vanish()
        for thread in threads:
            thread.join()
    finally:
        host.reappear()
    return results["envoy"], results["lifeline"]


def _leaks(report, group, pid, admin_port, baseline):
    after, seconds = peers.settle(pid, admin_port, baseline)
    grown = after["rss_kib"] - baseline["rss_kib"]
    ok = seconds is not None and grown <= RSS_TOLERANCE_KIB
    when = f"within {seconds:.1f} s" if seconds is not None else "not within 5 s"
    return report(f"upstream {group}: nothing leaks", f"{after} ({when}; RSS {grown / 1024:+.1f} MiB)",
                  f"{baseline} (fds, rows, gauges equal; RSS at most +{RSS_TOLERANCE_KIB // 1024} MiB)", ok)
