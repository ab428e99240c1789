#!/usr/bin/env python3
"""Lifeline keepalive network lab (driver). Started by lab/run as root; stdlib only (scenario e uses grpcio through
lab/grpc_peer.py in subprocesses).

Topology (all in 198.18.0.0/15, every name prefixed ll-):

  ll-client 198.18.1.2 ── 198.18.1.1 ll-lb 198.18.2.1 ── 198.18.2.2 ll-gw 198.18.3.2 ── 198.18.3.1 ll-lb2 198.18.4.1 ── 198.18.4.2 ll-up
                                 (NLB sim)                     (lifeline :10000)                (NLB sim)                  (upstream :9000)

lb and lb2 forward and simulate an NLB with conntrack: loose=0, established timeout LB_TIMEOUT s, FORWARD policy DROP,
NEW/ESTABLISHED/RELATED accepted, every other TCP packet (an expired flow's packet is INVALID) rejected with a TCP RST.

The driver is one process: it creates each test socket inside the namespace it belongs to (setns on the creating
thread), so the client and upstream peers live in ll-client / ll-up while one clock (CLOCK_MONOTONIC) times them all.
"""
import argparse
import errno
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the work tree
from testkit.hub import Hub, idle_pairs, reaped_after, wait_for, wait_rx  # noqa: E402
from testkit import admin  # noqa: E402
from testkit.netns import CLIENT_IP, GW_IP, GW_PORT, UP_IP, UP_PORT, Lab, netns  # noqa: E402

LIFELINE = os.environ.get("LL_LIFELINE", os.path.join(HERE, "..", ".build", "release", "lifeline"))

LB_TIMEOUT = 4  # s, nf_conntrack_tcp_timeout_established in ll-lb / ll-lb2
T, I, N = 1, 1, 3  # keepalive under test
RESET = T + I * N  # 4 s after the last traffic
TOL = 1.0  # s
ADMIN_PORT = 9901  # the gateway's admin endpoint, on ll-gw's loopback

LAB = Lab(lb_timeout=LB_TIMEOUT)  # the namespaces, the simulated NLBs and the iptables that works here


def now():
    return time.monotonic()


def log(msg):
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ----------------------------------------------------------------------------------------------------------- configs
def ka_yaml(ka):
    if ka is None:
        return None
    if ka == "off":
        return "{ enabled: false }"
    t, i, n = ka
    return f"{{ keepalive_time: {t}, keepalive_interval: {i}, keepalive_probes: {n} }}"


TCP_PROXY = ["      - name: envoy.filters.network.tcp_proxy",
             "        typed_config:",
             '          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
             "          stat_prefix: lab", "          cluster: backend", "          idle_timeout: 0s"]

