import LifelinePlan
import Logging
import NIOCore

/// A filter chain at run time: what the listener hands each connection it gives the chain to. The listener knows
/// only this; what the chain builds (a transport socket, then its network filters) is the chain's business.
protocol FilterChainRuntime: Sendable {
    var plan: FilterChainPlan { get }
    /// Builds the connection's pipeline; runs on the accepted channel's event loop, before any byte is proxied.
    func initialize(_ channel: any Channel) throws
    /// Closes every open connection of the chain and waits for them to finish.
    func closeAll() async
}

/// What a listener offers the chains it starts: its name, counters and logger, and the event loops connections are
/// served on.
struct FilterChainEnvironment: Sendable {
    let listenerName: String
    /// The listener's own counters.
    let stats: ProxyStats
    let store: StatsStore
    let logger: Logger
    let group: any EventLoopGroup
    /// Where each connection is registered for the admin endpoint's table.
    let connections: ConnectionTables

    /// The counters of a chain whose own stats live in `scope`: counted there and as the listener counts.
    func chainStats(_ scope: StatScope) -> ProxyStats {
        store.chainStats(of: stats, chain: scope)
    }
}

/// Makes the runtime of one filter chain of a listener.
typealias FilterChainFactory =
    @Sendable (FilterChainPlan, FilterChainEnvironment) async throws -> any FilterChainRuntime
