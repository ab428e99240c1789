/// One of the two sockets of a relayed connection.
public enum RelaySide: String, Sendable, Hashable {
    /// The client's connection, accepted by the listener.
    case downstream
    /// The connection the relay dialled to the cluster's endpoint.
    case upstream

    var other: RelaySide { self == .downstream ? .upstream : .downstream }
}
