#if canImport(Glibc)
    public import Glibc
#elseif canImport(Darwin)
    public import Darwin
#endif

/// The kernel's view of one TCP connection (`struct tcp_info`, tcp(7) `TCP_INFO`): state, timers and counters.
///
/// What an operator asks of a connection the gateway holds: is it alive, how many keepalive probes are out, is sent
/// data waiting for an acknowledgement, how long since anything arrived.
public struct TCPInfo: Sendable, Hashable {
    /// `tcpi_state`: the connection's state.
    public var state: TCPState
    /// `tcpi_retransmits`: retransmissions of the current segment without an acknowledgement.
    public var retransmits: Int
    /// `tcpi_probes`: unanswered keepalive (or zero-window) probes sent.
    public var probes: Int
    /// `tcpi_backoff`: retransmission timer backoff exponent.
    public var backoff: Int
    /// `tcpi_rto`: retransmission timeout, microseconds.
    public var retransmissionTimeoutMicroseconds: Int
    /// `tcpi_rtt`: smoothed round-trip time, microseconds.
    public var roundTripMicroseconds: Int
    /// `tcpi_rttvar`: round-trip time variation, microseconds.
    public var roundTripVarianceMicroseconds: Int
    /// `tcpi_unacked`: segments sent and not yet acknowledged.
    public var unacknowledged: Int
    /// `tcpi_lost`: segments considered lost.
    public var lost: Int
    /// `tcpi_total_retrans`: retransmitted segments over the connection's life.
    public var totalRetransmissions: Int
    /// `tcpi_snd_cwnd`: congestion window, segments.
    public var congestionWindow: Int
    /// `tcpi_last_data_sent`: milliseconds since data was last sent.
    public var lastDataSentMilliseconds: Int
    /// `tcpi_last_data_recv`: milliseconds since data was last received.
    public var lastDataReceivedMilliseconds: Int
    /// `tcpi_last_ack_recv`: milliseconds since an acknowledgement was last received.
    public var lastAckReceivedMilliseconds: Int

    #if os(Linux)
        /// Decodes the kernel structure.
        public init(_ raw: tcp_info) {
            state = TCPState(rawValue: Int(raw.tcpi_state)) ?? .unknown
            retransmits = Int(raw.tcpi_retransmits)
            probes = Int(raw.tcpi_probes)
            backoff = Int(raw.tcpi_backoff)
            retransmissionTimeoutMicroseconds = Int(raw.tcpi_rto)
            roundTripMicroseconds = Int(raw.tcpi_rtt)
            roundTripVarianceMicroseconds = Int(raw.tcpi_rttvar)
            unacknowledged = Int(raw.tcpi_unacked)
            lost = Int(raw.tcpi_lost)
            totalRetransmissions = Int(raw.tcpi_total_retrans)
            congestionWindow = Int(raw.tcpi_snd_cwnd)
            lastDataSentMilliseconds = Int(raw.tcpi_last_data_sent)
            lastDataReceivedMilliseconds = Int(raw.tcpi_last_data_recv)
            lastAckReceivedMilliseconds = Int(raw.tcpi_last_ack_recv)
        }

        /// Reads `TCP_INFO` from a connected TCP socket.
        public static func read(fd: Int32) throws(SystemCallError) -> TCPInfo {
            var raw = tcp_info()
            var length = socklen_t(MemoryLayout<tcp_info>.size)
            guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &raw, &length) == 0 else {
                throw SystemCallError(call: "getsockopt TCP_INFO", errno: errno)
            }
            return TCPInfo(raw)
        }
    #endif
}

/// TCP connection states as Linux numbers them (`include/net/tcp_states.h`).
public enum TCPState: Int, Sendable, Hashable, CustomStringConvertible {
    case unknown = 0
    case established = 1
    case synSent = 2
    case synReceived = 3
    case finWait1 = 4
    case finWait2 = 5
    case timeWait = 6
    case closed = 7
    case closeWait = 8
    case lastAck = 9
    case listen = 10
    case closing = 11

    public var description: String {
        switch self {
        case .unknown: "UNKNOWN"
        case .established: "ESTABLISHED"
        case .synSent: "SYN_SENT"
        case .synReceived: "SYN_RECV"
        case .finWait1: "FIN_WAIT1"
        case .finWait2: "FIN_WAIT2"
        case .timeWait: "TIME_WAIT"
        case .closed: "CLOSE"
        case .closeWait: "CLOSE_WAIT"
        case .lastAck: "LAST_ACK"
        case .listen: "LISTEN"
        case .closing: "CLOSING"
        }
    }
}
