#!/usr/bin/env python3
"""Lifeline benchmark harness: Lifeline against HAProxy and nginx (stream), same run, peers alternating.

Called by bench/run (which installs the tools and builds Lifeline); see bench/README.md. Standard library only;
the report and plot are in report.py (matplotlib).

Every process it starts is in its own process group, listed in STATE_DIR/pids while it runs (bench/run's trap
kills whatever is still listed there) and stopped in a finally block here, also on SIGINT/SIGTERM. The same goes for
the reap workload's network namespaces (lab/lab.py's ll-*), listed in STATE_DIR/netns while they exist.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import selectors
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.dont_write_bytecode = True  # no __pycache__ in the work tree
from testkit import netns as lab  # noqa: E402  (the namespace lab: its addresses, ports and the Lab itself)
from testkit.hub import Hub, idle_pairs, reaped_after  # noqa: E402

REAP_KEEPALIVE = (1, 1, 3)  # T s idle, I s between probes, N probes: the lab's keepalive
REAP_THEORY = REAP_KEEPALIVE[0] + REAP_KEEPALIVE[1] * REAP_KEEPALIVE[2]  # s after the last traffic
REAP_TOLERANCE = 1.0  # s
REAP_LB_TIMEOUT = 4  # s, the simulated NLBs' established-flow timeout
HOST = "127.0.0.1"
PEERS = ["lifeline", "haproxy", "nginx"]
WORKLOADS = ["bulk", "requests", "idle", "startup", "reap"]
REAP_BACKLOG = 20000  # net.core.netdev_max_backlog during the reap workload (restored after it)
CLIENTS_PER_PROCESS = 2000  # idle workload: connections per client process (fd limit 20,000 per process)
NGINX_STREAM_MODULE = Path("/usr/lib/nginx/modules/ngx_stream_module.so")


class BenchError(Exception):
    """A peer or a tool failed; the message says which and why."""

    fields: dict = {}  # recorded with the failed run


class ReapMissed(BenchError):
    """The proxy had not closed every dead client's connection by the reap workload's deadline."""

    fields = {"missed": True}


# ---------------------------------------------------------------------------------------------------------------------
# Processes


class Processes:
    """Starts processes in their own process groups and always stops them."""

    def __init__(self, state_dir: Path):
        self.pidfile = state_dir / "pids"
        self.live: dict[int, subprocess.Popen] = {}
        self.commands: list[str] = []  # distinct commands in the order first run, for BENCHMARKS.md
        self._write()

    def note(self, cmd: list[str] | str) -> None:
        text = cmd if isinstance(cmd, str) else " ".join(cmd)
        if text not in self.commands:
            self.commands.append(text)

    def start(self, cmd: list[str], log: Path | None = None, stdin=subprocess.DEVNULL, stdout=None, note: bool = True) -> subprocess.Popen:
        if note:
            self.note(cmd)
        out = stdout if stdout is not None else (open(log, "ab") if log else subprocess.DEVNULL)
        err = open(log, "ab") if log else subprocess.DEVNULL
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err, start_new_session=True, close_fds=True)
        for f in (out, err):
            if hasattr(f, "close") and f not in (subprocess.DEVNULL, subprocess.PIPE):
                f.close()
        self.live[proc.pid] = proc
        self._write()
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 5.0) -> int:
        """SIGTERM to the process group, SIGKILL after `timeout` seconds. Returns the exit status.

        The leader is waited for without being reaped (WNOWAIT), so its PID, and with it the group's, stays reserved
        while the rest of the group (nginx workers) is killed; only then is it reaped. On a machine whose PIDs wrap
        quickly, signalling a group after reaping its leader could hit someone else's processes.
        """
        if proc.returncode is None:
            if not self._exited(proc.pid, 0):
                self._signal_group(proc.pid, signal.SIGTERM)
                if not self._exited(proc.pid, timeout):
                    self._signal_group(proc.pid, signal.SIGKILL)
                    self._exited(proc.pid, 5)
            self._signal_group(proc.pid, signal.SIGKILL)  # stragglers; the leader is a zombie, not reaped yet
            proc.wait(timeout=5)
        elif group_alive(proc.pid):
            # The leader was reaped already (it died on its own); while members of its group live, the kernel
            # keeps the group's ID from being reused, so these are ours (nginx workers of a master that crashed).
            self._signal_group(proc.pid, signal.SIGKILL)
        self.live.pop(proc.pid, None)
        self._write()
        return proc.returncode

    @staticmethod
    def _exited(pid: int, timeout: float) -> bool:
        """Whether pid has exited (within timeout), leaving it unreaped."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None:
                    return True
            except ChildProcessError:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    @staticmethod
    def _signal_group(pid: int, sig: int) -> None:
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def stop_all(self) -> None:
        for proc in list(self.live.values()):
            try:
                self.stop(proc, timeout=2.0)
            except Exception:  # noqa: BLE001 - keep stopping the rest
                pass

    def _write(self) -> None:
        """pid and start time (clock ticks since boot) of every live process: bench/run's trap kills a listed process
        group only if its leader still has that start time."""
        lines = []
        for pid in self.live:
            try:
                start = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
            except (OSError, IndexError):
                continue
            lines.append(f"{pid} {start}\n")
        tmp = self.pidfile.with_suffix(".tmp")
        tmp.write_text("".join(lines))
        tmp.replace(self.pidfile)


