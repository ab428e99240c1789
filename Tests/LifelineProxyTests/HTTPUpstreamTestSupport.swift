import LifelineConfig
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import NIOTLS
import Testing

@testable import LifelinePlan
@testable import LifelineProxy

/// A cluster of endpoints on 127.0.0.1 with the given HTTP settings, as the planner would resolve it.
func makeHTTPCluster(
    ports: [Int],
    http: UpstreamHttpPlan = UpstreamHttpPlan(),
    tls: UpstreamTlsPlan? = nil,
    connectTimeout: Duration = .seconds(2)
) throws -> UpstreamCluster {
    try UpstreamCluster(
        plan: ClusterPlan(
            name: "upstream",
            type: .staticAddresses,
            connectTimeout: connectTimeout,
            lbPolicy: .roundRobin,
            endpoints: ports.map { EndpointPlan(host: "127.0.0.1", port: $0) },
            bufferLimitBytes: 1 << 20,
            upstreamSocketOptions: [],
            tls: tls,
            http: http,
            origin: ConfigOrigin(path: "clusters[0]")
        )
    )
}

/// What one exchange through a pool saw.
struct ExchangeOutcome: Sendable {
    var status: Int
    var body: String
    var reused: Bool
    var version: HTTPVersion
    var headers: HTTPHeaders
}

