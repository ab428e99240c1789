import LifelineSocket
import NIOCore

/// What a failed channel reported, kept to tell why it closed (``CloseReason/classify(errorNumber:tcpInfo:sawEndOfInput:closeRequested:localReason:)``).
final class ChannelFailure {
    /// The errno the channel failed with.
    var errorNumber: Int32?
    /// TCP_INFO when the channel failed with ETIMEDOUT, read before NIO closes the socket.
    var tcpInfo: TCPInfo?

    /// Records the first I/O error; for ETIMEDOUT also TCP_INFO (keepalive probes out or not). Call on the channel's
    /// event loop, from `errorCaught`, while the socket is still open.
    func record(_ error: any Error, on channel: any Channel) {
        guard errorNumber == nil, let ioError = error as? IOError else { return }
        errorNumber = ioError.errnoCode
        #if os(Linux)
            if ioError.errnoCode == ErrorNumber.timedOut, let provider = channel as? any SocketOptionProvider {
                // On the event loop this completes at once.
                provider.getTCPInfo().assumeIsolated().whenSuccess { self.tcpInfo = TCPInfo($0) }
            }
        #endif
    }
}

@available(*, unavailable)
extension ChannelFailure: Sendable {}
