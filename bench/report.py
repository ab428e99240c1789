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

PEERS = ["lifeline", "haproxy", "nginx"]
NAMES = {"lifeline": "Lifeline", "haproxy": "HAProxy", "nginx": "nginx", "direct": "direct"}
COLORS = {"lifeline": "#e4572e", "haproxy": "#2f6db5", "nginx": "#3a9a4a", "direct": "#9a9a9a"}


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
    """Every table row: which samples it aggregates, its unit, which way is better, its target."""
    settings = result["settings"]
    skipped = result.get("skipped", {})
    out = []

    def row(workload, case, metric, label, unit, better, target=None, direct=False, info=False, ratios=True, limit=None):
        out.append(dict(workload=workload, case=case, metric=metric, label=label, unit=unit, better=better,
                        target=target, direct=direct, info=info, ratios=ratios, limit=limit,
                        skipped=skipped.get(workload)))

    if "bulk" in settings["workloads"]:
        for case in ("1 stream", "8 streams"):
            row("bulk", case, "gbps", f"Bulk, {case} (iperf3)", "Gbit/s", "higher", target="bulk", direct=True)
        for case in ("1 stream", "8 streams"):
            row("bulk", case, "cpu_cores", f"  proxy CPU during bulk, {case}", "cores", "info", info=True)
    if "requests" in settings["workloads"]:
        for case in ("c=50", "c=200"):
            row("requests", case, "rps", f"Small requests, {case} (wrk)", "req/s", "higher", target="rps", direct=True)
            row("requests", case, "p99_ms", f"  p99 latency, {case}", "ms", "lower", target="p99", direct=True)
        for case in ("c=50", "c=200"):
            row("requests", case, "cpu_cores", f"  proxy CPU during requests, {case}", "cores", "info", info=True)
    if "idle" in settings["workloads"]:
        for size in settings["idle_sizes"]:
            case = f"{size} conns"
            row("idle", case, "rss_kib_per_conn", f"Idle, {size:,} conns: proxy RSS", "KiB/conn", "lower", target="idle")
            row("idle", case, "sock_held_mib", "  kernel TCP socket memory while held (sockstat, machine)", "MiB", "info", info=True, ratios=False)
    if "startup" in settings["workloads"]:
        row("startup", "exec to accept", "accept_ms", "Start-up: exec to accepting", "ms", "lower", target="startup")
        row("startup", "exec to accept", "first_byte_ms", "  exec to first proxied byte", "ms", "lower", info=True)
    if "reap" in settings["workloads"]:
        n, limit = settings["reap_conns"], settings["reap_theory_s"] + settings["reap_tolerance_s"]
        case = f"{n} conns"
        row("reap", case, "worst_s", f"Dead-peer reaping, {n:,} conns blackholed: worst time to close after last traffic",
            "s", "lower", target="reap", limit=limit)
        row("reap", case, "median_s", "  median time to close after last traffic", "s", "lower", info=True)
        row("reap", case, "cpu_s", "  proxy CPU while reaping (blackhole to all closed)", "core-s", "info", info=True)
    return out


def reap_target(settings: dict) -> str:
    theory, tolerance = settings["reap_theory_s"], settings["reap_tolerance_s"]
    return f"≤ theory + {tolerance:g} s = {theory + tolerance:g} s (theory {theory:g} s), every run"


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    if unit == "req/s" or abs(value) >= 1000:
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


def ratio(a: Stat, b: Stat) -> float | None:
    if a.median is None or b.median is None or b.median == 0:
        return None
    return a.median / b.median


def rtext(r: float | None) -> str:
    return "–" if r is None else f"{r:.2f}×"


