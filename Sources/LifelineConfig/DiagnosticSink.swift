/// Collects problems while a config is read, so that all of them are reported at once.
final class DiagnosticSink {
    private(set) var diagnostics: [ConfigDiagnostic] = []
    /// Every `cluster` a filter names, kept even when the rest of its listener is invalid, so that one mistake
    /// does not hide another.
    var clusterReferences: [(name: String, origin: ConfigOrigin)] = []
    /// Every cluster name declared, including clusters with other errors.
    var declaredClusters: Set<String> = []

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    func error(_ path: ConfigPath, _ message: String, at tree: ConfigTree? = nil) {
        diagnostics.append(ConfigDiagnostic(path: path.description, message: message, location: tree?.location))
    }

    func error(_ path: ConfigPath, _ message: String, location: SourceLocation?) {
        diagnostics.append(ConfigDiagnostic(path: path.description, message: message, location: location))
    }

    func error(_ origin: ConfigOrigin, _ message: String) {
        diagnostics.append(ConfigDiagnostic(path: origin.path, message: message, location: origin.location))
    }

    func warning(_ origin: ConfigOrigin, _ message: String) {
        diagnostics.append(
            ConfigDiagnostic(severity: .warning, path: origin.path, message: message, location: origin.location)
        )
    }
}

@available(*, unavailable)
extension DiagnosticSink: Sendable {}
