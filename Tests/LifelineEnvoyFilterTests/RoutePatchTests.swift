import Foundation
import LifelineConfig
import LifelineEnvoyFilter
import Testing

/// ROUTE_CONFIGURATION, VIRTUAL_HOST and HTTP_ROUTE patches edit the route configurations inline in the HTTP
/// connection managers, by istiod's rules for a gateway.
@Suite("Route configuration, virtual host and route patches")
struct RoutePatchTests {
    /// `route_config` of listener `listener`.
    static func routes(_ tree: ConfigTree, listener: Int) -> ConfigTree? {
        tree.node("static_resources.listeners[\(listener)].filter_chains[0].filters[0].typed_config.route_config")
    }

    static func hostNames(_ tree: ConfigTree, listener: Int) -> [String?] {
        (routes(tree, listener: listener)?.node("virtual_hosts")?.elements ?? []).map { $0["name"]?.stringValue }
    }

    static func routeNames(_ tree: ConfigTree, listener: Int, host: Int = 0) -> [String?] {
        (routes(tree, listener: listener)?.node("virtual_hosts[\(host)].routes")?.elements ?? [])
            .map { $0["name"]?.stringValue }
    }

    @Test(arguments: [
        ("{ portNumber: 8080 }", [true, false]),
        ("{ name: https.443.https.gw.edge }", [false, true]),
        ("{ gateway: edge/gw }", [false, true]),
        ("{ portName: https, gateway: edge/gw }", [false, true]),
        ("{ gateway: gw/edge }", [false, false]),
        ("{ portNumber: 8443 }", [false, true]),
        ("{ portNumber: 443 }", [false, true]),
        ("{ portNumber: 444 }", [false, false]),
        ("{}", [true, true]),
    ])
    func routeConfigurationMatch(_ match: String, _ patched: [Bool]) throws {
        let filter = singlePatchFilter(
            applyTo: "ROUTE_CONFIGURATION",
            match: "routeConfiguration: \(match)",
            patch: "operation: MERGE\nvalue: { validate_clusters: false }"
        )
        let (tree, warnings) = try applyFilters(filter, to: httpBootstrap)
        let validate = [0, 1].map { Self.routes(tree, listener: $0)?["validate_clusters"] }
        #expect(validate.map { $0 != nil } == patched)
        #expect(validate.compactMap(\.self).allSatisfy { $0.provenance == "EnvoyFilter istio-system/gw patch 0" })
        #expect(warnings.count == (patched.contains(true) ? 0 : 1))
    }

