#!/usr/bin/env python3
"""Writes the seed corpora under corpus/<Target>/: the shipped configs and EnvoyFilters (FuzzConfig), raw HTTP/1.1
requests (FuzzHTTP1), and HTTP/2 sessions made with the h2 library (FuzzHTTP2), each in the input format of its
target. Run from anywhere; rewrites only the seeds it makes (files named seed-*), not inputs the fuzzer found."""

import glob
import os
import struct

import h2.config
import h2.connection
import h2.settings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def write(target, name, data):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "seed-" + name), "wb") as f:
        f.write(data)


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


# --- FuzzConfig: a bootstrap, then after a NUL byte an EnvoyFilter file.

HTTP_BOOTSTRAP = b"""static_resources:
  listeners:
  - name: 0.0.0.0_8080
    address: {socket_address: {address: 0.0.0.0, port_value: 8080}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: http
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
          route_config:
            name: http.8080
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:
              - name: default
                match: {prefix: /}
                route: {cluster: backend, timeout: 0s}
  - name: 0.0.0.0_8443
    address: {socket_address: {address: 0.0.0.0, port_value: 8443}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: tcp
          cluster: backend
  clusters:
  - name: backend
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8081}}}
"""


def envoy_filter(name, patches, extra=b""):
    return (
        b"apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: "
        + name
        + b"\n  namespace: istio-system\nspec:\n"
        + extra
        + b"  configPatches:\n"
        + patches
    )


FILTERS = {
    "listener-merge": envoy_filter(
        b"keepalive",
        b"""  - applyTo: LISTENER
    match: {context: GATEWAY, listener: {portNumber: 8443}}
    patch:
      operation: MERGE
      value:
        tcp_keepalive: {keepalive_time: 15, keepalive_interval: 15, keepalive_probes: 3}
        socket_options:
        - {level: 6, name: 18, int_value: 60000, state: STATE_LISTENING}
""",
        b"  workloadSelector:\n    labels: {istio: ingressgateway}\n",
    ),
    "route-ops": envoy_filter(
        b"routes",
        b"""  - applyTo: VIRTUAL_HOST
    match: {routeConfiguration: {portNumber: 8080}}
    patch: {operation: ADD, value: {name: added, domains: [added.example.com], routes: [{match: {prefix: /}, direct_response: {status: 200}}]}}
  - applyTo: HTTP_ROUTE
    match: {routeConfiguration: {vhost: {name: backend, route: {name: default}}}}
    patch: {operation: INSERT_BEFORE, value: {name: first, match: {path: /health}, direct_response: {status: 204}}}
  - applyTo: ROUTE_CONFIGURATION
    match: {routeConfiguration: {name: http.8080}}
    patch: {operation: MERGE, value: {response_headers_to_add: [{header: {key: x-patched, value: "1"}}]}}
  - applyTo: HTTP_ROUTE
    match: {routeConfiguration: {vhost: {name: backend, route: {action: ROUTE}}}}
    patch: {operation: MERGE, value: {route: {timeout: 30s, idle_timeout: 1h}}}
""",
    ),
    "network-filter": envoy_filter(
        b"network",
        b"""  - applyTo: NETWORK_FILTER
    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager}}}}
    patch:
      operation: MERGE
      value:
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stream_idle_timeout: 0s
          common_http_protocol_options: {idle_timeout: 3600s}
          http2_protocol_options: {connection_keepalive: {interval: 30s, timeout: 10s}}
  - applyTo: HTTP_FILTER
    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}
    patch: {operation: INSERT_BEFORE, value: {name: envoy.filters.http.cors}}
  - applyTo: NETWORK_FILTER
    match: {listener: {portNumber: 8443, filterChain: {filter: {name: envoy.filters.network.tcp_proxy}}}}
    patch: {operation: REPLACE, value: {name: envoy.filters.network.tcp_proxy, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: replaced, cluster: backend, idle_timeout: 0s}}}
""",
    ),
    "cluster-ops": envoy_filter(
        b"clusters",
        b"""  - applyTo: CLUSTER
    match: {context: GATEWAY, cluster: {name: backend}}
    patch:
      operation: MERGE
      value:
        upstream_connection_options: {tcp_keepalive: {keepalive_time: 30}}
        http2_protocol_options: {}
  - applyTo: CLUSTER
    patch:
      operation: ADD
      value:
        name: added
        type: STRICT_DNS
        connect_timeout: 0.5s
        load_assignment: {cluster_name: added, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: localhost, port_value: 9000}}}}]}]}
  - applyTo: FILTER_CHAIN
    match: {listener: {portNumber: 8080}}
    patch: {operation: REMOVE}
""",
        b"  priority: -1\n",
    ),
    "listener-add": envoy_filter(
        b"add-listener",
        b"""  - applyTo: LISTENER
    patch:
      operation: ADD
      value:
        name: 0.0.0.0_9090
        address: {socket_address: {address: 0.0.0.0, port_value: 9090}}
        filter_chains:
        - filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: added, cluster: backend}
  - applyTo: LISTENER
    match: {listener: {name: 0.0.0.0_8443}}
    patch: {operation: REMOVE}
""",
    ),
}


