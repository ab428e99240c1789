/// The gateway the HTTP targets talk to: one listener, codec `AUTO` (HTTP/1.1, or HTTP/2 after the preface), the
/// connection manager's limits and timers set low so that inputs reach them, and routes that answer from the
/// gateway (`direct_response`, `redirect`, no route) — an upstream would need a real event loop.
public enum FuzzGatewayConfig {
    public static let yaml = """
        static_resources:
          listeners:
          - name: fuzz
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  codec_type: AUTO
                  stat_prefix: fuzz
                  max_request_headers_kb: 4
                  request_headers_timeout: 5s
                  stream_idle_timeout: 30s
                  common_http_protocol_options:
                    idle_timeout: 60s
                    max_connection_duration: 300s
                    max_requests_per_connection: 50
                    headers_with_underscores_action: REJECT_REQUEST
                  http2_protocol_options:
                    max_concurrent_streams: 16
                    initial_stream_window_size: 65536
                    initial_connection_window_size: 1048576
                    connection_keepalive: {interval: 10s, timeout: 5s}
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
                  route_config:
                    name: fuzz
                    response_headers_to_add:
                    - header: {key: x-gateway, value: fuzz}
                    virtual_hosts:
                    - name: a
                      domains: [a.test, "a.test:8080"]
                      request_headers_to_add:
                      - header: {key: x-vhost, value: a}
                      routes:
                      - match:
                          prefix: /pick
                          headers:
                          - name: x-pick
                            string_match: {exact: b}
                        direct_response: {status: 201, body: {inline_string: "picked b\\n"}}
                      - match: {prefix: /pick}
                        direct_response: {status: 200, body: {inline_string: "picked\\n"}}
                        response_headers_to_add:
                        - header: {key: x-resp-added, value: route}
                          append_action: OVERWRITE_IF_EXISTS_OR_ADD
                        response_headers_to_remove: [x-internal]
                      - match: {path: /direct}
                        direct_response: {status: 403, body: {inline_string: "direct answer\\n"}}
                      - match: {path: /empty}
                        direct_response: {status: 204}
                      - match: {path: /old}
                        redirect: {host_redirect: new.test, path_redirect: /new}
                      - match: {prefix: /https}
                        redirect: {https_redirect: true, response_code: PERMANENT_REDIRECT}
                      - match: {prefix: /, grpc: {}}
                        direct_response: {status: 200}
                    - name: any
                      domains: ["*"]
                      routes:
                      - match: {prefix: /}
                        direct_response: {status: 200, body: {inline_string: "ok\\n"}}
        """
}
