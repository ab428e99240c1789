import LifelineConfig
import LifelineSocket

/// Compiles keepalive settings into literal socket options, as Envoy's socket option factory does for its named
/// options, and supplies Lifeline's safe defaults to sockets whose config says nothing about keepalive.
///
/// The rule: a config that mentions keepalive for a socket — any SO_KEEPALIVE or TCP_KEEP* option at any state, or a
/// `tcp_keepalive` — gets exactly Envoy's meaning, and what it leaves out stays the kernel's; only a socket whose
/// config is silent about keepalive gets 15 s / 15 s / 3 and TCP_USER_TIMEOUT = T + I × N.
enum KeepaliveOptions {
    /// The options that make a config "speak about keepalive".
    static var family: [(level: Int32, name: Int32)] {
        let known = SocketOptionNames.Known.self
        return [known.keepalive, known.keepaliveIdle, known.keepaliveInterval, known.keepaliveCount]
    }

    /// Adds the options a `tcp_keepalive` names — SO_KEEPALIVE, and each TCP_KEEP* it sets, nothing else — and a
    /// configured `tcp_user_timeout`.
    ///
    /// - Parameter state: STATE_PREBIND, where Envoy applies named options on listeners and upstream sockets alike.
    static func addNamed(
        to sequence: inout SocketOptionSequence,
        config: TcpKeepaliveConfig?,
        userTimeout: Duration?,
        userTimeoutOrigin: ConfigOrigin?,
        state: SocketState
    ) {
        if let config {
            let known = SocketOptionNames.Known.self
            // A field is named where it was written (as spelled, with the EnvoyFilter patch that wrote it, if any).
            func fieldOrigin(_ written: ConfigOrigin?, _ field: String) -> ConfigOrigin {
                written
                    ?? ConfigOrigin(
                        path: "\(config.origin.path).\(field)",
                        location: config.origin.location,
                        provenance: config.origin.provenance
                    )
            }
            if config.enabled {
                add(known.keepalive, 1, config.origin, to: &sequence, kind: .named, state: state)
                let fields: [((level: Int32, name: Int32), Int?, ConfigOrigin?, String)] = [
                    (known.keepaliveIdle, config.keepaliveTime, config.keepaliveTimeOrigin, "keepalive_time"),
                    (
                        known.keepaliveInterval, config.keepaliveInterval, config.keepaliveIntervalOrigin,
                        "keepalive_interval"
                    ),
                    (known.keepaliveCount, config.keepaliveProbes, config.keepaliveProbesOrigin, "keepalive_probes"),
                ]
                for (pair, value, written, field) in fields {
                    guard let value else { continue }
                    add(pair, value, fieldOrigin(written, field), to: &sequence, kind: .named, state: state)
                }
            } else {
                let origin = fieldOrigin(config.enabledOrigin, "enabled")
                add(known.keepalive, 0, origin, to: &sequence, kind: .named, state: state)
            }
        }
        if let pair = SocketOptionNames.Known.userTimeout, let userTimeout, let userTimeoutOrigin {
            let milliseconds = Int(userTimeout / .milliseconds(1))
            add(pair, milliseconds, userTimeoutOrigin, to: &sequence, kind: .named, state: state)
        }
    }

    /// Adds Lifeline's defaults if nothing in `sequence` speaks about keepalive: SO_KEEPALIVE on, 15 s / 15 s / 3, and
    /// — unless the config sets one — TCP_USER_TIMEOUT = T + I × N, so that a peer that vanishes with data
    /// unacknowledged (when probes do not run) is dropped on the same schedule.
    static func addDefaultsIfSilent(to sequence: inout SocketOptionSequence, state: SocketState) {
        guard !sequence.sets(any: family) else { return }
        let known = SocketOptionNames.Known.self
        let defaults: [((level: Int32, name: Int32), Int)] = [
            (known.keepalive, 1),
            (known.keepaliveIdle, KeepaliveDefaults.time),
            (known.keepaliveInterval, KeepaliveDefaults.interval),
            (known.keepaliveCount, KeepaliveDefaults.probes),
        ]
        for (pair, value) in defaults {
            sequence.add(option(pair, value, state: state, source: "default"), kind: .builtIn)
        }
        if let pair = known.userTimeout, !sequence.sets(any: [pair]) {
            let milliseconds = KeepaliveDefaults.userTimeoutMilliseconds(
                time: KeepaliveDefaults.time,
                interval: KeepaliveDefaults.interval,
                probes: KeepaliveDefaults.probes
            )
            sequence.add(
                option(
                    pair,
                    milliseconds,
                    state: state,
                    source: "default (keepalive_time + keepalive_interval × keepalive_probes)"
                ),
                kind: .builtIn
            )
        }
    }

    private static func add(
        _ pair: (level: Int32, name: Int32),
        _ value: Int,
        _ origin: ConfigOrigin,
        to sequence: inout SocketOptionSequence,
        kind: SocketOptionSequence.Kind,
        state: SocketState
    ) {
        sequence.add(option(pair, value, state: state, source: source(origin)), kind: kind, origin: origin)
    }

    private static func option(
        _ pair: (level: Int32, name: Int32),
        _ value: Int,
        state: SocketState,
        source: String
    ) -> PlannedSocketOption {
        PlannedSocketOption(
            option: SocketOption(level: pair.level, name: pair.name, value: .int(Int32(clamping: value)), state: state),
            source: source
        )
    }

    /// `static_resources.listeners[0].tcp_keepalive`, or the EnvoyFilter patch that wrote it.
    static func source(_ origin: ConfigOrigin) -> String {
        guard let provenance = origin.provenance else { return origin.path }
        return "\(provenance) (\(origin.path))"
    }
}
