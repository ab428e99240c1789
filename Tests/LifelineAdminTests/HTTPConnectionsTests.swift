import Foundation
import LifelineAdmin
import LifelineConfig
import LifelinePlan
import LifelineProxy
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// The connection table for an `http_connection_manager` chain: the downstream connection a client keeps alive and
/// the pooled upstream connection its request went out on.
@Suite struct HTTPConnectionsTests {
    static func config(upstreamPort: Int) -> String {
        """
        static_resources:
          listeners:
          - name: web
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - name: http
              filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: web
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: / }
                        route: { cluster: backend }
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
          clusters:
          - name: backend
            connect_timeout: 2s
            load_assignment:
              cluster_name: backend
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(upstreamPort) } } }
        """
    }

    @Test func aKeptAliveRequestShowsTheDownstreamAndItsPooledUpstream() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Hello())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let tree = try ConfigLoader.parseDocument(
            Self.config(upstreamPort: upstream.localAddress!.port!),
            file: "test.yaml"
        )
        let (bootstrap, _) = try Bootstrap.decode(tree)
        let (plan, _) = try GatewayPlanner.plan(bootstrap)
        var logger = Logger(label: "admin-test")
        logger.logLevel = .critical
        let gateway = try Gateway(plan: plan, logger: logger)
        try await gateway.start(group: group)

        let client = try #require(RawHTTPConnection(port: gateway.listeners[0].localPort!))
        client.send("GET /x HTTP/1.1\r\nhost: web\r\n\r\n")
        let response = await client.readResponse()
        #expect(response?.status == 200)
        #expect(response?.body == "hello")
        let connections = await gateway.connections()

        let downstream = connections.first { $0.direction == .downstream }
        #expect(downstream?.kind == .httpConnectionManager)
        #expect(downstream?.peer == "127.0.0.1:\(client.localPort)")
        #expect(downstream?.listener == "web")
        #expect(downstream?.filterChain == "http")
        #expect(downstream?.cluster == nil)
        #expect((downstream?.bytesReceived ?? 0) == "GET /x HTTP/1.1\r\nhost: web\r\n\r\n".utf8.count)
        #expect((downstream?.bytesSent ?? 0) > 5)
        #expect(downstream?.tcp?.state == "ESTABLISHED")

        let pooled = connections.first { $0.direction == .upstream }
        #expect(pooled?.kind == .http1Pool)
        #expect(pooled?.cluster == "backend")
        #expect(pooled?.listener == nil)
        #expect(pooled?.peer == "127.0.0.1:\(upstream.localAddress!.port!)")
        #expect((pooled?.bytesReceived ?? 0) > 0)
        #expect(connections.count == 2, "\(connections)")

        await gateway.stop()
        try? await upstream.close()
        try await group.shutdownGracefully()
    }
}

/// Answers every request `200 hello`, keeping the connection open.
private final class Hello: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "content-length", value: "5")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
            promise: nil
        )
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "hello")))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
