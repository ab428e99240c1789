import Foundation
import LifelineConfig
import LifelinePlan
import LifelineProxy
import LifelineTestSupport
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 upstream for the connection manager's tests, answering by path:
/// - `/headers…`: 200, the request line and every header it received, one per line;
/// - `/echo…`: 200, the request body streamed back as it arrives (reads held while it cannot write), the request's
///   trailers as the response's, plus `x-echo-bytes`;
/// - `/trailers`: 200, `ok`, trailers `grpc-status: 0` and `grpc-message: fine`;
/// - `/big/<n>`: `n` bytes of ``Pattern``;
/// - `/hang`: never answers;
/// - `/close`: closes the connection without answering;
/// - `/half`: a head and part of a body, then closes;
/// - anything else: 200 `hello from upstream`.
final class HTTPTestUpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var path = ""
    private var head: HTTPRequestHead?
    private var echoed = 0
    private var readPending = false
    private let seen: Box<[HTTPRequestHead]>?

    init(seen: Box<[HTTPRequestHead]>? = nil) {
        self.seen = seen
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            path = head.uri
            echoed = 0
            seen?.update { $0.append(head) }
            if path.hasPrefix("/echo") {
                var headers = HTTPHeaders([("content-type", "application/octet-stream")])
                headers.add(name: "transfer-encoding", value: "chunked")
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                    promise: nil
                )
            } else if path == "/close" {
                context.close(promise: nil)
            } else if path == "/half" {
                let headers = HTTPHeaders([("content-length", "100")])
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                    promise: nil
                )
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "partial")))))
                    .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
        case .body(let body):
            if path.hasPrefix("/echo") {
                echoed += body.readableBytes
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            }
        case .end(let trailers):
            respond(context: context, trailers: trailers)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func read(context: ChannelHandlerContext) {
        if !context.channel.isWritable {
            readPending = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable && readPending {
            readPending = false
            context.read()
        }
    }

    private func respond(context: ChannelHandlerContext, trailers: HTTPHeaders?) {
        guard let head else { return }
        switch path {
        case _ where path.hasPrefix("/echo"):
            var out = trailers ?? HTTPHeaders()
            out.add(name: "x-echo-bytes", value: "\(echoed)")
            context.writeAndFlush(wrapOutboundOut(.end(out)), promise: nil)
        case _ where path.hasPrefix("/headers"):
            var text = "\(head.method.rawValue) \(head.uri)\n"
            for header in head.headers {
                text += "\(header.name.lowercased()): \(header.value)\n"
            }
            send(context: context, status: .ok, body: ByteBuffer(string: text))
        case "/trailers":
            var headers = HTTPHeaders([("content-type", "application/grpc")])
            headers.add(name: "transfer-encoding", value: "chunked")
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                promise: nil
            )
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
            context.writeAndFlush(
                wrapOutboundOut(.end(HTTPHeaders([("grpc-status", "0"), ("grpc-message", "fine")]))),
                promise: nil
            )
        case _ where path.hasPrefix("/big/"):
            let count = Int(path.dropFirst("/big/".count)) ?? 0
            send(context: context, status: .ok, body: Pattern.bytes(at: 0, count: count))
        case "/hang", "/close", "/half":
            break
        default:
            send(context: context, status: .ok, body: ByteBuffer(string: "hello from upstream"))
        }
    }

    private func send(context: ChannelHandlerContext, status: HTTPResponseStatus, body: ByteBuffer) {
        var headers = HTTPHeaders([("content-length", "\(body.readableBytes)")])
        headers.add(name: "x-upstream", value: "test")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil
        )
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// A loopback HTTP/1.1 server with a ``HTTPTestUpstreamHandler`` per connection.
struct HTTPTestUpstream {
    let channel: any Channel
    let seen: Box<[HTTPRequestHead]>
    var port: Int { channel.localAddress!.port! }