def reap_verdict(r: dict, life: Stat | None, result: dict) -> tuple[str, str]:
    """Every connection of every run must be closed in time: each run's slowest counts, and a run that failed because
    connections were still open at its deadline (`missed`) misses it; a run that failed otherwise (set-up) does not
    count either way."""
    target = reap_target(result["settings"])
    if r["skipped"]:
        return target, f"n/a (skipped: {r['skipped']})"
    if life is None:
        return target, "n/a (Lifeline has no data)"
    missed = sum(1 for s in result["samples"] if s["workload"] == r["workload"] and s["case"] == r["case"]
                 and s["peer"] == "lifeline" and not s["ok"] and s.get("missed"))
    late = sum(v > r["limit"] for v in life.values) + missed
    n = len(life.values) + missed
    runs = f"{n} run{'s' if n != 1 else ''}"
    slowest = f"; slowest {life.max:.2f} s" if life.values else ""
    other = f"; {life.failed - missed} run(s) failed" if life.failed > missed else ""
    if late:
        return target, f"NOT met ({late} of {runs} late{slowest}{other})"
    if not life.values:
        return target, f"n/a (Lifeline has no data{other})"
    return target, f"met (slowest of {runs}: {life.max:.2f} s{other})"


def verdict(r: dict, stats: dict[str, Stat], result: dict) -> tuple[str, str]:
    """(target, met / not met …) for Lifeline on this row."""
    kind = r["target"]
    if kind is None:
        return "", ""
    life, hap = stats.get("lifeline"), stats.get("haproxy")
    if kind == "reap":
        return reap_verdict(r, life, result)
    if life is None or life.median is None:
        target = {"bulk": "≥ 1.00× HAProxy and ≥ 0.75× direct", "rps": "≥ 1.00× HAProxy", "p99": "≤ HAProxy",
                  "idle": "≤ 3.0 KiB/conn", "startup": "< 100 ms"}[kind]
        return target, "n/a (Lifeline has no data)"
    if kind == "bulk":
        vs_h, vs_d = ratio(life, hap) if hap else None, ratio(life, stats.get("direct")) if stats.get("direct") else None
        if vs_h is None or vs_d is None:
            return "≥ 1.00× HAProxy and ≥ 0.75× direct", "n/a (no HAProxy or direct data)"
        ok_h, ok_d = vs_h >= 1.0, vs_d >= 0.75
        parts = f"{vs_h:.2f}× HAProxy {'ok' if ok_h else 'short'}, {vs_d:.2f}× direct {'ok' if ok_d else 'short'}"
        return "≥ 1.00× HAProxy and ≥ 0.75× direct", f"{'met' if ok_h and ok_d else 'NOT met'} ({parts})"
    if kind == "rps":
        vs_h = ratio(life, hap) if hap else None
        if vs_h is None:
            return "≥ 1.00× HAProxy", "n/a (no HAProxy data)"
        return "≥ 1.00× HAProxy", f"{'met' if vs_h >= 1.0 else 'NOT met'} ({vs_h:.2f}×)"
    if kind == "p99":
        vs_h = ratio(life, hap) if hap else None
        if vs_h is None:
            return "≤ HAProxy", "n/a (no HAProxy data)"
        return "≤ HAProxy", f"{'met' if vs_h <= 1.0 else 'NOT met'} ({vs_h:.2f}×)"
    if kind == "idle":
        return "≤ 3.0 KiB/conn", f"{'met' if life.median <= 3.0 else 'NOT met'} ({life.median:.2f})"
    if kind == "startup":
        return "< 100 ms", f"{'met' if life.median < 100 else 'NOT met'} ({life.median:.1f} ms)"
    return "", ""


