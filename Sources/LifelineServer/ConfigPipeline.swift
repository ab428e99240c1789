public import LifelineConfig
import LifelineEnvoyFilter
public import LifelinePlan

/// The whole config pipeline, one direction: files → tree → EnvoyFilter patches → typed bootstrap → plan.
public enum ConfigPipeline {
    /// Loads the bootstrap and the EnvoyFilter files, applies the filters that select `labels`, decodes, validates
    /// and plans. Throws every error found in any of the files at once; returns the warnings of every stage.
    public static func plan(
        configPath: String,
        envoyFilterPaths: [String] = [],
        labels: [String: String] = [:]
    ) throws(ConfigError) -> (GatewayPlan, warnings: [ConfigDiagnostic]) {
        var errors: [ConfigDiagnostic] = []
        var tree: ConfigTree?
        do {
            tree = try ConfigLoader.loadDocument(path: configPath)
        } catch {
            errors += error.diagnostics
        }
        var filters: [EnvoyFilter] = []
        if !envoyFilterPaths.isEmpty {
            do {
                filters = try EnvoyFilterLoader.load(paths: envoyFilterPaths)
            } catch {
                errors += error.diagnostics
            }
        }
        guard errors.isEmpty, var tree else { throw ConfigError(diagnostics: errors) }

        var warnings: [ConfigDiagnostic] = []
        if !filters.isEmpty {
            let (patched, filterWarnings) = try EnvoyFilterApplier.apply(filters, to: tree, labels: labels)
            tree = patched
            warnings += filterWarnings
        }
        let (bootstrap, decodeWarnings) = try Bootstrap.decode(tree)
        let (plan, planWarnings) = try GatewayPlanner.plan(bootstrap)
        return (plan, warnings + decodeWarnings + planWarnings)
    }
}