# The cluster is HTTP/2 (h2c) to its endpoint: what an http_connection_manager routing gRPC needs.
H2_CLUSTER = ["    typed_extension_protocol_options:",
              "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:",
              '        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              "        explicit_http_config: { http2_protocol_options: {} }"]


def http_connection_manager(route_timeout, stream_idle_timeout, h2_keepalive):
    """Every request to the cluster, as an Istio gateway routes gRPC."""
    lines = ["      - name: envoy.filters.network.http_connection_manager",
             "        typed_config:",
             '          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3'
             '.HttpConnectionManager',
             "          stat_prefix: lab",
             f"          stream_idle_timeout: {stream_idle_timeout}"]
    if h2_keepalive:
        lines.append(f"          http2_protocol_options: {{ connection_keepalive: {{ interval: {h2_keepalive[0]}, "
                     f"timeout: {h2_keepalive[1]} }} }}")
    return lines + ["          http_filters:", "          - name: envoy.filters.http.router", "            typed_config:",
                    '              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
                    "          route_config:", "            virtual_hosts:", "            - name: all",
                    '              domains: ["*"]', "              routes:",
                    f'              - {{ match: {{ prefix: "/" }}, route: {{ cluster: backend, '
                    f'timeout: {route_timeout} }} }}']


def gateway_config(filters, listener_ka=(T, I, N), listener_uto=None, cluster_ka=(T, I, N), cluster_uto=None,
                   up_port=UP_PORT, tls=None, alpn=None, cluster_extra=()):
    """One listener whose chain ends in `filters` (lines), to one cluster `backend`; `tls` = (certificate file, key
    file) terminates TLS on the chain, offering `alpn`. The admin endpoint listens on ll-gw's loopback, ADMIN_PORT."""
    lines = ["admin:", f"  address: {{ socket_address: {{ address: 127.0.0.1, port_value: {ADMIN_PORT} }} }}",
             "static_resources:", "  listeners:", "  - name: gw",
             f"    address: {{ socket_address: {{ address: {GW_IP}, port_value: {GW_PORT} }} }}"]
    if ka_yaml(listener_ka):
        lines.append(f"    tcp_keepalive: {ka_yaml(listener_ka)}")
    if listener_uto is not None:
        lines.append(f'    tcp_user_timeout: "{listener_uto}"')
    lines.append("    filter_chains:")
    if tls:
        lines += ["    - transport_socket:", "        name: envoy.transport_sockets.tls", "        typed_config:",
                  '          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
                  "          common_tls_context:"]
        if alpn:
            lines.append(f"            alpn_protocols: [{', '.join(alpn)}]")
        lines += ["            tls_certificates:",
                  f"            - certificate_chain: {{ filename: {tls[0]} }}",
                  f"              private_key: {{ filename: {tls[1]} }}",
                  "      filters:"]
    else:
        lines.append("    - filters:")
    lines += list(filters)
    lines += ["  clusters:", "  - name: backend", "    type: STATIC", "    connect_timeout: 2s"] + list(cluster_extra)
    uco = []
    if ka_yaml(cluster_ka):
        uco.append(f"tcp_keepalive: {ka_yaml(cluster_ka)}")
    if cluster_uto is not None:
        uco.append(f'tcp_user_timeout: "{cluster_uto}"')
    if uco:
        lines.append(f"    upstream_connection_options: {{ {', '.join(uco)} }}")
    lines += ["    load_assignment:", "      cluster_name: backend", "      endpoints:", "      - lb_endpoints:",
              f"        - endpoint: {{ address: {{ socket_address: {{ address: {UP_IP}, port_value: {up_port} }} }} }}"]
    return "\n".join(lines) + "\n"


def make_config(**options):
    """A one-listener tcp_proxy config (see gateway_config for the options)."""
    return gateway_config(TCP_PROXY, **options)


def make_http_config(route_timeout="0s", stream_idle_timeout="0s", h2_keepalive=None, **options):
    """A one-listener http_connection_manager config routing everything to an HTTP/2 (h2c) upstream cluster:
    `route_timeout`/`stream_idle_timeout` (Istio writes 0s for both), `h2_keepalive` = (interval, timeout) for
    downstream HTTP/2 PINGs; with TLS, ALPN offers h2 and http/1.1."""
    return gateway_config(http_connection_manager(route_timeout, stream_idle_timeout, h2_keepalive),
                          alpn=["h2", "http/1.1"], cluster_extra=H2_CLUSTER, **options)


ENVOY_FILTER = f"""apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: lab-keepalive
  namespace: istio-system
spec:
  configPatches:
  - applyTo: LISTENER
    match:
      context: GATEWAY
      listener:
        name: gw
        portNumber: {GW_PORT}
    patch:
      operation: MERGE
      value:
        socket_options:
        - {{ level: 1, name: 9, int_value: 1, state: STATE_LISTENING }}   # SO_KEEPALIVE
        - {{ level: 6, name: 4, int_value: {T}, state: STATE_LISTENING }}   # TCP_KEEPIDLE
        - {{ level: 6, name: 5, int_value: {I}, state: STATE_LISTENING }}   # TCP_KEEPINTVL
        - {{ level: 6, name: 6, int_value: {N}, state: STATE_LISTENING }}   # TCP_KEEPCNT
"""


# ----------------------------------------------------------------------------------------------------------- lifeline
class Lifeline:
    def __init__(self, workdir, name, config, envoy_filter=None):
        self.cfg = os.path.join(workdir, f"{name}.yaml")
        with open(self.cfg, "w") as f:
            f.write(config)
        cmd = [LIFELINE, "run", "--config", self.cfg, "--log-level", "debug", "--drain-time-s", "0"]
        if envoy_filter:
            ef = os.path.join(workdir, f"{name}-envoyfilter.yaml")
            with open(ef, "w") as f:
                f.write(envoy_filter)
            cmd += ["--envoy-filter", ef]
        self.logpath = os.path.join(workdir, f"{name}.log")
        self.logf = open(self.logpath, "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", "ll-gw"] + cmd, stdout=self.logf, stderr=self.logf)
        self.pid = self.proc.pid  # ip netns exec execs the command: same pid
        deadline = now() + 10
        while now() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lifeline exited {self.proc.returncode}: {open(self.logpath).read()[-2000:]}")
            if self.listening():
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("lifeline did not start listening within 10 s")
        time.sleep(0.2)
        self.baseline_fds = self.fds()
        self.stats = {}
        self.down_reasons, self.up_reasons = [], []

    def listening(self):
        return any(e[2] == "0A" for e in self.tcp() if e[0][1] == GW_PORT)

    def fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def tcp(self):
        """[( (lip,lport), (rip,rport), state_hex )] of lifeline's netns, from /proc/PID/net/tcp."""
        out = []
        with open(f"/proc/{self.pid}/net/tcp") as f:
            next(f)
            for line in f:
                p = line.split()
                la, ra, st = p[1], p[2], p[3]
                out.append(((la.split(":")[0], int(la.split(":")[1], 16)), (ra.split(":")[0], int(ra.split(":")[1], 16)), st))
        return out

    def down_established(self):
        return sum(1 for l, r, st in self.tcp() if l[1] == GW_PORT and st == "01")

    def up_established(self):
        return sum(1 for l, r, st in self.tcp() if r[1] == UP_PORT and st == "01")

    def read_stats(self):
        """The counters of the admin endpoint's /stats, by the name within their scope: a counter Lifeline keeps in the
        listener's scope and again in a connection manager's or tcp_proxy's (http., tcp.) is counted once, from the
        listener's, the cluster's or the root scope."""
        values = admin.stats(ADMIN_PORT, ns="ll-gw")
        self.stats = {}
        for name, value in values.items():
            if name.startswith(("http.", "tcp.")) or ".http." in name:
                continue
            if name.startswith("listener."):
                rest = name[len("listener."):]
                # listener.<address>.<stat>: the address (198.18.2.2_10000) has dots of its own; it ends at its port.
                short = re.sub(r"^.*?_\d+\.", "", rest, count=1)
            elif name.startswith("cluster."):
                short = name.split(".", 2)[2]
            else:
                short = name
            self.stats[short] = self.stats.get(short, 0) + value
        return self.stats

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.read_stats()
            except OSError as e:
                log(f"admin /stats unreadable before stopping: {e}")
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        text = open(self.logpath).read()
        self.down_reasons = re.findall(r"close\.reason=(\w+).*downstream connection closed", text)
        self.up_reasons = re.findall(r"close\.reason=(\w+).*upstream connection closed", text)
        return self.stats

    def stat(self, k):
        return self.stats.get(k, 0)


