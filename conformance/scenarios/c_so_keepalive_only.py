"""(c) A listener socket option SO_KEEPALIVE 1 and nothing else (at Envoy's default state, STATE_PREBIND): keepalive
on with all of the kernel's values, a first probe after 7200 s."""

from ..bootstrap import SO_KEEPALIVE, SOL_SOCKET, socket_option
from ..keepalive import Keepalive
from ..live import Scenario

SCENARIO = Scenario(
    id="c",
    title="listener socket option SO_KEEPALIVE 1 only",
    listener={"socket_options": [socket_option(SOL_SOCKET, SO_KEEPALIVE, 1)]},
    downstream=Keepalive(True),
    upstream=None,
    lifeline_warns=(
        "downstream keepalive time is 7200 s (kernel default (net.ipv4.tcp_keepalive_time))",
    ),
)
