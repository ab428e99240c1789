public import LifelinePlan

/// Where the gateway's plan comes from, read again on every reload: the files it is made of and how to make it.
public struct PlanSource: Sendable {
    /// The config and EnvoyFilter files; a change to one of them (or to a certificate or key file the plan reads)
    /// triggers a reload.
    public var files: [String]
    /// Runs the whole config pipeline; throws ``PlanLoadError`` with every problem found.
    public var load: @Sendable () throws -> LoadedPlan

    public init(files: [String], load: @escaping @Sendable () throws -> LoadedPlan) {
        self.files = files
        self.load = load
    }
}

/// A plan made from the files, with what the pipeline said about it.
public struct LoadedPlan: Sendable {
    public var plan: GatewayPlan
    /// EnvoyFilters (or patches) that do not apply to this gateway, one line each.
    public var envoyFiltersNotSelected: [String]
    /// Warnings, one line each.
    public var warnings: [String]

    public init(plan: GatewayPlan, envoyFiltersNotSelected: [String] = [], warnings: [String] = []) {
        self.plan = plan
        self.envoyFiltersNotSelected = envoyFiltersNotSelected
        self.warnings = warnings
    }
}

/// A config that does not pass `check`: every problem as `path: message (file:line:column)`.
public struct PlanLoadError: Error, Sendable, CustomStringConvertible {
    /// Every diagnostic, errors and the warnings that may explain them.
    public var lines: [String]
    /// How many of the lines are errors.
    public var errorCount: Int

    public init(lines: [String], errorCount: Int? = nil) {
        self.lines = lines
        self.errorCount = errorCount ?? lines.count
    }

    public var description: String {
        lines.joined(separator: "\n")
    }
}
