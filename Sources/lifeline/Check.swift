import ArgumentParser
import Foundation
import LifelineConfig
import LifelinePlan

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a config and print the effective plan.",
        discussion: """
            Prints every problem as one line, `path: message (file:line:column)`, and exits 1; \
            otherwise prints the plan (listeners, socket options grouped by state with their names, clusters, \
            and the EnvoyFilters or patches that do not apply to this gateway, with the reason) and exits 0.

            Examples:
              lifeline check --config examples/quickstart.yaml
              lifeline check --config gateway.json --json
              lifeline check --config gateway.yaml --envoy-filter all-envoyfilters.yaml --label istio=ingressgateway
            """
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print the plan as JSON instead of YAML.")
    var json = false

    @Option(help: "Event loops the plan is shown for (default: one per core).")
    var eventLoops: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        let (plan, notSelected) = try options.load()
        let summary = plan.summary(eventLoops: eventLoops, envoyFiltersNotSelected: notSelected)
        print(json ? summary.jsonText : summary.yamlText, terminator: "")
    }
}
