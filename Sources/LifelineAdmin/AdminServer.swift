public import LifelineSocket
public import Logging
import NIOConcurrencyHelpers
public import NIOCore
import NIOHTTP1
import NIOPosix

/// The admin endpoint's HTTP/1.1 server (`admin.address`): routes matched by exact path, Envoy's 404 index and 405
/// answers, keep-alive, bounded bodies and connections, and timeouts for idle or slow clients.
///
/// It binds loopback addresses only unless `allowNonLoopback` says otherwise: its routes can stop and drain the
/// gateway.
public final class AdminServer: Sendable {
    public let address: IPEndpoint
    public let limits: AdminServerLimits
    private let router: AdminRouter
    private let logger: Logger
    private let allowNonLoopback: Bool
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)
    /// The open admin connections, so that a stop closes them too.
    private let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    public init(
        address: IPEndpoint,
        routes: [AdminRoute],
        logger: Logger,
        allowNonLoopback: Bool = false,
        limits: AdminServerLimits = AdminServerLimits()
    ) {
        self.address = address
        self.router = AdminRouter(routes: routes)
        self.logger = logger
        self.allowNonLoopback = allowNonLoopback
        self.limits = limits
    }

    /// Binds and starts serving. Throws ``AdminServerError/nonLoopbackAddress(_:)`` before binding anything when the
    /// address is not loopback and that was not allowed.
    public func start(group: any EventLoopGroup) async throws {
        guard allowNonLoopback || address.isLoopback else {
            throw AdminServerError.nonLoopbackAddress(address)
        }
        guard channel.withLockedValue({ $0 == nil }) else { throw AdminServerError.alreadyStarted }
        let router = router
        let limits = limits
        let logger = logger
        let bound = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                guard self.admit(channel) else {
                    logger.debug(
                        "admin connection refused: too many open",
                        metadata: ["admin.max_connections": "\(limits.maxConnections)"]
                    )
                    channel.close(promise: nil)
                    return channel.eventLoop.makeSucceededVoidFuture()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(
                        AdminConnectionTimer(idleTimeout: limits.idleTimeout, requestTimeout: limits.requestTimeout)
                    )
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try pipeline.addHandler(
                        AdminHTTPHandler(router: router, maxBodyBytes: limits.maxRequestBodyBytes, logger: logger)
                    )
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
        let raced = channel.withLockedValue { current -> Bool in
            guard current == nil else { return true }
            current = bound
            return false
        }
        if raced {
            try? await bound.close()
            throw AdminServerError.alreadyStarted
        }
        logger.info(
            "admin endpoint listening",
            metadata: ["admin.address": "\(bound.localAddress.map { "\($0)" } ?? "?")"]
        )
    }

    /// The port bound (differs from the address's when it asked for port 0); nil when not running.
    public var localPort: Int? {
        channel.withLockedValue { $0?.localAddress?.port }
    }

    /// Stops accepting, then closes the open admin connections.
    public func stop() async {
        let running = channel.withLockedValue { channel in
            defer { channel = nil }
            return channel
        }
        try? await running?.close()
        for connection in connections.withLockedValue({ Array($0.values) }) {
            try? await connection.close()
        }
    }

    /// Keeps the connection among the open ones while it is, unless that would pass the limit.
    private func admit(_ channel: any Channel) -> Bool {
        let key = ObjectIdentifier(channel)
        let admitted = connections.withLockedValue { open in
            guard open.count < limits.maxConnections else { return false }
            open[key] = channel
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { _ in
                self.connections.withLockedValue { $0[key] = nil }
            }
        }
        return admitted
    }
}
