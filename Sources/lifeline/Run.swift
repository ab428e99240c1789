import ArgumentParser
import LifelinePlan
import LifelineServer
import Logging
import NIOCore

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway until SIGINT or SIGTERM.",
        discussion: """
            Examples:
              lifeline run --config examples/quickstart.yaml
              lifeline run --config gateway.yaml --log-level debug --event-loops 4
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "Event loop threads (default: one per core).")
    var eventLoops: Int = System.coreCount

    func validate() throws {
        guard eventLoops > 0 else { throw ValidationError("--event-loops must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical")
        }
    }

    func run() async throws {
        let plan = try options.loadPlan()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "lifeline")
        do {
            try await LifelineServer.run(plan: plan, eventLoops: eventLoops, logger: logger)
        } catch {
            StandardError.print("lifeline: cannot start: \(error)")
            throw ExitCode(1)
        }
    }
}
