import Foundation
import LifelineConfig
import LifelinePlan
import LifelineSocket
import Testing

@Suite("Listener, cluster and admin plans", .enabled(if: onLinux))
struct ListenerPlanTests {
    @Test func reuseAddressAndReusePortComeFirstAtPrebindThenTheDefaultKeepalive() throws {
        let plan = try planConfig(listenerConfig())
        let listener = try #require(plan.listeners.first)
        #expect(listener.reusePort)
        #expect(listener.socketOptions.map(\.option) == [reuseAddress(), reusePort()] + defaultKeepalive(.listening))
        #expect(listener.socketOptions.map(\.source) == ["default", "enable_reuse_port"] + defaultKeepaliveSources)
        #expect(
            listener.socketOptions.map(\.option.displayName) == [
                "SOL_SOCKET/SO_REUSEADDR", "SOL_SOCKET/SO_REUSEPORT", "SOL_SOCKET/SO_KEEPALIVE",
                "IPPROTO_TCP/TCP_KEEPIDLE", "IPPROTO_TCP/TCP_KEEPINTVL", "IPPROTO_TCP/TCP_KEEPCNT",
                "IPPROTO_TCP/TCP_USER_TIMEOUT",
            ]
        )
        #expect(listener.socketOptions.map(\.written) == Array(repeating: nil, count: 7))
        #expect(listener.socketOptions.map(\.description) == Array(repeating: nil, count: 7))
        #expect(listener.socketOptions.map(\.overrides) == Array(repeating: [], count: 7))
    }

    @Test func noReusePortWhenEnableReusePortIsFalse() throws {
        let plan = try planConfig(listenerConfig(listenerFields: "enable_reuse_port: false"))
        let listener = try #require(plan.listeners.first)
        #expect(listener.reusePort == false)
        #expect(listener.socketOptions.map(\.option) == [reuseAddress()] + defaultKeepalive(.listening))
        #expect(listener.socketOptions.map(\.source) == ["default"] + defaultKeepaliveSources)
    }

    @Test func configuredOptionsReplaceTheDefaultsAndFollowThemInOrderWithTheirStates() throws {
        let plan = try planConfig(
            listenerConfig(
                socketOptions: """
                    - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }
                    - { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 15, state: STATE_LISTENING }
                    - { level: SOL_SOCKET, name: SO_SNDBUF, int_value: 131072 }
                    - { level: IPPROTO_TCP, name: TCP_NODELAY, int_value: 1, state: STATE_BOUND }
                    - { level: IPPROTO_TCP, name: TCP_KEEPINTVL, int_value: 5, state: 2 }
                    - { level: SOL_SOCKET, name: SO_RCVBUF, int_value: 131072, state: STATE_PREBIND }
                    """,
                listenerFields: "enable_reuse_port: false"
            )
        )
        let listener = try #require(plan.listeners.first)
        // In the order applied: by state, then as written. The config speaks about keepalive, so there are no
        // defaults: TCP_KEEPCNT stays the kernel's, and no TCP_USER_TIMEOUT is added.
        #expect(
            listener.socketOptions.map(\.option.displayName) == [
                "SOL_SOCKET/SO_REUSEADDR", "SOL_SOCKET/SO_SNDBUF", "SOL_SOCKET/SO_RCVBUF", "IPPROTO_TCP/TCP_NODELAY",
                "SOL_SOCKET/SO_KEEPALIVE", "IPPROTO_TCP/TCP_KEEPIDLE", "IPPROTO_TCP/TCP_KEEPINTVL",
            ]
        )
        #expect(
            listener.socketOptions.map(\.option.state) == [
                .prebind, .prebind, .prebind, .bound, .listening, .listening, .listening,
            ]
        )
        #expect(listener.socketOptions.map(\.option.value) == [1, 131_072, 131_072, 1, 1, 15, 5].map { .int($0) })
        let prefix = "static_resources.listeners[0].socket_options"
        #expect(
            listener.socketOptions.map(\.source) == ["default"] + [2, 5, 3, 0, 1, 4].map { "\(prefix)[\($0)]" }
        )
        #expect(listener.socketOptions.map(\.overrides) == Array(repeating: [], count: 7))
    }

    @Test func listenerSettings() throws {
        let plan = try planConfig(
            listenerConfig(listenerFields: "tcp_backlog_size: 77\nper_connection_buffer_limit_bytes: 16384")
        )
        let listener = try #require(plan.listeners.first)
        #expect(listener.name == "main")
        #expect(listener.address == IPEndpoint(host: "0.0.0.0", port: 8443))
        #expect(listener.address.description == "0.0.0.0:8443")
        #expect(listener.backlog == 77)
        #expect(listener.bufferLimitBytes == 16384)
        #expect(listener.filterChains.first?.tcpProxy?.statPrefix == "main")
        #expect(listener.filterChains.first?.tcpProxy?.cluster == "backend")
        #expect(listener.filterChains.first?.tcpProxy?.idleTimeout == .seconds(3600))
        #expect(listener.origin.path == "static_resources.listeners[0]")
    }

    @Test func theBacklogDefaultsToSomaxconn() throws {
        let listener = try #require(try planConfig(listenerConfig()).listeners.first)
        #expect(listener.backlog == SystemLimits.somaxconn)
        #expect(listener.bufferLimitBytes == 1_048_576)
    }

    @Test func anIPv6ListenerAndADisabledIdleTimeout() throws {
        let text = listenerConfig().replacingOccurrences(of: "address: 0.0.0.0", with: "address: \"::\"")
            .replacingOccurrences(of: "cluster: backend", with: "cluster: backend\n          idle_timeout: 0s")
        let listener = try #require(try planConfig(text).listeners.first)
        #expect(listener.address.family == .inet6)
        #expect(listener.address.description == "[::]:8443")
        #expect(listener.filterChains.first?.tcpProxy?.idleTimeout == nil)
    }

    @Test func clustersAreCarriedInOrder() throws {
        let plan = try planConfig(
            """
            static_resources:
              clusters:
              - name: dns
                type: STRICT_DNS
                connect_timeout: 0.25s
                lb_policy: RANDOM
                per_connection_buffer_limit_bytes: 4096
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: a.internal, port_value: 80 } } }
                    - endpoint: { address: { socket_address: { address: "fd00::1", port_value: 81 } } }
              - name: static
                load_assignment:
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 8080 } } }
            """
        )
        #expect(plan.listeners.isEmpty)
        #expect(plan.clusters.map(\.name) == ["dns", "static"])
        let dns = try #require(plan.cluster(named: "dns"))
        #expect(dns.type == .strictDNS)
        #expect(dns.connectTimeout == .milliseconds(250))
        #expect(dns.lbPolicy == .random)
        #expect(dns.bufferLimitBytes == 4096)
        #expect(dns.endpoints.map(\.host) == ["a.internal", "fd00::1"])
        #expect(dns.endpoints.map(\.port) == [80, 81])
        #expect(dns.endpoints.map(\.description) == ["a.internal:80", "[fd00::1]:81"])
        let staticCluster = try #require(plan.cluster(named: "static"))
        #expect(staticCluster.type == .staticAddresses)
        #expect(staticCluster.connectTimeout == .seconds(5))
        #expect(staticCluster.lbPolicy == .roundRobin)
        #expect(plan.cluster(named: "missing") == nil)
        for cluster in plan.clusters {
            #expect(cluster.upstreamSocketOptions.map(\.option) == defaultKeepalive(.prebind))
            #expect(cluster.upstreamSocketOptions.map(\.source) == defaultKeepaliveSources)
        }
    }

    @Test func adminAddress() throws {
        let plan = try planConfig("admin:\n  address:\n    socket_address: { address: 127.0.0.1, port_value: 9901 }\n")
        #expect(plan.admin?.address == IPEndpoint(host: "127.0.0.1", port: 9901))
        #expect(try planConfig("static_resources: {}\n").admin == nil)
    }

    @Test func anAdminHostNameIsAnError() {
        let diagnostics = planErrors(
            "admin:\n  address:\n    socket_address: { address: localhost, port_value: 9901 }\n"
        )
        #expect(diagnostics.map(\.path) == ["admin.address.socket_address"])
        #expect(diagnostics.map(\.message) == ["the admin address must be an IP address"])
        #expect(diagnostics.first?.location?.line == 3)
    }

    @Test func planConfigPathLoadsAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-\(UUID()).yaml").path
        let text = listenerConfig(socketOptions: "- { level: 1, name: 9, int_value: 1, state: STATE_LISTENING }")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (plan, warnings) = try GatewayPlanner.plan(configPath: path)
        #expect(warnings.isEmpty)
        let last = try #require(plan.listeners.first?.socketOptions.last)
        #expect(last.written == "level 1 name 9")
        #expect(last.overrides == [])
        #expect(plan.listeners.first?.socketOptions.map(\.option.name) == [2, 15, 9])
    }
}
