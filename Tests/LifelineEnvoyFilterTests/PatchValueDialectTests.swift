import Foundation
import LifelineConfig
import LifelineEnvoyFilter
import LifelineTestSupport
import Testing

/// The bootstrap after the filters in `filterText` were applied, decoded.
private func decodePatched(_ filterText: String, to bootstrapText: String = gatewayBootstrap) throws -> Bootstrap {
    let (tree, _) = try applyFilters(filterText, to: bootstrapText)
    return try Bootstrap.decode(tree).0
}

/// The decoding errors of the bootstrap after the filters in `filterText` were applied.
private func patchedErrors(
    _ filterText: String,
    to bootstrapText: String = gatewayBootstrap,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> [ConfigDiagnostic] {
    let (tree, _) = try applyFilters(filterText, to: bootstrapText)
    return rejectionDiagnostics("expected the patched config to be rejected", sourceLocation: sourceLocation) {
        () throws(ConfigError) in
        _ = try Bootstrap.decode(tree)
    }
}

private let tcpProxyType = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"

/// A NETWORK_FILTER MERGE of `fields` into the tcp_proxy's typed_config on listener 0.0.0.0_8443.
private func tcpProxyMerge(_ fields: String) -> String {
    singlePatchFilter(
        applyTo: "NETWORK_FILTER",
        match: "listener: { name: 0.0.0.0_8443, filterChain: { filter: { name: envoy.filters.network.tcp_proxy } } }",
        patch: "operation: MERGE\nvalue: { typed_config: { \"@type\": \(tcpProxyType), \(fields) } }"
    )
}

/// A CLUSTER MERGE of `fields` into cluster `backend`.
private func clusterMerge(_ fields: String) -> String {
    singlePatchFilter(
        applyTo: "CLUSTER",
        match: "cluster: { name: backend }",
        patch: "operation: MERGE\nvalue: { \(fields) }"
    )
}

/// istiod parses patch values with golang/protobuf jsonpb, Envoy parses the bootstrap: the same text can mean a value
/// in one and an error in the other.
@Suite("EnvoyFilter values in istiod's dialect")
struct PatchValueDialectTests {
    @Test(arguments: [
        ("idle_timeout: 1h30m", Duration.seconds(5400)),
        ("idle_timeout: 24h", .seconds(86_400)),
        ("idle_timeout: 300ms", .milliseconds(300)),
        ("idle_timeout: 90s", .seconds(90)),
    ])
    func aMergedTcpProxyIdleTimeoutIsAGoDuration(_ fields: String, _ expected: Duration) throws {
        let bootstrap = try decodePatched(tcpProxyMerge(fields))
        #expect(bootstrap.listeners.map(\.tcpProxy?.idleTimeout) == [expected, TcpProxyConfig.defaultIdleTimeout])
    }

    @Test func aMergedConnectTimeoutIsAGoDuration() throws {
        let bootstrap = try decodePatched(clusterMerge("connect_timeout: 300ms"))
        #expect(bootstrap.clusters.first?.connectTimeout == .milliseconds(300))
    }

    @Test func theSameDurationInTheBootstrapIsAnError() {
        let bootstrap = gatewayBootstrap.replacingOccurrences(
            of: "  - name: backend\n",
            with: "  - name: backend\n    connect_timeout: 300ms\n"
        )
        let diagnostics = rejectionDiagnostics("expected 300ms to be rejected in a bootstrap") {
            () throws(ConfigError) in
            _ = try Bootstrap.decode(try ConfigLoader.parseDocument(bootstrap, file: "bootstrap.yaml"))
        }
        #expect(
            diagnostics.map(\.message) == [
                "invalid duration \"300ms\": write seconds with an s suffix, e.g. \"15s\" or \"0.25s\""
            ]
        )
    }

    @Test func aBadPatchDurationNamesTheDialectAndThePatch() throws {
        let diagnostics = try patchedErrors(tcpProxyMerge("idle_timeout: 1d"))
        #expect(
            diagnostics.map(\.description) == [
                "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.idle_timeout: invalid duration "
                    + "\"1d\" in an EnvoyFilter value: write a Go duration such as \"90s\", \"1h30m\" or \"300ms\" "
                    + "(from EnvoyFilter istio-system/gw patch 0, filter.yaml:13:131)"
            ]
        )
    }

    @Test func aNegativePatchDurationIsRejectedAsEnvoyRejectsIt() throws {
        let diagnostics = try patchedErrors(clusterMerge("connect_timeout: -5s"))
        #expect(
            diagnostics.map(\.message) == ["duration \"-5s\" is negative; Envoy accepts only durations of 0s or more"]
        )
    }

    @Test func aPatchTakesTheExactEnumName() throws {
        let bootstrap = try decodePatched(clusterMerge("type: STRICT_DNS, lb_policy: RANDOM"))
        #expect(bootstrap.clusters.first?.type == .strictDNS)
        #expect(bootstrap.clusters.first?.lbPolicy == .random)
    }

    @Test func aPatchRejectsAnEnumNameInAnotherCase() throws {
        let diagnostics = try patchedErrors(clusterMerge("type: strict_dns"))
        #expect(diagnostics.map(\.path) == ["static_resources.clusters[0].type"])
        #expect(diagnostics.map(\.provenance) == ["EnvoyFilter istio-system/gw patch 0"])
        #expect(
            diagnostics.map(\.message) == [
                "unknown cluster type \"strict_dns\" in an EnvoyFilter value; expected one of STATIC, STRICT_DNS, "
                    + "LOGICAL_DNS (istiod reads enum names exactly as declared: write STRICT_DNS)"
            ]
        )
    }

    @Test func theBootstrapTakesAnEnumNameInAnyCaseBesideAPatch() throws {
        let bootstrap = gatewayBootstrap.replacingOccurrences(
            of: "  - name: backend\n",
            with: "  - name: backend\n    type: strict_dns\n"
        )
        let patched = try decodePatched(clusterMerge("connect_timeout: 1m"), to: bootstrap)
        #expect(patched.clusters.first?.type == .strictDNS)
        #expect(patched.clusters.first?.connectTimeout == .seconds(60))
    }

    @Test func aPatchedSocketOptionStateIsCaseSensitive() throws {
        let filter = singlePatchFilter(
            applyTo: "LISTENER",
            match: "listener: { name: 0.0.0.0_8443 }",
            patch: """
                operation: MERGE
                value:
                  socket_options:
                  - { level: 1, name: 9, int_value: 1, state: STATE_LISTENING }
                  - { level: 6, name: 4, int_value: 15, state: state_listening }
                """
        )
        let diagnostics = try patchedErrors(filter)
        #expect(diagnostics.map(\.path) == ["static_resources.listeners[0].socket_options[1].state"])
    }
}
