"""Differential conformance of Lifeline against a real Envoy.

Two parts, both run by `conformance/run` (or `python3 -m conformance` from the repository root):

- validation: every bootstrap the project ships or tests goes through `envoy --mode validate` and `lifeline check`,
  and the two verdicts must agree (see validation.py for the rule);
- live sockets: Envoy and Lifeline run the same generated config side by side on loopback, one client connects to
  each, and the kernel's view of the gateway's accepted and upstream sockets (`ss`, and the options read back from
  the socket itself) must show Envoy's keepalive in both (see live.py and scenarios/).
"""
