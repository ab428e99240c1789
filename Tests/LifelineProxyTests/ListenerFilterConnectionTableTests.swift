import LifelineProxy
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// Behind `tls_inspector` the connection's row counts the bytes the inspector held before the chain was chosen.
    @Suite struct ListenerFilterConnectionTableTests {
        @Test func bytesHeldByTheInspectorAreCounted() async throws {
            try await withGateway(upstream: EchoHandler(), listenerExtra: ListenerFilterTests.inspector) {
                harness,
                group in
                let client = try await connectClient(port: harness.port, group: group)
                try await client.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: "ping"))
                    var iterator = inbound.makeAsyncIterator()
                    let reply = try await iterator.next()
                    #expect(reply.map { String(buffer: $0) } == "ping")
                    let connections = await harness.gateway.connections()
                    let downstream = try #require(connections.first { $0.direction == .downstream })
                    #expect(downstream.bytesReceived == 4)
                    #expect(downstream.bytesSent == 4)
                    #expect(downstream.filterChain != nil)
                    let upstream = try #require(connections.first { $0.direction == .upstream })
                    #expect(upstream.bytesSent == 4)
                }
            }
        }
    }
}
