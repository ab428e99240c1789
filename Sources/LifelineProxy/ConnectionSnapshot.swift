public import LifelineSocket

/// One live connection as the admin endpoint shows it: which side it is, whom it joins, what carried it there, how
/// long it has been open, the bytes it moved, and what the kernel says about it — the keepalive settings read back
/// with `getsockopt(2)` and `TCP_INFO` — all read on the connection's event loop when the snapshot is taken.
///
/// The JSON field names are the ``CodingKeys``; they are part of the admin interface and stay stable.
public struct ConnectionSnapshot: Sendable, Codable, Hashable {
    /// Which side of the gateway the connection is on.
    public enum Direction: String, Sendable, Codable, Hashable {
        /// Accepted by a listener.
        case downstream
        /// Dialled to a cluster's endpoint.
        case upstream
    }

    /// What owns the connection.
    public enum Kind: String, Sendable, Codable, Hashable {
        /// Either side of a `tcp_proxy` filter chain.
        case tcpProxy = "tcp_proxy"
        /// A downstream connection of an `http_connection_manager` filter chain.
        case httpConnectionManager = "http_connection_manager"
        /// An upstream connection of a cluster's HTTP/1.1 pool.
        case http1Pool = "http1_pool"
        /// An upstream connection of a cluster's HTTP/2 pool.
        case http2Pool = "http2_pool"
    }

    /// The keepalive settings the socket carries, read back with `getsockopt(2)` (tcp(7), socket(7)).
    public struct Keepalive: Sendable, Codable, Hashable {
        /// `SO_KEEPALIVE`.
        public var enabled: Bool
        /// `TCP_KEEPIDLE`, seconds.
        public var idleSeconds: Int
        /// `TCP_KEEPINTVL`, seconds.
        public var intervalSeconds: Int
        /// `TCP_KEEPCNT`.
        public var probes: Int
        /// `TCP_USER_TIMEOUT`, milliseconds (0: off); nil where the platform has no such option.
        public var userTimeoutMilliseconds: Int?

        public init(enabled: Bool, idleSeconds: Int, intervalSeconds: Int, probes: Int, userTimeoutMilliseconds: Int?) {
            self.enabled = enabled
            self.idleSeconds = idleSeconds
            self.intervalSeconds = intervalSeconds
            self.probes = probes
            self.userTimeoutMilliseconds = userTimeoutMilliseconds
        }

        public init(_ readback: KeepaliveReadback) {
            self.init(
                enabled: readback.enabled,
                idleSeconds: Int(readback.idleSeconds),
                intervalSeconds: Int(readback.intervalSeconds),
                probes: Int(readback.probes),
                userTimeoutMilliseconds: readback.userTimeoutMilliseconds.map(Int.init)
            )
        }

        enum CodingKeys: String, CodingKey {
            case enabled
            case idleSeconds = "idle_s"
            case intervalSeconds = "interval_s"
            case probes = "count"
            case userTimeoutMilliseconds = "user_timeout_ms"
        }

