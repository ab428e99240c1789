public import LifelinePlan
public import Logging
public import NIOCore

/// Every listener and cluster of a plan, running on one event loop group.
public final class Gateway: Sendable {
    public let plan: GatewayPlan
    public let listeners: [GatewayListener]
    public let clusters: [String: UpstreamCluster]
    /// Where the listeners and clusters count; a later gateway given the same store counts on.
    public let store: StatsStore
    /// The HTTP connection pools of the clusters that `http_connection_manager` chains route to.
    let httpPools: HTTPUpstreamPools
    /// Every open connection on each event loop, for ``connections()``.
    let connectionTables: ConnectionTables
    private let logger: Logger

    /// Resolves the clusters; binds nothing yet.
    public init(plan: GatewayPlan, logger: Logger, store: StatsStore = StatsStore()) throws {
        self.plan = plan
        self.logger = logger
        self.store = store
        var clusters: [String: UpstreamCluster] = [:]
        for cluster in plan.clusters {
            clusters[cluster.name] = try UpstreamCluster(plan: cluster, stats: store.clusterStats(cluster.name))
        }
        self.clusters = clusters
        let connectionTables = ConnectionTables()
        self.connectionTables = connectionTables
        let httpPools = HTTPUpstreamPools(clusters: clusters, logger: logger, connections: connectionTables)
        self.httpPools = httpPools
        let makeChain: FilterChainFactory = { [clusters] plan, environment in
            switch plan.filter {
            case .tcpProxy(let proxy):
                try await TCPProxyChain.make(plan: plan, proxy: proxy, clusters: clusters, environment: environment)
            case .httpConnectionManager(let manager):
                try await HTTPConnectionManagerChain.make(
                    plan: plan,
                    connectionManager: manager,
                    pools: httpPools,
                    environment: environment
                )
            }
        }
        listeners = plan.listeners.map {
            GatewayListener(plan: $0, logger: logger, store: store, connections: connectionTables, makeChain: makeChain)
        }
    }

    /// Starts every listener; if one fails, the ones already started are stopped and the error is thrown.
    public func start(group: any EventLoopGroup) async throws {
        await StatsShards.adopt(group)
        store.setConcurrency(Array(group.makeIterator()).count)
        var started: [GatewayListener] = []
        do {
            for listener in listeners {
                try await listener.start(group: group)
                started.append(listener)
            }
        } catch {
            for listener in started {
                await listener.stop()
            }
            throw error
        }
    }

    /// Stops accepting and closes every connection.
    public func stop() async {
        for listener in listeners {
            await listener.stop()
        }
        await httpPools.closeAll()
    }

    /// Every open downstream and upstream connection, each read on its own event loop: peers, owners, age, bytes,
    /// and the socket's keepalive settings and `TCP_INFO`, oldest first.
    public func connections() async -> [ConnectionSnapshot] {
        await connectionTables.snapshot()
    }

    public func listener(named name: String) -> GatewayListener? {
        listeners.first { $0.plan.name == name }
    }
}
