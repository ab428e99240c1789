/// When Linux probes and resets an idle connection whose peer stopped answering, counted from the last byte received.
///
/// Follows `tcp_keepalive_timer()`: the first probe goes out T after the last traffic, then one every I. Without
/// TCP_USER_TIMEOUT the connection is reset at the timer firing after the N-th unanswered probe, T + I × N — one
/// interval after the last probe, not right after it. With TCP_USER_TIMEOUT = U the count no longer matters: the
/// reset comes at the first firing at or after U once at least one probe is out.
public struct KeepaliveTimeline: Sendable, Hashable {
    public enum Event: Sendable, Hashable {
        /// Probe number `n` (from 1) at `at` seconds.
        case probe(n: Int, at: Double)
        /// The connection is reset at `at` seconds.
        case reset(at: Double)
    }

    public var events: [Event]

    public init(time: Int, interval: Int, probes: Int, userTimeoutMilliseconds: Int?) {
        var events: [Event] = []
        var now = Double(time)
        var sent = 0
        let userTimeout = userTimeoutMilliseconds.map { Double($0) / 1000 }
        while true {
            let expired: Bool
            if let userTimeout {
                expired = sent > 0 && now >= userTimeout
            } else {
                expired = sent >= probes
            }
            if expired {
                events.append(.reset(at: now))
                break
            }
            sent += 1
            events.append(.probe(n: sent, at: now))
            now += Double(interval)
        }
        self.events = events
    }

    /// Seconds from the last traffic to the reset.
    public var resetAt: Double {
        for case .reset(let at) in events { return at }
        return 0
    }

    /// Times of the probes, in order.
    public var probeTimes: [Double] {
        events.compactMap { if case .probe(_, let at) = $0 { return at } else { return nil } }
    }
}
