/// What keeps the admin endpoint available to its operator when a client misbehaves: a bound on open connections
/// (so a flood cannot take every file descriptor), on request bodies, and on how long a connection may sit idle or
/// take to send one request.
public struct AdminServerLimits: Sendable, Hashable {
    /// Connections open at once; one more is closed as soon as it is accepted. Default 64.
    public var maxConnections: Int
    /// Bytes of request body; a larger body is answered 413 and the connection closed. Default 64 KiB.
    public var maxRequestBodyBytes: Int
    /// How long a connection may stay open without a request. Default 30 s.
    public var idleTimeout: Duration
    /// How long a request may take from its first byte to its response. Default 10 s.
    public var requestTimeout: Duration

    public init(
        maxConnections: Int = 64,
        maxRequestBodyBytes: Int = 64 * 1024,
        idleTimeout: Duration = .seconds(30),
        requestTimeout: Duration = .seconds(10)
    ) {
        self.maxConnections = maxConnections
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
    }
}
