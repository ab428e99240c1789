import LifelinePlan
import Logging
import NIOCore
import Synchronization

/// What every connection of one `http_connection_manager` chain shares: the plan, the upstream pools, the
/// listener's counters, the loggers, and the count of connections still open (so that a stop can wait for them).
final class HTTPConnectionManagerContext: Sendable {
    let listenerName: String
    let chainName: String
    let plan: HttpConnectionManagerPlan
    let pools: HTTPUpstreamPools
    let stats: ProxyStats
    /// Connection events (debug).
    let logger: Logger
    /// The access log: one line per request at info.
    let accessLog: Logger
    /// `https` when the chain terminates TLS, else `http` (`x-forwarded-proto`, redirects).
    let scheme: String
    /// Set when the chain drains: responses from then on may close their connection (Envoy's `drainClose()`).
    let drainSignal = DrainSignal()
    private let connections = Atomic<Int>(0)

    init(
        listenerName: String,
        chainName: String,
        plan: HttpConnectionManagerPlan,
        pools: HTTPUpstreamPools,
        stats: ProxyStats,
        logger: Logger,
        scheme: String
    ) {
        self.listenerName = listenerName
        self.chainName = chainName
        self.plan = plan
        self.pools = pools
        self.stats = stats
        self.logger = logger
        var accessLog = logger
        accessLog[metadataKey: "log"] = "access"
        self.accessLog = accessLog
        self.scheme = scheme
    }

    func connectionOpened() {
        connections.add(1, ordering: .relaxed)
        stats.increment(.downstreamConnectionsTotal)
        stats.increment(.downstreamConnectionsActive)
    }

    func connectionClosed(reason: CloseReason) {
        connections.subtract(1, ordering: .relaxed)
        stats.decrement(.downstreamConnectionsActive)
        stats.increment(.downstreamConnectionsDestroyed)
        stats.increment(reason.downstreamCounter)
    }

    var openConnections: Int { connections.load(ordering: .relaxed) }

    /// Counts a finished request by its status class.
    func countResponse(status: Int) {
        switch status {
        case 100..<200: stats.increment(.downstreamRequests1xx)
        case 200..<300: stats.increment(.downstreamRequests2xx)
        case 300..<400: stats.increment(.downstreamRequests3xx)
        case 400..<500: stats.increment(.downstreamRequests4xx)
        case 500..<600: stats.increment(.downstreamRequests5xx)
        default: break
        }
    }
}
