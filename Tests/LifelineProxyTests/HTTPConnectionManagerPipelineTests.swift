import LifelineConfig
import LifelinePlan
import LifelineProxy
import LifelineTestSupport
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// A listener's `http_connection_manager` pipeline on a channel the caller owns: the same handlers an accepted
/// connection gets, driven byte by byte on an embedded loop.
@Suite struct HTTPConnectionManagerPipelineTests {
    static func plan(_ config: String) throws -> GatewayPlan {
        let (bootstrap, _) = try Bootstrap.decode(ConfigLoader.parseDocument(config))
        return try GatewayPlanner.plan(bootstrap).0
    }

    static let directConfig = httpConfig(
        managerFields: "codec_type: AUTO",
        routeConfig: routesConfig(
            """
            - match: { path: /direct }
              direct_response: { status: 403, body: { inline_string: "direct answer" } }
            """
        )
    )

    /// Everything the gateway wrote so far, as text.
    static func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let data = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else { continue }
            text += String(buffer: buffer)
        }
        return text
    }

    @Test func aRequestCutIntoPiecesIsAnsweredByItsRoute() throws {
        let loop = EmbeddedEventLoop()
        let plan = try Self.plan(Self.directConfig)
        let pipeline = try HTTPConnectionManagerPipeline(
            listener: plan.listeners[0],
            clusters: plan.clusters,
            eventLoop: loop,
            logger: Logger(label: "test")
        )
        let channel = EmbeddedChannel(loop: loop)
        try pipeline.initialize(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        for piece in ["GET /dir", "ect HTTP/1.1\r\nHo", "st: a.test\r\n", "\r\n"] {
            try channel.writeInbound(ByteBuffer(string: piece))
            loop.run()
        }
        let response = try Self.written(channel)
        #expect(response.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        #expect(response.hasSuffix("\r\n\r\ndirect answer"))
        #expect(pipeline.stats[.downstreamRequests4xx] == 1)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aListenerWithoutAConnectionManagerIsRefused() throws {
        let config = """
            static_resources:
              listeners:
              - name: tcp
                address: { socket_address: { address: 0.0.0.0, port_value: 9000 } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: tcp
                      cluster: backend
              clusters:
            \(indented(backendCluster, by: 2))
            """
        let plan = try Self.plan(config)
        #expect(throws: (any Error).self) {
            try HTTPConnectionManagerPipeline(
                listener: plan.listeners[0],
                clusters: plan.clusters,
                eventLoop: EmbeddedEventLoop(),
                logger: Logger(label: "test")
            )
        }
    }
}
