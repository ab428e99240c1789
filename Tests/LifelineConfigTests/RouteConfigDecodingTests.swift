import LifelineConfig
import LifelineTestSupport
import Testing

@Suite("route_config: virtual hosts, routes, matches, actions and header mutations")
struct RouteConfigDecodingTests {
    @Test func everyRouteField() throws {
        let manager = try decodeManager(
            httpConfig(
                routeConfig: """
                    name: gateway
                    most_specific_header_mutations_wins: true
                    ignore_port_in_host_matching: true
                    request_headers_to_add: [{ header: { key: X-Gateway, value: lifeline } }]
                    response_headers_to_remove: [Server]
                    virtual_hosts:
                    - name: api
                      domains: [API.Example.com, "*.example.com:8443", "api.*"]
                      request_headers_to_remove: [x-debug]
                      response_headers_to_add:
                      - { header: { key: X-Served-By, value: "%HOSTNAME%" }, append_action: OVERWRITE_IF_EXISTS_OR_ADD }
                      routes:
                      - name: grpc
                        match:
                          prefix: /Echo
                          case_sensitive: false
                          grpc: {}
                          headers:
                          - { name: X-Exact, exact_match: a }
                          - { name: x-prefix, prefix_match: b }
                          - { name: x-suffix, suffix_match: c }
                          - { name: x-contains, contains_match: d }
                          - { name: x-regex, safe_regex_match: { regex: "e+" } }
                          - { name: x-present, present_match: false }
                          - { name: x-string, string_match: { prefix: F, ignore_case: true }, invert_match: true }
                          - { name: x-any }
                        route:
                          cluster: grpc
                          timeout: 0s
                          idle_timeout: 600s
                          prefix_rewrite: /
                          host_rewrite_literal: echo.internal
                          max_stream_duration: { max_stream_duration: 0s, grpc_timeout_header_max: 60s, grpc_timeout_header_offset: 0.1s }
                        request_headers_to_add:
                        - { header: { key: x-a, value: "1" }, append: false }
                        - { header: { key: x-b, value: "" }, keep_empty_value: true, append_action: ADD_IF_ABSENT }
                      - match: { path: /exact }
                        route:
                          weighted_clusters:
                            clusters:
                            - { name: backend, weight: 90, request_headers_to_add: [{ header: { key: x-canary, value: "no" } }] }
                            - { name: grpc, weight: 10 }
                      - match: { safe_regex: { regex: "/v[0-9]+/.*" } }
                        direct_response: { status: 503, body: { inline_string: down } }
                      - match: { prefix: /old }
                        redirect: { https_redirect: true, host_redirect: new.example.com, port_redirect: 8443, prefix_rewrite: /new, response_code: PERMANENT_REDIRECT, strip_query: true }
                    """
            )
        )
        let config = manager.routeConfig
        #expect(config.name == "gateway")
        #expect(config.mostSpecificHeaderMutationsWins)
        #expect(config.ignorePortInHostMatching)
        #expect(config.headers.requestHeadersToAdd == [HeaderValueOptionConfig(name: "x-gateway", value: "lifeline")])
        #expect(config.headers.responseHeadersToRemove == ["server"])
        let host = try #require(config.virtualHosts.first)
        #expect(host.name == "api")
        #expect(host.domains == ["api.example.com", "*.example.com:8443", "api.*"])
        #expect(host.headers.requestHeadersToRemove == ["x-debug"])
        #expect(
            host.headers.responseHeadersToAdd == [
                HeaderValueOptionConfig(name: "x-served-by", value: "%HOSTNAME%", appendAction: .overwriteIfExistsOrAdd)
            ]
        )
        #expect(host.routes.count == 4)