def config_seeds():
    files = sorted(
        glob.glob(os.path.join(ROOT, "examples", "*.yaml"))
        + glob.glob(os.path.join(ROOT, "examples", "istio", "gateway.yaml"))
        + glob.glob(os.path.join(ROOT, "conformance", "fixtures", "*.yaml"))
        + glob.glob(os.path.join(ROOT, "conformance", "http", "*.yaml"))
    )
    for path in files:
        name = os.path.relpath(path, ROOT).replace("/", "-")
        write("FuzzConfig", name, read(path))
    write(
        "FuzzConfig",
        "istio-gateway-keepalive",
        read("examples/istio/gateway.yaml") + b"\0" + read("examples/istio/keepalive-envoyfilter.yaml"),
    )
    for fixture in sorted(glob.glob(os.path.join(ROOT, "Tests", "LifelineEnvoyFilterTests", "Fixtures", "*.yaml"))):
        name = os.path.basename(fixture)
        write("FuzzConfig", "istio-gateway-" + name, read("examples/istio/gateway.yaml") + b"\0" + read(fixture))
    write("FuzzConfig", "http-bootstrap", HTTP_BOOTSTRAP)
    for name, text in FILTERS.items():
        write("FuzzConfig", "http-" + name, HTTP_BOOTSTRAP + b"\0" + text)
    json_bootstrap = (
        b'{"static_resources":{"listeners":[{"name":"l","address":{"socketAddress":{"address":"127.0.0.1",'
        b'"portValue":1}},"filterChains":[{"filters":[{"name":"envoy.filters.network.tcp_proxy","typedConfig":'
        b'{"@type":"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","statPrefix":"t",'
        b'"cluster":"c"}}]}],"socketOptions":[{"level":"1","name":"9","intValue":"1","state":"STATE_PREBIND"}]}],'
        b'"clusters":[{"name":"c","connectTimeout":"1.5s","loadAssignment":{"clusterName":"c","endpoints":'
        b'[{"lbEndpoints":[{"endpoint":{"address":{"socketAddress":{"address":"127.0.0.1","portValue":2}}}}]}]}}]}}'
    )
    write("FuzzConfig", "json-bootstrap", json_bootstrap)
    write("FuzzConfig", "yaml-anchors", b"a: &x {b: [1, 2, *x]}\nstatic_resources: {listeners: [], clusters: []}\n")


# --- FuzzHTTP1: a control byte (0x0f: writes of up to 32 KiB; 0x00: one byte at a time; 0x43: up to 8 bytes).