    @Test func virtualHostOperations() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: VIRTUAL_HOST
                  match: { routeConfiguration: { portNumber: 8080 } }
                  patch: { operation: ADD, value: { name: added, domains: [added.example.com] } }
                - applyTo: VIRTUAL_HOST
                  match: { routeConfiguration: { vhost: { name: backend } } }
                  patch: { operation: MERGE, value: { domains: [backend.example.com] } }
                - applyTo: VIRTUAL_HOST
                  match: { routeConfiguration: { vhost: { name: secure } } }
                  patch: { operation: REPLACE, value: { name: replaced, domains: ["*"] } }
                - applyTo: VIRTUAL_HOST
                  match: { routeConfiguration: { vhost: { name: added } } }
                  patch: { operation: REMOVE }
                """
        )
        let (tree, warnings) = try applyFilters(text, to: httpBootstrap)
        // The added host is not seen by the REMOVE of the same run, which therefore matched nothing.
        #expect(Self.hostNames(tree, listener: 0) == ["backend", "added"])
        #expect(Self.hostNames(tree, listener: 1) == ["replaced"])
        let domains = Self.routes(tree, listener: 0)?.node("virtual_hosts[0].domains")?.elements
        #expect(domains?.map(\.stringValue) == ["*", "backend.example.com"])
        #expect(warnings.map(\.message).map { $0.hasSuffix("matched nothing") } == [true])
        #expect(warnings.first?.message.contains("patch 3") == true)
    }

    @Test func aRemovedVirtualHostGoes() throws {
        let filter = singlePatchFilter(
            applyTo: "VIRTUAL_HOST",
            match: "routeConfiguration: { vhost: { name: secure } }",
            patch: "operation: REMOVE"
        )
        let (tree, warnings) = try applyFilters(filter, to: httpBootstrap)
        #expect(Self.hostNames(tree, listener: 0) == ["backend"])
        #expect(Self.hostNames(tree, listener: 1) == [])
        #expect(warnings.isEmpty)
    }

    @Test(arguments: [
        ("INSERT_BEFORE", "{ name: old }", ["api", "new", "old", "health"]),
        ("INSERT_AFTER", "{ name: old }", ["api", "old", "new", "health"]),
        ("INSERT_AFTER", nil, ["api", "old", "health", "new"]),
        ("INSERT_BEFORE", nil, ["new", "api", "old", "health"]),
        ("INSERT_FIRST", "{ name: health }", ["new", "api", "old", "health"]),
        ("ADD", "{ name: old }", ["api", "old", "health", "new"]),
        ("INSERT_BEFORE", "{ action: DIRECT_RESPONSE }", ["api", "old", "new", "health"]),
        ("INSERT_AFTER", "{ action: ROUTE }", ["api", "new", "old", "health"]),
    ])
    func routeInsertions(_ operation: String, _ route: String?, _ expected: [String]) throws {
        let vhost = route.map { "{ name: backend, route: \($0) }" } ?? "{ name: backend }"
        let filter = singlePatchFilter(
            applyTo: "HTTP_ROUTE",
            match: "routeConfiguration: { vhost: \(vhost) }",
            patch: "operation: \(operation)\nvalue: { name: new, match: { prefix: /new }, route: { cluster: backend } }"
        )
        let (tree, warnings) = try applyFilters(filter, to: httpBootstrap)
        #expect(Self.routeNames(tree, listener: 0) == expected)
        #expect(Self.routeNames(tree, listener: 1) == ["all"])
        #expect(warnings.isEmpty)
    }

    /// INSERT_FIRST with a route match inserts only where such a route is.
    @Test func insertFirstNeedsTheRouteItNames() throws {
        let filter = singlePatchFilter(
            applyTo: "HTTP_ROUTE",
            match: "routeConfiguration: { vhost: { route: { name: all } } }",
            patch: "operation: INSERT_FIRST\nvalue: { name: new, match: { prefix: / }, route: { cluster: backend } }"
        )
        let (tree, warnings) = try applyFilters(filter, to: httpBootstrap)
        #expect(Self.routeNames(tree, listener: 0) == ["api", "old", "health"])
        #expect(Self.routeNames(tree, listener: 1) == ["new", "all"])
        #expect(warnings.isEmpty)
    }

    @Test(arguments: [
        ("{ name: api }", ["old", "health"]),
        ("{ action: REDIRECT }", ["api", "health"]),
        ("{ action: ANY }", []),
        ("{ name: api, action: REDIRECT }", ["api", "old", "health"]),
    ])
    func routeRemoval(_ route: String, _ expected: [String]) throws {
        let filter = singlePatchFilter(
            applyTo: "HTTP_ROUTE",
            match: "routeConfiguration: { portNumber: 8080, vhost: { route: \(route) } }",
            patch: "operation: REMOVE"
        )
        let (tree, _) = try applyFilters(filter, to: httpBootstrap)
        #expect(Self.routeNames(tree, listener: 0) == expected)
        #expect(Self.routeNames(tree, listener: 1) == ["all"])
    }

    @Test func routeMerge() throws {
        let filter = singlePatchFilter(
            applyTo: "HTTP_ROUTE",
            match: "routeConfiguration: { vhost: { name: backend, route: { name: api } } }",
            patch: "operation: MERGE\nvalue: { route: { timeout: 0s } }"
        )
        let (tree, warnings) = try applyFilters(filter, to: httpBootstrap)
        let route = try #require(Self.routes(tree, listener: 0)?.node("virtual_hosts[0].routes[0].route"))
        #expect(route["cluster"]?.stringValue == "backend")
        #expect(route["timeout"]?.provenance == "EnvoyFilter istio-system/gw patch 0")
        #expect(Self.routes(tree, listener: 0)?.node("virtual_hosts[0].routes[1].route") == nil)
        #expect(warnings.isEmpty)
    }

    /// Route configuration patches run before the listeners are patched, as istiod patches a route configuration
    /// when it builds it: a LISTENER MERGE that moves the listener does not move its routes out of reach.
    @Test func routesArePatchedBeforeListeners() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: LISTENER
                  match: { listener: { portNumber: 8443 } }
                  patch: { operation: MERGE, value: { address: { socket_address: { port_value: 9443 } } } }
                - applyTo: ROUTE_CONFIGURATION
                  match: { routeConfiguration: { portNumber: 8443 } }
                  patch: { operation: MERGE, value: { validate_clusters: false } }
                """
        )
        let (tree, warnings) = try applyFilters(text, to: httpBootstrap)
        #expect(Self.routes(tree, listener: 1)?["validate_clusters"] != nil)
        #expect(tree.node("static_resources.listeners[1].address.socket_address.port_value")?.numberText == "9443")
        #expect(warnings.isEmpty)
    }

    @Test(arguments: [
        (
            "ROUTE_CONFIGURATION", "operation: ADD\nvalue: { name: x }", "spec.configPatches[0].patch.operation",
            "ADD is not valid with applyTo ROUTE_CONFIGURATION (istiod would ignore the patch); use one of MERGE"
        ),
        (
            "VIRTUAL_HOST", "operation: INSERT_FIRST\nvalue: { name: x }", "spec.configPatches[0].patch.operation",
            "INSERT_FIRST is not valid with applyTo VIRTUAL_HOST (istiod would ignore the patch); use one of MERGE, "
                + "ADD, REMOVE, REPLACE"
        ),
        (
            "HTTP_ROUTE", "operation: REPLACE\nvalue: { name: x }", "spec.configPatches[0].patch.operation",
            "REPLACE is not valid with applyTo HTTP_ROUTE (istiod would ignore the patch); use one of MERGE, ADD, "
                + "REMOVE, INSERT_BEFORE, INSERT_AFTER, INSERT_FIRST"
        ),
    ])
    func operationsPerKind(_ applyTo: String, _ patch: String, _ path: String, _ message: String) {
        let errors = loadErrors(singlePatchFilter(applyTo: applyTo, patch: patch))
        #expect(errors.map(\.path) == [path])
        #expect(errors.map(\.message) == [message])
    }

    @Test(arguments: [
        (
            "VIRTUAL_HOST", "listener: { portNumber: 8080 }", "spec.configPatches[0].match.listener",
            "applyTo VIRTUAL_HOST matches route configurations; use match.routeConfiguration"
        ),
        (
            "HTTP_FILTER", "routeConfiguration: { portNumber: 8080 }", "spec.configPatches[0].match.routeConfiguration",
            "applyTo HTTP_FILTER matches listener objects; use match.listener"
        ),
        (
            "CLUSTER", "routeConfiguration: { portNumber: 8080 }", "spec.configPatches[0].match.routeConfiguration",
            "applyTo CLUSTER matches clusters; use match.cluster"
        ),
        (
            "HTTP_ROUTE", "routeConfiguration: { vhost: { route: { action: FORWARD } } }",
            "spec.configPatches[0].match.routeConfiguration.vhost.route.action",
            "unknown action \"FORWARD\"; expected one of ANY, ROUTE, REDIRECT, DIRECT_RESPONSE"
        ),
        (
            "HTTP_ROUTE", "routeConfiguration: { vhost: { domainName: x } }",
            "spec.configPatches[0].match.routeConfiguration.vhost.domainName", "unknown field"
        ),
    ])
    func matchErrors(_ applyTo: String, _ match: String, _ path: String, _ message: String) {
        let errors = loadErrors(singlePatchFilter(applyTo: applyTo, match: match, patch: "operation: REMOVE"))
        #expect(errors.map(\.path) == [path])
        #expect(errors.map(\.message) == [message])
    }

    @Test func matchFieldsWithoutEffectAreWarnings() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: ROUTE_CONFIGURATION
                  match: { routeConfiguration: { portNumber: 8080, vhost: { name: backend } } }
                  patch: { operation: MERGE, value: { validate_clusters: false } }
                - applyTo: VIRTUAL_HOST
                  match: { routeConfiguration: { vhost: { name: backend, route: { name: api } } } }
                  patch: { operation: MERGE, value: { domains: [x] } }
                """
        )
        let warnings = try parseFilters(text).flatMap(\.warnings)
        #expect(
            warnings.map(\.path) == [
                "spec.configPatches[0].match.routeConfiguration.vhost",
                "spec.configPatches[1].match.routeConfiguration.vhost.route",
            ]
        )
    }

    @Test func theMatchInBothSpellings() throws {
        let camel = singlePatchFilter(
            applyTo: "HTTP_ROUTE",
            match: "routeConfiguration: { portNumber: 8443, portName: https, gateway: edge/gw, name: r, "
                + "vhost: { name: secure, route: { name: all, action: ROUTE } } }",
            patch: "operation: REMOVE"
        )
        let snake = camel.replacingOccurrences(of: "routeConfiguration", with: "route_configuration")
            .replacingOccurrences(of: "portNumber", with: "port_number")
            .replacingOccurrences(of: "portName", with: "port_name")
        #expect(snake != camel)
        for text in [camel, snake] {
            let filter = try #require(try parseFilters(text).first)
            #expect(filter.errors.isEmpty)
            let match = try #require(filter.configPatches.first?.match.routeConfiguration)
            #expect(match.portNumber == 8443)
            #expect(match.portName == "https")
            #expect(match.gateway == "edge/gw")
            #expect(match.name == "r")
            #expect(match.virtualHost?.name == "secure")
            #expect(match.virtualHost?.route?.name == "all")
            #expect(match.virtualHost?.route?.action == .route)
        }
    }

    /// A patch meant for sidecars is listed, not applied, as for the other kinds.
    @Test func aSidecarRoutePatchIsNotSelected() throws {
        let filter = singlePatchFilter(
            applyTo: "HTTP_ROUTE",
            match: "context: SIDECAR_OUTBOUND\nrouteConfiguration: { vhost: { route: { name: api } } }",
            patch: "operation: REMOVE"
        )
        let outcome = try applyOutcome(filter, to: httpBootstrap)
        #expect(Self.routeNames(outcome.tree, listener: 0) == ["api", "old", "health"])
        #expect(
            outcome.notSelected.map(\.description) == [
                "istio-system/gw: not selected: context SIDECAR_OUTBOUND does not apply to a gateway"
            ]
        )
        #expect(outcome.warnings.isEmpty)
    }
}
