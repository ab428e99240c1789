"""(h) The listener's own `tcp_keepalive` (Envoy 1.40 knows the field and applies it to every accepted socket):
20 s / 5 s / 2, nothing else. Envoy sets exactly these three and SO_KEEPALIVE, and no TCP_USER_TIMEOUT."""

from ..keepalive import Keepalive
from ..live import Scenario

SCENARIO = Scenario(
    id="h",
    title="listener tcp_keepalive: {keepalive_time: 20, keepalive_interval: 5, keepalive_probes: 2}",
    listener={"tcp_keepalive": {"keepalive_time": 20, "keepalive_interval": 5, "keepalive_probes": 2}},
    downstream=Keepalive(True, idle=20, interval=5, probes=2),
    upstream=None,
)
