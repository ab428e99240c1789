import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the gateway on SIGHUP and when a config, EnvoyFilter, certificate or key file changes on disk (checked
/// every `interval`: Kubernetes updates a mounted ConfigMap or Secret by swapping a symlink, which inotify on the
/// file itself would miss).
struct ConfigWatcherService: Service {
    let reloader: Reloader
    let interval: Duration?
    let logger: Logger

    func run() async throws {
        let reloader = reloader
        let interval = interval
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    await reloader.reload(reason: "SIGHUP")
                }
            }
            if let interval {
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            try await Task.sleep(for: interval)
                        } catch {
                            return
                        }
                        if await reloader.filesChanged() {
                            await reloader.reload(reason: "a watched file changed")
                        }
                    }
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}
