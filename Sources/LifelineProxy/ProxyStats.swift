import Synchronization

/// Counters of one listener or cluster, named as Envoy names them.
///
/// Updated on the event loops without locks; read by tests and, later, the admin endpoint.
public final class ProxyStats: Sendable {
    /// The counters and gauges kept.
    public enum Name: String, Sendable, CaseIterable {
        case downstreamConnectionsTotal = "downstream_cx_total"
        case downstreamConnectionsActive = "downstream_cx_active"
        case downstreamConnectionsDestroyed = "downstream_cx_destroy"
        case downstreamBytesReceived = "downstream_cx_rx_bytes_total"
        case downstreamBytesSent = "downstream_cx_tx_bytes_total"
        case downstreamFlowControlPaused = "downstream_flow_control_paused_reading_total"
        case idleTimeout = "idle_timeout"
        case upstreamConnectionsTotal = "upstream_cx_total"
        case upstreamConnectionsActive = "upstream_cx_active"
        case upstreamConnectFailures = "upstream_cx_connect_fail"
        case upstreamConnectTimeouts = "upstream_cx_connect_timeout"
        case upstreamFlowControlPaused = "upstream_flow_control_paused_reading_total"
    }

    private let downstreamConnectionsTotal = Atomic<Int>(0)
    private let downstreamConnectionsActive = Atomic<Int>(0)
    private let downstreamConnectionsDestroyed = Atomic<Int>(0)
    private let downstreamBytesReceived = Atomic<Int>(0)
    private let downstreamBytesSent = Atomic<Int>(0)
    private let downstreamFlowControlPaused = Atomic<Int>(0)
    private let idleTimeout = Atomic<Int>(0)
    private let upstreamConnectionsTotal = Atomic<Int>(0)
    private let upstreamConnectionsActive = Atomic<Int>(0)
    private let upstreamConnectFailures = Atomic<Int>(0)
    private let upstreamConnectTimeouts = Atomic<Int>(0)
    private let upstreamFlowControlPaused = Atomic<Int>(0)

    public init() {}

    private func with<R>(_ name: Name, _ body: (borrowing Atomic<Int>) -> R) -> R {
        switch name {
        case .downstreamConnectionsTotal: body(downstreamConnectionsTotal)
        case .downstreamConnectionsActive: body(downstreamConnectionsActive)
        case .downstreamConnectionsDestroyed: body(downstreamConnectionsDestroyed)
        case .downstreamBytesReceived: body(downstreamBytesReceived)
        case .downstreamBytesSent: body(downstreamBytesSent)
        case .downstreamFlowControlPaused: body(downstreamFlowControlPaused)
        case .idleTimeout: body(idleTimeout)
        case .upstreamConnectionsTotal: body(upstreamConnectionsTotal)
        case .upstreamConnectionsActive: body(upstreamConnectionsActive)
        case .upstreamConnectFailures: body(upstreamConnectFailures)
        case .upstreamConnectTimeouts: body(upstreamConnectTimeouts)
        case .upstreamFlowControlPaused: body(upstreamFlowControlPaused)
        }
    }

    public func increment(_ name: Name, by amount: Int = 1) {
        with(name) { _ = $0.add(amount, ordering: .relaxed) }
    }

    public func decrement(_ name: Name) {
        with(name) { _ = $0.subtract(1, ordering: .relaxed) }
    }

    public subscript(_ name: Name) -> Int {
        with(name) { $0.load(ordering: .relaxed) }
    }

    /// Every counter by its Envoy name.
    public var snapshot: [String: Int] {
        Dictionary(uniqueKeysWithValues: Name.allCases.map { ($0.rawValue, self[$0]) })
    }
}
