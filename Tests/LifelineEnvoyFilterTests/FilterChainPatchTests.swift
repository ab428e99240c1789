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

    /// A listener whose chains differ only by their filter_chain_match, as an Istio gateway's do per host.
    static let chainsBootstrap = """
        static_resources:
          listeners:
          - name: 0.0.0.0_8443
            address: { socket_address: { address: 0.0.0.0, port_value: 8443 } }
            filter_chains:
            - filter_chain_match: { server_names: [a.example.com, b.example.com], transport_protocol: tls }
              filters: [{ name: envoy.filters.network.tcp_proxy, typed_config: { stat_prefix: a, cluster: c } }]
            - filter_chain_match: { server_names: [c.example.com], application_protocols: [h2, http/1.1] }
              filters: [{ name: envoy.filters.network.tcp_proxy, typed_config: { stat_prefix: c, cluster: c } }]
            - filter_chain_match: { destination_port: 9443, transport_protocol: raw_buffer }
              filters: [{ name: envoy.filters.network.tcp_proxy, typed_config: { stat_prefix: p, cluster: c } }]
            - filters: [{ name: envoy.filters.network.tcp_proxy, typed_config: { stat_prefix: any, cluster: c } }]
          clusters:
          - name: c
            load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } } }] }] }
        """

    /// istiod's `filterChainMatch`: `sni` is one of the chain's server names, `transportProtocol` and
    /// `destinationPort` equal, every listed `applicationProtocols` present; a chain without filter_chain_match
    /// matches none of them.
    @Test(
        arguments: [
            ("{ sni: b.example.com }", [true, false, false, false]),
            ("{ sni: example.com }", [false, false, false, false]),
            ("{ transportProtocol: tls }", [true, false, false, false]),
            ("{ transport_protocol: raw_buffer }", [false, false, true, false]),
            ("{ applicationProtocols: \"h2,http/1.1\" }", [false, true, false, false]),
            ("{ applicationProtocols: h3 }", [false, false, false, false]),
            ("{ destinationPort: 9443 }", [false, false, true, false]),
            ("{ sni: c.example.com, applicationProtocols: h2 }", [false, true, false, false]),
        ] as [(String, [Bool])]
    )
    func chainsAreMatchedByTheirFilterChainMatch(_ match: String, _ patched: [Bool]) throws {
        let (tree, _) = try applyFilters(
            singlePatchFilter(
                applyTo: "FILTER_CHAIN",
                match: "listener: { filterChain: \(match) }",
                patch: Self.extraFilter
            ),
            to: Self.chainsBootstrap
        )
        let chains = (0..<4).map { filterNames(tree, chain: $0).contains("extra") }
        #expect(chains == patched)
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
