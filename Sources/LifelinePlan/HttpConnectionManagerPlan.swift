public import LifelineConfig

/// The network filter that ends a filter chain.
public enum NetworkFilterPlan: Sendable, Hashable {
    /// `envoy.filters.network.tcp_proxy`: bytes both ways to one cluster.
    case tcpProxy(TcpProxyPlan)
    /// `envoy.filters.network.http_connection_manager`: HTTP/1.1 and HTTP/2 requests routed to clusters.
    case httpConnectionManager(HttpConnectionManagerPlan)
}

/// `envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`, resolved: Envoy's defaults
/// filled in where the config is silent, a `0s` that turns a timeout off as nil.
public struct HttpConnectionManagerPlan: Sendable, Hashable {
    /// `codec_type`.
    public enum CodecType: Sendable, Hashable {
        /// `AUTO` (Envoy's default): HTTP/2 when TLS negotiated ALPN `h2` or the connection opens with the HTTP/2
        /// preface (h2c with prior knowledge), HTTP/1.1 otherwise.
        case auto
        /// `HTTP1`.
        case http1
        /// `HTTP2`.
        case http2
    }

    /// `common_http_protocol_options.headers_with_underscores_action`.
    public enum HeadersWithUnderscoresAction: Sendable, Hashable {
        /// `ALLOW` (Envoy's default).
        case allow
        /// `REJECT_REQUEST`: 400 (HTTP/1.1) or a stream reset (HTTP/2).
        case rejectRequest
        /// `DROP_HEADER`: the header is removed from the request.
        case dropHeader
    }

    /// A field whose value `check` and `explain` trace to where it is written.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case codecType = "codec_type"
        case streamIdleTimeout = "stream_idle_timeout"
        case requestTimeout = "request_timeout"
        case requestHeadersTimeout = "request_headers_timeout"
        case maxRequestHeadersKb = "max_request_headers_kb"
        case idleTimeout = "common_http_protocol_options.idle_timeout"
        case maxConnectionDuration = "common_http_protocol_options.max_connection_duration"
        case maxStreamDuration = "common_http_protocol_options.max_stream_duration"
        case maxRequestsPerConnection = "common_http_protocol_options.max_requests_per_connection"
    }

    /// Envoy's default `stream_idle_timeout`: 5 minutes.
    public static let defaultStreamIdleTimeout: Duration = .seconds(300)
    /// Envoy's default downstream `common_http_protocol_options.idle_timeout`: 1 hour.
    public static let defaultIdleTimeout: Duration = .seconds(3600)
    /// Envoy's default `max_request_headers_kb`: 60.
    public static let defaultMaxRequestHeadersKb = 60

    /// `stat_prefix`: stats are `http.<stat_prefix>.…`.
    public var statPrefix: String
    public var codecType: CodecType
    /// `route_config` (inline).
    public var routeConfig: RouteConfigurationPlan
    /// `stream_idle_timeout`: a stream with no activity (no byte either way) for this long is ended (408 before the
    /// response started, a reset after); nil when `0s` turned it off. A route's `idle_timeout` overrides it.
    public var streamIdleTimeout: Duration?
    /// `request_timeout`: the whole request (headers and body) must arrive within this; nil (Envoy's default) is off.
    public var requestTimeout: Duration?
    /// `request_headers_timeout`: the request headers must arrive within this; nil (Envoy's default) is off.
    public var requestHeadersTimeout: Duration?
    /// `max_request_headers_kb`: larger request headers get 431 (HTTP/1.1) or a reset (HTTP/2).
    public var maxRequestHeadersKb: Int
    /// `common_http_protocol_options.idle_timeout`: a connection with no active stream for this long is closed
    /// (HTTP/2: GOAWAY first); nil when `0s` turned it off.
    public var idleTimeout: Duration?
    /// `common_http_protocol_options.max_connection_duration`: a connection is drained after this long; nil is off.
    public var maxConnectionDuration: Duration?
    /// `common_http_protocol_options.max_stream_duration`: every stream is reset after this long (a route's
    /// `max_stream_duration` overrides it); nil is off.
    public var maxStreamDuration: Duration?
    /// `common_http_protocol_options.max_requests_per_connection`: the connection is drained after this many
    /// requests; nil is unlimited.
    public var maxRequestsPerConnection: Int?
    /// Where each ``Field`` written in the config is written; a field not here has Envoy's default.
    public var fieldOrigins: [Field: ConfigOrigin]
    public var headersWithUnderscoresAction: HeadersWithUnderscoresAction
    /// `use_remote_address`: the peer's address is the client's (appended to `x-forwarded-for`, which is otherwise
    /// trusted as it came, with `xff_num_trusted_hops`).
    public var useRemoteAddress: Bool
    /// `xff_num_trusted_hops`.
    public var xffNumTrustedHops: Int
    /// `http2_protocol_options` for downstream HTTP/2 connections.
    public var http2: Http2ProtocolOptionsPlan
    public var origin: ConfigOrigin

    public init(
        statPrefix: String,
        codecType: CodecType = .auto,
        routeConfig: RouteConfigurationPlan,
        streamIdleTimeout: Duration? = HttpConnectionManagerPlan.defaultStreamIdleTimeout,
        requestTimeout: Duration? = nil,
        requestHeadersTimeout: Duration? = nil,
        maxRequestHeadersKb: Int = HttpConnectionManagerPlan.defaultMaxRequestHeadersKb,
        idleTimeout: Duration? = HttpConnectionManagerPlan.defaultIdleTimeout,
        maxConnectionDuration: Duration? = nil,
        maxStreamDuration: Duration? = nil,
        maxRequestsPerConnection: Int? = nil,
        headersWithUnderscoresAction: HeadersWithUnderscoresAction = .allow,
        useRemoteAddress: Bool = false,
        xffNumTrustedHops: Int = 0,
        http2: Http2ProtocolOptionsPlan = Http2ProtocolOptionsPlan(),
        fieldOrigins: [Field: ConfigOrigin] = [:],
        origin: ConfigOrigin
    ) {
        self.statPrefix = statPrefix
        self.codecType = codecType
        self.routeConfig = routeConfig
        self.streamIdleTimeout = streamIdleTimeout
        self.requestTimeout = requestTimeout
        self.requestHeadersTimeout = requestHeadersTimeout
        self.maxRequestHeadersKb = maxRequestHeadersKb
        self.idleTimeout = idleTimeout
        self.maxConnectionDuration = maxConnectionDuration
        self.maxStreamDuration = maxStreamDuration
        self.maxRequestsPerConnection = maxRequestsPerConnection
        self.fieldOrigins = fieldOrigins
        self.headersWithUnderscoresAction = headersWithUnderscoresAction
        self.useRemoteAddress = useRemoteAddress
        self.xffNumTrustedHops = xffNumTrustedHops
        self.http2 = http2
        self.origin = origin
    }
}

