import LifelineConfig
import LifelinePlan
import LifelineSocket
import LifelineTestSupport
import Testing

private let patch0 = "EnvoyFilter istio-system/keepalive patch 0"
private let patch1 = "EnvoyFilter istio-system/keepalive patch 1"
private let listenerPath = "static_resources.listeners[0]"

/// `listenerConfig(…)` parsed as `x.yaml`, with `provenance` set on the nodes at `paths`, as EnvoyFilter patches
/// leave them.
private func patchedTree(
    socketOptions: String = "",
    listenerFields: String = "enable_reuse_port: false",
    clusterFields: String = "",
    _ patches: [(path: String, provenance: String)]
) throws -> ConfigTree {
    var tree = try ConfigLoader.parseDocument(
        listenerConfig(socketOptions: socketOptions, listenerFields: listenerFields, clusterFields: clusterFields),
        file: "x.yaml"
    )
    for (path, provenance) in patches {
        tree = tree.settingProvenance(provenance, at: path)
    }
    return tree
}

@Suite("A value an EnvoyFilter patch wrote is shown as such", .enabled(if: onLinux))
struct ProvenanceTests {
    @Test func aPatchedSocketOptionNamesThePatchAndItsPath() throws {
        let tree = try patchedTree(
            socketOptions: """
                - { level: SOL_SOCKET, name: SO_RCVBUF, int_value: 65536 }
                - { level: 6, name: 4, int_value: 20, state: STATE_LISTENING }
                """,
            [("\(listenerPath).socket_options[1]", patch0)]
        )
        let (plan, warnings) = try planTree(tree)
        #expect(warnings.isEmpty)
        let options = try #require(plan.listeners.first).socketOptions
        #expect(
            options.map(\.source) == [
                "default", "\(listenerPath).socket_options[0]",
                "EnvoyFilter istio-system/keepalive patch 0 (static_resources.listeners[0].socket_options[1])",
            ]
        )
        #expect(options.last?.written == "level 6 name 4")
        #expect(options.last?.overrides == [])
        #expect(options.last?.staged.source == options.last?.source)
    }

    @Test func aPatchedListenerHandsItsProvenanceToEveryValueItWrote() throws {
        let tree = try patchedTree(
            socketOptions: "- { level: SOL_SOCKET, name: SO_RCVBUF, int_value: 65536 }",
            listenerFields: "tcp_keepalive: { keepalive_time: 20, keepalive_probes: 4 }\ntcp_user_timeout: 30s",
            [(listenerPath, patch1)]
        )
        let (plan, warnings) = try planTree(tree)
        #expect(warnings.isEmpty)
        let options = try #require(plan.listeners.first).socketOptions
        #expect(options.map(\.option.name) == [2, 15, 9, 4, 6, 18, 8])
        #expect(
            options.map(\.source) == [
                "default", "enable_reuse_port", "\(patch1) (\(listenerPath).tcp_keepalive)",
                "\(patch1) (\(listenerPath).tcp_keepalive.keepalive_time)",
                "\(patch1) (\(listenerPath).tcp_keepalive.keepalive_probes)",
                "\(patch1) (\(listenerPath).tcp_user_timeout)", "\(patch1) (\(listenerPath).socket_options[0])",
            ]
        )
        #expect(try #require(plan.clusters.first).upstreamSocketOptions.map(\.source) == defaultKeepaliveSources)
    }

    @Test func aPatchedFieldAloneIsShownAlone() throws {
        let tree = try patchedTree(
            listenerFields: "enable_reuse_port: false\ntcp_keepalive: { keepalive_time: 20, keepalive_interval: 5 }",
            [("\(listenerPath).tcp_keepalive.keepalive_interval", patch0)]
        )
        let options = try #require(try planTree(tree).0.listeners.first).socketOptions
        #expect(
            options.map(\.source) == [
                "default", "\(listenerPath).tcp_keepalive", "\(listenerPath).tcp_keepalive.keepalive_time",
                "\(patch0) (\(listenerPath).tcp_keepalive.keepalive_interval)",
            ]
        )
        #expect(options.map(\.option.value) == [1, 1, 20, 5].map { .int($0) })
    }

    @Test func aNodesOwnProvenanceBeatsTheInheritedOne() throws {
        let tree = try patchedTree(
            listenerFields: "enable_reuse_port: false\ntcp_keepalive: { keepalive_time: 20, keepalive_probes: 4 }",
            [
                ("\(listenerPath).tcp_keepalive", patch0),
                ("\(listenerPath).tcp_keepalive.keepalive_probes", patch1),
            ]
        )
        let options = try #require(try planTree(tree).0.listeners.first).socketOptions
        #expect(
            options.map(\.source) == [
                "default", "\(patch0) (\(listenerPath).tcp_keepalive)",
                "\(patch0) (\(listenerPath).tcp_keepalive.keepalive_time)",
                "\(patch1) (\(listenerPath).tcp_keepalive.keepalive_probes)",
            ]
        )
    }

    @Test func aPatchThatTurnsKeepaliveOffIsNamed() throws {
        let tree = try patchedTree(
            listenerFields: "enable_reuse_port: false\ntcp_keepalive: { enabled: false }",
            [("\(listenerPath).tcp_keepalive.enabled", patch0)]
        )
        let options = try #require(try planTree(tree).0.listeners.first).socketOptions
        #expect(options.map(\.option) == [reuseAddress(), keepalive(0, .prebind)])
        #expect(options.map(\.source) == ["default", "\(patch0) (\(listenerPath).tcp_keepalive.enabled)"])
    }

    @Test func aPatchedClustersUpstreamOptionsAreNamed() throws {
        let upstream = "static_resources.clusters[0].upstream_connection_options"
        let tree = try patchedTree(
            clusterFields: """
                upstream_connection_options:
                  tcp_keepalive: { keepalive_interval: 10 }
                  tcp_user_timeout: 0s
                """,
            [(upstream, patch1)]
        )
        let cluster = try #require(try planTree(tree).0.clusters.first)
        #expect(
            cluster.upstreamSocketOptions.map(\.source) == [
                "\(patch1) (\(upstream).tcp_keepalive)",
                "\(patch1) (\(upstream).tcp_keepalive.keepalive_interval)",
                "\(patch1) (\(upstream).tcp_user_timeout)",
            ]
        )
        #expect(cluster.upstreamSocketOptions.map(\.option.value) == [1, 10, 0].map { .int($0) })
    }

    @Test func aPatchedOptionOverridingTheBootstrapIsWarnedAboutWithThePatch() throws {
        let tree = try patchedTree(
            socketOptions: "- { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 30, state: STATE_LISTENING }",
            listenerFields: "tcp_keepalive: { keepalive_time: 20 }",
            [("\(listenerPath).socket_options[0]", patch0)]
        )
        let (plan, warnings) = try planTree(tree)
        #expect(
            warnings.map(\.description) == [
                "warning: static_resources.listeners[0].socket_options[0]: IPPROTO_TCP/TCP_KEEPIDLE=30 at "
                    + "STATE_LISTENING replaces 20 at STATE_PREBIND from "
                    + "static_resources.listeners[0].tcp_keepalive.keepalive_time, which is applied before it "
                    + "(from EnvoyFilter istio-system/keepalive patch 0, x.yaml:7:7)"
            ]
        )
        #expect(warnings.map(\.provenance) == [patch0])
        let idle = try #require(plan.listeners.first?.socketOptions.last { $0.option.name == 4 })
        #expect(idle.source == "\(patch0) (\(listenerPath).socket_options[0])")
    }

    @Test func anOptionOverridingAPatchedValueNamesThePatchItOverrides() throws {
        let tree = try patchedTree(
            socketOptions: "- { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 30, state: STATE_LISTENING }",
            listenerFields: "tcp_keepalive: { keepalive_time: 20 }",
            [("\(listenerPath).tcp_keepalive", patch1)]
        )
        let (plan, warnings) = try planTree(tree)
        #expect(
            warnings.map(\.description) == [
                "warning: static_resources.listeners[0].socket_options[0]: IPPROTO_TCP/TCP_KEEPIDLE=30 at "
                    + "STATE_LISTENING replaces 20 at STATE_PREBIND from EnvoyFilter istio-system/keepalive patch 1 "
                    + "(static_resources.listeners[0].tcp_keepalive.keepalive_time), which is applied before it "
                    + "(x.yaml:7:7)"
            ]
        )
        #expect(warnings.map(\.provenance) == [nil])
        let idle = try #require(plan.listeners.first?.socketOptions.last { $0.option.name == 4 })
        #expect(
            idle.overrides == ["20 at STATE_PREBIND from \(patch1) (\(listenerPath).tcp_keepalive.keepalive_time)"]
        )
    }

    @Test func aPlanErrorAboutAPatchedOptionNamesThePatch() throws {
        let tree = try patchedTree(
            socketOptions: """
                - { level: SOL_SOCKET, name: SO_RCVBUF, int_value: 65536 }
                - { level: SOL_SOCKET, name: SO_NOPE, int_value: 1 }
                - { level: SOL_NOPE, name: SO_RCVBUF, int_value: 1 }
                """,
            [("\(listenerPath).socket_options[1]", patch0), ("\(listenerPath).socket_options[2]", patch1)]
        )
        #expect(
            treeErrors(tree).map(\.description) == [
                "static_resources.listeners[0].socket_options[1].name: unknown socket option \"SO_NOPE\" "
                    + "(from EnvoyFilter istio-system/keepalive patch 0, x.yaml:8:7)",
                "static_resources.listeners[0].socket_options[2].level: unknown level \"SOL_NOPE\"; expected a number "
                    + "or one of IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, SOL_SOCKET "
                    + "(from EnvoyFilter istio-system/keepalive patch 1, x.yaml:9:7)",
            ]
        )
    }

    @Test func theResolverNamesThePatchOfAConfigBuiltByHand() {
        let origin = ConfigOrigin(
            path: "here",
            location: SourceLocation(file: "f.yaml", line: 2, column: 3),
            provenance: patch0
        )
        let config = SocketOptionConfig(
            level: .symbol("IPPROTO_TCP"),
            name: .symbol("TCP_KEEPCNT"),
            value: .int(4),
            state: .listening,
            origin: origin
        )
        var diagnostics: [ConfigDiagnostic] = []
        #expect(SocketOptionResolver.resolve(config, diagnostics: &diagnostics)?.source == "\(patch0) (here)")
        var bad = config
        bad.name = .symbol("TCP_NOPE")
        #expect(SocketOptionResolver.resolve(bad, diagnostics: &diagnostics) == nil)
        #expect(
            diagnostics.map(\.description) == [
                "here.name: unknown socket option \"TCP_NOPE\" (from EnvoyFilter istio-system/keepalive patch 0, f.yaml:2:3)"
            ]
        )
    }

    @Test func theSummaryShowsWhoWroteEachOption() throws {
        let tree = try patchedTree(
            socketOptions: "- { level: IPPROTO_TCP, name: TCP_KEEPIDLE, int_value: 30, state: STATE_LISTENING }",
            [("\(listenerPath).socket_options[0]", patch0)]
        )
        let summary = try planTree(tree).0.summary(eventLoops: 1)
        let listening = try #require(
            summary["listeners"]?.elements?.first?["socket_options"]?["STATE_LISTENING"]?.elements
        )
        #expect(
            listening.last
                == ConfigTree(
                    .object([
                        ConfigTree.Entry(key: "option", value: ConfigTree(.string("IPPROTO_TCP/TCP_KEEPIDLE"))),
                        ConfigTree.Entry(key: "level", value: ConfigTree(.number("6"))),
                        ConfigTree.Entry(key: "name", value: ConfigTree(.number("4"))),
                        ConfigTree.Entry(key: "int_value", value: ConfigTree(.number("30"))),
                        ConfigTree.Entry(
                            key: "source",
                            value: ConfigTree(.string("\(patch0) (\(listenerPath).socket_options[0])"))
                        ),
                    ])
                )
        )
    }
}
