/// The point in a listening socket's life at which an option is applied.
///
/// Mirrors Envoy's `envoy.config.core.v3.SocketOption.SocketState`: an option applies once, at the state it names.
public enum SocketState: Int, Sendable, Hashable, CaseIterable, Comparable {
    /// After `socket()`, before `bind()` (`STATE_PREBIND`, 0).
    case prebind = 0
    /// After `bind()`, before `listen()` (`STATE_BOUND`, 1).
    case bound = 1
    /// After `listen()` (`STATE_LISTENING`, 2). Linux copies most of these onto every accepted socket.
    case listening = 2

    /// The protobuf enum name, as it is written in a config.
    public var protoName: String {
        switch self {
        case .prebind: "STATE_PREBIND"
        case .bound: "STATE_BOUND"
        case .listening: "STATE_LISTENING"
        }
    }

    /// Parses the protobuf enum name.
    public init?(protoName: String) {
        guard let state = Self.allCases.first(where: { $0.protoName == protoName }) else { return nil }
        self = state
    }

    public static func < (lhs: SocketState, rhs: SocketState) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
