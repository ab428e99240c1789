"""(a) The same option at two socket states: TCP_KEEPIDLE 120 at STATE_PREBIND, then SO_KEEPALIVE 1 and TCP_KEEPIDLE
15 at STATE_LISTENING. Envoy applies each option at its own state, so the listening socket — and every socket it
accepts — ends at 15 s, in whichever order the options are listed."""

from ..bootstrap import IPPROTO_TCP, SO_KEEPALIVE, SOL_SOCKET, TCP_KEEPIDLE, socket_option
from ..keepalive import Keepalive
from ..live import Scenario

_PREBIND = [socket_option(IPPROTO_TCP, TCP_KEEPIDLE, 120, "STATE_PREBIND")]
_LISTENING = [
    socket_option(SOL_SOCKET, SO_KEEPALIVE, 1, "STATE_LISTENING"),
    socket_option(IPPROTO_TCP, TCP_KEEPIDLE, 15, "STATE_LISTENING"),
]

PREBIND_FIRST = Scenario(
    id="a1",
    title="TCP_KEEPIDLE 120 @PREBIND listed before SO_KEEPALIVE 1 + TCP_KEEPIDLE 15 @LISTENING",
    listener={"socket_options": _PREBIND + _LISTENING},
    downstream=Keepalive(True, idle=15),
    upstream=None,
)

LISTENING_FIRST = Scenario(
    id="a2",
    title="SO_KEEPALIVE 1 + TCP_KEEPIDLE 15 @LISTENING listed before TCP_KEEPIDLE 120 @PREBIND",
    listener={"socket_options": _LISTENING + _PREBIND},
    downstream=Keepalive(True, idle=15),
    upstream=None,
)
