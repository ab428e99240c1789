import LifelineConfig
import Testing

/// The listener of `singleListenerConfig(listenerFields:)`.
private func decodeListener(_ listenerFields: String) throws -> ListenerConfig {
    try #require(try decodeBootstrap(singleListenerConfig(listenerFields: listenerFields)).listeners.first)
}

/// The cluster of `singleListenerConfig(clusterFields:)`.
private func decodeCluster(_ clusterFields: String) throws -> ClusterConfig {
    try #require(try decodeBootstrap(singleListenerConfig(clusterFields: clusterFields)).clusters.first)
}

private let listenerPath = "static_resources.listeners[0]"
private let clusterPath = "static_resources.clusters[0]"

@Suite("tcp_keepalive and tcp_user_timeout decoding")
struct KeepaliveDecodingTests {
    @Test func absentMeansNothingWasSaid() throws {
        let bootstrap = try decodeBootstrap(singleListenerConfig())
        let listener = try #require(bootstrap.listeners.first)
        #expect(listener.tcpKeepalive == nil)
        #expect(listener.tcpUserTimeout == nil)
        #expect(listener.tcpUserTimeoutOrigin == nil)
        let cluster = try #require(bootstrap.clusters.first)
        #expect(cluster.upstreamTcpKeepalive == nil)
        #expect(cluster.upstreamTcpUserTimeout == nil)
        #expect(cluster.upstreamTcpUserTimeoutOrigin == nil)
        #expect(cluster.upstreamConnectionOptionsOrigin == nil)
    }

    @Test func nullReadsAsAbsent() throws {
        let listener = try decodeListener("tcp_keepalive: null\ntcp_user_timeout: null")
        #expect(listener.tcpKeepalive == nil)
        #expect(listener.tcpUserTimeout == nil)
        #expect(listener.tcpUserTimeoutOrigin == nil)
    }

