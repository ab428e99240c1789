"""Lifeline, on the Envoy v3 bootstrap it shares with Envoy (peers/v3.py)."""
from __future__ import annotations

from pathlib import Path

from bench.common import Route
from bench.peers import v3
from bench.peers.base import Peer


class Lifeline(Peer):
    name = "lifeline"
    label = "Lifeline"
    workloads = frozenset({"bulk", "requests", "idle", "startup", "reap", "http1", "http2", "grpc", "tls", "h2idle"})
    has_admin = True
    # The engine carrying tcp_proxy, named so that LIFELINE_L4_ENGINE in the environment cannot change what is measured.
    extra: tuple[str, ...] = ("--l4-engine", "nio")

    def write(self, route: Route, stem: str) -> tuple[list[str], Path, list[str]]:
        h = self.h
        path = h.tmp / f"{stem}.yaml"
        path.write_text(v3.bootstrap(route, self.site, self.port, self.admin_port, self.label))
        cmd = [str(h.lifeline), "run", "--config", str(path), "--event-loops", str(h.threads), "--log-level",
               h.args.lifeline_log_level, "--drain-time-s", "0", *self.extra]
        return cmd, path, [str(h.lifeline), "check", "--config", str(path)]
