"""(b) Partial keepalive: SO_KEEPALIVE 1 and TCP_KEEPIDLE 20 only. Envoy sets exactly these; the interval and the
probe count stay the kernel's."""

from ..bootstrap import IPPROTO_TCP, SO_KEEPALIVE, SOL_SOCKET, TCP_KEEPIDLE, socket_option
from ..keepalive import Keepalive
from ..live import Scenario

SCENARIO = Scenario(
    id="b",
    title="partial keepalive: SO_KEEPALIVE 1 + TCP_KEEPIDLE 20 @LISTENING only",
    listener={"socket_options": [
        socket_option(SOL_SOCKET, SO_KEEPALIVE, 1, "STATE_LISTENING"),
        socket_option(IPPROTO_TCP, TCP_KEEPIDLE, 20, "STATE_LISTENING"),
    ]},
    downstream=Keepalive(True, idle=20),
    upstream=None,
)
