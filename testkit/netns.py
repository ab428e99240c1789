"""Network namespaces: running commands in them, creating sockets inside them, and the five-namespace NLB lab.

The lab's path (every name prefixed ll-, all in 198.18.0.0/15):

  ll-client 198.18.1.2 ── 198.18.1.1 ll-lb 198.18.2.1 ── 198.18.2.2 ll-gw 198.18.3.2 ── 198.18.3.1 ll-lb2 198.18.4.1 ── 198.18.4.2 ll-up
                                 (NLB sim)                     (the gateway :10000)             (NLB sim)              (upstream :9000)

ll-lb and ll-lb2 forward and simulate an NLB with conntrack: loose=0, an established-flow timeout of `lb_timeout`
seconds, FORWARD policy DROP, NEW/ESTABLISHED/RELATED accepted, every other TCP packet (an expired flow's packet is
INVALID) rejected with a TCP RST.
"""
from __future__ import annotations

import ctypes
import os
import subprocess
from contextlib import contextmanager
from typing import Callable

CLIENT_IP, LB_C, LB_G, GW_IP, GW_UP, LB2_G, LB2_U, UP_IP = (
    "198.18.1.2", "198.18.1.1", "198.18.2.1", "198.18.2.2", "198.18.3.2", "198.18.3.1", "198.18.4.1", "198.18.4.2")
GW_PORT, UP_PORT = 10000, 9000
NAMESPACES = ["ll-client", "ll-lb", "ll-gw", "ll-lb2", "ll-up"]
PROBE = "ll-probe"  # a throwaway namespace to find an iptables that works in one

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNET = 0x40000000


def sh(cmd: list[str], check: bool = True, ns: str | None = None, capture: bool = False,
       note: Callable[[list[str]], None] | None = None):
    """Runs cmd (in namespace ns); raises RuntimeError on failure when check. Returns stdout when capture, else the
    exit status. `note` is told every command line (the benchmark lists them in its report)."""
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    if note:
        note(cmd)
    r = subprocess.run(cmd, stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout if capture else r.returncode


@contextmanager
def netns(name: str):
    """Sockets created in this block belong to namespace `name` (setns on the calling thread only)."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(target, _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {name}")
        yield
    finally:
        _libc.setns(own, _CLONE_NEWNET)
        os.close(own)
        os.close(target)


def exists(name: str) -> bool:
    return os.path.exists(f"/run/netns/{name}")


class Lab:
    """The five namespaces and their two simulated NLBs; `note` is told every command it runs."""

    def __init__(self, lb_timeout: int = 4, note: Callable[[list[str]], None] | None = None):
        self.lb_timeout = lb_timeout
        self.note = note
        self.iptables: str | None = None

    def sh(self, cmd: list[str], check: bool = True, ns: str | None = None, capture: bool = False):
        return sh(cmd, check=check, ns=ns, capture=capture, note=self.note)

    def pick_iptables(self) -> str:
        """iptables (nft backend) or iptables-legacy: whichever can install the NLB rules in a fresh namespace."""
        self.sh(["ip", "netns", "add", PROBE], check=False)
        try:
            for candidate in ("iptables", "iptables-legacy"):
                ok = (self.sh([candidate, "-A", "FORWARD", "-m", "conntrack", "--ctstate", "NEW,ESTABLISHED,RELATED",
                               "-j", "ACCEPT"], ns=PROBE, check=False) == 0
                      and self.sh([candidate, "-A", "FORWARD", "-p", "tcp", "-j", "REJECT", "--reject-with",
                                   "tcp-reset"], ns=PROBE, check=False) == 0)
                self.sh([candidate, "-F"], ns=PROBE, check=False)
                if ok:
                    self.iptables = candidate
                    return candidate
        finally:
            self.sh(["ip", "netns", "del", PROBE], check=False)
        raise RuntimeError("neither iptables nor iptables-legacy can install the NLB rules in a netns")

    def down(self) -> None:
        for ns in NAMESPACES + [PROBE]:
            self.sh(["ip", "netns", "del", ns], check=False)

    def up(self) -> None:
        if self.iptables is None:
            self.pick_iptables()
        ipt = self.iptables
        self.down()
        for ns in NAMESPACES:
            self.sh(["ip", "netns", "add", ns])
            self.sh(["ip", "link", "set", "lo", "up"], ns=ns)
        links = [("ll-client", "ll-c0", CLIENT_IP, "ll-lb", "ll-l0", LB_C),
                 ("ll-lb", "ll-l1", LB_G, "ll-gw", "ll-g0", GW_IP),
                 ("ll-gw", "ll-g1", GW_UP, "ll-lb2", "ll-m0", LB2_G),
                 ("ll-lb2", "ll-m1", LB2_U, "ll-up", "ll-u0", UP_IP)]
        for ns_a, if_a, ip_a, ns_b, if_b, ip_b in links:
            self.sh(["ip", "link", "add", if_a, "netns", ns_a, "type", "veth", "peer", "name", if_b, "netns", ns_b])
            for ns, ifn, ip in ((ns_a, if_a, ip_a), (ns_b, if_b, ip_b)):
                self.sh(["ip", "addr", "add", f"{ip}/24", "dev", ifn], ns=ns)
                self.sh(["ip", "link", "set", ifn, "up"], ns=ns)
        self.sh(["ip", "route", "add", "default", "via", LB_C], ns="ll-client")
        self.sh(["ip", "route", "add", "198.18.1.0/24", "via", LB_G], ns="ll-gw")
        self.sh(["ip", "route", "add", "198.18.4.0/24", "via", LB2_G], ns="ll-gw")
        self.sh(["ip", "route", "add", "default", "via", LB2_U], ns="ll-up")
        for lb in ("ll-lb", "ll-lb2"):
            self.sh(["sysctl", "-qw", "net.ipv4.ip_forward=1"], ns=lb)
            self.sh([ipt, "-P", "FORWARD", "DROP"], ns=lb)
            self.sh([ipt, "-A", "FORWARD", "-m", "conntrack", "--ctstate", "NEW,ESTABLISHED,RELATED", "-j", "ACCEPT"],
                    ns=lb)
            self.sh([ipt, "-A", "FORWARD", "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"], ns=lb)
            # Per-namespace conntrack sysctls (they exist once conntrack is in use in the namespace).
            self.sh(["sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_loose=0"], ns=lb)
            self.sh(["sysctl", "-qw", f"net.netfilter.nf_conntrack_tcp_timeout_established={self.lb_timeout}"], ns=lb)
        # Sanity: the client reaches the gateway's address.
        self.sh(["ping", "-c1", "-W2", GW_IP], ns="ll-client", check=False)

    def blackhole(self, lb: str, ip: str) -> None:
        """Every packet from and to ip dropped at lb: the host vanishes without a FIN or RST."""
        self.sh([self.iptables, "-I", "FORWARD", "1", "-s", ip, "-j", "DROP"], ns=lb)
        self.sh([self.iptables, "-I", "FORWARD", "1", "-d", ip, "-j", "DROP"], ns=lb)

    def unblackhole(self, lb: str, ip: str) -> None:
        self.sh([self.iptables, "-D", "FORWARD", "-s", ip, "-j", "DROP"], ns=lb, check=False)
        self.sh([self.iptables, "-D", "FORWARD", "-d", ip, "-j", "DROP"], ns=lb, check=False)

    def flush_conntrack(self) -> None:
        for lb in ("ll-lb", "ll-lb2"):
            self.sh(["conntrack", "-F"], ns=lb, check=False)
