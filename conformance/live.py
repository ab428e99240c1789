"""Live sockets: Envoy and Lifeline run the same scenario config (each with its own listener and upstream port),
one client connects to each, sends a byte and waits; then the gateway's accepted socket (sport = listener port) and
its upstream socket (dport = upstream port, owned by the gateway's pid) are compared with what Envoy does."""

import itertools
import os
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

from . import bootstrap, sockets
from .binaries import Envoy, Lifeline
from .keepalive import LIFELINE_DEFAULT, OFF, KernelDefaults, Keepalive, problems
from .processes import Gateway, GatewayFailed, Upstream, connect_client, free_port
from .report import Result
from .sockets import SocketView, ss_resolution

WAIT = 1.0  # s between connecting and looking at the sockets


@dataclass(frozen=True)
class Scenario:
    """A config fragment and Envoy's keepalive on each side. A side given as `None` is one the config says nothing
    about: Envoy leaves keepalive off there, Lifeline applies its safe default (the one expected difference)."""

    id: str
    title: str
    downstream: Keepalive | None
    upstream: Keepalive | None
    listener: dict = field(default_factory=dict)
    cluster: dict = field(default_factory=dict)
    # What Lifeline's start-up warnings about unsafe keepalive must say, one fragment per warned socket; none at all
    # when empty (a load balancer's idle timeout would not cut either side).
    lifeline_warns: tuple[str, ...] = ()

    def expected(self, side: str, binary: str) -> Keepalive:
        envoy_view = getattr(self, side)
        if envoy_view is None:
            return OFF if binary == "envoy" else LIFELINE_DEFAULT
        return envoy_view


@dataclass
class Observation:
    binary: str
    downstream: SocketView | None = None
    upstream: SocketView | None = None
    error: str | None = None


class LiveRun:
    def __init__(self, envoy: Envoy, lifeline: Lifeline, workdir: str):
        self.envoy, self.lifeline, self.workdir = envoy, lifeline, workdir
        self.kernel = KernelDefaults.read()
        # Unique per Envoy process (and per suite run): no two Envoys share shared-memory or socket names.
        self.base_ids = itertools.count((os.getpid() % 20000) * 100 + 1)

    def run(self, scenario: Scenario) -> list[Result]:
        observations = {binary: Observation(binary) for binary in ("envoy", "lifeline")}
        with ExitStack() as stack:
            gateways = {}
            for binary in ("envoy", "lifeline"):
                upstream = stack.enter_context(Upstream())
                port = free_port()
                config = bootstrap.write(
                    os.path.join(self.workdir, f"{scenario.id}-{binary}.json"),
                    bootstrap.bootstrap(port, upstream.port, scenario.listener, scenario.cluster),
                )
                if binary == "envoy":
                    command = self.envoy.run_command(config, next(self.base_ids))
                else:
                    command = self.lifeline.run_command(config)
                log = os.path.join(self.workdir, f"{scenario.id}-{binary}.log")
                try:
                    gateway = stack.enter_context(Gateway(binary, command, port, log))
                except GatewayFailed as failure:
                    observations[binary].error = str(failure)
                    continue
                gateways[binary] = (gateway, upstream)
            clients = {}
            for binary, (gateway, _) in list(gateways.items()):
                try:
                    clients[binary] = stack.enter_context(connect_client(gateway.port))
                except OSError as failure:
                    observations[binary].error = f"connecting to :{gateway.port}: {failure}; log: {gateway.log_tail()}"
                    del gateways[binary]
            started = time.monotonic()
            time.sleep(WAIT)
            waited = time.monotonic() - started
            for binary, (gateway, upstream) in gateways.items():
                seen = observations[binary]
                try:
                    seen.downstream = _view(gateway.pid, local_port=gateway.port,
                                            peer_port=clients[binary].getsockname()[1])
                    seen.upstream = _view(gateway.pid, peer_port=upstream.port)
                except (RuntimeError, OSError) as failure:
                    seen.error = f"{failure}; log: {gateway.log_tail()}"
        results = [self._judge(scenario, observations, binary, waited + 0.2) for binary in ("envoy", "lifeline")]
        log = os.path.join(self.workdir, f"{scenario.id}-lifeline.log")
        return results + [_judge_warnings(scenario, log)]

    def _judge(self, scenario: Scenario, observations: dict, binary: str, waited: float) -> Result:
        case = f"live {scenario.id} {binary}"
        seen = observations[binary]
        if seen.error:
            return Result(case, False, seen.error, scenario.title)
        lines, ok = [], True
        for side in ("downstream", "upstream"):
            seen_side: SocketView = getattr(seen, side)
            expected = scenario.expected(side, binary)
            found = problems(expected, seen_side, self.kernel, waited)
            envoys = getattr(observations["envoy"], side)
            if binary == "lifeline" and envoys is not None and expected == scenario.expected(side, "envoy"):
                found += _timer_difference(seen_side, envoys)
            note = ""
            if getattr(scenario, side) is None:
                note = " (config silent: Envoy off, Lifeline its default)"
            timer = f"timer:({seen_side.timer},{seen_side.timer_left:g}s)" if seen_side.timer else "no timer"
            lines.append(f"{side}: {timer}, {seen_side.options}; expected {expected.resolved(self.kernel)}{note}")
            lines += [f"  ✗ {p}" for p in found]
            ok = ok and not found
        return Result(case, ok, "\n".join(lines), scenario.title)


def _view(pid: int, **where) -> SocketView:
    # The upstream leg may still be connecting for a moment on a loaded machine.
    deadline = time.monotonic() + 3
    while True:
        try:
            return sockets.view(pid, **where)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _timer_difference(mine: SocketView, envoys: SocketView) -> list[str]:
    """Keepalive timers of the two gateways on the same side should be within a second of each other (ss prints
    whole seconds, so two readings of true values a second apart can show up to two apart)."""
    if (mine.timer == "keepalive") != (envoys.timer == "keepalive"):
        return [f"keepalive timer {'present' if mine.timer == 'keepalive' else 'absent'}, unlike Envoy's"]
    if mine.timer == "keepalive":
        limit = 1.0 + ss_resolution(max(mine.timer_left, envoys.timer_left))
        if abs(mine.timer_left - envoys.timer_left) >= limit:
            return [f"keepalive timer {mine.timer_left:g} s, Envoy's {envoys.timer_left:g} s"]
    return []


def _judge_warnings(scenario: Scenario, log_path: str) -> Result:
    """`lifeline run` logs one warning per listener or cluster whose keepalive a load balancer would cut, naming the
    field to set; and no such warning where keepalive is safe."""
    try:
        with open(log_path) as log:
            warnings = [line.strip() for line in log if " warning " in line and "keepalive" in line]
    except OSError as failure:
        return Result(f"live {scenario.id} lifeline warnings", False, str(failure), "start-up keepalive warnings")
    missing = [w for w in scenario.lifeline_warns if not any(w in line for line in warnings)]
    ok = not missing and len(warnings) == len(scenario.lifeline_warns)
    detail = [f"logged: {line}" for line in warnings] or ["logged: no keepalive warning"]
    detail += [f"  ✗ expected a warning containing {w!r}" for w in missing]
    if len(warnings) != len(scenario.lifeline_warns):
        detail.append(f"  ✗ {len(warnings)} keepalive warnings, expected {len(scenario.lifeline_warns)}")
    return Result(f"live {scenario.id} lifeline warnings", ok, "\n".join(detail), "start-up keepalive warnings")
