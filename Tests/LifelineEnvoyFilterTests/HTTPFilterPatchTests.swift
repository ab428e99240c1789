import Foundation
import LifelineConfig
import LifelineEnvoyFilter
import LifelineTestSupport
import Testing

/// HTTP_FILTER patches edit the `http_filters` of the HTTP connection managers they match, as istiod's listener
/// patcher does.
@Suite("HTTP_FILTER patches")
struct HTTPFilterPatchTests {
    /// `listener` (a YAML line or two, unindented) plus a filter match on the HTTP connection manager and, if given,
    /// a subFilter match.
    static func match(port: Int? = nil, subFilter: String? = nil) -> String {
        var lines = ["listener:"]
        if let port { lines.append("  portNumber: \(port)") }
        lines += ["  filterChain:", "    filter:", "      name: envoy.filters.network.http_connection_manager"]
        if let subFilter { lines.append("      subFilter: { name: \(subFilter) }") }
        return lines.joined(separator: "\n")
    }

    static let lua = "{ name: envoy.filters.http.lua, typed_config: { \"@type\": \(luaType) } }"
    static let luaType = "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua"

    /// Each case: operation, subFilter, then the HTTP filters of the first listener (cors, router) and of the second
    /// (router) after it.
    @Test(arguments: [
        ("INSERT_BEFORE", "envoy.filters.http.router", ["cors", "lua", "router"], ["lua", "router"]),
        ("INSERT_BEFORE", "envoy.filters.http.cors", ["lua", "cors", "router"], ["router"]),
        ("INSERT_BEFORE", nil, ["lua", "cors", "router"], ["lua", "router"]),
        ("INSERT_AFTER", "envoy.filters.http.cors", ["cors", "lua", "router"], ["router"]),
        ("INSERT_FIRST", nil, ["lua", "cors", "router"], ["lua", "router"]),
        ("REPLACE", "envoy.filters.http.cors", ["lua", "router"], ["router"]),
    ])
    func listOperations(_ operation: String, _ subFilter: String?, _ first: [String], _ second: [String]) throws {
        let filter = singlePatchFilter(
            applyTo: "HTTP_FILTER",
            match: Self.match(subFilter: subFilter),
            patch: "operation: \(operation)\nvalue: \(Self.lua)"
        )
        let (tree, warnings) = try applyFilters(filter, to: httpBootstrap)
        #expect(shortNames(httpFilterNames(tree, listener: 0)) == first)
        #expect(shortNames(httpFilterNames(tree, listener: 1)) == second)
        #expect(warnings.isEmpty)
        let lua = try #require(
            httpFilters(tree, listener: 0).first { $0["name"]?.stringValue == "envoy.filters.http.lua" }
        )
        #expect(lua.provenance == "EnvoyFilter istio-system/gw patch 0")
    }

    @Test func removeTakesEveryFilterOfThatName() throws {
        let filter = singlePatchFilter(
            applyTo: "HTTP_FILTER",
            match: Self.match(subFilter: "envoy.filters.http.cors"),
            patch: "operation: REMOVE"
        )
        let (tree, warnings) = try applyFilters(filter, to: httpBootstrap)
        #expect(shortNames(httpFilterNames(tree, listener: 0)) == ["router"])
        #expect(warnings.isEmpty)
    }

    /// istiod's ADD appends, after the router; Envoy then rejects the filter chain, so Lifeline says so.
    @Test func addAppendsAfterTheRouterAndWarns() throws {
        let filter = singlePatchFilter(
            applyTo: "HTTP_FILTER",
            match: Self.match(port: 8080),
            patch: "operation: ADD\nvalue: \(Self.lua)"
        )
        let (tree, warnings) = try applyFilters(filter, to: httpBootstrap)
        #expect(shortNames(httpFilterNames(tree, listener: 0)) == ["cors", "router", "lua"])
        #expect(shortNames(httpFilterNames(tree, listener: 1)) == ["router"])
        #expect(
            warnings.map(\.description) == [
                "warning: EnvoyFilter istio-system/gw patch 0: ADD puts HTTP filter envoy.filters.http.lua after "
                    + "envoy.filters.http.router, the terminal router, as istiod does, and Envoy rejects a filter "
                    + "there; use INSERT_BEFORE with subFilter envoy.filters.http.router (filter.yaml:8:5)"
            ]
        )
    }

    @Test func mergeReachesTheNamedFilterOnly() throws {
        let filter = singlePatchFilter(
            applyTo: "HTTP_FILTER",
            match: Self.match(subFilter: "envoy.filters.http.router"),
            patch: """
                operation: MERGE
                value:
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                    suppress_envoy_headers: true
                """
        )
        let (tree, warnings) = try applyFilters(filter, to: httpBootstrap)
        #expect(warnings.isEmpty)
        let filters = httpFilters(tree, listener: 0)
        let suppress = try #require(filters[1].node("typed_config.suppress_envoy_headers"))
        #expect(suppress == ConfigTree(.bool(true)))
        #expect(suppress.provenance == "EnvoyFilter istio-system/gw patch 0")
        #expect(filters[0].node("typed_config.suppress_envoy_headers") == nil)
    }

    /// A MERGE may not change a filter's `@type`, as for network filters.
    @Test func mergeOfAnotherTypeIsAnError() throws {
        let filter = singlePatchFilter(
            applyTo: "HTTP_FILTER",
            match: Self.match(port: 8080, subFilter: "envoy.filters.http.router"),
            patch: "operation: MERGE\nvalue: { typed_config: { \"@type\": \(Self.luaType) } }"
        )
        let errors = try applyErrors(filter, to: httpBootstrap)
        #expect(errors.map(\.path) == ["spec.configPatches[0].patch.value.typed_config.@type"])
    }

    @Test func aPatchThatFindsNoConnectionManagerMatchedNothing() throws {
        let filter = singlePatchFilter(
            applyTo: "HTTP_FILTER",
            match: Self.match(subFilter: "envoy.filters.http.router"),
            patch: "operation: INSERT_BEFORE\nvalue: \(Self.lua)"
        )
        let (tree, warnings) = try applyFilters(filter)
        #expect(tree == (try ConfigLoader.parseDocument(gatewayBootstrap, file: "bootstrap.yaml")))
        #expect(
            warnings.map(\.message) == [
                "EnvoyFilter istio-system/gw patch 0 (applyTo HTTP_FILTER, filter "
                    + "envoy.filters.network.http_connection_manager, HTTP filter envoy.filters.http.router) "
                    + "matched nothing"
            ]
        )
    }

    /// The connection manager is found by its `@type`; a filter that is not one keeps its filters whatever its name.
    @Test func theConnectionManagerIsKnownByItsType() throws {
        let bootstrap = httpBootstrap.replacingOccurrences(
            of: "http_connection_manager.v3.HttpConnectionManager",
            with: "http_connection_manager.v3.Other"
        )
        let filter = singlePatchFilter(
            applyTo: "HTTP_FILTER",
            match: Self.match(),
            patch: "operation: INSERT_FIRST\nvalue: \(Self.lua)"
        )
        let (tree, warnings) = try applyFilters(filter, to: bootstrap)
        #expect(shortNames(httpFilterNames(tree, listener: 0)) == ["cors", "router"])
        #expect(warnings.count == 1)
    }

    @Test(arguments: [
        ("REMOVE", "REMOVE needs match.listener.filterChain.filter.subFilter.name"),
        ("REPLACE", "REPLACE needs match.listener.filterChain.filter.subFilter.name"),
    ])
    func removeAndReplaceNeedAnHTTPFilterToActOn(_ operation: String, _ reason: String) throws {
        let value = operation == "REMOVE" ? "" : "\nvalue: \(Self.lua)"
        let filter = singlePatchFilter(
            applyTo: "HTTP_FILTER",
            match: Self.match(),
            patch: "operation: \(operation)\(value)"
        )
        let (tree, warnings) = try applyFilters(filter, to: httpBootstrap)
        #expect(shortNames(httpFilterNames(tree, listener: 0)) == ["cors", "router"])
        #expect(warnings.count == 1)
        #expect(warnings.first?.message.hasSuffix("matched nothing; \(reason)") == true)
    }

    @Test func aDeprecatedConnectionManagerNameMatchesNothing() throws {
        let filter = singlePatchFilter(
            applyTo: "HTTP_FILTER",
            match: "listener: { filterChain: { filter: { name: envoy.http_connection_manager } } }",
            patch: "operation: INSERT_FIRST\nvalue: \(Self.lua)"
        )
        let (_, warnings) = try applyFilters(filter, to: httpBootstrap)
        #expect(
            warnings.first?.message.hasSuffix(
                "matched nothing; envoy.http_connection_manager is a deprecated filter name and istiod matches names "
                    + "exactly: match envoy.filters.network.http_connection_manager"
            ) == true
        )
    }

    /// As in istiod, a NETWORK_FILTER MERGE on the connection manager runs before its HTTP filters are patched,
    /// whatever the order the patches were written in.
    @Test func httpFilterPatchesSeeTheMergedConnectionManager() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: HTTP_FILTER
                  match:
                    listener:
                      filterChain:
                        filter:
                          name: envoy.filters.network.http_connection_manager
                          subFilter: { name: envoy.filters.http.lua }
                  patch: { operation: REMOVE }
                - applyTo: NETWORK_FILTER
                  match:
                    listener:
                      portNumber: 8080
                      filterChain: { filter: { name: envoy.filters.network.http_connection_manager } }
                  patch:
                    operation: MERGE
                    value:
                      typed_config:
                        "@type": \(TypeURL.connectionManager)
                        http_filters: [\(Self.lua)]
                """
        )
        let (tree, warnings) = try applyFilters(text, to: httpBootstrap)
        #expect(shortNames(httpFilterNames(tree, listener: 0)) == ["cors", "router"])
        #expect(warnings.isEmpty)
    }

    @Test(arguments: [
        (
            "NETWORK_FILTER", "envoy.filters.network.http_connection_manager", "{ name: r }",
            "spec.configPatches[0].match.listener.filterChain.filter.subFilter",
            "a subFilter match is valid with applyTo HTTP_FILTER only"
        ),
        (
            "HTTP_FILTER", "envoy.filters.network.tcp_proxy", "{ name: r }",
            "spec.configPatches[0].match.listener.filterChain.filter.subFilter",
            "a subFilter match needs filter.name envoy.filters.network.http_connection_manager"
        ),
        (
            "HTTP_FILTER", "envoy.filters.network.http_connection_manager", "{}",
            "spec.configPatches[0].match.listener.filterChain.filter.subFilter",
            "a subFilter match needs a name to match on"
        ),
        (
            "HTTP_FILTER", "envoy.filters.network.http_connection_manager", "{ nam: r }",
            "spec.configPatches[0].match.listener.filterChain.filter.subFilter.nam", "unknown field"
        ),
    ])
    func subFilterErrors(_ applyTo: String, _ filter: String, _ subFilter: String, _ path: String, _ message: String) {
        let text = singlePatchFilter(
            applyTo: applyTo,
            match: "listener: { filterChain: { filter: { name: \(filter), subFilter: \(subFilter) } } }",
            patch: "operation: INSERT_FIRST\nvalue: { name: x }"
        )
        let errors = loadErrors(text)
        #expect(errors.contains { $0.path == path && $0.message == message }, "\(errors)")
    }

    @Test func filterClassIsRefused() {
        let errors = loadErrors(
            singlePatchFilter(
                applyTo: "HTTP_FILTER",
                patch: "operation: ADD\nvalue: \(Self.lua)\nfilterClass: AUTHZ"
            )
        )
        #expect(errors.map(\.path) == ["spec.configPatches[0].patch.filterClass"])
    }
}

enum TypeURL {
    static let connectionManager =
        "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
}

/// The last part of each dotted name: `envoy.filters.http.router` → `router`.
func shortNames(_ names: [String?]) -> [String] {
    names.map { $0.map { String($0.split(separator: ".").last ?? "") } ?? "-" }
}

/// The `http_filters` of the first filter of the first chain of listener `listener`.
func httpFilters(_ tree: ConfigTree, listener: Int) -> [ConfigTree] {
    tree.node("static_resources.listeners[\(listener)].filter_chains[0].filters[0].typed_config.http_filters")?
        .elements ?? []
}

func httpFilterNames(_ tree: ConfigTree, listener: Int) -> [String?] {
    httpFilters(tree, listener: listener).map { $0["name"]?.stringValue }
}

/// Listener `0.0.0.0_8080` of ``httpBootstrap``.
private let plainHTTPListener = httpListener(
    name: "0.0.0.0_8080",
    port: 8080,
    chain: "http",
    statPrefix: "ingress_http",
    routeConfig: """
        name: http.8080
        virtual_hosts:
        - name: backend
          domains: ["*"]
          routes:
          - name: api
            match: { prefix: /api }
            route: { cluster: backend }
          - name: old
            match: { prefix: /old }
            redirect: { path_redirect: /new }
          - name: health
            match: { path: /healthz }
            direct_response: { status: 200 }
        """,
    httpFilters: """
        - name: envoy.filters.http.cors
          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }
        \(routerFilter)
        """
)

/// Listener `0.0.0.0_8443` of ``httpBootstrap``.
private let secureHTTPListener = httpListener(
    name: "0.0.0.0_8443",
    port: 8443,
    chain: "https",
    statPrefix: "ingress_https",
    routeConfig: """
        name: https.443.https.gw.edge
        virtual_hosts:
        - name: secure
          domains: [secure.example.com]
          routes:
          - name: all
            match: { prefix: / }
            route: { cluster: backend }
        """
)

/// A gateway bootstrap with HTTP connection managers: listener `0.0.0.0_8080` (HTTP filters cors and router; route
/// configuration `http.8080` with virtual host `backend` and routes `api` (to a cluster), `old` (a redirect) and
/// `health` (a direct response)) and listener `0.0.0.0_8443` (router only; route configuration
/// `https.443.https.gw.edge` with virtual host `secure` and route `all`); cluster `backend`.
let httpBootstrap = """
    static_resources:
      listeners:
    \(indented(plainHTTPListener, by: 2))
    \(indented(secureHTTPListener, by: 2))
      clusters:
    \(indented(backendCluster, by: 2))
    """