def free_port() -> int:
    """A free port below the kernel's ephemeral range, so neither outgoing connections nor other programs' port-0
    listeners (other test suites on a shared machine) can take it while a peer is stopped between runs."""
    low, _high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    rng = random.Random(os.getpid() ^ time.time_ns())
    lo, hi = (20000, low - 1) if low > 21000 else (61000, 64999)
    for _ in range(200):
        port = rng.randint(lo, hi)
        if port in _taken_ports or listening(port):
            continue
        with socket.socket() as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
        _taken_ports.add(port)
        return port
    raise BenchError("no free port found")


_taken_ports: set[int] = set()


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def children(pid: int) -> list[int]:
    """Direct children of pid (nginx workers of a master)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry))
    return out


def group_alive(pgid: int) -> bool:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                    return True
            except (OSError, IndexError, ValueError):
                pass
    return False


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def fd_count(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return total


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes (all their threads), summed: each one's CPU-time clock (what
    clock_getcpuclockid(3) gives, to the nanosecond), or utime + stime from /proc/PID/stat (in clock ticks, 10 ms) where
    that clock cannot be read."""
    total = 0.0
    for pid in pids:
        try:
            total += time.clock_gettime(((~pid) << 3) | 2)  # MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)
            continue
        except OSError:
            pass
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
        except OSError:
            pass
    return total


def sockstat_tcp_mem_bytes() -> int:
    for line in Path("/proc/net/sockstat").read_text().splitlines():
        if line.startswith("TCP:"):
            fields = line.split()
            return int(fields[fields.index("mem") + 1]) * 4096
    return 0


def listen_inodes(port: int, host: str = HOST, pid: int | None = None) -> set[str]:
    """Inodes of the sockets in LISTEN state on host:port (or 0.0.0.0:port), from /proc/net/tcp, or from
    /proc/PID/net/tcp (the table of pid's network namespace) when pid is given.

    Reading the kernel's table instead of connecting keeps the probe from reaching the upstream through the proxy
    (an iperf3 server takes a connect-and-close as a broken test and is busy for a moment).
    """
    address = struct.unpack("=I", socket.inet_aton(host))[0]  # the table prints the address as a native u32
    wanted = {f"{address:08X}:{port:04X}", f"00000000:{port:04X}"}
    found = set()
    try:
        with open(f"/proc/{pid}/net/tcp" if pid else "/proc/net/tcp") as table:
            next(table)
            for line in table:
                fields = line.split()
                if fields[3] == "0A" and fields[1] in wanted:
                    found.add(fields[9])
    except OSError:
        pass
    return found


def listening(port: int) -> bool:
    return bool(listen_inodes(port))


