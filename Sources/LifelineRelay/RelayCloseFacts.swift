public import LifelineSocket

/// What the relay knows about how one side of a connection ended: the facts `CloseReason.classify` takes, gathered
/// from the socket (errno, TCP_INFO) rather than from a channel.
public struct RelayCloseFacts: Sendable, Hashable {
    /// The errno a read or write failed with; nil when the side ended without an error.
    public var errorNumber: Int32?
    /// TCP_INFO read right after an ETIMEDOUT, before the socket was closed: keepalive probes out or not.
    public var tcpInfo: TCPInfo?
    /// Whether the peer's FIN arrived.
    public var sawEndOfInput: Bool
    /// Whether the relay closed the socket itself (the other side ended or failed, or the relay stopped) rather
    /// than the peer.
    public var closeRequested: Bool
    /// Whether the relay closed it because tcp_proxy's `idle_timeout` passed.
    public var idleTimedOut: Bool

    public init(
        errorNumber: Int32? = nil,
        tcpInfo: TCPInfo? = nil,
        sawEndOfInput: Bool = false,
        closeRequested: Bool = false,
        idleTimedOut: Bool = false
    ) {
        self.errorNumber = errorNumber
        self.tcpInfo = tcpInfo
        self.sawEndOfInput = sawEndOfInput
        self.closeRequested = closeRequested
        self.idleTimedOut = idleTimedOut
    }
}
