import LifelineProxy
import NIOCore
import NIOPosix
import Testing

extension LiveProxyTests {
    /// A downstream HTTP/2 client that sends FIN is gone: the gateway closes its side at once, as Envoy does, instead
    /// of holding the socket in CLOSE_WAIT (and its descriptor and connection-table row) until the idle timeout.
    @Suite struct HTTP2HalfCloseTests {
        /// The HTTP/2 connection preface and an empty SETTINGS frame.
        static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]

        /// Before: the gateway answered the SETTINGS and then never closed; the read below ran into its deadline.
        @Test func aClientFINClosesTheConnection() async throws {
            try await withHTTPGateway(HTTPPlans.manager(routes: [HTTPPlans.route()])) { harness, _, group in
                let client = try await connectClient(port: harness.port, group: group)
                try await client.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(bytes: Self.preface))
                    outbound.finish()
                    let (_, ended) = try await withDeadline(seconds: 5) { await readAll(inbound) }
                    #expect(ended, "the gateway reset the connection instead of closing it")
                }
                var remaining = -1
                for _ in 0..<50 where remaining != 0 {
                    remaining = await harness.gateway.connections().count
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(remaining == 0, "the connection table still lists the connection")
            }
        }

        /// The same after a request was answered (a local reply: 503 from a cluster that refuses).
        @Test func aClientFINAfterAnAnsweredRequestClosesTheConnection() async throws {
            let manager = HTTPPlans.manager(routes: [HTTPPlans.route(prefix: "/dead", cluster: "dead")])
            try await withHTTPGateway(manager) { harness, _, group in
                let client = try await H2FrameClient.connect(port: harness.port, group: group)
                let frames = try await client.request([
                    (":method", "GET"), (":scheme", "http"), (":authority", "gateway.test"), (":path", "/dead/x"),
                ])
                #expect(frames.first?.headerBlock?.headers.first(name: ":status") == "503")
                try await client.channel.close(mode: .output).get()
                let closed = try await withDeadline(seconds: 5) {
                    try await client.channel.closeFuture.get()
                    return true
                }
                #expect(closed)
            }
        }
    }
}
