#!/usr/bin/env python3
"""Lifeline benchmark driver: Lifeline against Envoy, HAProxy and nginx, same run, peers alternating.

Called by bench/run (which installs the tools and builds Lifeline); see bench/README.md. Standard library only (the gRPC
workload's one check call uses grpcio where it is installed); the peers are in peers/, the workloads in workloads/,
the report and plot in report.py (matplotlib).

Every process it starts is in its own process group, listed in STATE_DIR/pids while it runs (bench/run's trap kills
whatever is still listed there) and stopped in a finally block here, also on SIGINT/SIGTERM. The same goes for the
reap workload's network namespaces (testkit's ll-*), listed in STATE_DIR/netns while they exist.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.dont_write_bytecode = True  # no __pycache__ in the work tree
from bench import report  # noqa: E402
from bench.common import LOOPBACK, BenchError, Route, Site  # noqa: E402
from bench.peers import DEFAULT, PEERS  # noqa: E402
from bench.peers.base import Peer  # noqa: E402
from bench.upstreams import Upstreams  # noqa: E402
from bench.workloads import ORDER, WORKLOADS, reap  # noqa: E402
from testkit import admin  # noqa: E402
from testkit.processes import ProcessGroup  # noqa: E402


class Harness:
    """What every workload uses: the peers, the upstreams, the processes, and the record of every measurement."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.smoke = args.smoke
        self.runs = args.runs
        self.threads = args.threads
        self.duration = args.duration
        self.idle_sizes = args.idle
        self.h2idle = args.h2idle
        self.h2_shape = (2, 10) if args.smoke else (4, 100)  # h2load: connections, streams on each
        self.big_mib = 4 if args.smoke else 64  # the TLS bulk workload's response: a few must finish within a run
        self.reap_conns = args.reap
        self.maxconn = max(self.idle_sizes + [self.reap_conns, self.h2idle]) + 1000
        self.tmp = Path(args.state_dir)
        # nginx's workers run as an unprivileged user when it is started as root: the files the upstream serves (in
        # here) must be reachable for them.
        self.tmp.chmod(0o755)
        self.lifeline = Path(args.lifeline)
        self.procs = ProcessGroup(self.tmp / "pids")
        self.samples: list[dict] = []
        self.oddities: list[str] = []
        self.peers = self.make_peers(None, LOOPBACK)
        self.upstreams = Upstreams(self)
        self.configs: dict[str, str] = {}
        self.skipped: dict[str, str] = {}  # workload -> why it was not run

    def make_peers(self, workload: str | None, site: Site) -> dict[str, Peer]:
        """The chosen peers (those taking part in `workload`, if given), in the order runs alternate."""
        peers = {name: PEERS[name](self, site) for name in self.args.peers}
        return {name: p for name, p in peers.items() if workload is None or p.takes(workload)}

    def targets(self, workload: str, direct: bool = False) -> list[str]:
        return [name for name, p in self.peers.items() if p.takes(workload)] + (["direct"] if direct else [])

    def prepare(self, workload: str, route: Route, what: str) -> None:
        """Writes and checks every taking part peer's config for `route` first (a rejected config fails fast), and
        keeps one of each kind for BENCHMARKS.md."""
        for name, peer in self.peers.items():
            if not peer.takes(workload):
                continue
            try:
                peer.command(route)
            except BenchError as error:
                self.fail_workload(workload, "config", str(error), [name])
                continue
            key = f"{name} ({route.describe()})"
            if key not in self.configs:
                self.configs[key] = peer.config_text(route)

    def oddity(self, text: str) -> None:
        if text not in self.oddities:
            self.oddities.append(text)
            print(f"  note: {text}", flush=True)

    def skip(self, workload: str, reason: str) -> None:
        self.skipped[workload] = reason
        self.oddity(f"{workload} workload skipped: {reason}")

    def measure(self, workload: str, case: str, peer: str, run: int, measurement) -> None:
        """Records what measurement() returns, or the BenchError it raises as a failed run."""
        try:
            self.record(workload=workload, case=case, peer=peer, run=run, ok=True, **measurement())
        except BenchError as error:
            self.record(workload=workload, case=case, peer=peer, run=run, ok=False, error=str(error), **error.fields)

    def fail_workload(self, workload: str, case: str, error: str, peers: list[str] | None = None) -> None:
        """A workload that could not run at all: one failed run per peer."""
        for name in peers or self.targets(workload):
            self.record(workload=workload, case=case, peer=name, run=0, ok=False, error=error)

    def record(self, **sample) -> dict:
        self.samples.append(sample)
        head = f"  {sample['workload']:8} {sample['case']:22} run {sample['run'] + 1}  {sample['peer']:14}"
        if sample.get("ok"):
            shown = {k: v for k, v in sample.items() if k not in ("workload", "case", "peer", "run", "ok")}
            print(head + " " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items()),
                  flush=True)
        else:
            print(f"{head} FAILED: {sample['error']}", flush=True)
        return sample

    def with_peer(self, name: str, route: Route, body, peers: dict[str, Peer] | None = None) -> dict:
        """Starts the peer (or nothing for `direct`), runs body(port, pids), and stops it again. A peer with an admin
        endpoint must have counted connections on its listener: proof the load went through it."""
        if name == "direct":
            return body(route.upstream, [])
        peer = (peers or self.peers)[name]
        peer.start(route)
        try:
            result = body(peer.port, peer.pids())
            counters = peer.counters()
            if counters is not None:
                accepted = admin.total(counters, "downstream_cx_total")
                if accepted == 0:
                    raise BenchError(f"{name}'s admin /stats counted no downstream connection: the load did not reach it")
                result["admin_cx_total"] = accepted
            return result
        finally:
            peer.stop()

    def run(self) -> None:
        for name in ORDER:
            if name in self.args.workloads:
                try:
                    WORKLOADS[name].run(self)
                except BenchError as error:  # an upstream or a certificate could not be made
                    self.fail_workload(name, "set-up", str(error))

    def failures(self) -> list[dict]:
        return [s for s in self.samples if not s["ok"]]