/// `envoy.config.core.v3.Http2ProtocolOptions`, resolved with Envoy's defaults.
public struct Http2ProtocolOptionsPlan: Sendable, Hashable {
    /// Envoy's default `max_concurrent_streams`: 2147483647.
    public static let defaultMaxConcurrentStreams = 2_147_483_647
    /// Envoy's default `initial_stream_window_size`: 256 MiB.
    public static let defaultInitialStreamWindowSize = 268_435_456
    /// Envoy's default `initial_connection_window_size`: 256 MiB.
    public static let defaultInitialConnectionWindowSize = 268_435_456
    /// Envoy's default `max_outbound_control_frames`.
    public static let defaultMaxOutboundControlFrames = 1000
    /// Envoy's default `max_consecutive_inbound_frames_with_empty_payload`.
    public static let defaultMaxConsecutiveInboundFramesWithEmptyPayload = 1

    /// `max_concurrent_streams`: advertised to the peer (downstream), respected per connection (upstream).
    public var maxConcurrentStreams: Int
    /// `initial_stream_window_size`.
    public var initialStreamWindowSize: Int
    /// `initial_connection_window_size`.
    public var initialConnectionWindowSize: Int
    /// `connection_keepalive`: HTTP/2 PINGs; nil sends none.
    public var keepalive: Http2KeepalivePlan?
    /// `max_outbound_control_frames`: control frames queued for a peer that does not read; one more ends the
    /// connection with GOAWAY (`http2.outbound_control_flood`).
    public var maxOutboundControlFrames: Int
    /// `max_consecutive_inbound_frames_with_empty_payload`: one more empty DATA frame in a row ends the connection
    /// with GOAWAY (`http2.inbound_empty_frames_flood`).
    public var maxConsecutiveInboundFramesWithEmptyPayload: Int
    /// Where `http2_protocol_options` is written; nil when the config is silent.
    public var origin: ConfigOrigin?

