import Foundation
import LifelinePlan
import LifelineProxy
import LifelineTestSupport
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import Testing

extension LiveProxyTests {
    /// HTTP/2 downstream (h2c and TLS with ALPN), trailers, PINGs, malformed frames, and bodies far larger than what
    /// the gateway may hold.
    @Suite struct HTTP2DownstreamTests {
        static func manager(_ configure: (inout HttpConnectionManagerPlan) -> Void = { _ in })
            -> HttpConnectionManagerPlan
        {
            HTTPPlans.manager(routes: [HTTPPlans.route(prefix: "/")], configure: configure)
        }

        @Test func trailersTravelBothWaysOverH2c() async throws {
            try await withHTTPGateway(Self.manager()) { harness, _, group in
                var head = HTTPRequestHead(version: .http2, method: .POST, uri: "/echo")
                head.headers.add(name: "host", value: "gateway.test")
                head.headers.add(name: "content-type", value: "application/grpc")
                head.headers.add(name: "te", value: "trailers")
                let response = try await h2Request(
                    port: harness.port,
                    group: group,
                    head: head,
                    body: ByteBuffer(string: "payload"),
                    trailers: HTTPHeaders([("x-request-trailer", "sent")])
                )
                #expect(response.head.status == .ok)
                #expect(String(buffer: response.body) == "payload")
                #expect(response.trailers?.first(name: "x-request-trailer") == "sent")
                #expect(response.trailers?.first(name: "x-echo-bytes") == "7")

                var grpc = HTTPRequestHead(version: .http2, method: .POST, uri: "/trailers")
                grpc.headers.add(name: "host", value: "gateway.test")
                let trailers = try await h2Request(
                    port: harness.port,
                    group: group,
                    head: grpc,
                    body: nil,
                    trailers: nil
                )
                #expect(String(buffer: trailers.body) == "ok")
                #expect(trailers.trailers?.first(name: "grpc-status") == "0")
                #expect(trailers.trailers?.first(name: "grpc-message") == "fine")
            }
        }

        @Test func tlsWithALPNChoosesTheCodec() async throws {
            let certificates = try TestCertificates.make()
            defer { certificates.remove() }
            let tls = DownstreamTlsPlan(
                certificates: [
                    CertificatePlan(
                        certificateChain: PEMSource(pem: certificates.serverRSA.certificatePEM, source: "test"),
                        privateKey: PEMSource(pem: certificates.serverRSA.keyPEM, source: "test")
                    )
                ],
                common: CommonTlsPlan(alpnProtocols: ["h2", "http/1.1"])
            )
            try await withHTTPGateway(Self.manager(), tls: tls) { harness, _, _ in
                let base = [
                    "--cacert", certificates.authority.certificatePath,
                    "--resolve", "lifeline.test:\(harness.port):127.0.0.1",
                ]
                let url = "https://lifeline.test:\(harness.port)/headers"
                let h2 = try curl(base + ["--http2", url])
                #expect(h2.status == 200)
                #expect(h2.version == "HTTP/2")
                #expect(h2.body.contains("x-forwarded-proto: https"))
                let h1 = try curl(base + ["--http1.1", url])
                #expect(h1.status == 200)
                #expect(h1.version == "HTTP/1.1")
                #expect(harness.stats[.downstreamHTTP2Total] == 1)
                #expect(harness.stats[.downstreamHTTP1Total] == 1)
            }
        }

        @Test func aSilentPeerIsClosedByKeepaliveAndAnAnsweringOneStays() async throws {
            let manager = Self.manager {
                $0.http2.keepalive = Http2KeepalivePlan(
                    interval: .milliseconds(300),
                    timeout: .milliseconds(300),
                    intervalJitterPercent: 0
                )
            }
            try await withHTTPGateway(manager) { harness, _, group in
                // A peer that completes the preface and then never sends another byte.
                let closedAfter = try await withDeadline(seconds: 10) {
                    let client = try await connectClient(port: harness.port, group: group)
                    return try await client.executeThenClose { inbound, outbound in
                        let started = ContinuousClock.now
                        try await outbound.write(ByteBuffer(bytes: HTTP2Bytes.preface + HTTP2Bytes.settings))
                        let (received, _) = await readAll(inbound)
                        #expect(HTTP2Bytes.frames(received).contains { $0.type == 6 })  // it was pinged
                        return ContinuousClock.now - started
                    }
                }
                #expect(closedAfter < .seconds(3))
                #expect(harness.stats[.http2KeepaliveTimeout] == 1)

                // swift-nio-http2's client answers every PING: it stays.
                let channel = try await h2Connection(port: harness.port, group: group)
                try await Task.sleep(for: .milliseconds(1500))
                #expect(channel.isActive)
                #expect(harness.stats[.http2KeepaliveTimeout] == 1)
                try await channel.close()
            }
        }

