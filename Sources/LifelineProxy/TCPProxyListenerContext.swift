import Logging
import NIOConcurrencyHelpers
import NIOCore

/// What every connection of one listener shares: its cluster, limits, stats, logger and the set of open
/// connections (so that a stop can close them).
final class TCPProxyListenerContext: Sendable {
    let listenerName: String
    let cluster: UpstreamCluster
    let idleTimeout: Duration?
    let stats: ProxyStats
    let logger: Logger
    private let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    init(listenerName: String, cluster: UpstreamCluster, idleTimeout: Duration?, stats: ProxyStats, logger: Logger) {
        self.listenerName = listenerName
        self.cluster = cluster
        self.idleTimeout = idleTimeout
        self.stats = stats
        self.logger = logger
    }

    func connectionStarted(_ channel: any Channel) {
        open.withLockedValue { $0[ObjectIdentifier(channel)] = channel }
        channel.closeFuture.whenComplete { [open] _ in
            open.withLockedValue { $0[ObjectIdentifier(channel)] = nil }
        }
    }

    /// Closes every open downstream connection; their upstreams follow.
    func closeAll() -> [EventLoopFuture<Void>] {
        open.withLockedValue { Array($0.values) }.map { channel in
            channel.close().recover { _ in }
        }
    }
}