HTTP1 = {
    "get": b"GET /pick HTTP/1.1\r\nHost: a.test\r\nUser-Agent: fuzz\r\n\r\n",
    "get-pick-b": b"GET /pick/x HTTP/1.1\r\nHost: a.test:8080\r\nx-pick: b\r\nx-internal: 1\r\n\r\n",
    "direct": b"GET /direct HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n",
    "redirect": b"GET /old?q=1 HTTP/1.1\r\nHost: a.test\r\n\r\nGET /https HTTP/1.1\r\nHost: a.test\r\n\r\n",
    "pipelined": b"GET /pick HTTP/1.1\r\nHost: a.test\r\n\r\nGET /direct HTTP/1.1\r\nHost: a.test\r\n\r\n"
    b"HEAD /empty HTTP/1.1\r\nHost: a.test\r\n\r\nGET /nothing HTTP/1.1\r\nHost: other\r\n\r\n",
    "chunked": b"POST /pick HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\nGET /direct HTTP/1.1\r\nHost: a.test\r\n\r\n",
    "content-length": b"PUT /direct HTTP/1.1\r\nHost: a.test\r\nContent-Length: 11\r\n\r\nhello world",
    "http10": b"GET /pick HTTP/1.0\r\nHost: a.test\r\n\r\n",
    "http10-keepalive": b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
    "absolute": b"GET http://a.test/pick HTTP/1.1\r\nHost: a.test\r\n\r\n",
    "connect": b"CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n",
    "upgrade": b"GET / HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
    b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
    "websocket": b"GET /ws HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
    b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    "expect": b"POST /pick HTTP/1.1\r\nHost: a.test\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    "underscore": b"GET / HTTP/1.1\r\nHost: a.test\r\nx_bad: 1\r\n\r\n",
    "grpc": b"POST /svc/Method HTTP/1.1\r\nHost: a.test\r\nContent-Type: application/grpc\r\nTE: trailers\r\n"
    b"Content-Length: 5\r\n\r\n\0\0\0\0\0",
    "big-header": b"GET / HTTP/1.1\r\nHost: a.test\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n",
    "bad": b"GET / HTTP/1.1\r\nHost a.test\r\n\r\n",
    "both-lengths": b"POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"0\r\n\r\n",
    "no-host": b"GET / HTTP/1.1\r\n\r\n",
    "options": b"OPTIONS * HTTP/1.1\r\nHost: a.test\r\n\r\n",
    "forwarded": b"GET /pick HTTP/1.1\r\nHost: a.test\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\n"
    b"X-Request-Id: abc\r\n\r\n",
}


def http1_seeds():
    for name, request in HTTP1.items():
        write("FuzzHTTP1", "whole-" + name, b"\x0f" + request)
    for name in ("pipelined", "chunked", "get"):
        write("FuzzHTTP1", "bytes-" + name, b"\x00" + HTTP1[name])
        write("FuzzHTTP1", "cuts-" + name, b"\x43" + HTTP1[name])


# --- FuzzHTTP2: records (type, flags, stream id, 16-bit length, payload) after the preface the driver sends.

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def records(wire):
    """The client's bytes from h2 (preface first) as the target's records."""
    assert wire.startswith(PREFACE)
    wire = wire[len(PREFACE):]
    out = b""
    while len(wire) >= 9:
        length = int.from_bytes(wire[0:3], "big")
        kind, flags = wire[3], wire[4]
        stream = wire[5:9]
        payload = wire[9 : 9 + length]
        out += bytes([kind, flags]) + stream + struct.pack(">H", len(payload)) + payload
        wire = wire[9 + length :]
    return out


def client():
    connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    connection.initiate_connection()
    return connection


def request_headers(path, method="GET", authority="a.test", extra=()):
    return [(":method", method), (":path", path), (":scheme", "http"), (":authority", authority), *extra]


