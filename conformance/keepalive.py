"""The keepalive a socket is expected to carry, and the check of a socket against it."""

from dataclasses import dataclass

from .sockets import SocketView, ss_resolution


@dataclass(frozen=True)
class Keepalive:
    """Expected keepalive of one socket. `None` for idle, interval or probes means the kernel's
    (`net.ipv4.tcp_keepalive_time`, `_intvl`, `_probes`), i.e. nothing set it."""

    on: bool
    idle: int | None = None
    interval: int | None = None
    probes: int | None = None
    user_timeout_ms: int = 0  # TCP_USER_TIMEOUT; Envoy sets it only from an explicit socket option

    def resolved(self, kernel: "KernelDefaults") -> "Keepalive":
        return Keepalive(
            self.on,
            kernel.idle if self.idle is None else self.idle,
            kernel.interval if self.interval is None else self.interval,
            kernel.probes if self.probes is None else self.probes,
            self.user_timeout_ms,
        )

    def __str__(self):
        if not self.on:
            return "keepalive off"
        parts = [str(v) if v is not None else "kernel" for v in (self.idle, self.interval, self.probes)]
        return f"keepalive {'/'.join(parts)} user_timeout {self.user_timeout_ms} ms"


OFF = Keepalive(False)
# Lifeline's safe default where a config says nothing about a side's keepalive (README "Keepalive").
LIFELINE_DEFAULT = Keepalive(True, 15, 15, 3, 60_000)


@dataclass(frozen=True)
class KernelDefaults:
    idle: int
    interval: int
    probes: int

    @staticmethod
    def read() -> "KernelDefaults":
        def sysctl(name):
            with open(f"/proc/sys/net/ipv4/tcp_keepalive_{name}") as f:
                return int(f.read())

        return KernelDefaults(sysctl("time"), sysctl("intvl"), sysctl("probes"))


def problems(expected: Keepalive, seen: SocketView, kernel: KernelDefaults, waited: float) -> list[str]:
    """What differs between the expectation and the socket, as short sentences; empty if it conforms.
    `waited`: seconds between the connection and the look, so the timer has run down by about that much."""
    want = expected.resolved(kernel)
    found = []
    opts = seen.options
    if bool(opts.keepalive) != want.on:
        found.append(f"SO_KEEPALIVE {opts.keepalive}, expected {int(want.on)}")
    if want.on:
        if seen.timer != "keepalive":
            found.append(f"ss timer {seen.timer or 'none'}, expected keepalive")
        else:
            slack = ss_resolution(want.idle) + 1.0
            low, high = want.idle - waited - slack, want.idle
            if not low <= seen.timer_left <= high:
                found.append(f"ss keepalive timer {seen.timer_left:g} s, expected {want.idle} s less ~{waited:.1f} s")
        read_back = (opts.idle, opts.interval, opts.probes)
        if read_back != (want.idle, want.interval, want.probes):
            found.append(
                f"read back idle/interval/probes {'/'.join(map(str, read_back))}, "
                f"expected {want.idle}/{want.interval}/{want.probes}"
            )
    elif seen.timer == "keepalive":
        found.append(f"ss keepalive timer {seen.timer_left:g} s, expected none")
    if opts.user_timeout_ms != want.user_timeout_ms:
        found.append(f"TCP_USER_TIMEOUT {opts.user_timeout_ms} ms, expected {want.user_timeout_ms} ms")
    return found
