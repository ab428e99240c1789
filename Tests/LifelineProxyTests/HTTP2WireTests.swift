import LifelinePlan
import LifelineProxy
import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import Testing

/// Collects every frame payload of one HTTP/2 stream, as the client's stream channel receives them.
final class StreamFrameCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTP2Frame.FramePayload

    private let frames = Box<[HTTP2Frame.FramePayload]>([])
    private let done: EventLoopPromise<[HTTP2Frame.FramePayload]>

    init(done: EventLoopPromise<[HTTP2Frame.FramePayload]>) {
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        frames.update { $0.append(payload) }
        switch payload {
        case .headers(let headers) where headers.endStream: done.succeed(frames.value)
        case .data(let data) where data.endStream: done.succeed(frames.value)
        case .rstStream: done.succeed(frames.value)
        default: break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed(frames.value)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.succeed(frames.value)
    }
}

/// An h2c connection from swift-nio-http2's client whose streams read raw frame payloads.
struct H2FrameClient {
    let channel: any Channel
    let multiplexer: NIOHTTP2Handler.StreamMultiplexer

    static func connect(port: Int, group: any EventLoopGroup) async throws -> H2FrameClient {
        let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
        let multiplexer = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                mode: .client,
                connectionConfiguration: .init(),
                streamConfiguration: .init()
            ) { $0.eventLoop.makeSucceededVoidFuture() }
        }.get()
        return H2FrameClient(channel: channel, multiplexer: multiplexer)
    }

    /// Sends one request (HEADERS ending the stream) and returns the frames of its answer.
    func request(_ headers: [(String, String)]) async throws -> [HTTP2Frame.FramePayload] {
        let done = channel.eventLoop.makePromise(of: [HTTP2Frame.FramePayload].self)
        let multiplexer = self.multiplexer
        let stream = try await channel.eventLoop.flatSubmit {
            multiplexer.createStreamChannel { stream in
                stream.eventLoop.makeCompletedFuture {
                    try stream.pipeline.syncOperations.addHandler(StreamFrameCollector(done: done))
                }
            }
        }.get()
        let payload = HTTP2Frame.FramePayload.headers(.init(headers: HPACKHeaders(headers), endStream: true))
        try await stream.writeAndFlush(payload).get()
        return try await withDeadline(seconds: 10) { try await done.futureResult.get() }
    }

    func close() {
        channel.close(promise: nil)
    }
}

extension HTTP2Frame.FramePayload {
    var headerBlock: HTTP2Frame.FramePayload.Headers? {
        if case .headers(let headers) = self { return headers }
        return nil
    }
}

extension LiveProxyTests {
    /// What goes on the wire in the cases where Envoy's answer is a particular frame, not only a status: each
    /// compared with Envoy 1.40 by the conformance suite, which found them.
    @Suite struct HTTP2WireTests {
        static let grpcRequest = [
            (":method", "POST"), (":scheme", "http"), (":authority", "gateway.test"), (":path", "/dead/svc.Method"),
            ("content-type", "application/grpc"), ("te", "trailers"),
        ]

        /// Before: a HEADERS frame with the status, then a second (trailers) frame repeating it.
        @Test func aGrpcLocalReplyIsOneHeadersFrameEndingTheStream() async throws {
            let manager = HTTPPlans.manager(routes: [HTTPPlans.route(prefix: "/dead", cluster: "dead")])
            try await withHTTPGateway(manager) { harness, _, group in
                let client = try await H2FrameClient.connect(port: harness.port, group: group)
                defer { client.close() }
                let frames = try await client.request(Self.grpcRequest)
                #expect(frames.count == 1, "\(frames)")
                guard case .headers(let headers) = frames.first else {
                    Issue.record("expected one HEADERS frame, got \(frames)")
                    return
                }
                #expect(headers.endStream)
                #expect(headers.headers.first(name: ":status") == "200")
                #expect(headers.headers.first(name: "grpc-status") == "14")
                #expect(headers.headers.first(name: "content-type") == "application/grpc")
                #expect(headers.headers.first(name: "content-length") == nil)
            }
        }

