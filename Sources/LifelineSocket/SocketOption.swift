/// A literal socket option: inert data until the lifecycle driver applies it at its ``state``.
///
/// Every named option Lifeline knows (keepalive, reuse-port, …) compiles down to this shape, exactly as Envoy's
/// `SocketOptionImpl` does, so one code path applies them all.
public struct SocketOption: Sendable, Hashable {
    /// The value handed to `setsockopt(2)`.
    public enum Value: Sendable, Hashable {
        /// An `int` option value.
        case int(Int32)
        /// Raw bytes, for options such as `SO_BINDTODEVICE` or `TCP_CONGESTION`.
        case bytes([UInt8])
    }

    /// The `level` argument of `setsockopt(2)`, e.g. `SOL_SOCKET`.
    public var level: Int32
    /// The `optname` argument of `setsockopt(2)`, e.g. `SO_KEEPALIVE`.
    public var name: Int32
    /// The value to set.
    public var value: Value
    /// When in the socket's life the option is applied.
    public var state: SocketState

    public init(level: Int32, name: Int32, value: Value, state: SocketState) {
        self.level = level
        self.name = name
        self.value = value
        self.state = state
    }

    /// The symbolic spelling on this platform, e.g. `SOL_SOCKET/SO_KEEPALIVE`, or the numbers when unknown.
    public var displayName: String {
        SocketOptionNames.display(level: level, name: name)
    }
}
