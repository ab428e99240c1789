import LifelinePlan
import Logging
import NIOCore
import NIOSSL

/// One filter chain whose network filter is `tcp_proxy`: what a connection given to the chain is built into (its
/// transport socket — TLS terminated here, or the bytes as they come — then the glue pair and its upstream), with the
/// chain's own `idle_timeout` swept on each event loop.
final class TCPProxyChain: FilterChainRuntime {
    let plan: FilterChainPlan
    let context: TCPProxyListenerContext
    /// The chain's TLS context, made once at start; nil for a chain without a transport socket.
    private let tls: NIOSSLContext?
    /// The chain's sessions on each event loop, keyed by the loop's identity; filled before the first accept.
    private let registries: [ObjectIdentifier: NIOLoopBound<TCPProxySessionRegistry>]

    private init(
        plan: FilterChainPlan,
        context: TCPProxyListenerContext,
        tls: NIOSSLContext?,
        registries: [ObjectIdentifier: NIOLoopBound<TCPProxySessionRegistry>]
    ) {
        self.plan = plan
        self.context = context
        self.tls = tls
        self.registries = registries
    }

    /// Makes the chain's TLS context and its registry on every loop of the listener's group.
    static func make(
        plan: FilterChainPlan,
        proxy: TcpProxyPlan,
        clusters: [String: UpstreamCluster],
        environment: FilterChainEnvironment
    ) async throws -> TCPProxyChain {
        guard let cluster = clusters[proxy.cluster] else {
            throw GatewayListenerError.unknownCluster(listener: environment.listenerName, cluster: proxy.cluster)
        }
        let listenerName = environment.listenerName
        let stats = environment.chainStats(.tcp(proxy.statPrefix))
        let group = environment.group
        var logger = environment.logger
        logger[metadataKey: "filter_chain.name"] = "\(plan.name)"
        let context = TCPProxyListenerContext(
            listenerName: listenerName,
            cluster: cluster,
            idleTimeout: proxy.idleTimeout,
            stats: stats,
            logger: logger
        )
        var tls: NIOSSLContext?
        if let tlsPlan = plan.tls {
            do {
                tls = try TLSContextFactory.makeServerContext(tlsPlan)
            } catch {
                throw GatewayListenerError.tls(listener: listenerName, chain: plan.name, reason: "\(error)")
            }
        }
        let labels = ConnectionLabels(
            direction: .downstream,
            kind: .tcpProxy,
            listener: listenerName,
            filterChain: plan.name,
            cluster: proxy.cluster
        )
        let connections = environment.connections
        var registries: [ObjectIdentifier: NIOLoopBound<TCPProxySessionRegistry>] = [:]
        for loop in group.makeIterator() {
            registries[ObjectIdentifier(loop)] = try await loop.submit {
                NIOLoopBound(
                    TCPProxySessionRegistry(
                        eventLoop: loop,
                        idleTimeout: proxy.idleTimeout,
                        connections: connections.table(on: loop),
                        labels: labels
                    ),
                    eventLoop: loop
                )
            }.get()
        }
        return TCPProxyChain(plan: plan, context: context, tls: tls, registries: registries)
    }

    /// Builds the connection's pipeline: runs on the accepted channel's event loop, before any byte is proxied.
    func initialize(_ channel: any Channel) throws {
        guard let registry = registries[ObjectIdentifier(channel.eventLoop)] else {
            throw GatewayListenerError.unknownEventLoop(listener: context.listenerName)
        }
        // Right after the listener filters (tls_inspector), so the bytes they held and pass on are counted too.
        try channel.pipeline.syncOperations.addHandler(
            ConnectionTableHandler(table: registry.value.connections, labels: registry.value.labels)
        )
        if let tls, let tlsPlan = plan.tls {
            try channel.pipeline.syncOperations.addHandlers(
                TLSContextFactory.makeServerHandler(context: tls, plan: tlsPlan),
                TLSHandshakeObserver(stats: context.stats, logger: context.logger, isServer: true)
            )
        }
        let session = TCPProxySession(downstreamChannel: channel, listener: context, registry: registry.value)
        try channel.pipeline.syncOperations.addHandler(session.downstream)
    }

    /// Closes every open connection of the chain and waits for them to finish.
    func closeAll() async {
        await context.closeAll(Array(registries.values))
    }

    /// tcp_proxy cannot ask a client to go: its connections run until they end, or until the drain time is over
    /// and the gateway closes them.
    func drain(strategy: DrainStrategy, time: Duration, closeIdle: Bool) {}

    var openConnections: Int { context.openSessions }
}
