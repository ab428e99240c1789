import LifelineConfig
import LifelinePlan
import LifelineProxy
import Logging
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// `envoy.filters.network.connection_limit` with real clients: a chain's cap shared by every event loop, a
    /// connection past it closed (at once, or after `delay` with nothing it sent proxied) and counted as Envoy counts
    /// it, the open ones left alone, a place freed by a close, and the count kept by a reload that keeps the chain.
    @Suite("The connection_limit network filter")
    struct ConnectionLimitFilterTests {
        /// A tcp_proxy listener with a connection_limit of `max` (and `delay`) in front of one upstream.
        static func config(max: Int, delay: String? = nil, upstreamPort: Int) -> String {
            """
            static_resources:
              listeners:
              - name: limited
                address:
                  socket_address: { address: 127.0.0.1, port_value: 0 }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.connection_limit
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit
                      stat_prefix: per_chain
                      max_connections: \(max)\(delay.map { "\n          delay: \($0)" } ?? "")
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: limited
                      cluster: upstream
              clusters:
            \(loopbackCluster("upstream", ports: [upstreamPort], connectTimeout: "2s"))
            """
        }

        static func plan(_ yaml: String) throws -> GatewayPlan {
            let tree = try ConfigLoader.parseDocument(yaml, file: "t.yaml")
            return try GatewayPlanner.plan(try Bootstrap.decode(tree).0).0
        }

        /// `connection_limit.per_chain.<leaf>` as `/stats` shows it.
        static func stat(_ gateway: Gateway, _ leaf: String) -> Int? {
            gateway.store.samples().first { $0.name == "connection_limit.per_chain.\(leaf)" }?.value
        }

        /// Runs `body` against a started gateway and an echo upstream that counts the bytes it receives.
        static func withLimitedGateway(
            max: Int,
            delay: String? = nil,
            _ body: @escaping @Sendable (Gateway, Int, Counter, any EventLoopGroup) async throws -> Void
        ) async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let received = Counter()
            let mismatches = Counter()
            let upstream = try await TestUpstream.start(group: group) {
                EchoHandler(verifyingInto: received, mismatches: mismatches)
            }
            var logger = Logger(label: "lifeline-test")
            logger.logLevel = .critical
            let gateway = try Gateway(
                plan: try plan(config(max: max, delay: delay, upstreamPort: upstream.port)),
                logger: logger
            )
            try await gateway.start(group: group)
            let result: Result<Void, any Error>
            do {
                let port = try #require(gateway.listener(named: "limited")?.localPort)
                try await withDeadline(seconds: 30) { try await body(gateway, port, received, group) }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            await gateway.stop()
            await upstream.stop()
            try await group.shutdownGracefully()
            try result.get()
        }

        @Test func pastTheLimitAConnectionIsClosedAtOnceAndCounted() async throws {
            try await Self.withLimitedGateway(max: 2) { gateway, port, _, group in
                let first = EchoConnection(try await connectClient(port: port, group: group))
                let second = EchoConnection(try await connectClient(port: port, group: group))
                #expect(try await first.echo("one") == "one")
                #expect(try await second.echo("two") == "two")
                let third = EchoConnection(try await connectClient(port: port, group: group))
                #expect(await third.waitForEnd(), "the third connection is closed without a byte")
                await third.close()
                #expect(Self.stat(gateway, "limited_connections") == 1)
                // The connections already open were not touched.
                #expect(try await first.echo("still one") == "still one")
                #expect(try await second.echo("still two") == "still two")
                #expect(await eventually { Self.stat(gateway, "active_connections") == 2 })
                // A closed one frees its place for the next client.
                await first.close()
                #expect(await eventually { Self.stat(gateway, "active_connections") == 1 })
                let fourth = EchoConnection(try await connectClient(port: port, group: group))
                #expect(try await fourth.echo("four") == "four")
                #expect(Self.stat(gateway, "limited_connections") == 1)
                await fourth.close()
                await second.close()
                #expect(await eventually { Self.stat(gateway, "active_connections") == 0 })
            }
        }

        @Test func withADelayTheRefusedConnectionIsHeldThenClosedAndNothingIsProxied() async throws {
            try await Self.withLimitedGateway(max: 1, delay: "0.6s") { gateway, port, received, group in
                let holder = EchoConnection(try await connectClient(port: port, group: group))
                #expect(try await holder.echo("held") == "held")
                let before = received.current
                let started = ContinuousClock.now
                let refused = EchoConnection(try await connectClient(port: port, group: group))
                try await refused.channel.outbound.write(ByteBuffer(string: "must not reach the upstream"))
                #expect(await refused.waitForEnd())
                let waited = ContinuousClock.now - started
                #expect(waited >= .milliseconds(550), "closed after the delay, not at once: \(waited)")
                await refused.close()
                #expect(received.current == before, "no byte of the refused connection reached the upstream")
                #expect(Self.stat(gateway, "limited_connections") == 1)
                #expect(try await holder.echo("still held") == "still held")
                await holder.close()
            }
        }

        @Test func aReloadThatKeepsTheChainKeepsItsCount() async throws {
            try await Self.withLimitedGateway(max: 1) { gateway, port, _, group in
                let first = EchoConnection(try await connectClient(port: port, group: group))
                #expect(try await first.echo("one") == "one")
                // The same chain in the reloaded plan: its runtime is carried over, with its count of one open
                // connection (a new count would let the next client in).
                try await gateway.reload(to: gateway.plan)
                let refused = EchoConnection(try await connectClient(port: port, group: group))
                #expect(await refused.waitForEnd(), "the limit still counts the connection opened before the reload")
                await refused.close()
                #expect(try await first.echo("still") == "still")
                await first.close()
            }
        }
    }
}
