"""(d) A cluster's `upstream_connection_options.tcp_keepalive: {}`: Envoy turns keepalive on for upstream connections
and sets none of the three values, so they are the kernel's."""

from ..keepalive import Keepalive
from ..live import Scenario

SCENARIO = Scenario(
    id="d",
    title="cluster upstream_connection_options.tcp_keepalive: {}",
    cluster={"upstream_connection_options": {"tcp_keepalive": {}}},
    downstream=None,
    upstream=Keepalive(True),
    lifeline_warns=(
        "upstream keepalive time is 7200 s (kernel default (net.ipv4.tcp_keepalive_time))",
    ),
)
