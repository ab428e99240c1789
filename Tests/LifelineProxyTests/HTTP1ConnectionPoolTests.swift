import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import LifelinePlan
@testable import LifelineProxy

extension LiveProxyTests {
    /// The HTTP/1.1 pool against a real NIO HTTP/1.1 server on loopback.
    @Suite struct HTTP1ConnectionPoolTests {
        /// A pool of one cluster on a one-loop group in front of `server`; stops all of it afterwards.
        private func withPool(
            http: UpstreamHttpPlan = UpstreamHttpPlan(),
            closeIdleAfter: TimeAmount? = nil,
            _ body: (HTTPUpstreamPools, any EventLoop, UpstreamCluster) async throws -> Void
        ) async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let server = try await HTTP1TestServer.start(group: group, closeIdleAfter: closeIdleAfter)
            let cluster = try makeHTTPCluster(ports: [server.port], http: http)
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            do {
                try await body(pools, loop, cluster)
            } catch {
                await pools.closeAll()
                await server.stop()
                try await group.shutdownGracefully()
                throw error
            }
            await pools.closeAll()
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            #expect(cluster.stats[.upstreamRequestsActive] == 0)
            #expect(cluster.stats[.upstreamRequestsPendingActive] == 0)
            await server.stop()
            try await group.shutdownGracefully()
        }

        private func parkedCount(_ pools: HTTPUpstreamPools, _ loop: any EventLoop) async throws -> Int {
            try await onLoop(loop) { (pools.pool(cluster: "upstream", on: loop) as! HTTP1ConnectionPool).parkedCount }
        }

        @Test func sequentialExchangesReuseOneConnection() async throws {
            try await withPool { pools, loop, cluster in
                let (ports, reused) = try await sequentialExchanges(5, pools: pools, on: loop, version: .http1_1)
                #expect(ports.count == 1)
                #expect(reused == [false, true, true, true, true])
                #expect(cluster.stats[.upstreamConnectionsTotal] == 1)
                #expect(cluster.stats[.upstreamConnectionsHTTP1Total] == 1)
                #expect(cluster.stats[.upstreamRequestsTotal] == 5)
                #expect(cluster.stats[.upstreamConnectionsActive] == 1)
            }
        }

        @Test func aParkedConnectionTheUpstreamClosesIsNotHandedOut() async throws {
            try await withPool(closeIdleAfter: .milliseconds(100)) { pools, loop, cluster in
                let first = try await performExchange(pools: pools, on: loop)
                #expect(await eventually { cluster.stats[.upstreamClosedByRemote] == 1 })
                #expect(try await parkedCount(pools, loop) == 0)
                let second = try await performExchange(pools: pools, on: loop)
                #expect(second.status == 200)
                #expect(!second.reused)
                #expect(second.body != first.body)
                #expect(cluster.stats[.upstreamConnectionsTotal] == 2)
            }
        }

        @Test func aConnectionCloseResponseIsNotReused() async throws {
            try await withPool { pools, loop, cluster in
                let first = try await performExchange(pools: pools, on: loop, path: "/close")
                #expect(first.headers["connection"] == ["close"])
                #expect(cluster.stats[.upstreamConnectionsCloseNotify] == 1)
                let second = try await performExchange(pools: pools, on: loop)
                #expect(!second.reused)
                #expect(second.body != first.body)
                #expect(cluster.stats[.upstreamConnectionsTotal] == 2)
                #expect(cluster.stats[.upstreamClosedLocally] + cluster.stats[.upstreamClosedByRemote] == 1)
            }
        }

        @Test func aParkedConnectionIsClosedAfterTheIdleTimeout() async throws {
            try await withPool(http: UpstreamHttpPlan(idleTimeout: .milliseconds(200))) { pools, loop, cluster in
                _ = try await performExchange(pools: pools, on: loop)
                #expect(cluster.stats[.upstreamConnectionsActive] == 1)
                #expect(await eventually { cluster.stats[.upstreamIdleTimeout] == 1 })
                #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
                #expect(cluster.stats[.upstreamClosedLocally] == 1)
                let next = try await performExchange(pools: pools, on: loop)
                #expect(!next.reused)
            }
        }

        @Test func maxRequestsPerConnectionRetiresAConnection() async throws {
            try await withPool(http: UpstreamHttpPlan(maxRequestsPerConnection: 2)) { pools, loop, cluster in
                let ports = try await exchangeBodies(4, pools: pools, on: loop)
                #expect(ports[0] == ports[1])
                #expect(ports[2] == ports[3])
                #expect(ports[1] != ports[2])
                #expect(cluster.stats[.upstreamConnectionsMaxRequests] == 2)
                #expect(cluster.stats[.upstreamConnectionsTotal] == 2)
            }
        }

        @Test func concurrentExchangesEachGetTheirOwnConnectionThenShareThePool() async throws {
            try await withPool { pools, loop, cluster in
                let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<8 {
                        group.addTask { try await performExchange(pools: pools, on: loop).body }
                    }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
                // As many connections as exchanges overlapped (all 8 unless the machine ran them one by one), each
                // parked afterwards.
                let connections = Set(bodies).count
                #expect(connections > 1)
                #expect(try await parkedCount(pools, loop) == connections)
                let again = try await performExchange(pools: pools, on: loop)
                #expect(again.reused)
                #expect(cluster.stats[.upstreamConnectionsTotal] == connections)
            }
        }

        @Test func aRefusedConnectIsAConnectFailure() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let refusing = RefusingPort()
            let cluster = try makeHTTPCluster(ports: [refusing.port])
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            await #expect {
                try await performExchange(pools: pools, on: group.next())
            } throws: { error in
                if case HTTPUpstreamFailure.connectFailure = error { return true }
                return false
            }
            #expect(cluster.stats[.upstreamConnectFailures] == 1)
            #expect(cluster.stats[.upstreamRequestsActive] == 0)
            await pools.closeAll()
            withExtendedLifetime(refusing) {}
            try await group.shutdownGracefully()
        }

        @Test func anUnansweredConnectTimesOut() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let raw = RawListener()
            raw.fillAcceptQueue()
            let cluster = try makeHTTPCluster(ports: [raw.port], connectTimeout: .milliseconds(300))
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            await #expect(throws: HTTPUpstreamFailure.connectTimeout) {
                try await performExchange(pools: pools, on: group.next())
            }
            #expect(cluster.stats[.upstreamConnectTimeouts] == 1)
            #expect(cluster.stats[.upstreamConnectFailures] == 0)
            await pools.closeAll()
            withExtendedLifetime(raw) {}
            try await group.shutdownGracefully()
        }

        @Test func aClusterWithoutThePoolFailsNewExchangesOnceClosed() async throws {
            try await withPool { pools, loop, _ in
                _ = try await performExchange(pools: pools, on: loop)
                await pools.closeAll()
                await #expect(throws: HTTPUpstreamFailure.poolClosed) {
                    try await performExchange(pools: pools, on: loop)
                }
            }
        }
    }
}