# ----------------------------------------------------------------------------------------------------------- scenarios
RESULTS = []


def result(sid, what, measured, theory, ok, detail=""):
    line = f"{sid} {what}: {measured} (theory {theory}) {detail}  {'PASS' if ok else 'FAIL'}"
    print(line, flush=True)
    RESULTS.append((sid, what, measured, theory, ok, detail))
    return ok


def fmt(x):
    return "—" if x is None else f"{x:.2f} s"


class Ctx:
    def __init__(self, workdir):
        self.workdir = workdir
        self.hub = Hub()
        self.hub.listen("ll-up", UP_IP, UP_PORT)
        self.gw = None

    def start_gw(self, name, config, envoy_filter=None):
        LAB.flush_conntrack()
        self.gw = Lifeline(self.workdir, name, config, envoy_filter)
        return self.gw

    def finish(self):
        gw, self.gw = self.gw, None
        stats = gw.stop() if gw else {}
        self.hub.close_all()
        self.hub.keep_rx = True
        for lb, ip in (("ll-lb", CLIENT_IP), ("ll-lb2", UP_IP)):
            LAB.unblackhole(lb, ip)
        return stats

    def pair(self, name="c"):
        """One proxied connection: (client peer, upstream peer), with a round trip done."""
        c = self.hub.connect("ll-client", GW_IP, GW_PORT, name)
        u = self.hub.wait_accepted(1)[-1]
        c.send(b"hello\n")
        if not wait_rx(u, b"hello\n"):
            raise RuntimeError("setup round trip: upstream did not receive hello")
        u.send(b"hi\n")
        if not wait_rx(c, b"hi\n"):
            raise RuntimeError("setup round trip: client did not receive hi")
        return c, u


def idle_exchange(ctx, idle):
    """A proxied connection idles `idle` s, then bytes go both ways. Returns (ok, description)."""
    c, u = ctx.pair()
    t0 = c.last_rx
    log(f"connection up; idling {idle} s (LB timeout {LB_TIMEOUT} s)")
    time.sleep(idle)
    t_send = now()
    try:
        c.send(b"after-idle-from-client\n")
    except OSError as e:
        return False, f"client send: {errno.errorcode.get(e.errno, e)}"
    got_up = wait_rx(u, b"after-idle-from-client\n", 3)
    if got_up:
        try:
            u.send(b"after-idle-from-upstream\n")
        except OSError as e:
            return False, f"upstream send: {errno.errorcode.get(e.errno, e)}"
    got_c = wait_rx(c, b"after-idle-from-upstream\n", 3) if got_up else None
    wait_for(lambda: c.end is not None, 0.5)
    idle_s = t_send - t0
    if got_up and got_c:
        return True, f"idle {idle_s:.1f} s then both directions delivered"
    return False, (f"after {idle_s:.1f} s idle: upstream got data={bool(got_up)}, client got data={bool(got_c)}, "
                   f"client socket end={c.end}, upstream socket end={u.end}")


def scenario_a(ctx):
    idle = 3 * LB_TIMEOUT
    # keepalive on (downstream via the Istio EnvoyFilter path, upstream via the cluster's named field)
    ctx.start_gw("a", make_config(listener_ka=None, cluster_ka=(T, I, N)), envoy_filter=ENVOY_FILTER)
    ok, desc = idle_exchange(ctx, idle)
    st = ctx.finish()
    ok1 = result("a", "idle survival (keepalive 1/1/3 via EnvoyFilter)", desc, f"survives {idle} s idle", ok,
                 f"[ka timeouts: down={st.get('downstream_cx_keepalive_timeout', 0)}]")
    # control: keepalive off on both legs: the LBs forget the flow; the next packet is rejected with RST
    ctx.start_gw("a-control", make_config(listener_ka="off", listener_uto="0s", cluster_ka="off", cluster_uto="0s"))
    ok, desc = idle_exchange(ctx, idle)
    ctx.finish()
    ok2 = result("a-control", "same without keepalive", desc, "must break (RST/EOF)", not ok)
    return ok1 and ok2


def scenario_b(ctx):
    gw = ctx.start_gw("b", make_config())
    base = gw.baseline_fds
    c, u = ctx.pair()
    t_last = c.last_rx
    time.sleep(0.05)
    LAB.blackhole("ll-lb", CLIENT_IP)
    log("client blackholed at ll-lb")
    t_kernel = t_fd = None
    deadline = t_last + RESET + 5
    while now() < deadline and not (t_kernel and t_fd and u.end):
        if t_kernel is None and gw.down_established() == 0:
            t_kernel = now()
        if t_kernel and t_fd is None and gw.fds() == base:
            t_fd = now()
        time.sleep(0.01)
    fds_after = gw.fds()
    st = ctx.finish()
    rel = lambda t: None if t is None else t - t_last
    reaped = rel(t_kernel)
    ok = (reaped is not None and abs(reaped - RESET) <= TOL and u.end is not None and rel(u.end_at) <= RESET + TOL
          and fds_after == base and st.get("downstream_cx_keepalive_timeout", 0) == 1)
    reasons = ",".join(gw.down_reasons) or "none"
    return result("b", "vanished client", f"reaped after {fmt(reaped)}",
                  f"{RESET} s, tolerance {TOL:.0f} s", ok,
                  f"upstream saw {u.end} at {fmt(rel(u.end_at))}; fds {fds_after}/{base} at {fmt(rel(t_fd))}; "
                  f"classified {reasons}; downstream_cx_keepalive_timeout={st.get('downstream_cx_keepalive_timeout', 0)}")


