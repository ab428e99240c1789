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

    /// - Parameters:
    ///   - store: where the gateway counts; pass the previous gateway's to keep counting across a reload.
    ///   - onRunning: called once every listener accepts, e.g. to learn ports bound as 0.
    public init(
        plan: GatewayPlan,
        group: MultiThreadedEventLoopGroup,
        logger: Logger,
        store: StatsStore = StatsStore(),
        onRunning: @escaping @Sendable (Gateway) -> Void = { _ in }
    ) throws {
        gateway = try Gateway(plan: plan, logger: logger, store: store)
        self.group = group
        self.logger = logger
        self.onRunning = onRunning
    }

    public func run() async throws {
        try await gateway.start(group: group)
        gateway.store.setLive(true)
        onRunning(gateway)
        try? await gracefulShutdown()
        gateway.store.setLive(false)
        logger.info("shutting down: closing listeners and connections")
        await gateway.stop()
        logStatistics()
    }

    /// The non-zero stats of every scope (`listener.<address>`, `http.<stat_prefix>`, `cluster.<name>`, …), one line
    /// each, so that a run leaves its record of how connections ended.
    private func logStatistics() {
        let counted = gateway.store.samples().filter { $0.value != 0 && !$0.leaf.hasPrefix("server.") }
        let scopes = Dictionary(grouping: counted) { String($0.scope.prefix.dropLast()) }
        for (scope, samples) in scopes.sorted(by: { $0.key < $1.key }) {
            logger.info(
                "statistics",
                metadata: [
                    "stats.scope": "\(scope.isEmpty ? "(root)" : scope)",
                    "stats": "\(samples.map { "\($0.leaf)=\($0.value)" }.joined(separator: " "))",
                ]
            )
        }
    }
}

extension GatewayService: CustomStringConvertible {
    public var description: String { "GatewayService(listeners: \(gateway.listeners.map(\.plan.name)))" }
}
