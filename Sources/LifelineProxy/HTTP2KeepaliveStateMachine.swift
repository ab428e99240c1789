import LifelinePlan
import NIOCore

/// When an upstream HTTP/2 connection sends a PING and when it gives up on the peer, as a value without a channel.
///
/// With the cluster's `connection_keepalive` it means what Envoy means: a PING `interval` (plus up to
/// `interval_jitter` percent) after the connection starts and after each answer, whether or not streams are open;
/// the connection is closed when nothing at all is received within `timeout` of a PING. Where the config is silent,
/// Lifeline's default (``UpstreamHttpPlan/defaultLifelineHttp2Keepalive``): a PING only while streams are open and
/// nothing was received for `interval` since they opened, never on a connection without streams — so a gRPC server
/// never sees PINGs more often than it accepts.
///
/// The owner keeps one timer at ``nextDeadline`` and calls ``timerFired(at:jitter:)`` when it fires; receiving is a
/// field update, so reads never touch timers.
struct HTTP2KeepaliveStateMachine: Sendable {
    struct Policy: Sendable, Hashable {
        /// Between PINGs (configured) or the quiet time before one (default).
        var interval: TimeAmount?
        var timeout: TimeAmount
        var jitterPercent: Double
        /// Lifeline's default: PINGs only while streams are open, `interval` measured from the last frame received.
        var onlyWhileStreamsOpen: Bool

        /// Envoy's meaning of a cluster's `connection_keepalive`.
        static func configured(_ plan: Http2KeepalivePlan) -> Policy {
            Policy(
                interval: plan.interval.map { TimeAmount($0) },
                timeout: TimeAmount(plan.timeout),
                jitterPercent: plan.intervalJitterPercent,
                onlyWhileStreamsOpen: false
            )
        }

        /// Lifeline's default where the config is silent.
        static let lifelineDefault: Policy = {
            let plan = UpstreamHttpPlan.defaultLifelineHttp2Keepalive
            return Policy(
                interval: plan.interval.map { TimeAmount($0) },
                timeout: TimeAmount(plan.timeout),
                jitterPercent: plan.intervalJitterPercent,
                onlyWhileStreamsOpen: true
            )
        }()

        /// The policy for a cluster's `http2_protocol_options`.
        static func forPlan(_ plan: Http2ProtocolOptionsPlan) -> Policy {
            plan.keepalive.map(configured) ?? lifelineDefault
        }
    }

    enum Action: Sendable, Hashable {
        case none
        case sendPing
        /// Nothing arrived within `timeout` of the PING: close the connection (`http2.keepalive_timeout`).
        case closeConnection
    }

    let policy: Policy
    private var lastReceived: NIODeadline
    /// When the streams last went from none to some (default policy).
    private var streamsOpenedAt: NIODeadline
    private var openStreams = 0
    private var pingSentAt: NIODeadline?
    /// The next periodic PING (configured policy); nil while one is outstanding.
    private var nextPing: NIODeadline?
    /// The (jittered) interval from the answer to the outstanding PING to the next one (configured policy).
    private var intervalAfterAnswer: TimeAmount = .zero
    private var closed = false

    /// - Parameter jitter: a random number in 0...1 scaling the first interval's jitter.
    init(policy: Policy, now: NIODeadline, jitter: Double) {
        self.policy = policy
        lastReceived = now
        streamsOpenedAt = now
        if !policy.onlyWhileStreamsOpen, let interval = policy.interval {
            nextPing = now + Self.jittered(interval, percent: policy.jitterPercent, jitter: jitter)
        }
    }

    /// Any bytes arrived from the peer: it is alive.
    mutating func received(at now: NIODeadline) {
        lastReceived = now
        if pingSentAt != nil {
            pingSentAt = nil
            // As Envoy: the next PING is an interval after the answer.
            if !policy.onlyWhileStreamsOpen { nextPing = now + intervalAfterAnswer }
        }
    }

    /// The number of open streams changed.
    mutating func streamsChanged(open: Int, at now: NIODeadline) {
        if openStreams == 0 && open > 0 { streamsOpenedAt = now }
        openStreams = open
    }

    /// When the owner's timer should next fire; nil needs none.
    var nextDeadline: NIODeadline? {
        if closed { return nil }
        if let pingSentAt { return pingSentAt + policy.timeout }
        if policy.onlyWhileStreamsOpen {
            guard openStreams > 0, let interval = policy.interval else { return nil }
            return max(lastReceived, streamsOpenedAt) + interval
        }
        return nextPing
    }

    /// The timer fired (or any time): what to do now.
    mutating func timerFired(at now: NIODeadline, jitter: Double) -> Action {
        if closed { return .none }
        if let pingSentAt {
            guard now >= pingSentAt + policy.timeout else { return .none }
            closed = true
            return .closeConnection
        }
        guard let interval = policy.interval else { return .none }
        if policy.onlyWhileStreamsOpen {
            guard openStreams > 0, now >= max(lastReceived, streamsOpenedAt) + interval else { return .none }
        } else {
            guard let nextPing, now >= nextPing else { return .none }
            self.nextPing = nil
            intervalAfterAnswer = Self.jittered(interval, percent: policy.jitterPercent, jitter: jitter)
        }
        pingSentAt = now
        return .sendPing
    }

    private static func jittered(_ interval: TimeAmount, percent: Double, jitter: Double) -> TimeAmount {
        let extra = Double(interval.nanoseconds) * percent / 100 * min(max(jitter, 0), 1)
        return interval + .nanoseconds(Int64(extra))
    }
}