class Streamer(threading.Thread):
    def __init__(self, peer):
        super().__init__(daemon=True)
        self.peer, self.stop_flag, self.sent = peer, False, 0
        self.start()

    def run(self):
        chunk = b"x" * 16384
        while not self.stop_flag and self.peer.end is None:
            try:
                self.sent += self.peer.sock.send(chunk)
            except BlockingIOError:
                pass
            except OSError:
                return
            time.sleep(0.005)


def scenario_c(ctx):
    ok_all = True
    for uto in ("3s", "0s"):
        gw = ctx.start_gw(f"c-uto{uto}", make_config(listener_uto=uto))
        ctx.hub.keep_rx = True
        c, u = ctx.pair()
        ctx.hub.keep_rx = False
        s = Streamer(u)
        wait_for(lambda: c.nrx > 1 << 20, 5)
        t_bh = now()
        LAB.blackhole("ll-lb", CLIENT_IP)
        log(f"tcp_user_timeout {uto}: client blackholed while streaming ({c.nrx} bytes received so far)")
        if uto == "3s":
            t_k = None
            deadline = t_bh + 3 + 5
            while now() < deadline and not (t_k and u.end):
                if t_k is None and gw.down_established() == 0:
                    t_k = now()
                time.sleep(0.01)
            s.stop_flag = True
            st = ctx.finish()
            took = None if t_k is None else t_k - t_bh
            reasons = ",".join(gw.down_reasons) or "none"
            ok = (took is not None and abs(took - 3) <= TOL and gw.down_reasons[:1] == ["user_timeout"]
                  and st.get("downstream_cx_user_timeout", 0) == 1)
            ok_all &= result("c", "unacked data, tcp_user_timeout 3s", f"closed after {fmt(took)}",
                             f"3 s after the blackhole, tolerance {TOL:.0f} s", ok,
                             f"classified {reasons}; upstream saw {u.end}; "
                             f"downstream_cx_user_timeout={st.get('downstream_cx_user_timeout', 0)}")
        else:
            check_at = t_bh + RESET + 2
            still = True
            while now() < check_at:
                if gw.down_established() == 0:
                    still = False
                    break
                time.sleep(0.05)
            gone_at = None if still else now() - t_bh
            s.stop_flag = True
            st = ctx.finish()
            ok = still and st.get("downstream_cx_keepalive_timeout", 0) == 0
            ok_all &= result("c-control", "unacked data, tcp_user_timeout 0s",
                             "still established" if still else f"closed after {fmt(gone_at)}",
                             f"keepalive does not fire with data in flight: alive at T+I×N+2 = {RESET + 2} s", ok,
                             "then ended by stopping lifeline")
    return ok_all


def scenario_d(ctx):
    idle = 3 * LB_TIMEOUT
    ok_all = True
    # survival: downstream and upstream keepalive 1/1/3, both legs through an NLB
    ctx.start_gw("d-idle", make_config(cluster_ka=(T, I, N)))
    ok, desc = idle_exchange(ctx, idle)
    ctx.finish()
    ok_all &= result("d", "upstream idle survival (cluster keepalive 1/1/3)", desc, f"survives {idle} s idle", ok)
    # control: upstream keepalive off, downstream on
    ctx.start_gw("d-control", make_config(cluster_ka="off", cluster_uto="0s"))
    ok, desc = idle_exchange(ctx, idle)
    ctx.finish()
    ok_all &= result("d-control", "same without upstream keepalive", desc, "must break (RST/EOF)", not ok)
    # vanished upstream
    gw = ctx.start_gw("d-vanish", make_config(cluster_ka=(T, I, N)))
    base = gw.baseline_fds
    c, u = ctx.pair()
    t_last = c.last_rx
    time.sleep(0.05)
    LAB.blackhole("ll-lb2", UP_IP)
    log("upstream blackholed at ll-lb2")
    t_k = None
    deadline = t_last + RESET + 5
    while now() < deadline and not (t_k and c.end):
        if t_k is None and gw.up_established() == 0:
            t_k = now()
        time.sleep(0.01)
    wait_for(lambda: gw.fds() == base, 1)
    fds_after = gw.fds()
    st = ctx.finish()
    rel = lambda t: None if t is None else t - t_last
    took = rel(t_k)
    ok = (took is not None and abs(took - RESET) <= TOL and c.end is not None and rel(c.end_at) <= RESET + TOL
          and st.get("upstream_cx_keepalive_timeout", 0) == 1 and fds_after == base)
    ok_all &= result("d-vanish", "vanished upstream", f"reaped after {fmt(took)}", f"{RESET} s, tolerance {TOL:.0f} s",
                     ok, f"client saw {c.end} at {fmt(rel(c.end_at))}; fds {fds_after}/{base}; "
                         f"upstream classified {','.join(gw.up_reasons) or 'none'}; "
                         f"upstream_cx_keepalive_timeout={st.get('upstream_cx_keepalive_timeout', 0)}")
    return ok_all


