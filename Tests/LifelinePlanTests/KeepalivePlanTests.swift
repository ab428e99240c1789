import LifelineConfig
import LifelinePlan
import LifelineSocket
import Testing

private let keepalivePath = "static_resources.listeners[0].tcp_keepalive"
private let upstreamPath = "static_resources.clusters[0].upstream_connection_options"

/// The listener of `listenerConfig(listenerFields:)` with `enable_reuse_port: false`, without its SO_REUSEADDR.
private func listenerKeepalive(_ listenerFields: String) throws -> [PlannedSocketOption] {
    let plan = try planConfig(listenerConfig(listenerFields: "enable_reuse_port: false\n" + listenerFields))
    let options = try #require(plan.listeners.first).socketOptions
    try #require(options.first?.option == reuseAddress())
    return Array(options.dropFirst())
}

/// The upstream options of the cluster of `listenerConfig(clusterFields:)`.
private func upstreamKeepalive(_ clusterFields: String) throws -> [PlannedSocketOption] {
    try #require(try planConfig(listenerConfig(clusterFields: clusterFields)).clusters.first).upstreamSocketOptions
}

@Suite("Keepalive is on by default and compiled into literal options", .enabled(if: onLinux))
struct KeepalivePlanTests {
    @Test func theDefaults() {
        #expect(KeepaliveDefaults.time == 15)
        #expect(KeepaliveDefaults.interval == 15)
        #expect(KeepaliveDefaults.probes == 3)
        #expect(KeepaliveDefaults.userTimeoutMilliseconds(time: 15, interval: 15, probes: 3) == 60000)
        #expect(KeepaliveDefaults.userTimeoutMilliseconds(time: 30, interval: 10, probes: 5) == 80000)
        #expect(KeepaliveDefaults.userTimeoutMilliseconds(time: 1, interval: 1, probes: 1) == 2000)
    }

    @Test func aListenerThatSaysNothingKeepsItsConnectionsAliveFromListening() throws {
        let options = try listenerKeepalive("")
        #expect(options.map(\.option) == defaultKeepalive(.listening))
        #expect(options.map(\.source) == defaultKeepaliveSources)
        #expect(options.map(\.overrides) == Array(repeating: [], count: 5))
        #expect(options.map(\.written) == Array(repeating: nil, count: 5))
        #expect(options.map(\.description) == Array(repeating: nil, count: 5))
    }

    @Test func aClusterThatSaysNothingKeepsItsConnectionsAliveFromPrebindWithoutReuseOptions() throws {
        let plan = try planConfig(listenerConfig())
        let cluster = try #require(plan.clusters.first)
        #expect(cluster.upstreamSocketOptions.map(\.option) == defaultKeepalive(.prebind))
        #expect(cluster.upstreamSocketOptions.map(\.source) == defaultKeepaliveSources)
        #expect(cluster.upstreamSocketOptions.map(\.overrides) == Array(repeating: [], count: 5))
    }

