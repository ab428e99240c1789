/// `envoy.config.route.v3.RouteConfiguration`, written inline as an http_connection_manager's `route_config`.
public struct RouteConfigurationConfig: Sendable {
    /// Envoy's default `max_direct_response_body_size_bytes`.
    public static let maxDirectResponseBodyBytes = 4096

    /// `name`.
    public var name: String?
    /// `virtual_hosts`.
    public var virtualHosts: [VirtualHostConfig]
    /// `request_headers_to_add`/`…_to_remove`, `response_headers_to_add`/`…_to_remove`.
    public var headers: HeaderMutationConfig
    /// `most_specific_header_mutations_wins`: apply the route configuration's mutations first and the route's last,
    /// instead of the other way round.
    public var mostSpecificHeaderMutationsWins: Bool
    /// `ignore_port_in_host_matching`: the Host's port is dropped before domains are compared.
    public var ignorePortInHostMatching = false
    public var origin: ConfigOrigin

    public init(
        name: String? = nil,
        virtualHosts: [VirtualHostConfig],
        headers: HeaderMutationConfig = HeaderMutationConfig(),
        mostSpecificHeaderMutationsWins: Bool = false,
        origin: ConfigOrigin
    ) {
        self.name = name
        self.virtualHosts = virtualHosts
        self.headers = headers
        self.mostSpecificHeaderMutationsWins = mostSpecificHeaderMutationsWins
        self.origin = origin
    }
}

/// `envoy.config.route.v3.VirtualHost`.
public struct VirtualHostConfig: Sendable {
    public var name: String
    /// `domains`, lower-cased (Envoy compares them with the lower-cased `Host`).
    public var domains: [String]
    public var routes: [RouteConfig]
    public var headers: HeaderMutationConfig
    public var origin: ConfigOrigin
    /// Where each of `domains` is written.
    public var domainOrigins: [ConfigOrigin] = []

    public init(
        name: String,
        domains: [String],
        routes: [RouteConfig],
        headers: HeaderMutationConfig = HeaderMutationConfig(),
        origin: ConfigOrigin
    ) {
        self.name = name
        self.domains = domains
        self.routes = routes
        self.headers = headers
        self.origin = origin
    }
}

/// `envoy.config.route.v3.Route`.
public struct RouteConfig: Sendable {
    /// What the route does: `route`, `direct_response` or `redirect`.
    public enum Action: Sendable {
        case forward(ForwardConfig)
        case directResponse(DirectResponseConfig)
        case redirect(RedirectConfig)
    }

    public var name: String?
    public var match: RouteMatchConfig
    public var action: Action
    public var headers: HeaderMutationConfig
    public var origin: ConfigOrigin

    public init(
        name: String? = nil,
        match: RouteMatchConfig,
        action: Action,
        headers: HeaderMutationConfig = HeaderMutationConfig(),
        origin: ConfigOrigin
    ) {
        self.name = name
        self.match = match
        self.action = action
        self.headers = headers
        self.origin = origin
    }
}

/// `envoy.config.route.v3.RouteMatch`.
public struct RouteMatchConfig: Sendable {
    /// The path specifier.
    public enum Path: Sendable, Hashable {
        /// `prefix`.
        case prefix(String)
        /// `path`.
        case path(String)
        /// `safe_regex.regex`.
        case regex(String)
    }

    public var path: Path
    /// `case_sensitive`; nil when not written (true).
    public var caseSensitive: Bool?
    public var headers: [HeaderMatcherConfig]
    /// `grpc: {}`.
    public var grpc: Bool

    public init(path: Path, caseSensitive: Bool? = nil, headers: [HeaderMatcherConfig] = [], grpc: Bool = false) {
        self.path = path
        self.caseSensitive = caseSensitive
        self.headers = headers
        self.grpc = grpc
    }
}

/// `envoy.config.route.v3.HeaderMatcher`.
public struct HeaderMatcherConfig: Sendable, Hashable {
    public enum Match: Sendable, Hashable {
        case exact(String)
        case prefix(String)
        case suffix(String)
        case contains(String)
        case regex(String)
        case present(Bool)
    }

    /// Lower-cased.
    public var name: String
    public var match: Match
    /// `invert_match`.
    public var invert: Bool
    /// `string_match.ignore_case`.
    public var ignoreCase: Bool

    public init(name: String, match: Match, invert: Bool = false, ignoreCase: Bool = false) {
        self.name = name
        self.match = match
        self.invert = invert
        self.ignoreCase = ignoreCase
    }
}

/// `envoy.config.route.v3.RouteAction` (a route's `route`).
public struct ForwardConfig: Sendable {
    /// `cluster` (weight 1) or `weighted_clusters.clusters`.
    public var clusters: [WeightedClusterConfig]
    /// `timeout`.
    public var timeout: DurationSetting?
    /// `idle_timeout`.
    public var idleTimeout: DurationSetting?
    /// `prefix_rewrite`.
    public var prefixRewrite: String?
    /// `host_rewrite_literal`.
    public var hostRewriteLiteral: String?
    /// `max_stream_duration`.
    public var maxStreamDuration: MaxStreamDurationConfig?

    public init(clusters: [WeightedClusterConfig]) {
        self.clusters = clusters
    }
}

