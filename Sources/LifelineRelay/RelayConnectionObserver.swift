/// Told what happens to one relayed connection, so the layer above can count it into its stats, keep its table row
/// and write its access log line. Every call comes on the connection's relay loop thread, in order; the relay keeps
/// the observer until ``relayFinished()``.
public protocol RelayConnectionObserver: AnyObject {
    /// The upstream connect completed (on socket `descriptor`, which the relay owns and closes; read it only
    /// from these calls or on the loop's thread until the side is reported closed); bytes now flow both ways.
    func relayUpstreamConnected(descriptor: Int32)
    /// The upstream connect failed (`timedOut`: `connect_timeout` passed); the downstream is closed next.
    func relayUpstreamConnectFailed(errorNumber: Int32, timedOut: Bool)
    /// `count` bytes were read from `side` (and are written, or held, for the other side).
    func relayRead(_ side: RelaySide, count: Int)
    /// Reading from `side` stopped because the other side could not take more.
    func relayPausedReading(_ side: RelaySide)
    /// tcp_proxy's `idle_timeout` passed; both sides are closed next.
    func relayIdleTimedOut()
    /// `side`'s socket is closed. The upstream is reported only when it connected.
    func relaySideClosed(_ side: RelaySide, facts: RelayCloseFacts)
    /// Both sockets are closed; nothing more is reported.
    func relayFinished()
}