    static func start(group: any EventLoopGroup) async throws -> HTTPTestUpstream {
        let seen = Box<[HTTPRequestHead]>([])
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(HTTPTestUpstreamHandler(seen: seen))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return HTTPTestUpstream(channel: channel, seen: seen)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Plans for the connection manager's tests.
enum HTTPPlans {
    static let origin = ConfigOrigin(path: "test")

    static func route(
        prefix: String = "/",
        cluster: String = "upstream",
        timeout: Duration? = .seconds(15),
        prefixRewrite: String? = nil,
        hostRewrite: String? = nil,
        maxStreamDuration: MaxStreamDurationPlan? = nil,
        headers: HeaderMutationPlan = HeaderMutationPlan()
    ) -> RoutePlan {
        RoutePlan(
            match: RouteMatchPlan(path: .prefix(prefix)),
            action: .forward(
                ForwardPlan(
                    clusters: [WeightedClusterPlan(cluster: cluster)],
                    timeout: timeout,
                    prefixRewrite: prefixRewrite,
                    hostRewriteLiteral: hostRewrite,
                    maxStreamDuration: maxStreamDuration
                )
            ),
            headers: headers,
            origin: origin
        )
    }

    static func manager(
        routes: [RoutePlan],
        domains: [String] = ["*"],
        codec: HttpConnectionManagerPlan.CodecType = .auto,
        configure: (inout HttpConnectionManagerPlan) -> Void = { _ in }
    ) -> HttpConnectionManagerPlan {
        var plan = HttpConnectionManagerPlan(
            statPrefix: "test",
            codecType: codec,
            routeConfig: RouteConfigurationPlan(
                virtualHosts: [VirtualHostPlan(name: "test", domains: domains, routes: routes, origin: origin)],
                origin: origin
            ),
            origin: origin
        )
        configure(&plan)
        return plan
    }
}

/// A running gateway whose one listener's chain is an `http_connection_manager`, in front of named clusters.
struct HTTPGatewayHarness {
    let gateway: Gateway
    var listener: GatewayListener { gateway.listeners[0] }
    var port: Int { listener.localPort! }
    var stats: ProxyStats { listener.stats }

    /// `clusters`: name → endpoint ports (an empty list: a cluster without endpoints).
    static func start(
        manager: HttpConnectionManagerPlan,
        clusters: [String: [Int]],
        tls: DownstreamTlsPlan? = nil,
        listenerFilters: ListenerFiltersPlan = ListenerFiltersPlan(),
        group: any EventLoopGroup,
        logger: Logger? = nil
    ) async throws -> HTTPGatewayHarness {
        let names = clusters.keys.sorted()
        let clusterYAML = names.map { name in
            loopbackCluster(name, ports: clusters[name]!.isEmpty ? [1] : clusters[name]!, connectTimeout: "1s")
        }.joined(separator: "\n")
        let yaml = GatewayHarness.config(cluster: names[0], clusters: clusterYAML)
        let tree = try ConfigLoader.parseDocument(yaml, file: "test.yaml")
        let (bootstrap, _) = try Bootstrap.decode(tree)
        var (plan, _) = try GatewayPlanner.plan(bootstrap)
        plan.listeners[0].filterChains[0].filter = .httpConnectionManager(manager)
        plan.listeners[0].filterChains[0].tls = tls
        plan.listeners[0].listenerFilters = listenerFilters
        for index in plan.clusters.indices where clusters[plan.clusters[index].name]?.isEmpty == true {
            plan.clusters[index].endpoints = []
        }
        var quiet = Logger(label: "lifeline-test")
        quiet.logLevel = .critical
        let gateway = try Gateway(plan: plan, logger: logger ?? quiet)
        try await gateway.start(group: group)
        return HTTPGatewayHarness(gateway: gateway)
    }

    func stop() async {
        await gateway.stop()
    }
}

/// Runs `body` against a gateway with `manager` in front of an ``HTTPTestUpstream`` (cluster `upstream`), a cluster
/// whose endpoint refuses connections (`dead`) and one without endpoints (`empty`); stops everything afterwards.
func withHTTPGateway<T>(
    _ manager: HttpConnectionManagerPlan,
    tls: DownstreamTlsPlan? = nil,
    listenerFilters: ListenerFiltersPlan = ListenerFiltersPlan(),
    logger: Logger? = nil,
    _ body: (HTTPGatewayHarness, HTTPTestUpstream, any EventLoopGroup) async throws -> T
) async throws -> T {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let upstream = try await HTTPTestUpstream.start(group: group)
    let refusing = RefusingPort()
    let harness = try await HTTPGatewayHarness.start(
        manager: manager,
        clusters: ["upstream": [upstream.port], "dead": [refusing.port], "empty": []],
        tls: tls,
        listenerFilters: listenerFilters,
        group: group,
        logger: logger
    )
    let result: Swift.Result<T, any Error>
    do {
        result = .success(try await body(harness, upstream, group))
    } catch {
        result = .failure(error)
    }
    await harness.stop()
    await upstream.stop()
    try await group.shutdownGracefully()
    withExtendedLifetime(refusing) {}
    return try result.get()
}

/// What curl saw: the final response's status, headers (lower-cased names) and body.
struct CurlResponse {
    /// `HTTP/1.1` or `HTTP/2`.
    var version: String
    var status: Int
    var headers: [(String, String)]
    var body: String
    var exitStatus: Int32
    var standardError: String

    func header(_ name: String) -> String? {
        headers.first { $0.0 == name }?.1
    }
}

/// Runs curl with `-s -i` and `arguments`; parses the last response it printed.
func curl(_ arguments: [String], input: Data? = nil) throws -> CurlResponse {
    let output = try ExternalCommand(["curl", "-s", "-i", "--max-time", "20"] + arguments, standardInput: input).run()
    var text = output.text
    var status = 0
    var version = ""
    var headers: [(String, String)] = []
    // Informational responses (100 Continue) come first; keep the last head.
    while text.hasPrefix("HTTP/") {
        guard let end = text.range(of: "\r\n\r\n") else { break }
        let lines = text[..<end.lowerBound].split(separator: "\r\n")
        let statusLine = lines.first?.split(separator: " ") ?? []
        version = statusLine.first.map(String.init) ?? ""
        status = Int(statusLine.dropFirst().first ?? "") ?? 0
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (
                line[..<colon].lowercased(),
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            )
        }
        text = String(text[end.upperBound...])
    }
    return CurlResponse(
        version: version,
        status: status,
        headers: headers,
        body: text,
        exitStatus: output.status,
        standardError: output.standardError
    )
}
