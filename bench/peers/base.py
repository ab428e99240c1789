"""A proxy under test: writes its config for a route, checks it, starts, stops, and reads its counters."""
from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from bench.common import HOST, LOOPBACK, BenchError, Route, Site, free_port
from testkit import admin
from testkit.processes import StartError, children, listening, tail, wait_listening

L4 = frozenset({"bulk", "requests", "idle", "startup", "reap"})


class Peer:
    """One proxy, started afresh for every run so runs do not inherit each other's state. A subclass names the
    workloads it takes part in and writes its config for a route (`write`)."""

    name = ""
    label = ""
    workloads: frozenset[str] = frozenset()
    has_admin = False  # counters from an admin endpoint's /stats (Lifeline, Envoy)

    def __init__(self, h, site: Site = LOOPBACK):
        self.h = h
        self.site = site
        self.port = site.port or free_port()
        self.admin_port = (site.admin_port or free_port()) if self.has_admin else None
        self.proc: subprocess.Popen | None = None
        self.log = h.tmp / f"{self.name}{site.tag}.log"
        self.configs: dict[str, tuple[list[str], Path]] = {}
        self.started = 0.0
        # `ip netns exec` execs the command: the peer keeps the pid (and process group) it was started with.
        self.prefix = ["ip", "netns", "exec", site.netns] if site.netns else []

    def takes(self, workload: str) -> bool:
        return workload in self.workloads

    # -- configs ------------------------------------------------------------------------------------------------------

    def write(self, route: Route, stem: str) -> tuple[list[str], Path, list[str]]:
        """Writes the config for `route`; returns the command line, the config file and the command that checks it."""
        raise NotImplementedError

    def command(self, route: Route) -> list[str]:
        """The peer's command line for `route`; writes its config and has the peer check it first (in the peer's
        namespace: nginx -t binds its reuseport listeners)."""
        if route.key in self.configs:
            return self.configs[route.key][0]
        cmd, path, check = self.write(route, f"{self.name}{self.site.tag}-{route.key}")
        out = subprocess.run(self.prefix + check, capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise BenchError(f"{self.label}'s check ({' '.join(check[:3])} …) rejected the generated config "
                             f"{path.name}:\n{out.stdout}{out.stderr}")
        self.configs[route.key] = (self.prefix + cmd, path)
        return self.prefix + cmd

    def config_text(self, route: Route) -> str:
        return self.configs[route.key][1].read_text()

    # -- running ------------------------------------------------------------------------------------------------------

    def check_port_free(self) -> None:
        # In the lab's namespace only this workload's peers run, one at a time; wait_listening checks the rest.
        if not self.site.netns and listening(self.port):
            raise BenchError(f"{HOST}:{self.port} is already taken by another process before {self.name} started")

    def start(self, route: Route) -> None:
        self.check_port_free()
        with open(self.log, "a") as log:
            log.write(f"--- {time.strftime('%H:%M:%S')} start\n")
        self.proc = self.h.procs.start(self.command(route), log=self.log)
        self.started = time.monotonic()
        try:
            wait_listening(self.port, self.proc, self.log, host=self.site.host, own_netns=bool(self.site.netns))
            self.wait_ready()
        except (StartError, BenchError) as error:
            # A peer that did not come up is stopped here: nobody else will, and it would hold its port for the
            # runs after.
            try:
                self.stop()
            except BenchError:
                pass
            raise BenchError(str(error))

    def wait_ready(self) -> None:
        """After the listening socket is up: whatever else must be running before a measurement (nginx's workers)."""

    def pids(self) -> list[int]:
        assert self.proc is not None
        return [self.proc.pid] + children(self.proc.pid)

    def counters(self) -> dict[str, int] | None:
        """The admin endpoint's counters and gauges, or None for a peer without one."""
        if not self.has_admin:
            return None
        try:
            return admin.stats(self.admin_port, ns=self.site.netns)
        except OSError as error:
            raise BenchError(f"{self.name}'s admin /stats: {error}")

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        crashed = proc.poll() is not None
        status = self.h.procs.stop(proc)
        # Every peer exits 0 on SIGTERM. Anything else is worth a note.
        if crashed or status not in (0, -signal.SIGTERM, 143):
            when = f" (pid {proc.pid}, within {time.monotonic() - self.started:.1f} s of its start)" if crashed else ""
            self.h.oddity(f"{self.name} exited with status {status}{' before it was stopped' if crashed else ' on SIGTERM'}"
                          f"{when}; log: {tail(self.log, 5)!r}")
        if crashed:
            # A peer that went away on its own fails the run, even if the measurement itself got through.
            raise BenchError(f"{self.name} exited with status {status} before it was stopped")
