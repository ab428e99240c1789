"""The workloads, one file each with `run(h)`; ORDER is the order they run in.

Start-up runs before idle: the idle workloads leave tens of thousands of proxy-to-upstream connections in TIME_WAIT,
which slow the next connections to the same upstream (the kernel searches longer for a port). Reaping runs in its own
network namespaces, which none of that touches.
"""
from bench.workloads import bulk, grpc, h2idle, http1, http2, idle, reap, requests, startup, tls

WORKLOADS = {m.NAME: m for m in (bulk, requests, http1, http2, grpc, tls, startup, idle, h2idle, reap)}
ORDER = list(WORKLOADS)
L4 = ["bulk", "requests", "idle", "startup", "reap"]
