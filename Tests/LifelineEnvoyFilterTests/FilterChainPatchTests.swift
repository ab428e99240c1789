import LifelineConfig
import LifelineEnvoyFilter
import Testing

@Suite("applyTo FILTER_CHAIN")
struct FilterChainPatchTests {
    static let extraFilter = "operation: MERGE\nvalue: { filters: [ { name: extra } ] }"

    @Test(
        arguments: [
            (
                "listener: { portNumber: 8443, filterChain: { name: main } }",
                [["envoy.filters.network.tcp_proxy", "extra"], ["envoy.filters.network.tcp_proxy"]]
            ),
            (
                "listener: { filterChain: { name: main } }",
                [["envoy.filters.network.tcp_proxy", "extra"], ["envoy.filters.network.tcp_proxy", "extra"]]
            ),
            (
                "listener: { name: 0.0.0.0_9443 }",
                [["envoy.filters.network.tcp_proxy"], ["envoy.filters.network.tcp_proxy", "extra"]]
            ),
        ] as [(String, [[String]])]
    )
    func mergeIntoEveryMatchedChain(_ match: String, _ expected: [[String]]) throws {
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(applyTo: "FILTER_CHAIN", match: match, patch: Self.extraFilter)
        )
        #expect(warnings.isEmpty)
        #expect([filterNames(tree, listener: 0), filterNames(tree, listener: 1)] == expected)
        #expect(tree.node("static_resources.listeners[0].filter_chains[0].filters")?.provenance == nil)
    }

    @Test func aChainNameThatIsNotThereMatchesNothing() throws {
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(
                applyTo: "FILTER_CHAIN",
                match: "listener: { filterChain: { name: tls } }",
                patch: Self.extraFilter
            )
        )
        #expect(filterNames(tree) == ["envoy.filters.network.tcp_proxy"])
        #expect(
            warnings.map(\.message) == [
                "EnvoyFilter istio-system/gw patch 0 (applyTo FILTER_CHAIN, filter chain tls) matched nothing"
            ]
        )
    }

    @Test func addAppendsToEveryMatchedListener() throws {
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(
                applyTo: "FILTER_CHAIN",
                match: "listener: { portNumber: 9443 }",
                patch: "operation: ADD\nvalue: { name: second, filters: [ { name: f } ] }"
            )
        )
        #expect(warnings.isEmpty)
        let chains = try #require(tree.node("static_resources.listeners[1].filter_chains")?.elements)
        #expect(chains.map { $0["name"]?.stringValue } == ["main", "second"])
        #expect(chains[1].provenance == "EnvoyFilter istio-system/gw patch 0")
        #expect(tree.node("static_resources.listeners[0].filter_chains")?.elements?.count == 1)
    }

    @Test func addedChainsAreNotSeenByNetworkFilterPatches() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: FILTER_CHAIN
                  match: { listener: { portNumber: 8443 } }
                  patch: { operation: ADD, value: { name: second, filters: [ { name: f } ] } }
                - applyTo: NETWORK_FILTER
                  match: { listener: { portNumber: 8443 } }
                  patch: { operation: INSERT_FIRST, value: { name: first } }
                """
        )
        let (tree, _) = try applyFilters(text)
        #expect(filterNames(tree, chain: 0) == ["first", "envoy.filters.network.tcp_proxy"])
        #expect(filterNames(tree, chain: 1) == ["f"])
    }

    @Test func removeTakesTheChainOutAndItsFilterPatchesWithIt() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: FILTER_CHAIN
                  match: { listener: { portNumber: 8443, filterChain: { name: main } } }
                  patch: { operation: REMOVE }
                - applyTo: NETWORK_FILTER
                  match: { listener: { portNumber: 8443 } }
                  patch: { operation: ADD, value: { name: late } }
                """
        )
        let (tree, warnings) = try applyFilters(text)
        #expect(tree.node("static_resources.listeners[0].filter_chains")?.elements?.count == 0)
        #expect(filterNames(tree, listener: 1) == ["envoy.filters.network.tcp_proxy"])
        #expect(
            warnings.map(\.message) == [
                "EnvoyFilter istio-system/gw patch 1 (applyTo NETWORK_FILTER, listener port 8443) matched nothing"
            ]
        )
    }

    @Test func chainsWithoutFiltersArePassedOver() throws {
        let bootstrap = """
            static_resources:
              listeners:
              - name: l
                address: { socket_address: { address: 0.0.0.0, port_value: 1 } }
                filter_chains:
                - name: empty
            """
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(applyTo: "FILTER_CHAIN", patch: "operation: MERGE\nvalue: { name: renamed }"),
            to: bootstrap
        )
        #expect(tree.node("static_resources.listeners[0].filter_chains[0].name")?.stringValue == "empty")
        #expect(warnings.count == 1)
    }
}
