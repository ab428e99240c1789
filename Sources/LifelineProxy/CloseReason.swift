public import LifelineSocket

/// Why one side of a proxied connection closed: what an operator counts to tell dead peers reaped by keepalive apart
/// from clients that left, resets, and the gateway's own timeouts.
public enum CloseReason: String, Sendable, Hashable, CaseIterable {
    /// The gateway closed it: the other side ended, or Lifeline stopped.
    case local
    /// The peer sent FIN.
    case remoteFIN = "remote_fin"
    /// The peer sent RST (ECONNRESET, EPIPE).
    case remoteReset = "remote_reset"
    /// Keepalive probes went unanswered: the kernel gave up with ETIMEDOUT while probing an idle connection.
    case keepaliveTimeout = "keepalive_timeout"
    /// Sent data stayed unacknowledged past TCP_USER_TIMEOUT (or the kernel's retransmission limit): ETIMEDOUT
    /// without keepalive probes out.
    case userTimeout = "user_timeout"
    /// tcp_proxy's `idle_timeout` passed with no byte in either direction.
    case idleTimeout = "idle_timeout"

    /// Classifies a closed channel.
    ///
    /// - Parameters:
    ///   - errorNumber: the errno the channel failed with, if it failed.
    ///   - tcpInfo: TCP_INFO read when the error arrived, before the socket was closed: a keepalive timeout leaves
    ///     probes out, a retransmission timeout does not.
    ///   - sawEndOfInput: whether the peer's FIN arrived.
    ///   - closeRequested: whether the gateway asked for the channel to be closed.
    ///   - localReason: the gateway's own reason for closing it (an idle timeout), which outranks a FIN.
    public static func classify(
        errorNumber: Int32?,
        tcpInfo: TCPInfo?,
        sawEndOfInput: Bool,
        closeRequested: Bool,
        localReason: CloseReason? = nil
    ) -> CloseReason {
        if let errorNumber {
            if errorNumber == ErrorNumber.timedOut {
                return (tcpInfo?.probes ?? 0) > 0 ? .keepaliveTimeout : .userTimeout
            }
            if errorNumber == ErrorNumber.connectionReset || errorNumber == ErrorNumber.brokenPipe {
                return .remoteReset
            }
        }
        if let localReason {
            return localReason
        }
        if sawEndOfInput {
            return .remoteFIN
        }
        // NIO closes a channel outright, with no end-of-input event, when the peer's FIN arrives after the
        // channel's output was shut: a close nobody here asked for is the peer's.
        return closeRequested ? .local : .remoteFIN
    }
}