        /// Writes every field, `user_timeout_ms` as `null` where the platform has no such option.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(enabled, forKey: .enabled)
            try container.encode(idleSeconds, forKey: .idleSeconds)
            try container.encode(intervalSeconds, forKey: .intervalSeconds)
            try container.encode(probes, forKey: .probes)
            try container.encode(userTimeoutMilliseconds, forKey: .userTimeoutMilliseconds)
        }
    }

    /// The kernel's `TCP_INFO` for the socket (tcp(7)), the fields an operator asks about a quiet connection.
    public struct TCP: Sendable, Codable, Hashable {
        /// `tcpi_state`, as Linux names it (`ESTABLISHED`, `CLOSE_WAIT`, …).
        public var state: String
        /// `tcpi_rtt`, microseconds.
        public var roundTripMicroseconds: Int
        /// `tcpi_rttvar`, microseconds.
        public var roundTripVarianceMicroseconds: Int
        /// `tcpi_rto`, microseconds.
        public var retransmissionTimeoutMicroseconds: Int
        /// `tcpi_probes`: keepalive (or zero-window) probes sent and not answered.
        public var probes: Int
        /// `tcpi_unacked`: segments sent and not acknowledged.
        public var unacknowledged: Int
        /// `tcpi_retransmits`: retransmissions of the current segment.
        public var retransmits: Int
        /// `tcpi_total_retrans`.
        public var totalRetransmissions: Int
        /// `tcpi_last_data_recv`: milliseconds since data was last received.
        public var lastDataReceivedMilliseconds: Int
        /// `tcpi_last_data_sent`: milliseconds since data was last sent.
        public var lastDataSentMilliseconds: Int
        /// `tcpi_last_ack_recv`: milliseconds since an acknowledgement was last received.
        public var lastAckReceivedMilliseconds: Int

        public init(
            state: String,
            roundTripMicroseconds: Int = 0,
            roundTripVarianceMicroseconds: Int = 0,
            retransmissionTimeoutMicroseconds: Int = 0,
            probes: Int = 0,
            unacknowledged: Int = 0,
            retransmits: Int = 0,
            totalRetransmissions: Int = 0,
            lastDataReceivedMilliseconds: Int = 0,
            lastDataSentMilliseconds: Int = 0,
            lastAckReceivedMilliseconds: Int = 0
        ) {
            self.state = state
            self.roundTripMicroseconds = roundTripMicroseconds
            self.roundTripVarianceMicroseconds = roundTripVarianceMicroseconds
            self.retransmissionTimeoutMicroseconds = retransmissionTimeoutMicroseconds
            self.probes = probes
            self.unacknowledged = unacknowledged
            self.retransmits = retransmits
            self.totalRetransmissions = totalRetransmissions
            self.lastDataReceivedMilliseconds = lastDataReceivedMilliseconds
            self.lastDataSentMilliseconds = lastDataSentMilliseconds
            self.lastAckReceivedMilliseconds = lastAckReceivedMilliseconds
        }

        public init(_ info: TCPInfo) {
            self.init(
                state: info.state.description,
                roundTripMicroseconds: info.roundTripMicroseconds,
                roundTripVarianceMicroseconds: info.roundTripVarianceMicroseconds,
                retransmissionTimeoutMicroseconds: info.retransmissionTimeoutMicroseconds,
                probes: info.probes,
                unacknowledged: info.unacknowledged,
                retransmits: info.retransmits,
                totalRetransmissions: info.totalRetransmissions,
                lastDataReceivedMilliseconds: info.lastDataReceivedMilliseconds,
                lastDataSentMilliseconds: info.lastDataSentMilliseconds,
                lastAckReceivedMilliseconds: info.lastAckReceivedMilliseconds
            )
        }

        enum CodingKeys: String, CodingKey {
            case state
            case roundTripMicroseconds = "rtt_us"
            case roundTripVarianceMicroseconds = "rttvar_us"
            case retransmissionTimeoutMicroseconds = "rto_us"
            case probes
            case unacknowledged = "unacked"
            case retransmits
            case totalRetransmissions = "total_retrans"
            case lastDataReceivedMilliseconds = "last_data_recv_ms"
            case lastDataSentMilliseconds = "last_data_sent_ms"
            case lastAckReceivedMilliseconds = "last_ack_recv_ms"
        }
    }

    /// Unique among the gateway's connections for the life of the process.
    public var id: UInt64
    public var direction: Direction
    public var kind: Kind
    /// The remote address: `127.0.0.1:50112`, `[::1]:443`.
    public var peer: String
    /// The local address of the socket.
    public var local: String
    /// The listener that accepted the connection (downstream) or whose `tcp_proxy` dialled it (upstream).
    public var listener: String?
    /// The filter chain the connection was given to, or whose `tcp_proxy` dialled it.
    public var filterChain: String?
    /// The cluster dialled (upstream), or the `tcp_proxy`'s cluster (its downstream).
    public var cluster: String?
    /// When the connection was registered, milliseconds since 1970 (UTC).
    public var startUnixMilliseconds: Int64
    /// How long it has been open, milliseconds.
    public var ageMilliseconds: Int
    /// Bytes read from the socket (TLS records included).
    public var bytesReceived: Int
    /// Bytes written to the socket (TLS records included).
    public var bytesSent: Int
    /// Nil when the socket could not be asked (already closed).
    public var keepalive: Keepalive?
    /// Nil when the socket could not be asked, or off Linux.
    public var tcp: TCP?
    /// Derived from ``keepalive`` and ``tcp``: nil when either is missing.
    public var timeline: ConnectionKeepaliveTimeline?

    public init(
        id: UInt64,
        direction: Direction,
        kind: Kind,
        peer: String,
        local: String,
        listener: String? = nil,
        filterChain: String? = nil,
        cluster: String? = nil,
        startUnixMilliseconds: Int64 = 0,
        ageMilliseconds: Int = 0,
        bytesReceived: Int = 0,
        bytesSent: Int = 0,
        keepalive: Keepalive? = nil,
        tcp: TCP? = nil
    ) {
        self.id = id
        self.direction = direction
        self.kind = kind
        self.peer = peer
        self.local = local
        self.listener = listener
        self.filterChain = filterChain
        self.cluster = cluster
        self.startUnixMilliseconds = startUnixMilliseconds
        self.ageMilliseconds = ageMilliseconds
        self.bytesReceived = bytesReceived
        self.bytesSent = bytesSent
        self.keepalive = keepalive
        self.tcp = tcp
        if let keepalive, let tcp {
            timeline = ConnectionKeepaliveTimeline(keepalive: keepalive, tcp: tcp)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id
        case direction
        case kind
        case peer
        case local
        case listener
        case filterChain = "filter_chain"
        case cluster
        case startUnixMilliseconds = "start_unix_ms"
        case ageMilliseconds = "age_ms"
        case bytesReceived = "rx_bytes"
        case bytesSent = "tx_bytes"
        case keepalive
        case tcp
        case timeline
    }

    /// Writes every field, absent ones as `null`, so that a reader always finds the same keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(direction, forKey: .direction)
        try container.encode(kind, forKey: .kind)
        try container.encode(peer, forKey: .peer)
        try container.encode(local, forKey: .local)
        try container.encode(listener, forKey: .listener)
        try container.encode(filterChain, forKey: .filterChain)
        try container.encode(cluster, forKey: .cluster)
        try container.encode(startUnixMilliseconds, forKey: .startUnixMilliseconds)
        try container.encode(ageMilliseconds, forKey: .ageMilliseconds)
        try container.encode(bytesReceived, forKey: .bytesReceived)
        try container.encode(bytesSent, forKey: .bytesSent)
        try container.encode(keepalive, forKey: .keepalive)
        try container.encode(tcp, forKey: .tcp)
        try container.encode(timeline, forKey: .timeline)
    }
}