        @Test func idleAndOldConnectionsAreDrainedWithGoaway() async throws {
            let idle = Self.manager { $0.idleTimeout = .milliseconds(300) }
            try await withHTTPGateway(idle) { harness, _, group in
                let channel = try await h2Connection(port: harness.port, group: group)
                #expect(await eventually(seconds: 5) { !channel.isActive })
            }
            let old = Self.manager {
                $0.idleTimeout = nil
                $0.maxConnectionDuration = .milliseconds(300)
            }
            try await withHTTPGateway(old) { harness, _, group in
                let channel = try await h2Connection(port: harness.port, group: group)
                #expect(await eventually(seconds: 5) { !channel.isActive })
            }
        }

        @Test func aPingFloodGetsGoawayTooManyPings() async throws {
            try await withHTTPGateway(Self.manager()) { harness, _, group in
                let frames = try await withDeadline(seconds: 10) {
                    let client = try await connectClient(port: harness.port, group: group)
                    return try await client.executeThenClose { inbound, outbound in
                        var bytes = HTTP2Bytes.preface + HTTP2Bytes.settings
                        for index in 0..<4 {
                            bytes += HTTP2Bytes.frame(
                                type: 6,
                                flags: 0,
                                stream: 0,
                                payload: [UInt8](repeating: UInt8(index), count: 8)
                            )
                        }
                        try await outbound.write(ByteBuffer(bytes: bytes))
                        let (received, _) = await readAll(inbound)
                        return HTTP2Bytes.frames(received)
                    }
                }
                let goAway = try #require(frames.first { $0.type == 7 })
                #expect(goAway.errorCode == 11)  // ENHANCE_YOUR_CALM
                #expect(goAway.debugData == "too_many_pings")
                #expect(harness.stats[.http2TooManyPings] == 1)
            }
        }

        @Test func invalidFramesGetGoawayAndClose() async throws {
            try await withHTTPGateway(Self.manager()) { harness, _, group in
                let frames = try await withDeadline(seconds: 10) {
                    let client = try await connectClient(port: harness.port, group: group)
                    return try await client.executeThenClose { inbound, outbound in
                        // DATA on stream 0 is a connection error (RFC 9113 §6.1).
                        let bytes =
                            HTTP2Bytes.preface + HTTP2Bytes.settings
                            + HTTP2Bytes.frame(type: 0, flags: 0, stream: 0, payload: Array("oops".utf8))
                        try await outbound.write(ByteBuffer(bytes: bytes))
                        let (received, _) = await readAll(inbound)
                        return HTTP2Bytes.frames(received)
                    }
                }
                let goAway = try #require(frames.first { $0.type == 7 })
                #expect(goAway.errorCode == 1)  // PROTOCOL_ERROR
            }
        }

        @Test func largeBodiesStreamBothWaysWithBoundedMemory() async throws {
            let size = 64 * 1024 * 1024
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(
                "lifeline-body-\(UUID().uuidString)"
            )
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            let handle = try FileHandle(forWritingTo: file)
            var offset = 0
            while offset < size {
                let chunk = Pattern.bytes(at: offset, count: min(1 << 20, size - offset))
                handle.write(Data(chunk.readableBytesView))
                offset += chunk.readableBytes
            }
            try handle.close()
            defer { try? FileManager.default.removeItem(at: file) }

            try await withHTTPGateway(Self.manager()) { harness, _, _ in
                let baseline = residentBytes()
                let peak = Box(baseline)
                let upload = Task.detached {
                    try ExternalCommand([
                        "curl", "-s", "--http1.1", "-H", "Expect:", "-T", file.path, "-X", "POST",
                        "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                        "http://127.0.0.1:\(harness.port)/echo",
                    ]).run()
                }
                let sampler = Task {
                    while !Task.isCancelled {
                        let now = residentBytes()
                        peak.update { $0 = max($0, now) }
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                }
                let output = try await upload.value
                sampler.cancel()
                #expect(output.text == "200 \(size)")
                // Everything passed through the test process twice (gateway and upstream); holding it whole anywhere
                // would show as at least 64 MiB more.
                #expect(peak.value - baseline < 32 * 1024 * 1024, "grew by \(peak.value - baseline) bytes")
            }
        }
    }
}

/// The resident set of this process, from /proc.
func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    return kilobytes * 1024
}

