import Synchronization

/// The counters Envoy keeps per upstream host and prints in `/clusters`: connections made and connect failures
/// (timeouts included). Counted when a connection is dialled, not per byte, so shared atomics are cheap enough.
public final class UpstreamHostStats: Sendable {
    private let connectionsTotal = Atomic<Int>(0)
    private let connectFailures = Atomic<Int>(0)

    public init() {}

    /// `cx_total`.
    public var connections: Int { connectionsTotal.load(ordering: .relaxed) }
    /// `cx_connect_fail`.
    public var failures: Int { connectFailures.load(ordering: .relaxed) }

    func connectionStarted() {
        connectionsTotal.add(1, ordering: .relaxed)
    }

    func connectFailed() {
        connectFailures.add(1, ordering: .relaxed)
    }
}
