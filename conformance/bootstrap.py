"""The one bootstrap template of the live scenarios: a loopback TCP proxy from a listener to one upstream endpoint.
A scenario adds fields to the listener and the cluster; each gateway gets its own ports. Written as JSON (which both
binaries read), with socket options by number, as Envoy's `SocketOption.level`/`name` are integers."""

import json
import socket

from .processes import LOOPBACK

SOL_SOCKET, SO_KEEPALIVE = socket.SOL_SOCKET, socket.SO_KEEPALIVE
IPPROTO_TCP, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT = (
    socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, socket.TCP_KEEPINTVL, socket.TCP_KEEPCNT)

_OPTION_NAMES = {
    (SOL_SOCKET, SO_KEEPALIVE): "SO_KEEPALIVE",
    (IPPROTO_TCP, TCP_KEEPIDLE): "TCP_KEEPIDLE",
    (IPPROTO_TCP, TCP_KEEPINTVL): "TCP_KEEPINTVL",
    (IPPROTO_TCP, TCP_KEEPCNT): "TCP_KEEPCNT",
}


def socket_option(level: int, name: int, value: int, state: str | None = None) -> dict:
    """An `envoy.config.core.v3.SocketOption`; without a state it is Envoy's default, STATE_PREBIND."""
    option = {"description": f"{_OPTION_NAMES.get((level, name), f'{level}/{name}')}={value}",
              "level": level, "name": name, "int_value": value}
    if state is not None:
        option["state"] = state
    return option


def bootstrap(listen_port: int, upstream_port: int, listener: dict | None = None, cluster: dict | None = None) -> dict:
    return {
        "static_resources": {
            "listeners": [{
                "name": "conformance",
                "address": {"socket_address": {"address": LOOPBACK, "port_value": listen_port}},
                **(listener or {}),
                "filter_chains": [{"filters": [{
                    "name": "envoy.filters.network.tcp_proxy",
                    "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                        "stat_prefix": "conformance",
                        "cluster": "upstream",
                    },
                }]}],
            }],
            "clusters": [{
                "name": "upstream",
                "type": "STATIC",
                "connect_timeout": "2s",
                **(cluster or {}),
                "load_assignment": {
                    "cluster_name": "upstream",
                    "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {
                        "socket_address": {"address": LOOPBACK, "port_value": upstream_port}}}}]}],
                },
            }],
        }
    }


def write(path: str, config: dict) -> str:
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    return path