class GrpcRun:
    """One run of grpc_peer.py's server (in ll-up) and client (in ll-client) through the gateway: the client's and
    the server's output, the client's parsed events, and the start time."""

    def __init__(self, ctx, name, port, idle, env=None):
        peer = os.path.join(HERE, "grpc_peer.py")
        deadline = idle + 6
        srv_log = open(os.path.join(ctx.workdir, f"{name}-server.log"), "w+")
        srv = subprocess.Popen(["ip", "netns", "exec", "ll-up", sys.executable, peer, "server", f"{UP_IP}:{port}",
                                str(idle)], stdout=srv_log, stderr=subprocess.STDOUT, text=True)
        try:
            if not wait_for(lambda: "server ready" in open(srv_log.name).read(), 15, 0.05):
                raise RuntimeError("gRPC server did not start: " + open(srv_log.name).read()[-500:])
            self.t0 = now()
            # The client also calls Ping on the same connection just after the server's quiet stretch: the next
            # request a real client would make after an idle period.
            cl = subprocess.run(["ip", "netns", "exec", "ll-client", sys.executable, peer, "client",
                                 f"{GW_IP}:{GW_PORT}", str(deadline), str(idle + 1)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, timeout=deadline + 20,
                                env=dict(os.environ, **(env or {})))
            self.out = cl.stdout
        finally:
            srv.terminate()
            try:
                srv.wait(5)
            except subprocess.TimeoutExpired:
                srv.kill()
                srv.wait()
        ctx.finish()
        self.server_out = open(srv_log.name).read()
        srv_log.close()
        self.got = re.findall(r"recv ([\d.]+) (message-\d)", self.out)
        self.msgs = [m for _, m in self.got]
        self.err = re.search(r"error ([\d.]+) (\S+) (.*)", self.out)
        self.ping = re.search(r"ping (ok|error) ([\d.]+)(?: (\S+))?", self.out)
        self.ping_text = (f"ping after the idle: {self.ping.group(1)}"
                          + (f" {self.ping.group(3)}" if self.ping.group(3) else "") if self.ping else "no ping result")

    @property
    def gap(self):
        return float(self.got[1][0]) - float(self.got[0][0]) if len(self.got) == 2 else None

    @property
    def survived(self):
        return (self.msgs == ["message-1", "message-2"] and "done" in self.out and self.ping is not None
                and self.ping.group(1) == "ok")


def scenario_e(ctx):
    idle = 3 * LB_TIMEOUT
    gport = UP_PORT + 1
    ok_all = True
    for control in (False, True):
        name = "e-control" if control else "e"
        ka = dict(listener_ka="off", listener_uto="0s", cluster_ka="off", cluster_uto="0s") if control else {}
        ctx.start_gw(name, make_config(up_port=gport, **ka))
        run = GrpcRun(ctx, name, gport, idle)
        msgs, err, ping = run.msgs, run.err, run.ping
        if not control:
            ok_all &= result("e", "gRPC server stream, keepalive 1/1/3", f"received {msgs}",
                             f"message-2 arrives after {idle} s idle", run.survived,
                             f"gap {fmt(run.gap)}; " + (f"error {err.group(2)}" if err else "stream completed OK")
                             + f"; {run.ping_text}")
        else:
            code = err.group(2) if err else "none"
            at = float(err.group(1)) - run.t0 if err else None
            # The client's next call after the quiet stretch meets the NLB's reset: UNAVAILABLE.
            ok = (msgs == ["message-1"] and err is not None and ping is not None
                  and ping.group(3) == "StatusCode.UNAVAILABLE")
            m2 = re.search(r"server sends message-2 ([\d.]+)", run.server_out)
            srv_note = (f"server sent message-2 at {fmt(float(m2.group(1)) - run.t0)} into a flow lb2 had forgotten"
                        if m2 else "server did not send message-2")
            ok_all &= result("e-control", "same without keepalive", f"received {msgs}, then {code} at {fmt(at)}",
                             f"must lose message-2; the next call fails UNAVAILABLE", ok,
                             f"{run.ping_text}; {err.group(3) if err else ''}; {srv_note}")
    return ok_all


def scenario_f(ctx, n=2000):
    # Keepalive 1/1/3 with TCP_USER_TIMEOUT at T + I×N, as Lifeline recommends: a config that names its keepalive
    # gets no user timeout of Lifeline's, and with 2,000 probes at once a veth queue can drop a few; a dropped probe
    # is not counted towards N, but the user timeout still resets on time.
    gw = ctx.start_gw("f", make_config(listener_uto=f"{RESET}s"))
    base = gw.baseline_fds
    ctx.hub.keep_rx = True
    t_start = now()
    pairs = idle_pairs(ctx.hub, n, "ll-client", GW_IP, GW_PORT)
    log(f"{n} proxied connections up in {now() - t_start:.1f} s; lifeline fds {gw.fds()} (baseline {base})")
    t_last = max(c.last_rx for c, _ in pairs)
    t_first = min(c.last_rx for c, _ in pairs)
    time.sleep(0.05)
    LAB.blackhole("ll-lb", CLIENT_IP)
    log(f"all {n} clients blackholed (last traffic spread {t_last - t_first:.2f} s)")
    t_k = t_fd = None
    deadline = t_last + RESET + 6
    while now() < deadline and not (t_k and t_fd and all(u.end for _, u in pairs)):
        if t_k is None and gw.down_established() == 0:
            t_k = now()
        if t_k and t_fd is None and gw.fds() == base:
            t_fd = now()
        time.sleep(0.02)
    ended = [x for x in reaped_after(pairs) if x is not None]
    worst = max(ended) if ended else None
    fds_after = gw.fds()
    st = ctx.finish()
    ka = st.get("downstream_cx_keepalive_timeout", 0)
    ok = (len(ended) == n and worst <= RESET + TOL and fds_after == base and ka == n)
    return result("f", f"scale: {n} idle connections blackholed at once",
                  f"{len(ended)}/{n} reaped, worst {fmt(worst)} after own last traffic",
                  f"≤ {RESET} s + {TOL:.0f} s", ok,
                  f"(best {fmt(min(ended) if ended else None)}); all gone from gw kernel table at "
                  f"{fmt(None if t_k is None else t_k - t_last)}; fds {fds_after}/{base}; "
                  f"downstream_cx_keepalive_timeout={ka}")


def lab_certificate(workdir):
    """A self-signed ECDSA certificate for the gateway, made for this run: (certificate file, key file)."""
    crt, key = os.path.join(workdir, "gw.crt"), os.path.join(workdir, "gw.key")
    if not os.path.exists(crt):
        LAB.sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=gw.lab.test",
            "-addext", "subjectAltName=DNS:gw.lab.test"])
    return crt, key