    public init(
        maxConcurrentStreams: Int = Http2ProtocolOptionsPlan.defaultMaxConcurrentStreams,
        initialStreamWindowSize: Int = Http2ProtocolOptionsPlan.defaultInitialStreamWindowSize,
        initialConnectionWindowSize: Int = Http2ProtocolOptionsPlan.defaultInitialConnectionWindowSize,
        keepalive: Http2KeepalivePlan? = nil,
        maxOutboundControlFrames: Int = Http2ProtocolOptionsPlan.defaultMaxOutboundControlFrames,
        maxConsecutiveInboundFramesWithEmptyPayload: Int =
            Http2ProtocolOptionsPlan.defaultMaxConsecutiveInboundFramesWithEmptyPayload,
        origin: ConfigOrigin? = nil
    ) {
        self.maxConcurrentStreams = maxConcurrentStreams
        self.initialStreamWindowSize = initialStreamWindowSize
        self.initialConnectionWindowSize = initialConnectionWindowSize
        self.keepalive = keepalive
        self.maxOutboundControlFrames = maxOutboundControlFrames
        self.maxConsecutiveInboundFramesWithEmptyPayload = maxConsecutiveInboundFramesWithEmptyPayload
        self.origin = origin
    }
}

/// `envoy.config.core.v3.KeepaliveSettings`, Envoy's meaning: a PING every `interval` (± `intervalJitterPercent`);
/// when nothing at all is received within `timeout` of a PING, the connection is closed
/// (`http2.keepalive_timeout`).
public struct Http2KeepalivePlan: Sendable, Hashable {
    /// `interval`; nil sends no periodic PING (only the `connectionIdleInterval` one).
    public var interval: Duration?
    /// `timeout` (required by Envoy).
    public var timeout: Duration
    /// `interval_jitter` percent; Envoy's default 15.
    public var intervalJitterPercent: Double
    /// `connection_idle_interval`: before a stream is started on a connection idle this long, a PING checks it
    /// (upstream); nil is off.
    public var connectionIdleInterval: Duration?
    public var origin: ConfigOrigin?

    public init(
        interval: Duration?,
        timeout: Duration,
        intervalJitterPercent: Double = 15,
        connectionIdleInterval: Duration? = nil,
        origin: ConfigOrigin? = nil
    ) {
        self.interval = interval
        self.timeout = timeout
        self.intervalJitterPercent = intervalJitterPercent
        self.connectionIdleInterval = connectionIdleInterval
        self.origin = origin
    }
}

/// How a cluster's upstream connections speak HTTP (`typed_extension_protocol_options`
/// `envoy.extensions.upstreams.http.v3.HttpProtocolOptions`), resolved.
public struct UpstreamHttpPlan: Sendable, Hashable {
    /// Envoy's default upstream `common_http_protocol_options.idle_timeout`: 1 hour.
    public static let defaultIdleTimeout: Duration = .seconds(3600)
    /// Lifeline's upstream HTTP/2 PING policy where the cluster's `connection_keepalive` is silent (Envoy sends no
    /// PING then): a PING only after `interval` (300 s) without any frame received while streams are active, the
    /// connection closed when nothing arrives within `timeout` (20 s) of it; a connection without streams is never
    /// pinged. gRPC servers accept a PING no more often than every 5 minutes without data and strike PINGs on
    /// connections without calls (unless `permit_without_calls`), so this never earns a GOAWAY `too_many_pings`.
    public static let defaultLifelineHttp2Keepalive = Http2KeepalivePlan(
        interval: .seconds(300),
        timeout: .seconds(20),
        intervalJitterPercent: 0
    )
    /// Envoy's default circuit breakers (`circuit_breakers` silent), per cluster: 1024 connections, 1024 pending
    /// requests, 1024 active requests.
    public static let defaultMaxConnections = 1024
    public static let defaultMaxPendingRequests = 1024
    public static let defaultMaxRequests = 1024

    /// `explicit_http_config.http2_protocol_options`: HTTP/2 to the endpoints (streams multiplexed on shared
    /// connections); nil is HTTP/1.1 (a keep-alive pool per endpoint), Envoy's default.
    public var http2: Http2ProtocolOptionsPlan?
    /// `common_http_protocol_options.idle_timeout`: a pooled connection without streams for this long is closed;
    /// nil when `0s` turned it off.
    public var idleTimeout: Duration?
    /// `common_http_protocol_options.max_requests_per_connection`; nil is unlimited.
    public var maxRequestsPerConnection: Int?
    public var origin: ConfigOrigin?

    public init(
        http2: Http2ProtocolOptionsPlan? = nil,
        idleTimeout: Duration? = UpstreamHttpPlan.defaultIdleTimeout,
        maxRequestsPerConnection: Int? = nil,
        origin: ConfigOrigin? = nil
    ) {
        self.http2 = http2
        self.idleTimeout = idleTimeout
        self.maxRequestsPerConnection = maxRequestsPerConnection
        self.origin = origin
    }
}
