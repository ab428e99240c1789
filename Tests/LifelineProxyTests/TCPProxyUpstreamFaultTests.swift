import Glibc
import LifelineConfig
import LifelinePlan
import LifelineProxy
import Logging
import NIOCore
import NIOPosix
import Testing

/// Answers the first bytes with `partial`, then resets the connection (SO_LINGER 0) 200 ms later.
final class ReplyThenResetHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "partial")), promise: nil)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: .milliseconds(200)) {
            _ = (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
            channel.close(promise: nil)
        }
    }
}

extension LiveProxyTests {
    /// What a tcp_proxy client and the access log get when the upstream fails, as Envoy 1.40 gives it (measured side
    /// by side by the faults suite's `upstream` scenario).
    @Suite struct TCPProxyUpstreamFaultTests {
        /// Before: the client got `partial` and then a FIN, as if the reply had ended cleanly.
        @Test func anUpstreamResetReachesTheClientAsAReset() async throws {
            try await withGateway(upstream: ReplyThenResetHandler()) { harness, group in
                let client = try await connectClient(port: harness.port, group: group)
                let (bytes, ended) = try await withDeadline(seconds: 10) {
                    try await client.executeThenClose { inbound, outbound in
                        try await outbound.write(ByteBuffer(string: "hello"))
                        return await readAll(inbound)
                    }
                }
                #expect(String(buffer: bytes) == "partial")
                #expect(!ended, "the client saw a clean end of stream, not a reset")
            }
        }

        /// Before: `UF` alone; Envoy's tcp_proxy also logs the exhausted connect attempts, `URX`. An upstream reset is
        /// `UR`.
        @Test func aFailedConnectIsLoggedUFURXAndAnUpstreamResetUR() async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let refusing = RefusingPort()
            let resetting = try await TestUpstream.start(group: group) { ReplyThenResetHandler() }
            let lines = Box<[String]>([])
            var logger = Logger(label: "lifeline-test") { _ in RecordingLogHandler(lines: lines) }
            logger.logLevel = .info
            for (index, port) in [refusing.port, resetting.port].enumerated() {
                let yaml = GatewayHarness.config(upstreamPorts: [port])
                let (bootstrap, _) = try Bootstrap.decode(try ConfigLoader.parseDocument(yaml, file: "test.yaml"))
                let (plan, _) = try GatewayPlanner.plan(bootstrap)
                let gateway = try Gateway(plan: plan, logger: logger)
                try await gateway.start(group: group)
                let client = try await connectClient(port: gateway.listeners[0].localPort!, group: group)
                _ = try await withDeadline(seconds: 10) {
                    try await client.executeThenClose { inbound, outbound in
                        try? await outbound.write(ByteBuffer(string: "hello"))
                        return await readAll(inbound)
                    }
                }
                // The connection's access line is written when its last side closes.
                #expect(await eventually { lines.value.filter { $0.contains("\"- - -\" 0 ") }.count > index })
                await gateway.stop()
            }
            #expect(lines.value.contains { $0.contains("\"- - -\" 0 UF,URX ") }, "\(lines.value)")
            #expect(lines.value.contains { $0.contains("\"- - -\" 0 UR 5 7 ") }, "\(lines.value)")
            await resetting.stop()
            withExtendedLifetime(refusing) {}
            try await group.shutdownGracefully()
        }
    }
}
