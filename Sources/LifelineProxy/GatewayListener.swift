import LifelineConfig
public import LifelinePlan
import LifelineRelay
import LifelineSocket
import Logging
import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix

/// A listener as Envoy has it: its listening sockets (one per event loop with SO_REUSEPORT), each made and staged by
/// the lifecycle driver and then handed to NIO, and its filter chains, one of which each accepted connection is given
/// to. The listener knows nothing of what a chain does with a connection: a ``FilterChainFactory`` makes each chain's
/// runtime (today ``TCPProxyChain``), which builds that.
public final class GatewayListener: Sendable {
    /// The plan the listener runs: a reload that keeps the listening sockets gives it the new one.
    public var plan: ListenerPlan { current.withLockedValue { $0.plan } }
    /// The listener's counters (`listener.<address or stat_prefix>.`); its chains count into them too, so they
    /// hold the listener's totals.
    public let stats: ProxyStats
    /// The name of the listener's stats scope.
    public let statName: String
    let store: StatsStore
    private let makeChain: FilterChainFactory
    let logger: Logger
    let acceptedCheck: AcceptedSocketCheck
    private let serverChannels = NIOLockedValueBox<[any Channel]>([])
    #if os(Linux)
        /// The listening sockets relay loops accept on, when the listener's connections go to the relay.
        let relaySockets = NIOLockedValueBox<[(loop: RelayEventLoop, fd: Int32)]>([])
    #endif
    /// What accepted connections are given to; read once per accept, swapped whole by a reload.
    let current: NIOLockedValueBox<ListenerChainSet>
    /// Chains a reload replaced whose connections may still run; they drain and are forgotten once empty.
    let retired = NIOLockedValueBox<[any FilterChainRuntime]>([])
    /// The event loops the listener was started on.
    let group = NIOLockedValueBox<(any EventLoopGroup)?>(nil)
    let connections: ConnectionTables
    /// The gateway's one budget of downstream connections, shared by all its listeners.
    let budget: DownstreamConnectionBudget
    /// Which engine carries the listener's connections where the relay can (see ``L4Engine``).
    let engine: L4Engine

    /// - Parameter makeChain: makes the runtime of each of the listener's chains at start.
    init(
        plan: ListenerPlan,
        logger: Logger,
        store: StatsStore,
        connections: ConnectionTables,
        budget: DownstreamConnectionBudget,
        engine: L4Engine = .selected,
        makeChain: @escaping FilterChainFactory
    ) {
        self.engine = engine
        self.store = store
        self.connections = connections
        self.budget = budget
        statName = StatScope.listenerName(
            host: plan.address.host,
            port: plan.address.port,
            statPrefix: plan.statPrefix
        )
        let stats = store.listenerStats(statName)
        self.makeChain = makeChain
        self.stats = stats
        var logger = logger
        logger[metadataKey: "listener.name"] = "\(plan.name)"
        self.logger = logger
        acceptedCheck = AcceptedSocketCheck(options: plan.socketOptions.map(\.option))
        current = NIOLockedValueBox(ListenerChainSet(plan: plan, runtimes: []))
    }

    /// The port the listener is bound to (differs from the plan's when the plan asked for port 0).
    public var localPort: Int? {
        #if os(Linux)
            if let relayPort { return relayPort }
        #endif
        return serverChannels.withLockedValue { $0.first?.localAddress?.port }
    }

    /// The chains accepted connections are given to, with the stats their listener filters count into.
    func chainSet(plan: ListenerPlan, runtimes: [any FilterChainRuntime]) -> ListenerChainSet {
        let proxyProtocolStats = plan.listenerFilters.proxyProtocol.map {
            store.chainStats(of: stats, chain: .proxyProtocol($0.statPrefix))
        }
        return ListenerChainSet(plan: plan, runtimes: runtimes, proxyProtocolStats: proxyProtocolStats)
    }

    /// What the listener's chains are given when they are made.
    func environment(group: any EventLoopGroup) -> FilterChainEnvironment {
        FilterChainEnvironment(
            listenerName: plan.name,
            stats: stats,
            store: store,
            logger: logger,
            group: group,
            connections: connections
        )
    }

