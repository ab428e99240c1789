import LifelineConfig
import LifelineEnvoyFilter
import LifelineTestSupport
import Testing

/// MERGE is protobuf merge: scalars replace, messages merge field by field, repeated fields append.
@Suite("MERGE semantics")
struct MergeTests {
    static let provenance = "EnvoyFilter istio-system/gw patch 0"

    /// A bootstrap that decodes: the one listener, `0.0.0.0_8443`, with `fields` (YAML at listener level) before
    /// its filter chain.
    static func listener(_ fields: String) -> String {
        """
        static_resources:
          listeners:
          - name: 0.0.0.0_8443
            address:
              socket_address: { address: 0.0.0.0, port_value: 8443 }
        \(indented(fields, by: 4))
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: public
                  cluster: backend
          clusters:
          - name: backend
            load_assignment:
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 8080 } } }
        """
    }

    private func merge(_ value: String, into fields: String) throws -> (
        listener: ConfigTree, warnings: [ConfigDiagnostic]
    ) {
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(applyTo: "LISTENER", patch: "operation: MERGE\nvalue:\n" + indented(value, by: 2)),
            to: Self.listener(fields)
        )
        return (try #require(tree.node("static_resources.listeners[0]")), warnings)
    }

    @Test func scalarsReplaceAndKeepTheirPlaceInTheFilterFile() throws {
        let (listener, warnings) = try merge(
            "per_connection_buffer_limit_bytes: 2",
            into: "per_connection_buffer_limit_bytes: 1"
        )
        #expect(warnings.isEmpty)
        let node = try #require(listener["per_connection_buffer_limit_bytes"])
        #expect(node.numberText == "2")
        #expect(node.provenance == Self.provenance)
        #expect(node.location == SourceLocation(file: "filter.yaml", line: 12, column: 44))
        #expect(listener.provenance == nil)
    }

    @Test func messagesMergeFieldByField() throws {
        let (listener, _) = try merge("address: { socket_address: { port_value: 9443 } }", into: "")
        #expect(listener.node("address.socket_address.address")?.stringValue == "0.0.0.0")
        #expect(listener.node("address.socket_address.address")?.provenance == nil)
        #expect(listener.node("address.socket_address.port_value")?.numberText == "9443")
        #expect(listener.node("address.socket_address.port_value")?.provenance == Self.provenance)
        #expect(listener.node("address")?.provenance == nil)
    }

    @Test func repeatedFieldsAppendEachElementMarked() throws {
        let (listener, _) = try merge(
            "socket_options: [ { level: 1, name: 9, int_value: 1 }, { level: 6, name: 4, int_value: 15 } ]",
            into: "socket_options: [ { level: 1, name: 2, int_value: 1 } ]"
        )
        let options = try #require(listener["socket_options"]?.elements)
        #expect(options.map { $0["name"]?.numberText } == ["2", "9", "4"])
        #expect(options.map(\.provenance) == [nil, Self.provenance, Self.provenance])
    }

    @Test func camelCasePatchMergesIntoSnakeCaseTargetKeepingTheTargetsSpelling() throws {
        let (tree, _) = try applyFilters(
            singlePatchFilter(
                applyTo: "LISTENER",
                patch:
                    "operation: MERGE\nvalue:\n  socketOptions: [ { level: 1, name: 9, intValue: 1, state: STATE_LISTENING } ]"
            ),
            to: Self.listener("socket_options: [ { level: SOL_SOCKET, name: SO_REUSEADDR, int_value: 1 } ]")
        )
        let listener = try #require(tree.node("static_resources.listeners[0]"))
        #expect(listener.entries?.map(\.key) == ["name", "address", "socket_options", "filter_chains"])
        let (bootstrap, _) = try Bootstrap.decode(tree)
        let options = try #require(bootstrap.listeners.first?.socketOptions)
        #expect(options.map(\.name) == [.symbol("SO_REUSEADDR"), .number(9)])
        #expect(options.map(\.value) == [.int(1), .int(1)])
        #expect(options.map(\.state) == [.prebind, .listening])
    }

