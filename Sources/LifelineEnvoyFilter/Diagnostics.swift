import LifelineConfig

/// The problems found so far, kept in order so that every one is reported at once.
struct Diagnostics {
    private(set) var all: [ConfigDiagnostic] = []

    var hasErrors: Bool { all.contains { $0.severity == .error } }
    var errors: [ConfigDiagnostic] { all.filter { $0.severity == .error } }
    var warnings: [ConfigDiagnostic] { all.filter { $0.severity == .warning } }

    mutating func error(_ path: String, _ message: String, location: SourceLocation?) {
        all.append(ConfigDiagnostic(path: path, message: message, location: location))
    }

    mutating func warning(_ path: String, _ message: String, location: SourceLocation?) {
        all.append(ConfigDiagnostic(severity: .warning, path: path, message: message, location: location))
    }

    mutating func append(contentsOf diagnostics: [ConfigDiagnostic]) {
        all += diagnostics
    }
}
