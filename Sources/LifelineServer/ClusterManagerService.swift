import LifelineProxy
import Logging
import ServiceLifecycle

/// The clusters' upstream connection pools: kept while listeners drain (requests in flight still need them), closed
/// after; then the stats of the run are logged, every connection having been counted closed.
struct ClusterManagerService: Service {
    let gateway: Gateway
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
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
