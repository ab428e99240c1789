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

    public init(severity: Severity = .error, path: String, message: String, location: SourceLocation? = nil) {
        self.severity = severity
        self.path = path
        self.message = message
        self.location = location
    }

    /// One line: `path: message (file:line:column)`, with `warning: ` in front of warnings.
    public var description: String {
        var line = severity == .warning ? "warning: " : ""
        line += path.isEmpty ? message : "\(path): \(message)"
        if let location {
            line += " (\(location))"
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
