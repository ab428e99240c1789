/// Where a live connection stands on its keepalive timeline: how long it has been quiet as the kernel's keepalive
/// timer measures it, when the next probe is due, how many probes went unanswered, and when the kernel gives up.
///
/// Follows Linux's `tcp_keepalive_timer()` and `keepalive_time_elapsed()` (net/ipv4/tcp_timer.c, include/net/tcp.h):
/// - Quiet time is counted from the later of the last data received (`tcpi_last_data_recv`) and the last ACK
///   received (`tcpi_last_ack_recv`): the kernel takes the smaller of the two elapsed times.
/// - Nothing is probed while sent data is unacknowledged (`tcpi_unacked` > 0, "alive without keepalive"): then only
///   TCP_USER_TIMEOUT bounds the connection, reset that long after the last ACK received (the kernel counts from the
///   first retransmission's original send, which `TCP_INFO` does not show; the last ACK is the closest it does). With
///   unacked data and no TCP_USER_TIMEOUT the retransmission timer decides (`tcp_retries2`): no deadline is shown.
/// - Otherwise probe 1 goes out `TCP_KEEPIDLE` after the last traffic and one more every `TCP_KEEPINTVL` while
///   unanswered (`tcpi_probes` counts them). Without TCP_USER_TIMEOUT the reset comes at the timer firing after the
///   `TCP_KEEPCNT`-th unanswered probe, idle + interval × count after the last traffic. With TCP_USER_TIMEOUT = U the
///   count does not matter: the reset comes at the first firing at or after U once a probe is out.
/// - `SO_KEEPALIVE` off, or a state the timer skips (`CLOSE`, `SYN_SENT`, `LISTEN`, `TIME_WAIT`): no probes, no
///   deadline.
///
/// The same rules, counted from zero for a dead peer, are ``LifelinePlan/KeepaliveTimeline``.
public struct ConnectionKeepaliveTimeline: Sendable, Codable, Hashable {
    public enum Phase: String, Sendable, Codable, Hashable {
        /// Keepalive is off or the state has no keepalive timer.
        case off
        /// Quiet, no probe sent yet: counting down to the first probe.
        case idle
        /// Probes are out and unanswered.
        case probing
        /// Sent data waits for an acknowledgement: the keepalive timer does not probe.
        case unackedData = "unacked_data"
    }

    public var phase: Phase
    /// Milliseconds since the last traffic, as the keepalive timer measures it.
    public var sinceLastTrafficMilliseconds: Int
    /// When probe 1 goes out, counted from the last traffic (`TCP_KEEPIDLE`); nil when off.
    public var firstProbeAfterMilliseconds: Int?
    /// Between probes (`TCP_KEEPINTVL`); nil when off.
    public var probeIntervalMilliseconds: Int?
    /// How many probes go out before the reset; nil when off or with unacked data.
    public var probesBeforeReset: Int?
    /// Probes sent and not answered (`tcpi_probes`).
    public var probesUnanswered: Int
    /// Milliseconds until the next probe; nil when none is due (off, unacked data, or the next firing resets).
    public var nextProbeInMilliseconds: Int?
    /// When the kernel resets the connection, counted from the last traffic; nil when nothing bounds it.
    public var resetAfterMilliseconds: Int?
    /// Milliseconds until that reset, never below zero; nil when nothing bounds it.
    public var resetInMilliseconds: Int?

    /// States `tcp_keepalive_timer()` probes in.
    private static let probedStates: Set<String> = [
        "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT1", "FIN_WAIT2", "CLOSING", "LAST_ACK",
    ]

    public init(keepalive: ConnectionSnapshot.Keepalive, tcp: ConnectionSnapshot.TCP) {
        sinceLastTrafficMilliseconds = max(0, min(tcp.lastDataReceivedMilliseconds, tcp.lastAckReceivedMilliseconds))
        probesUnanswered = tcp.probes
        guard keepalive.enabled, Self.probedStates.contains(tcp.state) else {
            phase = .off
            return
        }
        let idle = max(1, keepalive.idleSeconds) * 1000
        let interval = max(1, keepalive.intervalSeconds) * 1000
        let userTimeout = keepalive.userTimeoutMilliseconds.flatMap { $0 > 0 ? $0 : nil }
        firstProbeAfterMilliseconds = idle
        probeIntervalMilliseconds = interval
        if tcp.unacknowledged > 0 {
            phase = .unackedData
            if let userTimeout {
                let remaining = max(0, userTimeout - tcp.lastAckReceivedMilliseconds)
                resetInMilliseconds = remaining
                resetAfterMilliseconds = sinceLastTrafficMilliseconds + remaining
            }
            return
        }
        phase = tcp.probes == 0 ? .idle : .probing
        let probes: Int
        if let userTimeout {
            // Firings at idle, idle + interval, …: the first at or after U with a probe out resets.
            let beyondIdle = max(0, userTimeout - idle)
            probes = max(1, (beyondIdle + interval - 1) / interval)
        } else {
            probes = max(0, keepalive.probes)
        }
        probesBeforeReset = probes
        let reset = idle + probes * interval
        resetAfterMilliseconds = reset
        resetInMilliseconds = max(0, reset - sinceLastTrafficMilliseconds)
        if tcp.probes < probes {
            nextProbeInMilliseconds = max(0, idle + tcp.probes * interval - sinceLastTrafficMilliseconds)
        }
    }

    enum CodingKeys: String, CodingKey {
        case phase
        case sinceLastTrafficMilliseconds = "since_last_traffic_ms"
        case firstProbeAfterMilliseconds = "first_probe_after_ms"
        case probeIntervalMilliseconds = "probe_interval_ms"
        case probesBeforeReset = "probes_before_reset"
        case probesUnanswered = "probes_unanswered"
        case nextProbeInMilliseconds = "next_probe_in_ms"
        case resetAfterMilliseconds = "reset_after_ms"
        case resetInMilliseconds = "reset_in_ms"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(phase, forKey: .phase)
        try container.encode(sinceLastTrafficMilliseconds, forKey: .sinceLastTrafficMilliseconds)
        try container.encode(firstProbeAfterMilliseconds, forKey: .firstProbeAfterMilliseconds)
        try container.encode(probeIntervalMilliseconds, forKey: .probeIntervalMilliseconds)
        try container.encode(probesBeforeReset, forKey: .probesBeforeReset)
        try container.encode(probesUnanswered, forKey: .probesUnanswered)
        try container.encode(nextProbeInMilliseconds, forKey: .nextProbeInMilliseconds)
        try container.encode(resetAfterMilliseconds, forKey: .resetAfterMilliseconds)
        try container.encode(resetInMilliseconds, forKey: .resetInMilliseconds)
    }
}