    @Test func snakeCasePatchMergesIntoCamelCaseTarget() throws {
        let (listener, _) = try merge(
            "per_connection_buffer_limit_bytes: 2\nsocket_options: [ { level: 1, name: 9, int_value: 1 } ]",
            into: "perConnectionBufferLimitBytes: 1\nsocketOptions: [ { level: 1, name: 2, intValue: 1 } ]"
        )
        #expect(
            listener.entries?.map(\.key) == [
                "name", "address", "perConnectionBufferLimitBytes", "socketOptions", "filter_chains",
            ]
        )
        #expect(listener["perConnectionBufferLimitBytes"]?.numberText == "2")
        #expect(listener["socketOptions"]?.elements?.count == 2)
    }

    @Test func newFieldsKeepThePatchSpellingAndPosition() throws {
        let (tree, _) = try applyFilters(
            singlePatchFilter(
                applyTo: "LISTENER",
                match: "listener: { portNumber: 8443 }",
                patch: "operation: MERGE\nvalue: { tcpBacklogSize: 128 }"
            )
        )
        let listener = try #require(tree.node("static_resources.listeners[0]"))
        let entry = try #require(listener.entries?.last)
        #expect(listener.entries?.count == 4)
        #expect(entry.key == "tcpBacklogSize")
        #expect(entry.keyLocation?.file == "filter.yaml")
        #expect(entry.value.provenance == Self.provenance)
        let (bootstrap, _) = try Bootstrap.decode(tree)
        #expect(bootstrap.listeners.map(\.tcpBacklogSize) == [128, nil])
    }

    @Test func nullAndEmptyListsChangeNothing() throws {
        let fields = "per_connection_buffer_limit_bytes: 1\nsocket_options: [ { level: 1, name: 2, int_value: 1 } ]"
        let (listener, _) = try merge(
            "per_connection_buffer_limit_bytes: null\nsocket_options: []\nfilter_chains: []",
            into: fields
        )
        #expect(
            listener
                == (try #require(
                    try ConfigLoader.parseDocument(Self.listener(fields)).node("static_resources.listeners[0]")
                ))
        )
    }

    @Test func aFieldSetInTheTargetButNullIsReplaced() throws {
        let (listener, _) = try merge(
            "address: { socket_address: { address: 127.0.0.1, port_value: 1 } }",
            into: "tcp_backlog_size: null"
        )
        #expect(listener.node("address.socket_address.address")?.stringValue == "127.0.0.1")
        let (other, _) = try merge("tcp_backlog_size: 5", into: "tcp_backlog_size: null")
        #expect(other["tcp_backlog_size"]?.numberText == "5")
    }

    /// istiod decodes the value into the Envoy message first, and a proto3 default without presence is then unset.
    @Test func proto3DefaultsWithoutPresenceDoNotReplace() throws {
        let bootstrap = """
            static_resources:
              clusters:
              - name: backend
                lb_policy: RANDOM
            """
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(
                applyTo: "CLUSTER",
                patch: "operation: MERGE\nvalue: { lb_policy: ROUND_ROBIN, connect_timeout: 2s }"
            ),
            to: bootstrap
        )
        #expect(tree.node("static_resources.clusters[0].lb_policy")?.stringValue == "RANDOM")
        #expect(tree.node("static_resources.clusters[0].connect_timeout")?.stringValue == "2s")
        #expect(
            warnings.map(\.description) == [
                "warning: spec.configPatches[0].patch.value.lb_policy: \"ROUND_ROBIN\" is the proto3 default of a field "
                    + "without presence, so istiod's MERGE does not apply it; the target keeps \"RANDOM\" (filter.yaml:11:27)"
            ]
        )
    }

    @Test func wrappersHavePresenceAndReplaceEvenWithDefaults() throws {
        let (listener, warnings) = try merge("enable_reuse_port: false", into: "enable_reuse_port: true")
        #expect(warnings.isEmpty)
        #expect(listener["enable_reuse_port"] == ConfigTree(.bool(false)))
    }

    @Test func decodeErrorsInPatchedValuesPointIntoTheFilterFile() throws {
        let (tree, _) = try applyFilters(
            singlePatchFilter(
                applyTo: "LISTENER",
                match: "listener: { portNumber: 8443 }",
                patch:
                    "operation: MERGE\nvalue: { socket_options: [ { level: 1, name: 9, int_value: 1, state: LISTEN } ] }"
            )
        )
        do {
            _ = try Bootstrap.decode(tree)
            Issue.record("expected the bad state to be rejected")
        } catch {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(error.diagnostics.count == 1)
            #expect(diagnostic.path == "static_resources.listeners[0].socket_options[0].state")
            #expect(diagnostic.location?.file == "filter.yaml")
            #expect(diagnostic.location?.line == 13)
            #expect(diagnostic.provenance == Self.provenance)
        }
    }
}
