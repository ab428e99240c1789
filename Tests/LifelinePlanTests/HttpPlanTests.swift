import Foundation
import LifelineConfig
import LifelinePlan
import LifelineTestSupport
import Testing

/// A bootstrap with one listener `web` (0.0.0.0:8080, chain `http`) ending in an http_connection_manager with
/// `manager` (YAML in its typed_config, unindented) and `routes` (the routes of virtual host `app`, unindented);
/// clusters `backend` (with `clusterFields`, unindented) and `grpc`.
func httpGateway(manager: String = "", routes: String? = nil, clusterFields: String = "") -> String {
    let routeList =
        routes ?? """
            - match: { prefix: / }
              route: { cluster: backend }
            """
    return httpConfig(
        listener: "web",
        chain: "http",
        statPrefix: "web",
        managerFields: manager,
        routeConfig: routesConfig(routeList, virtualHost: "app"),
        clusterFields: clusterFields
    )
}

func plannedManager(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
    -> HttpConnectionManagerPlan
{
    try #require(try planConfig(text).listeners.first?.filterChains.first?.httpConnectionManager)
}

@Suite("http_connection_manager plans: Envoy's defaults, 0s as off, clusters' upstream HTTP")
struct HttpPlanTests {
    @Test func envoysDefaultsWhereTheConfigIsSilent() throws {
        let manager = try plannedManager(httpGateway())
        #expect(manager.codecType == .auto)
        #expect(manager.streamIdleTimeout == .seconds(300))
        #expect(manager.requestTimeout == nil)
        #expect(manager.requestHeadersTimeout == nil)
        #expect(manager.idleTimeout == .seconds(3600))
        #expect(manager.maxConnectionDuration == nil)
        #expect(manager.maxStreamDuration == nil)
        #expect(manager.maxRequestHeadersKb == 60)
        #expect(manager.headersWithUnderscoresAction == .allow)
        #expect(manager.http2 == Http2ProtocolOptionsPlan())
        #expect(manager.fieldOrigins.isEmpty)
        let route = try #require(manager.routeConfig.virtualHosts.first?.routes.first)
        guard case .forward(let forward) = route.action else {
            Issue.record("expected a forwarding route")
            return
        }
        #expect(forward.timeout == .seconds(15))
        #expect(forward.timeoutOrigin == nil)
        #expect(forward.idleTimeout == nil)
        #expect(forward.clusters == [WeightedClusterPlan(cluster: "backend")])
    }

    @Test func zeroTurnsTimeoutsOffAndWrittenValuesKeepTheirPath() throws {
        let manager = try plannedManager(
            httpGateway(
                manager: """
                    stream_idle_timeout: 0s
                    request_timeout: 10s
                    common_http_protocol_options: { idle_timeout: 0s, max_connection_duration: 7200s }
                    http2_protocol_options: { connection_keepalive: { interval: 30s, timeout: 5s } }
                    """,
                routes: """
                    - match: { prefix: / }
                      route: { cluster: backend, timeout: 0s, idle_timeout: 0s }
                    """
            )
        )
        #expect(manager.streamIdleTimeout == nil)
        #expect(manager.requestTimeout == .seconds(10))
        #expect(manager.idleTimeout == nil)
        #expect(manager.maxConnectionDuration == .seconds(7200))
        #expect(manager.fieldOrigins[.streamIdleTimeout]?.path == "\(managerPath).stream_idle_timeout")
        #expect(
            manager.fieldOrigins[.idleTimeout]?.path == "\(managerPath).common_http_protocol_options.idle_timeout"
        )
        #expect(manager.http2.keepalive?.interval == .seconds(30))
        #expect(manager.http2.keepalive?.intervalJitterPercent == 15)
        #expect(manager.http2.origin?.path == "\(managerPath).http2_protocol_options")
        guard case .forward(let forward) = manager.routeConfig.virtualHosts[0].routes[0].action else {
            Issue.record("expected a forwarding route")
            return
        }
        #expect(forward.timeout == nil)
        #expect(forward.timeoutOrigin?.path == "\(managerPath).route_config.virtual_hosts[0].routes[0].route.timeout")
        #expect(forward.idleTimeout == .some(nil))
    }

    @Test func clustersCarryTheirUpstreamHttp() throws {
        let plan = try planConfig(
            httpGateway(
                clusterFields: """
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        common_http_protocol_options: { idle_timeout: 0s, max_requests_per_connection: 10 }
                        explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 100 } }
                    """
            )
        )
        let backend = try #require(plan.cluster(named: "backend"))
        #expect(backend.http.http2?.maxConcurrentStreams == 100)
        #expect(backend.http.http2?.initialStreamWindowSize == Http2ProtocolOptionsPlan.defaultInitialStreamWindowSize)
        #expect(backend.http.idleTimeout == nil)
        #expect(backend.http.maxRequestsPerConnection == 10)
        #expect(plan.cluster(named: "grpc")?.http == UpstreamHttpPlan())
    }

    @Test func directResponseBodiesAreReadFromFiles() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-body-\(getpid()).txt")
        try Data("maintenance\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let manager = try plannedManager(
            httpGateway(
                routes: """
                    - match: { prefix: / }
                      direct_response: { status: 503, body: { filename: \(file.path) } }
                    """
            )
        )
        #expect(
            manager.routeConfig.virtualHosts[0].routes[0].action
                == .directResponse(DirectResponsePlan(status: 503, body: Array("maintenance\n".utf8)))
        )
        let missing = planErrors(
            httpGateway(
                routes: """
                    - match: { prefix: / }
                      direct_response: { status: 503, body: { filename: /nonexistent/body.txt } }
                    """
            )
        )
        #expect(missing.map(\.message) == ["cannot read \"/nonexistent/body.txt\""])
        #expect(
            missing.map(\.path) == [
                "\(managerPath).route_config.virtual_hosts[0].routes[0].direct_response.body.filename"
            ]
        )
    }

    @Test func headerMutationsInEnvoysOrder() {
        func level(_ value: String) -> HeaderMutationPlan {
            HeaderMutationPlan(
                requestHeadersToAdd: [
                    HeaderValueOptionPlan(name: "x-level", value: value, appendAction: .overwriteIfExistsOrAdd)
                ]
            )
        }
        let here = ConfigOrigin(path: "test")
        var config = RouteConfigurationPlan(
            virtualHosts: [
                VirtualHostPlan(
                    name: "vh",
                    domains: ["*"],
                    routes: [
                        RoutePlan(
                            match: RouteMatchPlan(path: .prefix("/")),
                            action: .forward(
                                ForwardPlan(clusters: [WeightedClusterPlan(cluster: "a", headers: level("cluster"))])
                            ),
                            headers: level("route"),
                            origin: here
                        )
                    ],
                    headers: level("virtual-host"),
                    origin: here
                )
            ],
            headers: level("route-config"),
            origin: here
        )
        func result() -> [String] {
            var headers = [HeaderField(name: "x-level", value: "client")]
            for mutation in config.headerMutations(for: RouteSelection(virtualHost: 0, route: 0), cluster: 0) {
                mutation.applyRequest(to: &headers)
            }
            return headers.map(\.value)
        }
        // The most general level is applied last and wins.
        #expect(result() == ["route-config"])
        config.mostSpecificHeaderMutationsWins = true
        #expect(result() == ["route"])
    }

    @Test func appendActionsAndRemovals() {
        let mutation = HeaderMutationPlan(
            requestHeadersToAdd: [
                HeaderValueOptionPlan(name: "x-a", value: "2"),
                HeaderValueOptionPlan(name: "x-b", value: "new", appendAction: .addIfAbsent),
                HeaderValueOptionPlan(name: "x-c", value: "new", appendAction: .addIfAbsent),
                HeaderValueOptionPlan(name: "x-d", value: "new", appendAction: .overwriteIfExists),
                HeaderValueOptionPlan(name: "x-e", value: "new", appendAction: .overwriteIfExists),
                HeaderValueOptionPlan(name: "x-empty", value: ""),
                HeaderValueOptionPlan(name: "x-kept", value: "", keepEmptyValue: true),
                HeaderValueOptionPlan(name: "x-gone", value: "back"),
            ],
            requestHeadersToRemove: ["x-gone"]
        )
        var headers = [
            HeaderField(name: "x-a", value: "1"), HeaderField(name: "x-b", value: "old"),
            HeaderField(name: "x-d", value: "old"), HeaderField(name: "x-gone", value: "old"),
        ]
        mutation.applyRequest(to: &headers)
        #expect(
            headers.map { "\($0.name)=\($0.value)" } == [
                "x-a=1", "x-b=old", "x-d=new", "x-a=2", "x-c=new", "x-kept=", "x-gone=back",
            ]
        )
    }
}
