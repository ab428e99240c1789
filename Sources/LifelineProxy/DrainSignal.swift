import Synchronization

/// Whether a connection should be closed after the response being sent: Envoy's `drainClose()`. Off until a drain
/// starts; then always with ``DrainStrategy/immediate``, and with a probability rising from 0 to 1 over the drain
/// time with ``DrainStrategy/gradual``. Read once per response head.
final class DrainSignal: Sendable {
    private struct Drain {
        let strategy: DrainStrategy
        let start: ContinuousClock.Instant
        let time: Duration
    }

    private let drain = Mutex<Drain?>(nil)

    /// Starts the drain; a drain already under way keeps its start (a second signal cannot make it slower).
    func start(strategy: DrainStrategy, time: Duration, at start: ContinuousClock.Instant = .now) {
        drain.withLock { drain in
            if drain == nil || strategy == .immediate {
                drain = Drain(strategy: strategy, start: start, time: time)
            }
        }
    }

    var draining: Bool { drain.withLock { $0 != nil } }

    /// True when the connection should close (HTTP/1.1: `connection: close`; HTTP/2: GOAWAY) after this response.
    func shouldClose(at now: ContinuousClock.Instant = .now) -> Bool {
        guard let drain = drain.withLock({ $0 }) else { return false }
        switch drain.strategy {
        case .immediate:
            return true
        case .gradual:
            let elapsed = now - drain.start
            guard drain.time > .zero && elapsed < drain.time else { return true }
            return Double.random(in: 0..<1) < elapsed / drain.time
        }
    }
}
