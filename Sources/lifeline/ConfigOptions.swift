import ArgumentParser
import LifelineConfig
import LifelinePlan

/// The options every command that reads a config shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The Envoy v3 bootstrap file (YAML or JSON).")
    var config: String

    /// Loads and plans the config; prints warnings, or every error and exits 1.
    func loadPlan() throws -> GatewayPlan {
        do {
            let (plan, warnings) = try GatewayPlanner.plan(configPath: config)
            for warning in warnings {
                StandardError.print(warning.description)
            }
            return plan
        } catch {
            for diagnostic in error.diagnostics {
                StandardError.print(diagnostic.description)
            }
            let count = error.diagnostics.filter { $0.severity == .error }.count
            StandardError.print("\(config): \(count) error\(count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
    }
}
