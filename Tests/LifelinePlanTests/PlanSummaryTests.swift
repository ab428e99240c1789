import Foundation
import LifelineConfig
import LifelinePlan
import Testing

private let gatewayYAML = """
    admin:
      address:
        socket_address: { address: 127.0.0.1, port_value: 9901 }
    static_resources:
      listeners:
      - name: ingress
        address:
          socket_address: { address: 0.0.0.0, port_value: 8443 }
        tcp_backlog_size: 256
        per_connection_buffer_limit_bytes: 65536
        socket_options:
        - { description: keepalive, level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }
        - { level: 6, name: 4, int_value: 15, state: STATE_LISTENING }
        - { level: IPPROTO_TCP, name: TCP_NODELAY, int_value: 1, state: STATE_BOUND }
        - { level: SOL_SOCKET, name: SO_RCVBUF, int_value: 262144 }
        - { level: SOL_SOCKET, name: SO_BINDTODEVICE, buf_value: ZXRoMA==, state: STATE_BOUND }
        filter_chains:
        - filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: ingress
              cluster: backend
              idle_timeout: 0s
      clusters:
      - name: backend
        type: STRICT_DNS
        connect_timeout: 0.25s
        lb_policy: RANDOM
        load_assignment:
          endpoints:
          - lb_endpoints:
            - endpoint: { address: { socket_address: { address: backend.internal, port_value: 8080 } } }
            - endpoint: { address: { socket_address: { address: "::1", port_value: 8081 } } }
    """

