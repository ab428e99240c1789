import Atomics

/// The one budget of downstream connections the whole gateway shares (Envoy's
/// `envoy.resource_monitors.global_downstream_max_connections`): every listener takes a place when it accepts a
/// connection and gives it back when the connection closes. Kept by the ``Gateway`` across reloads, so a reload
/// changes the cap without forgetting the connections open.
///
/// One atomic add per accepted connection, never per byte.
public final class DownstreamConnectionBudget: Sendable {
    private let active = ManagedAtomic(0)
    private let cap: ManagedAtomic<Int>

    public init(maxConnections: Int) {
        cap = ManagedAtomic(max(1, maxConnections))
    }

    /// Connections accepted beyond this many open ones are refused; a reload sets it.
    public internal(set) var maxConnections: Int {
        get { cap.load(ordering: .relaxed) }
        set { cap.store(max(1, newValue), ordering: .relaxed) }
    }

    /// Connections holding a place now.
    public var activeConnections: Int { active.load(ordering: .relaxed) }

    /// Takes a place for a connection just accepted; false when the budget is spent (nothing is taken then).
    func acquire() -> Bool {
        let taken = active.loadThenWrappingIncrement(ordering: .relaxed)
        guard taken < cap.load(ordering: .relaxed) else {
            active.wrappingDecrement(ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back the place of a connection that closed.
    func release() {
        active.wrappingDecrement(ordering: .relaxed)
    }
}
