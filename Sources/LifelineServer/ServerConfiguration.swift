public import LifelineAdmin
public import LifelineProxy
public import Logging

/// How the server runs, from the command line.
public struct ServerConfiguration: Sendable {
    /// Event loop threads (`--event-loops`).
    public var eventLoops: Int
    /// `--drain-time-s`: how long a drain lets requests and streams finish before closing what remains; Envoy's
    /// default, 600 s.
    public var drainTime: Duration
    /// `--drain-strategy`: `gradual` (Envoy's default: connections are told to drain with a probability rising over
    /// the drain time) or `immediate` (all at once).
    public var drainStrategy: DrainStrategy
    /// The log level and format, which `/logging` changes.
    public var logControl: LogControl
    /// Serve the admin endpoint on a non-loopback address (`--admin-allow-remote`): it can drain and reload the
    /// gateway, so by default it is refused anywhere but loopback.
    public var allowRemoteAdmin: Bool
    /// How often the config, EnvoyFilter, certificate and key files are checked for changes; nil turns the watch off.
    public var watchInterval: Duration?
    /// Lifeline's version, for `/server_info`.
    public var version: String
    /// The options the process was started with, for `/server_info`.
    public var commandLineOptions: [String: String]
    /// `--l4-engine`: what carries tcp_proxy chains whose bytes pass untouched (NIO, or the epoll relay).
    public var l4Engine: L4Engine

    public init(
        eventLoops: Int,
        drainTime: Duration = .seconds(600),
        drainStrategy: DrainStrategy = .gradual,
        logControl: LogControl = LogControl(level: .info),
        allowRemoteAdmin: Bool = false,
        watchInterval: Duration? = .seconds(1),
        version: String = "dev",
        commandLineOptions: [String: String] = [:],
        l4Engine: L4Engine = .selected
    ) {
        self.l4Engine = l4Engine
        self.eventLoops = eventLoops
        self.drainTime = drainTime
        self.drainStrategy = drainStrategy
        self.logControl = logControl
        self.allowRemoteAdmin = allowRemoteAdmin
        self.watchInterval = watchInterval
        self.version = version
        self.commandLineOptions = commandLineOptions
    }
}
