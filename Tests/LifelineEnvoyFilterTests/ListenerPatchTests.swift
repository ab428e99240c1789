import LifelineConfig
import LifelineEnvoyFilter
import Testing

@Suite("applyTo LISTENER")
struct ListenerPatchTests {
    static let bufferMerge = "operation: MERGE\nvalue: { per_connection_buffer_limit_bytes: 32768 }"

    private func buffers(_ tree: ConfigTree) -> [String?] {
        (tree.node("static_resources.listeners")?.elements ?? []).map {
            $0["per_connection_buffer_limit_bytes"]?.numberText
        }
    }

    @Test(
        arguments: [
            ("listener: { name: 0.0.0.0_8443 }", ["32768", nil]),
            ("listener: { portNumber: 8443 }", ["32768", nil]),
            // The second listener has no name; Istio's default name for it is matched.
            ("listener: { name: 0.0.0.0_9443 }", [nil, "32768"]),
            ("listener: { portNumber: 9443, name: 0.0.0.0_9443 }", [nil, "32768"]),
            ("listener: {}", ["32768", "32768"]),
            ("context: GATEWAY", ["32768", "32768"]),
        ] as [(String, [String?])]
    )
    func mergeIntoEveryMatchedListener(_ match: String, _ expected: [String?]) throws {
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(applyTo: "LISTENER", match: match, patch: Self.bufferMerge)
        )
        #expect(warnings.isEmpty)
        #expect(buffers(tree) == expected)
    }

    @Test func mergedListenersDecode() throws {
        let (tree, _) = try applyFilters(
            singlePatchFilter(applyTo: "LISTENER", match: "listener: { portNumber: 9443 }", patch: Self.bufferMerge)
        )
        let (bootstrap, _) = try Bootstrap.decode(tree)
        #expect(bootstrap.listeners.map(\.perConnectionBufferLimitBytes) == [1_048_576, 32768])
        #expect(bootstrap.listeners.map(\.name) == ["0.0.0.0_8443", "0.0.0.0_9443"])
    }

    @Test func addAppendsAListenerMarkedAsThePatchs() throws {
        let patch = """
            operation: ADD
            value:
              name: extra
              address: { socket_address: { address: 127.0.0.1, port_value: 7000 } }
              filter_chains:
              - filters:
                - name: envoy.filters.network.tcp_proxy
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                    stat_prefix: extra
                    cluster: backend
            """
        let (tree, warnings) = try applyFilters(singlePatchFilter(applyTo: "LISTENER", patch: patch))
        #expect(warnings.isEmpty)
        let added = try #require(tree.node("static_resources.listeners[2]"))
        #expect(added.provenance == "EnvoyFilter istio-system/gw patch 0")
        #expect(added.location?.file == "filter.yaml")
        #expect(added.location?.line == 12)
        let (bootstrap, _) = try Bootstrap.decode(tree)
        #expect(bootstrap.listeners.map(\.name) == ["0.0.0.0_8443", "0.0.0.0_9443", "extra"])
        #expect(bootstrap.listeners[2].origin.location?.file == "filter.yaml")
    }

    @Test func addCreatesTheListenersList() throws {
        let (tree, _) = try applyFilters(
            singlePatchFilter(applyTo: "LISTENER", patch: "operation: ADD\nvalue: { name: only }"),
            to: "admin: { address: { socket_address: { address: 127.0.0.1, port_value: 9901 } } }"
        )
        #expect(tree.node("static_resources.listeners")?.elements?.map { $0["name"]?.stringValue } == ["only"])
    }

    @Test func addedListenersAreNotEditedByTheSameRun() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: LISTENER
                  patch: { operation: ADD, value: { name: added } }
                - applyTo: LISTENER
                  patch: { operation: MERGE, value: { per_connection_buffer_limit_bytes: 1 } }
                """
        )
        let (tree, _) = try applyFilters(text)
        #expect(buffers(tree) == ["1", "1", nil])
    }

    @Test(arguments: ["listener: { portNumber: 8443 }", "listener: { name: 0.0.0.0_8443 }"])
    func removeTakesTheListenerOut(_ match: String) throws {
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(applyTo: "LISTENER", match: match, patch: "operation: REMOVE")
        )
        #expect(warnings.isEmpty)
        let listeners = try #require(tree.node("static_resources.listeners")?.elements)
        #expect(listeners.count == 1)
        #expect(listeners.first?.node("address.socket_address.port_value")?.numberText == "9443")
    }

    @Test func aRemovedListenerGetsNoFurtherPatches() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: LISTENER
                  match: { listener: { portNumber: 8443 } }
                  patch: { operation: REMOVE }
                - applyTo: LISTENER
                  match: { listener: { portNumber: 8443 } }
                  patch: { operation: MERGE, value: { per_connection_buffer_limit_bytes: 1 } }
                """
        )
        let (tree, warnings) = try applyFilters(text)
        #expect(buffers(tree) == [nil])
        #expect(
            warnings.map(\.message) == [
                "EnvoyFilter istio-system/gw patch 1 (applyTo LISTENER, listener port 8443) matched nothing"
            ]
        )
    }

    @Test func aRenamedListenerIsMatchedByItsNewName() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: LISTENER
                  match: { listener: { portNumber: 9443 } }
                  patch: { operation: MERGE, value: { name: public } }
                - applyTo: LISTENER
                  match: { listener: { name: public } }
                  patch: { operation: MERGE, value: { per_connection_buffer_limit_bytes: 1 } }
                """
        )
        let (tree, warnings) = try applyFilters(text)
        #expect(warnings.isEmpty)
        #expect(tree.node("static_resources.listeners[1].name")?.stringValue == "public")
        #expect(buffers(tree) == [nil, "1"])
    }
}
