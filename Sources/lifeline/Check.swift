import ArgumentParser
import LifelineConfig
import LifelinePlan
import NIOCore

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a config and print the effective plan.",
        discussion: """
            Prints every problem as one line, `path: message (file:line:column)`, and exits 1; \
            otherwise prints the plan (listeners, socket options grouped by state with their names, clusters) \
            and exits 0.

            Examples:
              lifeline check --config examples/quickstart.yaml
              lifeline check --config gateway.json --json
            """
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print the plan as JSON instead of YAML.")
    var json = false

    @Option(help: "Event loops the plan is shown for (default: one per core).")
    var eventLoops: Int = System.coreCount

    func run() throws {
        let plan = try options.loadPlan()
        let summary = plan.summary(eventLoops: eventLoops)
        print(json ? summary.jsonText : summary.yamlText, terminator: "")
    }
}
