/// `envoy.config.listener.v3.Listener`: one bound address, its socket options and its filter chain.
public struct ListenerConfig: Sendable {
    /// `name`. Defaults to Istio's spelling `<address>_<port>`, e.g. `0.0.0.0_8443`.
    public var name: String
    /// `address.socket_address`.
    public var address: SocketAddressConfig
    /// `socket_options`: literal options applied at their state (setsockopt(2), socket(7), tcp(7)).
    public var socketOptions: [SocketOptionConfig]
    /// `enable_reuse_port`: one listening socket per event loop with SO_REUSEPORT (socket(7)). Envoy's default: true.
    public var enableReusePort: Bool
    /// `per_connection_buffer_limit_bytes`: bytes buffered per connection and direction before reading stops.
    /// Envoy's default: 1 MiB.
    public var perConnectionBufferLimitBytes: Int
    /// `tcp_keepalive`: downstream keepalive for every accepted connection, set on the listening socket at
    /// STATE_PREBIND, before the `socket_options` of that state, as Envoy does — so any explicit keepalive option
    /// replaces it. Absent, and no keepalive socket option: Lifeline's defaults (on, 15 s / 15 s / 3).
    public var tcpKeepalive: TcpKeepaliveConfig?
    /// `tcp_user_timeout` (Lifeline extension): TCP_USER_TIMEOUT (tcp(7)), how long sent data may stay
    /// unacknowledged before the connection is dropped. `0s` turns it off. Absent: T + I × N with Lifeline's default
    /// keepalive, else not set.
    public var tcpUserTimeout: Duration?
    /// Where `tcp_user_timeout` was written.
    public var tcpUserTimeoutOrigin: ConfigOrigin?
    /// `tcp_backlog_size`: the `listen(2)` backlog. Envoy's default: `net.core.somaxconn` on Linux.
    public var tcpBacklogSize: Int?
    /// `filter_chains`: each ends in `envoy.filters.network.tcp_proxy`; a connection is given to the one whose
    /// `filter_chain_match` fits it best (see `FilterChainSelector` in LifelinePlan).
    public var filterChains: [FilterChainConfig]
    /// `default_filter_chain`: for connections no chain matches.
    public var defaultFilterChain: FilterChainConfig?
    /// `listener_filters`, in order.
    public var listenerFilters: [ListenerFilterConfig]
    /// `listener_filters_timeout`; nil when not written (Envoy's default, 15 s), zero when `0s` turned it off.
    public var listenerFiltersTimeout: Duration?
    /// `continue_on_listener_filters_timeout`: on timeout, choose a chain with what is known instead of closing.
    public var continueOnListenerFiltersTimeout: Bool
    /// `stat_prefix`: names the listener's stats scope (`listener.<stat_prefix>.…`) instead of its address.
    public var statPrefix: String?
    public var origin: ConfigOrigin

    public static let defaultBufferLimitBytes = 1_048_576

    public init(
        name: String,
        address: SocketAddressConfig,
        socketOptions: [SocketOptionConfig] = [],
        enableReusePort: Bool = true,
        perConnectionBufferLimitBytes: Int = ListenerConfig.defaultBufferLimitBytes,
        tcpBacklogSize: Int? = nil,
        filterChains: [FilterChainConfig] = [],
        origin: ConfigOrigin
    ) {
        self.name = name
        self.address = address
        self.socketOptions = socketOptions
        self.enableReusePort = enableReusePort
        self.perConnectionBufferLimitBytes = perConnectionBufferLimitBytes
        self.tcpBacklogSize = tcpBacklogSize
        self.tcpKeepalive = nil
        self.tcpUserTimeout = nil
        self.tcpUserTimeoutOrigin = nil
        self.filterChains = filterChains
        self.defaultFilterChain = nil
        self.listenerFilters = []
        self.listenerFiltersTimeout = nil
        self.continueOnListenerFiltersTimeout = false
        self.statPrefix = nil
        self.origin = origin
    }

    /// The name Istio gives a listener bound to `address`: `0.0.0.0_8443`.
    public static func defaultName(for address: SocketAddressConfig) -> String {
        "\(address.address)_\(address.portValue)"
    }

    /// The tcp_proxy of the first chain (the default chain's when there is no other).
    public var tcpProxy: TcpProxyConfig? {
        (filterChains.first ?? defaultFilterChain)?.tcpProxy
    }

    /// Whether `listener_filters` holds `envoy.filters.listener.tls_inspector`.
    public var hasTlsInspector: Bool {
        listenerFilters.contains { $0.kind == .tlsInspector }
    }
}
