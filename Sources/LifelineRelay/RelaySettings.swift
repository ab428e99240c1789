public import LifelineSocket

/// How one connection is relayed: where its upstream is and the limits Envoy's config gives it.
public struct RelaySettings: Sendable {
    /// The endpoint to dial (the cluster's pick).
    public var upstream: IPEndpoint
    /// Options set on the upstream socket before connect (the cluster's `upstream_connection_options` and socket
    /// options), through LifelineSocket.
    public var upstreamOptions: [SocketOption]
    /// `per_connection_buffer_limit_bytes`: at most this many bytes are held for a side that cannot take them;
    /// reading from the other side stops meanwhile.
    public var bufferLimitBytes: Int
    /// tcp_proxy's `idle_timeout`: both sides close after this long with no byte in either direction; nil for none.
    public var idleTimeout: Duration?
    /// The cluster's `connect_timeout`.
    public var connectTimeout: Duration

    public init(
        upstream: IPEndpoint,
        upstreamOptions: [SocketOption] = [],
        bufferLimitBytes: Int = 1024 * 1024,
        idleTimeout: Duration? = nil,
        connectTimeout: Duration = .seconds(5)
    ) {
        self.upstream = upstream
        self.upstreamOptions = upstreamOptions
        self.bufferLimitBytes = bufferLimitBytes
        self.idleTimeout = idleTimeout
        self.connectTimeout = connectTimeout
    }
}
