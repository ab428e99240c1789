import LifelineConfig
import LifelinePlan
import LifelineSocket
import Testing

private let keepalivePath = "static_resources.listeners[0].tcp_keepalive"
private let upstreamPath = "static_resources.clusters[0].upstream_connection_options"

/// The listener of `listenerConfig(listenerFields:)` with `enable_reuse_port: false`, without its SO_REUSEADDR.
private func listenerKeepalive(_ listenerFields: String, socketOptions: String = "") throws -> [PlannedSocketOption] {
    let plan = try planConfig(
        listenerConfig(socketOptions: socketOptions, listenerFields: "enable_reuse_port: false\n" + listenerFields)
    )
    let options = try #require(plan.listeners.first).socketOptions
    try #require(options.first?.option == reuseAddress())
    return Array(options.dropFirst())
}

/// The upstream options of the cluster of `listenerConfig(clusterFields:)`.
private func upstreamKeepalive(_ clusterFields: String) throws -> [PlannedSocketOption] {
    try #require(try planConfig(listenerConfig(clusterFields: clusterFields)).clusters.first).upstreamSocketOptions
}

@Suite(
    "Keepalive: Lifeline's defaults where a config is silent, Envoy's meaning where it speaks",
    .enabled(if: onLinux)
)
struct KeepalivePlanTests {
    @Test func theDefaults() {
        #expect(KeepaliveDefaults.time == 15)
        #expect(KeepaliveDefaults.interval == 15)
        #expect(KeepaliveDefaults.probes == 3)
        #expect(KeepaliveDefaults.userTimeoutMilliseconds(time: 15, interval: 15, probes: 3) == 60000)
        #expect(KeepaliveDefaults.userTimeoutMilliseconds(time: 30, interval: 10, probes: 5) == 80000)
    }

    @Test func aListenerThatSaysNothingKeepsItsConnectionsAliveFromListening() throws {
        let options = try listenerKeepalive("")
        #expect(options.map(\.option) == defaultKeepalive(.listening))
        #expect(options.map(\.source) == defaultKeepaliveSources)
        #expect(options.map(\.overrides) == Array(repeating: [], count: 5))
        #expect(options.map(\.kept) == Array(repeating: nil, count: 5))
        #expect(options.map(\.written) == Array(repeating: nil, count: 5))
    }

    @Test func aClusterThatSaysNothingKeepsItsConnectionsAliveFromPrebind() throws {
        let options = try upstreamKeepalive("")
        #expect(options.map(\.option) == defaultKeepalive(.prebind))
        #expect(options.map(\.source) == defaultKeepaliveSources)
    }