def socket_inodes(pids: list[int]) -> set[str]:
    found = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:["):
                    found.add(target[8:-1])
        except OSError:
            pass
    return found


def wait_listening(port: int, proc: subprocess.Popen | None, log: Path | None, timeout: float = 10.0,
                   host: str = HOST, own_netns: bool = False) -> None:
    """Waits until `proc` (or, for nginx, one of its children) has a socket listening on host:port; with own_netns,
    in the table of proc's network namespace."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise BenchError(f"exited with status {proc.returncode} before listening on {port}:\n{tail(log) if log else ''}")
        inodes = listen_inodes(port, host, proc.pid if own_netns and proc is not None else None)
        if inodes and proc is None:
            return
        if inodes:
            ours = socket_inodes([proc.pid] + children(proc.pid))
            if inodes & ours:
                if inodes - ours:
                    raise BenchError(f"another process also listens on {host}:{port} (SO_REUSEPORT?); the measurement would be mixed")
                return
        time.sleep(0.005)
    raise BenchError(f"not listening on {host}:{port} after {timeout:.0f} s:\n{tail(log) if log else ''}")


# ---------------------------------------------------------------------------------------------------------------------
# Configs


@dataclass(frozen=True)
class Site:
    """Where a peer listens and what it proxies to, with which keepalive: loopback for most workloads, the namespace
    lab (bench reap) for dead-peer reaping."""

    host: str = HOST
    upstream_host: str = HOST
    keepalive: tuple[int, int, int] = (15, 15, 3)  # T s idle, I s between probes, N probes; downstream and upstream
    netns: str | None = None  # run the peer in this network namespace (ip netns exec)
    port: int | None = None  # the listening port; None: a free one on loopback
    tag: str = ""  # in the names of its configs and logs

    def keepalive_text(self) -> str:
        t, i, n = self.keepalive
        return f"{t} s / {i} s / {n}"


LOOPBACK = Site()


def lifeline_config(path: Path, port: int, upstream: int, site: Site = LOOPBACK) -> None:
    t, i, n = site.keepalive
    ka = f"{{ keepalive_time: {t}, keepalive_interval: {i}, keepalive_probes: {n} }}"
    default = " (Lifeline's default, spelled out)" if site.keepalive == (15, 15, 3) else ""
    path.write_text(f"""\
# Generated by bench/run: TCP proxy {site.host}:{port} -> {site.upstream_host}:{upstream}, downstream and upstream
# keepalive {site.keepalive_text()}{default}, generous timeouts.
static_resources:
  listeners:
  - name: bench
    address:
      socket_address: {{ address: {site.host}, port_value: {port} }}
    tcp_keepalive: {ka}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: bench
          cluster: upstream
          idle_timeout: 3600s
  clusters:
  - name: upstream
    type: STATIC
    connect_timeout: 5s
    lb_policy: ROUND_ROBIN
    upstream_connection_options: {{ tcp_keepalive: {ka} }}
    load_assignment:
      cluster_name: upstream
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: {{ address: {site.upstream_host}, port_value: {upstream} }}
""")


def haproxy_config(path: Path, port: int, upstream: int, threads: int, maxconn: int, site: Site = LOOPBACK) -> None:
    t, i, n = site.keepalive
    path.write_text(f"""\
# Generated by bench/run: mode tcp proxy {site.host}:{port} -> {site.upstream_host}:{upstream}, {threads} threads,
# client and server TCP keepalive {site.keepalive_text()}, no logging, generous timeouts.
global
    nbthread {threads}
    maxconn {maxconn}

defaults
    mode tcp
    maxconn {maxconn}
    timeout connect 5s
    timeout client 3600s
    timeout server 3600s
    option clitcpka
    clitcpka-idle {t}s
    clitcpka-intvl {i}s
    clitcpka-cnt {n}
    option srvtcpka
    srvtcpka-idle {t}s
    srvtcpka-intvl {i}s
    srvtcpka-cnt {n}

frontend bench
    bind {site.host}:{port}
    default_backend upstream

backend upstream
    server s1 {site.upstream_host}:{upstream}
""")


def nginx_stream_config(prefix: Path, port: int, upstream: int, threads: int, site: Site = LOOPBACK) -> Path:
    prefix.mkdir(parents=True, exist_ok=True)
    load = f"load_module {NGINX_STREAM_MODULE};\n" if NGINX_STREAM_MODULE.exists() else ""
    t, i, n = site.keepalive
    conf = prefix / "nginx.conf"
    conf.write_text(f"""\
# Generated by bench/run: stream proxy {site.host}:{port} -> {site.upstream_host}:{upstream}, {threads} workers with one
# reuseport listening socket each (as Lifeline has one per event loop), client keepalive {site.keepalive_text()},
# upstream keepalive on (the kernel's net.ipv4.tcp_keepalive_* timings of its network namespace), no access log,
# generous timeouts.
{load}daemon off;
master_process on;
worker_processes {threads};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{
    worker_connections 19000;
}}

stream {{
    server {{
        listen {site.host}:{port} reuseport backlog=4096 so_keepalive={t}s:{i}s:{n};
        proxy_pass {site.upstream_host}:{upstream};
        proxy_connect_timeout 5s;
        proxy_timeout 3600s;
        proxy_socket_keepalive on;
    }}
}}
""")
    return conf


def nginx_http_config(prefix: Path, port: int) -> Path:
    prefix.mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    temp = "".join(f"    {name}_temp_path {prefix}/{name};\n" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf.write_text(f"""\
# Generated by bench/run: the small-request upstream, `return 200` on {HOST}:{port}, one worker,
# keepalive connections kept open for the whole test.
daemon off;
master_process on;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log error;

events {{
    worker_connections 4096;
}}