    /// Makes and stages the listening sockets and starts accepting. On failure nothing stays bound.
    public func start(group: any EventLoopGroup) async throws {
        try await start(group: group, port: nil)
    }

    /// - Parameter port: the port to bind instead of the plan's port 0: a listener replacing one on reload takes
    ///   the port its predecessor was given, so clients find it where they found the old one.
    func start(group: any EventLoopGroup, port: Int?) async throws {
        let plan = self.plan
        var running: [any FilterChainRuntime] = []
        // Accepted connections are served on the accepting loop (one socket per loop with SO_REUSEPORT), or on any,
        // so a chain must be ready on every loop of the group.
        let environment = environment(group: group)
        for chain in ListenerChains(plan: plan).all {
            running.append(try await makeChain(chain, environment))
        }
        current.withLockedValue { $0 = chainSet(plan: plan, runtimes: running) }
        var address = plan.address
        if let port, address.port == 0 {
            address = IPEndpoint(host: address.host, port: port) ?? address
        }
        do {
            try await bind(group: group, address: address)
        } catch {
            await stop()
            throw error
        }
    }

    /// Makes the listening sockets for the current chains, one per loop with SO_REUSEPORT, and starts accepting.
    /// On failure the sockets already made are closed (the chains are left as they are).
    func bind(group: any EventLoopGroup, address: IPEndpoint) async throws {
        self.group.withLockedValue { $0 = group }
        #if os(Linux)
            do {
                if try await bindRelay(address: address, group: group) { return }
            } catch {
                await stopAccepting()
                throw error
            }
        #endif
        let plan = self.plan
        let loops = plan.reusePort ? Array(group.makeIterator()) : [group.next()]
        let bound: IPEndpoint
        do {
            bound = try await makeListeningSockets(on: loops, address: address) { loop, fd in
                let channel = try await self.makeBootstrap(
                    plan: plan,
                    loop: loop,
                    childGroup: plan.reusePort ? loop : group
                ).withBoundSocket(fd).get()
                // NIO calls listen() again with its own backlog (128); restore the planned one.
                try? PosixSocketSystemCalls().listen(fd, backlog: plan.backlog)
                self.serverChannels.withLockedValue { $0.append(channel) }
            }
        } catch {
            await stopAccepting()
            throw error
        }
        logger.info(
            "listening",
            metadata: [
                "listener.address": "\(bound)", "listener.sockets": "\(loops.count)",
                "listener.filter_chains": "\(current.withLockedValue { $0.runtimes.count })",
            ]
        )
    }

    /// Makes the listener's listening sockets, one for each of `loops` (the lifecycle driver stages their options),
    /// and hands each to `accept` with its loop; returns the address they are bound to. With port 0, every
    /// SO_REUSEPORT socket after the first is bound to the port the first one was given.
    func makeListeningSockets<Loop>(
        on loops: [Loop],
        address: IPEndpoint,
        accept: (Loop, Int32) async throws -> Void
    ) async throws -> IPEndpoint {
        let plan = self.plan
        var address = address
        let builder = ListeningSocketBuilder()
        for loop in loops {
            let fd = try builder.makeListeningSocket(
                listener: plan.name,
                address: address,
                options: plan.stagedOptions,
                backlog: plan.backlog
            )
            try await accept(loop, fd)
            if address.port == 0, let local = IPEndpoint.local(ofSocket: fd) {
                address = IPEndpoint(host: address.host, port: local.port) ?? address
            }
        }
        return address
    }

    /// Stops accepting, then closes every open connection.
    public func stop() async {
        await stopAccepting()
        await closeConnections()
    }

    /// Closes the listening sockets; open connections go on.
    public func stopAccepting() async {
        let channels = serverChannels.withLockedValue { channels in
            defer { channels.removeAll() }
            return channels
        }
        for channel in channels {
            try? await channel.close()
        }
        #if os(Linux)
            await stopRelayAccepting()
        #endif
    }

    /// Every chain runtime whose connections may still be open: the current ones and those a reload replaced.
    var allRuntimes: [any FilterChainRuntime] {
        current.withLockedValue { $0.runtimes } + retired.withLockedValue { $0 }
    }

