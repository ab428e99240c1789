import ArgumentParser
import LifelineAdmin
import LifelinePipeline
import LifelinePlan
import LifelineProxy
import LifelineServer
import Logging
import NIOCore

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway until SIGINT or SIGTERM, which drain it.",
        discussion: """
            SIGTERM or SIGINT drain the gateway: /ready answers 503, listeners stop accepting, HTTP/2 clients get \
            GOAWAY and HTTP/1.1 responses `connection: close`, requests and streams in flight finish for up to \
            --drain-time-s; then what remains is closed and the process exits 0. SIGHUP reloads the config (so does \
            a change to the config, an EnvoyFilter, a certificate or a key file, and POST /reload on the admin \
            endpoint); a config that fails `check` changes nothing.

            Examples:
              lifeline run --config examples/quickstart.yaml
              lifeline run --config gateway.yaml --log-level debug --event-loops 4
              lifeline run --config gateway.yaml --drain-time-s 45 --drain-strategy immediate --log-format json
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "trace, debug, info, notice, warning, error or critical (POST /logging?level= changes it).")
    var logLevel: String = "info"

    @Option(help: "text, or json: one JSON object per log line (access log lines included).")
    var logFormat: String = "text"

    @Option(help: "Event loop threads (default: one per core).")
    var eventLoops: Int = System.coreCount

    @Option(
        name: .customLong("drain-time-s"),
        help: "Seconds a drain (SIGTERM, /drain_listeners) lets requests and streams finish; Envoy's default, 600."
    )
    var drainTimeSeconds: Int = 600

    @Option(help: "gradual (Envoy's default: connections are told to drain over the drain time) or immediate.")
    var drainStrategy: String = "gradual"

    @Flag(help: "Serve the admin endpoint on a non-loopback admin.address (it can drain and reload the gateway).")
    var adminAllowRemote = false

    @Option(
        name: .customLong("watch-interval-s"),
        help: "Seconds between checks of the config, EnvoyFilter, certificate and key files for changes; 0: off."
    )
    var watchIntervalSeconds: Double = 1

    @Option(
        name: .customLong("l4-engine"),
        help: """
            relay, or nio: what carries tcp_proxy chains whose bytes pass untouched (no TLS terminated or \
            originated, no listener filter, no network filter before tcp_proxy); default: LIFELINE_L4_ENGINE, else \
            relay.
            """
    )
    var l4Engine: String = L4Engine.selected.rawValue

    func validate() throws {
        guard eventLoops > 0 else { throw ValidationError("--event-loops must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical")
        }
        guard LogControl.Format(rawValue: logFormat) != nil else {
            throw ValidationError("--log-format must be text or json")
        }
        guard drainTimeSeconds >= 0 else { throw ValidationError("--drain-time-s must not be negative") }
        guard watchIntervalSeconds >= 0 else { throw ValidationError("--watch-interval-s must not be negative") }
        guard L4Engine(rawValue: l4Engine) != nil else { throw ValidationError("--l4-engine must be nio or relay") }
        guard DrainStrategy(rawValue: drainStrategy) != nil else {
            throw ValidationError("--drain-strategy must be gradual or immediate")
        }
    }

    func run() async throws {
        let source = options.planSource
        let initial: LoadedPlan
        do {
            initial = try source.load()
        } catch {
            StandardError.print("\(error)")
            let files = ([options.config] + options.envoyFilters).joined(separator: ", ")
            let count = (error as? PlanLoadError)?.errorCount ?? 1
            StandardError.print("\(files): \(count) error\(count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
        for warning in initial.warnings {
            StandardError.print(warning)
        }
        let control = LogControl(
            level: Logger.Level(rawValue: logLevel) ?? .info,
            format: LogControl.Format(rawValue: logFormat) ?? .text
        )
        LoggingSystem.bootstrap { label in LifelineLogHandler(label: label, control: control) }
        let logger = Logger(label: "lifeline")
        let configuration = ServerConfiguration(
            eventLoops: eventLoops,
            drainTime: .seconds(drainTimeSeconds),
            drainStrategy: DrainStrategy(rawValue: drainStrategy) ?? .gradual,
            logControl: control,
            allowRemoteAdmin: adminAllowRemote,
            watchInterval: watchIntervalSeconds > 0 ? .milliseconds(Int64(watchIntervalSeconds * 1000)) : nil,
            version: Lifeline.version,
            commandLineOptions: [
                "config_path": options.config,
                "envoy_filters": options.envoyFilters.joined(separator: ","),
                "concurrency": "\(eventLoops)",
                "log_level": logLevel,
                "log_format": logFormat,
                "drain_time": "\(drainTimeSeconds)s",
                "drain_strategy": drainStrategy,
                "watch_interval": "\(watchIntervalSeconds)s",
                "l4_engine": l4Engine,
            ],
            l4Engine: L4Engine(rawValue: l4Engine) ?? .nio
        )
        do {
            let server = try LifelineServer(
                source: source,
                initial: initial,
                configuration: configuration,
                logger: logger
            )
            try await server.run()
        } catch {
            StandardError.print("lifeline: cannot start: \(error)")
            throw ExitCode(1)
        }
    }
}
