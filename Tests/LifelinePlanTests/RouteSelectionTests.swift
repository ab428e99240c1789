import LifelineConfig
import LifelinePlan
import Testing

private let here = ConfigOrigin(path: "test")

private func route(
    _ name: String,
    _ path: RouteMatchPlan.PathMatch = .prefix("/"),
    caseSensitive: Bool = true,
    headers: [HeaderMatcherPlan] = [],
    grpc: Bool = false
) -> RoutePlan {
    RoutePlan(
        name: name,
        match: RouteMatchPlan(path: path, caseSensitive: caseSensitive, headers: headers, grpc: grpc),
        action: .directResponse(DirectResponsePlan(status: 200)),
        origin: here
    )
}

private func host(_ name: String, _ domains: [String], _ routes: [RoutePlan]? = nil) -> VirtualHostPlan {
    VirtualHostPlan(name: name, domains: domains, routes: routes ?? [route(name)], origin: here)
}

/// Each virtual host answers with one route named after it, so a selection reads as the host's name.
private let hosts = RouteConfigurationPlan(
    virtualHosts: [
        host("catch-all", ["*"]),
        host("exact", ["example.com"]),
        host("exact-port", ["other.com:8080"]),
        host("suffix", ["*.foo.com"]),
        host("longer-suffix", ["*.b.foo.com"]),
        host("dash-suffix", ["*-api"]),
        host("prefix", ["api.*"]),
        host("longer-prefix", ["api.v2.*"]),
    ],
    origin: here
)

private func request(
    _ authority: String = "example.com",
    _ path: String = "/",
    headers: [(String, String)] = []
) -> RouteRequest {
    RouteRequest(
        authority: authority,
        path: path,
        method: "GET",
        headers: headers.map { HeaderField(name: $0.0, value: $0.1) }
    )
}

private func selected(_ config: RouteConfigurationPlan, _ request: RouteRequest) -> String? {
    config.select(request).flatMap { config.virtualHosts[$0.virtualHost].routes[$0.route].name }
}

@Suite("Route selection as Envoy's router: virtual host by domain, then the first matching route")
struct RouteSelectionTests {
    // Checked against Envoy 1.40 with curl and direct responses: the Host is compared whole, port included.
    @Test(arguments: [
        ("example.com", "exact"),
        ("EXAMPLE.com", "exact"),
        ("example.com:8080", "catch-all"),
        ("other.com:8080", "exact-port"),
        ("other.com", "catch-all"),
        ("x.foo.com", "suffix"),
        ("x.foo.com:8080", "catch-all"),
        (".foo.com", "catch-all"),
        ("a.b.foo.com", "longer-suffix"),
        ("b.foo.com", "suffix"),
        ("payments-api", "dash-suffix"),
        ("-api", "catch-all"),
        ("api.example.org", "prefix"),
        ("api.example.org:8080", "prefix"),
        ("api.v2.x", "longer-prefix"),
        ("api.", "catch-all"),
        // A suffix wildcard beats a prefix wildcard, whatever their lengths.
        ("api.foo.com", "suffix"),
    ])
    func virtualHostByDomain(_ authority: String, _ expected: String) {
        #expect(selected(hosts, request(authority)) == expected)
    }

    @Test(arguments: [
        ("example.com:8080", "exact"),
        ("example.com", "exact"),
        ("x.foo.com:443", "suffix"),
        ("[::1]:8080", "v6"),
        ("[::1]", "v6"),
        ("other.com:8080", "catch-all"),
    ])
    func ignoringThePort(_ authority: String, _ expected: String) {
        var config = hosts
        config.virtualHosts.append(host("v6", ["[::1]"]))
        config.ignorePortInHostMatching = true
        #expect(selected(config, request(authority)) == expected)
    }

    @Test func noCatchAllMeansNoRoute() {
        let config = RouteConfigurationPlan(virtualHosts: [host("exact", ["example.com"])], origin: here)
        #expect(config.select(request("other.com")) == nil)
        #expect(config.select(request("example.com")) == RouteSelection(virtualHost: 0, route: 0))
    }

    @Test(arguments: [
        ("/api/v1?x=/admin", "api-prefix"),
        ("/API/v1", "ci-prefix"),
        ("/exact?q=1", "exact-path"),
        ("/exact#frag", "exact-path"),
        ("/exact/", "fallback"),
        ("/EXACT", "fallback"),
        ("/v12/items", "regex"),
        ("/v12/items?x", "regex"),
        ("/v/items", "fallback"),
        ("/other", "fallback"),
    ])
    func pathMatching(_ path: String, _ expected: String) {
        let config = RouteConfigurationPlan(
            virtualHosts: [
                host(
                    "vh",
                    ["*"],
                    [
                        route("api-prefix", .prefix("/api")),
                        route("ci-prefix", .prefix("/api"), caseSensitive: false),
                        route("exact-path", .path("/exact")),
                        route("regex", .regex("/v[0-9]+/.*")),
                        route("fallback", .prefix("/")),
                    ]
                )
            ],
            origin: here
        )
        #expect(selected(config, request("x", path)) == expected)
    }

