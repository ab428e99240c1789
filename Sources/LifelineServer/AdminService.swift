import LifelineAdmin
import NIOPosix
import ServiceLifecycle

/// The admin endpoint: up first, down last, so that `/ready` and `/connections` answer throughout a drain.
struct AdminService: Service {
    let server: AdminServer
    let group: MultiThreadedEventLoopGroup
    let startup: StartupBarrier

    func run() async throws {
        try await server.start(group: group)
        await startup.partReady()
        try? await gracefulShutdown()
        await server.stop()
    }
}
