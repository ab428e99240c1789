"""The benchmark: Lifeline against Envoy, HAProxy and nginx in the same run (see README.md). `harness.py` drives it,
`peers/` holds one file per proxy, `workloads/` one file per workload, `report.py` writes the tables and the plot."""
