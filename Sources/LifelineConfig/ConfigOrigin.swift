/// Where a decoded value came from, kept so that later stages (plan, runtime) can still name it in errors.
public struct ConfigOrigin: Sendable, Hashable, CustomStringConvertible {
    /// The field path, e.g. `static_resources.listeners[0].socket_options[1]`.
    public var path: String
    public var location: SourceLocation?
    /// Who wrote the value when not the bootstrap itself, e.g. `EnvoyFilter istio-system/keepalive patch 0`.
    public var provenance: String?

    public init(path: String, location: SourceLocation? = nil, provenance: String? = nil) {
        self.path = path
        self.location = location
        self.provenance = provenance
    }

    public var description: String { path }

    /// A diagnostic about this value.
    public func diagnostic(_ message: String, severity: ConfigDiagnostic.Severity = .error) -> ConfigDiagnostic {
        ConfigDiagnostic(severity: severity, path: path, message: message, location: location, provenance: provenance)
    }
}