def table(result: dict) -> tuple[list[str], list[list[str]]]:
    peers = result["settings"]["peers"]
    header = ["Workload", "Unit"] + [NAMES[p] for p in peers] + ["direct"]
    header += [f"{NAMES[p]} / HAProxy" for p in peers if p != "haproxy"] + ["Target (Lifeline)", "Met?"]
    body = []
    for r in rows(result):
        targets = peers + (["direct"] if r["direct"] else [])
        stats = {p: stat(result, r["workload"], r["case"], r["metric"], p) for p in targets}
        line = [r["label"] + (" (lower is better)" if r["better"] == "lower" and not r["info"] else ""), r["unit"]]
        line += ["skipped" if r["skipped"] else cell(stats[p], r["unit"]) for p in peers]
        line.append(cell(stats["direct"], r["unit"]) if r["direct"] else "")
        for p in peers:
            if p == "haproxy":
                continue
            line.append(rtext(ratio(stats[p], stats["haproxy"])) if "haproxy" in stats and r["ratios"] and not r["skipped"] else "")
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
  with SIGTERM after it; the order alternates: Lifeline, HAProxy, nginx, (direct), Lifeline, HAProxy, nginx, …
  All of them get the same number of threads: Lifeline `--event-loops N`, HAProxy `nbthread N`, nginx
  `worker_processes N`. Downstream TCP keepalive is on everywhere with 15 s / 15 s / 3 (Lifeline's default;
  HAProxy `option clitcpka` + `clitcpka-idle/intvl/cnt`; nginx `so_keepalive=15s:15s:3`), upstream keepalive on
  too (Lifeline's default 15 s / 15 s / 3, HAProxy `srvtcpka` with the same timings, nginx `proxy_socket_keepalive on`
  with the kernel's timings). No access logs; timeouts of an hour; every buffer size at its default (Lifeline
  1 MiB per connection and direction as its high-water mark, HAProxy `tune.bufsize` 16 KiB, nginx
  `proxy_buffer_size` 16 KiB); no splicing. Lifeline and nginx have one `SO_REUSEPORT` listening socket per event
  loop / worker; HAProxy 2.6 shares one socket among its threads (its default). Lifeline also sets
  `TCP_USER_TIMEOUT` 60 s (its default), which the others do not; it costs nothing here. The reaping workload uses
  1 s / 1 s / 3 on both legs instead (below).
- **Bulk**: an `iperf3 -s` on 127.0.0.1 is the upstream; `iperf3 -c` sends through the proxy with `-P 1` and `-P 8`
  (the first second omitted when a run lasts 5 s or more); the number is iperf3's received rate. *direct* is the
  same client straight to the server: the loopback limit on this machine. "proxy CPU" is the proxy's user + system
  CPU time over the run divided by its wall time (summed over nginx's processes), in cores. On loopback the client,
  the proxy and the server share the same cores, and a proxy adds a second receive and send (two more copies) of
  every byte, so on a 2-core machine no proxy gets near *direct*: the "≥ 0.75× direct" target needs cores to spare.
- **Small requests**: a separate nginx (`return 200`, one worker, keepalive for the whole run) is the upstream;
  `wrk -t2 -c50` and `-c200` with `--latency` send HTTP/1.1 keepalive requests through the proxy; requests/s and the
  99th percentile latency as wrk reports them. *direct* is wrk straight to that nginx.
- **Idle connections**: the upstream is `bench/idle_upstream.py` (one Python process, epoll, echoes and holds every
  connection). Client processes (`bench/idle_client.py`, at most 2,000 connections each, as the fd limit is 20,000 per
  process) open the connections through the proxy, send one byte on each and wait for its echo (so every connection is
  proxied end to end), then hold them idle. The proxy's VmRSS (from `/proc/PID/status`, summed over the master and
  workers for nginx) is read before the clients start (after one warm-up echo) and 2 s after every connection is up;
  the difference divided by the number of connections is the row. Beside it, the kernel's TCP socket memory while
  the connections are held (`/proc/net/sockstat` "TCP … mem" pages × 4096, for the whole machine: client, proxy and
  upstream sockets, and anything else running). Idle sockets with empty queues hold next to no buffer memory, so this
  stays small; its before/after delta per connection is in results.json (`sock_kib_per_conn`) but is within the
  machine's noise. The kernel's per-socket structures (slab) are in neither number. KiB are 1024 bytes.
- **Start-up**: the configs are written and checked first; the clock starts right before `exec` and stops when a
  `connect()` to the listener, retried in a tight loop, succeeds (the listening socket is up), and then once more
  when one byte has gone through the proxy to the echo upstream and back. It runs before the idle workload, whose
  closed connections leave the machine with tens of thousands of TIME_WAIT sockets to that upstream.
