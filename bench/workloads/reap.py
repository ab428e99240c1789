"""reap: dead-peer reaping at scale, as root, in the network namespaces of testkit/netns.py (ll-client — NLB sim —
ll-gw — NLB sim — ll-up): N idle connections through each proxy (keepalive 1 s / 1 s / 3 on both legs), one line each
way, then every client blackholed at once at the first NLB. Per connection, the time from its last traffic until the
proxy closed its upstream leg; the proxy's CPU from the blackhole until all were closed; for Lifeline and Envoy, the
admin endpoint's count of closed and still-active connections."""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from bench.common import BenchError, ReapMissed, Route, Site
from testkit import admin
from testkit import netns as lab
from testkit.hub import Hub, idle_pairs, reaped_after
from testkit.processes import cpu_seconds, fd_count

NAME = "reap"
KEEPALIVE = (1, 1, 3)  # T s idle, I s between probes, N probes
THEORY = KEEPALIVE[0] + KEEPALIVE[1] * KEEPALIVE[2]  # s after the last traffic
TOLERANCE = 1.0  # s
LB_TIMEOUT = 4  # s, the simulated NLBs' established-flow timeout
BACKLOG = 20000  # net.core.netdev_max_backlog while it runs (restored after)
ACCEPT_QUEUE = 16384  # the upstream listener's backlog and ll-up's net.core.somaxconn (the namespace goes after)
ADMIN_PORT = 9901  # the peers' admin endpoint, on ll-gw's loopback


def settings(h) -> dict:
    return {"reap_conns": h.reap_conns, "reap_keepalive": list(KEEPALIVE), "reap_theory_s": THEORY,
            "reap_tolerance_s": TOLERANCE, "reap_lb_timeout_s": LB_TIMEOUT}


def run(h) -> None:
    n = h.reap_conns
    case = f"{n} conns"
    print(f"\n== dead-peer reaping: {n} idle connections through each proxy in the namespace lab, blackholed at once", flush=True)
    if os.geteuid() != 0:
        h.skip(NAME, "needs root (network namespaces, iptables); run bench/run as root")
        return
    names = lab.NAMESPACES + [lab.PROBE]
    taken = [ns for ns in names if lab.exists(ns)]
    if taken:
        h.fail_workload(NAME, case, f"the lab's network namespaces exist already ({', '.join(taken)}): is lab/run "
                                    f"running? If not, remove them (ip netns del NAME) and run again")
        return
    # From here on, bench/run's trap removes these namespaces if the harness cannot (it is killed).
    marker = h.tmp / "netns"
    marker.write_text("".join(f"{ns}\n" for ns in names))
    site = Site(host=lab.GW_IP, upstream_host=lab.UP_IP, keepalive=KEEPALIVE, netns="ll-gw", port=lab.GW_PORT,
                admin_port=ADMIN_PORT, tag="-lab")
    peers = h.make_peers(NAME, site)
    route = Route("tcp", lab.UP_PORT)
    hub = listener = None
    # Every command of the lab's set-up and of each run is noted, for BENCHMARKS.md.
    namespaces = lab.Lab(lb_timeout=LB_TIMEOUT, note=h.procs.note)
    backlog_path = Path("/proc/sys/net/core/netdev_max_backlog")
    backlog_before = backlog_path.read_text().strip() if backlog_path.exists() else None
    try:
        try:
            namespaces.pick_iptables()
            # All N connections' SYNs, and later their keepalive probes, leave within ~0.1 s; the default per-CPU
            # receive backlog (1000) would drop some on the veths, which measures the lab, not the proxies.
            if backlog_before is not None and int(backlog_before) < BACKLOG:
                namespaces.sh(["sysctl", "-qw", f"net.core.netdev_max_backlog={BACKLOG}"])
            namespaces.up()
            # nginx's upstream keepalive (proxy_socket_keepalive on) has the kernel's timings: set ll-gw's to the same
            # 1/1/3, or ll-lb2 forgets nginx's idle upstream flows (the others set their own).
            t, i, k = KEEPALIVE
            namespaces.sh(["sysctl", "-qw", f"net.ipv4.tcp_keepalive_time={t}", f"net.ipv4.tcp_keepalive_intvl={i}",
                           f"net.ipv4.tcp_keepalive_probes={k}"], ns="ll-gw")
            # Each run leaves N connections in TIME_WAIT on the side that closed first (the proxies' upstream legs
            # in ll-gw, the clients in ll-client) for 60 s, and the next peer's run dials the same address: with
            # the default 28,232 ephemeral ports the fourth run in a row ran out (connect: EADDRNOTAVAIL), which
            # failed later runs in set-up. Every port, and TIME_WAIT ports reused for new outgoing connections.
            for ns in ("ll-gw", "ll-client"):
                namespaces.sh(["sysctl", "-qw", "net.ipv4.ip_local_port_range=10000 65535", "net.ipv4.tcp_tw_reuse=1"],
                              ns=ns)
            # The proxy dials all N upstream legs within a second or two while this Python process is still making
            # client connections; an accept queue with room for all of them (somaxconn's default is 4,096) keeps a
            # dropped SYN from outliving the proxies' 5 s connect_timeout.
            namespaces.sh(["sysctl", "-qw", f"net.core.somaxconn={ACCEPT_QUEUE}"], ns="ll-up")
            hub = Hub()
            listener = hub.listen("ll-up", lab.UP_IP, lab.UP_PORT, backlog=ACCEPT_QUEUE)
            for name, peer in peers.items():
                peer.command(route)
                h.configs[f"{name} (reap workload, in ll-gw)"] = peer.config_text(route)
        except (RuntimeError, OSError, BenchError) as error:
            h.fail_workload(NAME, case, f"namespace lab set-up failed: {error}")
            return
        for run_ in range(h.runs):
            for name in peers:
                namespaces.flush_conntrack()
                h.measure(NAME, case, name, run_, lambda: h.with_peer(
                    name, route, lambda _port, pids: reap(h, namespaces, hub, peers[name], pids), peers))
    finally:
        if hub is not None:
            hub.stop()
        if listener is not None:
            listener.close()
        namespaces.down()
        if backlog_before is not None and int(backlog_before) < BACKLOG:
            namespaces.sh(["sysctl", "-qw", f"net.core.netdev_max_backlog={backlog_before}"], check=False)
        marker.unlink()


