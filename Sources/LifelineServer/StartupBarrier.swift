/// Counts the services that must be up before the server is live (listeners accepting, the admin endpoint serving),
/// then marks the server live and calls back once.
actor StartupBarrier {
    private var waiting: Int
    private let onReady: @Sendable () -> Void

    init(parts: Int, onReady: @escaping @Sendable () -> Void) {
        waiting = parts
        self.onReady = onReady
    }

    func partReady() {
        waiting -= 1
        if waiting == 0 {
            onReady()
        }
    }
}
