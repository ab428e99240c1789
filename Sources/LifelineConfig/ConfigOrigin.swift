/// Where a decoded value came from, kept so that later stages (plan, runtime) can still name it in errors.
public struct ConfigOrigin: Sendable, Hashable, CustomStringConvertible {
    /// The field path, e.g. `static_resources.listeners[0].socket_options[1]`.
    public var path: String
    public var location: SourceLocation?

    public init(path: String, location: SourceLocation? = nil) {
        self.path = path
        self.location = location
    }

    public var description: String { path }

    /// A diagnostic about this value.
    public func diagnostic(_ message: String, severity: ConfigDiagnostic.Severity = .error) -> ConfigDiagnostic {
        ConfigDiagnostic(severity: severity, path: path, message: message, location: location)
    }
}
