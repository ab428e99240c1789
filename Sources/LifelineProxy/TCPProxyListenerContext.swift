import Logging
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// What every connection of one listener shares: its cluster, limits, stats, logger and the set of open
/// connections (so that a stop can close them).
final class TCPProxyListenerContext: Sendable {
    let listenerName: String
    let cluster: UpstreamCluster
    let idleTimeout: Duration?
    let stats: ProxyStats
    let logger: Logger
    private let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    /// Sessions whose downstream or upstream channel is still open.
    private let sessions = Atomic<Int>(0)

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

    func sessionStarted() {
        sessions.add(1, ordering: .relaxed)
    }

    func sessionFinished() {
        sessions.subtract(1, ordering: .relaxed)
    }

    /// Closes every open downstream connection, then waits (up to `grace`) until their upstreams are closed too.
    func closeAll(grace: Duration = .seconds(5)) async {
        let channels = open.withLockedValue { Array($0.values) }
        for channel in channels {
            try? await channel.close()
        }
        let deadline = ContinuousClock.now + grace
        while sessions.load(ordering: .relaxed) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
