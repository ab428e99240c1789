"""(g) A config silent about keepalive on both sides. Envoy runs without keepalive; Lifeline applies its safe default
(15 s / 15 s / 3 and TCP_USER_TIMEOUT 60 s) — the one difference from Envoy the project intends, asserted exactly."""

from ..live import Scenario

SCENARIO = Scenario(
    id="g",
    title="config silent about keepalive (expected difference: Lifeline's default)",
    downstream=None,
    upstream=None,
)