def reap(h, namespaces: lab.Lab, hub: Hub, peer, pids: list[int]) -> dict:
    """One run: N connections through the proxy, one line each way, then the client blackholed at ll-lb; waits until
    the proxy has closed every upstream leg (it reaped the dead client) and its fd count is back."""
    n = h.reap_conns
    try:
        time.sleep(0.2)
        fds0 = fd_count(pids)
        before = peer.counters()
        h.procs.note(f"# the harness itself (testkit Hub, sockets made in ll-client / ll-up with setns): {n} connections "
                     f"{lab.CLIENT_IP} -> {lab.GW_IP}:{lab.GW_PORT} -> the proxy -> {lab.UP_IP}:{lab.UP_PORT}, one line "
                     f"each way on each, then the blackhole at ll-lb:")
        t0 = time.monotonic()
        pairs = idle_pairs(hub, n, "ll-client", lab.GW_IP, lab.GW_PORT)
        setup = time.monotonic() - t0
        t_first, t_last = min(c.last_rx for c, _ in pairs), max(c.last_rx for c, _ in pairs)
        time.sleep(0.05)
        cpu0 = cpu_seconds(pids)
        namespaces.blackhole("ll-lb", lab.CLIENT_IP)
        cpu = fds_back = None
        deadline = t_last + THEORY + 6
        while time.monotonic() < deadline:
            if cpu is None and all(u.end_at for _, u in pairs):
                cpu = cpu_seconds(pids) - cpu0
            if cpu is not None and fd_count(pids) <= fds0:
                fds_back = time.monotonic() - t_last
                break
            time.sleep(0.02)
        ended = [x for x in reaped_after(pairs) if x is not None]
        if cpu is None:
            worst = f" (the slowest so far after {max(ended):.2f} s)" if ended else ""
            raise ReapMissed(f"{len(ended)} of {n} dead clients reaped within theory + 6 s = {THEORY + 6} s of the last "
                             f"traffic{worst}")
        fds_left = fd_count(pids) - fds0
        if fds_left > 0:
            h.oddity(f"{peer.name} held {fds_left} more fds than before its {n} connections, {THEORY + 6} s after their "
                     f"last traffic (all reaped)")
        result = {"worst_s": max(ended), "median_s": statistics.median(ended), "best_s": min(ended), "cpu_s": cpu,
                  "reaped": len(ended), "theory_s": THEORY, "fds_back_s": fds_back, "setup_s": setup,
                  "traffic_spread_s": t_last - t_first}
        after = peer.counters()
        if after is not None:
            # The proxy's own count: every connection accepted and closed again, none left active.
            closed = admin.total(after, "downstream_cx_destroy") - admin.total(before, "downstream_cx_destroy")
            active = admin.total(after, "downstream_cx_active")
            result.update(admin_closed=closed, admin_active=active)
            if active:
                h.oddity(f"{peer.name}'s admin /stats: downstream_cx_active {active} after every connection was reaped")
            keepalive = admin.total(after, "downstream_cx_keepalive_timeout") - admin.total(before, "downstream_cx_keepalive_timeout")
            if "lifeline" in peer.name:
                result["admin_keepalive_timeouts"] = keepalive
        return result
    except (RuntimeError, OSError) as error:  # testkit's: a connection, the hub or an iptables/conntrack command
        raise BenchError(f"namespace lab: {error}")
    finally:
        namespaces.unblackhole("ll-lb", lab.CLIENT_IP)
        hub.close_all()
