import ArgumentParser
import LifelineConfig
import LifelineEnvoyFilter
import LifelinePipeline
import LifelinePlan
import LifelineServer

/// The options every command that reads a config shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The Envoy v3 bootstrap file (YAML or JSON).")
    var config: String

    @Option(
        name: .customLong("envoy-filter"),
        help: ArgumentHelp(
            "An Istio EnvoyFilter file (networking.istio.io/v1alpha3; several documents or a List, as kubectl get "
                + "-o yaml prints it), applied as istiod would. Repeatable; applied by priority, then root namespace "
                + "first, then in the order given.",
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

    @Option(
        name: .customLong("namespace"),
        help: ArgumentHelp(
            "The gateway's namespace: EnvoyFilters here (and in the root namespace) can apply to it; those in other "
                + "namespaces cannot.",
            valueName: "namespace"
        )
    )
    var namespace: String = GatewayIdentity.defaultNamespace

    @Option(
        name: .customLong("root-namespace"),
        help: ArgumentHelp(
            "The mesh's root namespace (meshConfig.rootNamespace): its EnvoyFilters apply to every gateway they "
                + "select, and run first at equal priority.",
            valueName: "namespace"
        )
    )
    var rootNamespace: String = GatewayIdentity.defaultNamespace

    @Option(
        name: .customLong("proxy-version"),
        help: ArgumentHelp(
            "The Istio version this gateway presents to EnvoyFilter match.proxy.proxyVersion; the default is the "
                + "Istio release whose EnvoyFilter semantics Lifeline follows.",
            valueName: "version"
        )
    )
    var proxyVersion: String = GatewayIdentity.istioRelease

    @Option(
        name: .customLong("proxy-metadata"),
        help: ArgumentHelp(
            "Node metadata of this gateway, key=value, matched against EnvoyFilter match.proxy.metadata. Repeatable.",
            valueName: "key=value"
        )
    )
    var proxyMetadata: [String] = []

    func validate() throws {
        for label in labels where !Self.isKeyValue(label) {
            throw ValidationError("--label \(label): expected key=value, e.g. --label app=istio-ingressgateway")
        }
        for entry in proxyMetadata where !Self.isKeyValue(entry) {
            throw ValidationError(
                "--proxy-metadata \(entry): expected key=value, e.g. --proxy-metadata ROUTER_MODE=sni-dnat"
            )
        }
        guard !namespace.isEmpty else { throw ValidationError("--namespace must not be empty") }
        guard !rootNamespace.isEmpty else { throw ValidationError("--root-namespace must not be empty") }
    }

    private static func isKeyValue(_ text: String) -> Bool {
        text.contains("=") && !text.hasPrefix("=")
    }

    /// `key=value` arguments as a dictionary; a later value for a key wins.
    private static func map(_ pairs: [String]) -> [String: String] {
        var map: [String: String] = [:]
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            map[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return map
    }

    /// The gateway as EnvoyFilters see it.
    var gateway: GatewayIdentity {
        GatewayIdentity(
            labels: Self.map(labels),
            namespace: namespace,
            rootNamespace: rootNamespace,
            proxyVersion: proxyVersion,
            proxyMetadata: Self.map(proxyMetadata)
        )
    }

    /// Loads and plans the config; prints warnings, or every error and exits 1.
    func loadPlan() throws -> GatewayPlan {
        try load().plan
    }

    /// The files and the pipeline that make the plan, run once at start and again on every reload; errors come as
    /// ``PlanLoadError`` lines, warnings in the plan.
    var planSource: PlanSource {
        let config = config
        let envoyFilters = envoyFilters
        let gateway = gateway
        return PlanSource(files: [config] + envoyFilters) {
            do {
                let (plan, warnings, notSelected) = try ConfigPipeline.plan(
                    configPath: config,
                    envoyFilterPaths: envoyFilters,
                    gateway: gateway
                )
                return LoadedPlan(
                    plan: plan,
                    envoyFiltersNotSelected: notSelected,
                    warnings: warnings.map(\.description)
                )
            } catch let error as ConfigError {
                throw PlanLoadError(
                    lines: error.diagnostics.map(\.description),
                    errorCount: error.diagnostics.filter { $0.severity == .error }.count
                )
            }
        }
    }

    /// Loads and plans the config, and says which EnvoyFilters (or patches) do not apply to this gateway; prints
    /// warnings, or every error and exits 1.
    func load() throws -> (plan: GatewayPlan, notSelected: [String]) {
        do {
            let (plan, warnings, notSelected) = try ConfigPipeline.plan(
                configPath: config,
                envoyFilterPaths: envoyFilters,
                gateway: gateway
            )
            for warning in warnings {
                StandardError.print(warning.description)
            }
            return (plan, notSelected)
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
