import LifelineConfig
import LifelineTestSupport
import Testing

private let patch = "EnvoyFilter istio-system/gw patch 0"

/// `singleListenerConfig(...)` with the node at `path` marked as written by an EnvoyFilter patch.
private func patched(_ text: String, at path: String) throws -> ConfigTree {
    try ConfigLoader.parseDocument(text, file: "x.yaml").settingProvenance(patch, at: path)
}

private func errors(_ tree: ConfigTree, sourceLocation: Testing.SourceLocation = #_sourceLocation)
    -> [ConfigDiagnostic]
{
    rejectionDiagnostics("expected the config to be rejected", sourceLocation: sourceLocation) {
        () throws(ConfigError) in
        _ = try Bootstrap.decode(tree)
    }
}

/// A bootstrap is read as Envoy reads it; a value an EnvoyFilter patch wrote, as istiod reads it.
@Suite("Proto-JSON dialects: Envoy's for the bootstrap, istiod's for EnvoyFilter values")
struct DialectTests {
    @Test func theDialectFollowsProvenance() {
        #expect(ProtoJSONDialect(provenance: nil) == .envoy)
        #expect(ProtoJSONDialect(provenance: patch) == .istiod)
    }

    // MARK: Enums

    @Test(arguments: [
        ("type: strict_dns", ClusterConfig.DiscoveryType.strictDNS),
        ("type: Logical_Dns", .logicalDNS),
        ("type: static", .staticAddresses),
    ])
    func bootstrapEnumNamesAreCaseInsensitive(_ field: String, _ type: ClusterConfig.DiscoveryType) throws {
        let bootstrap = try decodeBootstrap(singleListenerConfig(clusterFields: field))
        #expect(bootstrap.clusters.first?.type == type)
    }

    @Test func everyBootstrapEnumTakesAnyCase() throws {
        let bootstrap = try decodeBootstrap(
            singleListenerConfig(
                listenerFields: """
                    socket_options:
                    - { level: 1, name: 9, int_value: 1, state: state_listening }
                    - { level: 1, name: 9, int_value: 1, state: State_Bound }
                    """,
                clusterFields: "lb_policy: random"
            ).replacingFirst("port_value: 8443", with: "port_value: 8443, protocol: tcp")
        )
        #expect(bootstrap.listeners.first?.socketOptions.map(\.state) == [.listening, .bound])
        #expect(bootstrap.clusters.first?.lbPolicy == .random)
    }

    @Test func aBootstrapEnumNameThatIsNoCaseOfOneIsStillUnknown() {
        expectSingleError(
            singleListenerConfig(clusterFields: "type: strictdns"),
            path: "static_resources.clusters[0].type",
            message: "unknown cluster type \"strictdns\"; expected one of STATIC, STRICT_DNS, LOGICAL_DNS",
            line: 23
        )
    }

    @Test func anEnvoyFilterValueTakesTheExactName() throws {
        let tree = try patched(
            singleListenerConfig(clusterFields: "type: STRICT_DNS"),
            at: "static_resources.clusters[0].type"
        )
        let (bootstrap, _) = try Bootstrap.decode(tree)
        #expect(bootstrap.clusters.first?.type == .strictDNS)
    }

    @Test func anEnvoyFilterValueRejectsAnotherCase() throws {
        let tree = try patched(
            singleListenerConfig(clusterFields: "type: strict_dns"),
            at: "static_resources.clusters[0]"
        )
        #expect(
            errors(tree).map(\.description) == [
                "static_resources.clusters[0].type: unknown cluster type \"strict_dns\" in an EnvoyFilter value; "
                    + "expected one of STATIC, STRICT_DNS, LOGICAL_DNS (istiod reads enum names exactly as declared: "
                    + "write STRICT_DNS) (from EnvoyFilter istio-system/gw patch 0, x.yaml:23:11)"
            ]
        )
    }

    @Test func anEnvoyFilterSocketOptionRejectsALowerCaseState() throws {
        let tree = try patched(
            singleListenerConfig(
                listenerFields: "socket_options: [{ level: 1, name: 9, int_value: 1, state: state_listening }]"
            ),
            at: "static_resources.listeners[0].socket_options[0]"
        )
        let diagnostics = errors(tree)
        #expect(diagnostics.map(\.path) == ["static_resources.listeners[0].socket_options[0].state"])
        #expect(diagnostics.map(\.provenance) == [patch])
        #expect(
            diagnostics.first?.message.hasSuffix("(istiod reads enum names exactly as declared: write STATE_LISTENING)")
                == true
        )
    }

    @Test func enumNumbersAreTheSameInBothDialects() throws {
        let tree = try patched(singleListenerConfig(clusterFields: "type: 1"), at: "static_resources.clusters[0]")
        #expect(try Bootstrap.decode(tree).0.clusters.first?.type == .strictDNS)
    }

    // MARK: Durations

    @Test(
        arguments: [
            ("idle_timeout: 1h30m", Duration.seconds(5400)),
            ("idle_timeout: 300ms", .milliseconds(300)),
            ("idle_timeout: 2m3.5s", .milliseconds(123_500)),
            ("idle_timeout: 24h", .seconds(86_400)),
            ("idle_timeout: 1.5s", .milliseconds(1500)),
            ("idle_timeout: \"0\"", nil),
        ] as [(String, Duration?)]
    )
    func anEnvoyFilterValueTakesGoDurations(_ field: String, _ expected: Duration?) throws {
        let tree = try patched(
            singleListenerConfig(proxyFields: field),
            at: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.idle_timeout"
        )
        let (bootstrap, _) = try Bootstrap.decode(tree)
        #expect(bootstrap.listeners.first?.tcpProxy?.idleTimeout == expected)
    }

    @Test func aPatchedClusterTakesAGoConnectTimeout() throws {
        let tree = try patched(
            singleListenerConfig(clusterFields: "connect_timeout: 300ms"),
            at: "static_resources.clusters[0]"
        )
        #expect(try Bootstrap.decode(tree).0.clusters.first?.connectTimeout == .milliseconds(300))
    }

    @Test(arguments: ["1h30m", "300ms", "\"0\""])
    func theBootstrapKeepsProtoJSONDurations(_ value: String) {
        let text = value.filter { $0 != "\"" }
        expectSingleError(
            singleListenerConfig(proxyFields: "idle_timeout: \(value)"),
            path: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.idle_timeout",
            message: "invalid duration \"\(text)\": write seconds with an s suffix, e.g. \"15s\" or \"0.25s\"",
            line: 14
        )
    }

    @Test(arguments: [
        (
            "idle_timeout: 1d",
            "invalid duration \"1d\" in an EnvoyFilter value: write a Go duration such as \"90s\", \"1h30m\" or \"300ms\""
        ),
        (
            "idle_timeout: \"1\"",
            "invalid duration \"1\" in an EnvoyFilter value: write a Go duration such as \"90s\", \"1h30m\" or \"300ms\""
        ),
        ("idle_timeout: 90", "expected a duration string such as \"90s\", found a number"),
        ("idle_timeout: \"-5s\"", "duration \"-5s\" is negative; Envoy accepts only durations of 0s or more"),
    ])
    func aBadEnvoyFilterDurationNamesTheDialect(_ field: String, _ message: String) throws {
        let tree = try patched(
            singleListenerConfig(proxyFields: field),
            at: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.idle_timeout"
        )
        let diagnostics = errors(tree)
        #expect(diagnostics.map(\.message) == [message])
        #expect(diagnostics.map(\.provenance) == [patch])
        #expect(
            diagnostics.map(\.path) == [
                "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.idle_timeout"
            ]
        )
    }

    @Test func aPatchedUserTimeoutIsAGoDurationToo() throws {
        let tree = try patched(
            singleListenerConfig(listenerFields: "tcp_user_timeout: 1m30s"),
            at: "static_resources.listeners[0].tcp_user_timeout"
        )
        #expect(try Bootstrap.decode(tree).0.listeners.first?.tcpUserTimeout == .seconds(90))
    }

    @Test func onlyThePatchedValueIsReadAsIstiodReadsIt() throws {
        // The patch wrote idle_timeout; the cluster's connect_timeout is still the bootstrap's, read as Envoy reads it.
        let tree = try patched(
            singleListenerConfig(proxyFields: "idle_timeout: 1h", clusterFields: "connect_timeout: 1m"),
            at: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.idle_timeout"
        )
        #expect(
            errors(tree).map(\.description) == [
                "static_resources.clusters[0].connect_timeout: invalid duration \"1m\": write seconds with an s "
                    + "suffix, e.g. \"15s\" or \"0.25s\" (x.yaml:23:22)"
            ]
        )
    }
}