def tls_pair(ctx):
    """One TLS-terminated proxied connection from ll-client: (TLS socket, upstream peer), with a round trip done
    (the client's bytes arrive at the upstream in plaintext, the upstream's reach the client through TLS)."""
    with netns("ll-client"):
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.settimeout(5)
    raw.connect((GW_IP, GW_PORT))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    client = context.wrap_socket(raw, server_hostname="gw.lab.test")
    client.sendall(b"hello\n")
    u = ctx.hub.wait_accepted(1)[-1]
    if not wait_rx(u, b"hello\n"):
        raise RuntimeError("TLS setup round trip: upstream did not receive hello")
    u.send(b"hi\n")
    if tls_read(client, b"hi\n") is not True:
        raise RuntimeError("TLS setup round trip: client did not receive hi")
    return client, u


def tls_read(client, data, timeout=3):
    """Reads from a TLS client until `data` arrived: True, or the error/EOF that came instead."""
    client.settimeout(timeout)
    got = b""
    try:
        while data not in got:
            chunk = client.recv(4096)
            if not chunk:
                return "eof"
            got += chunk
    except (OSError, ssl.SSLError) as e:
        return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)
    return True


def scenario_g(ctx):
    """TLS terminated at the gateway: an idle TLS connection survives both NLBs, and a TLS client that vanishes is
    reaped on the same schedule as a plain one (the chain keeps the listener's socket options)."""
    tls = lab_certificate(ctx.workdir)
    idle = 3 * LB_TIMEOUT
    ctx.start_gw("g", make_config(tls=tls))
    client, u = tls_pair(ctx)
    log(f"TLS connection up; idling {idle} s (LB timeout {LB_TIMEOUT} s)")
    time.sleep(idle)
    try:
        client.sendall(b"after-idle-from-client\n")
        got_up = wait_rx(u, b"after-idle-from-client\n", 3)
        if got_up:
            u.send(b"after-idle-from-upstream\n")
        got_c = tls_read(client, b"after-idle-from-upstream\n") if got_up else None
    except OSError as e:
        got_up, got_c = False, errno.errorcode.get(e.errno, str(e))
    client.close()
    ctx.finish()
    ok1 = result("g", "TLS idle survival (keepalive 1/1/3)", f"upstream got data={bool(got_up)}, client got {got_c}",
                 f"survives {idle} s idle", bool(got_up) and got_c is True)

    gw = ctx.start_gw("g-vanish", make_config(tls=tls))
    base = gw.baseline_fds
    client, u = tls_pair(ctx)
    t_last = now()
    time.sleep(0.05)
    LAB.blackhole("ll-lb", CLIENT_IP)
    log("TLS client blackholed at ll-lb")
    t_kernel = None
    deadline = t_last + RESET + 5
    while now() < deadline and not (t_kernel and u.end):
        if t_kernel is None and gw.down_established() == 0:
            t_kernel = now()
        time.sleep(0.01)
    wait_for(lambda: gw.fds() == base, 2)
    fds_after = gw.fds()
    st = ctx.finish()
    client.close()
    reaped = None if t_kernel is None else t_kernel - t_last
    ok2 = (reaped is not None and abs(reaped - RESET) <= TOL and u.end is not None and fds_after == base
           and st.get("downstream_cx_keepalive_timeout", 0) == 1)
    ok2 = result("g-vanish", "vanished TLS client", f"reaped after {fmt(reaped)}", f"{RESET} s, tolerance {TOL:.0f} s",
                 ok2, f"upstream saw {u.end}; fds {fds_after}/{base}; "
                 f"downstream_cx_keepalive_timeout={st.get('downstream_cx_keepalive_timeout', 0)}")
    return ok1 and ok2


