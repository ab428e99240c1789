import LifelineConfig
import LifelineTestSupport
import Testing

/// A bootstrap with only clusters; `clusterFields` go into the one cluster `backend` (whose first field is line 4).
private func clusterConfig(_ clusterFields: String, endpoints: [(String, Int)] = [("10.0.0.1", 8080)]) -> String {
    let lbEndpoints = endpoints.map { host, port in
        "    - endpoint: { address: { socket_address: { address: \(host), port_value: \(port) } } }"
    }
    return """
        static_resources:
          clusters:
          - name: backend
        \(indented(clusterFields, by: 4))
            load_assignment:
              endpoints:
              - lb_endpoints:
        \(lbEndpoints.map { "      " + $0 }.joined(separator: "\n"))
        """
}

private func decodeCluster(
    _ clusterFields: String,
    endpoints: [(String, Int)] = [("10.0.0.1", 8080)]
) throws -> ClusterConfig {
    let bootstrap = try decodeBootstrap(clusterConfig(clusterFields, endpoints: endpoints))
    try #require(bootstrap.clusters.count == 1)
    return bootstrap.clusters[0]
}

@Suite("Clusters")
struct ClusterDecodingTests {
    @Test func defaults() throws {
        let cluster = try decodeCluster("")
        #expect(cluster.name == "backend")
        #expect(cluster.type == .staticAddresses)
        #expect(cluster.connectTimeout == .seconds(5))
        #expect(ClusterConfig.defaultConnectTimeout == .seconds(5))
        #expect(cluster.lbPolicy == .roundRobin)
        #expect(cluster.perConnectionBufferLimitBytes == 1_048_576)
        #expect(cluster.endpoints.map(\.address) == ["10.0.0.1"])
        #expect(cluster.endpoints.map(\.portValue) == [8080])
        #expect(cluster.origin.path == "static_resources.clusters[0]")
        #expect(cluster.origin.location?.line == 3)
    }

    @Test(arguments: [
        ("type: STATIC", ClusterConfig.DiscoveryType.staticAddresses),
        ("type: 0", .staticAddresses),
        ("type: STRICT_DNS", .strictDNS),
        ("type: 1", .strictDNS),
        ("type: LOGICAL_DNS", .logicalDNS),
        ("type: 2", .logicalDNS),
    ])
    func discoveryType(_ field: String, _ type: ClusterConfig.DiscoveryType) throws {
        #expect(try decodeCluster(field).type == type)
    }

    @Test func discoveryTypeProtoNames() {
        #expect(ClusterConfig.DiscoveryType.staticAddresses.protoName == "STATIC")
        #expect(ClusterConfig.DiscoveryType.strictDNS.protoName == "STRICT_DNS")
        #expect(ClusterConfig.DiscoveryType.logicalDNS.protoName == "LOGICAL_DNS")
        #expect(ClusterConfig.LoadBalancingPolicy.roundRobin.protoName == "ROUND_ROBIN")
        #expect(ClusterConfig.LoadBalancingPolicy.random.protoName == "RANDOM")
    }

    @Test(arguments: [
        ("lb_policy: ROUND_ROBIN", ClusterConfig.LoadBalancingPolicy.roundRobin),
        ("lb_policy: 0", .roundRobin),
        ("lb_policy: RANDOM", .random),
        ("lbPolicy: RANDOM", .random),
        ("lb_policy: 3", .random),
    ])
    func loadBalancingPolicy(_ field: String, _ policy: ClusterConfig.LoadBalancingPolicy) throws {
        #expect(try decodeCluster(field).lbPolicy == policy)
    }

    @Test(arguments: [
        ("connect_timeout: 1s", Duration.seconds(1)),
        ("connect_timeout: 0.25s", .milliseconds(250)),
        ("connectTimeout: 1.5s", .milliseconds(1500)),
        ("connect_timeout: \"10s\"", .seconds(10)),
        ("connect_timeout: 0.000000001s", .nanoseconds(1)),
    ])
    func connectTimeout(_ field: String, _ timeout: Duration) throws {
        #expect(try decodeCluster(field).connectTimeout == timeout)
    }

    @Test func connectTimeoutOfZeroIsRejected() {
        expectSingleError(
            clusterConfig("connect_timeout: 0s"),
            path: "static_resources.clusters[0]",
            message: "connect_timeout must be greater than 0s",
            line: 3
        )
    }

