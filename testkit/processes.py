"""Processes the scripts start, and what they use: CPU time, resident memory, descriptors, listening sockets.

`ProcessGroup` starts many processes (each in its own process group), can list them in a pid file for a shell trap,
and always stops them; `Process` is one long-running gateway with its log. The readings take one pid or a list of
pids (nginx: the master and its workers) and sum them.
"""
from __future__ import annotations

import os
import resource
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path
from typing import Iterable

CLK_TCK = os.sysconf("SC_CLK_TCK")
LOOPBACK = "127.0.0.1"


class StartError(RuntimeError):
    """A process exited, or did not listen in time; the message says which and carries the end of its log."""


def _pids(pids: int | Iterable[int]) -> list[int]:
    return [pids] if isinstance(pids, int) else list(pids)


# ------------------------------------------------------------------------------------------------ readings
def children(pid: int) -> list[int]:
    """Direct children of pid (nginx's workers of a master)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
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


def rss_kib(pids: int | Iterable[int]) -> int:
    """Resident set size (VmRSS) in KiB, summed."""
    total = 0
    for pid in _pids(pids):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def fd_count(pids: int | Iterable[int]) -> int:
    total = 0
    for pid in _pids(pids):
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return total


def cpu_seconds(pids: int | Iterable[int]) -> float:
    """User + system CPU time of the processes (all their threads), summed: each one's CPU-time clock (what
    clock_getcpuclockid(3) gives, to the nanosecond), or utime + stime from /proc/PID/stat (clock ticks, 10 ms) where
    that clock cannot be read."""
    total = 0.0
    for pid in _pids(pids):
        try:
            total += time.clock_gettime(((~pid) << 3) | 2)  # MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)
            continue
        except OSError:
            pass
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        except OSError:
            pass
    return total


def start_ticks(pid: int) -> str | None:
    """The process's start time (clock ticks since boot): with the pid, it names one process even after PIDs wrap."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def tail(path: Path | str | None, lines: int = 15) -> str:
    if path is None:
        return ""
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ------------------------------------------------------------------------------------------------ sockets
def listen_inodes(port: int, host: str = LOOPBACK, pid: int | None = None) -> set[str]:
    """Inodes of the sockets in LISTEN state on host:port (or 0.0.0.0:port), from /proc/net/tcp, or from
    /proc/PID/net/tcp (the table of pid's network namespace) when pid is given.

    Reading the kernel's table instead of connecting keeps the probe from reaching an upstream through a proxy (an
    iperf3 server takes a connect-and-close as a broken test and is busy for a moment).
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


def listening(port: int, host: str = LOOPBACK) -> bool:
    return bool(listen_inodes(port, host))


def socket_inodes(pids: int | Iterable[int]) -> set[str]:
    found = set()
    for pid in _pids(pids):
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


def wait_listening(port: int, proc: subprocess.Popen | None, log: Path | str | None = None, timeout: float = 10.0,
                   host: str = LOOPBACK, own_netns: bool = False) -> None:
    """Waits until `proc` (or one of its children: nginx's workers) has a socket listening on host:port, or anyone
    does when proc is None; with own_netns, in the table of proc's network namespace. Raises StartError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise StartError(f"exited with status {proc.returncode} before listening on {port}:\n{tail(log)}")
        inodes = listen_inodes(port, host, proc.pid if own_netns and proc is not None else None)
        if inodes and proc is None:
            return
        if inodes:
            ours = socket_inodes([proc.pid] + children(proc.pid))
            if inodes & ours:
                if inodes - ours:
                    raise StartError(f"another process also listens on {host}:{port} (SO_REUSEPORT?); a measurement "
                                     f"would be mixed")
                return
        time.sleep(0.005)
    raise StartError(f"not listening on {host}:{port} after {timeout:.0f} s:\n{tail(log)}")


# ------------------------------------------------------------------------------------------------ starting, stopping
def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


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


def stop_group(proc: subprocess.Popen, timeout: float = 5.0) -> int:
    """SIGTERM to proc's process group, SIGKILL after `timeout` seconds; returns the exit status.

    The leader is waited for without being reaped (WNOWAIT), so its PID, and with it the group's, stays reserved while
    the rest of the group (nginx's workers) is killed; only then is it reaped. On a machine whose PIDs wrap quickly,
    signalling a group after reaping its leader could hit someone else's processes.
    """
    if proc.returncode is None:
        if not _exited(proc.pid, 0):
            _signal_group(proc.pid, signal.SIGTERM)
            if not _exited(proc.pid, timeout):
                _signal_group(proc.pid, signal.SIGKILL)
                _exited(proc.pid, 5)
        _signal_group(proc.pid, signal.SIGKILL)  # stragglers; the leader is a zombie, not reaped yet
        proc.wait(timeout=5)
    elif group_alive(proc.pid):
        # The leader was reaped already (it died on its own); while members of its group live, the kernel keeps the
        # group's ID from being reused, so these are ours (nginx workers of a master that crashed).
        _signal_group(proc.pid, signal.SIGKILL)
    return proc.returncode


class ProcessGroup:
    """Starts processes, each in its own process group, and always stops them. With a pid file, every live one is
    listed there with its start time, so a shell trap can kill what is still listed if this process is killed."""

    def __init__(self, pidfile: Path | None = None):
        self.pidfile = pidfile
        self.live: dict[int, subprocess.Popen] = {}
        self.commands: list[str] = []  # distinct commands in the order first run (the benchmark's report lists them)
        self._write()

    def note(self, cmd: list[str] | str) -> None:
        text = cmd if isinstance(cmd, str) else " ".join(cmd)
        if text not in self.commands:
            self.commands.append(text)

    def start(self, cmd: list[str], log: Path | None = None, stdin=subprocess.DEVNULL, stdout=None, note: bool = True,
              nofile: int | None = None) -> subprocess.Popen:
        if note:
            self.note(cmd)
        out = stdout if stdout is not None else (open(log, "ab") if log else subprocess.DEVNULL)
        err = open(log, "ab") if log else subprocess.DEVNULL

        def limit():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        proc = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err, start_new_session=True, close_fds=True,
                                preexec_fn=limit if nofile else None)
        for f in (out, err):
            if hasattr(f, "close") and f not in (subprocess.DEVNULL, subprocess.PIPE):
                f.close()
        self.live[proc.pid] = proc
        self._write()
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 5.0) -> int:
        status = stop_group(proc, timeout)
        self.live.pop(proc.pid, None)
        self._write()
        return status

    def stop_all(self) -> None:
        for proc in list(self.live.values()):
            try:
                self.stop(proc, timeout=2.0)
            except Exception:  # noqa: BLE001 - keep stopping the rest
                pass

    def _write(self) -> None:
        if self.pidfile is None:
            return
        lines = [f"{pid} {start}\n" for pid in self.live if (start := start_ticks(pid)) is not None]
        tmp = self.pidfile.with_suffix(".tmp")
        tmp.write_text("".join(lines))
        tmp.replace(self.pidfile)


class Process:
    """One gateway process with its log at `logpath`, in its own session; `stop()` (SIGTERM, then SIGKILL after 15 s)
    returns the log."""

    def __init__(self, name: str, command: list[str], logpath: str, nofile: int | None = None):
        self.name, self.logpath = name, logpath
        self.log = open(logpath, "w")

        def limit():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
                                     preexec_fn=limit)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_listening(self, port: int, timeout: float = 15, host: str = LOOPBACK) -> None:
        """Waits until a connect to host:port succeeds and `ready()` passes; RuntimeError if the process exits first
        or it takes longer than timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}: {self.text()[-1500:]}")
            try:
                self.ready()
                socket.create_connection((host, port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not listen on {port}")

    def ready(self) -> None:
        """Raises OSError until the process serves what `wait_listening` should also wait for."""

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def resident_kb(self) -> int:
        return rss_kib(self.pid)

    def text(self) -> str:
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.text()
