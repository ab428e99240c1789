public import LifelineAdmin
import LifelineConfig
import LifelinePlan
public import LifelineProxy
public import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// The running server: one `ServiceGroup` of the admin endpoint, the cluster manager, the listeners and the config
/// watcher. Started in that order; shut down in reverse on SIGTERM or SIGINT — the watcher stops, the listeners
/// drain, the upstream pools close, the admin endpoint (which reports the drain) goes last.
public final class LifelineServer: Sendable {
    /// What a caller learns once every listener accepts and the admin endpoint serves.
    public struct Running: Sendable {
        public let gateway: Gateway
        /// The admin endpoint's port (the one bound when the config asked for 0); nil without `admin`.
        public let adminPort: Int?
        public let state: ServerState
        public let reloader: Reloader
    }

    public let gateway: Gateway
    public let state: ServerState
    public let reloader: Reloader
    private let group: MultiThreadedEventLoopGroup
    private let services: ServiceGroup
    private let logger: Logger

    /// Builds the services; binds nothing yet.
    ///
    /// - Parameter onRunning: called once every listener accepts and the admin endpoint serves.
    public init(
        source: PlanSource,
        initial: LoadedPlan,
        configuration: ServerConfiguration,
        logger: Logger,
        onRunning: @escaping @Sendable (Running) -> Void = { _ in }
    ) throws {
        let plan = initial.plan
        Self.warnAboutUnsafeKeepalive(plan, logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoops)
        let state = ServerState()
        let gateway: Gateway
        do {
            gateway = try Gateway(plan: plan, logger: logger, l4Engine: configuration.l4Engine)
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        let reloader = Reloader(source: source, initial: initial, gateway: gateway, state: state, logger: logger)
        let drain = DrainCoordinator(
            gateway: gateway,
            state: state,
            time: configuration.drainTime,
            strategy: configuration.drainStrategy,
            logger: logger
        )
        var admin: AdminServer?
        if let adminPlan = plan.admin {
            admin = AdminServer(
                address: adminPlan.address,
                routes: Self.adminRoutes(
                    gateway: gateway,
                    state: state,
                    reloader: reloader,
                    drain: drain,
                    configuration: configuration
                ),
                logger: logger,
                allowNonLoopback: configuration.allowRemoteAdmin
            )
        }
        let adminServer = admin
        let startup = StartupBarrier(parts: admin == nil ? 1 : 2) {
            state.becameLive()
            onRunning(Running(gateway: gateway, adminPort: adminServer?.localPort, state: state, reloader: reloader))
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let admin {
            services.append(.init(service: AdminService(server: admin, group: group, startup: startup)))
        }
        services += [
            .init(service: ClusterManagerService(gateway: gateway, logger: logger)),
            .init(
                service: ListenerService(gateway: gateway, group: group, startup: startup, drain: drain)
            ),
            .init(
                service: ConfigWatcherService(reloader: reloader, interval: configuration.watchInterval, logger: logger)
            ),
        ]
        self.services = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        self.gateway = gateway
        self.state = state
        self.reloader = reloader
        self.group = group
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT (or ``shutdown()``) has drained the gateway. Throws if start-up fails (nothing
    /// stays bound then).
    public func run() async throws {
        do {
            try await services.run()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    /// Starts the drain and shutdown SIGTERM starts.
    public func shutdown() async {
        await services.triggerGracefulShutdown()
    }

    private static func adminRoutes(
        gateway: Gateway,
        state: ServerState,
        reloader: Reloader,
        drain: DrainCoordinator,
        configuration: ServerConfiguration
    ) -> [AdminRoute] {
        let server = ServerEndpoints(
            state: state,
            logControl: configuration.logControl,
            gateway: gateway,
            version: configuration.version,
            commandLineOptions: configuration.commandLineOptions,
            configDump: {
                let loaded = await reloader.current
                return loaded.plan.summary(
                    eventLoops: configuration.eventLoops,
                    envoyFiltersNotSelected: loaded.envoyFiltersNotSelected
                ).jsonText
            }
        )
        let control = [
            AdminRoute(
                method: "POST",
                path: "/drain_listeners",
                help:
                    "drain listeners: ?graceful keeps accepting for the drain time while connections are told to drain"
            ) { request in
                await drain.drainListeners(graceful: request.has("graceful"))
                return AdminResponse(body: "OK\n")
            },
            AdminRoute(
                method: "POST",
                path: "/reload",
                help: "read the config files again and apply them; a config that fails check changes nothing"
            ) { _ in
                let outcome = await reloader.reload(reason: "POST /reload")
                return AdminResponse(status: outcome.succeeded ? 200 : 400, body: "\(outcome)\n")
            },
        ]
        let stats = [
            AdminRoute(
                method: "GET",
                path: "/stats",
                help: "print server stats: ?filter=REGEX, ?usedonly, ?format=json",
                handler: StatsEndpoint.handler(store: gateway.store)
            ),
            AdminRoute(
                method: "GET",
                path: "/stats/prometheus",
                help: "print server stats in prometheus format: ?filter=REGEX, ?usedonly",
                handler: StatsEndpoint.prometheusHandler(store: gateway.store)
            ),
        ]
        return server.routes + control + stats + AdminRoutes.connections(gateway: gateway)
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