        let grpc = host.routes[0]
        #expect(grpc.name == "grpc")
        #expect(grpc.match.path == .prefix("/Echo"))
        #expect(grpc.match.caseSensitive == false)
        #expect(grpc.match.grpc)
        #expect(
            grpc.match.headers == [
                HeaderMatcherConfig(name: "x-exact", match: .exact("a")),
                HeaderMatcherConfig(name: "x-prefix", match: .prefix("b")),
                HeaderMatcherConfig(name: "x-suffix", match: .suffix("c")),
                HeaderMatcherConfig(name: "x-contains", match: .contains("d")),
                HeaderMatcherConfig(name: "x-regex", match: .regex("e+")),
                HeaderMatcherConfig(name: "x-present", match: .present(false)),
                HeaderMatcherConfig(name: "x-string", match: .prefix("F"), invert: true, ignoreCase: true),
                HeaderMatcherConfig(name: "x-any", match: .present(true)),
            ]
        )
        guard case .forward(let forward) = grpc.action else {
            Issue.record("expected a forwarding route")
            return
        }
        #expect(forward.clusters.map(\.name) == ["grpc"])
        #expect(forward.clusters.map(\.weight) == [1])
        #expect(forward.timeout?.value == .zero)
        #expect(forward.timeout?.origin.path.hasSuffix("virtual_hosts[0].routes[0].route.timeout") == true)
        #expect(forward.idleTimeout?.value == .seconds(600))
        #expect(forward.prefixRewrite == "/")
        #expect(forward.hostRewriteLiteral == "echo.internal")
        #expect(forward.maxStreamDuration?.maxStreamDuration?.value == .zero)
        #expect(forward.maxStreamDuration?.grpcTimeoutHeaderMax?.value == .seconds(60))
        #expect(forward.maxStreamDuration?.grpcTimeoutHeaderOffset?.value == .milliseconds(100))
        #expect(
            grpc.headers.requestHeadersToAdd == [
                HeaderValueOptionConfig(name: "x-a", value: "1", appendAction: .overwriteIfExistsOrAdd),
                HeaderValueOptionConfig(name: "x-b", value: "", appendAction: .addIfAbsent, keepEmptyValue: true),
            ]
        )

        let weighted = host.routes[1]
        #expect(weighted.match.path == .path("/exact"))
        guard case .forward(let split) = weighted.action else {
            Issue.record("expected a forwarding route")
            return
        }
        #expect(split.clusters.map(\.name) == ["backend", "grpc"])
        #expect(split.clusters.map(\.weight) == [90, 10])
        #expect(split.clusters[0].headers.requestHeadersToAdd.map(\.name) == ["x-canary"])
        #expect(split.timeout == nil)

        #expect(host.routes[2].match.path == .regex("/v[0-9]+/.*"))
        guard case .directResponse(let direct) = host.routes[2].action else {
            Issue.record("expected a direct response")
            return
        }
        #expect(direct.status == 503)
        #expect(direct.body?.source == .inlineString("down"))

        guard case .redirect(let redirect) = host.routes[3].action else {
            Issue.record("expected a redirect")
            return
        }
        #expect(redirect.scheme == "https")
        #expect(redirect.host == "new.example.com")
        #expect(redirect.port == 8443)
        #expect(redirect.prefixRewrite == "/new")
        #expect(redirect.responseCode == 308)
        #expect(redirect.stripQuery)
    }

    @Test func routesToUnknownClustersAreErrors() {
        let diagnostics = decodeErrors(
            httpConfig(
                routeConfig: routesConfig(
                    """
                    - match: { prefix: /a }
                      route: { cluster: nope }
                    - match: { prefix: /b }
                      route: { weighted_clusters: { clusters: [{ name: backend, weight: 1 }, { name: gone, weight: 1 }] } }
                    """
                )
            )
        )
        let routes = "\(managerPath).route_config.virtual_hosts[0].routes"
        #expect(
            diagnostics.map { "\($0.path): \($0.message)" } == [
                "\(routes)[0].route.cluster: no cluster named \"nope\"",
                "\(routes)[1].route.weighted_clusters.clusters[1].name: no cluster named \"gone\"",
            ]
        )
    }

    @Test func duplicateDomainsAndTwoCatchAllsAreErrors() {
        let diagnostics = decodeErrors(
            httpConfig(
                routeConfig: """
                    name: rc
                    virtual_hosts:
                    - { name: a, domains: [example.com, "*"], routes: [] }
                    - { name: b, domains: [Example.COM, "*"], routes: [] }
                    """
            )
        )
        let hosts = "\(managerPath).route_config.virtual_hosts"
        #expect(
            diagnostics.map { "\($0.path): \($0.message)" } == [
                "\(hosts)[1].domains[0]: domain \"example.com\" is listed twice (first at \(hosts)[0].domains[0]); "
                    + "Envoy permits only unique domains in a route configuration",
                "\(hosts)[1].domains[1]: only one virtual host may list the domain \"*\" (first at "
                    + "\(hosts)[0].domains[1]); Envoy: \"Only a single wildcard domain is permitted in route rc\"",
            ]
        )
    }

    @Test(arguments: ["*.foo.*", "foo.*.com"])
    func aStarThatIsNoWildcardIsAcceptedWithAWarning(_ domain: String) throws {
        // Envoy 1.40 accepts both and compares the inner "*" literally.
        let (bootstrap, warnings) = try decodeWithWarnings(
            httpConfig(routeConfig: "virtual_hosts: [{ name: a, domains: [\"\(domain)\"], routes: [] }]")
        )
        #expect(bootstrap.listeners.count == 1)
        #expect(warnings.map(\.path) == ["\(managerPath).route_config.virtual_hosts[0].domains[0]"])
        #expect(warnings.first?.message.hasPrefix("Envoy treats only one \"*\"") == true)
    }

    @Test(arguments: [
        (
            "- match: { prefix: / }\n  route: { cluster: backend }\n  request_headers_to_add: [{ header: { key: \":path\", value: x } }]",
            "routes[0].request_headers_to_add[0].header.key", "pseudo-headers (\":…\") and host may not be modified"
        ),
        (
            "- match: { prefix: / }\n  route: { cluster: backend }\n  request_headers_to_add: [{ header: { key: Host, value: x } }]",
            "routes[0].request_headers_to_add[0].header.key", "pseudo-headers (\":…\") and host may not be modified"
        ),
        (
            "- match: { prefix: / }\n  route: { cluster: backend }\n  request_headers_to_remove: [host]",
            "routes[0].request_headers_to_remove[0]", "pseudo-headers (\":…\") and host may not be removed"
        ),
        (
            "- match: { prefix: / }\n  route: { cluster: backend }\n  request_headers_to_add: [{ header: { key: x, value: y }, append: true, append_action: ADD_IF_ABSENT }]",
            "routes[0].request_headers_to_add[0].append_action",
            "give only one of append (deprecated) and append_action"
        ),
        (
            "- match: { prefix: / }\n  route: { weighted_clusters: { clusters: [{ name: backend, weight: 0 }] } }",
            "routes[0].route.weighted_clusters.clusters",
            "the weights of weighted_clusters add up to 0; Envoy needs a sum greater than 0"
        ),
        (
            "- match: { prefix: / }\n  direct_response: { status: 100 }", "routes[0].direct_response.status",
            "100 is out of range 200...599"
        ),
        (
            "- match: { prefix: / }\n  direct_response: { status: 200, body: { inline_string: \(String(repeating: "x", count: 4097)) } }",
            "routes[0].direct_response.body", "the body is 4097 bytes; Envoy's maximum is 4096"
        ),
        (
            "- match: { safe_regex: { regex: \"(\" } }\n  route: { cluster: backend }",
            "routes[0].match.safe_regex.regex",
            "invalid regex"
        ),
        (
            "- match: { prefix: /, path: /x }\n  route: { cluster: backend }", "routes[0].match.path",
            "give only one of prefix, path and safe_regex"
        ),
        ("- match: { prefix: / }", "routes[0]", "a route needs one of route, redirect and direct_response"),
        (
            "- match: { prefix: / }\n  route: { weighted_clusters: { clusters: [{ name: backend }] } }",
            "routes[0].route.weighted_clusters.clusters[0]", "a weighted cluster needs a weight"
        ),
        (
            "- match: { prefix: / }\n  route: { cluster: backend }\n  redirect: {}", "routes[0].redirect",
            "give only one of route, redirect and direct_response"
        ),
        (
            "- match: { path_separated_prefix: /api }\n  route: { cluster: backend }",
            "routes[0].match.path_separated_prefix", "Envoy field not supported by Lifeline"
        ),
        (
            "- match: { prefix: / }\n  route: { cluster: backend, retry_policy: {} }", "routes[0].route.retry_policy",
            "Envoy field not supported by Lifeline"
        ),
        (
            "- match: { prefix: /, headers: [{ name: x, prefix_match: \"\" }] }\n  route: { cluster: backend }",
            "routes[0].match.headers[0].prefix_match", "must not be empty"
        ),
    ])
    func routeErrors(_ routes: String, _ path: String, _ message: String) {
        let diagnostics = decodeErrors(httpConfig(routeConfig: routesConfig(routes)))
        #expect(diagnostics.count == 1, "\(diagnostics)")
        #expect(diagnostics.first?.path == "\(managerPath).route_config.virtual_hosts[0].\(path)")
        #expect(diagnostics.first?.message.hasPrefix(message) == true, "\(diagnostics)")
    }

    @Test func aVirtualHostNeedsDomains() {
        expectSingleError(
            httpConfig(routeConfig: "virtual_hosts: [{ name: a, domains: [], routes: [] }]"),
            path: "\(managerPath).route_config.virtual_hosts[0].domains",
            message: "a virtual host needs domains, e.g. [\"*\"] for every Host"
        )
    }
}
