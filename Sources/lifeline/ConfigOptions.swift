import ArgumentParser
import LifelineConfig
import LifelinePlan
import LifelineServer

/// The options every command that reads a config shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The Envoy v3 bootstrap file (YAML or JSON).")
    var config: String

    @Option(
        name: .customLong("envoy-filter"),
        help: ArgumentHelp(
            "An Istio EnvoyFilter file (networking.istio.io v1alpha3/v1beta1; several documents or a List allowed), "
                + "applied as istiod would. Repeatable; applied by priority, then in the order given.",
            valueName: "file"
        )
    )
    var envoyFilters: [String] = []

    @Option(
        name: .customLong("label"),
        help: ArgumentHelp(
            "A label of this gateway, key=value, matched against EnvoyFilter workloadSelector.labels. Repeatable.",
            valueName: "key=value"
        )
    )
    var labels: [String] = []

    func validate() throws {
        for label in labels where !label.contains("=") || label.hasPrefix("=") {
            throw ValidationError("--label \(label): expected key=value, e.g. --label app=istio-ingressgateway")
        }
    }

    /// `--label` values as a dictionary; a later value for a key wins.
    var labelMap: [String: String] {
        var map: [String: String] = [:]
        for label in labels {
            let parts = label.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            map[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return map
    }

    /// Loads and plans the config; prints warnings, or every error and exits 1.
    func loadPlan() throws -> GatewayPlan {
        do {
            let (plan, warnings) = try ConfigPipeline.plan(
                configPath: config,
                envoyFilterPaths: envoyFilters,
                labels: labelMap
            )
            for warning in warnings {
                StandardError.print(warning.description)
            }
            return plan
        } catch {
            for diagnostic in error.diagnostics {
                StandardError.print(diagnostic.description)
            }
            let count = error.diagnostics.filter { $0.severity == .error }.count
            let files = ([config] + envoyFilters).joined(separator: ", ")
            StandardError.print("\(files): \(count) error\(count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
    }
}
