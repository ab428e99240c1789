/// `envoy.config.core.v3.SocketOption`: one `setsockopt(2)` call at a socket state.
public struct SocketOptionConfig: Sendable, Hashable {
    /// A `level` or `name`: a number, or a symbol such as `SOL_SOCKET` or `TCP_KEEPIDLE` that the plan resolves for
    /// the running platform.
    public enum Number: Sendable, Hashable, CustomStringConvertible {
        case number(Int64)
        case symbol(String)

        public var description: String {
            switch self {
            case .number(let number): "\(number)"
            case .symbol(let symbol): symbol
            }
        }
    }

    /// `int_value` or `buf_value`.
    public enum Value: Sendable, Hashable {
        case int(Int64)
        case bytes([UInt8])
    }

    /// `state`: `STATE_PREBIND` (0), `STATE_BOUND` (1) or `STATE_LISTENING` (2).
    public enum State: Int, Sendable, Hashable, CaseIterable {
        case prebind = 0
        case bound = 1
        case listening = 2

        public static let protoNames: KeyValuePairs<String, Int> = [
            "STATE_PREBIND": 0, "STATE_BOUND": 1, "STATE_LISTENING": 2,
        ]
    }

    /// `description`: free text, shown in plans and errors.
    public var description: String?
    /// `level`, e.g. 1 or `SOL_SOCKET`.
    public var level: Number
    /// `name`, e.g. 9 or `SO_KEEPALIVE`.
    public var name: Number
    /// `int_value` | `buf_value`.
    public var value: Value
    /// `state`. Envoy's default is STATE_PREBIND.
    public var state: State
    public var origin: ConfigOrigin

    public init(
        description: String? = nil,
        level: Number,
        name: Number,
        value: Value,
        state: State = .prebind,
        origin: ConfigOrigin
    ) {
        self.description = description
        self.level = level
        self.name = name
        self.value = value
        self.state = state
        self.origin = origin
    }
}
