import LifelineProxy
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import Testing

extension LiveProxyTests {
    /// The drain sequence as clients see it: HTTP/2 clients get GOAWAY, HTTP/1.1 ones `connection: close`, what is in
    /// flight finishes, and what is left at the end of the drain time is closed.
    @Suite struct GatewayDrainTests {
        /// A request whose body is sent in two halves (the upstream answers once the request ended), so it is in
        /// flight while the drain begins.
        static let firstHalf = "hello"
        static let secondHalf = "world"

        @Test func anHTTP2ClientGetsGoawayAndItsStreamInFlightCompletes() async throws {
            try await withHTTPGateway(HTTP2DownstreamTests.manager()) { harness, upstream, group in
                let goaways = Counter()
                let channel = try await ClientBootstrap(group: group)
                    .connect(host: "127.0.0.1", port: harness.port).get()
                let promise = channel.eventLoop.makePromise(of: CollectingResponseHandler.Response.self)
                let stream = try await channel.eventLoop.flatSubmit {
                    do {
                        let multiplexer = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                            mode: .client,
                            connectionConfiguration: .init(),
                            streamConfiguration: .init()
                        ) { $0.eventLoop.makeSucceededVoidFuture() }
                        try channel.pipeline.syncOperations.addHandler(GoawayCounter(goaways))
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
                var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
                head.headers.add(name: "host", value: "lifeline.test")
                head.headers.add(name: "content-length", value: "10")
                stream.write(HTTPClientRequestPart.head(head), promise: nil)
                try await stream.writeAndFlush(
                    HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: Self.firstHalf)))
                ).get()
                #expect(await eventually { upstream.seen.value.count == 1 })

                let clock = ContinuousClock()
                let start = clock.now
                let drain = Task {
                    await harness.gateway.drain(strategy: .immediate, time: .seconds(20), graceful: false)
                }
                #expect(await eventually { goaways.current >= 1 })
                #expect(channel.isActive)
                stream.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: Self.secondHalf))), promise: nil)
                try await stream.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
                let response = try await promise.futureResult.get()
                #expect(response.head.status == .ok)
                #expect(String(buffer: response.body) == "hello from upstream")
                // The connection closes once its last stream ended, so the drain is over long before its time.
                await drain.value
                #expect(clock.now - start < .seconds(10))
                #expect(await eventually(seconds: 5) { !channel.isActive })
                #expect(harness.gateway.openConnections == 0)
            }
        }

        @Test func anHTTP1ResponseInFlightSaysConnectionClose() async throws {
            try await withHTTPGateway(HTTP2DownstreamTests.manager()) { harness, upstream, group in
                let client = try await connectClient(port: harness.port, group: group)
                let idle = try await connectClient(port: harness.port, group: group)
                try await client.executeThenClose { inbound, outbound in
                    try await idle.executeThenClose { idleInbound, _ in
                        let request =
                            "POST / HTTP/1.1\r\nhost: lifeline.test\r\ncontent-length: 10\r\n\r\n\(Self.firstHalf)"
                        try await outbound.write(ByteBuffer(string: request))
                        #expect(await eventually { upstream.seen.value.count == 1 })
                        #expect(await eventually { harness.gateway.openConnections == 2 })

                        let drain = Task {
                            await harness.gateway.drain(strategy: .immediate, time: .seconds(20), graceful: false)
                        }
                        // A connection without a request in flight is closed at once.
                        let (idleBytes, idleEnded) = await readAll(idleInbound)
                        #expect(idleEnded && idleBytes.readableBytes == 0)
                        try await outbound.write(ByteBuffer(string: Self.secondHalf))
                        let (bytes, ended) = await readAll(inbound)
                        let response = String(buffer: bytes).lowercased()
                        #expect(response.hasPrefix("http/1.1 200"), "\(response)")
                        #expect(response.contains("connection: close"), "\(response)")
                        #expect(response.hasSuffix("hello from upstream"), "\(response)")
                        #expect(ended)
                        await drain.value
                        #expect(harness.gateway.openConnections == 0)
                    }
                }
            }
        }

        @Test func aTCPProxyConnectionIsClosedAtTheEndOfTheDrainTime() async throws {
            try await withGateway(upstream: EchoHandler()) { harness, group in
                let port = harness.port
                let client = EchoConnection(try await connectClient(port: port, group: group))
                #expect(try await client.echo("ping") == "ping")
                let clock = ContinuousClock()
                let start = clock.now
                await harness.gateway.drain(strategy: .gradual, time: .milliseconds(800), graceful: false)
                #expect(clock.now - start >= .milliseconds(800))
                #expect(await client.waitForEnd())
                #expect(harness.gateway.openConnections == 0)
                await #expect(throws: (any Error).self) { try await connectClient(port: port, group: group) }
            }
        }

        @Test func theDrainReturnsOnceTheLastConnectionEnded() async throws {
            try await withGateway(upstream: EchoHandler()) { harness, group in
                let client = EchoConnection(try await connectClient(port: harness.port, group: group))
                #expect(try await client.echo("ping") == "ping")
                let clock = ContinuousClock()
                let start = clock.now
                let drain = Task {
                    await harness.gateway.drain(strategy: .immediate, time: .seconds(30), graceful: false)
                }
                // Listeners stop accepting at once; the open connection goes on.
                #expect(await eventually { harness.listener.localPort == nil })
                #expect(try await client.echo("still") == "still")
                try await client.channel.channel.close()
                await drain.value
                #expect(clock.now - start < .seconds(10))
            }
        }

        @Test func aGracefulDrainAcceptsUntilTheDrainTimeIsOver() async throws {
            try await withGateway(upstream: EchoHandler()) { harness, group in
                let port = harness.port
                let clock = ContinuousClock()
                let start = clock.now
                let drain = Task {
                    await harness.gateway.drain(strategy: .immediate, time: .milliseconds(800), graceful: true)
                }
                try await Task.sleep(for: .milliseconds(200))
                #expect(try await pingOnce(port: port, group: group) == "ping")
                await drain.value
                #expect(clock.now - start >= .milliseconds(800))
                await #expect(throws: (any Error).self) { try await connectClient(port: port, group: group) }
            }
        }
    }
}

/// Counts the GOAWAY frames an HTTP/2 client connection receives.
final class GoawayCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame

    private let count: Counter

    init(_ count: Counter) {
        self.count = count
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .goAway = unwrapInboundIn(data).payload { count.add(1) }
        context.fireChannelRead(data)
    }
}
