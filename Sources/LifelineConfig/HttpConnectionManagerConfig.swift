/// `envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`, as written: a field the config
/// leaves out is nil here, and the plan fills in Envoy's default.
public struct HttpConnectionManagerConfig: Sendable {
    public static let typeURL =
        "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
    /// The canonical name of the filter, which Istio gives it and EnvoyFilters match.
    public static let filterName = "envoy.filters.network.http_connection_manager"
    /// The one HTTP filter Lifeline runs, which must end `http_filters`.
    public static let routerTypeURL = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
    public static let routerName = "envoy.filters.http.router"

    /// `codec_type`.
    public enum CodecType: Int, Sendable, Hashable {
        case auto = 0
        case http1 = 1
        case http2 = 2

        /// `HTTP3` (3) is in Envoy's enum too; Lifeline has no QUIC listener, so it is rejected by name.
        public static let protoNames: KeyValuePairs<String, Int> = ["AUTO": 0, "HTTP1": 1, "HTTP2": 2, "HTTP3": 3]
    }

    /// `stat_prefix`.
    public var statPrefix: String
    /// `codec_type`; nil when not written (AUTO).
    public var codecType: CodecType?
    /// `http_filters[].name`, in order; the last is the router.
    public var httpFilterNames: [String]
    /// `route_config`.
    public var routeConfig: RouteConfigurationConfig
    /// `stream_idle_timeout`.
    public var streamIdleTimeout: DurationSetting?
    /// `request_timeout`.
    public var requestTimeout: DurationSetting?
    /// `request_headers_timeout`.
    public var requestHeadersTimeout: DurationSetting?
    /// `max_request_headers_kb` (1...8192).
    public var maxRequestHeadersKb: Int?
    /// `common_http_protocol_options`.
    public var common: CommonHttpProtocolOptionsConfig?
    /// `http2_protocol_options`.
    public var http2: Http2ProtocolOptionsConfig?
    /// `use_remote_address`.
    public var useRemoteAddress: Bool?
    /// `xff_num_trusted_hops`.
    public var xffNumTrustedHops: Int?
    public var origin: ConfigOrigin

    public init(
        statPrefix: String,
        codecType: CodecType? = nil,
        httpFilterNames: [String] = [HttpConnectionManagerConfig.routerName],
        routeConfig: RouteConfigurationConfig,
        origin: ConfigOrigin
    ) {
        self.statPrefix = statPrefix
        self.codecType = codecType
        self.httpFilterNames = httpFilterNames
        self.routeConfig = routeConfig
        self.origin = origin
    }
}

/// A duration the config wrote, with where; `0s` is kept as zero (most of Envoy's timeouts read it as "off").
public struct DurationSetting: Sendable, Hashable {
    public var value: Duration
    public var origin: ConfigOrigin

    public init(_ value: Duration, origin: ConfigOrigin) {
        self.value = value
        self.origin = origin
    }

    /// The value, nil for `0s`.
    public var nonZero: Duration? { value == .zero ? nil : value }
}

/// `envoy.config.core.v3.HttpProtocolOptions` (`common_http_protocol_options`).
public struct CommonHttpProtocolOptionsConfig: Sendable {
    /// `headers_with_underscores_action`.
    public enum HeadersWithUnderscoresAction: Int, Sendable, Hashable {
        case allow = 0
        case rejectRequest = 1
        case dropHeader = 2

        public static let protoNames: KeyValuePairs<String, Int> = ["ALLOW": 0, "REJECT_REQUEST": 1, "DROP_HEADER": 2]
    }

    /// `idle_timeout`.
    public var idleTimeout: DurationSetting?
    /// `max_connection_duration`.
    public var maxConnectionDuration: DurationSetting?
    /// `max_stream_duration`.
    public var maxStreamDuration: DurationSetting?
    /// `headers_with_underscores_action`.
    public var headersWithUnderscoresAction: HeadersWithUnderscoresAction?
    /// `max_requests_per_connection`.
    public var maxRequestsPerConnection: Int?
    public var origin: ConfigOrigin

    public init(origin: ConfigOrigin) {
        self.origin = origin
    }
}

/// `envoy.config.core.v3.Http2ProtocolOptions`.
public struct Http2ProtocolOptionsConfig: Sendable {
    /// `max_concurrent_streams` (1...2147483647).
    public var maxConcurrentStreams: Int?
    /// `initial_stream_window_size` (65535...2147483647).
    public var initialStreamWindowSize: Int?
    /// `initial_connection_window_size` (65535...2147483647).
    public var initialConnectionWindowSize: Int?
    /// `connection_keepalive`.
    public var keepalive: Http2KeepaliveConfig?
    /// `max_outbound_control_frames` (at least 1): control frames (PING and SETTINGS acknowledgements, RST_STREAM)
    /// queued for a peer that does not read before the connection is closed as a flood.
    public var maxOutboundControlFrames: Int?
    /// `max_consecutive_inbound_frames_with_empty_payload`: empty DATA (or HEADERS, CONTINUATION) frames in a row
    /// before the connection is closed as a flood.
    public var maxConsecutiveInboundFramesWithEmptyPayload: Int?
    public var origin: ConfigOrigin

    public init(origin: ConfigOrigin) {
        self.origin = origin
    }
}

/// `envoy.config.core.v3.KeepaliveSettings` (`connection_keepalive`).
public struct Http2KeepaliveConfig: Sendable {
    /// `interval`: a PING this often; nil sends none periodically.
    public var interval: Duration?
    /// `timeout` (required).
    public var timeout: Duration
    /// `interval_jitter.value`, percent.
    public var intervalJitterPercent: Double?
    /// `connection_idle_interval`.
    public var connectionIdleInterval: Duration?
    public var origin: ConfigOrigin

    public init(
        interval: Duration?,
        timeout: Duration,
        intervalJitterPercent: Double? = nil,
        connectionIdleInterval: Duration? = nil,
        origin: ConfigOrigin
    ) {
        self.interval = interval
        self.timeout = timeout
        self.intervalJitterPercent = intervalJitterPercent
        self.connectionIdleInterval = connectionIdleInterval
        self.origin = origin
    }
}

/// A cluster's `typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]`, or the
/// deprecated cluster-level `http2_protocol_options`.
public struct UpstreamHttpProtocolOptionsConfig: Sendable {
    public static let typeURL = "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
    public static let extensionName = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

    /// `explicit_http_config.http2_protocol_options`; nil with `http_protocol_options` (HTTP/1.1).
    public var http2: Http2ProtocolOptionsConfig?
    /// `common_http_protocol_options`.
    public var common: CommonHttpProtocolOptionsConfig?
    public var origin: ConfigOrigin

    public init(http2: Http2ProtocolOptionsConfig?, common: CommonHttpProtocolOptionsConfig?, origin: ConfigOrigin) {
        self.http2 = http2
        self.common = common
        self.origin = origin
    }
}
