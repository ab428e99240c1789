import Atomics
import LifelinePlan

/// The count of one `connection_limit` filter: the connections its chain holds now, over every event loop. Like
/// Envoy's, a refused connection holds a place too until it closes, so connections held back by `delay` keep the
/// chain at its cap while they wait.
///
/// One atomic add when a connection is given to the chain and one when it closes, never per byte.
final class ConnectionLimiter: Sendable {
    let plan: ConnectionLimitFilterPlan
    /// `connection_limit.<stat_prefix>.`.
    let stats: ProxyStats
    private let count = ManagedAtomic(0)

    init(plan: ConnectionLimitFilterPlan, stats: ProxyStats) {
        self.plan = plan
        self.stats = stats
    }

    /// Connections holding a place now.
    var connections: Int { count.load(ordering: .relaxed) }

    /// Takes a place for a new connection; whether it is admitted (the place is taken either way and is given back
    /// by ``release()`` when the connection closes).
    func admit() -> Bool {
        count.loadThenWrappingIncrement(ordering: .relaxed) < plan.maxConnections
    }

    /// Gives back the place of a connection that closed.
    func release() {
        count.wrappingDecrement(ordering: .relaxed)
    }
}
