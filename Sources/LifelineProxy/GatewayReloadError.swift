/// A reload that could not begin; the gateway runs on as it was.
public enum GatewayReloadError: Error, Sendable, CustomStringConvertible {
    /// Another reload is under way; reloads are applied one at a time.
    case reloadInProgress
    /// The gateway has not been started (there is nothing to reload yet).
    case notStarted

    public var description: String {
        switch self {
        case .reloadInProgress: "a reload is already under way"
        case .notStarted: "the gateway has not been started"
        }
    }
}
