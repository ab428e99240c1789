/// What a connection's row in the connection table says besides its addresses and counters: its side, what owns
/// it, and the listener, filter chain and cluster it belongs to. Fixed when the connection is registered.
struct ConnectionLabels: Sendable, Hashable {
    var direction: ConnectionSnapshot.Direction
    var kind: ConnectionSnapshot.Kind
    var listener: String?
    var filterChain: String?
    var cluster: String?

    /// The same connection's other side: a `tcp_proxy` upstream keeps its downstream's listener, chain and cluster.
    func with(direction: ConnectionSnapshot.Direction) -> ConnectionLabels {
        var labels = self
        labels.direction = direction
        return labels
    }
}
