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
        try? await gracefulShutdown()
        await drain.drainForShutdown()
        gateway.store.setLive(false)
    }
}
