import LifelinePlan
import NIOCore

/// The PINGs of one downstream HTTP/2 connection.
///
/// Keepalive, Envoy's `connection_keepalive`: a PING every `interval` plus a random jitter of up to
/// `interval_jitter` percent; once one is sent, the connection is closed when nothing at all arrives within
/// `timeout` (`http2.keepalive_timeout`). Anything received ends the wait.
///
/// Policing, as gRPC servers do (gRFC A8): a client PING that comes less than ``Policy/minimumInterval`` after the
/// previous one, with no response headers or data sent in between, is a strike; more than
/// ``Policy/maximumStrikes`` strikes end the connection with GOAWAY `ENHANCE_YOUR_CALM` and `too_many_pings`.
/// Sending headers or data clears the strikes, so BDP pings (which follow data) never count.
struct HTTP2PingStateMachine {
    struct Policy: Equatable {
        /// gRPC servers allow 5 minutes between PINGs without data; clients such as grpcio are commonly set to
        /// ping every 10 s or more (with `keepalive_permit_without_calls`), and gRPC clients will not go below
        /// 10 s. Half that keeps every such client clear while a flood still strikes out within a second.
        var minimumInterval: Duration = .seconds(5)
        /// Strikes tolerated; the next one is too many.
        var maximumStrikes = 2
    }

    let keepalive: Http2KeepalivePlan?
    let policy: Policy
    /// A keepalive PING is out and nothing has been received since.
    private(set) var awaitingAnything = false
    private var lastClientPing: NIODeadline?
    private(set) var strikes = 0

    init(keepalive: Http2KeepalivePlan?, policy: Policy = Policy()) {
        self.keepalive = keepalive
        self.policy = policy
    }

    /// How long until the next keepalive PING: `interval` plus `jitter` (0...1) of `interval_jitter` percent of it;
    /// nil when no periodic PING is configured.
    func nextPingDelay(jitter: Double) -> Duration? {
        guard let interval = keepalive?.interval else { return nil }
        let fraction = max(0, keepalive?.intervalJitterPercent ?? 0) / 100 * min(max(jitter, 0), 1)
        return interval + interval * fraction
    }

    enum PingDueAction: Equatable {
        /// Send a PING and wait `timeout` for anything to arrive.
        case sendPing(timeout: Duration)
        case none
    }

    /// The keepalive timer fired.
    mutating func pingDue() -> PingDueAction {
        guard let keepalive else { return .none }
        awaitingAnything = true
        return .sendPing(timeout: keepalive.timeout)
    }

    /// Bytes arrived from the client. Returns true when this ends a keepalive wait (cancel the timeout).
    mutating func received() -> Bool {
        guard awaitingAnything else { return false }
        awaitingAnything = false
        return true
    }

    /// The keepalive timeout fired: true when the connection must be closed (nothing arrived meanwhile).
    mutating func timeoutFired() -> Bool {
        awaitingAnything
    }

    enum ClientPingAction: Equatable {
        case allow
        /// GOAWAY `ENHANCE_YOUR_CALM` with `too_many_pings`, then close.
        case tooManyPings
    }

    /// The client sent a PING (not an ACK) at `now`.
    mutating func clientPing(at now: NIODeadline) -> ClientPingAction {
        defer { lastClientPing = now }
        guard let last = lastClientPing, now - last < TimeAmount(policy.minimumInterval) else { return .allow }
        strikes += 1
        return strikes > policy.maximumStrikes ? .tooManyPings : .allow
    }

    /// The gateway sent response headers or data on the connection.
    mutating func responseSent() {
        strikes = 0
        lastClientPing = nil
    }
}