    @Test func everyListenerFieldWithItsOrigin() throws {
        let listener = try decodeListener(
            """
            tcp_keepalive:
              keepalive_time: 30
              keepalive_interval: 10
              keepalive_probes: 5
              enabled: true
            tcp_user_timeout: 45s
            """
        )
        let keepalive = try #require(listener.tcpKeepalive)
        #expect(keepalive.keepaliveTime == 30)
        #expect(keepalive.keepaliveInterval == 10)
        #expect(keepalive.keepaliveProbes == 5)
        #expect(keepalive.enabled)
        #expect(keepalive.origin.path == "\(listenerPath).tcp_keepalive")
        #expect(keepalive.origin.location == SourceLocation(file: "x.yaml", line: 7, column: 7))
        #expect(keepalive.origin.provenance == nil)
        #expect(keepalive.keepaliveTimeOrigin?.path == "\(listenerPath).tcp_keepalive.keepalive_time")
        #expect(keepalive.keepaliveIntervalOrigin?.path == "\(listenerPath).tcp_keepalive.keepalive_interval")
        #expect(keepalive.keepaliveProbesOrigin?.path == "\(listenerPath).tcp_keepalive.keepalive_probes")
        #expect(keepalive.enabledOrigin?.path == "\(listenerPath).tcp_keepalive.enabled")
        #expect(
            [keepalive.keepaliveTimeOrigin, keepalive.keepaliveIntervalOrigin, keepalive.keepaliveProbesOrigin]
                .map { $0?.location?.line } == [7, 8, 9]
        )
        #expect(listener.tcpUserTimeout == .seconds(45))
        #expect(listener.tcpUserTimeoutOrigin?.path == "\(listenerPath).tcp_user_timeout")
        #expect(listener.tcpUserTimeoutOrigin?.location == SourceLocation(file: "x.yaml", line: 11, column: 23))
    }

    @Test func anEmptyTcpKeepaliveLeavesEveryFieldUnset() throws {
        let keepalive = try #require(try decodeListener("tcp_keepalive: {}").tcpKeepalive)
        #expect(keepalive.keepaliveTime == nil)
        #expect(keepalive.keepaliveInterval == nil)
        #expect(keepalive.keepaliveProbes == nil)
        #expect(keepalive.enabled)
        #expect(keepalive.keepaliveTimeOrigin == nil)
        #expect(keepalive.keepaliveIntervalOrigin == nil)
        #expect(keepalive.keepaliveProbesOrigin == nil)
        #expect(keepalive.enabledOrigin == nil)
        #expect(keepalive.origin.path == "\(listenerPath).tcp_keepalive")
    }

    @Test func enabledFalseTurnsKeepaliveOffAndKeepsTheOtherFields() throws {
        let keepalive = try #require(
            try decodeListener("tcp_keepalive: { enabled: false, keepalive_time: 30 }").tcpKeepalive
        )
        #expect(keepalive.enabled == false)
        #expect(keepalive.keepaliveTime == 30)
        #expect(keepalive.enabledOrigin?.path == "\(listenerPath).tcp_keepalive.enabled")
    }

    @Test func camelCaseSpellingsArePathsAsWritten() throws {
        let listener = try decodeListener(
            "tcpKeepalive: { keepaliveTime: 30, keepaliveInterval: 10, keepaliveProbes: 5 }\ntcpUserTimeout: 0.5s"
        )
        let keepalive = try #require(listener.tcpKeepalive)
        #expect([keepalive.keepaliveTime, keepalive.keepaliveInterval, keepalive.keepaliveProbes] == [30, 10, 5])
        #expect(keepalive.origin.path == "\(listenerPath).tcpKeepalive")
        #expect(keepalive.keepaliveTimeOrigin?.path == "\(listenerPath).tcpKeepalive.keepaliveTime")
        #expect(keepalive.keepaliveIntervalOrigin?.path == "\(listenerPath).tcpKeepalive.keepaliveInterval")
        #expect(keepalive.keepaliveProbesOrigin?.path == "\(listenerPath).tcpKeepalive.keepaliveProbes")
        #expect(listener.tcpUserTimeout == .milliseconds(500))
        #expect(listener.tcpUserTimeoutOrigin?.path == "\(listenerPath).tcpUserTimeout")
    }

    @Test func quotedIntegersAreAccepted() throws {
        let keepalive = try #require(
            try decodeListener(#"tcp_keepalive: { keepalive_time: "30", keepalive_probes: "+4" }"#).tcpKeepalive
        )
        #expect(keepalive.keepaliveTime == 30)
        #expect(keepalive.keepaliveProbes == 4)
    }

    @Test(
        arguments: [
            ("keepalive_time: 1", 1, nil, nil),
            ("keepalive_time: 32767", 32767, nil, nil),
            ("keepalive_interval: 1", nil, 1, nil),
            ("keepalive_interval: 32767", nil, 32767, nil),
            ("keepalive_probes: 1", nil, nil, 1),
            ("keepalive_probes: 127", nil, nil, 127),
        ] as [(String, Int?, Int?, Int?)]
    )
    func theBoundsOfTheKernelRangesAreAccepted(_ field: String, _ time: Int?, _ interval: Int?, _ probes: Int?) throws {
        let keepalive = try #require(try decodeListener("tcp_keepalive: { \(field) }").tcpKeepalive)
        #expect(keepalive.keepaliveTime == time)
        #expect(keepalive.keepaliveInterval == interval)
        #expect(keepalive.keepaliveProbes == probes)
    }

    @Test(arguments: [
        ("keepalive_time: 0", "keepalive_time", "0 is out of range 1...32767 (TCP_KEEPIDLE, seconds)"),
        ("keepalive_time: 32768", "keepalive_time", "32768 is out of range 1...32767 (TCP_KEEPIDLE, seconds)"),
        ("keepalive_time: -5", "keepalive_time", "-5 is out of range 1...32767 (TCP_KEEPIDLE, seconds)"),
        ("keepalive_interval: 0", "keepalive_interval", "0 is out of range 1...32767 (TCP_KEEPINTVL, seconds)"),
        (
            "keepalive_interval: 40000", "keepalive_interval",
            "40000 is out of range 1...32767 (TCP_KEEPINTVL, seconds)"
        ),
        ("keepalive_probes: 0", "keepalive_probes", "0 is out of range 1...127 (TCP_KEEPCNT)"),
        ("keepalive_probes: 128", "keepalive_probes", "128 is out of range 1...127 (TCP_KEEPCNT)"),
        ("keepalive_probes: 200", "keepalive_probes", "200 is out of range 1...127 (TCP_KEEPCNT)"),
        ("keepaliveProbes: 200", "keepaliveProbes", "200 is out of range 1...127 (TCP_KEEPCNT)"),
        ("keepalive_time: abc", "keepalive_time", "expected an integer, found \"abc\""),
        ("keepalive_time: 1.5", "keepalive_time", "expected an integer, found \"1.5\""),
        ("keepalive_probes: []", "keepalive_probes", "expected an integer, found a list"),
        ("enabled: \"no\"", "enabled", "expected true or false, found a string"),
        ("keepalive_timeout: 5", "keepalive_timeout", "unknown field"),
    ])
    func aBadListenerKeepaliveFieldNamesItsPath(_ field: String, _ key: String, _ message: String) {
        expectSingleError(
            singleListenerConfig(listenerFields: "tcp_keepalive:\n  \(field)"),
            path: "\(listenerPath).tcp_keepalive.\(key)",
            message: message,
            line: 7
        )
    }

    @Test func theOutOfRangeMessageNamesFileLineAndColumn() {
        let diagnostics = decodeErrors(singleListenerConfig(listenerFields: "tcp_keepalive: { keepalive_probes: 200 }"))
        #expect(
            diagnostics.map(\.description) == [
                "static_resources.listeners[0].tcp_keepalive.keepalive_probes: 200 is out of range 1...127 "
                    + "(TCP_KEEPCNT) (x.yaml:6:40)"
            ]
        )
    }

    @Test(arguments: [
        ("tcp_keepalive: 5", "tcp_keepalive", "expected an object, found a number"),
        ("tcp_keepalive: [1]", "tcp_keepalive", "expected an object, found a list"),
        ("tcp_keepalive: {}\ntcpKeepalive: {}", "tcpKeepalive", "tcp_keepalive is given too; give only one"),
    ])
    func aBadTcpKeepalive(_ fields: String, _ key: String, _ message: String) {
        expectSingleError(
            singleListenerConfig(listenerFields: fields),
            path: "\(listenerPath).\(key)",
            message: message
        )
    }

    @Test func bothSpellingsOfAFieldInsideTcpKeepaliveAreAnError() {
        expectSingleError(
            singleListenerConfig(listenerFields: "tcp_keepalive: { keepalive_time: 5, keepaliveTime: 6 }"),
            path: "\(listenerPath).tcp_keepalive.keepaliveTime",
            message: "keepalive_time is given too; give only one",
            line: 6
        )
    }

    @Test(arguments: [
        ("30s", Duration.seconds(30)),
        ("0s", Duration.zero),
        ("0.25s", Duration.milliseconds(250)),
        ("2147483.647s", Duration.milliseconds(2_147_483_647)),
    ])
    func userTimeouts(_ text: String, _ duration: Duration) throws {
        #expect(try decodeListener("tcp_user_timeout: \(text)").tcpUserTimeout == duration)
        #expect(
            try decodeCluster("upstream_connection_options: { tcp_user_timeout: \(text) }").upstreamTcpUserTimeout
                == duration
        )
    }

    @Test(arguments: [
        ("tcp_user_timeout: 30", "expected a duration string such as \"1.5s\", found a number"),
        (
            "tcp_user_timeout: \"30\"",
            "invalid duration \"30\": write seconds with an s suffix, e.g. \"15s\" or \"0.25s\""
        ),
        (
            "tcp_user_timeout: \"-1s\"",
            "invalid duration \"-1s\": write seconds with an s suffix, e.g. \"15s\" or \"0.25s\""
        ),
        ("tcp_user_timeout: 2147483.648s", "TCP_USER_TIMEOUT takes at most 2147483647 ms"),
        ("tcp_user_timeout: 3000000s", "TCP_USER_TIMEOUT takes at most 2147483647 ms"),
    ])
    func aBadListenerUserTimeout(_ field: String, _ message: String) {
        expectSingleError(
            singleListenerConfig(listenerFields: field),
            path: "\(listenerPath).tcp_user_timeout",
            message: message,
            line: 6
        )
    }

    @Test func everyKeepaliveErrorIsReportedAtOnce() {
        let diagnostics = decodeErrors(
            singleListenerConfig(
                listenerFields: """
                    tcp_keepalive: { keepalive_time: 0, keepalive_interval: 99999, keepalive_probes: 128 }
                    tcp_user_timeout: 5000000s
                    """,
                clusterFields: "upstream_connection_options: { tcp_keepalive: { keepalive_probes: 0 } }"
            )
        )
        #expect(
            diagnostics.map(\.path) == [
                "\(listenerPath).tcp_keepalive.keepalive_probes", "\(listenerPath).tcp_keepalive.keepalive_time",
                "\(listenerPath).tcp_keepalive.keepalive_interval", "\(listenerPath).tcp_user_timeout",
                "\(clusterPath).upstream_connection_options.tcp_keepalive.keepalive_probes",
            ]
        )
        #expect(diagnostics.map { $0.location?.line } == [6, 6, 6, 7, 24])
    }
}

