import LifelineProxy
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// Which engine a tcp_proxy listener runs on, and what only the relay path has to get right.
    @Suite struct TCPProxyRelayTests {
        @Test(arguments: L4Engine.allCases)
        func aPlainTCPProxyListenerRunsOnTheChosenEngine(engine: L4Engine) async throws {
            try await withGateway(upstream: EchoHandler(), engine: engine) { harness, group in
                #expect(harness.listener.isRelayed == (engine == .relay))
                let client = try await connectClient(port: harness.port, group: group)
                let echoed = try await client.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: "ping"))
                    outbound.finish()
                    let (echoed, ended) = await readAll(inbound)
                    #expect(ended)
                    return String(buffer: echoed)
                }
                #expect(echoed == "ping")
                #expect(await eventually { harness.listener.stats[.downstreamConnectionsDestroyed] == 1 })
                #expect(harness.listener.stats[.downstreamConnectionsTotal] == 1)
                #expect(harness.listener.stats[.downstreamBytesReceived] == 4)
                #expect(harness.listener.stats[.downstreamBytesSent] == 4)
                #expect(harness.listener.stats[.downstreamClosedByRemote] == 1)
                #expect(harness.listener.activeConnections == 0)
            }
        }

        @Test func aListenerWithTLSInspectorStaysOnNIOEvenWhenTheRelayIsChosen() async throws {
            try await withGateway(
                upstream: EchoHandler(),
                listenerExtra: ListenerFilterTests.inspector,
                engine: .relay
            ) { harness, group in
                #expect(!harness.listener.isRelayed)
                let reply = try await pingOnce(port: harness.port, group: group)
                #expect(reply == "ping")
            }
        }
        @Test func aListenerWithProxyProtocolStaysOnNIOEvenWhenTheRelayIsChosen() async throws {
            try await withGateway(
                upstream: EchoHandler(),
                listenerExtra: ProxyProtocolListenerTests.filter(),
                engine: .relay
            ) { harness, group in
                #expect(!harness.listener.isRelayed)
                let reply = try await ProxyProtocolListenerTests().exchange(
                    ProxyProtocolSamples.nlb + Array("ping".utf8),
                    port: harness.port,
                    group: group
                )
                #expect(reply.0 == "ping")
                #expect(harness.listener.stats[.proxyProtocolV2Found] == 1)
            }
        }

        /// The relay does not run network filters before tcp_proxy, so a chain with `connection_limit` stays on NIO,
        /// where the limit holds.
        @Test func aChainWithConnectionLimitStaysOnNIOAndItsLimitHolds() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let upstream = try await TestUpstream.start(group: group) { EchoHandler() }
            let harness = try await GatewayHarness.start(
                yaml: ConnectionLimitFilterTests.config(max: 1, upstreamPort: upstream.port),
                group: group,
                engine: .relay
            )
            let result: Result<Void, any Error>
            do {
                #expect(!harness.listener.isRelayed)
                let first = try await connectClient(port: harness.port, group: group)
                try await first.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: "one"))
                    var iterator = inbound.makeAsyncIterator()
                    let echoed = try await iterator.next()
                    #expect(echoed.map { String(buffer: $0) } == "one")
                    let (second, ended) = try await withDeadline(seconds: 10) {
                        let client = try await connectClient(port: harness.port, group: group)
                        // Nothing sent: a close with unread bytes would be a reset, not the clean end expected.
                        return try await client.executeThenClose { inbound, _ in await readAll(inbound) }
                    }
                    #expect(second.readableBytes == 0)
                    #expect(ended)
                }
                #expect(ConnectionLimitFilterTests.stat(harness.gateway, "limited_connections") == 1)
                result = .success(())
            } catch {
                result = .failure(error)
            }
            await harness.gateway.stop()
            await upstream.stop()
            try await group.shutdownGracefully()
            try result.get()
        }
    }
}