def http2_seeds():
    c = client()
    c.send_headers(1, request_headers("/pick"), end_stream=True)
    write("FuzzHTTP2", "get", records(c.data_to_send()))

    c = client()
    for i, path in enumerate(("/pick", "/direct", "/old", "/empty", "/nothing", "/https")):
        c.send_headers(1 + 2 * i, request_headers(path, extra=[("x-pick", "b")] if i == 0 else []), end_stream=True)
    write("FuzzHTTP2", "many-streams", records(c.data_to_send()))

    c = client()
    c.send_headers(1, request_headers("/pick", method="POST", extra=[("content-length", "10")]))
    c.send_data(1, b"hello", end_stream=False)
    c.send_data(1, b"world", end_stream=True)
    write("FuzzHTTP2", "post-data", records(c.data_to_send()))

    c = client()
    c.send_headers(1, request_headers("/svc/M", method="POST", extra=[("content-type", "application/grpc"), ("te", "trailers")]))
    c.send_data(1, b"\0\0\0\0\0")
    c.send_headers(1, [("grpc-timeout", "1S")], end_stream=True)
    write("FuzzHTTP2", "grpc-trailers", records(c.data_to_send()))

    c = client()
    c.send_headers(1, request_headers("/pick"), end_stream=False)
    c.reset_stream(1)
    c.ping(b"12345678")
    c.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1, h2.settings.SettingCodes.MAX_FRAME_SIZE: 16384})
    c.send_headers(3, request_headers("/direct", authority="b.test"), end_stream=True)
    c.increment_flow_control_window(1000)
    c.increment_flow_control_window(1000, stream_id=3)
    c.close_connection()
    write("FuzzHTTP2", "reset-ping-settings-goaway", records(c.data_to_send()))

    c = client()
    c.send_headers(1, request_headers("/pick", extra=[("x-big", "b" * 5000)]), end_stream=True)
    write("FuzzHTTP2", "big-header", records(c.data_to_send()))

    c = client()
    c.send_headers(1, request_headers("/pick"), end_stream=True, priority_weight=200, priority_depends_on=0)
    c.prioritize(1, weight=16, depends_on=0, exclusive=True)
    write("FuzzHTTP2", "priority", records(c.data_to_send()))

    c = client()
    c.send_headers(1, [(":method", "CONNECT"), (":authority", "a.test:443")], end_stream=False)
    write("FuzzHTTP2", "connect", records(c.data_to_send()))

    # A header block split over HEADERS and CONTINUATION, which h2 never sends on its own.
    c = client()
    c.send_headers(1, request_headers("/pick", extra=[("x-a", "a" * 100)]), end_stream=True)
    wire = c.data_to_send()
    settings_end = len(PREFACE) + 9 + int.from_bytes(wire[len(PREFACE) : len(PREFACE) + 3], "big")
    head, frame = wire[:settings_end], wire[settings_end:]
    block = frame[9:]
    first, rest = block[:20], block[20:]
    split = (
        len(first).to_bytes(3, "big") + b"\x01\x01" + frame[5:9] + first
        + len(rest).to_bytes(3, "big") + b"\x09\x04" + frame[5:9] + rest
    )
    write("FuzzHTTP2", "continuation", records(head + split))


def v2(command, family, addresses, tlvs=b""):
    body = addresses + tlvs
    return V2_SIGNATURE + bytes([0x20 | command, family]) + len(body).to_bytes(2, "big") + body


def tlv(kind, value):
    return bytes([kind]) + len(value).to_bytes(2, "big") + value


def proxy_protocol_seeds():
    """Headers as load balancers send them, v1 and v2 (AWS's VPC endpoint TLV among the TLVs), each followed by the
    first bytes of a request, and a few that are cut short or wrong."""
    request = b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"
    v4 = bytes([198, 18, 0, 1, 198, 18, 0, 2]) + (50000).to_bytes(2, "big") + (443).to_bytes(2, "big")
    v6 = bytes(range(16)) + bytes(range(16, 32)) + (50000).to_bytes(2, "big") + (443).to_bytes(2, "big")
    aws = tlv(0xEA, b"\x01vpce-0123456789abcdef0")
    seeds = {
        "v1-tcp4": b"PROXY TCP4 198.18.0.1 198.18.0.2 50000 443\r\n" + request,
        "v1-tcp6": b"PROXY TCP6 2001:db8::1 2001:db8::2 50000 443\r\n" + request,
        "v1-unknown": b"PROXY UNKNOWN\r\n" + request,
        "v1-longest": b"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                      b"65535 65535\r\n",
        "v2-tcp4": v2(1, 0x11, v4) + request,
        "v2-tcp6": v2(1, 0x21, v6) + request,
        "v2-local": v2(0, 0x00, b"") + request,
        "v2-aws": v2(1, 0x11, v4, aws + tlv(0x04, b"\x00" * 4) + tlv(0x01, b"h2")) + request,
        "v2-udp": v2(1, 0x12, v4),
        "v2-tlv-overrun": v2(1, 0x11, v4, b"\xea\x00\x40\x01"),
        "v2-truncated": v2(1, 0x11, v4)[:20],
        "not-proxy": request,
    }
    for name, data in seeds.items():
        write("FuzzProxyProtocol", name, data)


V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


if __name__ == "__main__":
    config_seeds()
    http1_seeds()
    http2_seeds()
    proxy_protocol_seeds()
    for target in ("FuzzConfig", "FuzzHTTP1", "FuzzHTTP2", "FuzzProxyProtocol"):
        print(target, len(os.listdir(os.path.join(HERE, "corpus", target))))