    @Test(
        arguments: [
            ("{}", [15, 15, 3], [nil, nil, nil], 60000),
            ("{ enabled: true }", [15, 15, 3], [nil, nil, nil], 60000),
            ("{ keepalive_time: 30 }", [30, 15, 3], ["keepalive_time", nil, nil], 75000),
            ("{ keepalive_interval: 10 }", [15, 10, 3], [nil, "keepalive_interval", nil], 45000),
            ("{ keepalive_probes: 9 }", [15, 15, 9], [nil, nil, "keepalive_probes"], 150_000),
            (
                "{ keepalive_time: 30, keepalive_interval: 10, keepalive_probes: 5 }", [30, 10, 5],
                ["keepalive_time", "keepalive_interval", "keepalive_probes"], 80000
            ),
            (
                "{ keepalive_time: 32767, keepalive_interval: 32767, keepalive_probes: 127 }", [32767, 32767, 127],
                ["keepalive_time", "keepalive_interval", "keepalive_probes"], Int32.max
            ),
        ] as [(String, [Int32], [String?], Int32)]
    )
    func setFieldsReplaceTheirDefaultAndTheUserTimeoutFollows(
        _ tcpKeepalive: String,
        _ values: [Int32],
        _ fields: [String?],
        _ userTimeoutMilliseconds: Int32
    ) throws {
        let options = try listenerKeepalive("tcp_keepalive: \(tcpKeepalive)")
        try #require(options.count == 5)
        #expect(options[0].option == keepalive(1, .listening))
        #expect(options[0].source == keepalivePath)
        #expect(
            options[1...3].map(\.option) == [
                keepIdle(values[0], .listening), keepInterval(values[1], .listening), keepCount(values[2], .listening),
            ]
        )
        #expect(options[1...3].map(\.source) == fields.map { $0.map { "\(keepalivePath).\($0)" } ?? "default" })
        // The largest schedule, (32767 + 32767 × 127) s, saturates at TCP_USER_TIMEOUT's limit.
        #expect(options[4].option == userTimeout(userTimeoutMilliseconds, .listening))
        #expect(options[4].source == derivedSource)
        #expect(options.map(\.overrides) == Array(repeating: [], count: 5))
    }

    @Test func enabledFalseLeavesOnlySoKeepaliveOff() throws {
        for tcpKeepalive in ["{ enabled: false }", "{ enabled: false, keepalive_time: 30, keepalive_probes: 5 }"] {
            let options = try listenerKeepalive("tcp_keepalive: \(tcpKeepalive)")
            #expect(options.map(\.option) == [keepalive(0, .listening)])
            #expect(options.map(\.source) == ["\(keepalivePath).enabled"])
        }
    }

    @Test(arguments: [("45s", 45000), ("0s", 0), ("0.25s", 250), ("2147483.647s", Int32.max)] as [(String, Int32)])
    func aConfiguredUserTimeoutReplacesTheDerivedOne(_ text: String, _ milliseconds: Int32) throws {
        let options = try listenerKeepalive("tcp_user_timeout: \(text)")
        #expect(
            options.map(\.option) == defaultKeepalive(.listening).dropLast() + [userTimeout(milliseconds, .listening)]
        )
        #expect(
            options.map(\.source) == [
                "default", "default", "default", "default", "static_resources.listeners[0].tcp_user_timeout",
            ]
        )
        #expect(options.map(\.overrides) == Array(repeating: [], count: 5))
    }

    @Test func aConfiguredUserTimeoutIsNotTheKeepaliveBound() throws {
        let options = try listenerKeepalive("tcp_keepalive: { keepalive_time: 30 }\ntcp_user_timeout: 10s")
        #expect(
            options.map(\.option) == [
                keepalive(1, .listening), keepIdle(30, .listening), keepInterval(15, .listening),
                keepCount(3, .listening), userTimeout(10000, .listening),
            ]
        )
        #expect(
            options.map(\.source) == [
                keepalivePath, "\(keepalivePath).keepalive_time", "default", "default",
                "static_resources.listeners[0].tcp_user_timeout",
            ]
        )
    }

    @Test func aConfiguredUserTimeoutStaysWhenKeepaliveIsOff() throws {
        let options = try listenerKeepalive("tcp_keepalive: { enabled: false }\ntcp_user_timeout: 45s")
        #expect(options.map(\.option) == [keepalive(0, .listening), userTimeout(45000, .listening)])
        #expect(
            options.map(\.source) == ["\(keepalivePath).enabled", "static_resources.listeners[0].tcp_user_timeout"]
        )
    }

    @Test func camelCaseSpellingsAreSourcesAsWritten() throws {
        let options = try listenerKeepalive(
            "tcpKeepalive: { keepaliveTime: 30, keepaliveInterval: 10, keepaliveProbes: 5 }\ntcpUserTimeout: 45s"
        )
        #expect(
            options.map(\.option) == [
                keepalive(1, .listening), keepIdle(30, .listening), keepInterval(10, .listening),
                keepCount(5, .listening), userTimeout(45000, .listening),
            ]
        )
        let camel = "static_resources.listeners[0].tcpKeepalive"
        #expect(
            options.map(\.source) == [
                camel, "\(camel).keepaliveTime", "\(camel).keepaliveInterval", "\(camel).keepaliveProbes",
                "static_resources.listeners[0].tcpUserTimeout",
            ]
        )
    }

    @Test func aClustersKeepaliveAndUserTimeoutApplyBeforeConnect() throws {
        let options = try upstreamKeepalive(
            """
            upstream_connection_options:
              tcp_keepalive: { keepalive_time: 30, keepalive_interval: 10, keepalive_probes: 5 }
            """
        )
        #expect(
            options.map(\.option) == [
                keepalive(1, .prebind), keepIdle(30, .prebind), keepInterval(10, .prebind), keepCount(5, .prebind),
                userTimeout(80000, .prebind),
            ]
        )
        #expect(
            options.map(\.source) == [
                "\(upstreamPath).tcp_keepalive", "\(upstreamPath).tcp_keepalive.keepalive_time",
                "\(upstreamPath).tcp_keepalive.keepalive_interval", "\(upstreamPath).tcp_keepalive.keepalive_probes",
                derivedSource,
            ]
        )
    }

    @Test func aClustersPartialKeepaliveKeepsTheOtherDefaults() throws {
        let options = try upstreamKeepalive("upstream_connection_options: { tcp_keepalive: { keepalive_probes: 1 } }")
        #expect(
            options.map(\.option) == [
                keepalive(1, .prebind), keepIdle(15, .prebind), keepInterval(15, .prebind), keepCount(1, .prebind),
                userTimeout(30000, .prebind),
            ]
        )
        #expect(
            options.map(\.source) == [
                "\(upstreamPath).tcp_keepalive", "default", "default", "\(upstreamPath).tcp_keepalive.keepalive_probes",
                derivedSource,
            ]
        )
    }

    @Test func aClustersKeepaliveCanBeTurnedOff() throws {
        let options = try upstreamKeepalive("upstream_connection_options: { tcp_keepalive: { enabled: false } }")
        #expect(options.map(\.option) == [keepalive(0, .prebind)])
        #expect(options.map(\.source) == ["\(upstreamPath).tcp_keepalive.enabled"])
    }

    @Test(arguments: [("45s", 45000), ("0s", 0)] as [(String, Int32)])
    func aClustersUserTimeout(_ text: String, _ milliseconds: Int32) throws {
        let options = try upstreamKeepalive("upstreamConnectionOptions: { tcpUserTimeout: \(text) }")
        #expect(options.map(\.option) == defaultKeepalive(.prebind).dropLast() + [userTimeout(milliseconds, .prebind)])
        #expect(
            options.map(\.source) == [
                "default", "default", "default", "default",
                "static_resources.clusters[0].upstreamConnectionOptions"
                    + ".tcpUserTimeout",
            ]
        )
    }

    @Test func anEmptyUpstreamConnectionOptionsIsTheDefaults() throws {
        let options = try upstreamKeepalive("upstream_connection_options: {}")
        #expect(options.map(\.option) == defaultKeepalive(.prebind))
        #expect(options.map(\.source) == defaultKeepaliveSources)
    }

    @Test func listenersAndClustersAreCompiledIndependently() throws {
        let plan = try planConfig(
            listenerConfig(
                listenerFields: "tcp_keepalive: { enabled: false }",
                clusterFields: "upstream_connection_options: { tcp_keepalive: { keepalive_time: 5 } }"
            )
        )
        let listener = try #require(plan.listeners.first)
        #expect(listener.socketOptions.map(\.option) == [reuseAddress(), reusePort(), keepalive(0, .listening)])
        let cluster = try #require(plan.clusters.first)
        #expect(cluster.upstreamSocketOptions.map(\.option.value) == [1, 5, 15, 3, 50000].map { .int($0) })
        #expect(cluster.upstreamSocketOptions.allSatisfy { $0.option.state == .prebind })
    }

    @Test func eachListenerAndClusterHasItsOwnSettings() throws {
        let plan = try planConfig(
            """
            static_resources:
              listeners:
              - name: a
                address: { socket_address: { address: 0.0.0.0, port_value: 1 } }
                tcp_keepalive: { keepalive_time: 20 }
                filter_chains: [{ filters: [{ name: envoy.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: a, cluster: c } }] }]
              - name: b
                address: { socket_address: { address: 0.0.0.0, port_value: 2 } }
                filter_chains: [{ filters: [{ name: envoy.tcp_proxy, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: b, cluster: d } }] }]
              clusters:
              - name: c
                upstream_connection_options: { tcp_user_timeout: 1s }
                load_assignment:
                  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 1 } } } }] }]
              - name: d
                load_assignment:
                  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 1 } } } }] }]
            """
        )
        #expect(
            plan.listeners.map { $0.socketOptions.map(\.option.value) } == [
                [1, 1, 1, 20, 15, 3, 65000].map { .int($0) }, [1, 1, 1, 15, 15, 3, 60000].map { .int($0) },
            ]
        )
        #expect(
            plan.listeners[0].socketOptions[3].source == "static_resources.listeners[0].tcp_keepalive.keepalive_time"
        )
        #expect(
            plan.clusters.map { $0.upstreamSocketOptions.map(\.option.value) } == [
                [1, 15, 15, 3, 1000].map { .int($0) }, [1, 15, 15, 3, 60000].map { .int($0) },
            ]
        )
        #expect(
            plan.clusters[0].upstreamSocketOptions[4].source
                == "static_resources.clusters[0].upstream_connection_options.tcp_user_timeout"
        )
    }

    @Test func theStagedOptionsAreThePlannedOnesWithTheirSources() throws {
        let plan = try planConfig(listenerConfig(listenerFields: "tcp_keepalive: { keepalive_probes: 4 }"))
        let listener = try #require(plan.listeners.first)
        #expect(
            listener.stagedOptions
                == listener.socketOptions.map { StagedSocketOption(option: $0.option, source: $0.source) }
        )
        #expect(listener.stagedOptions.last?.option == userTimeout(75000, .listening))
    }
}
