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
    }
}
