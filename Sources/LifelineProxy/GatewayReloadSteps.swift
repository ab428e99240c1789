import LifelinePlan
import LifelineSocket
import Logging
import NIOCore

/// What a reload has started so far, to be undone if a later step fails.
struct GatewayReloadSteps {
    /// Listeners that keep their sockets, with the chains prepared for them.
    var kept: [(GatewayListener, GatewayListener.PreparedChains)] = []
    /// New listeners (added, or replacing one) that are accepting.
    var started: [GatewayListener] = []
    /// Replacements that cannot share their predecessor's port, with the port the predecessor was bound to.
    var exclusive: [(old: GatewayListener, new: GatewayListener, port: Int?)] = []
    /// Predecessors whose sockets were closed for an exclusive replacement.
    var paused: [(GatewayListener, Int?)] = []

    func rollBack(group: any EventLoopGroup) async {
        for (_, prepared) in kept {
            for runtime in prepared.made {
                await runtime.closeAll()
            }
        }
        for listener in started {
            await listener.stop()
        }
        for (listener, port) in paused {
            var address = listener.plan.address
            if let port { address = IPEndpoint(host: address.host, port: port) ?? address }
            do {
                try await listener.bind(group: group, address: address)
            } catch {
                listener.logger.error(
                    "cannot listen again after a failed reload",
                    metadata: ["error": "\(error)"]
                )
            }
        }
    }
}
