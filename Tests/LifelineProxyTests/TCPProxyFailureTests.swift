import Glibc
import LifelinePlan
import LifelineProxy
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// A dead or unresponsive upstream closes the downstream, is counted, and leaves nothing behind.
    @Suite struct TCPProxyFailureTests {
        @Test(arguments: L4Engine.allCases) func refusedUpstreamClosesTheDownstream(engine: L4Engine) async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let refusing = RefusingPort()
            let harness = try await GatewayHarness.start(
                yaml: GatewayHarness.config(upstreamPorts: [refusing.port]),
                group: group,
                engine: engine
            )
            let client = try await connectClient(port: harness.port, group: group)
            let (bytes, _) = try await withDeadline(seconds: 10) {
                try await client.executeThenClose { inbound, outbound in
                    try? await outbound.write(ByteBuffer(string: "anyone there?"))
                    return await readAll(inbound)
                }
            }
            #expect(bytes.readableBytes == 0)
            #expect(harness.cluster.stats[.upstreamConnectFailures] == 1)
            #expect(harness.cluster.stats[.upstreamConnectTimeouts] == 0)
            #expect(await eventually { harness.listener.activeConnections == 0 })
            await harness.stop()
            withExtendedLifetime(refusing) {}
            try await group.shutdownGracefully()
        }

        @Test(arguments: L4Engine.allCases) func upstreamThatNeverAnswersTheHandshakeTimesOut(engine: L4Engine)
            async throws
        {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let raw = RawListener()
            raw.fillAcceptQueue()
            let harness = try await GatewayHarness.start(
                yaml: GatewayHarness.config(upstreamPorts: [raw.port], connectTimeout: "0.3s"),
                group: group,
                engine: engine
            )
            let client = try await connectClient(port: harness.port, group: group)
            let (bytes, _) = try await withDeadline(seconds: 10) {
                try await client.executeThenClose { inbound, _ in await readAll(inbound) }
            }
            #expect(bytes.readableBytes == 0)
            #expect(harness.cluster.stats[.upstreamConnectTimeouts] == 1)
            #expect(harness.cluster.stats[.upstreamConnectFailures] == 0)
            #expect(await eventually { harness.listener.activeConnections == 0 })
            await harness.stop()
            try await group.shutdownGracefully()
        }

        @Test(arguments: L4Engine.allCases) func silentUpstreamIsClosedByIdleTimeoutOnBothSides(engine: L4Engine)
            async throws
        {
            let upstreamClosed = Counter()
            try await withGateway(
                upstream: CloseCountingSilentHandler(closed: upstreamClosed),
                tcpProxyExtra: "          idle_timeout: 0.3s",
                engine: engine
            ) { harness, group in
                let client = try await connectClient(port: harness.port, group: group)
                let (bytes, _) = try await withDeadline(seconds: 10) {
                    try await client.executeThenClose { inbound, outbound in
                        try await outbound.write(ByteBuffer(string: "hello?"))
                        return await readAll(inbound)
                    }
                }
                #expect(bytes.readableBytes == 0)
                #expect(harness.listener.stats[.idleTimeout] == 1)
                #expect(await eventually { upstreamClosed.current == 1 })
                #expect(await eventually { harness.listener.stats[.downstreamIdleTimeout] == 1 })
                #expect(await eventually { harness.cluster.stats[.upstreamIdleTimeout] == 1 })
                #expect(await eventually { harness.listener.activeConnections == 0 })
                #expect(harness.cluster.stats[.upstreamConnectionsActive] == 0)
            }
        }

        @Test(arguments: L4Engine.allCases) func trafficKeepsAConnectionPastItsIdleTimeoutAndQuietThenClosesIt(
            engine: L4Engine
        ) async throws {
            try await withGateway(
                upstream: EchoHandler(),
                tcpProxyExtra: "          idle_timeout: 0.4s",
                engine: engine
            ) {
                harness,
                group in
                let client = try await connectClient(port: harness.port, group: group)
                let (echoed, rest) = try await withDeadline(seconds: 20) {
                    try await client.executeThenClose { inbound, outbound in
                        var iterator = inbound.makeAsyncIterator()
                        var echoed = 0
                        // Three times the timeout, a byte every 0.1 s: never idle for long.
                        for _ in 0..<12 {
                            try await outbound.write(ByteBuffer(string: "."))
                            echoed += (try await iterator.next())?.readableBytes ?? 0
                            try await Task.sleep(for: .milliseconds(100))
                        }
                        // Then quiet: the idle timeout closes it, and nothing more arrives.
                        var rest = 0
                        while let buffer = try await iterator.next() {
                            rest += buffer.readableBytes
                        }
                        return (echoed, rest)
                    }
                }
                #expect(echoed == 12)
                #expect(rest == 0)
                #expect(harness.listener.stats[.idleTimeout] == 1)
                #expect(await eventually { harness.listener.activeConnections == 0 })
            }
        }

        @Test(arguments: L4Engine.allCases) func idleTimeoutOfZeroNeverFires(engine: L4Engine) async throws {
            try await withGateway(upstream: EchoHandler(), tcpProxyExtra: "          idle_timeout: 0s", engine: engine)
            {
                harness,
                group in
                #expect(harness.listener.plan.filterChains.first?.tcpProxy?.idleTimeout == nil)
                let client = try await connectClient(port: harness.port, group: group)
                try await client.executeThenClose { inbound, outbound in
                    try await Task.sleep(for: .milliseconds(500))
                    try await outbound.write(ByteBuffer(string: "still here"))
                    var iterator = inbound.makeAsyncIterator()
                    let echoed = try await iterator.next()
                    #expect(echoed.map { String(buffer: $0) } == "still here")
                }
                #expect(harness.listener.stats[.idleTimeout] == 0)
            }
        }

        @Test(arguments: L4Engine.allCases) func aClientResetIsCountedAsSuchAndTheUpstreamIsClosedLocally(
            engine: L4Engine
        ) async throws {
            try await withGateway(upstream: EchoHandler(), engine: engine) { harness, group in
                let client = connectLoopback(port: harness.port)
                #expect(client >= 0)
                #expect(await eventually { harness.cluster.stats[.upstreamConnectionsActive] == 1 })
                // SO_LINGER with a zero timeout: close() sends RST instead of FIN.
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                close(client)
                #expect(await eventually { harness.listener.stats[.downstreamReset] == 1 })
                #expect(await eventually { harness.cluster.stats[.upstreamClosedLocally] == 1 })
                #expect(harness.listener.stats[.downstreamClosedByRemote] == 0)
            }
        }

        @Test(arguments: L4Engine.allCases) func stopClosesOpenConnectionsAndPendingConnects(engine: L4Engine)
            async throws
        {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let raw = RawListener()
            raw.fillAcceptQueue()
            let harness = try await GatewayHarness.start(
                yaml: GatewayHarness.config(upstreamPorts: [raw.port], connectTimeout: "30s"),
                group: group,
                engine: engine
            )
            let client = try await connectClient(port: harness.port, group: group)
            #expect(await eventually { harness.listener.activeConnections == 1 })
            await harness.stop()
            let (_, _) = try await withDeadline(seconds: 10) {
                try await client.executeThenClose { inbound, _ in await readAll(inbound) }
            }
            #expect(harness.listener.activeConnections == 0)
            #expect(harness.listener.stats[.downstreamClosedLocally] == 1)
            #expect(harness.cluster.stats[.upstreamConnectTimeouts] == 0)
            try await group.shutdownGracefully()
        }
    }
}

/// Says nothing; counts the peer's end of input and closes then.
final class CloseCountingSilentHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let closed: Counter

    init(closed: Counter) {
        self.closed = closed
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            closed.add(1)
            context.close(promise: nil)
        }
    }
}
