#!/usr/bin/env python3
"""Lifeline under faults and exhausted resources: the real release binary, real sockets on loopback.

  faults/run [--only fd-exhaustion,global-cap,secure-defaults] [--no-build]

Scenarios:
  fd-exhaustion  The gateway runs with RLIMIT_NOFILE 256 and 400 clients connect (each proxied connection holds two
                 fds). accept(2) then fails with EMFILE while the pending connections wait in the backlog; the gateway
                 must pause accepting instead of retrying at once (which burns a core), keep serving the connections
                 it holds, count the shortage and log it once per burst (per listening socket), and accept again once
                 fds are free. Its config sets a global connection cap far above the fd limit
                 (overload_manager's global_downstream_max_connections), since Lifeline's default cap, derived from
                 RLIMIT_NOFILE, would stop accepting before the fds run out and EMFILE would never be seen.
  global-cap     The same 256 fds and 400 clients, with no cap in the config: Lifeline's default, (256 − 64) ÷ 2 = 96,
                 applies. About 96 clients are proxied; the others are closed as soon as they are accepted (not left
                 in the backlog) and counted as downstream_global_cx_overflow; accept(2) never fails for want of fds,
                 the gateway stays idle, and once the clients leave new ones are proxied.
  secure-defaults  What a config silent on security gets (faults/defaults.py): admin only on loopback, no open
                 proxy, TLS 1.2 at least, Envoy's header limit, no key material in check, /config_dump or logs.
  connection-limit, slowloris, smuggling, h2-floods
                 Abuse survived, answered and counted: see faults/abuse.py.
  upstream       Upstreams that refuse, stay silent, reset and vanish, met by tcp_proxy, HTTP/1.1, HTTP/2 and gRPC
                 clients, Lifeline and a real Envoy 1.40 side by side; nothing leaks (faults/upstream.py).
  soak           A bounded soak: mixed L4/HTTP/gRPC load with client deaths and upstream restarts, then fds, RSS,
                 connections and CPU back to idle (faults/soak.py; --soak-seconds, default 120).
"""
import argparse
import os
import re
import resource
import select
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
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


def tcp_proxy_config(port, upstream_port, max_connections=None):
    overload = "" if max_connections is None else f"""overload_manager:
  resource_monitors:
  - name: envoy.resource_monitors.global_downstream_max_connections
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
      max_active_downstream_connections: {max_connections}
"""
    return overload + f"""static_resources:
  listeners:
  - name: faults
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {port} }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: faults
          cluster: echo
  clusters:
  - name: echo
    connect_timeout: 1s
    load_assignment:
      cluster_name: echo
      endpoints:
      - lb_endpoints:
        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {upstream_port} }} }} }}
"""


def stat(log, name):
    return sum(int(m) for m in re.findall(rf"\b{re.escape(name)}=(\d+)", log))


def echo_round_trip(sock, payload=b"ping\n", timeout=3):
    sock.settimeout(timeout)
    sock.sendall(payload)
    got = b""
    while len(got) < len(payload):
        chunk = sock.recv(4096)
        if not chunk:
            return False
        got += chunk
    return got == payload


def scenario_fd_exhaustion(workdir):
    upstream = peers.TcpServer()
    upstream.start()
    port = free_port()
    # A cap far above what 256 fds allow, so that the fds, not the cap, run out.
    gw = peers.lifeline(workdir, "fd-exhaustion", tcp_proxy_config(port, upstream.port, max_connections=100000),
                        nofile=256)
    clients = []
    try:
        gw.wait_listening(port)
        for _ in range(400):
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        first = clients[0]
        time.sleep(1)
        before = gw.cpu_seconds()
        window = 3.0
        time.sleep(window)
        busy = (gw.cpu_seconds() - before) / window
        ok_cpu = result("fd-exhaustion: no spin", f"gateway used {busy:.0%} of a core over {window:.0f} s "
                        f"with 400 clients and 256 fds", "< 10 % (retrying accept at once burns up to 100 %)", busy < 0.1)
        ok_serving = result("fd-exhaustion: open connections served", "echo through an accepted connection: "
                            f"{echo_round_trip(first)}", "True", echo_round_trip(first))
        for c in clients[1:]:
            c.close()
        clients = [first]
        time.sleep(0.5)
        fresh, _ = proxied_again(port)
        ok_resume = result("fd-exhaustion: accepting again", f"a new client after the others left is proxied: "
                           f"{fresh is not None}", "True", fresh is not None)
        if fresh:
            fresh.close()
    finally:
        for c in clients:
            c.close()
        log = gw.stop()
    warnings = log.count("accept failed for want of resources")
    resumed = log.count("accepting again")
    counted = stat(log, "downstream_cx_accept_backoff")
    # A burst starts with one warning and ends with "accepting again"; each of the two listening sockets (one per
    # event loop) has its own bursts, and one may still be in a burst when the gateway stops.
    ok_log = result("fd-exhaustion: counted and logged once per burst",
                    f"downstream_cx_accept_backoff={counted}, warnings={warnings}, 'accepting again'={resumed}",
                    "counter > 0; warnings ≥ 1 and ≤ 'accepting again' + 2; far fewer lines than refused accepts",
                    counted > 0 and 1 <= warnings <= resumed + 2 and resumed >= 1 and warnings * 5 < counted)
    return ok_cpu and ok_serving and ok_resume and ok_log