        /// Before: the stream was reset with CANCEL, which gRPC clients report as CANCELLED where Envoy's reset
        /// (INTERNAL_ERROR) gives INTERNAL; the route timeout's case is measured against Envoy by the conformance
        /// suite, this one is an upstream that goes away mid-response.
        @Test func aStreamTheGatewayEndsAfterTheResponseBeganIsResetWithInternalError() async throws {
            try await withHTTPGateway(HTTPPlans.manager(routes: [HTTPPlans.route()])) { harness, _, group in
                // The test upstream answers /half with its head and part of the body, then closes.
                let client = try await H2FrameClient.connect(port: harness.port, group: group)
                defer { client.close() }
                let frames = try await client.request([
                    (":method", "GET"), (":scheme", "http"), (":authority", "a.test"), (":path", "/half"),
                ])
                let reset = frames.compactMap { frame -> HTTP2ErrorCode? in
                    if case .rstStream(let code) = frame { return code }
                    return nil
                }
                let answeredFirst = frames.contains { $0.headerBlock != nil }
                #expect(answeredFirst, "\(frames)")
                #expect(reset == [.internalError], "\(frames)")
            }
        }

        /// Before: the gateway closed the connection at once, dropping the GOAWAY swift-nio-http2 was about to write.
        @Test func dataOnAnIdleStreamGetsGoawayProtocolError() async throws {
            try await withHTTPGateway(HTTPPlans.manager(routes: [HTTPPlans.route()])) { harness, _, group in
                let frames = try await withDeadline(seconds: 10) {
                    let client = try await connectClient(port: harness.port, group: group)
                    return try await client.executeThenClose { inbound, outbound in
                        try await outbound.write(ByteBuffer(bytes: HTTP2Bytes.preface + HTTP2Bytes.settings))
                        try await Task.sleep(for: .milliseconds(100))
                        let bytes =
                            HTTP2Bytes.frame(type: 4, flags: 1, stream: 0, payload: [])
                            + HTTP2Bytes.frame(type: 0, flags: 1, stream: 1, payload: Array("hello".utf8))
                        try await outbound.write(ByteBuffer(bytes: bytes))
                        let (received, _) = await readAll(inbound)
                        return HTTP2Bytes.frames(received)
                    }
                }
                let goAway = try #require(frames.first { $0.type == 7 }, "\(frames.map(\.type))")
                #expect(goAway.errorCode == 1)  // PROTOCOL_ERROR
            }
        }

        /// Before: headers past max_request_headers_kb (sent once SETTINGS are acknowledged) closed the connection.
        @Test func oversizedHeadersRefuseTheStreamAndTheConnectionLives() async throws {
            let manager = HTTPPlans.manager(routes: [HTTPPlans.route()]) { $0.maxRequestHeadersKb = 4 }
            try await withHTTPGateway(manager) { harness, _, group in
                let client = try await H2FrameClient.connect(port: harness.port, group: group)
                defer { client.close() }
                // Let the SETTINGS exchange finish, so the gateway's header list limit is in force.
                try await Task.sleep(for: .milliseconds(200))
                let request = [(":method", "GET"), (":scheme", "http"), (":authority", "a.test"), (":path", "/")]
                let refused = try await client.request(request + [("x-big", String(repeating: "a", count: 6 * 1024))])
                #expect(refused.first?.headerBlock?.headers.first(name: ":status") == "431", "\(refused)")
                let served = try await client.request(request)
                #expect(served.first?.headerBlock?.headers.first(name: ":status") == "200", "\(served)")
                #expect(client.channel.isActive)
            }
        }

        /// Before: forwarded to the upstream as HTTP/1.0.
        @Test func http10IsRefusedWith426AsEnvoyDoesByDefault() async throws {
            try await withHTTPGateway(HTTPPlans.manager(routes: [HTTPPlans.route()])) { harness, _, group in
                let text = try await withDeadline(seconds: 10) {
                    let client = try await connectClient(port: harness.port, group: group)
                    return try await client.executeThenClose { inbound, outbound in
                        try await outbound.write(ByteBuffer(string: "GET / HTTP/1.0\r\nHost: a.test\r\n\r\n"))
                        let (received, _) = await readAll(inbound)
                        return String(buffer: received)
                    }
                }
                #expect(text.hasPrefix("HTTP/1.0 426") || text.hasPrefix("HTTP/1.1 426"), "\(text)")
            }
        }
    }
}