    /// Options that do not speak about keepalive leave the defaults in place.
    @Test func otherOptionsKeepTheDefaults() throws {
        let options = try listenerKeepalive(
            "",
            socketOptions: """
                - { level: SOL_SOCKET, name: SO_RCVBUF, int_value: 65536 }
                - { level: IPPROTO_TCP, name: TCP_NODELAY, int_value: 1, state: STATE_LISTENING }
                """
        )
        #expect(
            options.map(\.option) == [
                SocketOption(level: 1, name: 8, value: .int(65536), state: .prebind)
            ] + defaultKeepalive(.listening) + [SocketOption(level: 6, name: 1, value: .int(1), state: .listening)]
        )
    }

    /// `tcp_keepalive` sets SO_KEEPALIVE and the fields it names, nothing else, at STATE_PREBIND (as Envoy's socket
    /// option factory does); what it leaves out stays the kernel's, and Lifeline adds no TCP_USER_TIMEOUT.
    @Test(
        arguments: [
            ("{}", [nil, nil, nil]),
            ("{ keepalive_time: 30 }", [30, nil, nil]),
            ("{ keepalive_interval: 10 }", [nil, 10, nil]),
            ("{ keepalive_probes: 9 }", [nil, nil, 9]),
            ("{ keepalive_time: 30, keepalive_interval: 10, keepalive_probes: 5 }", [30, 10, 5]),
        ] as [(String, [Int32?])]
    )
    func tcpKeepaliveSetsOnlyWhatItNames(_ tcpKeepalive: String, _ values: [Int32?]) throws {
        let options = try listenerKeepalive("tcp_keepalive: \(tcpKeepalive)")
        var expected = [keepalive(1, .prebind)]
        var sources = [keepalivePath]
        if let time = values[0] {
            expected.append(keepIdle(time, .prebind))
            sources.append("\(keepalivePath).keepalive_time")
        }
        if let interval = values[1] {
            expected.append(keepInterval(interval, .prebind))
            sources.append("\(keepalivePath).keepalive_interval")
        }
        if let probes = values[2] {
            expected.append(keepCount(probes, .prebind))
            sources.append("\(keepalivePath).keepalive_probes")
        }
        #expect(options.map(\.option) == expected)
        #expect(options.map(\.source) == sources)
    }

    @Test func tcpKeepaliveEmptyIsTheKernelsSchedule() throws {
        let options = try listenerKeepalive("tcp_keepalive: {}")
        let settings = KeepaliveSettings(options: options, kernel: KernelKeepalive(time: 7200, interval: 75, probes: 9))
        #expect(settings.isOn)
        #expect(settings.effectiveTime == 7200)
        #expect(settings.timeSource == "kernel default (net.ipv4.tcp_keepalive_time)")
        #expect(settings.effectiveInterval == 75)
        #expect(settings.intervalSource == "kernel default (net.ipv4.tcp_keepalive_intvl)")
        #expect(settings.effectiveProbes == 9)
        #expect(settings.probesSource == "kernel default (net.ipv4.tcp_keepalive_probes)")
        #expect(settings.effectiveUserTimeout == nil)
    }

    /// Any keepalive option at any state, by name or by number, makes the config speak about keepalive.
    @Test(
        arguments: [
            "- { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }",
            "- { level: 1, name: 9, int_value: 1 }",
            "- { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 20, state: STATE_BOUND }",
            "- { level: 6, name: 5, int_value: 20, state: STATE_LISTENING }",
            "- { level: IPPROTO_TCP, name: TCP_KEEPCNT, int_value: 2 }",
            "- { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 0, state: STATE_LISTENING }",
        ]
    )
    func aKeepaliveSocketOptionTurnsTheDefaultsOff(_ option: String) throws {
        let options = try listenerKeepalive("", socketOptions: option)
        #expect(options.count == 1)
        #expect(options.allSatisfy { $0.source == "static_resources.listeners[0].socket_options[0]" })
    }

    @Test func partialKeepaliveKeepsTheKernelsIntervalAndProbes() throws {
        let options = try listenerKeepalive(
            "",
            socketOptions: """
                - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1, state: STATE_LISTENING }
                - { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 20, state: STATE_LISTENING }
                """
        )
        #expect(options.map(\.option) == [keepalive(1, .listening), keepIdle(20, .listening)])
        let settings = KeepaliveSettings(options: options, kernel: KernelKeepalive(time: 7200, interval: 30, probes: 4))
        #expect([settings.effectiveTime, settings.effectiveInterval, settings.effectiveProbes] == [20, 30, 4])
        #expect(settings.userTimeout == nil)
    }

    @Test func theSeedsFourOptionsGetNoUserTimeout() throws {
        let options = try listenerKeepalive(
            "",
            socketOptions: """
                - { level: 1, name: 9, int_value: 1, state: STATE_LISTENING }
                - { level: 6, name: 4, int_value: 15, state: STATE_LISTENING }
                - { level: 6, name: 5, int_value: 15, state: STATE_LISTENING }
                - { level: 6, name: 6, int_value: 3, state: STATE_LISTENING }
                """
        )
        #expect(
            options.map(\.option) == [
                keepalive(1, .listening), keepIdle(15, .listening), keepInterval(15, .listening),
                keepCount(3, .listening),
            ]
        )
    }

    @Test func enabledFalseLeavesOnlySoKeepaliveOff() throws {
        for tcpKeepalive in ["{ enabled: false }", "{ enabled: false, keepalive_time: 30, keepalive_probes: 5 }"] {
            let options = try listenerKeepalive("tcp_keepalive: \(tcpKeepalive)")
            #expect(options.map(\.option) == [keepalive(0, .prebind)])
            #expect(options.map(\.source) == ["\(keepalivePath).enabled"])
        }
    }

    /// A configured user timeout alone does not speak about keepalive: the default schedule stays, without the
    /// derived user timeout.
    @Test(arguments: [("45s", 45000), ("0s", 0), ("0.25s", 250), ("2147483.647s", Int32.max)] as [(String, Int32)])
    func aConfiguredUserTimeoutReplacesTheDerivedOne(_ text: String, _ milliseconds: Int32) throws {
        let options = try listenerKeepalive("tcp_user_timeout: \(text)")
        #expect(
            options.map(\.option) == [userTimeout(milliseconds, .prebind)] + defaultKeepalive(.listening).dropLast()
        )
        #expect(
            options.map(\.source) == [
                "static_resources.listeners[0].tcp_user_timeout", "default", "default", "default", "default",
            ]
        )
    }

    @Test func anExplicitUserTimeoutAloneKeepsTheDefaultSchedule() throws {
        let options = try listenerKeepalive(
            "",
            socketOptions: "- { level: IPPROTO_TCP, name: TCP_USER_TIMEOUT, int_value: 0, state: STATE_LISTENING }"
        )
        #expect(options.map(\.option) == defaultKeepalive(.listening).dropLast() + [userTimeout(0, .listening)])
    }

    @Test func aConfiguredUserTimeoutStaysBesideTcpKeepalive() throws {
        let options = try listenerKeepalive("tcp_keepalive: { keepalive_time: 30 }\ntcp_user_timeout: 10s")
        #expect(
            options.map(\.option) == [keepalive(1, .prebind), keepIdle(30, .prebind), userTimeout(10000, .prebind)]
        )
        #expect(
            options.map(\.source) == [
                keepalivePath, "\(keepalivePath).keepalive_time", "static_resources.listeners[0].tcp_user_timeout",
            ]
        )
    }

    @Test func camelCaseSpellingsAreSourcesAsWritten() throws {
        let options = try listenerKeepalive(
            "tcpKeepalive: { keepaliveTime: 30, keepaliveInterval: 10, keepaliveProbes: 5 }\ntcpUserTimeout: 45s"
        )
        let camel = "static_resources.listeners[0].tcpKeepalive"
        #expect(
            options.map(\.source) == [
                camel, "\(camel).keepaliveTime", "\(camel).keepaliveInterval", "\(camel).keepaliveProbes",
                "static_resources.listeners[0].tcpUserTimeout",
            ]
        )
        #expect(options.map(\.option.value) == [1, 30, 10, 5, 45000].map { .int($0) })
    }

    @Test func aClustersKeepaliveSetsWhatItNamesBeforeConnect() throws {
        let options = try upstreamKeepalive(
            """
            upstream_connection_options:
              tcp_keepalive: { keepalive_time: 30, keepalive_interval: 10, keepalive_probes: 5 }
            """
        )
        #expect(
            options.map(\.option) == [
                keepalive(1, .prebind), keepIdle(30, .prebind), keepInterval(10, .prebind), keepCount(5, .prebind),
            ]
        )
        #expect(
            options.map(\.source) == [
                "\(upstreamPath).tcp_keepalive", "\(upstreamPath).tcp_keepalive.keepalive_time",
                "\(upstreamPath).tcp_keepalive.keepalive_interval", "\(upstreamPath).tcp_keepalive.keepalive_probes",
            ]
        )
    }

    @Test func aClustersEmptyKeepaliveIsSoKeepaliveAlone() throws {
        let options = try upstreamKeepalive("upstream_connection_options: { tcp_keepalive: {} }")
        #expect(options.map(\.option) == [keepalive(1, .prebind)])
        #expect(options.map(\.source) == ["\(upstreamPath).tcp_keepalive"])
    }

    @Test func aClustersPartialKeepaliveLeavesTheRestToTheKernel() throws {
        let options = try upstreamKeepalive("upstream_connection_options: { tcp_keepalive: { keepalive_probes: 1 } }")
        #expect(options.map(\.option) == [keepalive(1, .prebind), keepCount(1, .prebind)])
    }

    @Test func aClustersKeepaliveCanBeTurnedOff() throws {
        let options = try upstreamKeepalive("upstream_connection_options: { tcp_keepalive: { enabled: false } }")
        #expect(options.map(\.option) == [keepalive(0, .prebind)])
        #expect(options.map(\.source) == ["\(upstreamPath).tcp_keepalive.enabled"])
    }

    @Test(arguments: [("45s", 45000), ("0s", 0)] as [(String, Int32)])
    func aClustersUserTimeout(_ text: String, _ milliseconds: Int32) throws {
        let options = try upstreamKeepalive("upstreamConnectionOptions: { tcpUserTimeout: \(text) }")
        // Lifeline's defaults are applied first within a state, so the configured value comes after them.
        #expect(options.map(\.option) == defaultKeepalive(.prebind).dropLast() + [userTimeout(milliseconds, .prebind)])
        #expect(options.last?.source == "static_resources.clusters[0].upstreamConnectionOptions.tcpUserTimeout")
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
        #expect(listener.socketOptions.map(\.option) == [reuseAddress(), reusePort(), keepalive(0, .prebind)])
        let cluster = try #require(plan.clusters.first)
        #expect(cluster.upstreamSocketOptions.map(\.option) == [keepalive(1, .prebind), keepIdle(5, .prebind)])
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
                [1, 1, 1, 20].map { .int($0) }, [1, 1, 1, 15, 15, 3, 60000].map { .int($0) },
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
    }

    @Test func theStagedOptionsAreThePlannedOnesWithTheirSources() throws {
        let plan = try planConfig(listenerConfig(listenerFields: "tcp_keepalive: { keepalive_probes: 4 }"))
        let listener = try #require(plan.listeners.first)
        #expect(
            listener.stagedOptions
                == listener.socketOptions.map { StagedSocketOption(option: $0.option, source: $0.source) }
        )
        #expect(listener.stagedOptions.last?.option == keepCount(4, .prebind))
    }
}