    @Test(arguments: [
        ("application/grpc", "grpc"),
        ("application/grpc+proto", "grpc"),
        ("application/grpc-web", "plain"),
        ("application/json", "plain"),
        ("Application/grpc", "plain"),
    ])
    func grpcMatch(_ contentType: String, _ expected: String) {
        let config = RouteConfigurationPlan(
            virtualHosts: [host("vh", ["*"], [route("grpc", grpc: true), route("plain")])],
            origin: here
        )
        #expect(selected(config, request("x", "/svc/Method", headers: [("content-type", contentType)])) == expected)
    }

    @Test(arguments: [
        ([("x-env", "prod")], "exact"),
        ([("x-env", "production")], "prefix"),
        ([("x-env", "PRE-prod")], "ignore-case-suffix"),
        ([("x-env", "a-staging-b")], "contains"),
        ([("x-env", "dev42")], "regex"),
        ([("x-env", "dev42x")], "inverted"),
        ([("x-env", "prod"), ("x-env", "eu")], "split-values"),
        ([("x-other", "1")], "absent"),
        ([], "absent"),
    ])
    func headerMatching(_ headers: [(String, String)], _ expected: String) {
        func matcher(_ match: HeaderMatcherPlan.Match, invert: Bool = false, ignoreCase: Bool = false)
            -> [HeaderMatcherPlan]
        {
            [HeaderMatcherPlan(name: "x-env", match: match, invert: invert, ignoreCase: ignoreCase)]
        }
        let config = RouteConfigurationPlan(
            virtualHosts: [
                host(
                    "vh",
                    ["*"],
                    [
                        route("split-values", headers: matcher(.exact("prod,eu"))),
                        route("exact", headers: matcher(.exact("prod"))),
                        route("prefix", headers: matcher(.prefix("prod"))),
                        route("ignore-case-suffix", headers: matcher(.suffix("-PROD"), ignoreCase: true)),
                        route("contains", headers: matcher(.contains("staging"))),
                        route("regex", headers: matcher(.regex("dev[0-9]+"))),
                        // A missing header does not match an inverted value matcher.
                        route("inverted", headers: matcher(.exact("nothing"), invert: true)),
                        route("absent", headers: matcher(.present(false))),
                    ]
                )
            ],
            origin: here
        )
        #expect(selected(config, request("x", "/", headers: headers)) == expected)
    }

    @Test func invertedPresenceAndPseudoHeaders() {
        let config = RouteConfigurationPlan(
            virtualHosts: [
                host(
                    "vh",
                    ["*"],
                    [
                        route(
                            "post-only",
                            headers: [HeaderMatcherPlan(name: ":method", match: .exact("POST"))]
                        ),
                        route(
                            "has-debug",
                            headers: [HeaderMatcherPlan(name: "x-debug", match: .present(false), invert: true)]
                        ),
                    ]
                )
            ],
            origin: here
        )
        #expect(selected(config, RouteRequest(authority: "x", path: "/", method: "POST", headers: [])) == "post-only")
        #expect(selected(config, request("x", "/", headers: [("x-debug", "")])) == "has-debug")
        #expect(selected(config, request("x", "/")) == nil)
    }

    @Test func weightedClusterChoiceFollowsEnvoysModulo() {
        let forward = ForwardPlan(clusters: [
            WeightedClusterPlan(cluster: "a", weight: 90),
            WeightedClusterPlan(cluster: "zero", weight: 0),
            WeightedClusterPlan(cluster: "b", weight: 10),
        ])
        #expect(forward.totalWeight == 100)
        #expect(forward.clusterIndex(random: 0) == 0)
        #expect(forward.clusterIndex(random: 89) == 0)
        #expect(forward.clusterIndex(random: 90) == 2)
        #expect(forward.clusterIndex(random: 99) == 2)
        #expect(forward.clusterIndex(random: 100) == 0)
        let picks = (0..<1000 as Range<UInt64>).map { forward.clusterIndex(random: $0 &* 7919) }
        #expect(picks.filter { $0 == 2 }.count == 100)
        #expect(!picks.contains(1))
    }
}
