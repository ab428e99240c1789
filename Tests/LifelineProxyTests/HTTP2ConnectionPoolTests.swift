import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import LifelinePlan
@testable import LifelineProxy

extension LiveProxyTests {
    /// The HTTP/2 pool against a real NIO HTTP/2 server (h2c, prior knowledge) on loopback.
    @Suite struct HTTP2ConnectionPoolTests {
        private func http2(
            maxConcurrentStreams: Int = Http2ProtocolOptionsPlan.defaultMaxConcurrentStreams,
            keepalive: Http2KeepalivePlan? = nil,
            idleTimeout: Duration? = UpstreamHttpPlan.defaultIdleTimeout
        ) -> UpstreamHttpPlan {
            UpstreamHttpPlan(
                http2: Http2ProtocolOptionsPlan(maxConcurrentStreams: maxConcurrentStreams, keepalive: keepalive),
                idleTimeout: idleTimeout
            )
        }

        private func connectionCount(_ pools: HTTPUpstreamPools, _ loop: any EventLoop) async throws -> Int {
            try await onLoop(loop) {
                (pools.pool(cluster: "upstream", on: loop) as! HTTP2ConnectionPool).connectionCount
            }
        }

        @Test func streamsShareOneConnection() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let server = try await HTTP2TestServer.start(group: group)
            let cluster = try makeHTTPCluster(ports: [server.port], http: http2())
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            let (ports, reused) = try await sequentialExchanges(5, pools: pools, on: loop, version: .http2)
            #expect(ports.count == 1)
            #expect(reused == [false, true, true, true, true])
            #expect(cluster.stats[.upstreamConnectionsHTTP2Total] == 1)
            #expect(cluster.stats[.upstreamRequestsTotal] == 5)
            await pools.closeAll()
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            #expect(cluster.stats[.upstreamRequestsActive] == 0)
            await server.stop()
            try await group.shutdownGracefully()
        }

