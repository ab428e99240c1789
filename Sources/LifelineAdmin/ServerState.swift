import Synchronization

/// The server's state as the admin endpoint reports it (Envoy's `server.state`, `/ready`, `/healthcheck/fail`).
///
/// `/ready` answers 200 `LIVE` only while serving with the health check not failed: a load balancer or a Kubernetes
/// readiness probe stops sending new connections as soon as a drain begins.
public final class ServerState: Sendable {
    /// Envoy's `envoy.admin.v3.ServerInfo.State`, by its names.
    public enum Phase: Int, Sendable, CustomStringConvertible {
        /// Starting: listeners not yet accepting.
        case initializing = 0
        /// Serving.
        case live = 1
        /// Draining (SIGTERM, `/drain_listeners`) or the health check failed by hand.
        case draining = 2

        public var description: String {
            switch self {
            case .initializing: "INITIALIZING"
            case .live: "LIVE"
            case .draining: "DRAINING"
            }
        }
    }

    private let phase = Atomic<Int>(Phase.initializing.rawValue)
    private let healthCheckFailed = Atomic<Bool>(false)
    /// When the process started serving, for `server.uptime`.
    public let startTime: ContinuousClock.Instant

    public init(startTime: ContinuousClock.Instant = .now) {
        self.startTime = startTime
    }

    /// The state reported: a failed health check reads as draining, as in Envoy.
    public var reported: Phase {
        let current = Phase(rawValue: phase.load(ordering: .relaxed)) ?? .initializing
        if current == .live, healthCheckFailed.load(ordering: .relaxed) { return .draining }
        return current
    }

    /// Whether a drain has begun (not merely a failed health check).
    public var isDraining: Bool {
        phase.load(ordering: .relaxed) == Phase.draining.rawValue
    }

    public func becameLive() {
        _ = phase.compareExchange(
            expected: Phase.initializing.rawValue,
            desired: Phase.live.rawValue,
            ordering: .relaxed
        )
    }

    public func beganDraining() {
        phase.store(Phase.draining.rawValue, ordering: .relaxed)
    }

    /// `/healthcheck/fail` (true) and `/healthcheck/ok` (false).
    public func setHealthCheckFailed(_ failed: Bool) {
        healthCheckFailed.store(failed, ordering: .relaxed)
    }

    public var isHealthCheckFailed: Bool {
        healthCheckFailed.load(ordering: .relaxed)
    }

    public var uptime: Duration {
        ContinuousClock.now - startTime
    }
}