def proxied_again(port, within=5):
    """A new client that the gateway proxies (an echo round trip) within `within` seconds, or None; and how many
    clients before it were refused (the gateway may still be closing the ones that left, so a cap can still be full)."""
    deadline = time.monotonic() + within
    refused = 0
    while time.monotonic() < deadline:
        fresh = None
        try:
            fresh = socket.create_connection(("127.0.0.1", port), timeout=2)
            if echo_round_trip(fresh, timeout=2):
                return fresh, refused
        except OSError:
            pass
        refused += 1
        if fresh:
            fresh.close()
        time.sleep(0.2)
    return None, refused


def closed_at_once(clients, within):
    """The clients whose connection the gateway ended (EOF or reset) within `within` seconds, without a byte sent, and
    how long after the call the last of them ended."""
    poller = select.poll()
    by_fd = {c.fileno(): c for c in clients}
    for fd in by_fd:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    closed = set()
    started = time.monotonic()
    last = 0.0
    deadline = started + within
    while time.monotonic() < deadline and len(closed) < len(clients):
        for fd, _ in poller.poll(100):
            if fd in closed:
                continue
            try:
                ended = by_fd[fd].recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
            except BlockingIOError:
                ended = False
            except OSError:
                ended = True
            if ended:
                closed.add(fd)
                poller.unregister(fd)
                last = time.monotonic() - started
    return [c for c in clients if c.fileno() in closed], last


def scenario_global_cap(workdir):
    upstream = peers.TcpServer()
    upstream.start()
    port = free_port()
    gw = peers.lifeline(workdir, "global-cap", tcp_proxy_config(port, upstream.port), nofile=256)
    expected_cap = (256 - 64) // 2
    clients = []
    closed = []
    refused_again = 0
    try:
        gw.wait_listening(port)
        for _ in range(400):
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        closed, elapsed = closed_at_once(clients, within=3)
        kept = [c for c in clients if c not in closed]
        before = gw.cpu_seconds()
        window = 3.0
        time.sleep(window)
        busy = (gw.cpu_seconds() - before) / window
        echoed = sum(1 for c in kept if echo_round_trip(c))
        ok_closed = result("global-cap: the rest closed at once",
                           f"{len(closed)} of 400 closed without a byte, the last {elapsed:.2f} s after the last client connected",
                           f"about {400 - expected_cap} (400 − the default cap {expected_cap}), not waiting in the backlog",
                           abs(len(closed) - (400 - expected_cap)) <= 4)
        ok_served = result("global-cap: served up to the cap", f"{echoed} of {len(kept)} kept connections echo",
                           f"about {expected_cap}, all of them echoing",
                           abs(echoed - expected_cap) <= 4 and echoed == len(kept))
        ok_cpu = result("global-cap: no spin", f"gateway used {busy:.0%} of a core over {window:.0f} s",
                        "< 10 %", busy < 0.1)
        for c in clients:
            c.close()
        clients = []
        fresh, refused_again = proxied_again(port)
        ok_resume = result("global-cap: serving again", f"a new client after the others left is proxied: "
                           f"{fresh is not None}", "True", fresh is not None)
        if fresh:
            fresh.close()
    finally:
        for c in clients:
            c.close()
        log = gw.stop()
    overflow = stat(log, "downstream_global_cx_overflow")
    backoff = stat(log, "downstream_cx_accept_backoff")
    ok_counted = result("global-cap: counted, fds never ran out",
                        f"downstream_global_cx_overflow={overflow}, downstream_cx_accept_backoff={backoff}",
                        f"overflow = the connections closed at once ({len(closed)}) + the new clients refused while "
                        f"the others were still closing ({refused_again}); no accept back-off",
                        overflow == len(closed) + refused_again and backoff == 0)
    return ok_closed and ok_served and ok_cpu and ok_resume and ok_counted


# The scenario files import this one as `faults` (`from faults import result`) and each other as `faults.peers`;
# run as a script it is `__main__`, so it stands in for the package instead of being loaded a second time (a second
# copy would keep its own RESULTS).
__path__ = [HERE]
sys.modules["faults"] = sys.modules[__name__]
from faults import peers, soak, upstream  # noqa: E402
from faults.abuse import SCENARIOS as ABUSE_SCENARIOS  # noqa: E402
from faults.defaults import scenario_secure_defaults  # noqa: E402

SCENARIOS = {"fd-exhaustion": scenario_fd_exhaustion, "global-cap": scenario_global_cap,
             "secure-defaults": scenario_secure_defaults, **ABUSE_SCENARIOS,
             "upstream": lambda workdir: upstream.scenario(workdir, result),
             "soak": lambda workdir, seconds=soak.SECONDS: soak.scenario(workdir, result, seconds)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--soak-seconds", type=float, default=soak.SECONDS, help="how long the soak's load runs")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    workdir = tempfile.mkdtemp(prefix="lifeline-faults-")
    ok = True
    for name in args.only.split(","):
        print(f"== {name}", flush=True)
        try:
            ok &= SCENARIOS[name](workdir, args.soak_seconds) if name == "soak" else SCENARIOS[name](workdir)
        except Exception as error:  # a scenario that crashed is a failed one
            import traceback
            traceback.print_exc()
            ok &= result(name, f"crashed: {error!r}", "no crash", False)
    print(f"\nfaults: {sum(r[3] for r in RESULTS)} passed, {sum(not r[3] for r in RESULTS)} failed; logs in {workdir}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