class H2Client(threading.Thread):
    """A bare HTTP/2 client on a raw socket from ll-client: sends the preface and SETTINGS, acknowledges the
    gateway's SETTINGS and answers its PINGs, and records when the connection ended (EOF or error)."""

    def __init__(self):
        super().__init__(daemon=True)
        with netns("ll-client"):
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect((GW_IP, GW_PORT))
        self.sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        self.sock.settimeout(None)
        self.pings = []
        self.end = None
        self.t_end = None
        self.settled = threading.Event()

    def run(self):
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    self.end = "eof"
                    break
                buf += chunk
                while len(buf) >= 9:
                    length = int.from_bytes(buf[0:3], "big")
                    if len(buf) < 9 + length:
                        break
                    ftype, flags, payload = buf[3], buf[4], buf[9:9 + length]
                    buf = buf[9 + length:]
                    if ftype == 4 and not flags & 1:  # SETTINGS → ACK
                        self.sock.sendall(b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")
                        self.settled.set()
                    elif ftype == 6 and not flags & 1:  # PING → PING ACK with the same payload
                        self.pings.append(now())
                        self.sock.sendall(b"\x00\x00\x08\x06\x01\x00\x00\x00\x00" + payload)
                    elif ftype == 7:  # GOAWAY
                        self.end = "goaway"
        except OSError as e:
            self.end = errno.errorcode.get(e.errno, str(e))
        self.t_end = now()


def scenario_h(ctx):
    """HTTP/2 PING keepalive (connection_keepalive interval 1 s, timeout 1 s) with TCP keepalive off on the listener:
    a client that answers PINGs keeps its idle connection; one blackholed at ll-lb is closed by the gateway within
    interval (+15 % jitter) + timeout of its last answer, and its fd is released."""
    interval, timeout = 1, 1
    config = make_http_config(listener_ka="off", listener_uto="0s", h2_keepalive=(f"{interval}s", f"{timeout}s"))
    gw = ctx.start_gw("h", config)
    base = gw.baseline_fds
    alive = H2Client()
    alive.start()
    alive.settled.wait(3)
    hold = 6
    time.sleep(hold)
    ok1 = result("h-alive", "HTTP/2 client answering PINGs", f"{len(alive.pings)} PINGs answered, "
                 f"open after {hold} s: {alive.end is None}", f"stays open; a PING about every {interval} s",
                 alive.end is None and len(alive.pings) >= hold // 2)
    alive.sock.close()
    wait_for(lambda: gw.fds() == base, 3)
    client = H2Client()
    client.start()
    client.settled.wait(3)
    wait_for(lambda: len(client.pings) >= 1, 3)
    t_last = client.pings[-1] if client.pings else now()
    LAB.blackhole("ll-lb", CLIENT_IP)
    t_black = now()
    log("HTTP/2 client blackholed at ll-lb")
    limit = interval * 1.15 + timeout
    t_closed = None
    deadline = t_black + limit + 5
    while now() < deadline:
        if gw.down_established() == 0:
            t_closed = now()
            break
        time.sleep(0.01)
    wait_for(lambda: gw.fds() == base, 2)
    fds_after = gw.fds()
    st = ctx.finish()
    client.sock.close()
    after = None if t_closed is None else t_closed - max(t_last, t_black - interval)
    since_black = None if t_closed is None else t_closed - t_black
    ok2 = (t_closed is not None and since_black <= limit + TOL and fds_after == base)
    ok2 = result("h", "blackholed HTTP/2 client, PING keepalive 1s/1s, TCP keepalive off",
                 f"closed {fmt(since_black)} after the blackhole", f"≤ interval×1.15 + timeout = {limit:.2f} s, "
                 f"tolerance {TOL:.0f} s", ok2,
                 f"last PING answered {fmt(t_black - t_last)} before; fds {fds_after}/{base}; "
                 f"http2.keepalive_timeout={st.get('http2.keepalive_timeout', 0)}")
    return ok1 and ok2


def scenario_i(ctx):
    """gRPC over TLS through the HTTP connection manager (ALPN h2 downstream, h2c upstream, route timeout and
    stream_idle_timeout 0s as Istio writes them): a server stream idles 3× the LB timeout and its next message
    arrives, because TCP keepalive 1/1/3 on both legs keeps both NLBs' entries; without keepalive it is lost."""
    tls = lab_certificate(ctx.workdir)
    idle = 3 * LB_TIMEOUT
    gport = UP_PORT + 1
    ok_all = True
    for control in (False, True):
        name = "i-control" if control else "i"
        ka = dict(listener_ka="off", listener_uto="0s", cluster_ka="off", cluster_uto="0s") if control else {}
        ctx.start_gw(name, make_http_config(up_port=gport, tls=tls, **ka))
        run = GrpcRun(ctx, name, gport, idle, env={"LL_GRPC_TLS": f"{tls[0]},gw.lab.test"})
        msgs, err, ping = run.msgs, run.err, run.ping
        if not control:
            ok_all &= result("i", "gRPC stream over TLS via http_connection_manager, keepalive 1/1/3",
                             f"received {msgs}", f"message-2 arrives after {idle} s idle", run.survived,
                             f"gap {fmt(run.gap)}; " + (f"error {err.group(2)}" if err else "stream completed OK")
                             + f"; {run.ping_text}" + ("" if run.survived else f"; client said: {run.out[-300:]!r}"))
        else:
            ok = msgs == ["message-1"] and (err is not None or (ping is not None and ping.group(1) == "error"))
            ok_all &= result("i-control", "same without keepalive", f"received {msgs}, then "
                             f"{err.group(2) if err else 'no error'}", "must lose message-2", ok, run.ping_text)
    return ok_all


def admin_connections(port=ADMIN_PORT):
    """The gateway's /connections?format=json, asked inside its namespace as an operator on the node would."""
    out = subprocess.run(["ip", "netns", "exec", "ll-gw", "curl", "-s", "-m", "2",
                          f"http://127.0.0.1:{port}/connections?format=json"], capture_output=True, text=True)
    try:
        return json.loads(out.stdout) if out.returncode == 0 else None
    except ValueError:
        return None


def scenario_j(ctx):
    """The vanished client of b, watched through the admin endpoint's /connections: the probe counter TCP_INFO reports
    for the downstream connection rises one probe per interval, the timeline counts down to the reset, and the row is
    gone once the kernel resets the connection."""
    gw = ctx.start_gw("j", make_config())
    c, u = ctx.pair()
    client_port = c.sock.getsockname()[1]
    t_last = c.last_rx

    def row():
        rows = admin_connections()
        if rows is None:
            return None, False
        for r in rows:
            if r.get("direction") == "downstream" and r.get("peer", "").endswith(f":{client_port}"):
                return r, True
        return None, True

    first, _ = row()
    time.sleep(0.05)
    LAB.blackhole("ll-lb", CLIENT_IP)
    log("client blackholed at ll-lb; polling /connections")
    seen = []  # (seconds since last traffic, probes, reset_in_ms)
    gone_at = None
    deadline = t_last + RESET + 4
    while now() < deadline:
        r, answered = row()
        t = now() - t_last
        if r is not None:
            seen.append((t, r["tcp"]["probes"], r["timeline"].get("reset_in_ms")))
        elif answered and seen:
            gone_at = t
            break
        time.sleep(0.1)
    st = ctx.finish()
    probes = [p for _, p, _ in seen]
    rising = all(a <= b for a, b in zip(probes, probes[1:]))
    ka = (first or {}).get("keepalive", {})
    ok = (first is not None and ka.get("idle_s") == T and ka.get("interval_s") == I and ka.get("count") == N
          and rising and max(probes or [0]) >= N - 1 and 1 in probes
          and gone_at is not None and abs(gone_at - RESET) <= TOL
          and st.get("downstream_cx_keepalive_timeout", 0) == 1)
    steps = []
    for t, p, _ in seen:
        if not steps or steps[-1][1] != p:
            steps.append((t, p))
    timeline = ", ".join(f"{p} at {t:.1f} s" for t, p in steps)
    return result("j", "probes seen live in /connections", f"probes {timeline}; row gone at {fmt(gone_at)}",
                  f"1…{N} one per {I} s after {T} s idle, gone at {RESET} s", ok,
                  f"keepalive read back {ka.get('idle_s')}/{ka.get('interval_s')}/{ka.get('count')}; "
                  f"{len(seen)} polls; downstream_cx_keepalive_timeout={st.get('downstream_cx_keepalive_timeout', 0)}")



SCENARIOS = {"a": scenario_a, "b": scenario_b, "f": scenario_f, "c": scenario_c, "d": scenario_d, "e": scenario_e,
             "g": scenario_g, "h": scenario_h, "i": scenario_i, "j": scenario_j}
ORDER = ["a", "b", "f", "c", "d", "e", "g", "h", "i", "j"]


def write_results(path, elapsed):
    rows = ["| scenario | what | measured | theory | detail | result |", "|---|---|---|---|---|---|"]
    for sid, what, measured, theory, ok, detail in RESULTS:
        rows.append(f"| {sid} | {what} | {measured} | {theory} | {detail} | {'PASS' if ok else 'FAIL'} |")
    text = (f"# Lifeline keepalive lab — last run\n\n{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, "
            f"{elapsed:.0f} s, kernel {os.uname().release}, {LAB.iptables}; LB (conntrack) timeout {LB_TIMEOUT} s, "
            f"keepalive {T}/{I}/{N}\n\n" + "\n".join(rows) + "\n")
    with open(path, "w") as f:
        f.write(text)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=",".join(ORDER), help="comma-separated scenarios (a,b,c,d,e,f)")
    ap.add_argument("--results", default=os.path.join(HERE, "results.md"))
    args = ap.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    for s in only:
        if s not in SCENARIOS:
            ap.error(f"unknown scenario {s}")
    t0 = now()
    LAB.pick_iptables()
    print(f"lab: using {LAB.iptables}", flush=True)
    workdir = tempfile.mkdtemp(prefix="ll-lab-")
    # run a private copy: the build tree's binary may be relinked by a concurrent build while the lab runs
    global LIFELINE
    for attempt in range(30):
        try:
            shutil.copy2(LIFELINE, os.path.join(workdir, "lifeline"))
            ver = subprocess.run([os.path.join(workdir, "lifeline"), "version"], capture_output=True, text=True,
                                 timeout=10)
            if ver.returncode == 0:
                break
        except OSError:
            pass
        time.sleep(2)
    else:
        raise RuntimeError(f"cannot copy a working {LIFELINE}")
    LIFELINE = os.path.join(workdir, "lifeline")
    print(f"lab: lifeline {ver.stdout.strip()} (copied to {LIFELINE})", flush=True)
    ok_all = True
    LAB.up()
    ctx = Ctx(workdir)
    try:
        for s in [x for x in ORDER if x in only]:
            print(f"== scenario {s}", flush=True)
            try:
                ok_all &= bool(SCENARIOS[s](ctx))
            except Exception as e:  # a scenario that crashed is a failed scenario
                import traceback
                traceback.print_exc()
                result(s, "crashed", repr(e), "—", False)
                ok_all = False
                try:
                    ctx.finish()
                except Exception:
                    pass
    finally:
        if ctx.gw:
            ctx.gw.stop()
        LAB.down()
    elapsed = now() - t0
    rows = write_results(args.results, elapsed)
    print("\n" + "\n".join(rows))
    print(f"\nlab: {sum(r[4] for r in RESULTS)} passed, {sum(not r[4] for r in RESULTS)} failed in {elapsed:.0f} s; "
          f"logs in {workdir}; table in {args.results}")
    return 0 if ok_all and all(r[4] for r in RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
