import LifelinePlan
import Logging
import NIOCore

/// A filter chain with `envoy.filters.network.connection_limit` filters before its terminal one: each connection
/// given to the chain must be admitted by every limiter, in config order, before the terminal filter (tcp_proxy,
/// http_connection_manager) builds its pipeline. A refused connection is counted (`limited_connections`) and closed
/// at once, or held unread for the limiter's `delay` and then closed; either way no byte of it goes anywhere.
///
/// The limiters live as long as this runtime, which a reload carries over for an unchanged chain, so their counts
/// are kept across it.
final class ConnectionLimitedChain: FilterChainRuntime {
    let terminal: any FilterChainRuntime
    let limiters: [ConnectionLimiter]
    private let logger: Logger

    init(terminal: any FilterChainRuntime, limiters: [ConnectionLimiter], logger: Logger) {
        self.terminal = terminal
        self.limiters = limiters
        var logger = logger
        logger[metadataKey: "filter_chain.name"] = "\(terminal.plan.name)"
        self.logger = logger
    }

    /// The limiters of `plan`'s `connection_limit` filters around `terminal`, or `terminal` alone when it has none.
    static func wrap(
        _ terminal: any FilterChainRuntime,
        plan: FilterChainPlan,
        environment: FilterChainEnvironment
    ) -> any FilterChainRuntime {
        guard !plan.connectionLimits.isEmpty else { return terminal }
        let limiters = plan.connectionLimits.map {
            ConnectionLimiter(plan: $0, stats: environment.store.connectionLimitStats($0.statPrefix))
        }
        return ConnectionLimitedChain(terminal: terminal, limiters: limiters, logger: environment.logger)
    }

    var plan: FilterChainPlan { terminal.plan }

    func initialize(_ channel: any Channel) throws {
        for limiter in limiters where limiter.plan.enabled {
            let stats = limiter.stats
            stats.increment(.connectionLimitActive)
            let admitted = limiter.admit()
            channel.closeFuture.whenComplete { _ in
                limiter.release()
                stats.decrement(.connectionLimitActive)
            }
            guard admitted else {
                refuse(channel, by: limiter)
                return
            }
        }
        try terminal.initialize(channel)
    }

    private func refuse(_ channel: any Channel, by limiter: ConnectionLimiter) {
        limiter.stats.increment(.connectionLimitLimited)
        logger.debug(
            "connection_limit reached; refusing the connection",
            metadata: [
                "connection.peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")",
                "connection_limit.stat_prefix": "\(limiter.plan.statPrefix)",
                "connection_limit.max_connections": "\(limiter.plan.maxConnections)",
            ]
        )
        guard let delay = limiter.plan.delay, delay > .zero else {
            channel.close(promise: nil)
            return
        }
        do {
            try channel.pipeline.syncOperations.addHandler(ConnectionLimitRefusalHandler(delay: TimeAmount(delay)))
        } catch {
            channel.close(promise: nil)
        }
    }

    func closeAll() async {
        await terminal.closeAll()
    }

    func drain(strategy: DrainStrategy, time: Duration, closeIdle: Bool) {
        terminal.drain(strategy: strategy, time: time, closeIdle: closeIdle)
    }

    var openConnections: Int { terminal.openConnections }
}