/// Collects one response on an exchange's channel, the way the connection manager's handler would sit there.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<(HTTPResponseHead, String)>
    private var head: HTTPResponseHead?
    private var body = ""

    init(promise: EventLoopPromise<(HTTPResponseHead, String)>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body(let buffer): body += String(buffer: buffer)
        case .end:
            if let head { promise.succeed((head, body)) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
}

/// One exchange through the pool of `cluster` on `loop`: takes an exchange, puts the handler `collector` makes around
/// the response's promise where the connection manager's handler would sit, lets `send` write the request on the
/// exchange's channel, and finishes the exchange (reusable when the response came whole). `outcome` makes the result
/// from the exchange and its response.
func exchangeThroughPool<Response: Sendable, Outcome: Sendable>(
    pools: HTTPUpstreamPools,
    cluster: String = "upstream",
    on loop: any EventLoop,
    collector: @escaping @Sendable (EventLoopPromise<Response>) -> any ChannelHandler,
    send: @escaping @Sendable (any Channel) -> Void,
    outcome: @escaping @Sendable (HTTPUpstreamExchange, Response) -> Outcome
) async throws -> Outcome {
    try await loop.flatSubmit { () -> EventLoopFuture<Outcome> in
        pools.pool(cluster: cluster, on: loop)!.exchange().assumeIsolated().flatMap { exchange in
            let promise = loop.makePromise(of: Response.self)
            do {
                try exchange.channel.pipeline.syncOperations.addHandler(
                    collector(promise),
                    name: HTTPUpstreamExchange.handlerName
                )
            } catch {
                exchange.finish(false)
                return loop.makeFailedFuture(error)
            }
            send(exchange.channel)
            return promise.futureResult.assumeIsolated().map { response in
                exchange.finish(true)
                return outcome(exchange, response)
            }.flatMapErrorThrowing { error in
                exchange.finish(false)
                throw error
            }.nonisolated()
        }.nonisolated()
    }.get()
}

/// One GET through the pool of `cluster` on `loop`: takes an exchange, sends the request, reads the response and
/// finishes the exchange (reusable when the response came whole).
func performExchange(
    pools: HTTPUpstreamPools,
    cluster: String = "upstream",
    on loop: any EventLoop,
    path: String = "/"
) async throws -> ExchangeOutcome {
    try await exchangeThroughPool(
        pools: pools,
        cluster: cluster,
        on: loop,
        collector: { ResponseCollector(promise: $0) },
        send: { channel in
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
            head.headers.add(name: "host", value: "upstream")
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        },
        outcome: { exchange, response in
            ExchangeOutcome(
                status: Int(response.0.status.code),
                body: response.1,
                reused: exchange.reused,
                version: exchange.version,
                headers: response.0.headers
            )
        }
    )
}

/// The bodies of `count` GETs in a row through the pool of `upstream` on `loop` (the test servers answer with the
/// client's port).
func exchangeBodies(_ count: Int, pools: HTTPUpstreamPools, on loop: any EventLoop) async throws -> [String] {
    var bodies: [String] = []
    for _ in 0..<count {
        bodies.append(try await performExchange(pools: pools, on: loop).body)
    }
    return bodies
}

/// `count` GETs in a row through the pool of `upstream` on `loop`, each expected to be answered 200 over `version`:
/// the bodies that came back (the test servers answer with the client's port) and whether each exchange reused a
/// connection.
func sequentialExchanges(
    _ count: Int,
    pools: HTTPUpstreamPools,
    on loop: any EventLoop,
    version: HTTPVersion,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) async throws -> (ports: Set<String>, reused: [Bool]) {
    var ports: Set<String> = []
    var reused: [Bool] = []
    for _ in 0..<count {
        let outcome = try await performExchange(pools: pools, on: loop)
        #expect(outcome.status == 200, sourceLocation: sourceLocation)
        #expect(outcome.version == version, sourceLocation: sourceLocation)
        ports.insert(outcome.body)
        reused.append(outcome.reused)
    }
    return (ports, reused)
}

/// Runs `body` on `loop` and returns its result.
func onLoop<T: Sendable>(_ loop: any EventLoop, _ body: @escaping @Sendable () -> T) async throws -> T {
    try await loop.submit(body).get()
}

// MARK: HTTP/1.1 upstream

/// TLS on a test server: the context (offering `h2` and `http/1.1`), and the ALPN each handshake settled on.
struct ServerTLS: Sendable {
    let context: NIOSSLContext
    let negotiated = Box<[String]>([])

    func addHandlers(to channel: any Channel) throws {
        try channel.pipeline.syncOperations.addHandlers(
            NIOSSLServerHandler(context: context),
            ALPNRecorder(negotiated: negotiated)
        )
    }
}

final class ALPNRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let negotiated: Box<[String]>

    init(negotiated: Box<[String]>) {
        self.negotiated = negotiated
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let protocolName) = event {
            negotiated.update { $0.append(protocolName ?? "none") }
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// An HTTP/1.1 server on 127.0.0.1 whose response body is the client's port as it sees it (so a test can tell
/// connections apart). `/close` answers with `connection: close` and closes; with `closeIdleAfter` a connection idle
/// that long after a response is closed (an upstream's own keep-alive timeout).
struct HTTP1TestServer {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    static func start(
        group: any EventLoopGroup,
        closeIdleAfter: TimeAmount? = nil,
        tls: ServerTLS? = nil
    ) async throws -> HTTP1TestServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try tls?.addHandlers(to: channel)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(PortEchoHTTPHandler(closeIdleAfter: closeIdleAfter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return HTTP1TestServer(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}

final class PortEchoHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let closeIdleAfter: TimeAmount?
    private var idleClose: Scheduled<Void>?
    private var close = false

    init(closeIdleAfter: TimeAmount?) {
        self.closeIdleAfter = closeIdleAfter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            idleClose?.cancel()
            close = head.uri == "/close"
        case .body:
            break
        case .end:
            let body = "\(context.remoteAddress?.port ?? 0)"
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "content-length", value: "\(body.utf8.count)")
            if close { head.headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            let close = self.close
            let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                if close { loopContext.value.close(promise: nil) }
            }
            if !close, let closeIdleAfter {
                idleClose = context.eventLoop.assumeIsolated().scheduleTask(in: closeIdleAfter) {
                    loopContext.value.close(promise: nil)
                }
            }
        }
    }
}

// MARK: HTTP/2 upstream

/// Streams open at once on each connection of an HTTP/2 test server, and the most seen.
final class StreamCensus: Sendable {
    private let state = Box<(open: [Int: Int], most: Int, streams: Int)>((open: [:], most: 0, streams: 0))

    func opened(port: Int) {
        state.update { state in
            state.open[port, default: 0] += 1
            state.most = max(state.most, state.open[port]!)
            state.streams += 1
        }
    }

    func closed(port: Int) {
        state.update { $0.open[port, default: 0] -= 1 }
    }

    var most: Int { state.value.most }
    var streams: Int { state.value.streams }
    var connections: Int { state.value.open.count }
}

/// An HTTP/2 (h2c, prior knowledge) server on 127.0.0.1 advertising `maxConcurrentStreams`, answering each request
/// after `delay` with the client's port; `/goaway` makes it send GOAWAY (last stream: this one) before answering,
/// `/refuse` a GOAWAY that leaves this stream unprocessed (last stream 0), and no answer.
struct HTTP2TestServer {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    static func start(
        group: any EventLoopGroup,
        maxConcurrentStreams: Int = 100,
        delay: TimeAmount = .zero,
        census: StreamCensus = StreamCensus(),
        tls: ServerTLS? = nil,
        pings: Counter = Counter()
    ) async throws -> HTTP2TestServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try tls?.addHandlers(to: channel)
                    var configuration = NIOHTTP2Handler.ConnectionConfiguration()
                    configuration.initialSettings = [
                        HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams)
                    ]
                    _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .server,
                        connectionConfiguration: configuration,
                        streamConfiguration: .init()
                    ) { stream in
                        stream.eventLoop.makeCompletedFuture {
                            try stream.pipeline.syncOperations.addHandlers(
                                HTTP2FramePayloadToHTTP1ServerCodec(),
                                HTTP2PortEchoHandler(delay: delay, census: census)
                            )
                        }
                    }
                    try channel.pipeline.syncOperations.addHandler(PingCounter(pings: pings))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return HTTP2TestServer(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}

final class HTTP2PortEchoHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let delay: TimeAmount
    private let census: StreamCensus
    private var port = 0
    private var goAway = false
    private var refuse = false

    init(delay: TimeAmount, census: StreamCensus) {
        self.delay = delay
        self.census = census
    }

    func handlerAdded(context: ChannelHandlerContext) {
        port = context.channel.parent?.remoteAddress?.port ?? 0
        census.opened(port: port)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        census.closed(port: port)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            goAway = head.uri == "/goaway"
            refuse = head.uri == "/refuse"
        case .body:
            break
        case .end:
            if refuse, let parent = context.channel.parent {
                let frame = HTTP2Frame(
                    streamID: .rootStream,
                    payload: .goAway(lastStreamID: .rootStream, errorCode: .noError, opaqueData: nil)
                )
                parent.writeAndFlush(frame, promise: nil)
                return
            }
            if goAway, let parent = context.channel.parent,
                let id = try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)
            {
                let frame = HTTP2Frame(
                    streamID: .rootStream,
                    payload: .goAway(lastStreamID: id, errorCode: .noError, opaqueData: nil)
                )
                parent.writeAndFlush(frame, promise: nil)
            }
            let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            let respond = { [self] in
                let context = loopContext.value
                let body = "\(port)"
                var head = HTTPResponseHead(version: .http2, status: .ok)
                head.headers.add(name: "content-length", value: "\(body.utf8.count)")
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
            if delay == .zero {
                respond()
            } else {
                context.eventLoop.assumeIsolated().scheduleTask(in: delay, respond)
            }
        }
    }
}

/// Counts the PINGs (not ACKs) a connection receives.
final class PingCounter: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    private let pings: Counter

    init(pings: Counter) {
        self.pings = pings
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .ping(_, ack: false) = unwrapInboundIn(data).payload { pings.add(1) }
    }
}

/// A TCP server that answers the HTTP/2 preface with its SETTINGS (and an ACK), then reads everything and never
/// sends another byte: a peer that stopped answering.
final class SilentHTTP2Handler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var greeted = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !greeted else { return }
        greeted = true
        // SETTINGS (empty) and SETTINGS ACK: 9-byte frame headers, type 4, flags 0 and 1, stream 0.
        let frames: [UInt8] = [0, 0, 0, 4, 0, 0, 0, 0, 0] + [0, 0, 0, 4, 1, 0, 0, 0, 0]
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: frames)), promise: nil)
    }
}

/// Reads everything and never answers: a TCP server that is no HTTP/2 server.
final class MuteHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
