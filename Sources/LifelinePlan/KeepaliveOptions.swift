import LifelineConfig
import LifelineSocket

/// Compiles keepalive settings (Envoy's `TcpKeepalive`, Lifeline's `tcp_user_timeout`, the defaults) into literal
/// socket options, as Envoy's socket option factory does for its named options.
enum KeepaliveOptions {
    /// Adds the keepalive options for one listener or cluster to `layers`.
    ///
    /// - Parameters:
    ///   - config: `tcp_keepalive`, or nil for the defaults.
    ///   - userTimeout: `tcp_user_timeout`, or nil to derive it from the keepalive schedule.
    ///   - state: STATE_LISTENING for listeners (inherited by accepted sockets), STATE_PREBIND for upstreams.
    static func add(
        to layers: inout SocketOptionLayers,
        config: TcpKeepaliveConfig?,
        userTimeout: Duration?,
        userTimeoutOrigin: ConfigOrigin?,
        state: SocketState
    ) {
        let known = SocketOptionNames.Known.self
        func option(_ pair: (level: Int32, name: Int32), _ value: Int, _ source: String) -> PlannedSocketOption {
            PlannedSocketOption(
                option: SocketOption(level: pair.level, name: pair.name, value: .int(Int32(value)), state: state),
                source: source
            )
        }
        let origin = config?.origin
        // A field is named where it was written (as spelled, with the EnvoyFilter patch that wrote it, if any).
        func fieldOrigin(_ written: ConfigOrigin?, _ field: String) -> ConfigOrigin? {
            written
                ?? origin.map {
                    ConfigOrigin(path: "\($0.path).\(field)", location: $0.location, provenance: $0.provenance)
                }
        }

        if let config, !config.enabled {
            let enabledOrigin = fieldOrigin(config.enabledOrigin, "enabled")!
            layers.add(option(known.keepalive, 0, source(enabledOrigin)), layer: .named, origin: enabledOrigin)
            addUserTimeout(to: &layers, userTimeout, userTimeoutOrigin, state: state)
            return
        }
        layers.add(
            option(known.keepalive, 1, origin.map(Self.source) ?? "default"),
            layer: origin == nil ? .builtIn : .named,
            origin: origin
        )

        let fields: [((level: Int32, name: Int32), Int?, ConfigOrigin?, Int, String)] = [
            (
                known.keepaliveIdle, config?.keepaliveTime, config?.keepaliveTimeOrigin, KeepaliveDefaults.time,
                "keepalive_time"
            ),
            (
                known.keepaliveInterval, config?.keepaliveInterval, config?.keepaliveIntervalOrigin,
                KeepaliveDefaults.interval, "keepalive_interval"
            ),
            (
                known.keepaliveCount, config?.keepaliveProbes, config?.keepaliveProbesOrigin, KeepaliveDefaults.probes,
                "keepalive_probes"
            ),
        ]
        for (pair, configured, written, fallback, field) in fields {
            if let configured, let named = fieldOrigin(written, field) {
                layers.add(option(pair, configured, source(named)), layer: .named, origin: named)
            } else {
                layers.add(option(pair, fallback, "default"), layer: .builtIn)
            }
        }
        addUserTimeout(to: &layers, userTimeout, userTimeoutOrigin, state: state)
    }

    /// The user timeout: configured, or a default derived later from the effective keepalive schedule
    /// (see ``deriveUserTimeout(_:)``).
    private static func addUserTimeout(
        to layers: inout SocketOptionLayers,
        _ userTimeout: Duration?,
        _ origin: ConfigOrigin?,
        state: SocketState
    ) {
        guard let pair = SocketOptionNames.Known.userTimeout, let userTimeout, let origin else { return }
        let milliseconds = Int32(userTimeout / .milliseconds(1))
        layers.add(
            PlannedSocketOption(
                option: SocketOption(level: pair.level, name: pair.name, value: .int(milliseconds), state: state),
                source: source(origin)
            ),
            layer: .named,
            origin: origin
        )
    }

    /// Adds TCP_USER_TIMEOUT = time + interval × probes when keepalive is on and nothing set a user timeout, using the
    /// values that won (so an explicit TCP_KEEPIDLE moves the bound with it). Being a default, it goes after the other
    /// defaults and named settings and before the explicit `socket_options`.
    static func deriveUserTimeout(
        _ resolved: [(option: PlannedSocketOption, layer: SocketOptionLayers.Layer)]
    ) -> [PlannedSocketOption] {
        var options = resolved.map(\.option)
        let known = SocketOptionNames.Known.self
        guard let pair = known.userTimeout else { return options }
        func value(_ key: (level: Int32, name: Int32)) -> (Int, SocketState)? {
            guard let found = options.last(where: { $0.option.level == key.level && $0.option.name == key.name }),
                case .int(let number) = found.option.value
            else { return nil }
            return (Int(number), found.option.state)
        }
        guard value(pair) == nil, let (enabled, state) = value(known.keepalive), enabled != 0,
            let (time, _) = value(known.keepaliveIdle), let (interval, _) = value(known.keepaliveInterval),
            let (probes, _) = value(known.keepaliveCount)
        else { return options }
        // Saturating: the largest valid schedule (32767 + 32767 × 127 s) and explicit Int32 values exceed
        // TCP_USER_TIMEOUT's Int32 milliseconds, and must not trap.
        let (product, overflowed) = interval.multipliedReportingOverflow(by: probes)
        let (sum, overflowedSum) = time.addingReportingOverflow(product)
        let (exact, overflowedMilliseconds) = sum.multipliedReportingOverflow(by: 1000)
        let milliseconds = overflowed || overflowedSum || overflowedMilliseconds ? Int32.max : Int32(clamping: exact)
        options.insert(
            PlannedSocketOption(
                option: SocketOption(
                    level: pair.level,
                    name: pair.name,
                    value: .int(milliseconds),
                    state: state
                ),
                source: "default (keepalive_time + keepalive_interval × keepalive_probes)"
            ),
            at: resolved.firstIndex { $0.layer == .explicit } ?? resolved.count
        )
        return options
    }

    /// `static_resources.listeners[0].tcp_keepalive`, or the EnvoyFilter patch that wrote it.
    static func source(_ origin: ConfigOrigin) -> String {
        guard let provenance = origin.provenance else { return origin.path }
        return "\(provenance) (\(origin.path))"
    }
}
