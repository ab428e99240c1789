import LifelinePlan
import Logging
import NIOCore

/// A filter chain at run time: what the listener hands each connection it gives the chain to. The listener knows
/// only this; what the chain builds (a transport socket, then its network filters) is the chain's business.
protocol FilterChainRuntime: AnyObject, Sendable {
    var plan: FilterChainPlan { get }
    /// Builds the connection's pipeline; runs on the accepted channel's event loop, before any byte is proxied.
    func initialize(_ channel: any Channel) throws
    /// Closes every open connection of the chain and waits for them to finish.
    func closeAll() async
    /// Tells the chain's connections to go away without cutting what is in flight (HTTP/2 GOAWAY, HTTP/1.1
    /// `connection: close`), all at once or spread over `time`. `closeIdle`: an HTTP/1.1 connection without a
    /// request in flight is closed rather than left for its next response to end (a drain before exit closes them; a
    /// reload leaves them, as a client may be sending its next request right then). A chain whose protocol has no
    /// way to tell a client (tcp_proxy) leaves its connections running until they end or are closed.
    func drain(strategy: DrainStrategy, time: Duration, closeIdle: Bool)
    /// Connections of the chain still open.
    var openConnections: Int { get }
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
