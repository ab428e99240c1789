import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Sits after a TLS handler and counts how its handshake ended, under Envoy's `ssl.*` names; a connection whose
/// handshake failed is closed here (logged at debug), so nothing after it sees the error. It leaves the pipeline once
/// the handshake has completed, so the connection's reads do not pass through it.
final class TLSHandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let stats: ProxyStats
    private let logger: Logger
    private let isServer: Bool
    private var completed = false

    init(stats: ProxyStats, logger: Logger, isServer: Bool) {
        self.stats = stats
        self.logger = logger
        self.isServer = isServer
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event, !completed {
            completed = true
            let presented = (try? context.pipeline.syncOperations.handler(type: NIOSSLHandler.self))?.peerCertificate
            for stat in TLSHandshakeStat.completed(peerPresentedCertificate: presented != nil, isServer: isServer) {
                count(stat)
            }
            context.fireUserInboundEventTriggered(event)
            // Its work is done: reads need not pass through it for the rest of the connection.
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !completed else {
            context.fireErrorCaught(error)
            return
        }
        completed = true
        let stat = TLSHandshakeStat(failure: error)
        count(stat)
        logger.debug(
            "TLS handshake failed; closing",
            metadata: [
                "connection.peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")",
                "tls.stat": "\(stat.rawValue)", "error": "\(error)",
            ]
        )
        context.close(promise: nil)
    }

    private func count(_ stat: TLSHandshakeStat) {
        if let name = ProxyStats.Name(rawValue: stat.rawValue) {
            stats.increment(name)
        }
    }
}

@available(*, unavailable)
extension TLSHandshakeObserver: Sendable {}
