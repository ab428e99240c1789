public import LifelineConfig
public import LifelineSocket

/// The resolved gateway: plain data that `check` prints and the runtime runs.
///
/// Every named option is compiled down to literal socket options here, so what is printed is what is applied.
public struct GatewayPlan: Sendable, Hashable {
    public var admin: AdminPlan?
    public var listeners: [ListenerPlan]
    public var clusters: [ClusterPlan]
    /// The cap on downstream connections of all listeners together, from `overload_manager` or Lifeline's default.
    public var maxDownstreamConnections: ConnectionLimitPlan

    public init(
        admin: AdminPlan? = nil,
        listeners: [ListenerPlan],
        clusters: [ClusterPlan],
        maxDownstreamConnections: ConnectionLimitPlan = .defaultLimit(openFilesLimit: nil)
    ) {
        self.admin = admin
        self.listeners = listeners
        self.clusters = clusters
        self.maxDownstreamConnections = maxDownstreamConnections
    }

    public func cluster(named name: String) -> ClusterPlan? {
        clusters.first { $0.name == name }
    }
}

/// Where the admin endpoint listens.
public struct AdminPlan: Sendable, Hashable {
    public var address: IPEndpoint
}

/// One listener: its address, its socket options by state, and what it proxies to.
public struct ListenerPlan: Sendable, Hashable {
    public var name: String
    public var address: IPEndpoint
    /// One listening socket per event loop with SO_REUSEPORT, or one shared socket.
    public var reusePort: Bool
    public var bufferLimitBytes: Int
    /// The `listen(2)` backlog.
    public var backlog: Int32
    /// Literal options in the order they are applied: by state, then as ``SocketOptionSequence`` orders them. The
    /// last one for a (level, name) is the value the socket keeps.
    public var socketOptions: [PlannedSocketOption]
    /// `filter_chains`, in config order; a connection is given to the one `FilterChainSelector` picks.
    public var filterChains: [FilterChainPlan] = []
    /// `default_filter_chain`: for a connection no chain matches; nil closes it (`no_filter_chain_match`).
    public var defaultFilterChain: FilterChainPlan?
    /// `listener_filters`, `listener_filters_timeout`, `continue_on_listener_filters_timeout`.
    public var listenerFilters = ListenerFiltersPlan()
    /// `stat_prefix`: the name of the listener's stats scope when set, else its address (`0.0.0.0_10000`).
    public var statPrefix: String? = nil
    public var origin: ConfigOrigin

    /// The options the lifecycle driver applies.
    public var stagedOptions: [StagedSocketOption] {
        socketOptions.map(\.staged)
    }
}

/// A literal socket option with where it came from.
public struct PlannedSocketOption: Sendable, Hashable {
    public var option: SocketOption
    /// The config's `description`, if any.
    public var description: String?
    /// `default`, `enable_reuse_port`, or the path of the `socket_options` entry.
    public var source: String
    /// How the config spelled it, e.g. `level 1 name 9`, when it used numbers.
    public var written: String?
    /// What this option replaced, applied earlier on the same socket:
    /// `120 at STATE_PREBIND from static_resources.listeners[0].socket_options[1]`.
    public var overrides: [String]
    /// For an option set more than once on a socket: whether this is the value the socket keeps (the last applied).
    /// Nil when nothing else sets the same option.
    public var kept: Bool?
    /// For an option that is applied and then replaced: the one applied after it.
    public var replacedBy: String?

    public init(
        option: SocketOption,
        description: String? = nil,
        source: String,
        written: String? = nil,
        overrides: [String] = []
    ) {
        self.option = option
        self.description = description
        self.source = source
        self.written = written
        self.overrides = overrides
        self.kept = nil
        self.replacedBy = nil
    }

    public var staged: StagedSocketOption {
        StagedSocketOption(option: option, source: source)
    }
}

/// `envoy.filters.network.tcp_proxy`, resolved.
public struct TcpProxyPlan: Sendable, Hashable {
    public var statPrefix: String
    public var cluster: String
    /// `nil`: no idle timeout.
    public var idleTimeout: Duration?

    public init(statPrefix: String, cluster: String, idleTimeout: Duration? = TcpProxyConfig.defaultIdleTimeout) {
        self.statPrefix = statPrefix
        self.cluster = cluster
        self.idleTimeout = idleTimeout
    }
}

/// An upstream cluster, resolved.
public struct ClusterPlan: Sendable, Hashable {
    public var name: String
    public var type: ClusterConfig.DiscoveryType
    public var connectTimeout: Duration
    public var lbPolicy: ClusterConfig.LoadBalancingPolicy
    /// Host (IP literal or DNS name) and port, in config order.
    public var endpoints: [EndpointPlan]
    public var bufferLimitBytes: Int
    /// Options set on every upstream socket before it connects (keepalive, TCP_USER_TIMEOUT), in the order applied.
    public var upstreamSocketOptions: [PlannedSocketOption]
    /// `transport_socket` `envoy.transport_sockets.tls`: TLS to the endpoints; nil sends bytes as they are.
    public var tls: UpstreamTlsPlan? = nil
    /// How HTTP is spoken to the endpoints when an `http_connection_manager` routes to the cluster.
    public var http = UpstreamHttpPlan()
    public var origin: ConfigOrigin
}

/// One upstream endpoint as configured.
public struct EndpointPlan: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
