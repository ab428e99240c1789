import LifelineConfig
import LifelineEnvoyFilter
import Testing

@Suite("applyTo CLUSTER")
struct ClusterPatchTests {
    static let clusters = """
        static_resources:
          clusters:
          - name: backend
            load_assignment:
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 8080 } } }
          - name: outbound|9090||reviews.default.svc.cluster.local
            load_assignment:
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 19090 } } }
        """
    static let timeoutMerge = "operation: MERGE\nvalue: { connect_timeout: 1s }"

    private func timeouts(_ tree: ConfigTree) -> [String?] {
        (tree.node("static_resources.clusters")?.elements ?? []).map { $0["connect_timeout"]?.stringValue }
    }

    @Test(
        arguments: [
            ("cluster: { name: backend }", ["1s", nil]),
            ("cluster: { portNumber: 8080 }", ["1s", nil]),
            // Istio's cluster names carry the service port, and istiod matches that rather than the endpoints'.
            ("cluster: { portNumber: 9090 }", [nil, "1s"]),
            ("cluster: {}", ["1s", "1s"]),
            ("context: ANY", ["1s", "1s"]),
        ] as [(String, [String?])]
    )
    func mergeIntoEveryMatchedCluster(_ match: String, _ expected: [String?]) throws {
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(applyTo: "CLUSTER", match: match, patch: Self.timeoutMerge),
            to: Self.clusters
        )
        #expect(warnings.isEmpty)
        #expect(timeouts(tree) == expected)
    }

    @Test func aNameDecidesAlone() throws {
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(
                applyTo: "CLUSTER",
                match: "cluster: { name: backend, portNumber: 1 }",
                patch: Self.timeoutMerge
            ),
            to: Self.clusters
        )
        #expect(timeouts(tree) == ["1s", nil])
        #expect(
            warnings.map(\.description) == [
                "warning: spec.configPatches[0].match.cluster.portNumber: has no effect: when name is given, istiod "
                    + "matches the cluster by name alone (filter.yaml:10:45)"
            ]
        )
    }

    @Test func aPortNoEndpointHasMatchesNothing() throws {
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(applyTo: "CLUSTER", match: "cluster: { portNumber: 19091 }", patch: Self.timeoutMerge),
            to: Self.clusters
        )
        #expect(timeouts(tree) == [nil, nil])
        #expect(
            warnings.map(\.message) == [
                "EnvoyFilter istio-system/gw patch 0 (applyTo CLUSTER, cluster port 19091) matched nothing"
            ]
        )
    }

    @Test func mergedClustersDecode() throws {
        let (tree, _) = try applyFilters(
            singlePatchFilter(
                applyTo: "CLUSTER",
                match: "cluster: { name: backend }",
                patch: "operation: MERGE\nvalue: { connectTimeout: 0.5s, lbPolicy: RANDOM }"
            )
        )
        let (bootstrap, _) = try Bootstrap.decode(tree)
        let cluster = try #require(bootstrap.clusters.first)
        #expect(cluster.connectTimeout == .milliseconds(500))
        #expect(cluster.lbPolicy == .random)
    }

    @Test func addAppendsAClusterThatDecodes() throws {
        let patch = """
            operation: ADD
            value:
              name: extra
              type: STRICT_DNS
              load_assignment:
                endpoints:
                - lb_endpoints:
                  - endpoint: { address: { socket_address: { address: extra.internal, port_value: 443 } } }
            """
        let (tree, warnings) = try applyFilters(singlePatchFilter(applyTo: "CLUSTER", patch: patch))
        #expect(warnings.isEmpty)
        #expect(tree.node("static_resources.clusters[1]")?.provenance == "EnvoyFilter istio-system/gw patch 0")
        let (bootstrap, _) = try Bootstrap.decode(tree)
        #expect(bootstrap.clusters.map(\.name) == ["backend", "extra"])
        #expect(bootstrap.clusters[1].type == .strictDNS)
    }

    @Test func addCreatesTheClustersList() throws {
        let (tree, _) = try applyFilters(
            singlePatchFilter(applyTo: "CLUSTER", patch: "operation: ADD\nvalue: { name: only }"),
            to: "{}"
        )
        #expect(tree.node("static_resources.clusters")?.elements?.map { $0["name"]?.stringValue } == ["only"])
    }

    @Test func addedClustersAreNotEditedByTheSameRun() throws {
        let text = envoyFilter(
            spec: """
                configPatches:
                - applyTo: CLUSTER
                  patch: { operation: ADD, value: { name: added } }
                - applyTo: CLUSTER
                  patch: { operation: MERGE, value: { connect_timeout: 1s } }
                """
        )
        let (tree, _) = try applyFilters(text, to: Self.clusters)
        #expect(timeouts(tree) == ["1s", "1s", nil])
    }

    @Test func removeTakesTheClusterOut() throws {
        let (tree, warnings) = try applyFilters(
            singlePatchFilter(applyTo: "CLUSTER", match: "cluster: { portNumber: 9090 }", patch: "operation: REMOVE"),
            to: Self.clusters
        )
        #expect(warnings.isEmpty)
        #expect(tree.node("static_resources.clusters")?.elements?.map { $0["name"]?.stringValue } == ["backend"])
    }
}
