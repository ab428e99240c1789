"""The live scenarios, one file each, in the order they run."""

from . import (
    a_keepidle_states,
    b_partial_keepalive,
    c_so_keepalive_only,
    d_cluster_keepalive_empty,
    e_cluster_keepalive_time,
    f_keepalive_off,
    g_silent,
    h_listener_tcp_keepalive,
)

SCENARIOS = [
    a_keepidle_states.PREBIND_FIRST,
    a_keepidle_states.LISTENING_FIRST,
    b_partial_keepalive.SCENARIO,
    c_so_keepalive_only.SCENARIO,
    d_cluster_keepalive_empty.SCENARIO,
    e_cluster_keepalive_time.SCENARIO,
    f_keepalive_off.SCENARIO,
    g_silent.SCENARIO,
    h_listener_tcp_keepalive.SCENARIO,
]
