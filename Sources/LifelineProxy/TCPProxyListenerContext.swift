import Logging
import NIOCore
import Synchronization

/// What every connection of one listener shares: its cluster, limits, stats, logger, and the count of sessions
/// still open (so that a stop can wait for them).
final class TCPProxyListenerContext: Sendable {
    let listenerName: String
    let cluster: UpstreamCluster
    let idleTimeout: Duration?
    let stats: ProxyStats
    let logger: Logger
    #if os(Linux)
        /// The connections the relay carries for the chain (see ``L4Engine``).
        let relayed = TCPProxyRelayConnections()
    #endif
    /// Sessions whose downstream or upstream channel is still open.
    private let sessions = Atomic<Int>(0)

    /// How both sides of a proxied connection size their receive buffers: small to begin with, so an idle connection
    /// keeps 64 bytes per side rather than NIO's default 2 KiB, and doubling on every read that fills the buffer (up
    /// to 64 KiB), so a bulk transfer reaches full-size reads within its first few reads.
    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 64, maximum: 64 * 1024)

    init(listenerName: String, cluster: UpstreamCluster, idleTimeout: Duration?, stats: ProxyStats, logger: Logger) {
        self.listenerName = listenerName
        self.cluster = cluster
        self.idleTimeout = idleTimeout
        self.stats = stats
        self.logger = logger
    }

    func sessionStarted() {
        sessions.add(1, ordering: .relaxed)
    }

    func sessionFinished() {
        sessions.subtract(1, ordering: .relaxed)
    }

    var openSessions: Int { sessions.load(ordering: .relaxed) }

    /// Closes every open session on each event loop, then waits (up to `grace`) until all of them have finished.
    func closeAll(_ registries: [NIOLoopBound<TCPProxySessionRegistry>], grace: Duration = .seconds(5)) async {
        for registry in registries {
            try? await registry.eventLoop.submit { registry.value.closeAll() }.get()
        }
        #if os(Linux)
            relayed.closeAll()
        #endif
        let deadline = ContinuousClock.now + grace
        while sessions.load(ordering: .relaxed) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
