import LifelineConfig
import LifelineTestSupport
import Testing

private let patch0 = "EnvoyFilter istio-system/keepalive patch 0"
private let patch1 = "EnvoyFilter istio-system/keepalive patch 1"

/// `text` parsed as `x.yaml`, with `provenance` set on the nodes at `paths`.
private func patchedTree(_ text: String, _ patches: [(path: String, provenance: String)]) throws -> ConfigTree {
    var tree = try ConfigLoader.parseDocument(text, file: "x.yaml")
    for (path, provenance) in patches {
        tree = tree.settingProvenance(provenance, at: path)
    }
    return tree
}

/// The diagnostics of a tree that must not decode.
private func treeErrors(_ tree: ConfigTree, sourceLocation: Testing.SourceLocation = #_sourceLocation)
    -> [ConfigDiagnostic]
{
    do {
        _ = try Bootstrap.decode(tree)
        Issue.record("expected the config to be rejected", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.diagnostics
    }
}

@Suite("Provenance: who wrote a value, in origins and diagnostics")
struct ProvenanceDecodingTests {
    @Test func aDiagnosticNamesThePatchBeforeTheLocation() {
        let location = SourceLocation(file: "x.yaml", line: 12, column: 9)
        #expect(
            ConfigDiagnostic(path: "a.b", message: "bad", location: location, provenance: patch0).description
                == "a.b: bad (from EnvoyFilter istio-system/keepalive patch 0, x.yaml:12:9)"
        )
        #expect(
            ConfigDiagnostic(severity: .warning, path: "a.b", message: "odd", location: location, provenance: patch0)
                .description == "warning: a.b: odd (from EnvoyFilter istio-system/keepalive patch 0, x.yaml:12:9)"
        )
        #expect(
            ConfigDiagnostic(path: "a.b", message: "bad", provenance: patch0).description
                == "a.b: bad (from EnvoyFilter istio-system/keepalive patch 0)"
        )
        #expect(ConfigDiagnostic(path: "", message: "bad", provenance: patch0).description == "bad (from \(patch0))")
        #expect(
            ConfigDiagnostic(path: "a.b", message: "bad", location: location).description == "a.b: bad (x.yaml:12:9)"
        )
        #expect(ConfigDiagnostic(path: "a.b", message: "bad").description == "a.b: bad")
    }

    @Test func anOriginHandsItsProvenanceToItsDiagnostics() {
        let location = SourceLocation(file: "f.yaml", line: 3, column: 5)
        let origin = ConfigOrigin(path: "p", location: location, provenance: patch1)
        #expect(origin.description == "p")
        #expect(
            origin.diagnostic("m")
                == ConfigDiagnostic(severity: .error, path: "p", message: "m", location: location, provenance: patch1)
        )
        #expect(origin.diagnostic("m", severity: .warning).severity == .warning)
        #expect(origin.diagnostic("m", severity: .warning).provenance == patch1)
        #expect(ConfigOrigin(path: "p").provenance == nil)
    }

    @Test func treesCompareByValueNotProvenance() throws {
        let tree = try ConfigLoader.parseDocument("a: { b: 1 }")
        let patched = tree.settingProvenance(patch0, at: "a.b")
        #expect(patched["a"]?["b"]?.provenance == patch0)
        #expect(patched["a"]?.provenance == nil)
        #expect(patched == tree)
        #expect(ConfigTree(.bool(true), provenance: patch0).provenance == patch0)
    }

    @Test func aPatchedListenerHandsItsProvenanceToEverythingBelow() throws {
        let tree = try patchedTree(
            singleListenerConfig(
                listenerFields: """
                    socket_options:
                    - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1 }
                    tcp_keepalive: { keepalive_time: 30 }
                    tcp_user_timeout: 45s
                    """
            ),
            [("static_resources.listeners[0]", patch0)]
        )
        let (bootstrap, warnings) = try Bootstrap.decode(tree)
        #expect(warnings.isEmpty)
        let listener = try #require(bootstrap.listeners.first)
        #expect(listener.origin.provenance == patch0)
        #expect(listener.address.origin.provenance == patch0)
        #expect(listener.socketOptions.map(\.origin.provenance) == [patch0])
        #expect(listener.tcpKeepalive?.origin.provenance == patch0)
        #expect(listener.tcpKeepalive?.keepaliveTimeOrigin?.provenance == patch0)
        #expect(listener.tcpUserTimeoutOrigin?.provenance == patch0)
        #expect(bootstrap.clusters.first?.origin.provenance == nil)
    }

    @Test func aNodesOwnProvenanceBeatsTheInheritedOne() throws {
        let tree = try patchedTree(
            singleListenerConfig(
                listenerFields: """
                    socket_options:
                    - { level: SOL_SOCKET, name: SO_KEEPALIVE, int_value: 1 }
                    - { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 30 }
                    tcp_keepalive: { keepalive_time: 30, keepalive_probes: 4 }
                    """
            ),
            [
                ("static_resources.listeners[0]", patch0),
                ("static_resources.listeners[0].socket_options[1]", patch1),
                ("static_resources.listeners[0].tcp_keepalive.keepalive_probes", patch1),
            ]
        )
        let listener = try #require(try Bootstrap.decode(tree).0.listeners.first)
        #expect(listener.socketOptions.map(\.origin.provenance) == [patch0, patch1])
        #expect(listener.tcpKeepalive?.origin.provenance == patch0)
        #expect(listener.tcpKeepalive?.keepaliveTimeOrigin?.provenance == patch0)
        #expect(listener.tcpKeepalive?.keepaliveProbesOrigin?.provenance == patch1)
    }

    @Test func aPatchedFieldAloneKeepsItsProvenance() throws {
        let tree = try patchedTree(
            singleListenerConfig(
                listenerFields: "tcp_keepalive: { keepalive_time: 30, keepalive_interval: 5 }",
                clusterFields: "upstream_connection_options: { tcp_user_timeout: 9s }"
            ),
            [
                ("static_resources.listeners[0].tcp_keepalive.keepalive_interval", patch1),
                ("static_resources.clusters[0].upstream_connection_options.tcp_user_timeout", patch0),
            ]
        )
        let bootstrap = try Bootstrap.decode(tree).0
        let keepalive = try #require(bootstrap.listeners.first?.tcpKeepalive)
        #expect(keepalive.origin.provenance == nil)
        #expect(keepalive.keepaliveTimeOrigin?.provenance == nil)
        #expect(keepalive.keepaliveIntervalOrigin?.provenance == patch1)
        let cluster = try #require(bootstrap.clusters.first)
        #expect(cluster.upstreamTcpUserTimeoutOrigin?.provenance == patch0)
        #expect(cluster.upstreamConnectionOptionsOrigin?.provenance == nil)
    }

    @Test func aBadValueAPatchWroteNamesThePatch() throws {
        let tree = try patchedTree(
            singleListenerConfig(listenerFields: "tcp_keepalive: { keepalive_probes: 200 }"),
            [("static_resources.listeners[0].tcp_keepalive", patch0)]
        )
        #expect(
            treeErrors(tree).map(\.description) == [
                "static_resources.listeners[0].tcp_keepalive.keepalive_probes: 200 is out of range 1...127 "
                    + "(TCP_KEEPCNT) (from EnvoyFilter istio-system/keepalive patch 0, x.yaml:6:40)"
            ]
        )
    }

    @Test func aBadUserTimeoutAPatchWroteNamesThePatch() throws {
        let tree = try patchedTree(
            singleListenerConfig(clusterFields: "upstream_connection_options: { tcp_user_timeout: 3000000s }"),
            [("static_resources.clusters[0].upstream_connection_options", patch1)]
        )
        let diagnostics = treeErrors(tree)
        #expect(diagnostics.map(\.provenance) == [patch1])
        #expect(
            diagnostics.map(\.message) == ["TCP_USER_TIMEOUT takes at most 2147483647 ms"]
        )
        #expect(
            diagnostics.map(\.path) == ["static_resources.clusters[0].upstream_connection_options.tcp_user_timeout"]
        )
    }

    @Test func aWrongKindAPatchWroteNamesThePatch() throws {
        let tree = try patchedTree(
            singleListenerConfig(listenerFields: "tcp_keepalive: 5"),
            [("static_resources.listeners[0].tcp_keepalive", patch0)]
        )
        #expect(
            treeErrors(tree).map(\.description) == [
                "static_resources.listeners[0].tcp_keepalive: expected an object, found a number "
                    + "(from EnvoyFilter istio-system/keepalive patch 0, x.yaml:6:20)"
            ]
        )
    }

    @Test func anUnknownFieldAPatchWroteNamesThePatch() throws {
        let inherited = try patchedTree(
            singleListenerConfig(listenerFields: "tcp_keepalive: { keepalive_timeout: 5 }"),
            [("static_resources.listeners[0].tcp_keepalive", patch0)]
        )
        #expect(
            treeErrors(inherited).map(\.description) == [
                "static_resources.listeners[0].tcp_keepalive.keepalive_timeout: unknown field "
                    + "(from EnvoyFilter istio-system/keepalive patch 0, x.yaml:6:22)"
            ]
        )
        let own = try patchedTree(
            singleListenerConfig(listenerFields: "freebind: true"),
            [("static_resources.listeners[0].freebind", patch1)]
        )
        #expect(
            treeErrors(own).map(\.description) == [
                "static_resources.listeners[0].freebind: Envoy field not supported by Lifeline "
                    + "(from EnvoyFilter istio-system/keepalive patch 1, x.yaml:6:5)"
            ]
        )
    }

    @Test func bothSpellingsOfAFieldAPatchWroteNamesThePatch() throws {
        let tree = try patchedTree(
            singleListenerConfig(listenerFields: "tcp_keepalive: { keepalive_time: 5, keepaliveTime: 6 }"),
            [("static_resources.listeners[0].tcp_keepalive.keepaliveTime", patch1)]
        )
        let diagnostics = treeErrors(tree)
        #expect(diagnostics.map(\.path) == ["static_resources.listeners[0].tcp_keepalive.keepaliveTime"])
        #expect(diagnostics.map(\.provenance) == [patch1])
    }

    @Test func aValidationErrorAboutAPatchedAddressNamesThePatch() throws {
        let tree = try patchedTree(
            singleListenerConfig().replacingFirst("address: 0.0.0.0", with: "address: gateway.local"),
            [("static_resources.listeners[0].address", patch0)]
        )
        #expect(
            treeErrors(tree).map(\.description) == [
                "static_resources.listeners[0].address.socket_address.address: a listener binds an IP address; "
                    + "\"gateway.local\" is not one (from EnvoyFilter istio-system/keepalive patch 0, x.yaml:5:23)"
            ]
        )
    }

    @Test func aValidationErrorAboutAPatchedEndpointNamesThePatch() throws {
        let tree = try patchedTree(
            singleListenerConfig().replacingFirst(
                "address: 10.0.0.1, port_value: 8080",
                with: "address: b.local, port_value: 0"
            ),
            [("static_resources.clusters[0].load_assignment", patch1)]
        )
        let diagnostics = treeErrors(tree)
        let endpoint =
            "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address"
            + ".socket_address"
        #expect(diagnostics.map(\.path) == ["\(endpoint).port_value", "\(endpoint).address"])
        #expect(diagnostics.map(\.provenance) == [patch1, patch1])
    }

    @Test func valuesTheBootstrapWroteHaveNoProvenance() throws {
        let diagnostics = decodeErrors(singleListenerConfig(listenerFields: "tcp_keepalive: { keepalive_time: 0 }"))
        #expect(diagnostics.map(\.provenance) == [nil])
        let listener = try #require(
            try decodeBootstrap(singleListenerConfig(listenerFields: "tcp_keepalive: {}")).listeners.first
        )
        #expect(listener.tcpKeepalive?.origin.provenance == nil)
    }
}