http {{
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
{temp}    server {{
        listen {HOST}:{port} backlog=4096;
        location / {{
            return 200 "ok\\n";
        }}
    }}
}}
""")
    return conf


# ---------------------------------------------------------------------------------------------------------------------
# Peers


class Peer:
    """A proxy under test, started afresh for every run so runs do not inherit each other's state."""

    def __init__(self, name: str, h: "Harness", site: Site = LOOPBACK):
        self.name = name
        self.h = h
        self.site = site
        self.port = site.port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log = h.tmp / f"{name}{site.tag}.log"
        self.configs: dict[int, tuple[list[str], Path]] = {}
        self.started = 0.0
        # `ip netns exec` execs the command: the peer keeps the pid (and process group) it was started with.
        self.prefix = ["ip", "netns", "exec", site.netns] if site.netns else []

    def command(self, upstream: int) -> list[str]:
        """The peer's command line to proxy to `upstream`; writes its config and has the peer check it first (in the
        peer's namespace: nginx -t binds its reuseport listeners)."""
        if upstream in self.configs:
            return self.configs[upstream][0]
        h, site, stem = self.h, self.site, f"{self.name}{self.site.tag}-{upstream}"
        if self.name == "lifeline":
            path = h.tmp / f"{stem}.yaml"
            lifeline_config(path, self.port, upstream, site)
            check = [str(h.lifeline), "check", "--config", str(path)]
            cmd = [str(h.lifeline), "run", "--config", str(path), "--event-loops", str(h.threads), "--log-level", h.args.lifeline_log_level,
                   "--drain-time-s", "0"]
        elif self.name == "haproxy":
            path = h.tmp / f"{stem}.cfg"
            haproxy_config(path, self.port, upstream, h.threads, h.maxconn, site)
            check = ["haproxy", "-c", "-q", "-f", str(path)]
            cmd = ["haproxy", "-db", "-f", str(path)]
        else:
            prefix = h.tmp / f"nginx-stream{site.tag}-{upstream}"
            path = nginx_stream_config(prefix, self.port, upstream, h.threads, site)
            cmd = ["nginx", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(path)]
            check = cmd + ["-t", "-q"]
        out = subprocess.run(self.prefix + check, capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            checker = {"lifeline": "lifeline check", "haproxy": "haproxy -c"}.get(self.name, "nginx -t")
            raise BenchError(f"{checker} rejected the generated config:\n{out.stdout}{out.stderr}")
        self.configs[upstream] = (self.prefix + cmd, path)
        return self.prefix + cmd

    def check_port_free(self) -> None:
        # In the lab's namespace only this workload's peers run, one at a time; wait_listening checks the rest.
        if not self.site.netns and listening(self.port):
            raise BenchError(f"{HOST}:{self.port} is already taken by another process before {self.name} started")

    def start(self, upstream: int) -> None:
        self.check_port_free()
        with open(self.log, "a") as log:
            log.write(f"--- {time.strftime('%H:%M:%S')} start\n")
        self.proc = self.h.procs.start(self.command(upstream), log=self.log)
        self.started = time.monotonic()
        wait_listening(self.port, self.proc, self.log, host=self.site.host, own_netns=bool(self.site.netns))
        if self.name == "nginx":
            # The master listens before it forks the workers; their CPU and memory count too.
            deadline = time.monotonic() + 10
            while len(children(self.proc.pid)) < self.h.threads:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise BenchError(f"nginx started {len(children(self.proc.pid))} of {self.h.threads} workers:\n{tail(self.log)}")
                time.sleep(0.005)

    def pids(self) -> list[int]:
        assert self.proc is not None
        return [self.proc.pid] + children(self.proc.pid)

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        crashed = proc.poll() is not None
        status = self.h.procs.stop(proc)
        # Lifeline and HAProxy exit 0 on SIGTERM; nginx's master does too. Anything else is worth a note.
        if crashed or status not in (0, -signal.SIGTERM, 143):
            when = f" (pid {proc.pid}, within {time.monotonic() - self.started:.1f} s of its start)" if crashed else ""
            self.h.oddity(f"{self.name} exited with status {status}{' before it was stopped' if crashed else ' on SIGTERM'}{when}; log: {tail(self.log, 5)!r}")
        if crashed:
            # A peer that went away on its own fails the run, even if the measurement itself got through.
            raise BenchError(f"{self.name} exited with status {status} before it was stopped")


# ---------------------------------------------------------------------------------------------------------------------
# Harness


class Harness:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.smoke = args.smoke
        self.runs = args.runs
        self.threads = args.threads
        self.duration = args.duration
        self.idle_sizes = args.idle
        self.reap_conns = args.reap
        self.maxconn = max(self.idle_sizes + [self.reap_conns]) + 1000
        self.tmp = Path(args.state_dir)
        self.lifeline = Path(args.lifeline)
        self.procs = Processes(self.tmp)
        self.samples: list[dict] = []
        self.oddities: list[str] = []
        self.peers = {name: Peer(name, self) for name in args.peers}
        self.upstreams: dict[str, int] = {}
        self.configs: dict[str, str] = {}
        self.skipped: dict[str, str] = {}  # workload -> why it was not run

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

    def fail_workload(self, workload: str, case: str, error: str) -> None:
        """A workload that could not run at all: one failed run per peer."""
        for name in self.peers:
            self.record(workload=workload, case=case, peer=name, run=0, ok=False, error=error)

    def record(self, **sample) -> dict:
        self.samples.append(sample)
        if sample.get("ok"):
            shown = {k: v for k, v in sample.items() if k not in ("workload", "case", "peer", "run", "ok")}
            values = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items())
            print(f"  {sample['workload']:8} {sample['case']:14} run {sample['run'] + 1}  {sample['peer']:8} {values}", flush=True)
        else:
            print(f"  {sample['workload']:8} {sample['case']:14} run {sample['run'] + 1}  {sample['peer']:8} FAILED: {sample['error']}", flush=True)
        return sample

    # -- upstreams ----------------------------------------------------------------------------------------------------

    def start_upstreams(self) -> None:
        port = free_port()
        log = self.tmp / "iperf3-server.log"
        self.iperf_server = self.procs.start(["iperf3", "-s", "-B", HOST, "-p", str(port)], log=log)
        wait_listening(port, self.iperf_server, log)
        self.upstreams["iperf3"] = port

        port = free_port()
        prefix = self.tmp / "nginx-http"
        conf = nginx_http_config(prefix, port)
        self.http_server = self.procs.start(["nginx", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)], log=prefix / "stderr.log")
        wait_listening(port, self.http_server, prefix / "stderr.log")
        self.upstreams["http"] = port
        self.configs["nginx (http upstream for wrk)"] = conf.read_text()

        port = free_port()
        log = self.tmp / "idle-upstream.log"
        self.echo_server = self.procs.start([sys.executable, str(HERE / "idle_upstream.py"), HOST, str(port)], log=log)
        wait_listening(port, self.echo_server, log)
        self.upstreams["echo"] = port

    def collect_configs(self) -> None:
        for name, peer in self.peers.items():
            for upstream_name, port in self.upstreams.items():
                if port in peer.configs:
                    self.configs[f"{name} (to the {upstream_name} upstream)"] = peer.configs[port][1].read_text()
                    break

    # -- workloads ----------------------------------------------------------------------------------------------------

    def targets(self, direct: bool) -> list[str]:
        return list(self.peers) + (["direct"] if direct else [])

    def with_peer(self, peer_name: str, upstream: int, body, peers: dict[str, Peer] | None = None):
        """Starts the peer (or nothing for `direct`), runs body(port, pids) and stops it again."""
        if peer_name == "direct":
            return body(upstream, [])
        peer = (peers or self.peers)[peer_name]
        peer.start(upstream)
        try:
            return body(peer.port, peer.pids())
        finally:
            peer.stop()

    def run_bulk(self) -> None:
        print(f"\n== bulk: iperf3 through each proxy, {self.duration:g} s per run", flush=True)
        upstream = self.upstreams["iperf3"]
        for streams in (1, 8):
            case = f"{streams} stream{'s' if streams > 1 else ''}"
            for run in range(self.runs):
                for peer in self.targets(direct=True):
                    self.measure("bulk", case, peer, run,
                                 lambda: self.with_peer(peer, upstream, lambda port, pids: self.iperf(port, pids, streams)))

    def iperf(self, port: int, pids: list[int], streams: int) -> dict:
        duration = max(1, round(self.duration))
        cmd = ["iperf3", "-c", HOST, "-p", str(port), "-t", str(duration), "-P", str(streams), "-J"]
        if duration >= 5:
            cmd += ["-O", "1"]  # leave out the first second (slow start)
        self.procs.note(cmd)
        for attempt in range(3):
            cpu0, t0 = cpu_seconds(pids), time.monotonic()
            try:
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30)
            except subprocess.TimeoutExpired:
                raise BenchError(f"iperf3 did not finish within {duration + 30} s")
            cpu = (cpu_seconds(pids) - cpu0) / max(1e-9, time.monotonic() - t0)
            try:
                data = json.loads(out.stdout)
            except json.JSONDecodeError:
                raise BenchError(f"iperf3 printed no JSON (status {out.returncode}): {out.stderr.strip()[:300]}")
            if "error" in data:
                if ("busy" in data["error"] or "control socket has closed" in data["error"]) and attempt < 2:
                    # The iperf3 server is still finishing the previous test (through a proxy, its refusal shows as
                    # a closed control socket). Retried at most twice; each retry is noted.
                    self.oddity(f"iperf3 retried after: {data['error']}")
                    time.sleep(1)
                    continue
                raise BenchError(f"iperf3: {data['error']}")
            bps = data["end"]["sum_received"]["bits_per_second"]
            if not bps > 0:
                raise BenchError("iperf3 moved no data")
            result = {"gbps": bps / 1e9}
            if pids:
                result["cpu_cores"] = cpu
            return result
        raise BenchError("iperf3 server stayed busy")

    def run_requests(self) -> None:
        print(f"\n== small requests: wrk against nginx `return 200` through each proxy, {self.duration:g} s per run", flush=True)
        upstream = self.upstreams["http"]
        for conns in (50, 200):
            case = f"c={conns}"
            for run in range(self.runs):
                for peer in self.targets(direct=True):
                    self.measure("requests", case, peer, run,
                                 lambda: self.with_peer(peer, upstream, lambda port, pids: self.wrk(port, pids, conns)))

    UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}

    def wrk(self, port: int, pids: list[int], conns: int) -> dict:
        duration = max(1, round(self.duration))
        threads = min(2, conns)
        cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{duration}s", "--latency", f"http://{HOST}:{port}/"]
        self.procs.note(cmd)
        cpu0, t0 = cpu_seconds(pids), time.monotonic()
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30)
        except subprocess.TimeoutExpired:
            raise BenchError(f"wrk did not finish within {duration + 30} s")
        cpu = (cpu_seconds(pids) - cpu0) / max(1e-9, time.monotonic() - t0)
        text = out.stdout
        rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
        p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
        total = re.search(r"(\d+) requests in", text)
        if out.returncode != 0 or not rps or not p99 or not total:
            raise BenchError(f"wrk failed (status {out.returncode}): {(out.stderr or text).strip()[:300]}")
        if int(total.group(1)) == 0:
            raise BenchError("wrk completed no request")
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        if non2xx:
            raise BenchError(f"wrk: {non2xx.group(1)} non-2xx responses")
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
        result = {"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * self.UNITS[p99.group(2)]}
        if errors:
            connect, read, write, timeout = map(int, errors.groups())
            if connect:
                raise BenchError(f"wrk: {connect} connect errors")
            result["socket_errors"] = read + write + timeout
        if pids:
            result["cpu_cores"] = cpu
        return result

    def run_idle(self) -> None:
        print(f"\n== idle connections: proxy RSS per held connection, sizes {self.idle_sizes}", flush=True)
        upstream = self.upstreams["echo"]
        for size in self.idle_sizes:
            case = f"{size} conns"
            for run in range(self.runs):
                for peer in self.targets(direct=False):
                    self.measure("idle", case, peer, run,
                                 lambda: self.with_peer(peer, upstream, lambda port, pids: self.idle(peer, port, size)))

    def echo_roundtrip(self, port: int) -> None:
        try:
            with socket.create_connection((HOST, port), timeout=5) as s:
                s.sendall(b"x")
                if s.recv(1) != b"x":
                    raise BenchError("no echo through the proxy")
        except OSError as error:
            raise BenchError(f"echo through the proxy failed: {error}")

    def idle(self, peer_name: str, port: int, size: int) -> dict:
        peer = self.peers[peer_name]
        self.echo_roundtrip(port)  # proves the proxy works and lets it do its lazy set-up before the baseline
        time.sleep(0.2 if self.smoke else 0.5)
        pids = peer.pids()
        rss0, fds0, mem0 = rss_kib(pids), fd_count(pids), sockstat_tcp_mem_bytes()
        clients = []
        sel = selectors.DefaultSelector()
        try:
            remaining = size
            while remaining > 0:
                n = min(CLIENTS_PER_PROCESS, remaining)
                remaining -= n
                proc = self.procs.start(
                    [sys.executable, str(HERE / "idle_client.py"), HOST, str(port), str(n)],
                    log=self.tmp / "idle-client.log", stdin=subprocess.PIPE, stdout=subprocess.PIPE, note=False,
                )
                clients.append(proc)
                sel.register(proc.stdout, selectors.EVENT_READ, proc)
            self.procs.note(f"{sys.executable} {HERE / 'idle_client.py'} {HOST} {port} N   # {len(clients)} processes at once, N = {size} split in parts of at most {CLIENTS_PER_PROCESS}")
            ready, deadline = 0, time.monotonic() + 120
            while ready < len(clients):
                events = sel.select(timeout=max(0.0, deadline - time.monotonic()))
                if not events:
                    raise BenchError(f"only {ready} of {len(clients)} client processes had their connections up after 120 s")
                for key, _ in events:
                    line = key.fileobj.readline().decode(errors="replace").strip()
                    sel.unregister(key.fileobj)
                    if not line.startswith("ready"):
                        raise BenchError(f"idle client: {line or 'exited without a word'}")
                    ready += 1
            time.sleep(0.5 if self.smoke else 2.0)  # let the proxy settle
            pids = peer.pids()
            rss1, fds1, mem1 = rss_kib(pids), fd_count(pids), sockstat_tcp_mem_bytes()
            if fds1 - fds0 < 2 * size * 0.98:
                self.oddity(f"{peer_name} held {fds1 - fds0} more fds for {size} idle connections (expected {2 * size})")
        finally:
            for proc in clients:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
            for proc in clients:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
                self.procs.stop(proc)
                if proc.stdout:
                    proc.stdout.close()
            sel.close()
        # After the clients left: does the proxy give back its descriptors (and memory)?
        deadline = time.monotonic() + 10
        while fd_count(pids) > fds0 + 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        fds2 = fd_count(pids)
        if fds2 > fds0 + 4:
            self.oddity(f"{peer_name} still held {fds2 - fds0} extra fds 10 s after {size} idle clients closed")
        return {
            "rss_kib_per_conn": (rss1 - rss0) / size,
            "sock_kib_per_conn": (mem1 - mem0) / 1024 / size,  # machine-wide delta: noisy, kept in the JSON only
            "sock_held_mib": mem1 / 2**20,
            "rss_base_mib": rss0 / 1024,
            "rss_held_mib": rss1 / 1024,
            "rss_after_close_mib": rss_kib(pids) / 1024,
            "fds_held": fds1 - fds0,
        }

    def run_startup(self) -> None:
        print("\n== start-up: exec to accepting connections (tight connect() loop), then to the first proxied byte", flush=True)
        upstream = self.upstreams["echo"]
        for run in range(self.runs):
            for name in self.targets(direct=False):
                self.measure("startup", "exec to accept", name, run, lambda: self.startup(self.peers[name], upstream))

    def startup(self, peer: Peer, upstream: int) -> dict:
        cmd = peer.command(upstream)  # configs are written (and checked) before the clock starts
        time.sleep(0.2)
        peer.check_port_free()
        addr = (HOST, peer.port)
        t0 = time.perf_counter()
        peer.proc = self.procs.start(cmd, log=peer.log)
        try:
            deadline = t0 + 10
            while True:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                try:
                    s.connect(addr)
                    break
                except OSError:
                    s.close()
                    now = time.perf_counter()
                    if now > deadline:
                        raise BenchError(f"not accepting after 10 s:\n{tail(peer.log)}")
                    if peer.proc.poll() is not None:
                        raise BenchError(f"exited with status {peer.proc.returncode} during start-up:\n{tail(peer.log)}")
            t_accept = time.perf_counter()
            ours = socket_inodes([peer.proc.pid] + children(peer.proc.pid))
            if not listen_inodes(peer.port) & ours:
                raise BenchError(f"the connection on {HOST}:{peer.port} was accepted by another process")
            try:
                s.settimeout(5)
                s.sendall(b"x")
                if s.recv(1) != b"x":
                    raise BenchError("first connection got no echo through the proxy")
            except OSError as error:
                raise BenchError(f"first connection failed: {error}")
            finally:
                s.close()
            t_byte = time.perf_counter()
            return {"accept_ms": (t_accept - t0) * 1e3, "first_byte_ms": (t_byte - t0) * 1e3}
        finally:
            peer.stop()

    def run_reap(self) -> None:
        n = self.reap_conns
        case = f"{n} conns"
        print(f"\n== dead-peer reaping: {n} idle connections through each proxy in the namespace lab, blackholed at once", flush=True)
        if os.geteuid() != 0:
            self.skip("reap", "needs root (network namespaces, iptables); run bench/run as root")
            return
        names = lab.NAMESPACES + [lab.PROBE]
        taken = [ns for ns in names if os.path.exists(f"/run/netns/{ns}")]
        if taken:
            self.fail_workload("reap", case, f"the lab's network namespaces exist already ({', '.join(taken)}): is lab/run "
                                             f"running? If not, remove them (ip netns del NAME) and run again")
            return
        # From here on, bench/run's trap removes these namespaces if the harness cannot (it is killed).
        marker = self.tmp / "netns"
        marker.write_text("".join(f"{ns}\n" for ns in names))
        site = Site(host=lab.GW_IP, upstream_host=lab.UP_IP, keepalive=REAP_KEEPALIVE, netns="ll-gw",
                    port=lab.GW_PORT, tag="-lab")
        peers = {name: Peer(name, self, site) for name in self.peers}
        hub = listener = None
        # Every command of the lab's set-up and of each run is noted, for BENCHMARKS.md.
        namespaces = lab.Lab(lb_timeout=REAP_LB_TIMEOUT, note=self.procs.note)
        backlog_path = Path("/proc/sys/net/core/netdev_max_backlog")
        backlog_before = backlog_path.read_text().strip() if backlog_path.exists() else None
        try:
            try:
                namespaces.pick_iptables()
                # All N connections' SYNs, and later their keepalive probes, leave within ~0.1 s; the default per-CPU
                # receive backlog (1000) would drop some on the veths, which measures the lab, not the proxies.
                if backlog_before is not None and int(backlog_before) < REAP_BACKLOG:
                    namespaces.sh(["sysctl", "-qw", f"net.core.netdev_max_backlog={REAP_BACKLOG}"])
                namespaces.up()
                # nginx's upstream keepalive (proxy_socket_keepalive on) has the kernel's timings: set ll-gw's to the
                # same 1/1/3, or ll-lb2 forgets nginx's idle upstream flows (Lifeline and HAProxy set their own).
                t, i, n = REAP_KEEPALIVE
                namespaces.sh(["sysctl", "-qw", f"net.ipv4.tcp_keepalive_time={t}", f"net.ipv4.tcp_keepalive_intvl={i}",
                               f"net.ipv4.tcp_keepalive_probes={n}"], ns="ll-gw")
                hub = Hub()
                listener = hub.listen("ll-up", lab.UP_IP, lab.UP_PORT)
                for name, peer in peers.items():
                    peer.command(lab.UP_PORT)
                    self.configs[f"{name} (reap workload, in ll-gw)"] = peer.configs[lab.UP_PORT][1].read_text()
            except (RuntimeError, OSError, BenchError) as error:
                self.fail_workload("reap", case, f"namespace lab set-up failed: {error}")
                return
            for run in range(self.runs):
                for name in peers:
                    namespaces.flush_conntrack()
                    self.measure("reap", case, name, run, lambda: self.with_peer(
                        name, lab.UP_PORT, lambda _port, pids: self.reap(namespaces, hub, name, pids), peers))
        finally:
            if hub is not None:
                hub.stop()
            if listener is not None:
                listener.close()
            namespaces.down()
            if backlog_before is not None and int(backlog_before) < REAP_BACKLOG:
                namespaces.sh(["sysctl", "-qw", f"net.core.netdev_max_backlog={backlog_before}"], check=False)
            marker.unlink()

    def reap(self, namespaces, hub, peer_name: str, pids: list[int]) -> dict:
        """One run: N connections through the proxy, one line each way, then the client blackholed at ll-lb; waits
        until the proxy has closed every upstream leg (it reaped the dead client) and its fd count is back."""
        n, theory = self.reap_conns, REAP_THEORY
        try:
            time.sleep(0.2)
            fds0 = fd_count(pids)
            self.procs.note(f"# the harness itself (lab/lab.py Hub, sockets made in ll-client / ll-up with setns): {n} "
                            f"connections {lab.CLIENT_IP} -> {lab.GW_IP}:{lab.GW_PORT} -> the proxy -> {lab.UP_IP}:"
                            f"{lab.UP_PORT}, one line each way on each, then the blackhole at ll-lb:")
            t0 = time.monotonic()
            pairs = idle_pairs(hub, n, "ll-client", lab.GW_IP, lab.GW_PORT)
            setup = time.monotonic() - t0
            t_first, t_last = min(c.last_rx for c, _ in pairs), max(c.last_rx for c, _ in pairs)
            time.sleep(0.05)
            cpu0 = cpu_seconds(pids)
            namespaces.blackhole("ll-lb", lab.CLIENT_IP)
            cpu = fds_back = None
            deadline = t_last + theory + 6
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
                raise ReapMissed(f"{len(ended)} of {n} dead clients reaped within theory + 6 s = {theory + 6} s of "
                                 f"the last traffic{worst}")
            fds_left = fd_count(pids) - fds0
            if fds_left > 0:
                self.oddity(f"{peer_name} held {fds_left} more fds than before its {n} connections, "
                            f"{theory + 6} s after their last traffic (all reaped)")
            return {"worst_s": max(ended), "median_s": statistics.median(ended), "best_s": min(ended), "cpu_s": cpu,
                    "reaped": len(ended), "theory_s": theory, "fds_back_s": fds_back, "setup_s": setup,
                    "traffic_spread_s": t_last - t_first}
        except (RuntimeError, OSError) as error:  # testkit's: a connection, the hub or an iptables/conntrack command
            raise BenchError(f"namespace lab: {error}")
        finally:
            namespaces.unblackhole("ll-lb", lab.CLIENT_IP)
            hub.close_all()

    # -- all ----------------------------------------------------------------------------------------------------------

    def run(self) -> None:
        if set(self.args.workloads) & {"bulk", "requests", "startup", "idle"}:
            self.start_upstreams()
            # Write and check every peer's configs first, so a rejected config fails fast.
            for peer in self.peers.values():
                for port in self.upstreams.values():
                    peer.command(port)
            self.collect_configs()
        steps = {"bulk": self.run_bulk, "requests": self.run_requests, "startup": self.run_startup, "idle": self.run_idle,
                 "reap": self.run_reap}
        # Start-up runs before idle: the idle workload leaves tens of thousands of proxy-to-upstream connections in
        # TIME_WAIT, which slow the next connections to the same upstream (the kernel searches longer for a port).
        # Reaping runs in its own network namespaces, which none of that touches.
        for name in steps:
            if name in self.args.workloads:
                steps[name]()

    def failures(self) -> list[dict]:
        return [s for s in self.samples if not s["ok"]]


# ---------------------------------------------------------------------------------------------------------------------
# Machine and versions


def first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else "?"
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
        "haproxy": first_line(["haproxy", "-v"]),
        "nginx": first_line(["nginx", "-v"]),
        "iperf3": first_line(["iperf3", "--version"]),
        "wrk": first_line(["wrk", "-v"]),
        "swift": first_line(["swift", "--version"]),
        "python": sys.version.split()[0],
    }