    /// Closes every open connection, of the current chains and of those a reload replaced.
    func closeConnections() async {
        for chain in allRuntimes {
            await chain.closeAll()
        }
    }

    /// Tells every open connection to go away once what it has in flight is done (see ``DrainStrategy``).
    func drain(strategy: DrainStrategy, time: Duration, closeIdle: Bool) {
        for chain in allRuntimes {
            chain.drain(strategy: strategy, time: time, closeIdle: closeIdle)
        }
    }

    /// Downstream connections open on the listener's chains (those a reload replaced included).
    public var openConnections: Int {
        allRuntimes.reduce(0) { $0 + $1.openConnections }
    }

    /// Number of downstream connections currently open.
    public var activeConnections: Int { stats[.downstreamConnectionsActive] }

    private func makeBootstrap(plan: ListenerPlan, loop: any EventLoop, childGroup: any EventLoopGroup)
        -> ServerBootstrap
    {
        let check = acceptedCheck
        let limit = plan.bufferLimitBytes
        let listenerName = plan.name
        let current = current
        let stats = stats
        let logger = logger
        let budget = budget
        var bootstrap = ServerBootstrap(group: loop, childGroup: childGroup)
            .serverChannelOption(.backlog, value: plan.backlog)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler(stats: stats, logger: logger))
                }
            }
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: max(1, limit / 2), high: limit))
            .childChannelOption(.recvAllocator, value: TCPProxyListenerContext.receiveBuffers)
        // NIO sets TCP_NODELAY on the listening socket after our staging; keep a configured value instead.
        let nodelay = SocketOptionNames.entry(optionName: "TCP_NODELAY")
        if let nodelay,
            let configured = plan.socketOptions.last(where: {
                $0.option.level == nodelay.level && $0.option.name == nodelay.name
            }), case .int(let value) = configured.option.value
        {
            bootstrap = bootstrap.serverChannelOption(.tcpOption(.tcp_nodelay), value: SocketOptionValue(value))
        } else {
            bootstrap = bootstrap.childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        }
        return bootstrap.childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                // The global cap comes before anything reads from the connection: past it, Envoy closes the
                // connection as soon as it is accepted and counts it, leaving the open ones alone.
                guard budget.acquire() else {
                    stats.increment(.downstreamGlobalOverflow)
                    logger.debug(
                        "global downstream connection limit reached; closing the connection",
                        metadata: [
                            "connection.peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")",
                            "limit": "\(budget.maxConnections)",
                        ]
                    )
                    channel.close(promise: nil)
                    return
                }
                channel.closeFuture.whenComplete { _ in budget.release() }
                // One read of the chain set per accept: the connection stays with these chains whatever a reload
                // does meanwhile.
                let chains = current.withLockedValue { $0 }
                let selector = chains.selector
                check.apply(to: channel, listener: listenerName, logger: logger)
                /// Gives the connection to the chain the facts choose, or closes it.
                func hand(_ facts: ConnectionFacts?) throws {
                    guard let index = facts.flatMap(selector.select) else {
                        stats.increment(.noFilterChainMatch)
                        logger.debug(
                            "no filter chain matches the connection; closing it",
                            metadata: [
                                "connection.peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")",
                                "tls.server_name": "\(facts?.serverName ?? "-")",
                            ]
                        )
                        channel.close(promise: nil)
                        return
                    }
                    try chains.runtimes[index].initialize(channel)
                }
                guard let filters = chains.inspection else {
                    // Nothing to wait for: choose from what accept tells (the common case needs not even that).
                    if let index = selector.unconditional {
                        try chains.runtimes[index].initialize(channel)
                    } else {
                        try hand(ConnectionFacts(channel: channel))
                    }
                    return
                }
                // One listener_filters_timeout for all the filters, from accept, as in Envoy.
                let deadline = filters.timeout.map { NIODeadline.now() + TimeAmount($0) }
                func remaining() -> TimeAmount? {
                    deadline.map { max(.zero, $0 - .now()) }
                }
                func giveUp(_ error: any Error) {
                    logger.debug("cannot start the connection's filter chain", metadata: ["error": "\(error)"])
                    channel.close(promise: nil)
                }
                /// Chooses the chain from the addresses (a PROXY header's, once read) and what the inspector read.
                func handWith(_ inspection: TLSInspection?) throws {
                    var facts = ConnectionFacts(channel: channel)
                    if let inspection {
                        facts?.transportProtocol = inspection.transportProtocol.rawValue
                        facts?.serverName = inspection.serverName
                        facts?.applicationProtocols = inspection.alpn
                    }
                    try hand(facts)
                }
                func addTLSInspector(then next: @escaping (TLSInspection) throws -> Void) throws {
                    let inspector = TLSInspectorHandler(
                        timeout: remaining(),
                        continueOnTimeout: filters.continueOnTimeout,
                        onInspected: { inspection in
                            do { try next(inspection) } catch { giveUp(error) }
                        },
                        onRejected: { rejection in
                            switch rejection {
                            case .clientHelloTooLarge: stats.increment(.clientHelloTooLarge)
                            case .timeout: stats.increment(.listenerFiltersTimeout)
                            case .connectionClosed: break
                            }
                            logger.debug(
                                "tls_inspector closed the connection before a filter chain was chosen",
                                metadata: [
                                    "connection.peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")",
                                    "reason": "\(rejection.rawValue)",
                                ]
                            )
                        }
                    )
                    try channel.pipeline.syncOperations.addHandler(inspector)
                }
                func addProxyProtocol(_ config: ProxyProtocolConfig, then next: @escaping () throws -> Void) throws {
                    let reader = ProxyProtocolHandler(
                        config: config,
                        timeout: remaining(),
                        continueOnTimeout: filters.continueOnTimeout,
                        stats: chains.proxyProtocolStats ?? stats,
                        onDecided: { header in
                            if let header, logger.logLevel <= .debug {
                                logger.debug(
                                    "PROXY protocol header read",
                                    metadata: header.logMetadata(rules: config.rules, directPeer: channel.remoteAddress)
                                )
                            }
                            do { try next() } catch { giveUp(error) }
                        },
                        onRejected: { rejection in
                            if rejection == .timeout { stats.increment(.listenerFiltersTimeout) }
                            logger.debug(
                                "proxy_protocol closed the connection before a filter chain was chosen",
                                metadata: [
                                    "connection.peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")",
                                    "reason": "\(rejection.reason)",
                                ]
                            )
                        }
                    )
                    try channel.pipeline.syncOperations.addHandler(reader)
                }
                // Listener filters run in their listed order, each added when the one before it has decided.
                switch (filters.proxyProtocol, filters.tlsInspector) {
                case (let config?, true) where filters.proxyProtocolFirst:
                    try addProxyProtocol(config) { try addTLSInspector(then: handWith) }
                case (let config?, true):
                    try addTLSInspector { inspection in try addProxyProtocol(config) { try handWith(inspection) } }
                case (let config?, false):
                    try addProxyProtocol(config) { try handWith(nil) }
                case (nil, _):
                    try addTLSInspector(then: handWith)
                }
            }
        }
    }
}

/// A listener that cannot run: a programming error or a plan the planner should have refused, not an input error.
enum GatewayListenerError: Error, CustomStringConvertible {
    case unknownEventLoop(listener: String)
    case unknownCluster(listener: String, cluster: String)
    /// A chain's TLS context could not be made from its certificates and parameters.
    case tls(listener: String, chain: String, reason: String)
    /// A reload asked a listener that never started for new chains.
    case notStarted(listener: String)
    /// A listener was asked for its `http_connection_manager` chain and has none.
    case noHTTPConnectionManager(listener: String)

    var description: String {
        switch self {
        case .unknownEventLoop(let listener): "listener \(listener): a connection arrived on an unknown event loop"
        case .unknownCluster(let listener, let cluster): "listener \(listener): no cluster named \(cluster)"
        case .tls(let listener, let chain, let reason): "listener \(listener), filter chain \(chain): TLS: \(reason)"
        case .notStarted(let listener): "listener \(listener): not started"
        case .noHTTPConnectionManager(let listener): "listener \(listener): no http_connection_manager filter chain"
        }
    }
}
