"""The load generators (iperf3, wrk, h2load): each run once per measurement, bounded in time, its output parsed, its
own CPU time measured (so a table can show that the client was not what limited)."""
from __future__ import annotations

import json
import re
import resource
import subprocess
import time

from bench.common import BenchError
from testkit.processes import cpu_seconds

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(procs, cmd: list[str], pids: list[int], timeout: float) -> tuple[subprocess.CompletedProcess, dict]:
    """Runs cmd; returns its output and the proxy's and the client's CPU in cores over the run."""
    procs.note(cmd)
    cpu0, client0, t0 = cpu_seconds(pids), _children_cpu(), time.monotonic()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{cmd[0]} did not finish within {timeout:.0f} s")
    wall = max(1e-9, time.monotonic() - t0)
    usage = {"client_cores": (_children_cpu() - client0) / wall}
    if pids:
        usage["cpu_cores"] = (cpu_seconds(pids) - cpu0) / wall
    return out, usage


def iperf3(h, host: str, port: int, pids: list[int], streams: int) -> dict:
    duration = max(1, round(h.duration))
    cmd = ["iperf3", "-c", host, "-p", str(port), "-t", str(duration), "-P", str(streams), "-J"]
    if duration >= 5:
        cmd += ["-O", "1"]  # leave out the first second (slow start)
    for attempt in range(3):
        out, usage = run(h.procs, cmd, pids, duration + 30)
        try:
            data = json.loads(out.stdout)
        except json.JSONDecodeError:
            raise BenchError(f"iperf3 printed no JSON (status {out.returncode}): {out.stderr.strip()[:300]}")
        if "error" in data:
            if ("busy" in data["error"] or "control socket has closed" in data["error"]) and attempt < 2:
                # The iperf3 server is still finishing the previous test (through a proxy, its refusal shows as a
                # closed control socket). Retried at most twice; each retry is noted.
                h.oddity(f"iperf3 retried after: {data['error']}")
                time.sleep(1)
                continue
            raise BenchError(f"iperf3: {data['error']}")
        bps = data["end"]["sum_received"]["bits_per_second"]
        if not bps > 0:
            raise BenchError("iperf3 moved no data")
        usage.pop("client_cores")  # iperf3's client and server are one program each side; not the limit here
        return {"gbps": bps / 1e9, **usage}
    raise BenchError("iperf3 server stayed busy")


def wrk(h, url: str, pids: list[int], conns: int, headers: tuple[str, ...] = ()) -> dict:
    """wrk with --latency: req/s, p99 (ms), bytes read per second; fails on non-2xx answers or connect errors."""
    duration = max(1, round(h.duration))
    cmd = ["wrk", "-t", str(min(2, conns)), "-c", str(conns), "-d", f"{duration}s", "--latency"]
    for header in headers:
        cmd += ["-H", header]
    out, usage = run(h.procs, cmd + [url], pids, duration + 30)
    text = out.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
    total = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB|TB) read", text)
    if out.returncode != 0 or not rps or not p99 or not total:
        raise BenchError(f"wrk failed (status {out.returncode}): {(out.stderr or text).strip()[:300]}")
    if int(total.group(1)) == 0:
        raise BenchError("wrk completed no request")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        raise BenchError(f"wrk: {non2xx.group(1)} non-2xx responses")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    result = {"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)],
              "requests": int(total.group(1)), **usage}
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB|TB)", text)
    if transfer:
        result["gbps"] = float(transfer.group(1)) * SIZES[transfer.group(2)] * 8 / 1e9
    if errors:
        connect, read, write, timeout = map(int, errors.groups())
        if connect:
            raise BenchError(f"wrk: {connect} connect errors")
        result["socket_errors"] = read + write + timeout
    return result


def h2load(h, url: str, pids: list[int], clients: int, streams: int, extra: tuple[str, ...] = ()) -> dict:
    """h2load for h.duration seconds (HTTP/2: h2c by prior knowledge, or TLS with ALPN h2): req/s; fails unless
    every request finished with a 2xx."""
    duration = max(1, round(h.duration))
    cmd = ["h2load", "-c", str(clients), "-m", str(streams), "-t", str(min(2, clients)), "-D", str(duration),
           *extra, url]
    out, usage = run(h.procs, cmd, pids, duration + 30)
    text = out.stdout
    rps = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", text)
    reqs = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                     r"(\d+) errored, (\d+) timeout", text)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    if out.returncode != 0 or not rps or not reqs or not codes:
        raise BenchError(f"h2load failed (status {out.returncode}): {(out.stderr or text).strip()[-300:]}")
    done, succeeded, ok = int(reqs.group(3)), int(reqs.group(4)), int(codes.group(1))
    if done == 0 or ok == 0:
        raise BenchError(f"h2load: no request succeeded: {text.strip()[-300:]}")
    if ok < done:
        raise BenchError(f"h2load: {done - ok} of {done} requests without a 2xx ({codes.group(0)})")
    proto = re.search(r"Application protocol: (\S+)", text)
    if proto and proto.group(1) not in ("h2", "h2c"):
        raise BenchError(f"h2load spoke {proto.group(1)}, not HTTP/2")
    return {"rps": float(rps.group(1)), "requests": succeeded, **usage}


def s_time(h, host: str, port: int, pids: list[int], processes: int) -> dict:
    """Full TLS handshakes per second: `processes` copies of `openssl s_time -new` at once for h.duration seconds,
    each connecting, completing a handshake with a new session (no resumption: wrk and h2load resume theirs) and
    closing, over and over."""
    duration = max(1, round(h.duration))
    cmd = ["openssl", "s_time", "-connect", f"{host}:{port}", "-new", "-time", str(duration)]
    h.procs.note(cmd + [f"  # {processes} at once"])
    cpu0, client0, t0 = cpu_seconds(pids), _children_cpu(), time.monotonic()
    running = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(processes)]
    outputs = []
    try:
        for proc in running:
            outputs.append(proc.communicate(timeout=duration + 30)[0])
    except subprocess.TimeoutExpired:
        raise BenchError(f"openssl s_time did not finish within {duration + 30} s")
    finally:
        for proc in running:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    wall = max(1e-9, time.monotonic() - t0)
    total = 0
    for text in outputs:
        done = re.search(r"(\d+) connections in [\d.]+ real seconds", text)
        if not done:
            raise BenchError(f"openssl s_time failed: {text.strip()[-300:]}")
        total += int(done.group(1))
    if total == 0:
        raise BenchError("openssl s_time completed no handshake")
    result = {"rps": total / duration, "handshakes_client": total, "client_cores": (_children_cpu() - client0) / wall}
    if pids:
        result["cpu_cores"] = (cpu_seconds(pids) - cpu0) / wall
    return result
