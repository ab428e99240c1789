public import LifelinePlan
import LifelineSocket
public import Logging
public import NIOCore

/// The pipeline a listener gives its `http_connection_manager` connections, made outside a running ``Gateway`` on
/// one event loop the caller owns: for a driver that feeds bytes to channels of its own (a fuzzer on an
/// `EmbeddedChannel`) and must reach the same handlers, in the same order, as an accepted connection.
///
/// The chain is the listener's first `http_connection_manager` filter chain (in `filter_chains` order, then
/// `default_filter_chain`), with its TLS context if it has one; routes reach `clusters` through connection pools on
/// the loop, as in a gateway; everything counts into a ``StatsStore`` of the pipeline's own.
public final class HTTPConnectionManagerPipeline: Sendable {
    private let chain: HTTPConnectionManagerChain
    /// The listener's counters, which its chain's connections and requests count into as in a gateway.
    public let stats: ProxyStats

    /// Makes the chain on `eventLoop`. Call on `eventLoop`.
    /// - Throws: when the listener has no `http_connection_manager` chain, a cluster cannot be resolved, or the TLS
    ///   context cannot be made.
    public init(listener: ListenerPlan, clusters: [ClusterPlan], eventLoop: any EventLoop, logger: Logger) throws {
        let chains = ListenerChains(plan: listener).all
        guard let chain = chains.first(where: { $0.httpConnectionManager != nil }),
            let manager = chain.httpConnectionManager
        else {
            throw GatewayListenerError.noHTTPConnectionManager(listener: listener.name)
        }
        let store = StatsStore()
        let stats = store.listenerStats(
            StatScope.listenerName(
                host: listener.address.host,
                port: listener.address.port,
                statPrefix: listener.statPrefix
            )
        )
        var upstreams: [String: UpstreamCluster] = [:]
        for cluster in clusters {
            upstreams[cluster.name] = try UpstreamCluster(plan: cluster, stats: store.clusterStats(cluster.name))
        }
        let connections = ConnectionTables()
        let environment = FilterChainEnvironment(
            listenerName: listener.name,
            stats: stats,
            store: store,
            logger: logger,
            group: eventLoop,
            connections: connections
        )
        self.chain = try HTTPConnectionManagerChain.make(
            plan: chain,
            connectionManager: manager,
            pools: HTTPUpstreamPools(clusters: upstreams, logger: logger, connections: connections),
            environment: environment,
            on: eventLoop
        )
        self.stats = stats
    }

    /// Adds the chain's handlers to `channel`, whose event loop must be the one the pipeline was made on. Call on
    /// that loop, before the channel is active (as a listener does for an accepted connection).
    public func initialize(_ channel: any Channel) throws {
        try chain.initialize(channel)
    }
}
