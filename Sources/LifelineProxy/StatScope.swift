/// Where a stat lives, as Envoy scopes it: its full name is the scope's ``prefix`` followed by the stat's own name.
///
/// Envoy counts a connection in more than one scope (a listener's `downstream_cx_total` and its connection
/// manager's); Lifeline does the same, so each scope reads as it does in Envoy.
public enum StatScope: Sendable, Hashable {
    /// No prefix: `tls_inspector.*` and the downstream `http2.*` codec counters, as Envoy roots them.
    case root
    /// `listener.<address or stat_prefix>.`: accepts, closes, listener filters, downstream TLS.
    case listener(String)
    /// `http.<stat_prefix>.`: an `http_connection_manager` and its router.
    case http(String)
    /// `listener.<address>.http.<stat_prefix>.`: a connection manager's response classes per listener.
    case listenerHTTP(listener: String, prefix: String)
    /// `tcp.<stat_prefix>.`: a `tcp_proxy`.
    case tcp(String)
    /// `cluster.<name>.`: upstream connections and requests.
    case cluster(String)
    /// `connection_limit.<stat_prefix>.`: a `connection_limit` network filter.
    case connectionLimit(String)
    /// `proxy_proto.<stat_prefix>.`, or `proxy_proto.` without a prefix: the PROXY protocol listener filter.
    case proxyProtocol(String?)

    /// The dotted prefix of every stat of the scope, ending in a dot (empty for ``root``).
    public var prefix: String {
        switch self {
        case .root: ""
        case .listener(let name): "listener.\(name)."
        case .http(let prefix): "http.\(prefix)."
        case .listenerHTTP(let listener, let prefix): "listener.\(listener).http.\(prefix)."
        case .tcp(let prefix): "tcp.\(prefix)."
        case .cluster(let name): "cluster.\(name)."
        case .connectionLimit(let prefix): "connection_limit.\(prefix)."
        case .proxyProtocol(let prefix): prefix.map { "proxy_proto.\($0)." } ?? "proxy_proto."
        }
    }

    /// The stats this scope shows, in Envoy's names; what else is counted into its storage stays internal.
    var shown: [ProxyStats.Name] {
        switch self {
        case .root: Self.rootNames
        case .listener: Self.listenerNames
        case .http: Self.httpNames
        case .listenerHTTP: Self.listenerHTTPNames
        case .tcp: Self.tcpNames
        case .cluster: Self.clusterNames
        case .connectionLimit: [.connectionLimitLimited, .connectionLimitActive]
        case .proxyProtocol: Self.proxyProtocolNames
        }
    }

    /// The name of a listener's scope: its `stat_prefix`, else its address as Envoy spells it in a stat name, every
    /// `:` made `_` (`0.0.0.0_10000`, `[__]_10000` for `[::]:10000`).
    public static func listenerName(host: String, port: Int, statPrefix: String?) -> String {
        if let statPrefix, !statPrefix.isEmpty { return statPrefix }
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return String(address.map { $0 == ":" ? "_" : $0 })
    }

    private static let rootNames: [ProxyStats.Name] = [
        .clientHelloTooLarge, .http2KeepaliveTimeout, .http2TooManyPings, .http2InboundEmptyFramesFlood,
        .http2OutboundControlFlood, .http2HeaderListSizeTooLarge, .proxyProtocolError,
    ]

    private static let proxyProtocolNames: [ProxyStats.Name] = [
        .proxyProtocolV1Found, .proxyProtocolV1Disallowed, .proxyProtocolV1Error, .proxyProtocolV2Found,
        .proxyProtocolV2Disallowed, .proxyProtocolV2Error, .proxyProtocolNotFoundAllowed,
        .proxyProtocolNotFoundDisallowed,
    ]

    /// Envoy's listener stats, plus Lifeline's breakdown of `downstream_cx_destroy` by cause (the listener owns the
    /// socket and its keepalive, so every chain's closes are counted here) and its accept back-off.
    private static let listenerNames: [ProxyStats.Name] = [
        .downstreamConnectionsTotal, .downstreamConnectionsActive, .downstreamConnectionsDestroyed,
        .downstreamClosedLocally, .downstreamClosedByRemote, .downstreamReset, .downstreamKeepaliveTimeout,
        .downstreamUserTimeout, .downstreamAcceptBackoff, .downstreamGlobalOverflow, .noFilterChainMatch,
        .listenerFiltersTimeout, .sslHandshake, .sslNoCertificate, .sslFailVerifyNoCertificate, .sslFailVerifyError,
        .sslFailVerifySAN,
        .sslConnectionError,
    ]

    /// Envoy's connection manager and router stats, plus Lifeline's close causes next to Envoy's
    /// `downstream_cx_destroy_local`/`_remote`.
    private static let httpNames: [ProxyStats.Name] = [
        .downstreamConnectionsTotal, .downstreamConnectionsActive, .downstreamConnectionsDestroyed,
        .downstreamClosedLocally, .downstreamClosedByRemote, .downstreamReset, .downstreamKeepaliveTimeout,
        .downstreamUserTimeout, .downstreamIdleTimeout, .downstreamBytesReceived, .downstreamBytesSent,
        .downstreamFlowControlPaused, .downstreamHTTP1Total, .downstreamHTTP2Total, .downstreamProtocolError,
        .downstreamMaxDurationReached, .downstreamRequestsTotal, .downstreamRequests1xx, .downstreamRequests2xx,
        .downstreamRequests3xx, .downstreamRequests4xx, .downstreamRequests5xx, .downstreamRequestsActive,
        .downstreamRequestTimeout, .downstreamRequestHeaderTimeout, .downstreamRequestIdleTimeout,
        .downstreamRequestMaxDurationReached, .downstreamRequestRxReset, .downstreamRequestTxReset, .noRoute,
        .noCluster, .downstreamRequestsTooManyPrematureResets,
    ]

    private static let listenerHTTPNames: [ProxyStats.Name] = [
        .downstreamRequests1xx, .downstreamRequests2xx, .downstreamRequests3xx, .downstreamRequests4xx,
        .downstreamRequests5xx,
    ]

    private static let tcpNames: [ProxyStats.Name] = [
        .downstreamConnectionsTotal, .downstreamBytesReceived, .downstreamBytesSent, .downstreamFlowControlPaused,
        .idleTimeout,
    ]

    /// Envoy's cluster stats, plus Lifeline's close causes next to `upstream_cx_destroy_local`/`_remote`.
    private static let clusterNames: [ProxyStats.Name] = [
        .upstreamConnectionsTotal, .upstreamConnectionsActive, .upstreamClosedLocally, .upstreamClosedByRemote,
        .upstreamReset, .upstreamKeepaliveTimeout, .upstreamUserTimeout, .upstreamIdleTimeout,
        .upstreamConnectFailures, .upstreamConnectTimeouts, .upstreamFlowControlPaused,
        .upstreamConnectionsHTTP1Total, .upstreamConnectionsHTTP2Total, .upstreamConnectionsMaxRequests,
        .upstreamConnectionsOverflow, .upstreamConnectionsCloseNotify, .upstreamRequestsTotal, .upstreamRequestsActive,
        .upstreamRequestsPendingTotal, .upstreamRequestsPendingActive, .upstreamRequestsPendingOverflow,
        .upstreamRequestTimeout, .upstreamRequestRetry, .http2KeepaliveTimeout, .http2TooManyPings, .sslHandshake,
        .sslNoCertificate,
        .sslFailVerifyNoCertificate, .sslFailVerifyError, .sslFailVerifySAN, .sslConnectionError,
    ]
}
