"""The workloads, one file each with `run(h)`; ORDER is the order they run in.

Start-up runs before idle: the idle workload leaves tens of thousands of proxy-to-upstream connections in TIME_WAIT,
which slow the next connections to the same upstream (the kernel searches longer for a port). Reaping runs in its own
network namespaces, which none of that touches.
"""
from bench.workloads import bulk, idle, reap, requests, startup

WORKLOADS = {m.NAME: m for m in (bulk, requests, startup, idle, reap)}
ORDER = list(WORKLOADS)
L4 = ["bulk", "requests", "idle", "startup", "reap"]
