public import LifelineConfig

/// `envoy.config.route.v3.RouteConfiguration` (inline `route_config`), resolved.
public struct RouteConfigurationPlan: Sendable, Hashable {
    /// `name`; nil when unnamed.
    public var name: String?
    /// `virtual_hosts`, in config order.
    public var virtualHosts: [VirtualHostPlan]
    /// `request_headers_to_add`/`…_to_remove`, `response_headers_to_add`/`…_to_remove` of the whole configuration.
    public var headers: HeaderMutationPlan
    /// `most_specific_header_mutations_wins`: the route's mutations are applied last (and win) instead of the route
    /// configuration's.
    public var mostSpecificHeaderMutationsWins: Bool
    /// `ignore_port_in_host_matching`: virtual hosts are chosen on the Host without its port.
    public var ignorePortInHostMatching = false
    public var origin: ConfigOrigin

    public init(
        name: String? = nil,
        virtualHosts: [VirtualHostPlan],
        headers: HeaderMutationPlan = HeaderMutationPlan(),
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
public struct VirtualHostPlan: Sendable, Hashable {
    public var name: String
    /// `domains`: `*`, `*.suffix` / `*-suffix`, `prefix.*` / `prefix-*`, or exact, each possibly with `:port`;
    /// lower-cased.
    public var domains: [String]
    /// `routes`, in config order: the first whose match holds takes the request.
    public var routes: [RoutePlan]
    public var headers: HeaderMutationPlan
    public var origin: ConfigOrigin

    public init(
        name: String,
        domains: [String],
        routes: [RoutePlan],
        headers: HeaderMutationPlan = HeaderMutationPlan(),
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
public struct RoutePlan: Sendable, Hashable {
    /// `name`; nil when unnamed.
    public var name: String?
    public var match: RouteMatchPlan
    public var action: RouteAction
    public var headers: HeaderMutationPlan
    public var origin: ConfigOrigin

    public init(
        name: String? = nil,
        match: RouteMatchPlan,
        action: RouteAction,
        headers: HeaderMutationPlan = HeaderMutationPlan(),
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
public struct RouteMatchPlan: Sendable, Hashable {
    /// The path specifier (`prefix`, `path`, `safe_regex`), compared with the path without its query string.
    public enum PathMatch: Sendable, Hashable {
        /// `prefix`.
        case prefix(String)
        /// `path`: the whole path.
        case path(String)
        /// `safe_regex.regex`: the whole path must match (RE2 syntax as far as Swift's Regex shares it).
        case regex(String)
    }

    public var path: PathMatch
    /// `case_sensitive` (Envoy's default: true); does not apply to `safe_regex`.
    public var caseSensitive: Bool
    /// `headers`: every one must match.
    public var headers: [HeaderMatcherPlan]
    /// `grpc: {}`: only requests whose `content-type` is `application/grpc` (or `application/grpc+…`).
    public var grpc: Bool

    public init(path: PathMatch, caseSensitive: Bool = true, headers: [HeaderMatcherPlan] = [], grpc: Bool = false) {
        self.path = path
        self.caseSensitive = caseSensitive
        self.headers = headers
        self.grpc = grpc
    }
}

/// `envoy.config.route.v3.HeaderMatcher`.
public struct HeaderMatcherPlan: Sendable, Hashable {
    public enum Match: Sendable, Hashable {
        /// `exact_match` / `string_match.exact`.
        case exact(String)
        /// `prefix_match` / `string_match.prefix`.
        case prefix(String)
        /// `suffix_match` / `string_match.suffix`.
        case suffix(String)
        /// `contains_match` / `string_match.contains`.
        case contains(String)
        /// `safe_regex_match` / `string_match.safe_regex`: the whole value must match.
        case regex(String)
        /// `present_match`: present (true) or absent (false).
        case present(Bool)
    }

    /// Lower-cased header name (`:authority`, `:path`, `:method` and `:scheme` are the pseudo-headers).
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

/// What a route does with the requests it takes.
public enum RouteAction: Sendable, Hashable {
    /// `route`: forward to a cluster.
    case forward(ForwardPlan)
    /// `direct_response`: answer from the gateway.
    case directResponse(DirectResponsePlan)
    /// `redirect`: answer with a redirect.
    case redirect(RedirectPlan)
}

/// `envoy.config.route.v3.RouteAction`.
public struct ForwardPlan: Sendable, Hashable {
    /// Envoy's default route `timeout`: 15 s.
    public static let defaultTimeout: Duration = .seconds(15)

    /// `cluster` (one entry, weight 1) or `weighted_clusters.clusters`.
    public var clusters: [WeightedClusterPlan]
    /// `timeout`: from the end of the request to the end of the response; nil when `0s` turned it off (what Istio
    /// writes for gateway routes). Envoy's default: 15 s, which cuts long-lived gRPC streams.
    public var timeout: Duration?
    /// Where `timeout` was written; nil when Envoy's default applies.
    public var timeoutOrigin: ConfigOrigin?
    /// `idle_timeout`: overrides the connection manager's `stream_idle_timeout` for this route; `.some(nil)` when
    /// `0s` turned it off, nil when not written.
    public var idleTimeout: Duration??
    /// `prefix_rewrite`: replaces the matched prefix (or the whole matched path).
    public var prefixRewrite: String?
    /// `host_rewrite_literal`: the `:authority`/`Host` sent upstream.
    public var hostRewriteLiteral: String?
    /// `max_stream_duration`.
    public var maxStreamDuration: MaxStreamDurationPlan?

    public init(
        clusters: [WeightedClusterPlan],
        timeout: Duration? = ForwardPlan.defaultTimeout,
        timeoutOrigin: ConfigOrigin? = nil,
        idleTimeout: Duration?? = nil,
        prefixRewrite: String? = nil,
        hostRewriteLiteral: String? = nil,
        maxStreamDuration: MaxStreamDurationPlan? = nil
    ) {
        self.clusters = clusters
        self.timeout = timeout
        self.timeoutOrigin = timeoutOrigin
        self.idleTimeout = idleTimeout
        self.prefixRewrite = prefixRewrite
        self.hostRewriteLiteral = hostRewriteLiteral
        self.maxStreamDuration = maxStreamDuration
    }
}

/// One cluster of `weighted_clusters` (or the route's one `cluster`, weight 1).
public struct WeightedClusterPlan: Sendable, Hashable {
    public var cluster: String
    public var weight: Int
    /// The cluster's own `request_headers_to_add`/… .
    public var headers: HeaderMutationPlan

    public init(cluster: String, weight: Int = 1, headers: HeaderMutationPlan = HeaderMutationPlan()) {
        self.cluster = cluster
        self.weight = weight
        self.headers = headers
    }
}

/// `envoy.config.route.v3.RouteAction.MaxStreamDuration`.
public struct MaxStreamDurationPlan: Sendable, Hashable {
    /// `max_stream_duration`: the stream is reset after this long; nil is off.
    public var maxStreamDuration: Duration?
    /// `grpc_timeout_header_max`: the request's `grpc-timeout` is the route's timeout, capped at this (`0s`: no cap);
    /// nil ignores the header.
    public var grpcTimeoutHeaderMax: Duration?
    /// `grpc_timeout_header_offset`: subtracted from `grpc-timeout`.
    public var grpcTimeoutHeaderOffset: Duration?

    public init(
        maxStreamDuration: Duration? = nil,
        grpcTimeoutHeaderMax: Duration? = nil,
        grpcTimeoutHeaderOffset: Duration? = nil
    ) {
        self.maxStreamDuration = maxStreamDuration
        self.grpcTimeoutHeaderMax = grpcTimeoutHeaderMax
        self.grpcTimeoutHeaderOffset = grpcTimeoutHeaderOffset
    }
}

/// `envoy.config.route.v3.DirectResponseAction`.
public struct DirectResponsePlan: Sendable, Hashable {
    public var status: Int
    /// `body` (`inline_string`, `inline_bytes` or `filename`, read at plan time).
    public var body: [UInt8]?

    public init(status: Int, body: [UInt8]? = nil) {
        self.status = status
        self.body = body
    }
}

/// `envoy.config.route.v3.RedirectAction`.
public struct RedirectPlan: Sendable, Hashable {
    /// `scheme_redirect`, or `https` for `https_redirect: true`.
    public var scheme: String?
    public var host: String?
    public var port: Int?
    /// `path_redirect`: the whole path (the query kept unless `strip_query`).
    public var path: String?
    /// `prefix_rewrite`: the matched prefix replaced.
    public var prefixRewrite: String?
    /// `response_code`: 301 (Envoy's default), 302, 303, 307 or 308.
    public var responseCode: Int
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

/// `request_headers_to_add`, `request_headers_to_remove`, `response_headers_to_add`, `response_headers_to_remove` of
/// one level (route configuration, virtual host, route or weighted cluster).
public struct HeaderMutationPlan: Sendable, Hashable {
    public var requestHeadersToAdd: [HeaderValueOptionPlan]
    /// Lower-cased names.
    public var requestHeadersToRemove: [String]
    public var responseHeadersToAdd: [HeaderValueOptionPlan]
    /// Lower-cased names.
    public var responseHeadersToRemove: [String]

    public init(
        requestHeadersToAdd: [HeaderValueOptionPlan] = [],
        requestHeadersToRemove: [String] = [],
        responseHeadersToAdd: [HeaderValueOptionPlan] = [],
        responseHeadersToRemove: [String] = []
    ) {
        self.requestHeadersToAdd = requestHeadersToAdd
        self.requestHeadersToRemove = requestHeadersToRemove
        self.responseHeadersToAdd = responseHeadersToAdd
        self.responseHeadersToRemove = responseHeadersToRemove
    }

    public var isEmpty: Bool {
        requestHeadersToAdd.isEmpty && requestHeadersToRemove.isEmpty && responseHeadersToAdd.isEmpty
            && responseHeadersToRemove.isEmpty
    }
}

/// `envoy.config.core.v3.HeaderValueOption`.
public struct HeaderValueOptionPlan: Sendable, Hashable {
    /// `append_action` (or the deprecated `append`).
    public enum AppendAction: Sendable, Hashable {
        /// `APPEND_IF_EXISTS_OR_ADD` (Envoy's default).
        case appendIfExistsOrAdd
        /// `ADD_IF_ABSENT`.
        case addIfAbsent
        /// `OVERWRITE_IF_EXISTS_OR_ADD`.
        case overwriteIfExistsOrAdd
        /// `OVERWRITE_IF_EXISTS`.
        case overwriteIfExists
    }

    /// Lower-cased.
    public var name: String
    /// The value, with the command operators Lifeline supports (`%DOWNSTREAM_REMOTE_ADDRESS%`, …) still in it.
    public var value: String
    public var appendAction: AppendAction
    /// `keep_empty_value`: an empty value is added (otherwise skipped).
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

/// What the router knows of a request when it picks a route.
public struct RouteRequest: Sendable, Hashable {
    /// `:authority` (HTTP/2) or `Host` (HTTP/1.1), as sent.
    public var authority: String
    /// `:path`, with its query string.
    public var path: String
    /// `:method`.
    public var method: String
    /// Every header with its name lower-cased, in the order received (`:scheme` among them).
    public var headers: [HeaderField]

    public init(authority: String, path: String, method: String, headers: [HeaderField]) {
        self.authority = authority
        self.path = path
        self.method = method
        self.headers = headers
    }
}

/// A header name (lower-cased) and its value.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The route a request was given: indexes into a ``RouteConfigurationPlan``.
public struct RouteSelection: Sendable, Hashable {
    public var virtualHost: Int
    public var route: Int

    public init(virtualHost: Int, route: Int) {
        self.virtualHost = virtualHost
        self.route = route
    }
}
