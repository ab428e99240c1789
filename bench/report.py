#!/usr/bin/env python3
"""Turns the harness's results (results.json) into the printed table, BENCHMARKS.md and the PNG plot.

Run on its own to redo the report from a saved results.json:
    python3 bench/report.py bench/results/results.json BENCHMARKS.md bench/results.png
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import textwrap
from pathlib import Path

NAMES = {"lifeline": "Lifeline", "lifeline-relay": "Lifeline (relay)", "envoy": "Envoy", "haproxy": "HAProxy",
         "nginx": "nginx", "direct": "direct"}
COLORS = {"lifeline": "#e4572e", "lifeline-relay": "#f2a541", "envoy": "#7b4fa0", "haproxy": "#2f6db5",
          "nginx": "#3a9a4a", "direct": "#9a9a9a"}
REFERENCES = ("envoy", "haproxy", "nginx")  # the peers Lifeline's targets compare with ("the best peer")
OURS = ("lifeline", "lifeline-relay")
STARTUP_MS = 50.0
IDLE_KIB = 3.0


# ---------------------------------------------------------------------------------------------------------------------
# Aggregation


class Stat:
    def __init__(self, values: list[float], failed: int):
        self.values = values
        self.failed = failed
        self.median = statistics.median(values) if values else None
        self.min = min(values) if values else None
        self.max = max(values) if values else None


def stat(result: dict, workload: str, case: str, metric: str, peer: str) -> Stat:
    values, failed = [], 0
    for s in result["samples"]:
        if s["workload"] == workload and s["case"] == case and s["peer"] == peer:
            if not s["ok"]:
                failed += 1
            elif metric in s:
                values.append(float(s[metric]))
    return Stat(values, failed)


def rows(result: dict) -> list[dict]:
    """Every table row: which samples it aggregates, its unit, which way is better, its target.

    Targets: "best" (≥ 1.00× the best of Envoy, HAProxy and nginx, or ≤ it when lower is better), "envoy" (the same
    against Envoy), "bulk" (best, and ≥ 0.75× direct), "idle" (≤ 3.0 KiB per connection), "startup" (< 50 ms),
    "reap" (every run's slowest connection within theory + 1 s)."""
    settings = result["settings"]
    skipped = result.get("skipped", {})
    workloads = settings["workloads"]
    out = []

    def row(workload, case, metric, label, unit, better, target=None, direct=False, info=False, limit=None):
        out.append(dict(workload=workload, case=case, metric=metric, label=label, unit=unit, better=better,
                        target=target, direct=direct, info=info, limit=limit, skipped=skipped.get(workload)))

    if "bulk" in workloads:
        for case in ("1 stream", "8 streams"):
            row("bulk", case, "gbps", f"L4 bulk, {case} (iperf3)", "Gbit/s", "higher", target="bulk", direct=True)
        for case in ("1 stream", "8 streams"):
            row("bulk", case, "cpu_cores", f"  proxy CPU during bulk, {case}", "cores", "info", info=True)
    if "requests" in workloads:
        for case in ("c=50", "c=200"):
            row("requests", case, "rps", f"L4 small requests, {case} (wrk via tcp_proxy)", "req/s", "higher",
                target="best", direct=True)
            row("requests", case, "p99_ms", f"  p99 latency, {case}", "ms", "lower", target="best", direct=True)
        for case in ("c=50", "c=200"):
            row("requests", case, "cpu_cores", f"  proxy CPU during requests, {case}", "cores", "info", info=True)
    if "http1" in workloads:
        for case in ("c=50", "c=200"):
            row("http1", case, "rps", f"HTTP/1.1, {case} (wrk via the HTTP layer)", "req/s", "higher", target="best",
                direct=True)
            row("http1", case, "p99_ms", f"  p99 latency, {case}", "ms", "lower", info=True, direct=True)
            row("http1", case, "cpu_cores", f"  proxy CPU, {case}", "cores", "info", info=True)
    if "http2" in workloads:
        conns, streams = settings.get("h2_shape", [4, 100])
        for case in ("h2c", "h2 over TLS"):
            row("http2", case, "rps", f"HTTP/2, {case} (h2load -c {conns} -m {streams})", "req/s", "higher",
                target="envoy")
            row("http2", case, "cpu_cores", f"  proxy CPU, {case}", "cores", "info", info=True)
            row("http2", case, "client_cores", f"  h2load CPU, {case}", "cores", "info", info=True)
    if "grpc" in workloads:
        conns, streams = settings.get("h2_shape", [4, 100])
        row("grpc", "unary, h2c", "rps", f"gRPC unary (h2load -c {conns} -m {streams}, gRPC framing)", "req/s", "higher",
            target="envoy", direct=True)
        row("grpc", "unary, h2c", "cpu_cores", "  proxy CPU, gRPC unary", "cores", "info", info=True)
    if "tls" in workloads:
        for label in ("ECDSA P-256", "RSA 2048"):
            case = f"handshakes, {label}"
            row("tls", case, "rps", f"TLS full handshakes/s, {label} (openssl s_time -new)", "conn/s", "higher",
                target="envoy")
            row("tls", case, "cpu_cores", f"  proxy CPU, {label}", "cores", "info", info=True)
            row("tls", case, "client_cores", f"  openssl s_time CPU, {label}", "cores", "info", info=True)
        row("tls", "bulk", "gbps", f"TLS-terminated bulk (wrk -c4, {settings.get('tls_bulk_mib', 64)} MiB GET, ECDSA "
            f"P-256)", "Gbit/s", "higher",
            target="envoy")
        row("tls", "bulk", "cpu_cores", "  proxy CPU, TLS bulk", "cores", "info", info=True)
    if "idle" in workloads:
        for size in settings["idle_sizes"]:
            case = f"{size} conns"
            row("idle", case, "rss_kib_per_conn", f"L4 idle, {size:,} conns: proxy RSS", "KiB/conn", "lower",
                target="idle")
            row("idle", case, "sock_held_mib", "  kernel TCP socket memory while held (sockstat, machine)", "MiB",
                "info", info=True)
    if "h2idle" in workloads:
        size = settings.get("h2idle", 2000)
        row("h2idle", f"{size} conns", "rss_kib_per_conn", f"HTTP/2 idle, {size:,} conns: proxy RSS", "KiB/conn",
            "lower", target="envoy")
    if "startup" in workloads:
        row("startup", "exec to accept", "accept_ms", "Start-up: exec to accepting", "ms", "lower", target="startup")
        row("startup", "exec to accept", "first_byte_ms", "  exec to first proxied byte", "ms", "lower", info=True)
    if "reap" in workloads:
        n, limit = settings["reap_conns"], settings["reap_theory_s"] + settings["reap_tolerance_s"]
        case = f"{n} conns"
        row("reap", case, "worst_s", f"Dead-peer reaping, {n:,} conns blackholed: worst time to close after last "
            f"traffic", "s", "lower", target="reap", limit=limit)
        row("reap", case, "median_s", "  median time to close after last traffic", "s", "lower", info=True)
        row("reap", case, "cpu_s", "  proxy CPU while reaping (blackhole to all closed)", "core-s", "lower",
            target="best")
    return out


def reap_target(settings: dict) -> str:
    theory, tolerance = settings["reap_theory_s"], settings["reap_tolerance_s"]
    return f"≤ theory + {tolerance:g} s = {theory + tolerance:g} s (theory {theory:g} s), every run"


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    if unit in ("req/s", "conn/s") or abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if 0 < abs(value) < 0.1:
        return f"{value:.3f}"
    return f"{value:.2f}"


def cell(st: Stat, unit: str) -> str:
    if not st.values:
        return "FAILED" if st.failed else "–"
    text = fmt(st.median, unit)
    if len(st.values) > 1:
        text += f" ({fmt(st.min, unit)}–{fmt(st.max, unit)})"
    if st.failed:
        text += f" [{st.failed} failed]"
    return text


def ratio(a: Stat | None, b: Stat | None) -> float | None:
    if a is None or b is None or a.median is None or b.median is None or b.median == 0:
        return None
    return a.median / b.median


def rtext(r: float | None) -> str:
    return "–" if r is None else f"{r:.2f}×"


def best_peer(r: dict, stats: dict[str, Stat]) -> str | None:
    """The best of Envoy, HAProxy and nginx on this row (by median, in the row's better direction)."""
    have = [p for p in REFERENCES if p in stats and stats[p].median is not None]
    if not have:
        return None
    pick = min if r["better"] == "lower" else max
    return pick(have, key=lambda p: stats[p].median)


def reap_verdict(r: dict, ours: Stat | None, peer: str, result: dict) -> str:
    """Every connection of every run must be closed in time: each run's slowest counts, and a run that failed because
    connections were still open at its deadline (`missed`) misses it; a run that failed otherwise (set-up) does not
    count either way."""
    if ours is None:
        return "n/a (no data)"
    missed = sum(1 for s in result["samples"] if s["workload"] == r["workload"] and s["case"] == r["case"]
                 and s["peer"] == peer and not s["ok"] and s.get("missed"))
    late = sum(v > r["limit"] for v in ours.values) + missed
    n = len(ours.values) + missed
    runs = f"{n} run{'s' if n != 1 else ''}"
    slowest = f"; slowest {ours.max:.2f} s" if ours.values else ""
    other = f"; {ours.failed - missed} run(s) failed" if ours.failed > missed else ""
    if late:
        return f"NOT met ({late} of {runs} late{slowest}{other})"
    if not ours.values:
        return f"n/a (no data{other})"
    return f"met (slowest of {runs}: {ours.max:.2f} s{other})"


def target_text(r: dict, result: dict) -> str:
    kind, lower = r["target"], r["better"] == "lower"
    return {"best": "≤ best peer" if lower else "≥ 1.00× best peer", "envoy": "≤ Envoy" if lower else "≥ 1.00× Envoy",
            "bulk": "≥ 1.00× best peer and ≥ 0.75× direct", "idle": f"≤ {IDLE_KIB:g} KiB/conn",
            "startup": f"< {STARTUP_MS:g} ms", "reap": reap_target(result["settings"]) if kind == "reap" else ""}.get(kind, "")


def judge(r: dict, stats: dict[str, Stat], peer: str, result: dict) -> str:
    """met / NOT met (with the ratio) for `peer` (Lifeline, or its relay engine) on this row."""
    kind, lower = r["target"], r["better"] == "lower"
    ours = stats.get(peer)
    if r["skipped"]:
        return f"n/a (skipped: {r['skipped']})"
    if kind == "reap":
        return reap_verdict(r, ours, peer, result)
    if ours is None or ours.median is None:
        return "n/a (no data)"

    def against(ref: str | None, name: str) -> tuple[bool | None, str]:
        q = ratio(ours, stats.get(ref)) if ref else None
        if q is None:
            return None, f"no {name} data"
        return (q <= 1.0 if lower else q >= 1.0), f"{q:.2f}× {NAMES[ref]}"

    if kind == "idle":
        return f"{'met' if ours.median <= IDLE_KIB else 'NOT met'} ({ours.median:.2f})"
    if kind == "startup":
        return f"{'met' if ours.median < STARTUP_MS else 'NOT met'} ({ours.median:.1f} ms)"
    if kind == "envoy":
        ok, text = against("envoy", "Envoy")
    else:
        ok, text = against(best_peer(r, stats), "best peer")
    if kind == "bulk":
        q = ratio(ours, stats.get("direct"))
        if ok is None or q is None:
            return f"n/a ({text}{'' if q is not None else ', no direct data'})"
        ok_d = q >= 0.75
        return (f"{'met' if ok and ok_d else 'NOT met'} ({text} {'ok' if ok else 'short'}, {q:.2f}× direct "
                f"{'ok' if ok_d else 'short'})")
    if ok is None:
        return f"n/a ({text})"
    return f"{'met' if ok else 'NOT met'} ({text})"


def verdict(r: dict, stats: dict[str, Stat], result: dict) -> tuple[str, str]:
    """(target, met / not met …) for Lifeline on this row, and for its relay engine where it ran."""
    if r["target"] is None:
        return "", ""
    text = judge(r, stats, "lifeline", result) if "lifeline" in stats else ""
    if "lifeline-relay" in stats and stats["lifeline-relay"].values:
        text += ("; " if text else "") + "relay: " + judge(r, stats, "lifeline-relay", result)
    return target_text(r, result), text


def row_peers(result: dict, workload: str) -> list[str]:
    """The peers that took part in a workload (samples, failed ones too), in the settings' order."""
    seen = {s["peer"] for s in result["samples"] if s["workload"] == workload}
    return [p for p in result["settings"]["peers"] if p in seen]


def table(result: dict) -> tuple[list[str], list[list[str]]]:
    peers = result["settings"]["peers"]
    ours = [p for p in OURS if p in peers]
    header = ["Workload", "Unit"] + [NAMES[p] for p in peers] + ["direct"]
    header += [f"{NAMES[p]} / best peer" for p in ours] + (["Lifeline / Envoy"] if "lifeline" in ours else [])
    header += ["Target (Lifeline)", "Met?"]
    body = []
    for r in rows(result):
        present = row_peers(result, r["workload"])
        targets = present + (["direct"] if r["direct"] else [])
        stats = {p: stat(result, r["workload"], r["case"], r["metric"], p) for p in targets}
        line = [r["label"] + (" (lower is better)" if r["better"] == "lower" and not r["info"] else ""), r["unit"]]
        line += ["skipped" if r["skipped"] else (cell(stats[p], r["unit"]) if p in stats else "") for p in peers]
        line.append(cell(stats["direct"], r["unit"]) if r["direct"] else "")
        best = best_peer(r, stats) if not r["info"] else None  # an information row has no "best"
        for p in ours:
            line.append(rtext(ratio(stats.get(p), stats.get(best))) if best and p in stats and not r["skipped"] else "")
        if "lifeline" in ours:
            line.append(rtext(ratio(stats.get("lifeline"), stats.get("envoy"))) if "envoy" in stats and not r["skipped"] else "")
        line += list(verdict(r, stats, result))
        body.append(line)
    return header, body


def text_table(result: dict) -> str:
    header, body = table(result)
    width = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, width))]
    lines.append("  ".join("-" * w for w in width))
    for b in body:
        lines.append("  ".join(str(x).ljust(w) for x, w in zip(b, width)).rstrip())
    return "\n".join(lines)