@Suite("upstream_connection_options decoding")
struct UpstreamConnectionOptionsDecodingTests {
    @Test func everyClusterFieldWithItsOrigin() throws {
        let cluster = try decodeCluster(
            """
            upstream_connection_options:
              tcp_keepalive: { keepalive_time: 30, keepalive_interval: 10, keepalive_probes: 5 }
              tcp_user_timeout: 45s
            """
        )
        let keepalive = try #require(cluster.upstreamTcpKeepalive)
        #expect([keepalive.keepaliveTime, keepalive.keepaliveInterval, keepalive.keepaliveProbes] == [30, 10, 5])
        #expect(keepalive.enabled)
        #expect(keepalive.origin.path == "\(clusterPath).upstream_connection_options.tcp_keepalive")
        #expect(
            keepalive.keepaliveTimeOrigin?.path
                == "\(clusterPath).upstream_connection_options.tcp_keepalive.keepalive_time"
        )
        #expect(cluster.upstreamTcpUserTimeout == .seconds(45))
        #expect(
            cluster.upstreamTcpUserTimeoutOrigin?.path == "\(clusterPath).upstream_connection_options.tcp_user_timeout"
        )
        #expect(cluster.upstreamTcpUserTimeoutOrigin?.location?.line == 25)
        #expect(cluster.upstreamConnectionOptionsOrigin?.path == "\(clusterPath).upstream_connection_options")
        #expect(cluster.upstreamConnectionOptionsOrigin?.location?.line == 24)
    }

    @Test func anEmptyUpstreamConnectionOptions() throws {
        let cluster = try decodeCluster("upstream_connection_options: {}")
        #expect(cluster.upstreamTcpKeepalive == nil)
        #expect(cluster.upstreamTcpUserTimeout == nil)
        #expect(cluster.upstreamConnectionOptionsOrigin?.path == "\(clusterPath).upstream_connection_options")
    }

    @Test func enabledFalse() throws {
        let cluster = try decodeCluster("upstream_connection_options: { tcp_keepalive: { enabled: false } }")
        #expect(cluster.upstreamTcpKeepalive?.enabled == false)
    }

    @Test func camelCaseSpellings() throws {
        let cluster = try decodeCluster(
            "upstreamConnectionOptions: { tcpKeepalive: { keepaliveProbes: 9 }, tcpUserTimeout: 0s }"
        )
        #expect(cluster.upstreamTcpKeepalive?.keepaliveProbes == 9)
        #expect(
            cluster.upstreamTcpKeepalive?.keepaliveProbesOrigin?.path
                == "\(clusterPath).upstreamConnectionOptions.tcpKeepalive.keepaliveProbes"
        )
        #expect(cluster.upstreamTcpUserTimeout == .zero)
        #expect(cluster.upstreamTcpUserTimeoutOrigin?.path == "\(clusterPath).upstreamConnectionOptions.tcpUserTimeout")
    }

    @Test(arguments: [
        (
            "tcp_keepalive: { keepalive_probes: 200 }", "tcp_keepalive.keepalive_probes",
            "200 is out of range 1...127 (TCP_KEEPCNT)"
        ),
        (
            "tcp_keepalive: { keepalive_time: 0 }", "tcp_keepalive.keepalive_time",
            "0 is out of range 1...32767 (TCP_KEEPIDLE, seconds)"
        ),
        (
            "tcp_keepalive: { keepalive_interval: 32768 }", "tcp_keepalive.keepalive_interval",
            "32768 is out of range 1...32767 (TCP_KEEPINTVL, seconds)"
        ),
        ("tcp_user_timeout: 2147484s", "tcp_user_timeout", "TCP_USER_TIMEOUT takes at most 2147483647 ms"),
        ("tcp_keepalive: true", "tcp_keepalive", "expected an object, found a bool"),
        (
            "set_local_interface_name_on_upstream_connections: true",
            "set_local_interface_name_on_upstream_connections", "Envoy field not supported by Lifeline"
        ),
        ("happyEyeballsConfig: {}", "happyEyeballsConfig", "Envoy field not supported by Lifeline"),
        ("keepalive: {}", "keepalive", "unknown field"),
    ])
    func aBadUpstreamConnectionOption(_ field: String, _ key: String, _ message: String) {
        expectSingleError(
            singleListenerConfig(clusterFields: "upstream_connection_options:\n  \(field)"),
            path: "\(clusterPath).upstream_connection_options.\(key)",
            message: message,
            line: 24
        )
    }

    @Test func upstreamConnectionOptionsMustBeAnObject() {
        expectSingleError(
            singleListenerConfig(clusterFields: "upstream_connection_options: 1"),
            path: "\(clusterPath).upstream_connection_options",
            message: "expected an object, found a number",
            line: 23
        )
    }
}

