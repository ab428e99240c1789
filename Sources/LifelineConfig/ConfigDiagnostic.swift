/// One problem found in a config, named by its path: `static_resources.listeners[0].name: …`.
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var severity: Severity
    /// The field path, e.g. `static_resources.listeners[0].socket_options[2].state`; empty for a whole file.
    public var path: String
    public var message: String
    public var location: SourceLocation?
    /// Who wrote the value, when an EnvoyFilter patch did.
    public var provenance: String?

    public init(
        severity: Severity = .error,
        path: String,
        message: String,
        location: SourceLocation? = nil,
        provenance: String? = nil
    ) {
        self.severity = severity
        self.path = path
        self.message = message
        self.location = location
        self.provenance = provenance
    }

    /// One line: `path: message (file:line:column)`, with `warning: ` in front of warnings and the EnvoyFilter
    /// patch named when one wrote the value: `(from EnvoyFilter istio-system/x patch 0, filter.yaml:12:9)`.
    public var description: String {
        var line = severity == .warning ? "warning: " : ""
        line += path.isEmpty ? message : "\(path): \(message)"
        let place = [provenance.map { "from \($0)" }, location?.description].compactMap { $0 }
        if !place.isEmpty {
            line += " (" + place.joined(separator: ", ") + ")"
        }
        return line
    }
}

/// Thrown when a config has errors; carries every problem found, not just the first.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
