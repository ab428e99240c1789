import LifelineAdmin
import NIOPosix
import ServiceLifecycle

/// The admin endpoint: up first, down last, so that `/ready` and `/connections` answer throughout a drain.
struct AdminService: Service {
    let server: AdminServer
    let group: MultiThreadedEventLoopGroup
    let startup: StartupBarrier

    func run() async throws {
        do {
            try await server.start(group: group)
        } catch let error as AdminServerError {
            throw error
        } catch {
            throw AdminStartError(address: "\(server.address)", reason: "\(error)")
        }
        await startup.partReady()
        try? await gracefulShutdown()
        await server.stop()
    }
}

/// The admin endpoint could not listen: its address and why.
struct AdminStartError: Error, CustomStringConvertible {
    let address: String
    let reason: String

    var description: String { "admin.address \(address): cannot listen: \(reason)" }
}
