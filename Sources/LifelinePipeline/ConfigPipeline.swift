public import LifelineConfig
public import LifelineEnvoyFilter
public import LifelinePlan

/// The whole config pipeline, one direction: files → tree → EnvoyFilter patches → typed bootstrap → plan.
public enum ConfigPipeline {
    /// Loads the bootstrap and the EnvoyFilter files, applies the filters and patches that select `gateway`, decodes,
    /// validates and plans. Throws every error found in any of the files at once (for the EnvoyFilters: in those
    /// that apply to the gateway); returns the warnings of every stage, and the filters and patches that do not
    /// apply to the gateway, one line each (`istio-system/foo: not selected: <reason>`).
    public static func plan(
        configPath: String,
        envoyFilterPaths: [String] = [],
        gateway: GatewayIdentity = GatewayIdentity()
    ) throws(ConfigError) -> (GatewayPlan, warnings: [ConfigDiagnostic], notSelected: [String]) {
        var errors: [ConfigDiagnostic] = []
        var warnings: [ConfigDiagnostic] = []
        var tree: ConfigTree?
        do {
            tree = try ConfigLoader.loadDocument(path: configPath)
        } catch {
            errors += error.diagnostics
        }
        var filters: [EnvoyFilter] = []
        if !envoyFilterPaths.isEmpty {
            do {
                let loaded = try EnvoyFilterLoader.load(paths: envoyFilterPaths)
                filters = loaded.filters
                warnings += loaded.warnings
            } catch {
                errors += error.diagnostics
            }
        }
        guard errors.isEmpty, let tree else { throw ConfigError(diagnostics: errors) }
        return try plan(tree: tree, filters: filters, warnings: warnings, gateway: gateway)
    }

    /// The same pipeline on texts instead of files: `configText` read as the bootstrap, `envoyFilterText` (if given)
    /// as an EnvoyFilter file. Reads nothing from disk but what the config itself names (certificates); for drivers
    /// that hold the config in memory, such as a fuzzer.
    public static func plan(
        configText: String,
        envoyFilterText: String? = nil,
        gateway: GatewayIdentity = GatewayIdentity()
    ) throws(ConfigError) -> (GatewayPlan, warnings: [ConfigDiagnostic], notSelected: [String]) {
        var errors: [ConfigDiagnostic] = []
        var warnings: [ConfigDiagnostic] = []
        var tree: ConfigTree?
        do {
            tree = try ConfigLoader.parseDocument(configText)
        } catch {
            errors += error.diagnostics
        }
        var filters: [EnvoyFilter] = []
        if let envoyFilterText {
            do {
                let parsed = try EnvoyFilterLoader.parse(envoyFilterText)
                filters = parsed.filters
                warnings += parsed.warnings
            } catch {
                errors += error.diagnostics
            }
        }
        guard errors.isEmpty, let tree else { throw ConfigError(diagnostics: errors) }
        return try plan(tree: tree, filters: filters, warnings: warnings, gateway: gateway)
    }

    /// Patches, decodes, validates and plans a loaded bootstrap.
    private static func plan(
        tree: ConfigTree,
        filters: [EnvoyFilter],
        warnings: [ConfigDiagnostic],
        gateway: GatewayIdentity
    ) throws(ConfigError) -> (GatewayPlan, warnings: [ConfigDiagnostic], notSelected: [String]) {
        var tree = tree
        var warnings = warnings
        var notSelected: [String] = []
        do {
            if !filters.isEmpty {
                let outcome = try EnvoyFilterApplier.apply(filters, to: tree, gateway: gateway)
                tree = outcome.tree
                warnings += outcome.warnings
                notSelected = outcome.notSelected.map(\.description)
            }
            let (bootstrap, decodeWarnings) = try Bootstrap.decode(tree)
            let (plan, planWarnings) = try GatewayPlanner.plan(bootstrap)
            return (plan, warnings + decodeWarnings + planWarnings, notSelected)
        } catch {
            // The warnings so far (a resource skipped, a patch that matched nothing) may explain the errors.
            throw ConfigError(diagnostics: warnings + error.diagnostics)
        }
    }
}