# ---------------------------------------------------------------------------------------------------------------------


def reap_settings(args: argparse.Namespace) -> dict:
    if "reap" not in args.workloads:
        return {}
    return {"reap_conns": args.reap, "reap_keepalive": list(REAP_KEEPALIVE), "reap_theory_s": REAP_THEORY,
            "reap_tolerance_s": REAP_TOLERANCE, "reap_lb_timeout_s": REAP_LB_TIMEOUT}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--idle", type=lambda s: [int(x) for x in s.split(",")], default=[4000, 8000])
    parser.add_argument("--peers", type=lambda s: s.split(","), default=PEERS)
    parser.add_argument("--workloads", type=lambda s: s.split(","), default=WORKLOADS)
    parser.add_argument("--reap", type=int, default=2000, help="connections blackholed at once in the reap workload")
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
            parser.error(f"unknown workload {workload!r}; expected some of {','.join(WORKLOADS)}")
    if max(args.idle) > 9000:
        parser.error("--idle: at most 9000 connections (the proxy needs 2 fds each and the fd limit is 20,000)")
    if not 1 <= args.reap <= 9000:
        parser.error("--reap: 1 to 9000 connections (the proxy and the harness need 2 fds each; the fd limit is 20,000)")

    def on_signal(signum, _frame):
        # Once: a second signal must not interrupt the clean-up the first one started.
        for other in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(other, signal.SIG_IGN)
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)

    h = Harness(args)
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    info = {"machine": machine_info(), "versions": versions(h.lifeline), "started": started}
    print(f"lifeline bench: {args.runs} run(s) each, {args.threads} threads/workers/event loops, peers {', '.join(args.peers)}", flush=True)
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

    result = {
        "info": info,
        "settings": {
            "smoke": args.smoke, "runs": args.runs, "threads": args.threads, "duration_s": args.duration,
            "idle_sizes": args.idle, "peers": args.peers, "workloads": args.workloads, "note": args.note,
            "command_line": args.command_line, **reap_settings(args),
        },
        "samples": h.samples,
        "skipped": h.skipped,
        "oddities": h.oddities,
        "commands": h.procs.commands,
        "configs": h.configs,
        "ports": {**{name: peer.port for name, peer in h.peers.items() if h.upstreams}, **{f"{name} upstream": port for name, port in h.upstreams.items()}},
        "error": error,
    }
    Path(args.out_json).write_text(json.dumps(result, indent=1))

    sys.path.insert(0, str(HERE))
    sys.dont_write_bytecode = True  # no bench/__pycache__ in the work tree
    import report

    print()
    print(report.text_table(result))
    Path(args.out_md).write_text(report.markdown(result, png=args.out_png, md=args.out_md))
    report.plot(result, args.out_png)
    print(f"\nwrote {args.out_md}, {args.out_png}, {args.out_json}")

    failed = h.failures()
    if error or failed:
        peers = sorted({s["peer"] for s in failed})
        print(f"bench: FAILED: {len(failed)} run(s) failed ({', '.join(peers) or 'setup'}){': ' + error if error else ''}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