- **Dead-peer reaping at scale** (as root) runs in the network namespaces of `lab/lab.py`: `ll-client` 198.18.1.2 —
  `ll-lb` (an NLB simulated with conntrack: established-flow timeout 4 s, `nf_conntrack_tcp_loose=0`, any packet of
  a forgotten flow answered with a TCP RST) — `ll-gw` 198.18.2.2 (the proxy, started with `ip netns exec ll-gw`,
  listening on 198.18.2.2:10000) — `ll-lb2` (the same NLB simulation) — `ll-up` 198.18.4.2:9000 (the upstream: a
  listener of the harness itself). Every proxy has downstream and upstream TCP keepalive 1 s / 1 s / 3 (Lifeline
  `tcp_keepalive` on the listener and the cluster's `upstream_connection_options`; HAProxy `clitcpka-*` and
  `srvtcpka-*`; nginx `so_keepalive=1s:1s:3` and `proxy_socket_keepalive on`, whose kernel timings are set to the same
  1 s / 1 s / 3 in `ll-gw` by sysctl), so probes keep both NLBs' flows fresh and a dead client is reset by the
  kernel 1 + 1 × 3 = **4 s after its connection's last traffic: the theory**. Each run: conntrack flushed, the proxy
  started, N connections (2,000; 200 in the smoke run) opened from `ll-client` through it (the harness's sockets,
  created inside the namespaces with `setns`), one line sent each way on every one, then every packet from and to
  the client dropped at `ll-lb` at once (`iptables -I FORWARD 1 -s/-d 198.18.1.2 -j DROP`: the clients vanish without
  a FIN or RST). A connection is reaped when the proxy closes its upstream leg (the upstream listener sees EOF or an
  error); its time is from its own last traffic (the client's receipt of the reply) to that moment. Rows: the
  slowest connection of a run, the median connection, and the proxy's CPU time (user + system, read from each of
  its processes' CPU-time clock, to the nanosecond, and summed over nginx's processes) from the blackhole until every
  connection was closed, in core-seconds. A run fails if any connection is still open theory + 6 s after the last
  traffic. The proxy's fd count must come back to what it was before the connections (noted under Observations if
  not). Between runs the blackhole is removed and the harness closes its sockets; the proxy is stopped with SIGTERM.
  As the connections' last traffic falls within ~0.1 s, their SYNs and later their probes leave together: more than
  the kernel's default per-CPU receive backlog (`net.core.netdev_max_backlog`, 1000) takes, so the veths would drop
  some — a late SYN, or a probe the kernel does not count ("local congestion") and retries 0.5 s later, which
  measures the lab rather than the proxy. The workload therefore raises it to 20,000 for its duration (and puts the
  old value back after it).