/// HTTP/2 frames as bytes, for clients that misbehave on purpose.
enum HTTP2Bytes {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    static let settings = frame(type: 4, flags: 0, stream: 0, payload: [])

    static func frame(type: UInt8, flags: UInt8, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags]
            + withUnsafeBytes(of: stream.bigEndian, Array.init) + payload
    }

    struct Frame {
        var type: UInt8
        var payload: [UInt8]

        var errorCode: UInt32? {
            guard type == 7, payload.count >= 8 else { return nil }
            return payload[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
        }

        var debugData: String? {
            guard type == 7, payload.count >= 8 else { return nil }
            return String(decoding: payload[8...], as: UTF8.self)
        }
    }

    /// The frames a server sent (no preface on that side).
    static func frames(_ buffer: ByteBuffer) -> [Frame] {
        let bytes = Array(buffer.readableBytesView)
        var frames: [Frame] = []
        var index = 0
        while index + 9 <= bytes.count {
            let length = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            guard index + 9 + length <= bytes.count else { break }
            frames.append(Frame(type: bytes[index + 3], payload: Array(bytes[index + 9..<index + 9 + length])))
            index += 9 + length
        }
        return frames
    }
}

/// Collects one response on an HTTP/2 stream channel.
final class CollectingResponseHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart
    struct Response: Sendable {
        var head: HTTPResponseHead
        var body: ByteBuffer
        var trailers: HTTPHeaders?
    }

    private let promise: EventLoopPromise<Response>
    private let partial = Box<(HTTPResponseHead?, ByteBuffer)>((nil, ByteBuffer()))

    init(promise: EventLoopPromise<Response>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): partial.update { $0.0 = head }
        case .body(var body): partial.update { $0.1.writeBuffer(&body) }
        case .end(let trailers):
            let (head, body) = partial.value
            if let head {
                promise.succeed(Response(head: head, body: body, trailers: trailers))
            } else {
                promise.fail(ChannelError.inputClosed)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.inputClosed)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }
}

/// An h2c connection (prior knowledge) from swift-nio-http2's client, which answers PINGs.
func h2Connection(port: Int, group: any EventLoopGroup) async throws -> any Channel {
    let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
    try await channel.eventLoop.submit {
        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .client,
            connectionConfiguration: .init(),
            streamConfiguration: .init()
        ) { $0.eventLoop.makeSucceededVoidFuture() }
    }.get()
    return channel
}

/// One request over a fresh h2c connection, with a body and trailers if given.
func h2Request(
    port: Int,
    group: any EventLoopGroup,
    head: HTTPRequestHead,
    body: ByteBuffer?,
    trailers: HTTPHeaders?
) async throws -> CollectingResponseHandler.Response {
    let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
    let promise = channel.eventLoop.makePromise(of: CollectingResponseHandler.Response.self)
    let stream = try await channel.eventLoop.flatSubmit {
        do {
            let multiplexer = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                mode: .client,
                connectionConfiguration: .init(),
                streamConfiguration: .init()
            ) { $0.eventLoop.makeSucceededVoidFuture() }
            return multiplexer.createStreamChannel { stream in
                stream.eventLoop.makeCompletedFuture {
                    try stream.pipeline.syncOperations.addHandlers(
                        HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: .http),
                        CollectingResponseHandler(promise: promise)
                    )
                }
            }
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
    }.get()
    stream.write(HTTPClientRequestPart.head(head), promise: nil)
    if let body { stream.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
    stream.writeAndFlush(HTTPClientRequestPart.end(trailers), promise: nil)
    defer { channel.close(promise: nil) }
    return try await withDeadline(seconds: 10) { try await promise.futureResult.get() }
}