# ---------------------------------------------------------------------------------------------------------------------
# Machine and versions


def first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        text = (out.stdout or out.stderr).strip()
        lines = [line for line in text.splitlines() if line.strip()]
        return lines[0] if lines else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "not found"


def machine_info() -> dict:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    import resource

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "kernel": platform.release(),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "os": next((l.split("=", 1)[1].strip('"') for l in Path("/etc/os-release").read_text().splitlines() if l.startswith("PRETTY_NAME=")), "?"),
        "fd_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }


def versions(lifeline: Path) -> dict:
    return {
        "lifeline": first_line([str(lifeline), "version"]),
        "envoy": first_line(["envoy", "--version"]),
        "haproxy": first_line(["haproxy", "-v"]),
        "nginx": first_line(["nginx", "-v"]),
        "iperf3": first_line(["iperf3", "--version"]),
        "wrk": first_line(["wrk", "-v"]),
        "h2load": first_line(["h2load", "--version"]),
        "openssl": first_line(["openssl", "version"]),
        "swift": first_line(["swift", "--version"]),
        "python": sys.version.split()[0],
    }


# ---------------------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--idle", type=lambda s: [int(x) for x in s.split(",")], default=[4000, 8000])
    parser.add_argument("--h2idle", type=int, default=2000, help="HTTP/2 connections held in the h2idle workload")
    parser.add_argument("--peers", type=lambda s: s.split(","), default=DEFAULT)
    parser.add_argument("--workloads", type=lambda s: s.split(","), default=ORDER)
    parser.add_argument("--reap", type=int, default=8000, help="connections blackholed at once in the reap workload")
    parser.add_argument("--lifeline", default=str(ROOT / ".build/release/lifeline"))
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--out-md", required=True)
    parser.add_argument("--out-png", required=True)
    parser.add_argument("--out-json", required=True)
    parser.add_argument("--note", default="")
    parser.add_argument("--lifeline-log-level", default="warning", help="for diagnosis; the benchmark uses warning")
    parser.add_argument("--command-line", default="bench/run")
    args = parser.parse_args()
    for peer in args.peers:
        if peer not in PEERS:
            parser.error(f"unknown peer {peer!r}; expected some of {','.join(PEERS)}")
    for workload in args.workloads:
        if workload not in WORKLOADS:
            parser.error(f"unknown workload {workload!r}; expected some of {','.join(ORDER)}")
    if max(args.idle) > 9000:
        parser.error("--idle: at most 9000 connections (the proxy needs 2 fds each and the fd limit is 20,000)")
    if not 1 <= args.h2idle <= 9000:
        parser.error("--h2idle: 1 to 9000 connections")
    if not 1 <= args.reap <= 9000:
        parser.error("--reap: 1 to 9000 connections (the proxy and the harness need 2 fds each; the fd limit is 20,000)")
    args.workloads = [w for w in ORDER if w in args.workloads]

    def on_signal(signum, _frame):
        # Once: a second signal must not interrupt the clean-up the first one started.
        for other in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(other, signal.SIG_IGN)
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)

    h = Harness(args)
    info = {"machine": machine_info(), "versions": versions(h.lifeline), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    print(f"lifeline bench: {args.runs} run(s) each, {args.threads} threads/workers/event loops, peers {', '.join(args.peers)}",
          flush=True)
    error = None
    try:
        h.run()
    except BenchError as e:
        error = str(e)
        print(f"\nbench: {error}", file=sys.stderr, flush=True)
    finally:
        h.procs.stop_all()
    info["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    info["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]

    peer_ports = {name: peer.port for name, peer in h.peers.items()}
    result = {
        "info": info,
        "settings": {
            "smoke": args.smoke, "runs": args.runs, "threads": args.threads, "duration_s": args.duration,
            "idle_sizes": args.idle, "h2idle": args.h2idle, "h2_shape": list(h.h2_shape), "tls_bulk_mib": h.big_mib,
            "peers": args.peers,
            "workloads": args.workloads, "note": args.note, "command_line": args.command_line,
            **(reap.settings(h) if "reap" in args.workloads else {}),
        },
        "samples": h.samples,
        "skipped": h.skipped,
        "oddities": h.oddities,
        "commands": h.procs.commands,
        "configs": h.configs,
        "ports": {**peer_ports, **{f"{name} upstream": port for name, port in h.upstreams.ports.items()}},
        "error": error,
    }
    Path(args.out_json).write_text(json.dumps(result, indent=1))

    print()
    print(report.text_table(result))
    Path(args.out_md).write_text(report.markdown(result, png=args.out_png, md=args.out_md))
    report.plot(result, args.out_png)
    print(f"\nwrote {args.out_md}, {args.out_png}, {args.out_json}")

    failed = h.failures()
    if error or failed:
        peers = sorted({s["peer"] for s in failed})
        print(f"bench: FAILED: {len(failed)} run(s) failed ({', '.join(peers) or 'setup'}){': ' + error if error else ''}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
