import LifelineProxy
import NIOPosix
import ServiceLifecycle

/// The gateway's listeners: starts them all (nothing stays bound if one cannot start), then on graceful shutdown
/// (SIGTERM, SIGINT) drains them.
struct ListenerService: Service {
    let gateway: Gateway
    let group: MultiThreadedEventLoopGroup
    let startup: StartupBarrier
    let drain: DrainCoordinator

    func run() async throws {
        try await gateway.start(group: group)
        gateway.store.setLive(true)
        await startup.partReady()
        do {
            try await gracefulShutdown()
            await drain.drainForShutdown()
        } catch {
            // Cancelled, not asked to shut down: another service could not start. Close at once.
            await gateway.drain(strategy: .immediate, time: .zero, graceful: false)
        }
        gateway.store.setLive(false)
    }
}