@Suite("TcpKeepaliveConfig")
struct TcpKeepaliveConfigTests {
    @Test func theKernelRanges() {
        #expect(TcpKeepaliveConfig.timeRange == 1...32767)
        #expect(TcpKeepaliveConfig.probesRange == 1...127)
    }

    @Test func theInitializerLeavesEverythingUnsetAndOn() {
        let config = TcpKeepaliveConfig(origin: ConfigOrigin(path: "here"))
        #expect(config.keepaliveTime == nil)
        #expect(config.keepaliveInterval == nil)
        #expect(config.keepaliveProbes == nil)
        #expect(config.enabled)
        #expect(config.keepaliveTimeOrigin == nil)
        #expect(config.enabledOrigin == nil)
        #expect(config.origin == ConfigOrigin(path: "here"))
    }

    @Test func listenersAndClustersBuiltByHandSayNothing() {
        let address = SocketAddressConfig(address: "0.0.0.0", portValue: 1, origin: ConfigOrigin(path: "a"))
        let listener = ListenerConfig(name: "l", address: address, origin: ConfigOrigin(path: "l"))
        #expect(listener.tcpKeepalive == nil)
        #expect(listener.tcpUserTimeout == nil)
        #expect(listener.tcpUserTimeoutOrigin == nil)
        let cluster = ClusterConfig(name: "c", origin: ConfigOrigin(path: "c"))
        #expect(cluster.upstreamTcpKeepalive == nil)
        #expect(cluster.upstreamTcpUserTimeout == nil)
        #expect(cluster.upstreamTcpUserTimeoutOrigin == nil)
        #expect(cluster.upstreamConnectionOptionsOrigin == nil)
    }
}
