/// `envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit`: a non-terminal network filter that caps
/// the connections its filter chain holds at once. Past the cap a new connection is closed (at once, or after
/// `delay` during which nothing it sends is read) and counted as `connection_limit.<stat_prefix>.limited_connections`;
/// the connections already open are not touched.
public struct ConnectionLimitConfig: Sendable {
    public static let typeURL =
        "type.googleapis.com/envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit"
    /// The canonical name of the filter.
    public static let filterName = "envoy.filters.network.connection_limit"

    /// `stat_prefix` (required, non-empty): the stats are `connection_limit.<stat_prefix>.…`.
    public var statPrefix: String
    /// `max_connections` (required, at least 1): connections the chain may hold at once, counted across every
    /// worker.
    public var maxConnections: UInt64
    /// `delay`: how long a connection past the cap is held (unread) before it is closed; nil closes it at once.
    public var delay: Duration?
    /// `runtime_enabled.default_value`: whether the filter runs; Lifeline has no runtime layer, so the default is
    /// the value. Absent: enabled.
    public var enabled: Bool
    public var origin: ConfigOrigin

    public init(
        statPrefix: String,
        maxConnections: UInt64,
        delay: Duration? = nil,
        enabled: Bool = true,
        origin: ConfigOrigin
    ) {
        self.statPrefix = statPrefix
        self.maxConnections = maxConnections
        self.delay = delay
        self.enabled = enabled
        self.origin = origin
    }
}