    @Test func endpointsAreFlattenedAcrossLocalitiesInOrder() throws {
        let bootstrap = try decodeBootstrap(
            """
            static_resources:
              clusters:
              - name: backend
                type: STRICT_DNS
                load_assignment:
                  cluster_name: backend
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: a.example, port_value: 1 } } }
                    - endpoint: { address: { socket_address: { address: b.example, port_value: 2 } } }
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: c.example, port_value: 3 } } }
            """
        )
        let cluster = try #require(bootstrap.clusters.first)
        #expect(cluster.endpoints.map(\.address) == ["a.example", "b.example", "c.example"])
        #expect(cluster.endpoints.map(\.portValue) == [1, 2, 3])
        #expect(
            cluster.endpoints.map(\.origin.path) == [
                "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address"
                    + ".socket_address",
                "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[1].endpoint.address"
                    + ".socket_address",
                "static_resources.clusters[0].load_assignment.endpoints[1].lb_endpoints[0].endpoint.address"
                    + ".socket_address",
            ]
        )
        #expect(cluster.endpoints.map { $0.origin.location?.line } == [9, 10, 12])
    }

    @Test func ipv6StaticEndpoint() throws {
        let cluster = try decodeCluster("type: STATIC", endpoints: [("\"::1\"", 9000)])
        #expect(cluster.endpoints.map(\.address) == ["::1"])
        #expect(cluster.endpoints.map(\.portValue) == [9000])
    }

    @Test func clusterBufferLimit() throws {
        #expect(try decodeCluster("per_connection_buffer_limit_bytes: 16384").perConnectionBufferLimitBytes == 16384)
    }

    @Test func aLogicalDNSClusterHasExactlyOneEndpoint() {
        expectSingleError(
            clusterConfig("type: LOGICAL_DNS", endpoints: [("a.example", 80), ("b.example", 80)]),
            path: "static_resources.clusters[0]",
            message: "a LOGICAL_DNS cluster has exactly one endpoint",
            line: 3
        )
    }

    @Test func anEndpointNeedsANonZeroPort() {
        expectSingleError(
            clusterConfig("", endpoints: [("10.0.0.1", 0)]),
            path: "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address"
                + ".socket_address.port_value",
            message: "an endpoint needs a port in 1...65535",
            line: 8
        )
    }

    @Test func aClusterWithoutEndpoints() {
        let diagnostics = decodeErrors(
            """
            static_resources:
              clusters:
              - name: empty
                load_assignment: { cluster_name: empty }
              - name: missing
            """
        )
        #expect(
            diagnostics.map(\.description) == [
                "static_resources.clusters[1]: a cluster needs a load_assignment with endpoints (x.yaml:5:5)",
                "static_resources.clusters[0]: cluster \"empty\" has no endpoints (x.yaml:3:5)",
                "static_resources.clusters[1]: cluster \"missing\" has no endpoints (x.yaml:5:5)",
            ]
        )
    }

    @Test(arguments: [
        (
            "type: EDS", "static_resources.clusters[0].type",
            "unknown cluster type \"EDS\"; expected one of STATIC, STRICT_DNS, LOGICAL_DNS"
        ),
        ("type: 3", "static_resources.clusters[0].type", "unknown cluster type number 3"),
        ("type: true", "static_resources.clusters[0].type", "expected a cluster type name or number, found a bool"),
        (
            "lb_policy: LEAST_REQUEST", "static_resources.clusters[0].lb_policy",
            "unknown lb_policy \"LEAST_REQUEST\"; expected one of ROUND_ROBIN, RANDOM"
        ),
        ("lb_policy: 1", "static_resources.clusters[0].lb_policy", "unknown lb_policy number 1"),
        ("health_checks: []", "static_resources.clusters[0].health_checks", "Envoy field not supported by Lifeline"),
        (
            "dnsLookupFamily: V4_ONLY", "static_resources.clusters[0].dnsLookupFamily",
            "Envoy field not supported by Lifeline"
        ),
        ("weight: 1", "static_resources.clusters[0].weight", "unknown field"),
    ])
    func badClusterField(_ field: String, _ path: String, _ message: String) {
        expectSingleError(clusterConfig(field), path: path, message: message, line: 4)
    }
}
