/// `envoy.config.listener.v3.FilterChain`.
public struct FilterChainConfig: Sendable {
    /// `name`.
    public var name: String?
    /// `filter_chain_match`; empty when absent (the chain matches every connection).
    public var match: FilterChainMatchConfig
    /// Where `filter_chain_match` is written; nil when absent.
    public var matchOrigin: ConfigOrigin?
    /// `transport_socket`; nil when absent, which is `raw_buffer` (bytes as they arrive).
    public var transportSocket: TransportSocketConfig<DownstreamTlsContextConfig>?
    /// `filters`: network filters in order; the last one terminates the chain.
    public var filters: [NetworkFilterConfig]
    public var origin: ConfigOrigin

    public init(
        name: String? = nil,
        match: FilterChainMatchConfig = FilterChainMatchConfig(),
        matchOrigin: ConfigOrigin? = nil,
        transportSocket: TransportSocketConfig<DownstreamTlsContextConfig>? = nil,
        filters: [NetworkFilterConfig],
        origin: ConfigOrigin
    ) {
        self.name = name
        self.match = match
        self.matchOrigin = matchOrigin
        self.transportSocket = transportSocket
        self.filters = filters
        self.origin = origin
    }

    /// How messages name the chain: `"public" (static_resources.listeners[0].filter_chains[1])`, or its path alone
    /// when it has no name.
    public var label: String {
        guard let name, !name.isEmpty else { return origin.path }
        return "\(JSONText.quote(name)) (\(origin.path))"
    }

    /// The http_connection_manager that ends this chain.
    public var httpConnectionManager: HttpConnectionManagerConfig? {
        filters.last.flatMap {
            if case .httpConnectionManager(let manager) = $0.kind { return manager }
            return nil
        }
    }

    /// The `connection_limit` filters before the one that ends the chain, in order.
    public var connectionLimits: [ConnectionLimitConfig] {
        filters.compactMap {
            if case .connectionLimit(let limit) = $0.kind { return limit }
            return nil
        }
    }

    /// The tcp_proxy that ends this chain.
    public var tcpProxy: TcpProxyConfig? {
        filters.last.flatMap {
            if case .tcpProxy(let proxy) = $0.kind { return proxy }
            return nil
        }
    }
}

/// `envoy.config.listener.v3.Filter`: a network filter with its `typed_config`. As in Envoy, the `@type` of
/// `typed_config` decides which filter it is; the name is free.
public struct NetworkFilterConfig: Sendable {
    public enum Kind: Sendable {
        /// `type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`.
        case tcpProxy(TcpProxyConfig)
        /// `type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`.
        case httpConnectionManager(HttpConnectionManagerConfig)
        /// `type.googleapis.com/envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit`.
        case connectionLimit(ConnectionLimitConfig)
    }

    /// Whether the filter ends a chain (Envoy's terminal filters), so must be its last.
    public var isTerminal: Bool {
        if case .connectionLimit = kind { return false }
        return true
    }

    /// `name`, e.g. `envoy.filters.network.tcp_proxy`; any non-empty name (it names the filter in stats and
    /// EnvoyFilter matches, it does not pick it).
    public var name: String
    /// The decoded `typed_config`.
    public var kind: Kind
    public var origin: ConfigOrigin

    public init(name: String, kind: Kind, origin: ConfigOrigin) {
        self.name = name
        self.kind = kind
        self.origin = origin
    }
}

/// `envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`.
public struct TcpProxyConfig: Sendable {
    public static let typeURL = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"
    /// The canonical name of the filter, which Istio gives it and EnvoyFilters match.
    public static let filterName = "envoy.filters.network.tcp_proxy"
    /// Envoy's default `idle_timeout`: one hour.
    public static let defaultIdleTimeout: Duration = .seconds(3600)

    /// `stat_prefix`: the prefix of this proxy's statistics (`tcp.<stat_prefix>.…`).
    public var statPrefix: String
    /// `cluster`: the upstream cluster's name.
    public var cluster: String
    /// `idle_timeout`: close both sides after this long without bytes in either direction; `nil` when `0s` turned it
    /// off. Envoy's default: 1 h.
    public var idleTimeout: Duration?
    public var origin: ConfigOrigin
    /// Where `cluster` was written, for errors about it.
    public var clusterOrigin: ConfigOrigin

    public init(
        statPrefix: String,
        cluster: String,
        idleTimeout: Duration? = TcpProxyConfig.defaultIdleTimeout,
        origin: ConfigOrigin,
        clusterOrigin: ConfigOrigin
    ) {
        self.statPrefix = statPrefix
        self.cluster = cluster
        self.idleTimeout = idleTimeout
        self.origin = origin
        self.clusterOrigin = clusterOrigin
    }
}