@Suite("The plan summary printed by lifeline check", .enabled(if: onLinux))
struct PlanSummaryTests {
    @Test func theSummaryGroupsOptionsByStateAndNamesThem() throws {
        let summary = try planConfig(gatewayYAML).summary(eventLoops: 4)
        #expect(
            summary.yamlText == """
                admin:
                  address: "127.0.0.1:9901"
                max_downstream_connections:
                  value: 9968
                  source: "default: RLIMIT_NOFILE 20000 → 9968"
                listeners:
                - name: ingress
                  address: "0.0.0.0:8443"
                  listening_sockets: 4
                  reuse_port: true
                  per_connection_buffer_limit_bytes: 65536
                  tcp_backlog_size: 256
                  socket_options:
                    STATE_PREBIND:
                    - option: SOL_SOCKET/SO_REUSEADDR
                      level: 1
                      name: 2
                      int_value: 1
                      source: default
                    - option: SOL_SOCKET/SO_REUSEPORT
                      level: 1
                      name: 15
                      int_value: 1
                      source: enable_reuse_port
                    - option: SOL_SOCKET/SO_RCVBUF
                      level: 1
                      name: 8
                      int_value: 262144
                      source: "static_resources.listeners[0].socket_options[3]"
                    STATE_BOUND:
                    - option: IPPROTO_TCP/TCP_NODELAY
                      level: 6
                      name: 1
                      int_value: 1
                      source: "static_resources.listeners[0].socket_options[2]"
                    - option: SOL_SOCKET/SO_BINDTODEVICE
                      level: 1
                      name: 25
                      buf_value_hex: "65746830"
                      source: "static_resources.listeners[0].socket_options[4]"
                    STATE_LISTENING:
                    - option: SOL_SOCKET/SO_KEEPALIVE
                      level: 1
                      name: 9
                      int_value: 1
                      description: keepalive
                      source: "static_resources.listeners[0].socket_options[0]"
                    - option: IPPROTO_TCP/TCP_KEEPIDLE
                      level: 6
                      name: 4
                      int_value: 15
                      written: level 6 name 4 → IPPROTO_TCP/TCP_KEEPIDLE
                      source: "static_resources.listeners[0].socket_options[1]"
                  tcp_proxy:
                    stat_prefix: ingress
                    cluster: backend
                    idle_timeout: disabled
                  filter_chains:
                  - name: "static_resources.listeners[0].filter_chains[0]"
                    transport_socket: raw_buffer
                    tcp_proxy:
                      stat_prefix: ingress
                      cluster: backend
                      idle_timeout: disabled
                clusters:
                - name: backend
                  type: STRICT_DNS
                  lb_policy: RANDOM
                  connect_timeout: 0.25s
                  per_connection_buffer_limit_bytes: 1048576
                  endpoints:
                  - "backend.internal:8080"
                  - "[::1]:8081"
                  upstream_socket_options:
                  - option: SOL_SOCKET/SO_KEEPALIVE
                    level: 1
                    name: 9
                    int_value: 1
                    source: default
                  - option: IPPROTO_TCP/TCP_KEEPIDLE
                    level: 6
                    name: 4
                    int_value: 15
                    source: default
                  - option: IPPROTO_TCP/TCP_KEEPINTVL
                    level: 6
                    name: 5
                    int_value: 15
                    source: default
                  - option: IPPROTO_TCP/TCP_KEEPCNT
                    level: 6
                    name: 6
                    int_value: 3
                    source: default
                  - option: IPPROTO_TCP/TCP_USER_TIMEOUT
                    level: 6
                    name: 18
                    int_value: 60000
                    source: default (keepalive_time + keepalive_interval × keepalive_probes)

                """
        )
    }

    @Test func rawNumbersAreNamedBackInTheSummary() throws {
        let plan = try planConfig(
            listenerConfig(
                socketOptions: """
                    - { level: 1, name: 9, int_value: 1, state: STATE_LISTENING }
                    - { level: SOL_SOCKET, name: SO_RCVBUF, int_value: 65536, state: STATE_LISTENING }
                    - { level: "6", name: "18", int_value: 30000, state: STATE_LISTENING }
                    """
            )
        )
        let listening = plan.summary(eventLoops: 1)["listeners"]?.elements?.first?["socket_options"]?["STATE_LISTENING"]
        let options = try #require(listening?.elements)
        // SO_KEEPALIVE speaks about keepalive: no defaults, so only the three written options are listed.
        #expect(
            options.map { $0["option"] } == [
                .string("SOL_SOCKET/SO_KEEPALIVE"), .string("SOL_SOCKET/SO_RCVBUF"),
                .string("IPPROTO_TCP/TCP_USER_TIMEOUT"),
            ]
        )
        #expect(
            options.map { $0["written"] } == [
                .string("level 1 name 9 → SOL_SOCKET/SO_KEEPALIVE"), nil,
                .string("level 6 name 18 → IPPROTO_TCP/TCP_USER_TIMEOUT"),
            ]
        )
        #expect(
            options.map { $0["source"] }
                == (0..<3).map { .string("static_resources.listeners[0].socket_options[\($0)]") }
        )
        #expect(options.map { $0["overrides"] } == [nil, nil, nil])
    }

    @Test func stateGroupsAreOrderedAndOnlyPresentWhenUsed() throws {
        let onlyListening = try planConfig(
            listenerConfig(
                socketOptions: "- { level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 3, state: STATE_LISTENING }",
                listenerFields: "enable_reuse_port: false"
            )
        ).summary(eventLoops: 8)
        let listener = try #require(onlyListening["listeners"]?.elements?.first)
        #expect(listener["socket_options"]?.entries?.map(\.key) == ["STATE_PREBIND", "STATE_LISTENING"])
        #expect(listener["socket_options"]?["STATE_PREBIND"]?.elements?.count == 1)
        #expect(listener["listening_sockets"] == .number(1))
        #expect(listener["reuse_port"] == .bool(false))
        #expect(onlyListening["admin"] == nil)
    }

    @Test func listeningSocketsFollowTheEventLoopsWithReusePort() throws {
        let plan = try planConfig(listenerConfig())
        for eventLoops in [1, 3, 16] {
            let listener = plan.summary(eventLoops: eventLoops)["listeners"]?.elements?.first
            #expect(listener?["listening_sockets"] == .number(eventLoops))
        }
    }

    @Test func theIdleTimeoutIsPrintedAsADuration() throws {
        let plan = try planConfig(listenerConfig())
        let proxy = plan.summary(eventLoops: 1)["listeners"]?.elements?.first?["tcp_proxy"]
        #expect(proxy?["idle_timeout"] == .string("3600s"))
    }

    @Test func theJSONSummaryParsesWithJSONSerialization() throws {
        let json = try planConfig(gatewayYAML).summary(eventLoops: 2).jsonText
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((root["admin"] as? [String: Any])?["address"] as? String == "127.0.0.1:9901")
        let listeners = try #require(root["listeners"] as? [[String: Any]])
        try #require(listeners.count == 1)
        let listener = listeners[0]
        #expect(listener["name"] as? String == "ingress")
        #expect(listener["listening_sockets"] as? Int == 2)
        #expect(listener["reuse_port"] as? Bool == true)
        #expect(listener["tcp_backlog_size"] as? Int == 256)
        let byState = try #require(listener["socket_options"] as? [String: [[String: Any]]])
        #expect(byState.keys.sorted() == ["STATE_BOUND", "STATE_LISTENING", "STATE_PREBIND"])
        #expect(
            byState["STATE_PREBIND"]?.compactMap { $0["option"] as? String } == [
                "SOL_SOCKET/SO_REUSEADDR", "SOL_SOCKET/SO_REUSEPORT", "SOL_SOCKET/SO_RCVBUF",
            ]
        )
        #expect(byState["STATE_BOUND"]?.last?["buf_value_hex"] as? String == "65746830")
        let keepidle = try #require(byState["STATE_LISTENING"]?.last)
        #expect(keepidle["written"] as? String == "level 6 name 4 → IPPROTO_TCP/TCP_KEEPIDLE")
        #expect(keepidle["level"] as? Int == 6)
        #expect(keepidle["name"] as? Int == 4)
        #expect(keepidle["int_value"] as? Int == 15)
        #expect(keepidle["overrides"] == nil)
        #expect(byState["STATE_LISTENING"]?.first?["written"] == nil)
        #expect(byState["STATE_LISTENING"]?.first?["overrides"] == nil)
        let clusters = try #require(root["clusters"] as? [[String: Any]])
        let upstream = try #require(clusters.first?["upstream_socket_options"] as? [[String: Any]])
        #expect(upstream.compactMap { $0["int_value"] as? Int } == [1, 15, 15, 3, 60000])
        #expect(upstream.compactMap { $0["name"] as? Int } == [9, 4, 5, 6, 18])
        #expect(clusters.first?["endpoints"] as? [String] == ["backend.internal:8080", "[::1]:8081"])
        #expect(clusters.first?["connect_timeout"] as? String == "0.25s")
    }

    @Test func envoyFiltersThatDoNotApplyAreListedLast() throws {
        let plan = try planConfig(gatewayYAML)
        #expect(plan.summary(eventLoops: 1)["envoy_filters_not_selected"] == nil)
        let lines = [
            "istio-system/stats: not selected: context SIDECAR_OUTBOUND does not apply to a gateway",
            "bookinfo/lua: not selected: namespace bookinfo is neither the root namespace nor the gateway's, istio-system",
        ]
        let summary = plan.summary(eventLoops: 1, envoyFiltersNotSelected: lines)
        #expect(
            summary.entries?.map(\.key) == [
                "admin", "max_downstream_connections", "listeners", "clusters", "envoy_filters_not_selected",
            ]
        )
        #expect(
            summary.yamlText.hasSuffix(
                """
                envoy_filters_not_selected:
                - "istio-system/stats: not selected: context SIDECAR_OUTBOUND does not apply to a gateway"
                - "bookinfo/lua: not selected: namespace bookinfo is neither the root namespace nor the gateway's, istio-system"

                """
            )
        )
        let root = try #require(try JSONSerialization.jsonObject(with: Data(summary.jsonText.utf8)) as? [String: Any])
        #expect(root["envoy_filters_not_selected"] as? [String] == lines)
    }

    @Test func theSummaryRoundTripsThroughTheLoader() throws {
        let summary = try planConfig(gatewayYAML).summary(eventLoops: 4)
        #expect(try ConfigLoader.parseDocument(summary.yamlText) == summary)
        #expect(try ConfigLoader.parseDocument(summary.jsonText) == summary)
    }
}
