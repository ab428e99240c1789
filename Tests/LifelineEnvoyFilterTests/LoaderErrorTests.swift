import LifelineConfig
import LifelineEnvoyFilter
import Testing

/// Expects exactly one error with this path and message, at `line` of filter.yaml when given.
private func expectSingleError(
    _ text: String,
    path: String,
    message: String,
    line: Int? = nil,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    let diagnostics = loadErrors(text, sourceLocation: sourceLocation)
    #expect(diagnostics.map(\.description).count == 1, "\(diagnostics)", sourceLocation: sourceLocation)
    guard let diagnostic = diagnostics.first else { return }
    #expect(diagnostic.severity == .error, sourceLocation: sourceLocation)
    #expect(diagnostic.path == path, sourceLocation: sourceLocation)
    #expect(diagnostic.message == message, sourceLocation: sourceLocation)
    if let line {
        #expect(diagnostic.location?.file == "filter.yaml", sourceLocation: sourceLocation)
        #expect(diagnostic.location?.line == line, sourceLocation: sourceLocation)
    }
}

@Suite("EnvoyFilter errors name their path in the filter file")
struct LoaderErrorTests {
    @Test func unknownMatchFieldWithItsPositionAndAsDescribed() {
        let text = singlePatchFilter(
            applyTo: "LISTENER",
            match: "listener:\n  portNumbr: 8443",
            patch: "operation: MERGE\nvalue: { name: x }"
        )
        let diagnostics = loadErrors(text)
        #expect(
            diagnostics.map(\.description) == [
                "spec.configPatches[0].match.listener.portNumbr: unknown field (filter.yaml:11:9)"
            ]
        )
    }

    @Test(arguments: [
        ("bogus: 1", "bogus", 7),
        (
            "configPatches:\n- applyTo: LISTENER\n  patch: { operation: REMOVE }\n  matches: {}",
            "configPatches[0].matches", 10
        ),
        (
            "configPatches:\n- applyTo: LISTENER\n  patch: { operation: REMOVE, valeu: {} }",
            "configPatches[0].patch.valeu", 9
        ),
        (
            "configPatches:\n- applyTo: LISTENER\n  match: { contxt: GATEWAY }\n  patch: { operation: REMOVE }",
            "configPatches[0].match.contxt", 9
        ),
        ("workloadSelector: { matchLabels: { a: b } }", "workloadSelector.matchLabels", 7),
        (
            "configPatches:\n- applyTo: NETWORK_FILTER\n"
                + "  match: { listener: { filterChain: { filter: { name: a, nmae: b } } } }\n  patch: { operation: REMOVE }",
            "configPatches[0].match.listener.filterChain.filter.nmae", 9
        ),
        (
            "configPatches:\n- applyTo: CLUSTER\n  match: { cluster: { nam: x } }\n  patch: { operation: REMOVE }",
            "configPatches[0].match.cluster.nam", 9
        ),
    ])
    func unknownFields(_ spec: String, _ path: String, _ line: Int) {
        expectSingleError(envoyFilter(spec: spec), path: "spec." + path, message: "unknown field", line: line)
    }

    @Test func unknownTopLevelField() {
        expectSingleError(envoyFilter(spec: "{}") + "\nspecs: {}", path: "specs", message: "unknown field", line: 8)
    }

    @Test(arguments: [
        ("HTTP_FILTER", EnvoyFilter.ApplyTo.httpFilter), ("4", .httpFilter),
        ("ROUTE_CONFIGURATION", .routeConfiguration),
        ("VIRTUAL_HOST", .virtualHost), ("7", .httpRoute),
    ])
    func httpKindsByNameOrNumber(_ applyTo: String, _ kind: EnvoyFilter.ApplyTo) throws {
        let filters = try parseFilters(singlePatchFilter(applyTo: applyTo, patch: "operation: MERGE\nvalue: {}"))
        #expect(filters.flatMap(\.errors).isEmpty)
        #expect(filters.first?.configPatches.first?.applyTo == kind)
    }

    @Test(arguments: ["LISTENER_FILTER", "EXTENSION_CONFIG", "BOOTSTRAP"])
    func otherKindsAreNotSupported(_ applyTo: String) {
        expectSingleError(
            singlePatchFilter(applyTo: applyTo, patch: "operation: REMOVE"),
            path: "spec.configPatches[0].applyTo",
            message:
                "\(applyTo) is not supported by Lifeline; applyTo may be LISTENER, FILTER_CHAIN, NETWORK_FILTER, "
                + "HTTP_FILTER, ROUTE_CONFIGURATION, VIRTUAL_HOST, HTTP_ROUTE, CLUSTER",
            line: 8
        )
    }

    @Test func unknownApplyTo() {
        let diagnostics = loadErrors(singlePatchFilter(applyTo: "LISTENERS", patch: "operation: REMOVE"))
        #expect(diagnostics.count == 1)
        #expect(
            diagnostics.first?.message.hasPrefix("unknown applyTo \"LISTENERS\"; expected one of LISTENER,") == true
        )
    }

    @Test(arguments: [
        ("LISTENER", "INSERT_BEFORE", "MERGE, ADD, REMOVE"),
        ("LISTENER", "REPLACE", "MERGE, ADD, REMOVE"),
        ("FILTER_CHAIN", "INSERT_FIRST", "MERGE, ADD, REMOVE"),
        ("FILTER_CHAIN", "INSERT_AFTER", "MERGE, ADD, REMOVE"),
        ("FILTER_CHAIN", "REPLACE", "MERGE, ADD, REMOVE"),
        ("CLUSTER", "INSERT_AFTER", "MERGE, ADD, REMOVE"),
        ("CLUSTER", "REPLACE", "MERGE, ADD, REMOVE"),
    ])
    func operationNotValidForApplyTo(_ applyTo: String, _ operation: String, _ allowed: String) {
        expectSingleError(
            singlePatchFilter(applyTo: applyTo, patch: "operation: \(operation)\nvalue: { name: x }"),
            path: "spec.configPatches[0].patch.operation",
            message: "\(operation) is not valid with applyTo \(applyTo) (istiod would ignore the patch); use one of "
                + allowed,
            line: 10
        )
    }

    @Test(arguments: [
        (
            "operation: MERGE_AND_REPLACE_LIST\nvalue: {}", "spec.configPatches[0].patch.operation",
            "MERGE_AND_REPLACE_LIST is not supported by Lifeline"
        ),
        (
            "operation: MERGED\nvalue: {}", "spec.configPatches[0].patch.operation",
            "unknown operation \"MERGED\"; expected one of MERGE, ADD, REMOVE, INSERT_BEFORE, INSERT_AFTER, INSERT_FIRST, REPLACE"
        ),
        ("operation: INVALID", "spec.configPatches[0].patch.operation", "needs an operation"),
        ("value: {}", "spec.configPatches[0].patch", "needs an operation"),
        ("operation: MERGE", "spec.configPatches[0].patch", "MERGE needs a value"),
        (
            "operation: ADD\nvalue: [1]", "spec.configPatches[0].patch.value",
            "expected an object (the Envoy config to ADD), found a list"
        ),
        (
            "operation: ADD\nvalue: { filter_chains: [ { filters: [ { name: f, typed_config: { stat_prefix: p } } ] } ] }",
            "spec.configPatches[0].patch.value.filter_chains[0].filters[0].typed_config",
            "typed_config needs an \"@type\""
        ),
        (
            "operation: ADD\nvalue: { name: l }\nfilterClass: AUTHZ", "spec.configPatches[0].patch.filterClass",
            "filterClass is not supported by Lifeline: it places a filter relative to Istio's own authn, authz and stats "
                + "filters; use INSERT_BEFORE or INSERT_AFTER with match.listener.filterChain.filter.subFilter"
        ),
    ])
    func patchErrors(_ patch: String, _ path: String, _ message: String) {
        expectSingleError(singlePatchFilter(applyTo: "LISTENER", patch: patch), path: path, message: message)
    }

    @Test func targetRefs() {
        expectSingleError(
            envoyFilter(spec: "targetRefs:\n- { kind: Gateway, group: gateway.networking.k8s.io, name: gw }"),
            path: "spec.targetRefs",
            message: "targetRefs is not supported: Lifeline is one gateway, selected by workloadSelector labels",
            line: 7
        )
    }

    @Test(arguments: [
        (
            "listener:\n  filterChain:\n    filter:\n      name: envoy.filters.network.http_connection_manager\n"
                + "      subFilter: { name: envoy.filters.http.router }",
            "spec.configPatches[0].match.listener.filterChain.filter.subFilter",
            "a subFilter match is valid with applyTo HTTP_FILTER only"
        ),
        (
            "listener:\n  portName: https", "spec.configPatches[0].match.listener.portName",
            "portName is not implemented by Istio; match by portNumber"
        ),
        (
            "listener:\n  filterChain: { filter: {} }", "spec.configPatches[0].match.listener.filterChain.filter",
            "a filter match needs a name to match on"
        ),
        (
            "proxy: { proxyVersion: '^1\\.(2' }", "spec.configPatches[0].match.proxy.proxyVersion",
            "not a valid regular expression: expected ')'"
        ),
        (
            "proxy: { metadata: { ROUTER_MODE: [sni-dnat] } }",
            "spec.configPatches[0].match.proxy.metadata.ROUTER_MODE",
            "expected a string, found a list"
        ),
        (
            "routeConfiguration: { vhost: { name: x } }", "spec.configPatches[0].match.routeConfiguration",
            "applyTo NETWORK_FILTER matches listener objects; use match.listener"
        ),
        (
            "context: OUTBOUND", "spec.configPatches[0].match.context",
            "unknown context \"OUTBOUND\"; expected one of ANY, SIDECAR_INBOUND, SIDECAR_OUTBOUND, GATEWAY, WAYPOINT"
        ),
        (
            "cluster: { name: backend }", "spec.configPatches[0].match.cluster",
            "applyTo NETWORK_FILTER matches listener objects; use match.listener"
        ),
    ])
    func matchErrors(_ match: String, _ path: String, _ message: String) {
        expectSingleError(
            singlePatchFilter(applyTo: "NETWORK_FILTER", match: match, patch: "operation: REMOVE"),
            path: path,
            message: message
        )
    }

    @Test(arguments: [
        ("cluster: { service: reviews.default.svc.cluster.local }", "spec.configPatches[0].match.cluster.service"),
        ("cluster: { subset: v1 }", "spec.configPatches[0].match.cluster.subset"),
    ])
    func clusterServiceAndSubsetAreNotSupported(_ match: String, _ path: String) {
        let diagnostics = loadErrors(singlePatchFilter(applyTo: "CLUSTER", match: match, patch: "operation: REMOVE"))
        #expect(diagnostics.map(\.path) == [path])
        #expect(diagnostics.first?.message.hasSuffix("; match by name or portNumber") == true)
    }

    @Test func clusterPatchWithAListenerMatch() {
        expectSingleError(
            singlePatchFilter(applyTo: "CLUSTER", match: "listener: { name: x }", patch: "operation: REMOVE"),
            path: "spec.configPatches[0].match.listener",
            message: "applyTo CLUSTER matches clusters; use match.cluster"
        )
    }

    @Test func bothSpellingsOfOneField() {
        expectSingleError(
            singlePatchFilter(
                applyTo: "LISTENER",
                match: "listener: { portNumber: 1, port_number: 2 }",
                patch: "operation: REMOVE"
            ),
            path: "spec.configPatches[0].match.listener.port_number",
            message: "portNumber is given too; give only one"
        )
    }

    @Test func badValues() {
        let text = envoyFilter(
            spec: """
                priority: 2147483648
                workloadSelector: { labels: { istio: [ingressgateway] } }
                configPatches:
                - applyTo: LISTENER
                  match: { listener: { portNumber: -1, name: 8443 } }
                  patch: { operation: REMOVE }
                """
        )
        #expect(
            loadErrors(text).map(\.description) == [
                "spec.workloadSelector.labels.istio: expected a string, found a list (filter.yaml:8:40)",
                "spec.priority: 2147483648 is out of range -2147483648...2147483647 (filter.yaml:7:13)",
                "spec.configPatches[0].match.listener.name: expected a string, found a number (filter.yaml:11:48)",
                "spec.configPatches[0].match.listener.portNumber: -1 is out of range 0...4294967295 (filter.yaml:11:38)",
            ]
        )
    }

    @Test func everyProblemIsReportedAtOnce() {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: LISTENER_FILTER
                  patch: { operation: ADD, value: { name: lua } }
                - applyTo: LISTENER
                  match: { listener: { portNumbr: 1 } }
                  patch: { operation: REPLACE, value: {} }
                targetRefs: []
                """
        )
        #expect(
            loadErrors(text).map(\.path) == [
                "spec.configPatches[0].applyTo",
                "spec.configPatches[1].patch.operation",
                "spec.configPatches[1].match.listener.portNumbr",
                "spec.targetRefs",
            ]
        )
    }

    @Test func badYAML() {
        let diagnostics = loadErrors(
            "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nspec: { configPatches: [\n"
        )
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.hasPrefix("syntax error") == true)
        #expect(diagnostics.first?.location?.file == "filter.yaml")
    }

    @Test(arguments: [
        (
            "apiVersion: networking.istio.io/v1\nkind: EnvoyFilter\nmetadata: { name: x }", "apiVersion",
            "Istio serves EnvoyFilter only as networking.istio.io/v1alpha3, not \"networking.istio.io/v1\""
        ),
        (
            "apiVersion: networking.istio.io/v1beta1\nkind: EnvoyFilter\nmetadata: { name: x }", "apiVersion",
            "Istio serves EnvoyFilter only as networking.istio.io/v1alpha3, not \"networking.istio.io/v1beta1\""
        ),
        ("kind: EnvoyFilter\nmetadata: { name: x }", "", "needs apiVersion: networking.istio.io/v1alpha3"),
        (
            "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: { namespace: x }", "metadata",
            "needs a name"
        ),
        ("apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nspec: {}", "", "needs metadata with a name"),
    ])
    func resourceErrors(_ text: String, _ path: String, _ message: String) {
        expectSingleError(text, path: path, message: message)
    }

    @Test func otherKindsAreSkippedWithAWarningNamingTheFileAndDocument() throws {
        let text = [
            envoyFilter(spec: "{}"),
            "apiVersion: v1\nkind: Service\nmetadata: { name: gw }",
            "apiVersion: v1\nkind: List\nitems:\n- { apiVersion: v1, kind: ConfigMap }",
        ].joined(separator: "\n---\n")
        let (filters, warnings) = try EnvoyFilterLoader.parse(text, file: "filter.yaml")
        #expect(filters.map(\.qualifiedName) == ["istio-system/gw"])
        #expect(
            warnings.map(\.description) == [
                "warning: filter.yaml document 2: skipped: kind Service is not EnvoyFilter (filter.yaml:10:7)",
                "warning: filter.yaml document 3 items[0]: skipped: kind ConfigMap is not EnvoyFilter (filter.yaml:16:27)",
            ]
        )
    }

    @Test func documentsThatAreNoResourceNameTheFileAndDocument() {
        let text = [envoyFilter(spec: "{}"), "[1, 2]", "apiVersion: v1\nmetadata: { name: x }"]
            .joined(separator: "\n---\n")
        #expect(
            loadErrors(text).map(\.description) == [
                "filter.yaml document 2: expected an EnvoyFilter, found a list (filter.yaml:9:1)",
                "filter.yaml document 3: needs kind: EnvoyFilter (filter.yaml:11:1)",
            ]
        )
    }

    @Test func pathsInAFileWithSeveralFiltersNameTheFilter() {
        let good = envoyFilter("good", spec: "{}")
        let bad = singlePatchFilter(
            "bad",
            applyTo: "LISTENER",
            match: "listener: { portNumbr: 8443 }",
            patch: "operation: REMOVE"
        )
        let unnamed = "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {}\nspec: { bogus: 1 }"
        #expect(
            loadErrors([good, bad].joined(separator: "\n---\n")).map(\.description) == [
                "istio-system/bad: spec.configPatches[0].match.listener.portNumbr: unknown field (filter.yaml:18:19)"
            ]
        )
        // A filter without a name cannot be a resource at all, so that error stops loading; spec errors wait until
        // a gateway selects a filter.
        #expect(
            loadErrors([good, bad, unnamed].joined(separator: "\n---\n")).map(\.description) == [
                "document 3: metadata: needs a name (filter.yaml:24:11)"
            ]
        )
    }

    @Test func aFilterDefinedTwice() {
        let text = [envoyFilter("twice", spec: "{}"), envoyFilter("twice", spec: "{}")].joined(separator: "\n---\n")
        #expect(
            loadErrors(text).map(\.description) == [
                "document 2: metadata.name: EnvoyFilter istio-system/twice is defined twice (first at filter.yaml:1:1) "
                    + "(filter.yaml:9:1)"
            ]
        )
    }
}