        @Test func aHundredConcurrentExchangesRespectTheServersStreamLimit() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let census = StreamCensus()
            let server = try await HTTP2TestServer.start(
                group: group,
                maxConcurrentStreams: 10,
                delay: .milliseconds(100),
                census: census
            )
            let cluster = try makeHTTPCluster(ports: [server.port], http: http2())
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            let statuses = try await withDeadline(seconds: 30) {
                try await withThrowingTaskGroup(of: Int.self) { tasks in
                    for _ in 0..<100 {
                        tasks.addTask { try await performExchange(pools: pools, on: loop).status }
                    }
                    return try await tasks.reduce(into: [Int]()) { $0.append($1) }
                }
            }
            #expect(statuses.count == 100)
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(census.most <= 10)
            #expect(census.streams == 100)
            // Waiting exchanges open connections at the learnt limit of 10 streams each (10 for 100 asked at once);
            // how many depends on how many are waiting at once on a busy machine, and streams ending meanwhile serve
            // some, so only "more than one" is certain.
            #expect(census.connections >= 2)
            #expect(cluster.stats[.upstreamRequestsPendingActive] == 0)
            #expect(cluster.stats[.upstreamRequestsActive] == 0)
            await pools.closeAll()
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            await server.stop()
            try await group.shutdownGracefully()
        }

        @Test func theClustersOwnStreamLimitApplies() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let census = StreamCensus()
            let server = try await HTTP2TestServer.start(group: group, delay: .milliseconds(100), census: census)
            let cluster = try makeHTTPCluster(ports: [server.port], http: http2(maxConcurrentStreams: 3))
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            _ = try await withThrowingTaskGroup(of: Int.self) { tasks in
                for _ in 0..<9 {
                    tasks.addTask { try await performExchange(pools: pools, on: loop).status }
                }
                return try await tasks.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(census.most <= 3)
            #expect(census.streams == 9)
            await pools.closeAll()
            await server.stop()
            try await group.shutdownGracefully()
        }

        @Test func aGoAwayMovesLaterExchangesToANewConnection() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let server = try await HTTP2TestServer.start(group: group)
            let cluster = try makeHTTPCluster(ports: [server.port], http: http2())
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            let first = try await performExchange(pools: pools, on: loop, path: "/goaway")
            #expect(first.status == 200)
            #expect(await eventually { cluster.stats[.upstreamConnectionsCloseNotify] == 1 })
            let second = try await performExchange(pools: pools, on: loop)
            #expect(second.status == 200)
            #expect(second.body != first.body)
            #expect(!second.reused)
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 1 })
            await pools.closeAll()
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            await server.stop()
            try await group.shutdownGracefully()
        }

        @Test func aStreamAGoAwayLeftUnprocessedIsSafeToRetry() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let server = try await HTTP2TestServer.start(group: group)
            let cluster = try makeHTTPCluster(ports: [server.port], http: http2())
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            await #expect {
                try await withDeadline(seconds: 10) {
                    try await performExchange(pools: pools, on: loop, path: "/refuse")
                }
            } throws: { error in
                HTTPUpstreamFailure.isRefusedStream(error)
            }
            let retried = try await performExchange(pools: pools, on: loop)
            #expect(retried.status == 200)
            #expect(!retried.reused)
            #expect(cluster.stats[.upstreamConnectionsHTTP2Total] == 2)
            await pools.closeAll()
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            #expect(cluster.stats[.upstreamRequestsActive] == 0)
            await server.stop()
            try await group.shutdownGracefully()
        }

        @Test func maxRequestsPerConnectionDrainsAConnection() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let server = try await HTTP2TestServer.start(group: group)
            var http = http2()
            http.maxRequestsPerConnection = 2
            let cluster = try makeHTTPCluster(ports: [server.port], http: http)
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            let ports = try await exchangeBodies(4, pools: pools, on: loop)
            #expect(ports[0] == ports[1])
            #expect(ports[2] == ports[3])
            #expect(ports[1] != ports[2])
            #expect(cluster.stats[.upstreamConnectionsMaxRequests] == 2)
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            await pools.closeAll()
            await server.stop()
            try await group.shutdownGracefully()
        }

        @Test func anIdleConnectionIsClosedAfterTheIdleTimeout() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let server = try await HTTP2TestServer.start(group: group)
            let cluster = try makeHTTPCluster(ports: [server.port], http: http2(idleTimeout: .milliseconds(200)))
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            _ = try await performExchange(pools: pools, on: loop)
            #expect(await eventually { cluster.stats[.upstreamIdleTimeout] == 1 })
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            #expect(try await connectionCount(pools, loop) == 0)
            let next = try await performExchange(pools: pools, on: loop)
            #expect(!next.reused)
            await pools.closeAll()
            await server.stop()
            try await group.shutdownGracefully()
        }

        @Test func aConfiguredKeepalivePingsAnIdleConnectionThatAnswers() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let pings = Counter()
            let server = try await HTTP2TestServer.start(group: group, pings: pings)
            let keepalive = Http2KeepalivePlan(
                interval: .milliseconds(100),
                timeout: .milliseconds(500),
                intervalJitterPercent: 0
            )
            let cluster = try makeHTTPCluster(ports: [server.port], http: http2(keepalive: keepalive))
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            _ = try await performExchange(pools: pools, on: loop)
            #expect(await eventually { pings.current >= 5 })
            #expect(cluster.stats[.http2KeepaliveTimeout] == 0)
            #expect(cluster.stats[.upstreamConnectionsActive] == 1)
            await pools.closeAll()
            await server.stop()
            try await group.shutdownGracefully()
        }

        @Test func aPeerThatStopsAnsweringPingsIsClosed() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let silent = try await TestUpstream.start(group: group) { SilentHTTP2Handler() }
            let keepalive = Http2KeepalivePlan(
                interval: .milliseconds(200),
                timeout: .milliseconds(300),
                intervalJitterPercent: 0
            )
            let cluster = try makeHTTPCluster(ports: [silent.port], http: http2(keepalive: keepalive))
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            let started = ContinuousClock.now
            await #expect(throws: (any Error).self) {
                try await withDeadline(seconds: 10) {
                    try await performExchange(pools: pools, on: loop)
                }
            }
            #expect(ContinuousClock.now - started >= .milliseconds(450))
            #expect(cluster.stats[.http2KeepaliveTimeout] == 1)
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            #expect(cluster.stats[.upstreamRequestsActive] == 0)
            #expect(try await connectionCount(pools, loop) == 0)
            await pools.closeAll()
            await silent.stop()
            try await group.shutdownGracefully()
        }

        @Test func aPeerThatNeverSendsSettingsIsAConnectTimeout() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let mute = try await TestUpstream.start(group: group) { MuteHandler() }
            let cluster = try makeHTTPCluster(ports: [mute.port], http: http2(), connectTimeout: .milliseconds(300))
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            await #expect(throws: HTTPUpstreamFailure.connectTimeout) {
                try await withDeadline(seconds: 10) { try await performExchange(pools: pools, on: group.next()) }
            }
            #expect(cluster.stats[.upstreamConnectTimeouts] == 1)
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            #expect(cluster.stats[.upstreamRequestsPendingActive] == 0)
            await pools.closeAll()
            await mute.stop()
            try await group.shutdownGracefully()
        }

        @Test func aRefusedConnectFailsTheWaitingExchanges() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let refusing = RefusingPort()
            let cluster = try makeHTTPCluster(ports: [refusing.port], http: http2())
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for _ in 0..<3 {
                    tasks.addTask {
                        await #expect {
                            try await performExchange(pools: pools, on: loop)
                        } throws: { error in
                            if case HTTPUpstreamFailure.connectFailure = error { return true }
                            return false
                        }
                    }
                }
                try await tasks.waitForAll()
            }
            #expect(cluster.stats[.upstreamConnectFailures] >= 1)
            #expect(cluster.stats[.upstreamRequestsPendingActive] == 0)
            #expect(cluster.stats[.upstreamRequestsActive] == 0)
            await pools.closeAll()
            withExtendedLifetime(refusing) {}
            try await group.shutdownGracefully()
        }
    }
}
