/// Collects problems while a config is read, so that all of them are reported at once.
///
/// Shared with LifelineEnvoyFilter, which reads EnvoyFilter specs with the same ``ObjectReader``: there a file may hold
/// several documents, and `document` names the one being read so that every path stays unambiguous
/// (`istio-system/gw: spec.priority`).
package final class DiagnosticSink {
    package private(set) var diagnostics: [ConfigDiagnostic] = []
    /// Printed before every path, `<document>: <path>`; `nil` for a file that holds one document.
    package let document: String?
    /// Every `cluster` a filter names, kept even when the rest of its listener is invalid, so that one mistake
    /// does not hide another.
    var clusterReferences: [(name: String, origin: ConfigOrigin)] = []
    /// Every cluster name declared, including clusters with other errors.
    var declaredClusters: Set<String> = []

    package init(document: String? = nil) {
        self.document = document
    }

    package var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// `path` as messages print it: after the document's name when there is one.
    package func describe(_ path: ConfigPath) -> String {
        path.description(inDocument: document)
    }

    package func error(_ path: ConfigPath, _ message: String, at tree: ConfigTree? = nil, provenance: String? = nil) {
        diagnostics.append(
            ConfigDiagnostic(
                path: describe(path),
                message: message,
                location: tree?.location,
                provenance: provenance ?? tree?.provenance
            )
        )
    }

    package func error(_ path: ConfigPath, _ message: String, location: SourceLocation?, provenance: String? = nil) {
        diagnostics.append(
            ConfigDiagnostic(path: describe(path), message: message, location: location, provenance: provenance)
        )
    }

    package func error(_ origin: ConfigOrigin, _ message: String) {
        diagnostics.append(origin.diagnostic(message))
    }

    package func warning(_ origin: ConfigOrigin, _ message: String) {
        diagnostics.append(origin.diagnostic(message, severity: .warning))
    }

    package func warning(_ path: ConfigPath, _ message: String, location: SourceLocation?) {
        diagnostics.append(
            ConfigDiagnostic(severity: .warning, path: describe(path), message: message, location: location)
        )
    }
}

@available(*, unavailable)
extension DiagnosticSink: Sendable {}
