public import LifelineConfig

/// A filter chain's `envoy.filters.network.connection_limit`, resolved: the cap on the connections the chain holds
/// at once, counted over every event loop. Its count lives as long as the chain's runtime, so a reload that leaves
/// the chain unchanged keeps it; a changed chain starts a new count, as a new filter config does in Envoy.
public struct ConnectionLimitFilterPlan: Sendable, Hashable {
    /// `stat_prefix`: the stats are `connection_limit.<stat_prefix>.limited_connections` and `.active_connections`.
    public var statPrefix: String
    /// `max_connections`: a connection that would make one more than this many is refused.
    public var maxConnections: Int
    /// `delay`: a refused connection is held this long, nothing it sends read, then closed; nil closes it at once.
    public var delay: Duration?
    /// `runtime_enabled.default_value`: false leaves the filter in the chain but doing nothing.
    public var enabled: Bool

    public init(statPrefix: String, maxConnections: Int, delay: Duration? = nil, enabled: Bool = true) {
        self.statPrefix = statPrefix
        self.maxConnections = maxConnections
        self.delay = delay
        self.enabled = enabled
    }

    /// The configured filter.
    public init(_ config: ConnectionLimitConfig) {
        self.init(
            statPrefix: config.statPrefix,
            maxConnections: Int(clamping: config.maxConnections),
            delay: config.delay,
            enabled: config.enabled
        )
    }
}
