public import LifelinePlan
import LifelineProxy
public import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// Wires a plan into running services and runs them until SIGINT or SIGTERM.
public enum LifelineServer {
    /// Runs the gateway. Returns after a clean stop; throws if start-up fails (nothing stays bound then).
    public static func run(plan: GatewayPlan, eventLoops: Int, logger: Logger) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: eventLoops)
        do {
            let service = try GatewayService(plan: plan, group: group, logger: logger)
            let services = ServiceGroup(
                configuration: .init(
                    services: [.init(service: service)],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            try await services.run()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }
}
