import LifelineConfig
import LifelineProxy
import NIOCore
import Testing

extension LiveProxyTests {
    /// Reloads of a gateway serving HTTP: connections of a changed chain finish on it, clusters keep their pools
    /// unless they changed.
    @Suite struct GatewayReloadHTTPTests {
        @Test func anHTTPChainChangedByAReloadLetsItsKeepAliveConnectionsGoAndServesNewOnesWithTheNewRoutes()
            async throws
        {
            try await withHTTPGateway(HTTP2DownstreamTests.manager()) { harness, _, group in
                let client = try await connectClient(port: harness.port, group: group)
                try await client.executeThenClose { inbound, outbound in
                    var iterator = inbound.makeAsyncIterator()
                    let request = ByteBuffer(string: "GET / HTTP/1.1\r\nhost: lifeline.test\r\n\r\n")
                    try await outbound.write(request)
                    var first = ""
                    while !first.hasSuffix("hello from upstream"), let chunk = try await iterator.next() {
                        first += String(buffer: chunk)
                    }
                    #expect(!first.lowercased().contains("connection: close"))

                    // Every request of the new plan goes to a cluster without endpoints (503).
                    var next = harness.gateway.plan
                    next.listeners[0].filterChains[0].filter = .httpConnectionManager(
                        HTTPPlans.manager(routes: [HTTPPlans.route(prefix: "/", cluster: "empty")])
                    )
                    let summary = try await harness.gateway.reload(to: next)
                    #expect(summary.listenersKept == ["test"])
                    #expect(summary.chainsNew == 1)
                    #expect(summary.connectionsDraining == 1)

                    let fresh = try curl(["http://127.0.0.1:\(harness.port)/"])
                    #expect(fresh.status == 503)
                    // The old connection is served by the old chain once more, told to close with that response.
                    try await outbound.write(request)
                    var second = ""
                    while let chunk = try await iterator.next() {
                        second += String(buffer: chunk)
                    }
                    #expect(second.hasPrefix("HTTP/1.1 200"), "\(second)")
                    #expect(second.lowercased().contains("connection: close"), "\(second)")
                    #expect(second.hasSuffix("hello from upstream"), "\(second)")
                }
                #expect(await eventually { harness.gateway.openConnections == 0 })
            }
        }

        @Test func anUnchangedClusterKeepsItsPooledConnectionsAndAChangedOneGetsNewOnes() async throws {
            try await withHTTPGateway(HTTP2DownstreamTests.manager()) { harness, _, group in
                let gateway = harness.gateway
                let client = try await connectClient(port: harness.port, group: group)
                try await client.executeThenClose { inbound, outbound in
                    var iterator = inbound.makeAsyncIterator()
                    /// One request on the kept-alive downstream connection (so always on the same event loop, whose
                    /// pool is the one looked at), answered by the upstream.
                    func exchange() async throws -> String {
                        try await outbound.write(ByteBuffer(string: "GET / HTTP/1.1\r\nhost: lifeline.test\r\n\r\n"))
                        var response = ""
                        while !response.hasSuffix("hello from upstream"), let chunk = try await iterator.next() {
                            response += String(buffer: chunk)
                        }
                        return response
                    }
                    #expect(try await exchange().hasPrefix("HTTP/1.1 200"))
                    let original = try #require(gateway.clusters["upstream"])
                    #expect(original.stats[.upstreamConnectionsTotal] == 1)

                    // A reload that leaves the cluster alone: same cluster, its pooled connection is used again.
                    var unchanged = gateway.plan
                    unchanged.clusters.append(unchanged.clusters.first { $0.name == "dead" }!)
                    unchanged.clusters[unchanged.clusters.count - 1].name = "spare"
                    // Written elsewhere in the config, the cluster is still the same.
                    let moved = try #require(unchanged.clusters.firstIndex { $0.name == "upstream" })
                    unchanged.clusters[moved].origin = ConfigOrigin(path: "static_resources.clusters[7]")
                    let first = try await gateway.reload(to: unchanged)
                    #expect(first.clustersKept.sorted() == ["dead", "empty", "upstream"])
                    #expect(first.clustersAdded == ["spare"])
                    #expect(first.chainsKept == 1)
                    #expect(gateway.clusters["upstream"] === original)
                    #expect(try await exchange().hasPrefix("HTTP/1.1 200"))
                    #expect(original.stats[.upstreamConnectionsTotal] == 1)

                    // The cluster changes: the next request gets a connection of the new cluster, and the old
                    // pool closes its idle connection.
                    var changed = unchanged
                    let index = try #require(changed.clusters.firstIndex { $0.name == "upstream" })
                    changed.clusters[index].connectTimeout = .seconds(3)
                    let second = try await gateway.reload(to: changed)
                    #expect(second.clustersReplaced == ["upstream"])
                    let replacement = try #require(gateway.clusters["upstream"])
                    #expect(replacement !== original)
                    #expect(await eventually { original.stats[.upstreamConnectionsActive] == 0 })
                    #expect(try await exchange().hasPrefix("HTTP/1.1 200"))
                    // Counted by name, as Envoy keeps stats across updates: the cluster's one connection before the
                    // reload and its replacement's one after.
                    #expect(replacement.stats[.upstreamConnectionsTotal] == 2)
                    #expect(original.stats[.upstreamConnectionsTotal] == 2)
                }
            }
        }
    }
}
