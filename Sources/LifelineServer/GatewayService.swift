public import LifelinePlan
public import LifelineProxy
public import Logging
import NIOCore
public import NIOPosix
public import ServiceLifecycle

/// The gateway as a ``Service``: starts every listener, runs until graceful shutdown, then closes listeners and
/// connections.
public struct GatewayService: Service {
    public let gateway: Gateway
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    private let onRunning: @Sendable (Gateway) -> Void

    /// - Parameter onRunning: called once every listener accepts, e.g. to learn ports bound as 0.
    public init(
        plan: GatewayPlan,
        group: MultiThreadedEventLoopGroup,
        logger: Logger,
        onRunning: @escaping @Sendable (Gateway) -> Void = { _ in }
    ) throws {
        gateway = try Gateway(plan: plan, logger: logger)
        self.group = group
        self.logger = logger
        self.onRunning = onRunning
    }

    public func run() async throws {
        try await gateway.start(group: group)
        onRunning(gateway)
        try? await gracefulShutdown()
        logger.info("shutting down: closing listeners and connections")
        await gateway.stop()
        logStatistics()
    }

    /// The non-zero counters of every listener and cluster, one line each, so that a run leaves its record of how
    /// connections ended (until the admin endpoint serves them live).
    private func logStatistics() {
        func line(_ stats: ProxyStats) -> String {
            stats.snapshot.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: " ")
        }
        for listener in gateway.listeners {
            logger.info(
                "statistics",
                metadata: ["listener.name": "\(listener.plan.name)", "stats": "\(line(listener.stats))"]
            )
        }
        for (name, cluster) in gateway.clusters.sorted(by: { $0.key < $1.key }) {
            logger.info("statistics", metadata: ["cluster.name": "\(name)", "stats": "\(line(cluster.stats))"])
        }
    }
}

extension GatewayService: CustomStringConvertible {
    public var description: String { "GatewayService(listeners: \(gateway.listeners.map(\.plan.name)))" }
}
