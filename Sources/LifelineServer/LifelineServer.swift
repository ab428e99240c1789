import LifelineAdmin
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
        warnAboutUnsafeKeepalive(plan, logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: eventLoops)
        var admin: AdminServer?
        do {
            let service = try GatewayService(plan: plan, group: group, logger: logger)
            if let address = plan.admin?.address {
                let server = AdminServer(
                    address: address,
                    routes: AdminRoutes.connections(gateway: service.gateway),
                    logger: logger
                )
                try await server.start(group: group)
                admin = server
            }
            let services = ServiceGroup(
                configuration: .init(
                    services: [.init(service: service)],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            try await services.run()
        } catch {
            await admin?.stop()
            try? await group.shutdownGracefully()
            throw error
        }
        await admin?.stop()
        try await group.shutdownGracefully()
    }

    /// One warning per listener or cluster whose keepalive a load balancer's idle timeout would cut, with the field
    /// to set: the case of a config that speaks about keepalive and leaves the idle time to the kernel.
    static func warnAboutUnsafeKeepalive(_ plan: GatewayPlan, logger: Logger) {
        for entry in KeepaliveExplanation(plan: plan).entries {
            if let warning = entry.startupWarning {
                logger.warning("\(warning)")
            }
        }
    }
}
