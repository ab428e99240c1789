import LifelineConfig
import LifelineEnvoyFilter
import Testing

/// istiod says nothing about a patch that matched nothing, or about match fields it ignores; Lifeline warns.
@Suite("Warnings")
struct WarningTests {
    @Test func theUnmatchedPatchIsNamedByFilterAndIndex() throws {
        let text = envoyFilter(
            "istio-ingressgateway",
            spec: """
                configPatches:
                - applyTo: LISTENER
                  match: { context: GATEWAY, listener: { name: 0.0.0.0_8443 } }
                  patch: { operation: MERGE, value: { per_connection_buffer_limit_bytes: 1 } }
                - applyTo: LISTENER
                  match: { context: GATEWAY, listener: { name: 0.0.0.0_9444 } }
                  patch: { operation: MERGE, value: { per_connection_buffer_limit_bytes: 1 } }
                """
        )
        let (_, warnings) = try applyFilters(text)
        #expect(
            warnings.map(\.description) == [
                "warning: EnvoyFilter istio-system/istio-ingressgateway patch 1 (applyTo LISTENER, listener 0.0.0.0_9444) "
                    + "matched nothing (filter.yaml:11:5)"
            ]
        )
        #expect(warnings.first?.severity == .warning)
        #expect(warnings.first?.path == "")
    }

    @Test(arguments: [
        ("LISTENER", "listener: { portNumber: 1 }", "operation: REMOVE", "applyTo LISTENER, listener port 1"),
        (
            "FILTER_CHAIN", "listener: { name: l, filterChain: { name: c } }", "operation: REMOVE",
            "applyTo FILTER_CHAIN, listener l, filter chain c"
        ),
        (
            "NETWORK_FILTER", "listener: { filterChain: { filter: { name: f } } }", "operation: REMOVE",
            "applyTo NETWORK_FILTER, filter f"
        ),
        (
            "NETWORK_FILTER", "listener: { portNumber: 1 }", "operation: ADD\nvalue: { name: f }",
            "applyTo NETWORK_FILTER, listener port 1"
        ),
        (
            "CLUSTER", "cluster: { name: nope }", "operation: MERGE\nvalue: { connect_timeout: 1s }",
            "applyTo CLUSTER, cluster nope"
        ),
    ])
    func unmatchedPatchesOfEveryKind(_ applyTo: String, _ match: String, _ patch: String, _ summary: String) throws {
        let (_, warnings) = try applyFilters(singlePatchFilter(applyTo: applyTo, match: match, patch: patch))
        #expect(warnings.map(\.message) == ["EnvoyFilter istio-system/gw patch 0 (\(summary)) matched nothing"])
    }

    @Test func aMatchedPatchIsNotWarnedAbout() throws {
        let (_, warnings) = try applyFilters(
            singlePatchFilter(applyTo: "LISTENER", match: "listener: { portNumber: 9443 }", patch: "operation: REMOVE")
        )
        #expect(warnings.isEmpty)
    }

    @Test(arguments: [
        (
            "LISTENER", "listener: { portNumber: 8443, filterChain: { name: main } }", "operation: REMOVE",
            "spec.configPatches[0].match.listener.filterChain: has no effect with applyTo LISTENER: istiod matches "
                + "listeners by name and portNumber only (filter.yaml:10:50)"
        ),
        (
            "FILTER_CHAIN",
            "listener: { filterChain: { name: main, filter: { name: envoy.filters.network.tcp_proxy } } }",
            "operation: REMOVE",
            "spec.configPatches[0].match.listener.filterChain.filter: has no effect with applyTo FILTER_CHAIN: istiod "
                + "matches filter chains by name only (filter.yaml:10:54)"
        ),
        (
            "LISTENER", "listener: { name: x }", "operation: ADD\nvalue: { name: y }",
            "spec.configPatches[0].match.listener: has no effect with ADD: istiod adds the listener whatever the match "
                + "says (filter.yaml:10:17)"
        ),
        (
            "FILTER_CHAIN", "listener: { filterChain: { name: main } }", "operation: ADD\nvalue: { name: y }",
            "spec.configPatches[0].match.listener.filterChain: has no effect with ADD: istiod adds the filter chain to "
                + "every listener matched (filter.yaml:10:32)"
        ),
        (
            "CLUSTER", "cluster: { name: x }", "operation: ADD\nvalue: { name: y }",
            "spec.configPatches[0].match.cluster: has no effect with ADD: istiod adds the cluster whatever the match "
                + "says (filter.yaml:10:16)"
        ),
        (
            "NETWORK_FILTER", "listener: { portNumber: 8443 }",
            "operation: MERGE\nvalue: { name: n, config_discovery: {} }",
            "spec.configPatches[0].patch.value.config_discovery: ignored: istiod merges only name and typed_config "
                + "into a network filter (filter.yaml:13:25)"
        ),
        (
            "NETWORK_FILTER", "listener: { filterChain: { filter: { name: f } } }",
            "operation: INSERT_FIRST\nvalue: { name: g }",
            "spec.configPatches[0].match.listener.filterChain.filter: has no effect with INSERT_FIRST: istiod puts the "
                + "filter into every filter chain matched (filter.yaml:10:42)"
        ),
        (
            "LISTENER", "listener: { portNumber: 8443 }", "operation: REMOVE\nvalue: { name: x }",
            "spec.configPatches[0].patch.value: REMOVE takes no value; this one is ignored (filter.yaml:13:14)"
        ),
    ])
    func matchFieldsIstiodIgnores(_ applyTo: String, _ match: String, _ patch: String, _ warning: String) throws {
        let filters = try parseFilters(singlePatchFilter(applyTo: applyTo, match: match, patch: patch))
        #expect(filters.first?.warnings.map(\.description) == ["warning: " + warning])
        let (_, warnings) = try applyFilters(singlePatchFilter(applyTo: applyTo, match: match, patch: patch))
        #expect(warnings.first.map { "\($0.path): \($0.message) (\($0.location!))" } == warning)
        #expect(warnings.first?.severity == .warning)
    }
}
