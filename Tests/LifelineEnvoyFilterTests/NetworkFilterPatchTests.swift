import Foundation
import LifelineConfig
import LifelineEnvoyFilter
import Testing

@Suite("applyTo NETWORK_FILTER")
struct NetworkFilterPatchTests {
    /// One listener whose chain holds `first` then a tcp_proxy.
    static let twoFilters = """
        static_resources:
          listeners:
          - name: l
            address: { socket_address: { address: 0.0.0.0, port_value: 8443 } }
            filter_chains:
            - filters:
              - name: first
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: public
                  cluster: backend
        """
    static let tcpProxy = "envoy.filters.network.tcp_proxy"

    private func apply(_ operation: String, anchor: String?) throws -> (
        names: [String?], warnings: [String], tree: ConfigTree
    ) {
        let match = anchor.map { "listener: { filterChain: { filter: { name: \($0) } } }" }
        let patch = operation == "REMOVE" ? "operation: REMOVE" : "operation: \(operation)\nvalue: { name: new }"
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(applyTo: "NETWORK_FILTER", match: match, patch: patch),
            to: Self.twoFilters
        )
        return (filterNames(tree), warnings.map(\.message), tree)
    }

    @Test(
        arguments: [
            ("ADD", nil, ["first", tcpProxy, "new"]),
            ("ADD", tcpProxy, ["first", tcpProxy, "new"]),
            ("INSERT_FIRST", nil, ["new", "first", tcpProxy]),
            ("INSERT_FIRST", tcpProxy, ["new", "first", tcpProxy]),
            ("INSERT_BEFORE", tcpProxy, ["first", "new", tcpProxy]),
            ("INSERT_BEFORE", nil, ["new", "first", tcpProxy]),
            ("INSERT_AFTER", "first", ["first", "new", tcpProxy]),
            ("INSERT_AFTER", tcpProxy, ["first", tcpProxy, "new"]),
            ("INSERT_AFTER", nil, ["first", tcpProxy, "new"]),
            ("REPLACE", "first", ["new", tcpProxy]),
            ("REMOVE", "first", [tcpProxy]),
        ] as [(String, String?, [String])]
    )
    func listOperations(_ operation: String, _ anchor: String?, _ expected: [String]) throws {
        let (names, warnings, tree) = try apply(operation, anchor: anchor)
        #expect(names == expected)
        // istiod appends and prepends whatever filters a chain holds, and a named filter is warned about as ignored.
        let anchorIgnored = anchor != nil && ["ADD", "INSERT_FIRST"].contains(operation)
        #expect(warnings.count == (anchorIgnored ? 1 : 0))
        let inserted = tree.node("static_resources.listeners[0].filter_chains[0].filters")?.elements?
            .first { $0["name"]?.stringValue == "new" }
        if operation != "REMOVE" {
            #expect(inserted?.provenance == "EnvoyFilter istio-system/gw patch 0")
            #expect(inserted?.location?.file == "filter.yaml")
        }
    }

    @Test(arguments: ["INSERT_BEFORE", "INSERT_AFTER", "REPLACE", "REMOVE"])
    func anAnchorThatIsNotThereChangesNothing(_ operation: String) throws {
        let (names, warnings, _) = try apply(operation, anchor: "missing")
        #expect(names == ["first", Self.tcpProxy])
        #expect(
            warnings == [
                "EnvoyFilter istio-system/gw patch 0 (applyTo NETWORK_FILTER, filter missing) matched nothing"
            ]
        )
    }

    @Test(arguments: ["REPLACE", "REMOVE"])
    func replaceAndRemoveNeedAFilterName(_ operation: String) throws {
        let (names, warnings, _) = try apply(operation, anchor: nil)
        #expect(names == ["first", Self.tcpProxy])
        #expect(
            warnings == [
                "EnvoyFilter istio-system/gw patch 0 (applyTo NETWORK_FILTER) matched nothing; "
                    + "\(operation) needs match.listener.filterChain.filter.name"
            ]
        )
    }

    @Test func replaceTakesTheFirstOfTwoAndRemoveTakesAll() throws {
        let bootstrap = Self.twoFilters.replacingOccurrences(
            of: "- name: first",
            with: "- name: twin\n      - name: twin"
        )
        for (operation, expected) in [("REPLACE", ["new", "twin", Self.tcpProxy]), ("REMOVE", [Self.tcpProxy])] {
            let patch = operation == "REMOVE" ? "operation: REMOVE" : "operation: REPLACE\nvalue: { name: new }"
            let (tree, _) = try applyFilters(
                singlePatchFilter(
                    applyTo: "NETWORK_FILTER",
                    match: "listener: { filterChain: { filter: { name: twin } } }",
                    patch: patch
                ),
                to: bootstrap
            )
            #expect(filterNames(tree) == expected)
        }
    }

    @Test func mergeEditsTheTypedConfig() throws {
        let patch = """
            operation: MERGE
            value:
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                idle_timeout: 60s
            """
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(
                applyTo: "NETWORK_FILTER",
                match: "listener: { portNumber: 8443, filterChain: { filter: { name: \(Self.tcpProxy) } } }",
                patch: patch
            )
        )
        #expect(warnings.isEmpty)
        let typed = try #require(tree.node("static_resources.listeners[0].filter_chains[0].filters[0].typed_config"))
        #expect(typed["idle_timeout"]?.stringValue == "60s")
        #expect(typed["idle_timeout"]?.provenance == "EnvoyFilter istio-system/gw patch 0")
        #expect(typed["stat_prefix"]?.provenance == nil)
        #expect(typed.provenance == nil)
        let (bootstrap, _) = try Bootstrap.decode(tree)
        #expect(bootstrap.listeners.map { $0.tcpProxy?.idleTimeout } == [.seconds(60), .seconds(3600)])
    }

    @Test func mergeRenamesAndReachesEveryFilterWithATypedConfig() throws {
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(applyTo: "NETWORK_FILTER", patch: "operation: MERGE\nvalue: { name: envoy.tcp_proxy }"),
            to: Self.twoFilters
        )
        #expect(warnings.isEmpty)
        // `first` has no typed_config, and istiod passes such filters over.
        #expect(filterNames(tree) == ["first", "envoy.tcp_proxy"])
        #expect(tree.node("static_resources.listeners[0].filter_chains[0].filters[1].name")?.provenance != nil)
    }

    @Test func mergeWithAnotherTypeIsAnError() throws {
        let patch = """
            operation: MERGE
            value:
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: x
            """
        let errors = try applyErrors(
            singlePatchFilter(
                applyTo: "NETWORK_FILTER",
                match: "listener: { portNumber: 9443 }",
                patch: patch
            )
        )
        #expect(
            errors.map(\.description) == [
                "spec.configPatches[0].patch.value.typed_config.@type: "
                    + "\"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3."
                    + "HttpConnectionManager\" does not match the @type "
                    + "\"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy\" it would merge into "
                    + "(bootstrap.yaml:21:20) (filter.yaml:15:20)"
            ]
        )
    }

    @Test func mergeReachesAFilterInsertedEarlierInTheRun() throws {
        // The MERGE has the lower priority, yet istiod runs every list operation of a chain before any MERGE.
        let text = [
            envoyFilter(
                "inserts",
                spec: """
                    priority: 10
                    configPatches:
                    - applyTo: NETWORK_FILTER
                      patch: { operation: INSERT_FIRST, value: { name: rate, typed_config: { "@type": x.Rate, limit: 1 } } }
                    """
            ),
            envoyFilter(
                "merges",
                spec: """
                    priority: -10
                    configPatches:
                    - applyTo: NETWORK_FILTER
                      match: { listener: { filterChain: { filter: { name: rate } } } }
                      patch: { operation: MERGE, value: { typed_config: { "@type": x.Rate, limit: 5 } } }
                    """
            ),
        ].joined(separator: "\n---\n")
        let (tree, warnings) = try applyFilters(text, to: Self.twoFilters)
        #expect(warnings.isEmpty)
        let rate = try #require(tree.node("static_resources.listeners[0].filter_chains[0].filters[0]"))
        #expect(rate.node("typed_config.limit")?.numberText == "5")
        #expect(rate.provenance == "EnvoyFilter istio-system/inserts patch 0")
        #expect(rate.node("typed_config.limit")?.provenance == "EnvoyFilter istio-system/merges patch 0")
    }

    @Test func everyMatchedChainOfEveryListener() throws {
        let (tree, _) = try applyFilters(
            singlePatchFilter(
                applyTo: "NETWORK_FILTER",
                match: "listener: { filterChain: { name: main, filter: { name: \(Self.tcpProxy) } } }",
                patch: "operation: INSERT_BEFORE\nvalue: { name: new }"
            )
        )
        #expect(filterNames(tree, listener: 0) == ["new", Self.tcpProxy])
        #expect(filterNames(tree, listener: 1) == ["new", Self.tcpProxy])
    }
}
