/// A socket option as the plan hands it to the driver: the literal option plus words for error messages.
public struct StagedSocketOption: Sendable, Hashable {
    public var option: SocketOption
    /// Where the option came from, e.g. `static_resources.listeners[0].socket_options[1]` or `default`.
    public var source: String

    public init(option: SocketOption, source: String) {
        self.option = option
        self.source = source
    }
}