/// One `weighted_clusters.clusters` entry, or a route's `cluster` with weight 1.
public struct WeightedClusterConfig: Sendable {
    public var name: String
    public var weight: Int
    public var headers: HeaderMutationConfig
    /// Where the cluster's name is written, for the unknown-cluster error.
    public var nameOrigin: ConfigOrigin

    public init(
        name: String,
        weight: Int = 1,
        headers: HeaderMutationConfig = HeaderMutationConfig(),
        nameOrigin: ConfigOrigin
    ) {
        self.name = name
        self.weight = weight
        self.headers = headers
        self.nameOrigin = nameOrigin
    }
}

/// `envoy.config.route.v3.RouteAction.MaxStreamDuration`.
public struct MaxStreamDurationConfig: Sendable {
    /// `max_stream_duration`.
    public var maxStreamDuration: DurationSetting?
    /// `grpc_timeout_header_max`.
    public var grpcTimeoutHeaderMax: DurationSetting?
    /// `grpc_timeout_header_offset`.
    public var grpcTimeoutHeaderOffset: DurationSetting?
    public var origin: ConfigOrigin

    public init(origin: ConfigOrigin) {
        self.origin = origin
    }
}

/// `envoy.config.route.v3.DirectResponseAction`.
public struct DirectResponseConfig: Sendable {
    /// `status` (200...599).
    public var status: Int
    /// `body`.
    public var body: DataSourceConfig?

    public init(status: Int, body: DataSourceConfig? = nil) {
        self.status = status
        self.body = body
    }
}

/// `envoy.config.route.v3.RedirectAction`.
public struct RedirectConfig: Sendable {
    /// `response_code`.
    public static let responseCodes: KeyValuePairs<String, Int> = [
        "MOVED_PERMANENTLY": 0, "FOUND": 1, "SEE_OTHER": 2, "TEMPORARY_REDIRECT": 3, "PERMANENT_REDIRECT": 4,
    ]
    /// The status of each `response_code` number.
    public static let statusCodes = [301, 302, 303, 307, 308]

    /// `scheme_redirect`, or `https` for `https_redirect: true`.
    public var scheme: String?
    /// `host_redirect`.
    public var host: String?
    /// `port_redirect`.
    public var port: Int?
    /// `path_redirect`.
    public var path: String?
    /// `prefix_rewrite`.
    public var prefixRewrite: String?
    /// The HTTP status `response_code` names (301 when not written).
    public var responseCode: Int
    /// `strip_query`.
    public var stripQuery: Bool

    public init(
        scheme: String? = nil,
        host: String? = nil,
        port: Int? = nil,
        path: String? = nil,
        prefixRewrite: String? = nil,
        responseCode: Int = 301,
        stripQuery: Bool = false
    ) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.prefixRewrite = prefixRewrite
        self.responseCode = responseCode
        self.stripQuery = stripQuery
    }
}

/// `request_headers_to_add`, `request_headers_to_remove`, `response_headers_to_add`, `response_headers_to_remove`.
public struct HeaderMutationConfig: Sendable, Hashable {
    public var requestHeadersToAdd: [HeaderValueOptionConfig]
    /// Lower-cased.
    public var requestHeadersToRemove: [String]
    public var responseHeadersToAdd: [HeaderValueOptionConfig]
    /// Lower-cased.
    public var responseHeadersToRemove: [String]

    public init(
        requestHeadersToAdd: [HeaderValueOptionConfig] = [],
        requestHeadersToRemove: [String] = [],
        responseHeadersToAdd: [HeaderValueOptionConfig] = [],
        responseHeadersToRemove: [String] = []
    ) {
        self.requestHeadersToAdd = requestHeadersToAdd
        self.requestHeadersToRemove = requestHeadersToRemove
        self.responseHeadersToAdd = responseHeadersToAdd
        self.responseHeadersToRemove = responseHeadersToRemove
    }
}

/// `envoy.config.core.v3.HeaderValueOption`.
public struct HeaderValueOptionConfig: Sendable, Hashable {
    /// `append_action`.
    public enum AppendAction: Int, Sendable, Hashable {
        case appendIfExistsOrAdd = 0
        case addIfAbsent = 1
        case overwriteIfExistsOrAdd = 2
        case overwriteIfExists = 3

        public static let protoNames: KeyValuePairs<String, Int> = [
            "APPEND_IF_EXISTS_OR_ADD": 0, "ADD_IF_ABSENT": 1, "OVERWRITE_IF_EXISTS_OR_ADD": 2,
            "OVERWRITE_IF_EXISTS": 3,
        ]
    }

    /// `header.key`, lower-cased.
    public var name: String
    /// `header.value`.
    public var value: String
    /// `append_action`, or what the deprecated `append` means (true: append, false: overwrite).
    public var appendAction: AppendAction
    /// `keep_empty_value`.
    public var keepEmptyValue: Bool

    public init(
        name: String,
        value: String,
        appendAction: AppendAction = .appendIfExistsOrAdd,
        keepEmptyValue: Bool = false
    ) {
        self.name = name
        self.value = value
        self.appendAction = appendAction
        self.keepEmptyValue = keepEmptyValue
    }
}
