public import LifelinePlan
public import Logging
import NIOConcurrencyHelpers
public import NIOCore

/// Every listener and cluster of a plan, running on one event loop group. The gateway keeps its identity across
/// reloads: ``reload(to:)`` applies a new plan to the running listeners and clusters without cutting a connection.
public final class Gateway: Sendable {
    struct State {
        var plan: GatewayPlan
        var listeners: [GatewayListener]
        var clusters: [String: UpstreamCluster]
        /// Listeners a reload replaced or removed: no longer accepting, kept until their connections end.
        var draining: [GatewayListener] = []
        /// The event loops the gateway was started on; nil before ``start(group:)``.
        var group: (any EventLoopGroup)?
    }

    let state: NIOLockedValueBox<State>
    /// Set while a reload runs: reloads are applied one at a time.
    let reloading = NIOLockedValueBox(false)
    /// The HTTP connection pools of the clusters that `http_connection_manager` chains route to; a reload updates
    /// them in place.
    let httpPools: HTTPUpstreamPools
    /// Every open connection on each event loop, for ``connections()``.
    let connectionTables: ConnectionTables
    /// Where the listeners and clusters count; kept across reloads, so counters go on.
    public let store: StatsStore
    /// The cap on downstream connections of all listeners together; kept across reloads, which change its limit.
    public let connectionBudget: DownstreamConnectionBudget
    let logger: Logger
    /// What carries tcp_proxy chains whose bytes pass untouched; kept across reloads.
    public let l4Engine: L4Engine

    /// The plan running now.
    public var plan: GatewayPlan { state.withLockedValue { $0.plan } }
    /// The listeners of the running plan (not those draining after a reload).
    public var listeners: [GatewayListener] { state.withLockedValue { $0.listeners } }
    public var clusters: [String: UpstreamCluster] { state.withLockedValue { $0.clusters } }

    /// Resolves the clusters; binds nothing yet.
    /// - Parameter l4Engine: what carries tcp_proxy chains whose bytes pass untouched (see ``L4Engine``).
    public init(
        plan: GatewayPlan,
        logger: Logger,
        store: StatsStore = StatsStore(),
        l4Engine: L4Engine = .selected
    ) throws {
        self.l4Engine = l4Engine
        self.logger = logger
        self.store = store
        let connectionBudget = DownstreamConnectionBudget(maxConnections: plan.maxDownstreamConnections.maxConnections)
        self.connectionBudget = connectionBudget
        var clusters: [String: UpstreamCluster] = [:]
        for cluster in plan.clusters {
            clusters[cluster.name] = try UpstreamCluster(plan: cluster, stats: store.clusterStats(cluster.name))
        }
        let connectionTables = ConnectionTables()
        self.connectionTables = connectionTables
        let httpPools = HTTPUpstreamPools(clusters: clusters, logger: logger, connections: connectionTables)
        self.httpPools = httpPools
        let makeChain = Self.chainFactory(clusters: clusters, pools: httpPools)
        let listeners = plan.listeners.map {
            GatewayListener(
                plan: $0,
                logger: logger,
                store: store,
                connections: connectionTables,
                budget: connectionBudget,
                engine: l4Engine,
                makeChain: makeChain
            )
        }
        state = NIOLockedValueBox(State(plan: plan, listeners: listeners, clusters: clusters))
    }

    /// Makes a chain's runtime from its plan, with the clusters of one generation of the plan.
    static func chainFactory(clusters: [String: UpstreamCluster], pools: HTTPUpstreamPools) -> FilterChainFactory {
        { plan, environment in
            let terminal: any FilterChainRuntime
            switch plan.filter {
            case .tcpProxy(let proxy):
                terminal = try await TCPProxyChain.make(
                    plan: plan,
                    proxy: proxy,
                    clusters: clusters,
                    environment: environment
                )
            case .httpConnectionManager(let manager):
                terminal = try await HTTPConnectionManagerChain.make(
                    plan: plan,
                    connectionManager: manager,
                    pools: pools,
                    environment: environment
                )
            }
            return ConnectionLimitedChain.wrap(terminal, plan: plan, environment: environment)
        }
    }

    /// Starts every listener; if one fails, the ones already started are stopped and the error is thrown.
    public func start(group: any EventLoopGroup) async throws {
        await StatsShards.adopt(group)
        store.setConcurrency(Array(group.makeIterator()).count)
        state.withLockedValue { $0.group = group }
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

    /// Stops accepting and closes every connection, those of listeners draining after a reload included.
    public func stop() async {
        for listener in allListeners {
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

    /// The running listeners and those draining after a reload.
    var allListeners: [GatewayListener] {
        state.withLockedValue { $0.listeners + $0.draining }
    }

    /// Downstream connections open on every listener, those draining after a reload included: the server exits
    /// once this is zero after a drain.
    public var openConnections: Int {
        allListeners.reduce(0) { $0 + $1.openConnections }
    }
}
