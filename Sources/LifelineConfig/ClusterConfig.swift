/// `envoy.config.cluster.v3.Cluster`: a named set of upstream endpoints.
public struct ClusterConfig: Sendable {
    /// `type`: how endpoints are found.
    public enum DiscoveryType: Int, Sendable, Hashable {
        /// `STATIC` (0): endpoint addresses are IP literals.
        case staticAddresses = 0
        /// `STRICT_DNS` (1): host names, resolved when Lifeline starts; every address is an endpoint.
        case strictDNS = 1
        /// `LOGICAL_DNS` (2): host names, resolved when Lifeline starts; the first address is the endpoint.
        case logicalDNS = 2

        public static let protoNames: KeyValuePairs<String, Int> = ["STATIC": 0, "STRICT_DNS": 1, "LOGICAL_DNS": 2]

        public var protoName: String {
            switch self {
            case .staticAddresses: "STATIC"
            case .strictDNS: "STRICT_DNS"
            case .logicalDNS: "LOGICAL_DNS"
            }
        }
    }

    /// `lb_policy`.
    public enum LoadBalancingPolicy: Int, Sendable, Hashable {
        /// `ROUND_ROBIN` (0), Envoy's default.
        case roundRobin = 0
        /// `RANDOM` (3).
        case random = 3

        public static let protoNames: KeyValuePairs<String, Int> = ["ROUND_ROBIN": 0, "RANDOM": 3]

        public var protoName: String {
            switch self {
            case .roundRobin: "ROUND_ROBIN"
            case .random: "RANDOM"
            }
        }
    }

    /// Envoy's default `connect_timeout`: 5 s.
    public static let defaultConnectTimeout: Duration = .seconds(5)

    /// `name`.
    public var name: String
    /// `type`. Envoy's default: STATIC.
    public var type: DiscoveryType
    /// `connect_timeout`: how long a TCP connect to an endpoint may take (connect(2)).
    public var connectTimeout: Duration
    /// `lb_policy`. Envoy's default: ROUND_ROBIN.
    public var lbPolicy: LoadBalancingPolicy
    /// `load_assignment.endpoints[].lb_endpoints[].endpoint.address.socket_address`, flattened in order.
    public var endpoints: [SocketAddressConfig]
    /// `per_connection_buffer_limit_bytes` for upstream connections. Envoy's default: 1 MiB.
    public var perConnectionBufferLimitBytes: Int
    /// `upstream_connection_options.tcp_keepalive`: keepalive on connections to the endpoints, set before connect.
    /// As in Envoy, it sets SO_KEEPALIVE and only the fields given (the rest stay the kernel's). Absent, and no other
    /// keepalive setting: Lifeline's defaults (on, 15 s / 15 s / 3).
    public var upstreamTcpKeepalive: TcpKeepaliveConfig?
    /// `upstream_connection_options.tcp_user_timeout` (Lifeline extension): TCP_USER_TIMEOUT for upstream
    /// connections (tcp(7)); `0s` turns it off. Absent: T + I × N with Lifeline's default keepalive, else not set.
    public var upstreamTcpUserTimeout: Duration?
    /// Where `upstream_connection_options.tcp_user_timeout` was written.
    public var upstreamTcpUserTimeoutOrigin: ConfigOrigin?
    /// Where `upstream_connection_options` was written (or the cluster, when absent).
    public var upstreamConnectionOptionsOrigin: ConfigOrigin?
    /// `transport_socket`: `UpstreamTlsContext` for TLS to the endpoints; nil (or `RawBuffer`) sends bytes as they are.
    public var transportSocket: TransportSocketConfig<UpstreamTlsContextConfig>?
    /// `typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]`, or the
    /// deprecated cluster-level `http2_protocol_options` (which Envoy 1.40 still reads, with a warning): how an
    /// http_connection_manager speaks HTTP to the endpoints. Nil: HTTP/1.1 with Envoy's defaults.
    public var httpProtocolOptions: UpstreamHttpProtocolOptionsConfig?
    public var origin: ConfigOrigin

    public init(
        name: String,
        type: DiscoveryType = .staticAddresses,
        connectTimeout: Duration = ClusterConfig.defaultConnectTimeout,
        lbPolicy: LoadBalancingPolicy = .roundRobin,
        endpoints: [SocketAddressConfig] = [],
        perConnectionBufferLimitBytes: Int = ListenerConfig.defaultBufferLimitBytes,
        origin: ConfigOrigin
    ) {
        self.name = name
        self.type = type
        self.connectTimeout = connectTimeout
        self.lbPolicy = lbPolicy
        self.endpoints = endpoints
        self.perConnectionBufferLimitBytes = perConnectionBufferLimitBytes
        self.origin = origin
        self.upstreamTcpKeepalive = nil
        self.upstreamTcpUserTimeout = nil
        self.upstreamTcpUserTimeoutOrigin = nil
        self.upstreamConnectionOptionsOrigin = nil
        self.transportSocket = nil
        self.httpProtocolOptions = nil
    }
}