- Ratios are of medians. *Met?* compares Lifeline's median with the target, except for reaping, where every run's
  slowest connection must be within theory + 1 s; nothing is rounded in its favour."""


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
        f"Lifeline against HAProxy and nginx (stream), measured in the same run by `bench/run` "
        f"({info['started']} – {info['finished']}): {settings['runs']} run(s) of every measurement per peer, peers "
        f"alternating, {settings['threads']} threads / workers / event loops each, {settings['duration_s']:g} s per "
        f"bulk and small-request run. Cells are *median (min–max)*.",
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
            "The three upstreams ran for the whole session; each proxy was started before and stopped (SIGTERM) after "
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
    peers = settings["peers"]
    panels = []
    if "bulk" in settings["workloads"]:
        panels.append(("Bulk throughput (iperf3)", "Gbit/s, higher is better", "bulk", ["1 stream", "8 streams"], "gbps", True, None))
    subtitles = {
        "gbps": "target: Lifeline ≥ 1.00× HAProxy and ≥ 0.75× direct (dashed)",
        "rps": "target: Lifeline ≥ 1.00× HAProxy",
        "p99_ms": "target: Lifeline ≤ HAProxy",
        "rss_kib_per_conn": "target: Lifeline ≤ 3.0 KiB per connection (dashed)",
        ("accept_ms", "first_byte_ms"): "target: Lifeline < 100 ms to accept (dashed)",
    }
    group_labels = {"accept_ms": "to accept", "first_byte_ms": "to first proxied byte",
                    "worst_s": "slowest connection", "median_s": "median connection"}
    if "requests" in settings["workloads"]:
        panels.append(("Small requests (wrk)", "requests/s, higher is better", "requests", ["c=50", "c=200"], "rps", True, None))
        panels.append(("Small requests: p99 latency", "ms, lower is better", "requests", ["c=50", "c=200"], "p99_ms", True, None))
    if "idle" in settings["workloads"]:
        cases = [f"{n} conns" for n in settings["idle_sizes"]]
        panels.append(("Idle connections: proxy RSS", "KiB per proxied connection, lower is better", "idle", cases, "rss_kib_per_conn", False, 3.0))
    if "startup" in settings["workloads"]:
        panels.append(("Start-up", "ms from exec, lower is better", "startup", ["exec to accept"], ("accept_ms", "first_byte_ms"), False, 100.0))
    if "reap" in settings["workloads"]:
        theory, limit = settings["reap_theory_s"], settings["reap_theory_s"] + settings["reap_tolerance_s"]
        subtitles[("worst_s", "median_s")] = f"target: Lifeline's slowest ≤ theory + 1 s = {limit:g} s (dashed); theory {theory:g} s (dotted)"
        panels.append((f"Dead-peer reaping: {settings['reap_conns']:,} conns blackholed", "s after the connection's last traffic, lower is better",
                       "reap", [f"{settings['reap_conns']} conns"], ("worst_s", "median_s"), False, limit))

    cols = 3
    nrows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(16, 5.2 * nrows), squeeze=False)
    title = "Lifeline vs HAProxy vs nginx (stream): median, error bars min–max"
    title += f" — {settings['runs']} run(s), {settings['threads']} threads each"
    if settings["smoke"]:
        title += " — SMOKE RUN (tiny sizes, numbers mean nothing)"
    if settings["note"]:
        title += "\n" + "\n".join(textwrap.wrap(settings["note"], 140))
    fig.suptitle(title, fontsize=13)

    for ax, (name, ylabel, workload, cases, metric, with_direct, target) in zip(axes.flat, panels):
        if metric in subtitles:
            ax.set_title(name, fontsize=12, fontweight="bold", pad=18)
            ax.text(0.5, 1.012, subtitles[metric], transform=ax.transAxes, ha="center", va="bottom", fontsize=9, color="#aa0000")
        else:
            ax.set_title(name, fontsize=12, fontweight="bold")
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
        targets = peers + (["direct"] if with_direct else [])
        width = 0.8 / len(targets)
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
        if metric == "rps":
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v / 1000:.0f}k"))
        if target:
            ax.axhline(target, color="#aa0000", linestyle="--", linewidth=1)
            top = max(top, target)
        if workload == "reap":
            ax.axhline(settings["reap_theory_s"], color="#555555", linestyle=":", linewidth=1)
            cpu = [(NAMES[p], stat(result, workload, cases[0], "cpu_s", p).median) for p in peers]
            ax.set_xlabel("proxy CPU while reaping, median: " + " · ".join(f"{n} {fmt(c)}" for n, c in cpu) + " core-s", fontsize=9)
        ax.set_xticks(range(len(groups)))
        ticks = []
        for label, case, m in groups:
            r = None
            if "lifeline" in peers and "haproxy" in peers:
                r = ratio(stat(result, workload, case, m, "lifeline"), stat(result, workload, case, m, "haproxy"))
            ticks.append(label + (f"\nLifeline = {r:.2f}× HAProxy" if r is not None else ""))
        ax.set_xticklabels(ticks, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, top * 1.15 if top > 0 else 1)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLORS[p]) for p in peers + ["direct"]]
    fig.legend(handles, [NAMES[p] + (" (no proxy)" if p == "direct" else "") for p in peers + ["direct"]],
               loc="lower center", ncol=4, fontsize=11, frameon=False)
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
