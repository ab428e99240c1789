import LifelinePlan
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

@testable import LifelineProxy

/// Answers one HTTP-ish request on a TLS (or plain) connection with what it learnt: the negotiated ALPN and, when
/// the TLS inspector ran, the SNI it saw; records the handshake's `ssl.*` stats.
final class TLSResponder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let stats: Box<[TLSHandshakeStat]>
    private let inspection: TLSInspection?
    private let tls: Bool
    private var alpn: String?
    private var handshakeDone = false
    private var answered = false

    init(stats: Box<[TLSHandshakeStat]>, inspection: TLSInspection? = nil, tls: Bool = true) {
        self.stats = stats
        self.inspection = inspection
        self.tls = tls
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let negotiated) = event {
            handshakeDone = true
            alpn = negotiated
            let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            let presented = handler?.peerCertificate != nil
            stats.update { $0 += TLSHandshakeStat.completed(peerPresentedCertificate: presented, isServer: true) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        answered = true
        var body = "tls=\(tls) alpn=\(alpn ?? "none")"
        if let inspection {
            body += " sni=\(inspection.serverName ?? "none") transport=\(inspection.transportProtocol.rawValue)"
        }
        body += "\n"
        let response = "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !handshakeDone {
            handshakeDone = true
            stats.update { $0.append(TLSHandshakeStat(failure: error)) }
        }
        context.close(promise: nil)
    }
}

/// A loopback server terminating TLS with a context from `TLSContextFactory`, optionally behind the TLS inspector.
struct TLSTestServer {
    let channel: any Channel
    let stats: Box<[TLSHandshakeStat]>
    let inspections: Box<[TLSInspection]>
    var port: Int { channel.localAddress!.port! }

    static func start(
        group: any EventLoopGroup,
        plan: DownstreamTlsPlan,
        inspector: ListenerFiltersPlan? = nil
    ) async throws -> TLSTestServer {
        let context = try TLSContextFactory.makeServerContext(plan)
        let stats = Box<[TLSHandshakeStat]>([])
        let inspections = Box<[TLSInspection]>([])
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    guard let inspector else {
                        try pipeline.addHandler(TLSContextFactory.makeServerHandler(context: context, plan: plan))
                        try pipeline.addHandler(TLSResponder(stats: stats))
                        return
                    }
                    // As a listener would: choose the transport once the inspector has decided.
                    let handler = TLSInspectorHandler(plan: inspector) { inspection in
                        inspections.update { $0.append(inspection) }
                        if inspection.transportProtocol == .tls {
                            try? pipeline.addHandler(TLSContextFactory.makeServerHandler(context: context, plan: plan))
                            try? pipeline.addHandler(TLSResponder(stats: stats, inspection: inspection))
                        } else {
                            try? pipeline.addHandler(TLSResponder(stats: stats, inspection: inspection, tls: false))
                        }
                    }
                    try pipeline.addHandler(handler)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TLSTestServer(channel: channel, stats: stats, inspections: inspections)
    }

    /// The stats once `count` handshakes have been counted (the server may count after the client has exited).
    func stats(count: Int) async throws -> [TLSHandshakeStat] {
        for _ in 0..<200 where stats.value.count < count {
            try await Task.sleep(for: .milliseconds(10))
        }
        return stats.value
    }

    func stop() async {
        try? await channel.close()
    }
}
