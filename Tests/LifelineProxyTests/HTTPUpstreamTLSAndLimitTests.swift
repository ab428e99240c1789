import LifelineTestSupport
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import LifelinePlan
@testable import LifelineProxy

extension LiveProxyTests {
    /// The pools over TLS (ALPN by protocol) and at Envoy's circuit-breaker limits.
    @Suite struct HTTPUpstreamTLSAndLimitTests {
        private func withTLS(
            _ body: (ServerTLS, UpstreamTlsPlan, any EventLoopGroup) async throws -> Void
        ) async throws {
            let certificates = try TestCertificates.make()
            defer { certificates.remove() }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let serverPlan = DownstreamTlsPlan(
                certificates: [TLSServerContextTests.pem(certificates.serverECDSA)],
                common: CommonTlsPlan(alpnProtocols: ["h2", "http/1.1"])
            )
            let tls = ServerTLS(context: try TLSContextFactory.makeServerContext(serverPlan))
            let clientPlan = UpstreamTlsPlan(
                serverName: "lifeline.test",
                common: CommonTlsPlan(trustedCA: TLSClientContextTests.trusting(certificates.authority))
            )
            do {
                try await body(tls, clientPlan, group)
            } catch {
                try await group.shutdownGracefully()
                throw error
            }
            try await group.shutdownGracefully()
        }

        @Test func http1OverTLSOffersHTTP11AndReusesTheConnection() async throws {
            try await withTLS { tls, clientPlan, group in
                let server = try await HTTP1TestServer.start(group: group, tls: tls)
                let cluster = try makeHTTPCluster(ports: [server.port], tls: clientPlan)
                let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
                let loop = group.next()
                var ports: Set<String> = []
                for _ in 0..<3 {
                    ports.insert(try await performExchange(pools: pools, on: loop).body)
                }
                #expect(ports.count == 1)
                #expect(tls.negotiated.value == ["http/1.1"])
                #expect(cluster.stats[.sslHandshake] == 1)
                await pools.closeAll()
                #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
                await server.stop()
            }
        }

        @Test func http2OverTLSOffersH2() async throws {
            try await withTLS { tls, clientPlan, group in
                let server = try await HTTP2TestServer.start(group: group, tls: tls)
                let cluster = try makeHTTPCluster(
                    ports: [server.port],
                    http: UpstreamHttpPlan(http2: Http2ProtocolOptionsPlan()),
                    tls: clientPlan
                )
                let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
                let loop = group.next()
                for _ in 0..<3 {
                    let outcome = try await performExchange(pools: pools, on: loop)
                    #expect(outcome.status == 200)
                    #expect(outcome.version == .http2)
                }
                #expect(tls.negotiated.value == ["h2"])
                #expect(cluster.stats[.upstreamConnectionsTotal] == 1)
                await pools.closeAll()
                #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
                await server.stop()
            }
        }

        /// What happened to three exchanges asked for at once with room for one connection and one waiting request.
        private struct BreakerOutcome: Sendable {
            var thirdFailure: HTTPUpstreamFailure?
            var pendingWhileWaiting = 0
            var secondReused = false
            var bodies: [String] = []
        }

        @Test func theCircuitBreakersQueueThenOverflow() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let server = try await HTTP1TestServer.start(group: group)
            let cluster = try makeHTTPCluster(ports: [server.port])
            let context = HTTPUpstreamClusterContext(
                cluster: cluster,
                logger: .init(label: "test"),
                maxConnections: 1,
                maxPendingRequests: 1,
                maxRequests: 10
            )
            let loop = group.next()
            let outcome = try await loop.flatSubmit { () -> EventLoopFuture<BreakerOutcome> in
                let pool = HTTP1ConnectionPool(context: context, eventLoop: loop)
                let done = loop.makePromise(of: BreakerOutcome.self)
                var outcome = BreakerOutcome()
                let fail = { (error: any Error) in done.fail(error) }
                pool.exchange().assumeIsolated().whenComplete { result in
                    guard case .success(let first) = result else { return fail(ChannelError.ioOnClosedChannel) }
                    let second = pool.exchange()
                    outcome.pendingWhileWaiting = cluster.stats[.upstreamRequestsPendingActive]
                    pool.exchange().assumeIsolated().whenFailure { error in
                        outcome.thirdFailure = error as? HTTPUpstreamFailure
                    }
                    request(on: first).assumeIsolated().whenComplete { result in
                        guard case .success(let body) = result else { return fail(ChannelError.ioOnClosedChannel) }
                        outcome.bodies.append(body)
                        first.finish(true)
                        second.assumeIsolated().whenComplete { result in
                            guard case .success(let second) = result else {
                                return fail(ChannelError.ioOnClosedChannel)
                            }
                            outcome.secondReused = second.reused
                            request(on: second).assumeIsolated().whenComplete { result in
                                guard case .success(let body) = result else {
                                    return fail(ChannelError.ioOnClosedChannel)
                                }
                                outcome.bodies.append(body)
                                second.finish(true)
                                pool.close().assumeIsolated().whenComplete { _ in done.succeed(outcome) }
                            }
                        }
                    }
                }
                return done.futureResult
            }.get()
            #expect(outcome.pendingWhileWaiting == 1)
            #expect(outcome.thirdFailure == .overflow)
            #expect(outcome.secondReused)
            #expect(outcome.bodies.count == 2 && outcome.bodies[0] == outcome.bodies[1])
            #expect(cluster.stats[.upstreamRequestsPendingOverflow] == 1)
            #expect(cluster.stats[.upstreamConnectionsOverflow] == 2)
            #expect(cluster.stats[.upstreamRequestsPendingActive] == 0)
            #expect(cluster.stats[.upstreamRequestsActive] == 0)
            #expect(context.inUse(.connection) == 0 || cluster.stats[.upstreamConnectionsActive] == 1)
            #expect(await eventually { context.inUse(.connection) == 0 })
            #expect(context.inUse(.request) == 0)
            #expect(context.inUse(.pendingRequest) == 0)
            await server.stop()
            try await group.shutdownGracefully()
        }
    }
}

/// Sends a GET on `exchange` and reads the whole response body (on the exchange's loop).
private func request(on exchange: HTTPUpstreamExchange) -> EventLoopFuture<String> {
    let channel = exchange.channel
    let promise = channel.eventLoop.makePromise(of: (HTTPResponseHead, String).self)
    do {
        try channel.pipeline.syncOperations.addHandler(
            ResponseCollector(promise: promise),
            name: HTTPUpstreamExchange.handlerName
        )
    } catch {
        return channel.eventLoop.makeFailedFuture(error)
    }
    var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
    head.headers.add(name: "host", value: "upstream")
    channel.write(HTTPClientRequestPart.head(head), promise: nil)
    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    return promise.futureResult.map { $0.1 }
}
