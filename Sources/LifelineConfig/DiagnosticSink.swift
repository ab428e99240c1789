/// Collects problems while a config is read, so that all of them are reported at once.
final class DiagnosticSink {
    private(set) var diagnostics: [ConfigDiagnostic] = []
    /// Every `cluster` a filter names, kept even when the rest of its listener is invalid, so that one mistake
    /// does not hide another.
    var clusterReferences: [(name: String, origin: ConfigOrigin)] = []
    /// Every cluster name declared, including clusters with other errors.
    var declaredClusters: Set<String> = []

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    func error(_ path: ConfigPath, _ message: String, at tree: ConfigTree? = nil, provenance: String? = nil) {
        diagnostics.append(
            ConfigDiagnostic(
                path: path.description,
                message: message,
                location: tree?.location,
                provenance: provenance ?? tree?.provenance
            )
        )
    }

    func error(_ path: ConfigPath, _ message: String, location: SourceLocation?, provenance: String? = nil) {
        diagnostics.append(
            ConfigDiagnostic(path: path.description, message: message, location: location, provenance: provenance)
        )
    }

    func error(_ origin: ConfigOrigin, _ message: String) {
        diagnostics.append(origin.diagnostic(message))
    }

    func warning(_ origin: ConfigOrigin, _ message: String) {
        diagnostics.append(origin.diagnostic(message, severity: .warning))
    }
}

@available(*, unavailable)
extension DiagnosticSink: Sendable {}
