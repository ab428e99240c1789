import LifelinePlan
import Logging
import NIOCore

/// One filter chain whose network filter is `tcp_proxy`: what a connection given to the chain is built into (the
/// glue pair and its upstream), with the chain's own `idle_timeout` swept on each event loop.
final class TCPProxyChain: Sendable {
    let plan: FilterChainPlan
    let context: TCPProxyListenerContext
    /// The chain's sessions on each event loop, keyed by the loop's identity; filled before the first accept.
    private let registries: [ObjectIdentifier: NIOLoopBound<TCPProxySessionRegistry>]

    private init(
        plan: FilterChainPlan,
        context: TCPProxyListenerContext,
        registries: [ObjectIdentifier: NIOLoopBound<TCPProxySessionRegistry>]
    ) {
        self.plan = plan
        self.context = context
        self.registries = registries
    }

    /// Makes the chain's registry on every loop of `group`.
    static func make(
        plan: FilterChainPlan,
        listenerName: String,
        cluster: UpstreamCluster,
        stats: ProxyStats,
        logger: Logger,
        group: any EventLoopGroup
    ) async throws -> TCPProxyChain {
        var logger = logger
        logger[metadataKey: "filter_chain.name"] = "\(plan.name)"
        let context = TCPProxyListenerContext(
            listenerName: listenerName,
            cluster: cluster,
            idleTimeout: plan.tcpProxy.idleTimeout,
            stats: stats,
            logger: logger
        )
        var registries: [ObjectIdentifier: NIOLoopBound<TCPProxySessionRegistry>] = [:]
        for loop in group.makeIterator() {
            registries[ObjectIdentifier(loop)] = try await loop.submit {
                NIOLoopBound(
                    TCPProxySessionRegistry(eventLoop: loop, idleTimeout: plan.tcpProxy.idleTimeout),
                    eventLoop: loop
                )
            }.get()
        }
        return TCPProxyChain(plan: plan, context: context, registries: registries)
    }

    /// Builds the connection's pipeline: runs on the accepted channel's event loop, before any byte is proxied.
    func initialize(_ channel: any Channel) throws {
        guard let registry = registries[ObjectIdentifier(channel.eventLoop)] else {
            throw GatewayListenerError.unknownEventLoop(listener: context.listenerName)
        }
        let session = TCPProxySession(downstreamChannel: channel, listener: context, registry: registry.value)
        try channel.pipeline.syncOperations.addHandler(session.downstream)
    }

    /// Closes every open connection of the chain and waits for them to finish.
    func closeAll() async {
        await context.closeAll(Array(registries.values))
    }
}
