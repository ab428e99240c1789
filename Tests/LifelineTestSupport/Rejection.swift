public import LifelineConfig
public import Testing

/// The diagnostics `body` is rejected with; records an issue (saying `expectation`) when it is not rejected.
public func rejectionDiagnostics(
    _ expectation: String,
    sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ body: () throws(ConfigError) -> Void
) -> [ConfigDiagnostic] {
    do {
        try body()
        Issue.record(Comment(rawValue: expectation), sourceLocation: sourceLocation)
        return []
    } catch {
        return error.diagnostics
    }
}
