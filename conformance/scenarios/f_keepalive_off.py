"""(f) Keepalive explicitly off: a listener socket option SO_KEEPALIVE 0. No keepalive timer on the accepted socket,
in either gateway."""

from ..bootstrap import SO_KEEPALIVE, SOL_SOCKET, socket_option
from ..keepalive import OFF
from ..live import Scenario

SCENARIO = Scenario(
    id="f",
    title="keepalive off: listener socket option SO_KEEPALIVE 0 @LISTENING",
    listener={"socket_options": [socket_option(SOL_SOCKET, SO_KEEPALIVE, 0, "STATE_LISTENING")]},
    downstream=OFF,
    upstream=None,
    lifeline_warns=("downstream keepalive is off",),
)
