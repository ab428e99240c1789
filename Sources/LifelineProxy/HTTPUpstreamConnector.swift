import LifelinePlan
import NIOCore
import NIOPosix
import NIOTLS

/// Dials one pooled HTTP connection the way tcp_proxy dials an upstream: the cluster's upstream socket options, its
/// `connect_timeout`, TLS with the cluster's SNI (and the pool's ALPN). Counts `upstream_cx_total`,
/// `upstream_cx_active` (for as long as the socket is open), `upstream_cx_connect_fail` and
/// `upstream_cx_connect_timeout` on the cluster's stats.
enum HTTPUpstreamConnector {
    /// Connects to `endpoint` on `eventLoop`; `initialize` adds the protocol's handlers after TLS. Succeeds once the
    /// connection can carry HTTP — connected and, with TLS, the handshake done — all within `connect_timeout`; fails
    /// with ``HTTPUpstreamFailure/connectFailure(_:)`` or ``HTTPUpstreamFailure/connectTimeout``.
    static func connect(
        context: HTTPUpstreamClusterContext,
        endpoint: SocketAddress,
        eventLoop: any EventLoop,
        table: ConnectionTable? = nil,
        kind: ConnectionSnapshot.Kind = .http1Pool,
        initialize: @escaping @Sendable (any Channel) throws -> Void
    ) -> EventLoopFuture<any Channel> {
        let cluster = context.cluster
        let stats = cluster.stats
        let timeout = TimeAmount(cluster.plan.connectTimeout)
        let handshake = eventLoop.makePromise(of: Void.self)
        stats.increment(.upstreamConnectionsTotal)
        let host = cluster.hostStats(for: endpoint)
        host?.connectionStarted()
        let tableHandler = table.map {
            NIOLoopBound(
                ConnectionTableHandler(
                    table: $0,
                    labels: ConnectionLabels(direction: .upstream, kind: kind, cluster: cluster.plan.name)
                ),
                eventLoop: eventLoop
            )
        }
        var bootstrap = ClientBootstrap(group: eventLoop)
        for (option, value) in cluster.channelOptions {
            bootstrap = bootstrap.channelOption(option, value: value)
        }
        let connected =
            bootstrap
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tableHandler {
                        try channel.pipeline.syncOperations.addHandler(tableHandler.value)
                    }
                    if let tls = context.tls, let tlsPlan = cluster.plan.tls {
                        try channel.pipeline.syncOperations.addHandlers(
                            try TLSContextFactory.makeClientHandler(context: tls, plan: tlsPlan),
                            TLSHandshakeObserver(stats: stats, logger: context.logger, isServer: false),
                            HTTPUpstreamHandshakeWaiter(promise: handshake)
                        )
                    } else {
                        handshake.succeed()
                    }
                    try initialize(channel)
                }
            }
            .connect(to: endpoint)
        connected.whenSuccess { channel in
            stats.increment(.upstreamConnectionsActive)
            channel.closeFuture.whenComplete { _ in stats.decrement(.upstreamConnectionsActive) }
        }
        // The TLS handshake must end within what is left of connect_timeout too.
        let deadline = eventLoop.scheduleTask(in: timeout) {
            handshake.fail(HTTPUpstreamFailure.connectTimeout)
        }
        let ready = connected.flatMap { channel in
            handshake.futureResult.map { channel }.flatMapErrorThrowing { error in
                channel.close(promise: nil)
                throw error
            }
        }
        ready.whenComplete { _ in deadline.cancel() }
        return ready.flatMapErrorThrowing { error in
            let failure: HTTPUpstreamFailure
            switch error {
            case ChannelError.connectTimeout, HTTPUpstreamFailure.connectTimeout:
                failure = .connectTimeout
            case let error as HTTPUpstreamFailure:
                failure = error
            default:
                failure = .connectFailure("\(error)")
            }
            stats.increment(failure == .connectTimeout ? .upstreamConnectTimeouts : .upstreamConnectFailures)
            host?.connectFailed()
            handshake.fail(failure)
            throw failure
        }
    }
}

/// Waits for the upstream TLS handshake: completes its promise when the handshake is done (then leaves the pipeline)
/// or fails it when the connection closes first.
final class HTTPUpstreamHandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            promise.succeed()
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(HTTPUpstreamFailure.connectFailure("TLS: \(error)"))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(HTTPUpstreamFailure.connectFailure("TLS handshake failed"))
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension HTTPUpstreamHandshakeWaiter: Sendable {}
