import LifelineSocket

/// One side's socket and what the relay knows of it. Readiness is remembered because the relay watches sockets
/// edge-triggered: the kernel says "readable" once, and the relay may stop short of EAGAIN (the other side is
/// full) and come back later.
struct RelaySocketState {
    var fd: Int32
    var readable = false
    var writable = false
    /// Whether the kernel reported the peer's FIN, a hang-up or an error: reading then goes on to the end (or the
    /// error) even after a short read, which otherwise says the socket is drained.
    var endReported = false
    var sawEndOfInput = false
    var outputShut = false
    var closed = false
    /// Whether reading stopped because the partner holds the buffer limit (counted once per pause).
    var readingPaused = false
    var errorNumber: Int32?
    var tcpInfo: TCPInfo?

    init(fd: Int32) {
        self.fd = fd
    }

    /// The facts for classifying this side's close.
    func closeFacts(closeRequested: Bool, idleTimedOut: Bool) -> RelayCloseFacts {
        RelayCloseFacts(
            errorNumber: errorNumber,
            tcpInfo: tcpInfo,
            sawEndOfInput: sawEndOfInput,
            closeRequested: closeRequested,
            idleTimedOut: idleTimedOut
        )
    }
}
