import Foundation
import LifelineConfig
import LifelinePlan
import Testing

private let keepaliveYAML = """
    static_resources:
      listeners:
      - name: ingress
        address:
          socket_address: { address: 0.0.0.0, port_value: 8443 }
        enable_reuse_port: false
        tcp_keepalive: { keepalive_time: 20, keepalive_probes: 4 }
        socket_options:
        - { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 30, state: STATE_LISTENING }
        filter_chains:
        - filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: ingress, cluster: backend }
      clusters:
      - name: backend
        upstream_connection_options:
          tcp_keepalive: { enabled: false }
          tcp_user_timeout: 45s
        load_assignment:
          endpoints:
          - lb_endpoints:
            - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 8080 } } }
    """

@Suite("The plan summary shows keepalive, what each option overrode, and upstream options", .enabled(if: onLinux))
struct KeepaliveSummaryTests {
    @Test func overridesAndUpstreamSocketOptionsAreListed() throws {
        let (plan, warnings) = try planWithWarnings(keepaliveYAML)
        #expect(
            warnings.map(\.description) == [
                "warning: static_resources.listeners[0].socket_options[0]: IPPROTO_TCP/TCP_KEEPIDLE=30 at "
                    + "STATE_LISTENING replaces 20 at STATE_PREBIND from "
                    + "static_resources.listeners[0].tcp_keepalive.keepalive_time, which is applied before it (x.yaml:9:7)"
            ]
        )
        #expect(
            plan.summary(eventLoops: 2).yamlText == """
                max_downstream_connections:
                  value: 9968
                  source: "default: RLIMIT_NOFILE 20000 → 9968"
                listeners:
                - name: ingress
                  address: "0.0.0.0:8443"
                  listening_sockets: 1
                  reuse_port: false
                  per_connection_buffer_limit_bytes: 1048576
                  tcp_backlog_size: \(plan.listeners[0].backlog)
                  socket_options:
                    STATE_PREBIND:
                    - option: SOL_SOCKET/SO_REUSEADDR
                      level: 1
                      name: 2
                      int_value: 1
                      source: default
                    - option: SOL_SOCKET/SO_KEEPALIVE
                      level: 1
                      name: 9
                      int_value: 1
                      source: "static_resources.listeners[0].tcp_keepalive"
                    - option: IPPROTO_TCP/TCP_KEEPIDLE
                      level: 6
                      name: 4
                      int_value: 20
                      source: "static_resources.listeners[0].tcp_keepalive.keepalive_time"
                      kept: false
                      replaced_by: "30 at STATE_LISTENING from static_resources.listeners[0].socket_options[0]"
                    - option: IPPROTO_TCP/TCP_KEEPCNT
                      level: 6
                      name: 6
                      int_value: 4
                      source: "static_resources.listeners[0].tcp_keepalive.keepalive_probes"
                    STATE_LISTENING:
                    - option: IPPROTO_TCP/TCP_KEEPIDLE
                      level: 6
                      name: 4
                      int_value: 30
                      source: "static_resources.listeners[0].socket_options[0]"
                      kept: true
                      overrides:
                      - "20 at STATE_PREBIND from static_resources.listeners[0].tcp_keepalive.keepalive_time"
                  tcp_proxy:
                    stat_prefix: ingress
                    cluster: backend
                    idle_timeout: 3600s
                  filter_chains:
                  - name: "static_resources.listeners[0].filter_chains[0]"
                    transport_socket: raw_buffer
                    tcp_proxy:
                      stat_prefix: ingress
                      cluster: backend
                      idle_timeout: 3600s
                clusters:
                - name: backend
                  type: STATIC
                  lb_policy: ROUND_ROBIN
                  connect_timeout: 5s
                  per_connection_buffer_limit_bytes: 1048576
                  endpoints:
                  - "10.0.0.1:8080"
                  upstream_socket_options:
                  - option: SOL_SOCKET/SO_KEEPALIVE
                    level: 1
                    name: 9
                    int_value: 0
                    source: "static_resources.clusters[0].upstream_connection_options.tcp_keepalive.enabled"
                  - option: IPPROTO_TCP/TCP_USER_TIMEOUT
                    level: 6
                    name: 18
                    int_value: 45000
                    source: "static_resources.clusters[0].upstream_connection_options.tcp_user_timeout"

                """
        )
    }

    @Test func theJSONSummaryCarriesOverridesAndUpstreamOptions() throws {
        let (plan, _) = try planWithWarnings(keepaliveYAML)
        let json = plan.summary(eventLoops: 1).jsonText
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let listener = try #require((root["listeners"] as? [[String: Any]])?.first)
        let listening = try #require(
            (listener["socket_options"] as? [String: [[String: Any]]])?["STATE_LISTENING"]
        )
        #expect(
            listening.map { $0["overrides"] as? [String] } == [
                ["20 at STATE_PREBIND from static_resources.listeners[0].tcp_keepalive.keepalive_time"]
            ]
        )
        #expect(listening.map { $0["kept"] as? Bool } == [true])
        let cluster = try #require((root["clusters"] as? [[String: Any]])?.first)
        let upstream = try #require(cluster["upstream_socket_options"] as? [[String: Any]])
        #expect(
            upstream.compactMap { $0["option"] as? String } == [
                "SOL_SOCKET/SO_KEEPALIVE", "IPPROTO_TCP/TCP_USER_TIMEOUT",
            ]
        )
        #expect(upstream.compactMap { $0["int_value"] as? Int } == [0, 45000])
    }

    @Test func theSummaryRoundTripsThroughTheLoader() throws {
        let summary = try planWithWarnings(keepaliveYAML).0.summary(eventLoops: 4)
        #expect(try ConfigLoader.parseDocument(summary.yamlText) == summary)
        #expect(try ConfigLoader.parseDocument(summary.jsonText) == summary)
    }

    @Test func aClusterWithKeepaliveOffAndNoUserTimeoutListsOnlySoKeepalive() throws {
        let plan = try planConfig(
            listenerConfig(clusterFields: "upstream_connection_options: { tcp_keepalive: { enabled: false } }")
        )
        let cluster = try #require(plan.summary(eventLoops: 1)["clusters"]?.elements?.first)
        #expect(
            cluster["upstream_socket_options"]?.elements?.map { $0["int_value"] } == [.number(0)]
        )
        #expect(cluster.entries?.map(\.key).last == "upstream_socket_options")
    }
}