def markdown_table(result: dict) -> str:
    header, body = table(result)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for b in body:
        lines.append("| " + " | ".join(str(x).replace("|", "\\|") for x in b) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------------
# BENCHMARKS.md


METHOD = """\
- **Peers** are each started afresh for every single measurement (so no run inherits another's state) and stopped
  with SIGTERM after it; the order alternates: Lifeline, Lifeline (relay), Envoy, HAProxy, nginx, (direct), Lifeline, …
  Each takes part in the workloads it serves: Lifeline and Envoy in all; Lifeline (relay) in the L4 ones (tcp_proxy:
  bulk, small requests, idle, start-up, reaping); HAProxy and nginx in the L4 ones, HTTP/1.1, HTTP/2 and TLS. All of them get the same number of threads: Lifeline
  `--event-loops N`, Envoy `--concurrency N`, HAProxy `nbthread N`, nginx `worker_processes N`. **Lifeline and
  Envoy run the same Envoy v3 bootstrap** (below): keepalive on the listener as the literal socket options
  (`SO_KEEPALIVE`, `TCP_KEEPIDLE/INTVL/CNT` at `STATE_LISTENING`, which every accepted socket inherits; Envoy's
  Listener has no `tcp_keepalive`), upstream keepalive as the cluster's `upstream_connection_options.tcp_keepalive`,
  no access log, Envoy's defaults everywhere else; Envoy runs with `--disable-hot-restart --log-level critical`, and
  both have an admin endpoint on loopback, whose `/stats` the harness reads after every run: a run in which the
  listener counted no connection fails. Downstream TCP keepalive is on everywhere with 15 s / 15 s / 3 (HAProxy
  `option clitcpka` + `clitcpka-idle/intvl/cnt`; nginx `so_keepalive=15s:15s:3`), upstream keepalive too (HAProxy
  `srvtcpka`, nginx `proxy_socket_keepalive on` with the kernel's timings). Timeouts of an hour; buffers at their
  defaults; no splicing. Lifeline, Envoy and nginx have one `SO_REUSEPORT` listening socket per event loop / worker;
  HAProxy shares one socket among its threads (its default). The reaping workload uses 1 s / 1 s / 3 instead.
- **HTTP peers**: HAProxy `mode http` (keep-alive to the server, its default; HTTP/2 clients: `bind … proto h2` for
  h2c, ALPN h2 with TLS), nginx `proxy_pass` to an `upstream` block with `keepalive 512`, `proxy_http_version 1.1`,
  `proxy_set_header Connection ""` and `proxy_buffering off` (HTTP/2 clients: `listen … http2`);
  Lifeline and Envoy the `http_connection_manager` (codec `AUTO`: HTTP/1.1, or HTTP/2 by ALPN or the h2c preface)
  routing `/` to the cluster, whose pooled connections are HTTP/1.1 keep-alive (h2c for gRPC). TLS: the certificates
  are made for the run with openssl (ECDSA P-256 and RSA 2048, self-signed); Lifeline and Envoy terminate TLS on the
  filter chain (`DownstreamTlsContext`, ALPN h2 and http/1.1), HAProxy with `bind … ssl crt`, nginx `listen … ssl`.
- **L4 bulk**: an `iperf3 -s` on 127.0.0.1 is the upstream; `iperf3 -c` sends through the proxy with `-P 1` and
  `-P 8` (the first second omitted when a run lasts 5 s or more); the number is iperf3's received rate. *direct* is
  the same client straight to the server. "proxy CPU" is the proxy's user + system CPU time over the run divided by
  its wall time (summed over nginx's processes), in cores. On loopback the client, the proxy and the server share the
  same cores, and a proxy adds a second receive and send (two more copies) of every byte, so on a 2-core machine no
  proxy gets near *direct*: the "≥ 0.75× direct" target needs cores to spare.
- **L4 small requests / HTTP/1.1**: one nginx (`return 200`, one worker, keep-alive for the whole run) is the
  upstream; `wrk -t2 -c50` and `-c200` with `--latency` send HTTP/1.1 keep-alive requests through the proxy's
  tcp_proxy (L4), or through its HTTP layer (HTTP/1.1); requests/s and the 99th percentile latency as wrk reports
  them. *direct* is wrk straight to that nginx: the upstream's own limit on this machine.
- **HTTP/2**: `h2load -c 4 -m 100 -t 2 -D S` (four connections, 100 concurrent streams on each), h2c by prior
  knowledge and h2 over TLS (ECDSA P-256, ALPN h2), through each proxy's HTTP layer to the same nginx over HTTP/1.1;
  every request must get a 2xx, over HTTP/2. **gRPC unary**: the same h2load shape posting one length-prefixed 16-byte message
  (`-d`, `content-type: application/grpc`, `te: trailers`) to an h2c upstream (nginx, `listen … http2`: every POST
  answered 200, `application/grpc`, one 16-byte message and the trailer `grpc-status: 0`); before the first run one
  real grpcio call through each proxy must return that message with status OK. *direct* is h2load straight to it.
  The h2load client's CPU is in the table.
- **TLS handshakes**: 8 `openssl s_time -new` processes at once for the run's duration, each connecting, completing
  a full handshake with a new session and closing, over and over (wrk and h2load resume sessions: Envoy counted
  4,176 of 4,226 wrk handshakes as resumed, so they measure resumption). Connections per second = the processes'
  total ÷ the duration; Lifeline's and Envoy's `ssl.handshake` counters confirm the count and Envoy's
  `ssl.session_reused` stays 0. The client's CPU is in the table: an ECDSA P-256 handshake costs the client
  (verifying) more than the server (signing), so on 2 shared cores that case is bounded by the client as much as by
  the proxy. **TLS bulk**: `wrk -c4` fetching a 64 MiB file (4 MiB in the smoke run; nginx `sendfile`) over TLS through each proxy; the
  number is wrk's bytes read per second.
- **Idle connections (L4)**: the upstream is `bench/idle_upstream.py` (one Python process, epoll, echoes and holds
  every connection). Client processes (`bench/idle_client.py`, at most 2,000 connections each, as the fd limit is
  20,000 per process) open the connections through the proxy, send one byte on each and wait for its echo, then hold
  them idle. The proxy's VmRSS (summed over nginx's processes) is read before the clients start (after one warm-up
  echo) and 2 s after every connection is up; the difference divided by the number of connections is the row.
  Beside it, the kernel's TCP socket memory while held (`/proc/net/sockstat`, for the whole machine). KiB are 1024
  bytes. **Idle HTTP/2**: the same with `bench/h2_idle_client.py`: each connection sends the preface and SETTINGS,
  one GET / read to its end (through the proxy to nginx), acknowledges the proxy's SETTINGS, and is then held.
- **Start-up**: the configs are written and checked first; the clock starts right before `exec` and stops when a
  `connect()` to the listener, retried in a tight loop, succeeds, and then once more when one byte has gone through
  the proxy to the echo upstream and back. It runs before the idle workloads, whose closed connections leave the
  machine with tens of thousands of TIME_WAIT sockets to that upstream.
- **Dead-peer reaping at scale** (as root) runs in the network namespaces of `testkit/netns.py` (the lab's):
  `ll-client` 198.18.1.2 — `ll-lb` (an NLB simulated with conntrack: established-flow timeout 4 s,
  `nf_conntrack_tcp_loose=0`, any packet of a forgotten flow answered with a TCP RST) — `ll-gw` 198.18.2.2 (the
  proxy, started with `ip netns exec ll-gw`, listening on 198.18.2.2:10000, its admin endpoint on ll-gw's loopback)
  — `ll-lb2` (the same NLB simulation) — `ll-up` 198.18.4.2:9000 (a listener of the harness itself). Every proxy has
  downstream and upstream TCP keepalive 1 s / 1 s / 3 (nginx's upstream keepalive has the kernel's timings, set to the
  same in `ll-gw` by sysctl), so probes keep both NLBs' flows fresh and a dead client is reset by the kernel
  1 + 1 × 3 = **4 s after its connection's last traffic: the theory**. Each run: conntrack flushed, the proxy
  started, N connections (8,000; 200 in the smoke run) opened from `ll-client` through it, one line sent each way on
  every one, then every packet from and to the client dropped at `ll-lb` at once (the clients vanish without a FIN
  or RST). A connection is reaped when the proxy closes its upstream leg (the upstream listener sees EOF or an
  error); its time is from its own last traffic to that moment. Rows: the slowest connection of a run, the median,
  and the proxy's CPU time from the blackhole until every connection was closed (core-seconds, read from each
  process's CPU-time clock). Lifeline's and Envoy's `/stats` give their own count of closed connections
  (`downstream_cx_destroy`), the active ones left (`downstream_cx_active`, which must be 0) and Lifeline's
  `downstream_cx_keepalive_timeout` (in results.json). A run fails if any connection is still open theory + 6 s
  after the last traffic. The workload raises `net.core.netdev_max_backlog` to 20,000 while it runs (the burst of
  SYNs and probes would overflow the default 1000 on the veths) and puts the old value back after it; in the lab's
  namespaces it gives `ll-gw` and `ll-client` the ephemeral ports 10000–65535 and `tcp_tw_reuse` (every run leaves
  its connections in TIME_WAIT for 60 s, and the next peer's run dials the same address) and the upstream listener
  an accept queue of 16,384.
- **Targets**: Lifeline against the best of Envoy, HAProxy and nginx (by median, in the row's better direction) for
  L4 bulk (and ≥ 0.75× direct), L4 small requests (req/s, and p99 ≤ the lowest p99), HTTP/1.1 and reaping CPU;
  against Envoy for HTTP/2, gRPC, TLS handshakes, TLS bulk and idle HTTP/2 memory; ≤ 3.0 KiB per idle L4 connection;
  < 50 ms to accept after exec; every run's slowest reaped connection within theory + 1 s. Ratios are of medians;
  nothing is rounded in Lifeline's favour. In the L4 workloads *Lifeline (relay)* is Lifeline as it runs by default
  (`--l4-engine relay`: tcp_proxy carried by the epoll relay, bulk by `splice(2)`), judged after "relay:" in *Met?*;
  *Lifeline* is the same binary and config with `--l4-engine nio` (NIO's channel pipelines), kept for comparison. In
  the HTTP and TLS workloads the engine plays no part (the connection manager and TLS run on NIO)."""


def markdown(result: dict, png: str, md: str) -> str:
    info, settings = result["info"], result["settings"]
    machine, versions = info["machine"], info["versions"]
    out = ["# Lifeline benchmarks", ""]
    if settings["smoke"]:
        out += ["> **Smoke run** (`bench/run --smoke`): tiny sizes, one run each. It only proves the harness and every",
                "> peer work; the numbers mean nothing.", ""]
    if settings["note"]:
        out += [f"> **Note:** {settings['note']}", ""]
    out += [
        f"Lifeline against {', '.join(NAMES[p] for p in settings['peers'] if p != 'lifeline')}, measured in the same "
        f"run by `bench/run` ({info['started']} – {info['finished']}): {settings['runs']} run(s) of every measurement "
        f"per peer, peers alternating, {settings['threads']} threads / workers / event loops each, "
        f"{settings['duration_s']:g} s per load run. Cells are *median (min–max)*; an empty cell is a peer that does "
        f"not take part in that workload.",
        "",
        f"Reproduce: `{settings['command_line']}` (full: `bench/run`; CI: `bench/run --smoke`; options: `bench/run --help`).",
        "",
        "## Results",
        "",
        markdown_table(result),
        "",
        f"![results]({os.path.relpath(png, os.path.dirname(os.path.abspath(md)))})",
        "",
    ]
    analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ANALYSIS.md")
    if not settings["smoke"] and os.path.exists(analysis):
        # The targets that are not met, with the profile that explains why: kept by hand beside the script.
        out += [open(analysis).read().rstrip(), ""]
    failed = [s for s in result["samples"] if not s["ok"]]
    if failed or result.get("error"):
        out += ["## Failures", ""]
        if result.get("error"):
            out += ["```", result["error"], "```", ""]
        for s in failed:
            out += [f"- {s['workload']} {s['case']} run {s['run'] + 1}, {s['peer']}: `{s['error'].splitlines()[0] if s['error'] else ''}`"]
        out += [""]
    if result["oddities"]:
        out += ["## Observations during the run", ""] + [f"- {o}" for o in result["oddities"]] + [""]
    out += [
        "## Machine",
        "",
        f"- cores (`nproc`): {machine['nproc']}",
        f"- CPU: {machine['cpu']}",
        f"- kernel: {machine['kernel']} ({machine['os']})",
        f"- memory: {machine['memory']}",
        f"- open-file limit: {machine['fd_limit']}",
        f"- load average at start: {' '.join(machine['loadavg'])}; at the end: {' '.join(info.get('loadavg_end', []))}",
        "",
        "## Versions",
        "",
    ]
    out += [f"- {name}: `{value}`" for name, value in versions.items()]
    out += ["", "## Method", "", METHOD, "", "## Commands run", "",
            "In the order first run. Ports were picked free at start and the temp dir is gone; the configs are below. "
            "The upstreams ran for the whole session; each proxy was started before and stopped (SIGTERM) after "
            "every single measurement; the client commands ran once per measurement. For reaping, the namespace lab "
            "was set up once (the `ip`, `iptables`, `sysctl` lines), then every run flushed conntrack, started the "
            "proxy, blackholed the client and removed the blackhole again; the namespaces were deleted at the end.", ""]
    if result.get("ports"):
        out += ["Ports in this run: " + ", ".join(f"{name} {port}" for name, port in result["ports"].items()) + ".", ""]
    out += ["```"]
    out += result["commands"]
    out += ["```", "", "## Generated configs", ""]
    for name, text in result["configs"].items():
        out += [f"<details><summary>{name}</summary>", "", "```", text.rstrip(), "```", "", "</details>", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------------
# Plot


def plot(result: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    settings = result["settings"]
    workloads = settings["workloads"]
    peers = settings["peers"]
    best, envoy = "target: Lifeline ≥ 1.00× the best peer", "target: Lifeline ≥ 1.00× Envoy"
    # (title, y label, workload, cases, metric(s), with direct, dashed target line, subtitle, compared with)
    panels = []
    if "bulk" in workloads:
        panels.append(("L4 bulk (iperf3)", "Gbit/s, higher is better", "bulk", ["1 stream", "8 streams"], "gbps", True,
                       None, best + " and ≥ 0.75× direct (dashed)", "best"))
    if "requests" in workloads:
        panels.append(("L4 small requests (wrk, tcp_proxy)", "requests/s, higher is better", "requests",
                       ["c=50", "c=200"], "rps", True, None, best, "best"))
        panels.append(("L4 small requests: p99 latency", "ms, lower is better", "requests", ["c=50", "c=200"], "p99_ms",
                       True, None, "target: Lifeline ≤ the best peer", "best"))
    if "http1" in workloads:
        panels.append(("HTTP/1.1 (wrk, HTTP layer)", "requests/s, higher is better", "http1", ["c=50", "c=200"], "rps",
                       True, None, best, "best"))
    if "http2" in workloads:
        panels.append(("HTTP/2 (h2load)", "requests/s, higher is better", "http2", ["h2c", "h2 over TLS"], "rps", False,
                       None, envoy, "envoy"))
    if "grpc" in workloads:
        panels.append(("gRPC unary (h2load)", "requests/s, higher is better", "grpc", ["unary, h2c"], "rps", True, None,
                       envoy, "envoy"))
    if "tls" in workloads:
        panels.append(("TLS full handshakes (openssl s_time -new)", "connections/s, higher is better", "tls",
                       ["handshakes, ECDSA P-256", "handshakes, RSA 2048"], "rps", False, None, envoy, "envoy"))
        panels.append((f"TLS-terminated bulk (wrk, {settings.get('tls_bulk_mib', 64)} MiB GET)", "Gbit/s, higher is better", "tls", ["bulk"], "gbps",
                       False, None, envoy, "envoy"))
    if "idle" in workloads:
        cases = [f"{n} conns" for n in settings["idle_sizes"]]
        panels.append(("L4 idle connections: proxy RSS", "KiB per proxied connection, lower is better", "idle", cases,
                       "rss_kib_per_conn", False, IDLE_KIB, f"target: Lifeline ≤ {IDLE_KIB:g} KiB per connection (dashed)",
                       "best"))
    if "h2idle" in workloads:
        panels.append(("Idle HTTP/2 connections: proxy RSS", "KiB per connection, lower is better", "h2idle",
                       [f"{settings.get('h2idle', 2000)} conns"], "rss_kib_per_conn", False, None,
                       "target: Lifeline ≤ Envoy", "envoy"))
    if "startup" in workloads:
        panels.append(("Start-up", "ms from exec, lower is better", "startup", ["exec to accept"],
                       ("accept_ms", "first_byte_ms"), False, STARTUP_MS,
                       f"target: Lifeline < {STARTUP_MS:g} ms to accept (dashed)", "best"))
    if "reap" in workloads:
        theory, limit = settings["reap_theory_s"], settings["reap_theory_s"] + settings["reap_tolerance_s"]
        panels.append((f"Dead-peer reaping: {settings['reap_conns']:,} conns blackholed",
                       "s after the connection's last traffic, lower is better", "reap",
                       [f"{settings['reap_conns']} conns"], ("worst_s", "median_s"), False, limit,
                       f"target: Lifeline's slowest ≤ theory + 1 s = {limit:g} s (dashed); theory {theory:g} s (dotted)",
                       "best"))
    group_labels = {"accept_ms": "to accept", "first_byte_ms": "to first proxied byte",
                    "worst_s": "slowest connection", "median_s": "median connection"}

    cols = 3
    nrows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(18, 5.2 * nrows), squeeze=False)
    title = "Lifeline vs " + " vs ".join(NAMES[p] for p in peers if p != "lifeline") + ": median, error bars min–max"
    title += f" — {settings['runs']} run(s), {settings['threads']} threads each"
    if settings["smoke"]:
        title += " — SMOKE RUN (tiny sizes, numbers mean nothing)"
    if settings["note"]:
        title += "\n" + "\n".join(textwrap.wrap(settings["note"], 140))
    fig.suptitle(title, fontsize=13)

    for ax, (name, ylabel, workload, cases, metric, with_direct, target, subtitle, versus) in zip(axes.flat, panels):
        ax.set_title(name, fontsize=12, fontweight="bold", pad=18)
        ax.text(0.5, 1.012, subtitle, transform=ax.transAxes, ha="center", va="bottom", fontsize=9, color="#aa0000")
        if workload in result.get("skipped", {}):
            ax.text(0.5, 0.5, "skipped:\n" + textwrap.fill(result["skipped"][workload], 40), ha="center", va="center",
                    fontsize=11, color="#666666", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        if isinstance(metric, tuple):  # start-up, reaping: one group per metric
            groups = [(group_labels[m], cases[0], m) for m in metric]
        else:
            groups = [(case, case, metric) for case in cases]
        targets = row_peers(result, workload) + (["direct"] if with_direct else [])
        width = 0.8 / max(1, len(targets))
        top = 0.0
        for i, peer in enumerate(targets):
            xs, meds, lo, hi, labels = [], [], [], [], []
            for g, (_label, case, m) in enumerate(groups):
                st = stat(result, workload, case, m, peer)
                x = g + (i - (len(targets) - 1) / 2) * width
                if st.median is None:
                    ax.text(x, 0, "failed" if st.failed else "–", ha="center", va="bottom", fontsize=8, color="red", rotation=90)
                    continue
                xs.append(x)
                meds.append(st.median)
                lo.append(st.median - st.min)
                hi.append(st.max - st.median)
                labels.append(f"{st.median / 1000:.1f}k" if m == "rps" else fmt(st.median))
                top = max(top, st.max)
            if not xs:
                continue
            ax.bar(xs, meds, width * 0.92, color=COLORS[peer], label=NAMES[peer],
                   yerr=[lo, hi], capsize=3, error_kw={"elinewidth": 1, "ecolor": "#333333"})
            for x, med, up, label in zip(xs, meds, hi, labels):  # the median, above the error bar
                ax.annotate(label, xy=(x, med + up), xytext=(0, 2), textcoords="offset points", ha="center",
                            va="bottom", fontsize=8)
        if metric == "gbps" and "direct" in targets:  # the bulk target's second half: 0.75 x direct, per group
            for g, (_label, case, m) in enumerate(groups):
                d = stat(result, workload, case, m, "direct")
                if d.median is not None:
                    ax.hlines(0.75 * d.median, g - 0.45, g + 0.45, colors="#aa0000", linestyles="--", linewidth=1)
        if metric == "rps" and top >= 10000:
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v / 1000:.0f}k"))
        if target:
            ax.axhline(target, color="#aa0000", linestyle="--", linewidth=1)
            top = max(top, target)
        if workload == "reap":
            ax.axhline(settings["reap_theory_s"], color="#555555", linestyle=":", linewidth=1)
            cpu = [(NAMES[p], stat(result, workload, cases[0], "cpu_s", p).median) for p in targets]
            ax.set_xlabel("proxy CPU while reaping, median: " + " · ".join(f"{n} {fmt(c)}" for n, c in cpu) + " core-s", fontsize=9)
        ax.set_xticks(range(len(groups)))
        ticks = []
        for label, case, m in groups:
            stats = {p: stat(result, workload, case, m, p) for p in targets}
            ref = "envoy" if versus == "envoy" else best_peer({"better": "lower" if m != "rps" and m != "gbps" else "higher"}, stats)
            r = ratio(stats.get("lifeline"), stats.get(ref)) if ref else None
            ticks.append(label + (f"\nLifeline = {r:.2f}× {NAMES[ref]}" if r is not None else ""))
        ax.set_xticklabels(ticks, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, top * 1.15 if top > 0 else 1)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLORS[p]) for p in peers + ["direct"]]
    fig.legend(handles, [NAMES[p] + (" (no proxy)" if p == "direct" else "") for p in peers + ["direct"]],
               loc="lower center", ncol=6, fontsize=11, frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    data = json.loads(Path(sys.argv[1]).read_text())
    print(text_table(data))
    Path(sys.argv[2]).write_text(markdown(data, png=sys.argv[3], md=sys.argv[2]))
    plot(data, sys.argv[3])
