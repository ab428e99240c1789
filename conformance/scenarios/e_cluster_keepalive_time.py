"""(e) A cluster's `upstream_connection_options.tcp_keepalive: {keepalive_time: 20}`: keepalive on upstream
connections, first probe after 20 s, interval and probes the kernel's."""

from ..keepalive import Keepalive
from ..live import Scenario

SCENARIO = Scenario(
    id="e",
    title="cluster upstream_connection_options.tcp_keepalive: {keepalive_time: 20}",
    cluster={"upstream_connection_options": {"tcp_keepalive": {"keepalive_time": 20}}},
    downstream=None,
    upstream=Keepalive(True, idle=20),
)
